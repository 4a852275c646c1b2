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
from posturewatch.core.landmarks import Landmarks, Point
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.observation import Posture
from posturewatch.core.settings import settings
from posturewatch.storage.config_file import load_config

from conftest import FRONTAL, labelled

pytestmark = pytest.mark.usefixtures("testdata")


def push_head_forward(rgb: np.ndarray, lm: Landmarks, scale: float, drop: float) -> np.ndarray:
    """Enlarge everything above the shoulders by ``scale`` about the face centre and
    lower it by ``drop`` shoulder widths, blending into the untouched body below."""
    height, width = rgb.shape[:2]
    shoulders_y = (lm.xy(Point.LEFT_SHOULDER)[1] + lm.xy(Point.RIGHT_SHOULDER)[1]) / 2
    shoulder_width = float(np.linalg.norm(lm.xy(Point.LEFT_SHOULDER) - lm.xy(Point.RIGHT_SHOULDER)))
    cx, cy = lm.points[Point.NOSE:Point.RIGHT_EAR + 1, :2].mean(axis=0)
    warp = np.float32([[scale, 0, cx * (1 - scale)],
                       [0, scale, cy * (1 - scale) + drop * shoulder_width]])
    moved = cv2.warpAffine(rgb, warp, (width, height), borderMode=cv2.BORDER_REPLICATE)
    mask = np.zeros((height, width), np.float32)
    mask[: int(shoulders_y - 0.1 * shoulder_width)] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), 5)[..., None]
    return (moved * mask + rgb * (1 - mask)).astype(np.uint8)


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
