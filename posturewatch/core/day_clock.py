"""The monitor's clocks: elapsed time for durations, local wall time for the calendar.

The caller reads three clocks and passes the readings in (nothing here reads a clock):

- ``monotonic``: stops while the machine is suspended (Linux ``CLOCK_MONOTONIC``, macOS
  ``CLOCK_UPTIME_RAW``, Windows unbiased interrupt time);
- ``elapsed``: keeps counting through a suspend and is never set (Linux ``CLOCK_BOOTTIME``,
  macOS ``CLOCK_MONOTONIC``, Windows interrupt time; ``app/clock.py`` has the table), the
  monitor's timeline ``t``;
- ``wall``: seconds since the epoch (UTC), for what the user is shown;
- ``local``: the wall clock as the local calendar reads it (``wall`` plus the current UTC
  offset), for active hours, the daily cap and day totals.

A suspend is ``elapsed`` running ahead of ``monotonic``. The local offset (``local - t``)
is what the sitting tracker and rule engine call ``clock_offset_s``: it changes by an hour
at a daylight-saving change and follows the wall clock when it is set.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClockReading:
    monotonic: float
    elapsed: float
    wall: float
    local: float


@dataclass(frozen=True, slots=True)
class Suspend:
    """``seconds`` the machine was suspended."""

    seconds: float


class DayClock:
    """Turns readings into timeline time, suspends and the local offset."""

    def __init__(self, first: ClockReading, *, min_suspend_s: float = 5.0,
                 offset_tolerance_s: float = 30.0) -> None:
        self.origin = first.elapsed
        self.min_suspend_s = min_suspend_s
        self.offset_tolerance_s = offset_tolerance_s
        self._last = first
        self.offset_s = first.local - self.t(first)
        self.wall_offset_s = first.wall - self.t(first)

    def t(self, reading: ClockReading) -> float:
        """Timeline seconds since the monitor started, suspends included."""
        return reading.elapsed - self.origin

    def step(self, reading: ClockReading) -> Suspend | None:
        """Take a new reading; say whether a suspend happened since the last one. The
        offset follows the wall clock when it moves by more than the tolerance (DST, the
        clock being set), not for every jitter, so day totals stay stable."""
        last, self._last = self._last, reading
        lost = (reading.elapsed - last.elapsed) - (reading.monotonic - last.monotonic)
        offset = reading.local - self.t(reading)
        if abs(offset - self.offset_s) > self.offset_tolerance_s:
            self.offset_s = offset
        wall_offset = reading.wall - self.t(reading)
        if abs(wall_offset - self.wall_offset_s) > self.offset_tolerance_s:
            self.wall_offset_s = wall_offset
        if lost >= self.min_suspend_s:
            return Suspend(lost)
        return None

    def local(self, t: float) -> float:
        """Local wall seconds (epoch-based) for timeline time ``t``."""
        return t + self.offset_s

    def epoch(self, t: float) -> float:
        """Epoch seconds (UTC) for timeline time ``t``, for what the user is shown."""
        return t + self.wall_offset_s
