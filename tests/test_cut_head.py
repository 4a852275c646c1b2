"""A head cut by the picture's top edge (a webcam aimed at the chest): the model guesses
the face it cannot see, at full visibility. Against the population priors such a frame is
not judged; against the person's own frames it is; a calibration is not made of it and
says why. Pure parts on metrics first, then real frames through the real model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np

from posturewatch.capture.pose import PoseEstimator, PoseSettings
from posturewatch.core.baseline import Baseline, CalibrationError
from posturewatch.core.judgement import LEANING_IN, ClassifierSettings, judge
from posturewatch.core.landmarks import Landmarks
from posturewatch.core.metrics import compute_metrics
from posturewatch.core.observation import Posture
from posturewatch.core.settings import settings
from posturewatch.core.typed_settings import CalibrationSettings
from posturewatch.core.watch.calibration import CalibrationWindow
from posturewatch.storage.config_file import load_config

from conftest import FRONTAL, assert_one_line_error, labelled, read_rgb, real_inputs, run_cli

S = settings(ClassifierSettings, load_config().section("classifier"))


def face(eyes_y: float, ear_width: float = 60.0) -> Landmarks:
    """A level head in a 640x480 frame, its eyes ``eyes_y`` pixels below the top edge,
    shoulders 2.6 head widths wide below it."""
    points = np.zeros((33, 3))
    points[:, 2] = 0.99
    cx = 320.0
    points[0, :2] = (cx, eyes_y + 0.3 * ear_width)  # nose
    for k, dx in zip(range(1, 7), (-0.15, -0.25, -0.35, 0.15, 0.25, 0.35)):  # eyes
        points[k, :2] = (cx - dx * ear_width, eyes_y)
    points[7, :2] = (cx + ear_width / 2, eyes_y + 0.1 * ear_width)  # ears
    points[8, :2] = (cx - ear_width / 2, eyes_y + 0.1 * ear_width)
    points[11, :2] = (cx + 1.3 * ear_width, eyes_y + 1.7 * ear_width)  # shoulders
    points[12, :2] = (cx - 1.3 * ear_width, eyes_y + 1.7 * ear_width)
    return Landmarks(points, 640, 480)


def test_eyes_within_half_a_head_width_of_the_top_edge_cut_the_head() -> None:
    assert not compute_metrics(face(eyes_y=80.0)).face_cut
    assert compute_metrics(face(eyes_y=25.0)).face_cut  # 0.42 head widths
    assert compute_metrics(face(eyes_y=-10.0)).face_cut  # placed above the frame


def test_a_cut_head_is_unknown_against_the_priors_and_judged_against_the_person() -> None:
    cut = compute_metrics(face(eyes_y=25.0))
    assert judge(cut, None, S).state is Posture.UNKNOWN
    # A head half the frame wide overflows it: plainly leaning in, cut or not.
    near = dataclasses.replace(cut, head_size=0.5)
    assert judge(near, None, S) == (Posture.SLOUCHED, near.head_size / S.population_max_head_size,
                                    False, (LEANING_IN,))
    # Against the person's own frames (the guess is made the same way each time) the
    # frame is judged, as every other frame is.
    own = Baseline(view="front", head_height=cut.head_height, face_scale=cut.face_scale,
                   head_pitch=cut.head_pitch, head_roll_deg=0.0, body_lean_deg=0.0)
    assert judge(cut, own, S).state is Posture.UPRIGHT


def _cut_at_the_eyes(rgb: np.ndarray, lm: Landmarks) -> np.ndarray:
    """The frame's top edge half way between the eyes and the nose: the webcam aimed at
    the chest of the side-bends clip (devdata) cuts the face there."""
    top = int((lm.points[1:7, 1].min() + lm.xy(0)[1]) / 2)
    return np.ascontiguousarray(rgb[top:])


@real_inputs
def test_real_frames_cut_at_the_eyes_are_refused_not_guessed(tmp_path: Path, model: Path) -> None:
    """The frontal webcam's 29 frames, whole and cut at the eyes. Whole, every one is
    judged as labelled; cut, the model still reports the face at full visibility (the old
    visibility gate let it through), and against the priors nothing is judged; a
    calibration from them is refused with what to do."""
    cut_dir = tmp_path / "cut"
    cut_dir.mkdir()
    whole, cut = [], []
    with PoseEstimator(model, PoseSettings(0.5, 0.5, 0.5), video=False) as pose:
        for path, label in labelled(FRONTAL):
            rgb = cv2.cvtColor(read_rgb(path), cv2.COLOR_BGR2RGB)
            lm = pose.detect(rgb, 0.0)
            whole.append((compute_metrics(lm), label))
            edited = _cut_at_the_eyes(rgb, lm)
            cv2.imwrite(str(cut_dir / path.name), cv2.cvtColor(edited, cv2.COLOR_RGB2BGR))
            found = pose.detect(edited, 0.0)
            if found is not None:
                cut.append(compute_metrics(found))
    assert not any(m.face_cut for m, _ in whole)
    assert all((judge(m, None, S).state is Posture.SLOUCHED) == (label == "slouch")
               for m, label in whole)
    assert len(cut) >= 27 and all(m.face_cut for m in cut)
    assert min(m.face_visibility for m in cut) >= S.min_visibility
    assert {judge(m, None, S).state for m in cut} == {Posture.UNKNOWN}
    out = tmp_path / "b.json"
    result = run_cli("calibrate", "--source", cut_dir, "--out", out, check=False)
    assert_one_line_error(result, "head cut by the top of the picture",
                          "aim the camera so your whole head is in the picture")
    assert not out.exists()


def test_a_guided_calibration_of_a_cut_head_says_to_aim_the_camera() -> None:
    """The tray's "Calibrate now" collects frames while the monitor runs: cut heads are
    not collected, and when they are why there is no calibration, it says so."""
    window, section = CalibrationWindow(), CalibrationSettings(seconds=4.0, target_frames=8,
                                                               min_frames=5)
    cut = compute_metrics(face(eyes_y=25.0))
    window.start(0.0, section)
    got = [window.collect(t / 2, cut, section, S) for t in range(9)]
    assert got[:-1] == [None] * 8
    assert isinstance(got[-1], CalibrationError)
    assert "head cut by the top of the picture" in str(got[-1])
    assert got[-1].fix.startswith("aim the camera")
    window.start(10.0, section)
    whole = compute_metrics(face(eyes_y=80.0))
    got = [window.collect(10.0 + t / 2, whole, section, S) for t in range(8)]
    assert isinstance(got[-1], Baseline) and got[-1].frames == 8
