"""Posture metrics: pure functions of one frame's landmarks.

Image y grows downward; every metric is built so that it does not depend on how far the
person sits from the camera (ratios of lengths, or angles), except ``head_size``, which
is the distance proxy on purpose.

Two views are told apart by the shoulders: seen from the front they are wide (about 1.6
times the height of the ears above them); seen from the side they nearly overlap.

Front view (a webcam on or behind the screen):
- ``head_height``: height of the face (mean of nose, eyes and ears) above the shoulder
  line, in shoulder widths. Sinking down in the chair and dropping or pitching the head
  forward both lower it.
- ``face_scale``: ear-to-ear distance over shoulder width. A head pushed toward the screen
  ("poking chin") is nearer the camera than the shoulders, so it grows.
- ``lean_deg``: the line from mid-shoulders to mid-ears against vertical; + leans to the
  image's right.
Side view (a camera beside the desk):
- ``neck_forward_deg``: the shoulder-to-ear line against vertical, + toward the face
  (the craniovertebral-angle idea: a forward head tips it forward).
- ``torso_forward_deg``: hip-to-shoulder line against vertical, + toward the face; None when
  the hips are not visible.
Both views:
- ``head_pitch``: how far the nose sits below the ear line, in head widths; + chin down.
- ``shoulder_tilt_deg`` and ``head_tilt_deg``: the shoulder line and the ear line against
  horizontal; + when the image-left end is lower.
- ``head_size``: head width over frame width (ear to ear in front, nose to ear from the
  side). Bigger means nearer the screen.
- ``visibility``: the lowest MediaPipe visibility of nose, ears and shoulders used.
- ``shoulders_in_frame``: both shoulders inside the frame; outside it MediaPipe guesses
  them, often at high visibility (a guess still tells a slump, not someone's upright).
- ``face_visibility``: the lowest visibility of nose and ears alone (the face can be judged
  for some deviations while the shoulders are out of frame).
- ``inverted``: the eyes below the nose in the frame: a face upside down, which no seated
  person shows (a stray detection).
- ``face_cut``: the frame's top edge cuts through the head: the eyes lie less than half a
  head width below it (a head's crown is about 0.8 head widths above the eyes). Where the
  eyes are out of the picture (a webcam aimed at the chest) the model guesses a face inside
  it, lower than the real one, at full visibility.
Anatomical sides (MediaPipe names landmarks by the person's left and right, so these hold
whether or not the webcam mirrors the picture), front view:
- ``head_roll_deg``: the head tilted sideways, mean of the ear line and the outer-eye line
  against horizontal; + when the person's left ear is lower (tilted to their left).
- ``body_lean_deg``: mid-shoulders→mid-ears against vertical; + toward the person's left.
The view (where the camera sees the person; a moved camera changes these):
- ``face_y``: height of the face's centre in the frame, 0 top, 1 bottom.
- ``shoulder_x``, ``shoulder_y``: mid-shoulders in the frame, as frame width and height.
- ``shoulder_size``: shoulder width over frame width.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from posturewatch.core.landmarks import Landmarks, Point

_FACE = range(Point.NOSE, Point.RIGHT_EAR + 1)  # nose, six eye points, two ears
_LEFT_EYE_OUTER, _RIGHT_EYE_OUTER = 3, 6
_SIDE_VIEW_RATIO = 0.8  # shoulder width / ear height below this = seen from the side
_FACE_SIDES = (Point.NOSE, Point.LEFT_EAR, Point.RIGHT_EAR)
_SHOULDERS = (Point.LEFT_SHOULDER, Point.RIGHT_SHOULDER)
_CUT_EYES = 0.5  # eyes nearer the top edge than this many head widths: the head is cut


@dataclass(frozen=True, slots=True)
class PostureMetrics:
    view: str  # "front" | "side"
    visibility: float
    head_size: float
    head_pitch: float
    shoulder_tilt_deg: float
    head_tilt_deg: float
    head_height: float | None = None
    face_scale: float | None = None
    lean_deg: float | None = None
    neck_forward_deg: float | None = None
    torso_forward_deg: float | None = None
    face_visibility: float = 1.0
    head_roll_deg: float | None = None
    body_lean_deg: float | None = None
    face_y: float | None = None
    shoulder_x: float | None = None
    shoulder_y: float | None = None
    shoulder_size: float | None = None
    resolution: tuple[int, int] | None = None  # the frame's width and height in pixels
    inverted: bool = False
    shoulders_in_frame: bool = True
    face_cut: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}
        out["resolution"] = list(self.resolution) if self.resolution else None
        return out


def _tilt_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle of the line a–b against horizontal, + when its image-left end is lower."""
    left, right = (a, b) if a[0] <= b[0] else (b, a)
    return math.degrees(math.atan2(left[1] - right[1], right[0] - left[0]))


def _from_vertical_deg(lower: np.ndarray, upper: np.ndarray, forward: float) -> float:
    """Angle of lower→upper against vertical, positive toward ``forward`` (+1 or -1 in x)."""
    dx, dy = upper - lower
    return math.degrees(math.atan2(forward * dx, -dy))


