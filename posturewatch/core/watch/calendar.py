"""Where a session's timeline falls on the calendar.

A session counts time as ``t``, seconds on its own timeline; the calendar says what local
day and hour that is (active hours, the daily cap, day totals) and which instant (the
status, the store). The live monitor's is its :class:`~posturewatch.core.day_clock.
DayClock`, which follows the clocks; a recording's is :class:`RecordingCalendar`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from posturewatch.core.sitting import DAY_S


class Calendar(Protocol):
    offset_s: float  # t + offset_s: seconds since the midnight of local day 0

    def epoch(self, t: float) -> float:
        """UTC epoch seconds at ``t``."""
        ...

    def local(self, t: float) -> float:
        """Local wall seconds (epoch-based) at ``t``."""
        ...


@dataclass(frozen=True)
class RecordingCalendar:
    """A recording's timeline placed at ``start_utc``; ``utc_offset_of(utc)`` is the local
    zone's offset at an instant. Day 0 is the recording's first local day."""

    start_utc: float
    utc_offset_of: Callable[[float], int]
    offset_s: float = field(init=False)

    def __post_init__(self) -> None:
        start_local = self.start_utc + self.utc_offset_of(self.start_utc)
        object.__setattr__(self, "offset_s", start_local % DAY_S)

    def epoch(self, t: float) -> float:
        return self.start_utc + t

    def local(self, t: float) -> float:
        utc = self.epoch(t)
        return utc + self.utc_offset_of(utc)
