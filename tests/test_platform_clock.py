"""The monitor's clocks on each platform: the timeline counts suspended time and is never
moved by setting the wall clock. Linux is read for real; the macOS and Windows choices are
wired to this machine's own clocks under their platform names, so the selection and the
reading code run here too."""

from __future__ import annotations

import ctypes
import time
from types import SimpleNamespace

import pytest

from posturewatch.app.clock import ClockSources, SystemClock, clock_sources
from posturewatch.core.day_clock import DayClock

BOOTTIME, MONOTONIC = time.CLOCK_BOOTTIME, time.CLOCK_MONOTONIC


def darwin_clocks() -> SimpleNamespace:
    """macOS's clock ids, answered by the Linux clocks that behave like them."""
    return SimpleNamespace(CLOCK_MONOTONIC=BOOTTIME, CLOCK_UPTIME_RAW=MONOTONIC,
                           clock_gettime=time.clock_gettime)


def kernel32(*, windows_10: bool = True) -> SimpleNamespace:
    """kernel32's interrupt-time counters (100 ns units, through a pointer), answered by
    the Linux clocks that behave like them."""
    def into(clock: int):  # type: ignore[no-untyped-def]
        def query(pointer: ctypes._Pointer) -> int:  # type: ignore[type-arg]
            pointer.contents.value = int(time.clock_gettime(clock) * 1e7)
            return 1
        return query

    def ticks() -> int:
        return int(time.clock_gettime(BOOTTIME) * 1e3)

    dll = SimpleNamespace(QueryUnbiasedInterruptTime=into(MONOTONIC), GetTickCount64=ticks)
    if windows_10:
        dll.QueryInterruptTime = into(BOOTTIME)
    return dll


PLATFORMS = {
    "linux": lambda: clock_sources("linux"),
    "darwin": lambda: clock_sources("darwin", clocks=darwin_clocks()),
    "win32": lambda: clock_sources("win32", kernel32=kernel32()),
    "win32 before 10": lambda: clock_sources("win32", kernel32=kernel32(windows_10=False)),
}


def test_each_platform_picks_the_clock_that_counts_suspended_time() -> None:
    names = {platform: make().names for platform, make in PLATFORMS.items()}
    assert names == {
        "linux": ("CLOCK_BOOTTIME", "CLOCK_MONOTONIC"),
        "darwin": ("CLOCK_MONOTONIC", "CLOCK_UPTIME_RAW"),
        "win32": ("QueryInterruptTime", "QueryUnbiasedInterruptTime"),
        "win32 before 10": ("GetTickCount64", "QueryUnbiasedInterruptTime"),
    }
    # A platform without such clocks falls back to the monotonic clock, never the wall.
    assert clock_sources("linux", clocks=SimpleNamespace()).names == ("monotonic", "monotonic")
    assert clock_sources("sunos5").names == ("monotonic", "monotonic")


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_setting_the_wall_clock_back_an_hour_does_not_move_the_timeline(
    platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources: ClockSources = PLATFORMS[platform]()
    clock = SystemClock(sources)
    first = clock.read()
    assert first.elapsed == pytest.approx(time.clock_gettime(BOOTTIME), abs=0.05)
    assert first.monotonic == pytest.approx(time.clock_gettime(MONOTONIC), abs=0.05)
    day = DayClock(first)
    wall = time.time
    monkeypatch.setattr(time, "time", lambda: wall() - 3600)  # the user sets the clock back
    time.sleep(0.05)
    second = clock.read()
    assert 0.04 < day.t(second) < 1.0  # the timeline went on: frames are still taken
    assert day.step(second) is None  # and it is no suspend
    assert day.offset_s - (first.local - day.t(first)) == pytest.approx(-3600, abs=1)
