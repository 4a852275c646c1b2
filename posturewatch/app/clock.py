"""The system's clocks, read in one place so the monitor can be driven by a test's clock."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from posturewatch.core.day_clock import ClockReading

# Linux: CLOCK_BOOTTIME counts suspended time and CLOCK_MONOTONIC does not. Elsewhere the
# wall clock stands in for the former (macOS's monotonic clock also stops in sleep).
_BOOTTIME = getattr(time, "CLOCK_BOOTTIME", None)


class Clock(Protocol):
    def read(self) -> ClockReading: ...

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait up to ``seconds`` for ``event``; True if it was set."""
        ...


class SystemClock:
    def read(self) -> ClockReading:
        mono = time.monotonic()
        wall = time.time()
        elapsed = time.clock_gettime(_BOOTTIME) if _BOOTTIME is not None else wall
        return ClockReading(mono, elapsed, wall, wall + utc_offset(wall))

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))


def utc_offset(epoch: float) -> float:
    """The local UTC offset in seconds at ``epoch`` (DST included)."""
    return float(time.localtime(epoch).tm_gmtoff)
