"""What the history store hands back: plain values the summaries are computed from.

Times are UTC epoch seconds with the local UTC offset (seconds east of UTC) in force at the
start; local days and hours are derived from the two, never from the reader's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from posturewatch.core.intervals import Interval


@dataclass(frozen=True, slots=True)
class Span:
    """A sitting bout, break, pause, call or locked screen."""

    start_utc: float
    end_utc: float
    utc_offset_s: int
    sitting_s: float = 0.0  # bouts: sitting time, unseen gaps inside excluded
    session_id: int = 0


@dataclass(frozen=True, slots=True)
class ReminderRecord:
    id: int
    at_utc: float
    utc_offset_s: int
    rule: str
    kind: str
    title: str
    level: int
    outcome: str | None  # acted | done | snoozed | dismissed | ignored | expired | None (open)
    session_id: int = 0
    note: str = ""  # what the camera saw ("5 wall angels, seen")

    @property
    def acted(self) -> bool:
        return self.outcome in ("acted", "done")


@dataclass(frozen=True, slots=True)
class ExerciseRecord:
    """A set of repetitions the camera counted."""

    exercise: str  # wall_angel, neck_tilt, side_bend, stand_up
    reps: int
    start_utc: float
    end_utc: float
    utc_offset_s: int
    session_id: int = 0
    sides: tuple[int, int] | None = None  # (left, right) for a movement to either side


@dataclass(frozen=True, slots=True)
class CalibrationRecord:
    at_utc: float
    utc_offset_s: int
    view: str
    frames: int
    values: Mapping[str, Any]
    ok: bool = True  # False: a failed attempt
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Records:
    """Everything stored for a range of local days, read in one snapshot."""

    intervals: tuple[Interval, ...] = ()
    bouts: tuple[Span, ...] = ()
    breaks: tuple[Span, ...] = ()
    reminders: tuple[ReminderRecord, ...] = ()
    pauses: tuple[Span, ...] = ()
    calibrations: tuple[CalibrationRecord, ...] = ()
    exercises: tuple[ExerciseRecord, ...] = ()
    calls: tuple[Span, ...] = ()  # another app had the camera or microphone: sitting
    locks: tuple[Span, ...] = ()  # the screen locked or the display asleep: away