def _roll_deg(left: np.ndarray, right: np.ndarray) -> float:
    """The line from the person's right point to their left point against horizontal,
    + when the left point is lower; mirror-proof since it uses anatomical sides."""
    return math.degrees(math.atan2(left[1] - right[1], abs(left[0] - right[0]) + 1e-9))


def _face_cut(eyes_y: np.ndarray, nose: np.ndarray, left_ear: np.ndarray,
              right_ear: np.ndarray) -> bool:
    """The eyes within ``_CUT_EYES`` head widths of the top edge. The head's width is the
    largest of ear to ear and nose to either ear, so a head turned aside (ears nearer each
    other) does not look cut."""
    width = max(math.dist(left_ear, right_ear), math.dist(nose, left_ear),
                math.dist(nose, right_ear))
    return float(eyes_y.min()) < _CUT_EYES * width


def compute_metrics(lm: Landmarks) -> PostureMetrics:
    left_sh, right_sh = lm.xy(Point.LEFT_SHOULDER), lm.xy(Point.RIGHT_SHOULDER)
    left_ear, right_ear = lm.xy(Point.LEFT_EAR), lm.xy(Point.RIGHT_EAR)
    nose = lm.xy(Point.NOSE)
    mid_sh = (left_sh + right_sh) / 2
    mid_ear = (left_ear + right_ear) / 2
    shoulder_width = float(np.linalg.norm(left_sh - right_sh))
    ear_height = float(mid_sh[1] - mid_ear[1])
    face_y = float(lm.points[list(_FACE), 1].mean())
    eyes_y = lm.points[1:7, 1]
    common = dict(
        shoulder_tilt_deg=_tilt_deg(left_sh, right_sh),
        head_tilt_deg=_tilt_deg(left_ear, right_ear),
        face_visibility=min(lm.visibility(p) for p in _FACE_SIDES),
        face_y=face_y / lm.height,
        shoulder_x=float(mid_sh[0]) / lm.width,
        shoulder_y=float(mid_sh[1]) / lm.height,
        shoulder_size=shoulder_width / lm.width,
        resolution=(int(lm.width), int(lm.height)),
        inverted=bool(eyes_y.mean() > nose[1]),
        shoulders_in_frame=all(lm.inside(p) for p in _SHOULDERS),
        face_cut=_face_cut(eyes_y, nose, left_ear, right_ear),
    )

    if shoulder_width >= _SIDE_VIEW_RATIO * abs(ear_height) and shoulder_width > 0:
        ear_width = float(np.linalg.norm(left_ear - right_ear))
        eye_roll = _roll_deg(lm.xy(_LEFT_EYE_OUTER), lm.xy(_RIGHT_EYE_OUTER))
        across = left_sh - right_sh  # toward the person's left
        up = mid_ear - mid_sh
        lean = math.degrees(math.atan2(float(np.dot(up, across)) / shoulder_width,
                                       max(-float(up[1]), 1e-6)))
        return PostureMetrics(
            view="front",
            visibility=min(lm.visibility(p) for p in (*_FACE_SIDES, *_SHOULDERS)),
            head_size=ear_width / lm.width,
            head_pitch=float(nose[1] - mid_ear[1]) / max(ear_width, 1e-6),
            head_height=float(mid_sh[1] - face_y) / shoulder_width,
            face_scale=ear_width / shoulder_width,
            lean_deg=_from_vertical_deg(mid_sh, mid_ear, 1.0),
            head_roll_deg=(_roll_deg(left_ear, right_ear) + eye_roll) / 2,
            body_lean_deg=lean,
            **common,
        )

    # Side view: use the side that faces the camera (the more visible ear and shoulder).
    left_score = lm.visibility(Point.LEFT_EAR) + lm.visibility(Point.LEFT_SHOULDER)
    right_score = lm.visibility(Point.RIGHT_EAR) + lm.visibility(Point.RIGHT_SHOULDER)
    ear_p, sh_p, hip_p = (
        (Point.LEFT_EAR, Point.LEFT_SHOULDER, Point.LEFT_HIP)
        if left_score >= right_score
        else (Point.RIGHT_EAR, Point.RIGHT_SHOULDER, Point.RIGHT_HIP)
    )
    ear, shoulder, hip = lm.xy(ear_p), lm.xy(sh_p), lm.xy(hip_p)
    forward = 1.0 if nose[0] >= ear[0] else -1.0  # the way the face points
    head_width = float(np.linalg.norm(nose - ear))
    torso = (
        _from_vertical_deg(hip, shoulder, forward) if lm.visibility(hip_p) >= 0.5 else None
    )
    return PostureMetrics(
        view="side",
        visibility=min(lm.visibility(p) for p in (Point.NOSE, ear_p, sh_p)),
        head_size=head_width / lm.width,
        head_pitch=float(nose[1] - ear[1]) / max(head_width, 1e-6),
        neck_forward_deg=_from_vertical_deg(shoulder, ear, forward),
        torso_forward_deg=torso,
        **common,
    )
