"""Daily posture summaries from stored records: pure arithmetic over intervals and events.

- Days are local calendar days. Each interval already belongs to one day (the aggregator
  cuts at local midnight); a bout, break or pause across midnight is split at the local
  midnight of its start's offset, and each day gets its part.
- Sitting time is the bouts' sitting time (unseen gaps excluded); a day's longest bout is
  the longest part of one bout inside that day. A break counts on the day it began.
- Upright share is upright over upright plus slouched (away, unknown and standing are not
  seated posture). Standing time is the seconds seen standing.
- Slouch episodes: times the settled state turned to slouched.
- Reminders acted on: outcome ``acted`` (seen by the camera) or ``done`` (confirmed);
  ``reminder_outcomes`` counts every outcome (``open`` for one still being decided).
- Exercises: the sets the camera counted (wall angels, neck tilts, side bends, stand-ups)
  that began on the period's days.
- The change is this period's daily average against the daily average of the days with
  data among the ``compare_days`` days before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from posturewatch.core.intervals import DAY_S, local_datetime
from posturewatch.core.records import ExerciseRecord, Records, Span

STATES = ("upright", "slouched", "away", "unknown", "standing")


@dataclass
class DayTotals:
    """One day's numbers (or a period's sums when ``day`` is None)."""

    day: date | None
    sitting_s: float = 0.0
    longest_bout_s: float = 0.0
    breaks: int = 0
    upright_s: float = 0.0
    slouched_s: float = 0.0
    away_s: float = 0.0
    unknown_s: float = 0.0
    standing_s: float = 0.0
    unseen_s: float = 0.0
    paused_s: float = 0.0
    call_s: float = 0.0  # in calls (counted as sitting too)
    locked_s: float = 0.0  # the screen locked (counted as away too)
    slouch_episodes: int = 0
    reminders_fired: int = 0
    reminders_acted: int = 0
    reasons: dict[str, float] = field(default_factory=dict)
    # how many reminders ended each way (acted, done, snoozed, dismissed, ignored,
    # expired; "open" while one is still being decided)
    reminder_outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def seen_s(self) -> float:
        return self.upright_s + self.slouched_s + self.away_s + self.unknown_s + self.standing_s

    @property
    def has_data(self) -> bool:
        return self.seen_s > 0 or self.sitting_s > 0

    @property
    def upright_share(self) -> float | None:
        judged = self.upright_s + self.slouched_s
        return self.upright_s / judged if judged > 0 else None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.day is None else {"date": self.day.isoformat()}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "day":
                continue
            if f.name == "reasons":
                value = {k: round(v, 1) for k, v in sorted(value.items())}
            elif f.name == "reminder_outcomes":
                value = dict(sorted(value.items()))
            elif isinstance(value, float):
                value = round(value, 1)
            out[f.name] = value
        share = self.upright_share
        out["upright_share"] = None if share is None else round(share, 3)
        return out


@dataclass(frozen=True)
class Summary:
    first: date
    last: date
    days: tuple[DayTotals, ...]
    totals: DayTotals
    previous_first: date
    previous_last: date
    previous_days: int  # days with data among the previous ones
    previous_average: DayTotals | None
    average: DayTotals  # this period's daily average over its days with data
    exercises: tuple[ExerciseRecord, ...] = ()  # sets counted by the camera, in order

    def change(self) -> dict[str, float | None] | None:
        """This period's daily average minus the previous days' daily average."""
        if self.previous_average is None or not self.average.has_data:
            return None
        now, before = self.average.to_dict(), self.previous_average.to_dict()
        out: dict[str, float | None] = {}
        for key in (*COMPARED, "upright_share"):
            a, b = now[key], before[key]
            out[key] = None if a is None or b is None else round(a - b, 3)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "totals": self.totals.to_dict(),
            "days": [d.to_dict() for d in self.days],
            "previous": {
                "from": self.previous_first.isoformat(),
                "to": self.previous_last.isoformat(),
                "days_with_data": self.previous_days,
                "daily_average": (None if self.previous_average is None
                                  else self.previous_average.to_dict()),
            },
            "change": self.change(),
            "exercises": [exercise_dict(e) for e in self.exercises],
        }

    def reps(self, exercise: str = "wall_angel") -> int:
        return sum(e.reps for e in self.exercises if e.exercise == exercise)

    def counted(self) -> dict[str, tuple[int, int]]:
        """Each exercise seen: (repetitions, sets), in the order first seen."""
        out: dict[str, tuple[int, int]] = {}
        for e in self.exercises:
            reps, sets = out.get(e.exercise, (0, 0))
            out[e.exercise] = (reps + e.reps, sets + 1)
        return out


def exercise_dict(e: ExerciseRecord) -> dict[str, Any]:
    """A stored set as JSON shows it: id, repetitions (to each side, where the movement
    has sides), local start and end."""
    out: dict[str, Any] = {"id": e.exercise, "reps": e.reps}
    if e.sides is not None:
        out["left"], out["right"] = e.sides
    out["from"] = local_datetime(e.start_utc, e.utc_offset_s).isoformat(timespec="seconds")
    out["to"] = local_datetime(e.end_utc, e.utc_offset_s).isoformat(timespec="seconds")
    return out


COMPARED = ("sitting_s", "longest_bout_s", "breaks", "upright_s", "slouched_s",
            "standing_s", "slouch_episodes", "reminders_fired", "reminders_acted")


def day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _split(span: Span) -> Iterable[tuple[date, float, float]]:
    """(local day, seconds of the span in it, share of the span) for each day it touches,
    cut at local midnights of the start's offset."""
    length = span.end_utc - span.start_utc
    start = span.start_utc
    if length <= 0:
        yield local_datetime(start, span.utc_offset_s).date(), 0.0, 1.0
        return
    while start < span.end_utc:
        local = start + span.utc_offset_s
        midnight = (local // DAY_S + 1) * DAY_S - span.utc_offset_s
        cut = min(span.end_utc, midnight)
        yield local_datetime(start, span.utc_offset_s).date(), cut - start, (cut - start) / length
        start = cut


def day_totals(records: Records, days: Sequence[date]) -> list[DayTotals]:
    """Totals for each of ``days`` (records outside them are ignored)."""
    by_day = {d: DayTotals(d) for d in days}
    for interval in records.intervals:
        totals = by_day.get(interval.day)
        if totals is None:
            continue
        for state in STATES:
            setattr(totals, f"{state}_s", getattr(totals, f"{state}_s")
                    + getattr(interval, f"{state}_s"))
        totals.unseen_s += interval.unseen_s
        totals.slouch_episodes += interval.slouch_episodes
        _add(totals.reasons, interval.reasons)
    for bout in records.bouts:
        for day, _, share in _split(bout):
            if (totals := by_day.get(day)) is not None:
                part = bout.sitting_s * share
                totals.sitting_s += part
                totals.longest_bout_s = max(totals.longest_bout_s, part)
    for name, spans in (("paused_s", records.pauses), ("call_s", records.calls),
                        ("locked_s", records.locks)):
        for span in spans:
            for day, seconds, _ in _split(span):
                if (totals := by_day.get(day)) is not None:
                    setattr(totals, name, getattr(totals, name) + seconds)
    for brk in records.breaks:
        day = local_datetime(brk.start_utc, brk.utc_offset_s).date()
        if (totals := by_day.get(day)) is not None:
            totals.breaks += 1
    for reminder in records.reminders:
        day = local_datetime(reminder.at_utc, reminder.utc_offset_s).date()
        if (totals := by_day.get(day)) is not None:
            totals.reminders_fired += 1
            totals.reminders_acted += reminder.acted
            outcome = reminder.outcome or "open"
            totals.reminder_outcomes[outcome] = totals.reminder_outcomes.get(outcome, 0) + 1
    return [by_day[d] for d in days]


_DICTS = ("reasons", "reminder_outcomes")  # DayTotals' fields that count per key


def _add(into: dict, more: Mapping) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) + value


