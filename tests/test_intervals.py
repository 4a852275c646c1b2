"""The pure interval aggregator and the daily arithmetic: boundaries, local midnight,
daylight-saving transitions (both directions, real zone rules), hours simulated in
milliseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from posturewatch.core.daily import by_hour, day_range, day_totals, summarize
from posturewatch.core.intervals import (
    Interval,
    IntervalAggregator,
    IntervalError,
    local_datetime,
)
from posturewatch.core.records import Records, ReminderRecord, Span

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def offset(utc: float, zone: ZoneInfo) -> int:
    delta = datetime.fromtimestamp(utc, tz=UTC).astimezone(zone).utcoffset()
    assert delta is not None
    return int(delta.total_seconds())


def utc_of(text: str, zone: ZoneInfo) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


def feed(start_utc: float, seconds: float, step: float, zone: ZoneInfo, *,
         interval_s: float = 60.0, state=lambda t: "upright") -> list[Interval]:
    """A session of frames ``step`` apart, each standing for ``step`` seconds, with the
    offset the zone has at each frame (what the monitor's caller supplies)."""
    aggregator = IntervalAggregator(interval_s)
    out: list[Interval] = []
    n = round(seconds / step)
    for i in range(n):
        t = i * step
        wall = start_utc + t
        out += aggregator.push(t=t, wall_utc=wall, utc_offset_s=offset(wall, zone),
                               state=state(t), seconds=step)
    return out + aggregator.flush()


def seen(intervals: list[Interval]) -> float:
    return sum(i.upright_s + i.slouched_s + i.away_s + i.unknown_s for i in intervals)


def test_intervals_align_to_the_clock_minute_and_keep_every_second() -> None:
    start = utc_of("2026-05-04T10:00:23", BERLIN)
    intervals = feed(start, 150.0, 0.2, BERLIN,
                     state=lambda t: "slouched" if 30 <= t < 90 else "upright")
    assert [i.local_start.strftime("%H:%M:%S") for i in intervals] == \
        ["10:00:23", "10:01:00", "10:02:00"]
    assert [round(i.length_s, 3) for i in intervals] == [37.0, 60.0, 53.0]
    assert seen(intervals) == pytest.approx(150.0, abs=1e-3)
    assert sum(i.slouched_s for i in intervals) == pytest.approx(60.0, abs=1e-3)
    assert sum(i.slouch_episodes for i in intervals) == 1
    assert all(i.unseen_s == pytest.approx(0, abs=1e-3) for i in intervals)


def test_holes_are_unseen_and_a_gap_across_a_boundary_closes_the_interval() -> None:
    aggregator = IntervalAggregator(60)
    base = utc_of("2026-05-04T10:00:00", BERLIN)
    off = offset(base, BERLIN)
    out = []
    for t in (0.0, 1.0, 2.0, 20.0):  # 17 s hole after t=2 (suspend)
        out += aggregator.push(t=t, wall_utc=base + t, utc_offset_s=off, state="upright",
                               seconds=1.0)
    out += aggregator.push(t=200.0, wall_utc=base + 200, utc_offset_s=off, state="away",
                           seconds=1.0)
    out += aggregator.flush()
    first, second = out
    assert first.length_s == pytest.approx(21.0) and first.unseen_s == pytest.approx(17.0)
    assert first.upright_s == pytest.approx(4.0)
    assert second.local_start.strftime("%H:%M:%S") == "10:03:20" and second.away_s == 1.0


def test_metrics_are_time_weighted_means_and_reasons_are_seconds() -> None:
    aggregator = IntervalAggregator(60)
    base = utc_of("2026-05-04T10:00:00", BERLIN)
    off = offset(base, BERLIN)
    aggregator.push(t=0, wall_utc=base, utc_offset_s=off, state="upright", seconds=30,
                    metrics={"score": 0.2, "view": "front", "lean_deg": None})
    aggregator.push(t=30, wall_utc=base + 30, utc_offset_s=off, state="slouched", seconds=10,
                    metrics={"score": 1.4}, reasons=("head_forward",))
    (interval,) = aggregator.flush()
    assert interval.metrics == pytest.approx({"score": (0.2 * 30 + 1.4 * 10) / 40})
    assert interval.reasons == {"head_forward": pytest.approx(10.0)}


def test_frames_out_of_order_and_bad_lengths_are_refused() -> None:
    aggregator = IntervalAggregator(60)
    aggregator.push(t=5, wall_utc=1e9, utc_offset_s=0, state="upright", seconds=1)
    with pytest.raises(IntervalError):
        aggregator.push(t=4, wall_utc=1e9 + 1, utc_offset_s=0, state="upright", seconds=1)
    with pytest.raises(IntervalError):
        IntervalAggregator(0.5)


def test_a_clock_set_back_never_counts_time_twice() -> None:
    aggregator = IntervalAggregator(60)
    base = 1_000_000_020.0  # on a minute
    aggregator.push(t=0, wall_utc=base, utc_offset_s=0, state="upright", seconds=10)
    aggregator.push(t=10, wall_utc=base + 5, utc_offset_s=0, state="upright", seconds=10)
    (interval,) = aggregator.flush()
    assert interval.length_s == pytest.approx(20) and interval.upright_s == pytest.approx(20)


def overnight(zone: ZoneInfo, evening: str) -> tuple[list[Interval], Records, float]:
    """Sitting from 22:00 to 06:00 local, one frame every 5 s, one bout, a reminder at 23:30."""
    start = utc_of(f"{evening}T22:00", zone)
    next_day = date.fromisoformat(evening).toordinal() + 1
    end = utc_of(f"{date.fromordinal(next_day).isoformat()}T06:00", zone)
    intervals = feed(start, end - start, 5.0, zone,
                     state=lambda t: "slouched" if t % 600 < 120 else "upright")
    bout = Span(start, end, offset(start, zone), sitting_s=end - start)
    reminder = ReminderRecord(1, start + 5400, offset(start, zone), "posture", "posture",
                              "Sit tall", 1, "acted")
    return intervals, Records(tuple(intervals), (bout,), (), (reminder,)), end - start


@pytest.mark.parametrize(("zone", "evening", "after_midnight_h", "hour"), [
    (BERLIN, "2026-03-28", 5.0, 2),     # spring forward: 02:00 → 03:00, an hour short
    (BERLIN, "2026-10-24", 7.0, 2),     # fall back: 03:00 → 02:00, 02:xx happens twice
    (NEW_YORK, "2026-03-07", 5.0, 2),   # 02:00 → 03:00
    (NEW_YORK, "2026-10-31", 7.0, 1),   # 02:00 → 01:00, 01:xx happens twice
])
def test_daylight_saving_neither_doubles_nor_loses_time(
    zone: ZoneInfo, evening: str, after_midnight_h: float, hour: int
) -> None:
    intervals, records, real_s = overnight(zone, evening)
    assert real_s == pytest.approx((2 + after_midnight_h) * 3600)
    assert seen(intervals) == pytest.approx(real_s, abs=1e-2)  # every real second, once
    starts = [i.start_utc for i in intervals]
    assert all(a.end_utc <= b.start_utc + 1e-6 for a, b in zip(intervals, intervals[1:]))
    assert len(set(starts)) == len(starts)
    first = date.fromisoformat(evening)
    second = date.fromordinal(first.toordinal() + 1)
    days = day_totals(records, [first, second])
    assert days[0].upright_s + days[0].slouched_s == pytest.approx(2 * 3600, abs=1e-2)
    assert days[1].upright_s + days[1].slouched_s == pytest.approx(after_midnight_h * 3600,
                                                                     abs=1e-2)
    # the bout is split at local midnight: both days get their part, none is lost
    assert days[0].sitting_s == pytest.approx(2 * 3600, abs=1)
    assert days[1].sitting_s == pytest.approx(after_midnight_h * 3600, abs=1e-3)
    assert days[0].sitting_s + days[1].sitting_s == pytest.approx(real_s, abs=1e-3)
    assert days[0].reminders_fired == 1 and days[0].reminders_acted == 1
    hours = {h.hour: h.upright_s + h.slouched_s for h in by_hour(records, [second])}
    if after_midnight_h == 5.0:
        assert hours[hour] == 0  # the skipped hour has no time in it
    else:
        assert hours[hour] == pytest.approx(7200, abs=1e-2)  # the repeated hour holds both
    assert sum(hours.values()) == pytest.approx(after_midnight_h * 3600, abs=1e-2)


def test_intervals_never_cross_local_midnight_and_dst_changes_close_them() -> None:
    intervals, _, _ = overnight(BERLIN, "2026-10-24")
    for interval in intervals:  # each ends inside the local day it started
        assert local_datetime(interval.end_utc - 1e-3, interval.utc_offset_s).date() == \
            interval.day
    offsets = {i.utc_offset_s for i in intervals}
    assert offsets == {3600, 7200}


def test_summary_compares_with_the_previous_days_average() -> None:
    def day_of_sitting(day: str, upright_s: float, slouched_s: float) -> Interval:
        start = utc_of(f"{day}T10:00", BERLIN)
        return Interval(start, offset(start, BERLIN), upright_s + slouched_s,
                        upright_s=upright_s, slouched_s=slouched_s)

    records = Records(intervals=(
        day_of_sitting("2026-05-01", 600, 400),
        day_of_sitting("2026-05-02", 800, 200),
        day_of_sitting("2026-05-04", 900, 100),
    ))
    summary = summarize(records, date(2026, 5, 4), date(2026, 5, 4), compare_days=7)
    assert summary.previous_days == 2
    assert summary.previous_average is not None
    assert summary.previous_average.upright_s == pytest.approx(700)
    change = summary.change()
    assert change is not None
    assert change["upright_s"] == pytest.approx(200)
    assert change["upright_share"] == pytest.approx(0.9 - 0.7)
    week = summarize(records, date(2026, 4, 28), date(2026, 5, 4))
    assert [d.day for d in week.days] == day_range(date(2026, 4, 28), date(2026, 5, 4))
    assert week.totals.upright_s == pytest.approx(2300)
