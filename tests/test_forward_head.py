"""The second way people slouch: the head pushed toward the screen ("poking chin").

The shared footage has no such frames, so they are made from real upright frames: the
head region is enlarged about the face's centre (a head nearer the camera looks bigger
next to the same shoulders) and lowered a little, then the real model judges the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from posturewatch.capture.pose import PoseEstimator, PoseSettings
from posturewatch.core.baseline import build_baseline
from posturewatch.core.judgement import ClassifierSettings, judge
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.observation import Posture
from posturewatch.core.settings import settings
from posturewatch.storage.config_file import load_config

from conftest import FRONTAL, labelled
from frame_edits import push_head_forward

pytestmark = pytest.mark.usefixtures("testdata")


@pytest.fixture(scope="module")
def estimator(model: Path) -> Iterator[PoseEstimator]:
    with PoseEstimator(model, PoseSettings(0.5, 0.5, 0.5), video=False) as pose:
        yield pose


def test_head_pushed_forward_is_a_slouch(estimator: PoseEstimator) -> None:
    classifier = settings(ClassifierSettings, load_config().section("classifier"))
    upright = [p for p, label in labelled(FRONTAL) if label == "upright"]
    frames = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in upright]
    found = [estimator.detect(rgb, 0.0) for rgb in frames]
    baseline = build_baseline([compute_metrics(lm) for lm in found[:5]], min_frames=5)

    def state(rgb: np.ndarray) -> Posture:
        lm = estimator.detect(rgb, 0.0)
        return judge(compute_metrics(lm) if lm else None, baseline, classifier)[0]

    unchanged = [state(push_head_forward(rgb, lm, 1.0, 0.0)) for rgb, lm in zip(frames, found)]
    forward = [state(push_head_forward(rgb, lm, 1.3, 0.05)) for rgb, lm in zip(frames, found)]
    assert unchanged == [Posture.UPRIGHT] * len(frames)
    assert forward == [Posture.SLOUCHED] * len(frames)
