"""The system's clocks, read in one place so the monitor can be driven by a test's clock.

The monitor's timeline needs a clock that keeps counting while the machine sleeps and is
never set (a wall-clock change must not move it), and, to tell a suspend from a stall, a
second one that stops while the machine sleeps. Each platform names them differently:

- Linux: elapsed ``CLOCK_BOOTTIME``, awake ``CLOCK_MONOTONIC``;
- macOS: elapsed ``CLOCK_MONOTONIC`` (its clock_gettime(3) says it keeps counting while
  the system is asleep), awake ``CLOCK_UPTIME_RAW`` (``mach_absolute_time``);
- Windows: elapsed ``QueryInterruptTime`` (Windows 10), else ``GetTickCount64`` (both
  count sleep and hibernation), awake ``QueryUnbiasedInterruptTime``;
- elsewhere: ``time.monotonic`` for both (suspends are not told apart).

The wall clock is read only for what it is for: the calendar and what the user is shown.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from posturewatch.core.day_clock import ClockReading


class Clock(Protocol):
    def read(self) -> ClockReading: ...

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait up to ``seconds`` for ``event``; True if it was set."""
        ...


@dataclass(frozen=True)
class ClockSources:
    """The two elapsed clocks of one platform, in seconds."""

    elapsed: Callable[[], float]  # counts suspended time; never set
    awake: Callable[[], float]  # stops while suspended
    names: tuple[str, str]  # (elapsed, awake), for the log


def _posix(clocks: Any, elapsed: str, awake: str) -> ClockSources | None:
    ids = getattr(clocks, elapsed, None), getattr(clocks, awake, None)
    if None in ids:
        return None
    return ClockSources(lambda: clocks.clock_gettime(ids[0]),
                        lambda: clocks.clock_gettime(ids[1]), (elapsed, awake))


def _windows(*dlls: Any) -> ClockSources | None:
    import ctypes

    def counter(name: str) -> Callable[[], float] | None:
        function = next((f for dll in dlls if (f := getattr(dll, name, None)) is not None),
                        None)
        if function is None:
            return None

        def read() -> float:
            value = ctypes.c_ulonglong()
            function(ctypes.pointer(value))
            return value.value / 1e7  # 100 ns units
        return read

    awake = counter("QueryUnbiasedInterruptTime")
    if awake is None:
        return None
    if (elapsed := counter("QueryInterruptTime")) is not None:
        return ClockSources(elapsed, awake, ("QueryInterruptTime", "QueryUnbiasedInterruptTime"))
    ticks = dlls[0].GetTickCount64
    ticks.restype = ctypes.c_ulonglong
    return ClockSources(lambda: ticks() / 1e3, awake,
                        ("GetTickCount64", "QueryUnbiasedInterruptTime"))


def clock_sources(platform: str = sys.platform, *, clocks: Any = time,
                  kernel32: Any = None) -> ClockSources:
    """The clocks to use on ``platform``; ``clocks`` (the ``time`` module) and ``kernel32``
    are where they are read, so a test can check each platform's choice anywhere."""
    found: ClockSources | None = None
    if platform.startswith("linux"):
        found = _posix(clocks, "CLOCK_BOOTTIME", "CLOCK_MONOTONIC")
    elif platform == "darwin":
        found = _posix(clocks, "CLOCK_MONOTONIC", "CLOCK_UPTIME_RAW")
    elif platform == "win32":
        found = _windows(*([kernel32] if kernel32 is not None else _windows_dlls()))
    if found is None:  # never the wall clock: setting it would move the timeline
        return ClockSources(time.monotonic, time.monotonic, ("monotonic", "monotonic"))
    return found


def _windows_dlls() -> list[Any]:
    """kernel32, and the API set that exports ``QueryInterruptTime`` (Windows 10 on)."""
    import ctypes

    dlls = [ctypes.WinDLL("kernel32")]  # type: ignore[attr-defined]
    try:
        dlls.append(ctypes.WinDLL("api-ms-win-core-realtime-l1-1-1"))  # type: ignore[attr-defined]
    except OSError:
        pass
    return dlls


class SystemClock:
    def __init__(self, sources: ClockSources | None = None) -> None:
        self.sources = sources or clock_sources()

    def read(self) -> ClockReading:
        awake = self.sources.awake()
        elapsed = self.sources.elapsed()
        wall = time.time()
        return ClockReading(awake, elapsed, wall, wall + utc_offset(wall))

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))


def utc_offset(epoch: float) -> float:
    """The local UTC offset in seconds at ``epoch`` (DST included)."""
    return float(time.localtime(epoch).tm_gmtoff)
