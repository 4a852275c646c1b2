"""Metric geometry on hand-placed landmarks, where the right answer is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from posturewatch.core.landmarks import Landmarks, Point
from posturewatch.core.metrics import compute_metrics


def body(**points: tuple[float, float]) -> Landmarks:
    """A 200x200 frame; every landmark visible; unnamed ones at the image centre."""
    rows = np.tile([100.0, 100.0, 1.0], (33, 1))
    for name, (x, y) in points.items():
        rows[Point[name.upper()]] = (x, y, 1.0)
    return Landmarks(rows, 200, 200)


FACE = dict(nose=(100, 60), left_ear=(120, 55), right_ear=(80, 55))
SHOULDERS = dict(left_shoulder=(150, 100), right_shoulder=(50, 100))


def test_front_view_ratios() -> None:
    lm = body(**FACE, **SHOULDERS)
    lm.points[1:7, :2] = (100, 55)  # eyes on the ear line
    m = compute_metrics(lm)
    assert m.view == "front"
    # face points: nose at 60, eight others at 55 → mean 55.56; 44.44 px above, 100 px wide
    assert m.head_height == pytest.approx((100 - (60 + 8 * 55) / 9) / 100)
    assert m.face_scale == pytest.approx(0.4)
    assert m.head_size == pytest.approx(40 / 200)
    assert m.head_pitch == pytest.approx(5 / 40)
    assert m.shoulder_tilt_deg == pytest.approx(0) and m.head_tilt_deg == pytest.approx(0)
    assert m.lean_deg == pytest.approx(0)
    assert m.neck_forward_deg is None


def test_tilts_and_lean_have_the_documented_signs() -> None:
    lm = body(**SHOULDERS, nose=(110, 60), left_ear=(130, 50), right_ear=(90, 60))
    lm.points[Point.RIGHT_SHOULDER, 1] = 110  # image-left shoulder lower
    m = compute_metrics(lm)
    assert m.shoulder_tilt_deg == pytest.approx(np.degrees(np.arctan2(10, 100)))
    assert m.head_tilt_deg == pytest.approx(np.degrees(np.arctan2(10, 40)))
    assert m.lean_deg > 0  # ears right of the shoulders' middle


def test_side_view_angles() -> None:
    # facing image-right; ear 20 px forward of the shoulder over 40 px of height
    lm = body(nose=(130, 60), left_ear=(110, 60), right_ear=(108, 61),
              left_shoulder=(90, 100), right_shoulder=(88, 101),
              left_hip=(80, 180), right_hip=(79, 181))
    lm.points[Point.RIGHT_EAR, 2] = lm.points[Point.RIGHT_SHOULDER, 2] = 0.3
    m = compute_metrics(lm)
    assert m.view == "side"
    assert m.neck_forward_deg == pytest.approx(np.degrees(np.arctan2(20, 40)))
    assert m.torso_forward_deg == pytest.approx(np.degrees(np.arctan2(10, 80)))
    assert m.head_size == pytest.approx(20 / 200)
    assert m.visibility == pytest.approx(1.0)


def test_side_view_mirrored_gives_the_same_angles() -> None:
    lm = body(nose=(70, 60), left_ear=(90, 60), right_ear=(92, 61),
              left_shoulder=(110, 100), right_shoulder=(112, 101),
              left_hip=(120, 180), right_hip=(121, 181))
    m = compute_metrics(lm)
    assert m.neck_forward_deg == pytest.approx(np.degrees(np.arctan2(20, 40)))
    assert m.torso_forward_deg == pytest.approx(np.degrees(np.arctan2(10, 80)))


def test_hidden_hips_leave_torso_unmeasured() -> None:
    lm = body(nose=(130, 60), left_ear=(110, 60), left_shoulder=(90, 100),
              right_ear=(108, 61), right_shoulder=(88, 101))
    lm.points[[Point.LEFT_HIP, Point.RIGHT_HIP], 2] = 0.01
    assert compute_metrics(lm).torso_forward_deg is None


def test_same_pose_nearer_the_camera_keeps_its_ratios() -> None:
    near = body(**{k: (100 + 1.5 * (x - 100), 100 + 1.5 * (y - 100))
                   for k, (x, y) in {**FACE, **SHOULDERS}.items()})
    far = compute_metrics(body(**FACE, **SHOULDERS))
    m = compute_metrics(near)
    assert m.head_height == pytest.approx(far.head_height)
    assert m.face_scale == pytest.approx(far.face_scale)
    assert m.head_size == pytest.approx(1.5 * far.head_size)


def test_a_shoulder_placed_outside_the_frame_is_marked() -> None:
    """MediaPipe guesses shoulders below the frame's bottom edge at high visibility: the
    metrics say so (a calibration made of such frames counts them as unseen)."""
    assert compute_metrics(body(**FACE, **SHOULDERS)).shoulders_in_frame
    cut = compute_metrics(body(nose=(100, 160), left_ear=(120, 155), right_ear=(80, 155),
                               left_shoulder=(150, 204), right_shoulder=(50, 203)))
    assert cut.view == "front" and not cut.shoulders_in_frame and cut.visibility == 1.0
