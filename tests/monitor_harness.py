"""Driving the real monitor loop with a clock the test controls: no sleeping.

``FakeClock`` moves time forward only when the monitor waits, so eight hours take as long
as the frames take to judge; ``FakeClock.at`` runs a test's action (a command, a
``forget``, a full disk) when the timeline reaches a given second. ``ScriptedCamera``
hands out real frames from the shared pools along a timeline (and fails while the
timeline says the camera is taken).
``CachedPose`` runs the real model once per distinct frame (the pools repeat).
``DayKept`` is a sink that keeps the watch session's end: the day's totals and every
reminder with the camera's verdict. ``open_rig`` and ``run_monitor`` put them together:
real frames, one estimator, a baseline, and a monitor run to its end on the test clock.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest

from posturewatch.app.history_sink import HistorySink, LogHistory
from posturewatch.app.monitor import Monitor, Notice, ReminderDue, Stopped
from posturewatch.app.sinks import Sink
from posturewatch.app.store_history import StoreHistory
from posturewatch.core.day_clock import ClockReading
from posturewatch.core.settings import Config
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.happened import DayTotals, Message
from posturewatch.errors import SourceError
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_config
from posturewatch.storage.history import History

MIN = 60.0
START = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


class FakeClock:
    def __init__(self, start: datetime, *, suspend_at: float | None = None,
                 suspend_s: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.mono = 1_000.0
        self.elapsed = 50_000.0
        self.origin = self.elapsed
        self.wall = start.timestamp()
        self.tz = start.tzinfo
        self._suspend = (suspend_at, suspend_s) if suspend_at is not None else None
        self._actions: list[tuple[float, Callable[[], None]]] = []

    def at(self, t: float, action: Callable[[], None]) -> None:
        """Run ``action`` in the monitor's thread once the timeline reaches ``t`` seconds: a
        wait across ``t`` ends there (and returns whether the action woke the monitor)."""
        self._actions.append((t, action))
        self._actions.sort(key=lambda a: a[0])

    def t(self) -> float:
        with self._lock:
            return self.elapsed - self.origin

    def read(self) -> ClockReading:
        with self._lock:
            offset = datetime.fromtimestamp(self.wall, self.tz).utcoffset()
            assert offset is not None
            return ClockReading(self.mono, self.elapsed, self.wall,
                                self.wall + offset.total_seconds())

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if event.is_set():
            return True
        with self._lock:
            seconds = max(seconds, 0.0)
            if self._actions:
                seconds = min(seconds, max(0.0, self._actions[0][0] - (self.elapsed - self.origin)))
            self.mono += seconds
            self.elapsed += seconds
            self.wall += seconds
            if self._suspend is not None and self.elapsed - self.origin >= self._suspend[0]:
                lost = self._suspend[1]  # the lid closes: everything but monotonic runs on
                self.elapsed += lost
                self.wall += lost
                self._suspend = None
        while self._actions and self._actions[0][0] <= self.t():
            _, action = self._actions.pop(0)
            action()
        return event.is_set()


@dataclass(frozen=True)
class Segment:
    minutes: float
    kind: str  # a pool name, or "taken" (another app has the camera)


class ScriptedCamera:
    name = "scripted camera"

    def __init__(self, clock: FakeClock, pools: dict[str, list[np.ndarray]],
                 script: Sequence[Segment]) -> None:
        self.clock, self.pools = clock, pools
        self.ends: list[tuple[float, str]] = []
        at = 0.0
        for seg in script:
            at += seg.minutes * 60
            self.ends.append((at, seg.kind))
        self.reads = 0

    def kind(self) -> str:
        t = self.clock.t()
        for end, kind in self.ends:
            if t < end:
                return kind
        return "end"

    def open(self) -> ScriptedCamera:
        if self.kind() == "taken":
            raise SourceError("camera in use by another app")
        return self

    def read(self) -> np.ndarray:
        from posturewatch.app.grabbers import SourceEnded

        kind = self.kind()
        if kind == "end":
            raise SourceEnded(self.name)
        if kind == "taken":
            raise SourceError("camera taken by another app")
        pool = self.pools[kind]
        self.reads += 1
        return pool[int(self.clock.t()) % len(pool)]

    def close(self) -> None:
        pass


class DayKept(Sink):
    name = "day kept"
    takes = (DayTotals,)

    def __init__(self) -> None:
        self.totals: DayTotals | None = None

    def take(self, message: Message) -> None:
        assert isinstance(message, DayTotals)
        self.totals = message


class CachedPose:
    """The real estimator, asked once per distinct frame (the pools repeat)."""

    def __init__(self, estimator) -> None:  # type: ignore[no-untyped-def]
        self.estimator = estimator
        self.cache: dict[object, object] = {}
        self.calls = 0

    def detect(self, rgb: np.ndarray, t: float):  # type: ignore[no-untyped-def]
        self.calls += 1
        key = id(rgb)
        if key not in self.cache:
            self.cache[key] = self.estimator.detect(rgb, t)
        return self.cache[key]

    def fresh_look(self, rgb: np.ndarray):  # type: ignore[no-untyped-def]
        key = ("fresh", id(rgb))
        if key not in self.cache:
            self.cache[key] = self.estimator.fresh_look(rgb)
        return self.cache[key]


def write_baseline(model, upright_rgb: Sequence[np.ndarray], path):  # type: ignore[no-untyped-def]
    """A calibration from the first five real upright frames, saved as ``calibrate`` would."""
    from posturewatch.capture.pose import PoseEstimator, PoseSettings
    from posturewatch.core.baseline import build_baseline
    from posturewatch.core.metrics import compute_metrics
    from posturewatch.core.settings import settings
    from posturewatch.storage.baseline_file import save_baseline
    from posturewatch.storage.config_file import load_config

    config = load_config()
    with PoseEstimator(model, settings(PoseSettings, config.section("pose")),
                       video=False) as still:
        samples = [compute_metrics(still.detect(f, 0)) for f in upright_rgb[:5]]
    baseline = build_baseline(samples, 5)
    if path is not None:
        save_baseline(baseline, path)
    return baseline


def moved(bgr: np.ndarray) -> np.ndarray:
    """The webcam moved (as in test_reasons_and_stale.py): 70 % of the old view, lower."""
    h, w = bgr.shape[:2]
    y0, x0 = int(0.27 * h), int(0.15 * w)
    return cv2.resize(bgr[y0:y0 + int(0.7 * h), x0:x0 + int(0.7 * w)], (w, h))


@contextlib.contextmanager
def open_rig(pools: dict[str, list[np.ndarray]], model: Path) -> Iterator[dict]:
    """Frames, one image-mode estimator (each distinct frame judged once) and a baseline
    (a module fixture of the tests that run the monitor)."""
    from posturewatch.capture.pose import PoseEstimator, PoseSettings
    from posturewatch.core.settings import settings

    rgb = {k: [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in v] for k, v in pools.items()}
    rgb["moved"] = [cv2.cvtColor(moved(f), cv2.COLOR_BGR2RGB) for f in pools["upright"]]
    config = load_config()
    with PoseEstimator(model, settings(PoseSettings, config.section("pose")),
                       video=False) as estimator:
        yield {"pools": rgb, "pose": CachedPose(estimator),
               "baseline": write_baseline(model, rgb["upright"], None)}


@dataclass
class Run:
    monitor: Monitor
    events: list
    clock: FakeClock

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    def notices(self, title: str) -> list[Notice]:
        return [e for e in self.of(Notice) if e.title == title]

    def fired(self) -> list[tuple[str, int, float]]:
        return [(e.reminder.rule, e.reminder.level, round(e.reminder.t / MIN, 1))
                for e in self.of(ReminderDue)]


def run_monitor(rig: dict, script: Sequence[Segment], *, history: HistorySink | None = None,
                config: Config | None = None, start: datetime = START,
                actions: Callable[[FakeClock, Monitor], None] = lambda clock, monitor: None,
                sinks: Sequence[Sink] = (),
                config_changed: Callable[[], Settings | None] | None = None,
                clock: FakeClock | None = None) -> Run:
    clock = clock or FakeClock(start)
    camera = ScriptedCamera(clock, rig["pools"], script)
    monitor = Monitor(Settings.from_config(config or load_config()),
                      open_grabber=camera.open,
                      estimator=rig["pose"], baseline=rig["baseline"],  # type: ignore[arg-type]
                      catalog=load_catalog(), clock=clock,
                      history=history or LogHistory(), source_name="scripted", sinks=sinks,
                      config_changed=config_changed)
    actions(clock, monitor)
    events: list = []

    def drain() -> None:
        while not isinstance(event := monitor.events.get(), Stopped):
            events.append(event)
        events.append(event)

    reader = threading.Thread(target=drain)
    reader.start()
    monitor.run()
    reader.join()
    stopped = events[-1]
    assert isinstance(stopped, Stopped) and stopped.error is None, stopped
    return Run(monitor, events, clock)


def store_sink(path: Path) -> StoreHistory:
    """The store as the monitor keeps it (the default interval and ``max_gap_s``)."""
    return StoreHistory.for_settings(lambda: History.open(path),
                                     Settings.from_config(load_config()))


def read(path: Path):  # type: ignore[no-untyped-def]
    with History.open(path) as history:
        return history.read()


def covered_min(records) -> float:  # type: ignore[no-untyped-def]
    return sum(i.length_s for i in records.intervals) / MIN


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "4m") -> Iterator[Path]:
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    with open(folder / "filler", "wb", buffering=0) as out:  # unbuffered: nothing at close
        with contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 65536)


def remount(folder: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)
