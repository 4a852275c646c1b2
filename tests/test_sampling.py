"""How often the real monitor loop looks, on real frames with a clock the test controls: a
frame every 5 s while the state is clear, every second while it is unsure (nothing learned
yet to judge against, a change not yet confirmed), and no calibration needed to keep an
upright person upright at that rate for as long as the monitor runs."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest

from posturewatch.app.history_sink import LogHistory
from posturewatch.app.monitor import Monitor, Stopped
from posturewatch.capture.pose import PoseEstimator, PoseSettings
from posturewatch.core.settings import settings
from posturewatch.core.typed_settings import Settings
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_config

from monitor_harness import CachedPose, FakeClock, ScriptedCamera, Segment

UPRIGHT_MIN, SLOUCHED_MIN = 12.0, 3.0  # upright longer than the self-baseline's window


class TimedCamera(ScriptedCamera):
    """The scripted camera, noting when each frame was read."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.read_at: list[float] = []

    def read(self) -> np.ndarray:
        frame = super().read()
        self.read_at.append(self.clock.t())
        return frame


@pytest.fixture(scope="module")
def watched(pools: dict[str, list[np.ndarray]], model) -> dict:  # type: ignore[no-untyped-def]
    # At 640x480 (the frames stretched, as a webcam's 4:3 would show them) the population
    # priors take this person's upright for slouched: only the self-baseline judges right.
    rgb = {k: [cv2.cvtColor(cv2.resize(f, (640, 480)), cv2.COLOR_BGR2RGB) for f in v]
           for k, v in pools.items()}
    config = load_config()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    clock = FakeClock(start)
    camera = TimedCamera(clock, rgb, [Segment(UPRIGHT_MIN, "upright"),
                                      Segment(SLOUCHED_MIN, "slouched")])
    with PoseEstimator(model, settings(PoseSettings, config.section("pose")),
                       video=False) as estimator:
        monitor = Monitor(Settings.from_config(config), open_grabber=camera.open,
                          estimator=CachedPose(estimator),  # type: ignore[arg-type]
                          baseline=None, catalog=load_catalog(), clock=clock,
                          history=LogHistory(), source_name="scripted")
        states: list[tuple[float, str]] = []  # (timeline second it began, state)

        def drain() -> None:
            while not isinstance(event := monitor.events.get(), Stopped):
                if hasattr(event, "status"):
                    began = (event.status.since - start.timestamp(), event.status.state.value)
                    if not states or states[-1] != began:
                        states.append(began)

        reader = threading.Thread(target=drain)
        reader.start()
        monitor.run()
        reader.join()
    return {"reads": camera.read_at, "states": states, "monitor": monitor}


def gaps(reads: list[float], start: float, end: float) -> list[float]:
    return [round(b - a, 3) for a, b in zip(reads, reads[1:], strict=False) if start <= a < end]


def test_a_clear_state_is_looked_at_every_five_seconds(watched: dict) -> None:
    reads = watched["reads"]
    steady = gaps(reads, 60, UPRIGHT_MIN * 60 - 10)
    assert steady and set(steady) == {5.0}, steady
    # 15 minutes at a frame a second would be 900 frames
    assert len(reads) < 15 * 60 / 5 + 40, len(reads)


def test_every_second_until_there_is_something_to_judge_against(watched: dict) -> None:
    start = gaps(watched["reads"], 0, 60)
    assert start[:4] == [1.0] * 4, start  # no calibration: the self-baseline is learned
    assert start[-1] == 5.0, start


def test_every_second_while_a_change_is_confirmed_then_back_to_five(watched: dict) -> None:
    onset = UPRIGHT_MIN * 60
    after = [(a, gap) for a, gap in zip(watched["reads"], gaps(watched["reads"], 0, 1e9),
                                        strict=False) if a >= onset - 5]
    first_close = next(a for a, gap in after if gap == 1.0)
    assert first_close < onset + 5  # the first slouched frame comes within 5 s
    confirmed = [(a, gap) for a, gap in after if a > first_close + 5]
    assert confirmed and all(gap == 5.0 for _, gap in confirmed[1:]), confirmed
    slouched_at = next(t for t, state in watched["states"] if t >= onset and state == "slouched")
    assert slouched_at <= onset + 5  # seen at the next frame (and confirmed 1-2 s later)


def test_upright_stays_upright_without_a_calibration(watched: dict) -> None:
    """The self-baseline needs a few frames per stretch: at a frame every 5 s it must still
    form, and keep forming after its window (5 minutes) has gone by."""
    states = watched["states"]
    before = [state for t, state in states if t < 60]
    during = [state for t, state in states if 60 <= t < UPRIGHT_MIN * 60]
    assert before[-1:] == ["upright"] and set(during) <= {"upright"}, states
