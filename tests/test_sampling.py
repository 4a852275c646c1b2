"""How often the real monitor loop looks, on real frames with a clock the test controls: a
look every 15 s while the state is clear (the camera opened for it and let go after),
every second with the camera held while it is unsure (nothing learned yet to judge
against, a change not yet confirmed), and no calibration needed to keep an upright person
upright at that rate for as long as the monitor runs. (Before issue 22 the camera was held
all along with a frame every 5 s: `camera.mode = "continuous"` still does that.)"""

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
LOOK_S = Settings.from_config(load_config()).camera.look_every_s  # 15 s


class TimedCamera(ScriptedCamera):
    """The scripted camera, noting when it was opened and when frames were read (a look
    reads a few until the picture settles, all at one moment of the test's clock)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.read_at: list[float] = []
        self.opened_at: list[float] = []

    def open(self) -> ScriptedCamera:
        self.opened_at.append(self.clock.t())
        return super().open()

    def read(self) -> np.ndarray:
        frame = super().read()
        if not self.read_at or self.read_at[-1] != self.clock.t():
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
    return {"reads": camera.read_at, "opens": camera.opened_at, "states": states,
            "monitor": monitor}


def gaps(reads: list[float], start: float, end: float) -> list[float]:
    return [round(b - a, 3) for a, b in zip(reads, reads[1:], strict=False) if start <= a < end]


def test_a_clear_state_is_looked_at_every_fifteen_seconds_and_let_go_between(
    watched: dict,
) -> None:
    reads = watched["reads"]
    steady = gaps(reads, 60, UPRIGHT_MIN * 60 - 10)
    assert steady and set(steady) == {LOOK_S}, steady
    # 15 minutes at a frame a second would be 900 frames
    assert len(reads) < 15 * 60 / LOOK_S + 40, len(reads)
    # each of those looks opened the camera (it was let go after the one before)
    opens = [t for t in watched["opens"] if 60 <= t < UPRIGHT_MIN * 60 - 10]
    assert opens == [t for t in reads if 60 <= t < UPRIGHT_MIN * 60 - 10], (opens, reads)


def test_every_second_until_there_is_something_to_judge_against(watched: dict) -> None:
    start = gaps(watched["reads"], 0, 60)
    assert start[:4] == [1.0] * 4, start  # no calibration: the self-baseline is learned
    assert start[-1] == LOOK_S, start
    assert watched["opens"][:2] == [0.0, start.index(LOOK_S) + LOOK_S], watched["opens"][:3]


def test_every_second_while_a_change_is_confirmed_then_back_to_looks(watched: dict) -> None:
    onset = UPRIGHT_MIN * 60
    after = [(a, gap) for a, gap in zip(watched["reads"], gaps(watched["reads"], 0, 1e9),
                                        strict=False) if a >= onset - LOOK_S]
    first_close = next(a for a, gap in after if gap == 1.0)
    assert first_close < onset + LOOK_S  # the first slouched frame comes with the next look
    confirmed = [(a, gap) for a, gap in after if a > first_close + 5]
    assert confirmed and all(gap == LOOK_S for _, gap in confirmed[1:]), confirmed
    slouched_at = next(t for t, state in watched["states"] if t >= onset and state == "slouched")
    assert slouched_at <= onset + LOOK_S  # seen at the next look (confirmed 1-2 s later)
    # held from that look until the change was confirmed: opened once for all of it
    held = [t for t in watched["opens"] if first_close < t <= first_close + 5]
    assert held == [], held


def test_upright_stays_upright_without_a_calibration(watched: dict) -> None:
    """The self-baseline needs a few frames per stretch: at a look every 15 s it must still
    form, and keep forming after its window (5 minutes) has gone by."""
    states = watched["states"]
    before = [state for t, state in states if t < 60]
    during = [state for t, state in states if 60 <= t < UPRIGHT_MIN * 60]
    assert before[-1:] == ["upright"] and set(during) <= {"upright"}, states
