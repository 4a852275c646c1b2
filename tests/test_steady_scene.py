"""The monitor's unchanged-picture check on real frames: sensor noise is not a change; a
person shifting, slouching or leaving is; the model looks again every ``recheck_s``."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posturewatch.capture.pose import PoseEstimator, PoseSettings
from posturewatch.capture.steady_scene import SkipUnchanged, SteadySettings, changed, thumbnail
from posturewatch.core.settings import settings
from posturewatch.storage.config_file import load_config

from conftest import OCCLUDED_GIF, real_inputs


@pytest.fixture(scope="module")
def defaults() -> SteadySettings:
    return settings(SteadySettings, load_config().section("pose"))


@pytest.fixture(scope="module")
def scenes(pools: dict) -> dict[str, list[np.ndarray]]:
    """The real frames at the monitor's 640x480, as RGB."""
    def big(bgr: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(cv2.resize(bgr, (640, 480)), cv2.COLOR_BGR2RGB)
    return {name: [big(f) for f in pool] for name, pool in pools.items()}


def noisy(rgb: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rgb + rng.normal(0.0, sigma, rgb.shape), 0, 255).astype(np.uint8)


@real_inputs
def test_sensor_noise_is_no_change_but_a_person_shifting_slouching_or_leaving_is(
    scenes: dict, defaults: SteadySettings
) -> None:
    upright, slouched, nobody = scenes["upright"], scenes["slouched"], scenes["nobody"]
    for sigma in (3.0, 8.0):  # a good webcam, and a poor one in dim light
        for i, frame in enumerate(upright[::3] + slouched[::3] + nobody[-2:]):
            assert not changed(thumbnail(frame), thumbnail(noisy(frame, sigma, i)), defaults)
    shifts = [changed(thumbnail(a), thumbnail(b), defaults)
              for pool in (upright, slouched) for a, b in zip(pool, pool[1:])]
    assert sum(shifts) >= 0.9 * len(shifts)  # neighbouring frames of one sitting
    for a, b in zip(upright, slouched):
        assert changed(thumbnail(a), thumbnail(b), defaults)
        assert changed(thumbnail(a), thumbnail(nobody[-1]), defaults)


@real_inputs
def test_the_model_runs_on_change_and_every_recheck_s_and_an_empty_chair_is_empty(
    scenes: dict, defaults: SteadySettings, model: Path
) -> None:
    pose = settings(PoseSettings, load_config().section("pose"))
    person, empty = scenes["upright"][0], scenes["nobody"][-1]
    with SkipUnchanged(PoseEstimator(model, pose, video=True), defaults) as gate:
        seen = [gate.detect(noisy(person, 3.0, i), float(i)) for i in range(4)]
        assert all(s is not None for s in seen) and (gate.runs, gate.skips) == (1, 3)
        assert seen[1] is seen[0]  # the model's landmarks stand for the unchanged frames
        assert gate.detect(noisy(person, 3.0, 9), defaults.recheck_s + 0.5) is not None
        assert gate.runs == 2  # looked again after recheck_s, though nothing changed
        t = defaults.recheck_s + 1.0
        assert gate.detect(noisy(empty, 3.0, 10), t) is None  # the person left: seen at once
        assert gate.runs == 3
        assert gate.detect(noisy(empty, 3.0, 11), t + 1.0) is None
        assert gate.detect(noisy(person, 3.0, 12), t + 2.0) is not None  # and back
        assert (gate.runs, gate.skips) == (4, 4)
        # A fresh look (no tracking) is taken again only once the picture has changed.
        first = gate.fresh_look(noisy(person, 3.0, 12))
        assert first is not None and gate.runs == 5
        gate.detect(noisy(person, 3.0, 13), t + 3.0)
        assert gate.fresh_look(noisy(person, 3.0, 13)) is first and gate.runs == 5
        gate.detect(noisy(empty, 3.0, 14), t + 4.0)
        assert gate.fresh_look(noisy(empty, 3.0, 14)) is None and gate.runs == 7


@real_inputs
def test_a_real_webcam_still_for_a_moment_is_unchanged_and_a_hand_over_the_lens_is_not(
    defaults: SteadySettings
) -> None:
    """webcam-occluded/demo.gif, a real desk webcam at 5 fps: frames 18-26 are a still
    moment (the person motionless), 28-37 a hand coming over the lens."""
    capture = cv2.VideoCapture(str(OCCLUDED_GIF))
    small = []
    while (read := capture.read())[0]:
        small.append(thumbnail(cv2.cvtColor(cv2.resize(read[1], (640, 480)),
                                            cv2.COLOR_BGR2RGB)))
    capture.release()
    assert not any(changed(small[i], small[i + 1], defaults) for i in range(18, 26))
    assert all(changed(small[i], small[i + 1], defaults) for i in range(28, 37))
