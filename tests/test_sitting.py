"""The sitting tracker on synthetic timelines: bouts, breaks, gaps, days, speed."""

from __future__ import annotations

import json

import pytest

from posturewatch.core.observation import Observation, Posture
from posturewatch.core.sitting import Bout, Break, SittingSettings, SittingTracker, TimelineError

UP, SLOUCH, AWAY, UNKNOWN = Posture.UPRIGHT, Posture.SLOUCHED, Posture.AWAY, Posture.UNKNOWN
SETTINGS = SittingSettings(min_break_s=60.0, max_gap_s=10.0)


def stream(*segments: tuple[float, Posture], start: float = 0.0, step: float = 1.0):
    """Observations every ``step`` s: each segment is (seconds, state)."""
    t = start
    for seconds, state in segments:
        for _ in range(round(seconds / step)):
            yield Observation(round(t, 6), state)
            t += step


def feed(observations, tracker: SittingTracker | None = None, **kw) -> SittingTracker:
    tracker = tracker or SittingTracker(SETTINGS, **kw)
    for obs in observations:
        tracker.update(obs)
    return tracker


def test_present_states_all_count_as_sitting() -> None:
    tracker = feed(stream((100, UP), (100, SLOUCH), (101, UNKNOWN)))
    assert tracker.current_sitting_s == 300
    assert tracker.bouts == (Bout(0, 300, 300),)
    assert tracker.breaks == ()


def test_short_absence_keeps_the_bout_and_counts_as_sitting() -> None:
    tracker = feed(stream((600, UP), (30, AWAY), (270, UP)))
    assert tracker.bouts == (Bout(0, 899, 899),)
    assert tracker.breaks == ()


def test_absence_is_frozen_while_pending_then_a_break_at_min_break_s() -> None:
    tracker = feed(stream((600, UP), (59, AWAY)))
    assert tracker.current_sitting_s == 600  # 600..658 away: not yet a break
    assert tracker.bout_start == 0 and tracker.absence_start == 600
    tracker.update(Observation(659, AWAY))
    assert tracker.current_sitting_s == 600  # 59 s of absence seen: still pending
    tracker.update(Observation(660, AWAY))
    assert tracker.current_sitting_s == 0  # 60 s: a break, the bout ended where it began
    assert tracker.bout_start is None
    assert tracker.bouts == (Bout(0, 600, 600),)
    assert tracker.breaks == (Break(600, None),)


def test_break_ends_when_the_person_returns() -> None:
    tracker = feed(stream((600, UP), (180, AWAY), (420, UP)))
    assert tracker.breaks == (Break(600, 780),)
    assert tracker.bouts == (Bout(0, 600, 600), Bout(780, 1199, 419))
    summary = tracker.summary()
    assert summary["sitting_s"] == 1019 and summary["longest_bout_s"] == 600
    assert summary["breaks"] == 1


def test_away_before_any_sitting_is_not_a_break() -> None:
    tracker = feed(stream((600, AWAY), (100, UP)))
    assert tracker.breaks == ()
    assert tracker.bouts == (Bout(600, 699, 99),)


def test_short_gap_ends_nothing_and_adds_nothing() -> None:
    # 30 s without observations: longer than max_gap_s (10), shorter than a break (60)
    obs = [*stream((300, UP)), *stream((300, UP), start=329)]  # unseen: 299..329
    tracker = feed(obs)
    assert tracker.bouts == (Bout(0, 628, 598),)
    assert tracker.unseen_s == 30


def test_long_gap_closes_the_bout_at_the_last_observation_and_is_no_break() -> None:
    obs = [*stream((300, UP)), *stream((100, UP), start=1000)]
    tracker = feed(obs)
    assert tracker.bouts == (Bout(0, 299, 299), Bout(1000, 1099, 99))
    assert tracker.breaks == ()
    assert tracker.unseen_s == 701


def test_gap_during_a_break_ends_the_break_where_the_camera_stopped() -> None:
    obs = [*stream((300, UP), (100, AWAY)), *stream((50, UP), start=2000)]
    tracker = feed(obs)
    assert tracker.breaks == (Break(300, 399),)
    assert [b.start for b in tracker.bouts] == [0, 2000]


def test_gap_inside_a_short_absence_is_not_counted_toward_the_break() -> None:
    # away 100..139, unseen 139..169, away 169..184: 54 s of seen absence, no break
    obs = [*stream((100, UP), (40, AWAY)), *stream((15, AWAY), (10, UP), start=169)]
    tracker = feed(obs)
    assert tracker.breaks == ()
    assert tracker.bouts == (Bout(0, 193, 163),)  # 100 up + 39 + 15 away + 9 up


def test_daily_totals_split_at_local_midnight() -> None:
    # t = 0 is 23:30 local: one hour of sitting straddles midnight
    tracker = feed(stream((3601, UP)), clock_offset_s=23.5 * 3600)
    assert tracker.daily_sitting_s() == {0: 1800, 1: 1800}


def test_out_of_order_observations_are_refused() -> None:
    tracker = feed(stream((10, UP)))
    with pytest.raises(TimelineError, match="sorted by time"):
        tracker.update(Observation(5.0, UP))


def test_five_hz_timeline_adds_up_exactly_enough() -> None:
    tracker = feed(stream((2700.2, UP), step=0.2))
    assert tracker.current_sitting_s == pytest.approx(2700, abs=1e-6)


def test_summary_is_json_ready() -> None:
    tracker = feed(stream((600, UP), (120, AWAY), (60, SLOUCH)))
    summary = json.loads(json.dumps(tracker.summary()))
    assert set(summary) == {"sitting_s", "longest_bout_s", "breaks", "standing_s", "unseen_s",
                            "bouts", "days"}
    assert summary["bouts"][0] == {"start": 0, "end": 600, "sitting_s": 600}
    assert summary["days"] == [{"day": 0, "sitting_s": 659}]


def working_day() -> list[Observation]:
    """8 h at 1 Hz: long sittings, short and 5-minute absences, unknown stretches."""
    pattern = [(2400, UP), (600, SLOUCH), (30, AWAY), (900, UP), (300, AWAY), (1200, UNKNOWN)]
    return list(stream(*(pattern * 6)))[: 8 * 3600]


def test_eight_hour_day_at_1hz() -> None:
    """(How fast the tracker goes through it: bench/core_speed.py.)"""
    tracker = feed(working_day())
    assert len(tracker.breaks) == 5  # the sixth 5-minute absence falls after 8 h
    assert tracker.summary()["sitting_s"] == 8 * 3600 - 1 - 5 * 300  # last obs: 28799