def _sum(days: Sequence[DayTotals]) -> DayTotals:
    out = DayTotals(None)
    for d in days:
        for f in fields(DayTotals):
            if f.name in ("day", "longest_bout_s", *_DICTS):
                continue
            setattr(out, f.name, getattr(out, f.name) + getattr(d, f.name))
        out.longest_bout_s = max(out.longest_bout_s, d.longest_bout_s)
        for name in _DICTS:
            _add(getattr(out, name), getattr(d, name))
    return out


def _average(days: Sequence[DayTotals]) -> DayTotals | None:
    """The daily average over the days with data (None if there are none)."""
    with_data = [d for d in days if d.has_data]
    if not with_data:
        return None
    total = _sum(with_data)
    n = len(with_data)
    out = DayTotals(None)
    for f in fields(DayTotals):
        if f.name in ("day", *_DICTS):
            continue
        source = [d.longest_bout_s for d in with_data] if f.name == "longest_bout_s" else None
        value = sum(source) if source is not None else getattr(total, f.name)
        setattr(out, f.name, value / n)
    out.reasons = {k: v / n for k, v in total.reasons.items()}
    return out  # outcomes are counted, not averaged


def summarize(records: Records, first: date, last: date, *, compare_days: int = 7) -> Summary:
    """The period ``first``..``last`` against the ``compare_days`` days before it.
    ``records`` must cover both (read ``first - compare_days`` to ``last``)."""
    previous_last = first - timedelta(days=1)
    previous_first = first - timedelta(days=compare_days)
    current = day_totals(records, day_range(first, last))
    previous = day_totals(records, day_range(previous_first, previous_last))
    return Summary(
        first=first, last=last, days=tuple(current), totals=_sum(current),
        previous_first=previous_first, previous_last=previous_last,
        previous_days=sum(d.has_data for d in previous),
        previous_average=_average(previous),
        average=_average(current) or DayTotals(None),
        exercises=tuple(e for e in records.exercises
                        if first <= local_datetime(e.start_utc, e.utc_offset_s).date() <= last),
    )


@dataclass(frozen=True)
class HourShare:
    hour: int  # local hour of the day, 0..23
    upright_s: float
    slouched_s: float

    @property
    def share(self) -> float | None:
        judged = self.upright_s + self.slouched_s
        return self.upright_s / judged if judged > 0 else None


def by_hour(records: Records, days: Sequence[date]) -> list[HourShare]:
    """Upright and slouched seconds per local hour of the day over ``days`` (the hour that
    repeats when clocks go back holds both of its hours)."""
    wanted = set(days)
    upright: dict[int, float] = defaultdict(float)
    slouched: dict[int, float] = defaultdict(float)
    for interval in records.intervals:
        start = interval.local_start
        if start.date() not in wanted:
            continue
        upright[start.hour] += interval.upright_s
        slouched[start.hour] += interval.slouched_s
    return [HourShare(h, upright[h], slouched[h]) for h in range(24)]


def local_hours(utc: float, utc_offset_s: int, day: date) -> float:
    """Hours since the start of local ``day`` (for drawing a timeline)."""
    local = local_datetime(utc, utc_offset_s)
    return (local - datetime.combine(day, datetime.min.time())).total_seconds() / 3600
