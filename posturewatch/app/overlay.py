"""What the camera sees, drawn: the pose, the person's reference lines and the verdict.

``draw`` paints one judged frame into a new picture (RGB, in memory, enlarged when the
frame is small): the frame itself (its face pixelated on request) or a plain background,
the pose's upper body, and what the frame was judged against (``FrameResult.reference``:
the calibration, the self-baseline or the population priors), front view:

- the face's upright height above the shoulder line and the height where sinking becomes
  a slouch (``head_drop`` below it), both as short level lines over the shoulders' middle;
- the upright axis of the trunk (mid-shoulders up, at the reference's lean) with its
  sideways limits (``lean_sideways_deg``) as a fan;
- with a calibration's view, the shoulder line where the calibration saw it;

and in a band at the top, the verdict, its reasons in words and what it was judged
against. Side view: the neck's reference angle and its limit. OpenCV's line and text
primitives only (ASCII text), so the same code makes the README's picture.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from posturewatch.app.analysis import FrameResult
from posturewatch.core.baseline import Baseline, population
from posturewatch.core.judgement import ClassifierSettings, describe
from posturewatch.core.landmarks import Landmarks, Point
from posturewatch.core.observation import Posture

# Colours (RGB): the tray's, so a state looks the same everywhere.
STATE_COLOUR = {Posture.UPRIGHT: (46, 160, 67), Posture.SLOUCHED: (230, 126, 34),
                Posture.STANDING: (46, 158, 68), Posture.UNKNOWN: (140, 140, 140),
                Posture.AWAY: (90, 90, 90)}
REFERENCE = (80, 200, 255)  # upright reference lines
LIMIT = (255, 200, 60)  # where a deviation becomes a slouch
BACKGROUND = (32, 34, 38)  # the picture hidden
TEXT = (255, 255, 255)
_BONES = ((11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24))
_FACE = range(0, 11)
_BAND = 0.14  # of the picture's height: the verdict band at the top
_AGAINST = {"calibration": "against your calibration",
            "self": "against your own recent upright posture",
            "population": "against people in general (no calibration yet)",
            None: ""}


DISPLAY_HEIGHT = 720  # pixels: small webcam frames are enlarged so the text reads well
MAX_WIDTH = 1280


def draw(result: FrameResult | None, s: ClassifierSettings, *, frame: np.ndarray | None,
         frame_size: tuple[int, int], height: int = DISPLAY_HEIGHT, width: int = MAX_WIDTH,
         blur_face: bool = False, note: str = "") -> np.ndarray:
    """The window's picture (RGB) for a frame of ``frame_size`` (width, height), scaled to
    ``height`` rows: ``frame`` itself, or with None a plain background; ``result`` its
    judgement (None: nothing judged yet); ``note`` a line of the caller's own at the
    bottom (what the window is doing). At most ``width`` wide."""
    fw, fh = frame_size
    k = min(height / fh, width / fw)
    size = max(1, round(fw * k)), max(1, round(fh * k))
    if frame is None:
        out = np.empty((size[1], size[0], 3), np.uint8)
        out[:] = BACKGROUND
    else:
        out = cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)
    lm = result.landmarks if result is not None else None
    if result is not None and lm is not None:
        lm = Landmarks(lm.points * np.array([k, k, 1.0]), size[0], size[1])
        if frame is not None and blur_face:
            _pixelate_face(out, lm)
        scale = max(1, round(max(size) / 640))
        if result.metrics is not None:
            reference = result.reference or population(s.priors(), result.metrics.view)
            _references(out, lm, reference, s, scale, frame_size)
        _pose(out, lm, STATE_COLOUR[result.state], scale)
    _verdict(out, result, note)
    return out


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _pose(out: np.ndarray, lm: Landmarks, colour: tuple[int, int, int], scale: int) -> None:
    for a, b in _BONES:
        if min(lm.visibility(a), lm.visibility(b)) >= 0.3:
            cv2.line(out, _pt(lm.xy(a)), _pt(lm.xy(b)), colour, 2 * scale, cv2.LINE_AA)
    ears = lm.xy(Point.LEFT_EAR), lm.xy(Point.RIGHT_EAR)
    cv2.line(out, _pt(ears[0]), _pt(ears[1]), colour, scale, cv2.LINE_AA)
    mid_sh = (lm.xy(Point.LEFT_SHOULDER) + lm.xy(Point.RIGHT_SHOULDER)) / 2
    cv2.line(out, _pt(mid_sh), _pt((ears[0] + ears[1]) / 2), colour, 2 * scale, cv2.LINE_AA)
    for i in _FACE:
        cv2.circle(out, _pt(lm.xy(i)), 2 * scale, colour, -1, cv2.LINE_AA)
    # the head's outline about the face's middle, so the pose reads without the picture
    head = float(np.linalg.norm(ears[0] - ears[1]))
    centre = lm.points[_FACE, :2].mean(axis=0) - (0.0, 0.15 * head)
    axes = (int(0.62 * head), int(0.8 * head))
    cv2.ellipse(out, _pt(centre), axes, 0, 0, 360, colour, scale, cv2.LINE_AA)
    for i in (Point.LEFT_SHOULDER, Point.RIGHT_SHOULDER):
        cv2.circle(out, _pt(lm.xy(i)), 4 * scale, colour, -1, cv2.LINE_AA)


def _references(out: np.ndarray, lm: Landmarks, reference: Baseline, s: ClassifierSettings,
                scale: int, frame_size: tuple[int, int]) -> None:
    if reference.view == "side":
        _side_reference(out, lm, reference, s, scale)
        return
    left, right = lm.xy(Point.LEFT_SHOULDER), lm.xy(Point.RIGHT_SHOULDER)
    mid = (left + right) / 2
    shoulder_w = float(np.linalg.norm(left - right))
    head_w = float(np.linalg.norm(lm.xy(Point.LEFT_EAR) - lm.xy(Point.RIGHT_EAR)))
    if shoulder_w < 1 or head_w < 1:
        return
    if reference.head_height:
        half = 0.9 * head_w
        for share, colour in ((1.0, REFERENCE), (1.0 - s.head_drop, LIMIT)):
            y = mid[1] - share * reference.head_height * shoulder_w
            _dashed(out, (mid[0] - half, y), (mid[0] + half, y), colour, scale)
    # The trunk's upright axis (the reference's lean from vertical, + toward the person's
    # left, which the shoulders' own direction gives) and its sideways limits.
    toward_left = (left - right) / shoulder_w
    reach = (reference.head_height or 0.64) * shoulder_w
    lean = reference.body_lean_deg or 0.0
    for angle, colour in ((lean, REFERENCE), (lean - s.lean_sideways_deg, LIMIT),
                          (lean + s.lean_sideways_deg, LIMIT)):
        rad = math.radians(angle)
        tip = mid + reach * (math.cos(rad) * np.array([0.0, -1.0]) + math.sin(rad) * toward_left)
        _dashed(out, mid, tip, colour, scale, gap=10 if colour is REFERENCE else 5)
    if (reference.has_view and reference.shoulder_y is not None and reference.resolution
            and tuple(reference.resolution) == tuple(frame_size)):
        # where the calibration saw the shoulders (the same camera's frames)
        h, w = out.shape[:2]
        y = reference.shoulder_y * h
        x0 = ((reference.shoulder_x or 0.5) - (reference.shoulder_size or 0) / 2) * w
        x1 = ((reference.shoulder_x or 0.5) + (reference.shoulder_size or 0) / 2) * w
        _dashed(out, (x0, y), (x1, y), REFERENCE, scale, gap=4)


def _side_reference(out: np.ndarray, lm: Landmarks, reference: Baseline,
                    s: ClassifierSettings, scale: int) -> None:
    """The neck's upright angle from the shoulder facing the camera, and its limit."""
    near_left = lm.visibility(Point.LEFT_EAR) >= lm.visibility(Point.RIGHT_EAR)
    ear = lm.xy(Point.LEFT_EAR if near_left else Point.RIGHT_EAR)
    shoulder = lm.xy(Point.LEFT_SHOULDER if near_left else Point.RIGHT_SHOULDER)
    forward = 1.0 if lm.xy(Point.NOSE)[0] >= ear[0] else -1.0
    length = float(np.linalg.norm(ear - shoulder)) * 1.2
    base = reference.neck_forward_deg or 0.0
    for angle, colour in ((base, REFERENCE), (base + s.neck_forward_deg, LIMIT)):
        rad = math.radians(angle)
        tip = shoulder + length * np.array([forward * math.sin(rad), -math.cos(rad)])
        _dashed(out, shoulder, tip, colour, scale)


def _dashed(out: np.ndarray, a: tuple[float, float] | np.ndarray,
            b: tuple[float, float] | np.ndarray, colour: tuple[int, int, int], scale: int,
            gap: int = 8) -> None:
    a, b = np.asarray(a, float), np.asarray(b, float)
    length = float(np.linalg.norm(b - a))
    step = gap * scale
    for start in np.arange(0.0, length, 2 * step):
        p = a + (b - a) * start / max(length, 1e-6)
        q = a + (b - a) * min(start + step, length) / max(length, 1e-6)
        cv2.line(out, _pt(p), _pt(q), colour, 2 * scale, cv2.LINE_AA)


def _pixelate_face(out: np.ndarray, lm: Landmarks) -> None:
    """The face (a box about the face's landmarks, widened for the hair and the chin)
    replaced by 6x6 blocks: nobody can be recognised, the posture still shows."""
    face = lm.points[_FACE, :2]
    head = float(np.linalg.norm(lm.xy(Point.LEFT_EAR) - lm.xy(Point.RIGHT_EAR)))
    height, width = out.shape[:2]
    x0, y0 = (face.min(axis=0) - (0.4 * head, 0.9 * head)).astype(int)
    x1, y1 = (face.max(axis=0) + (0.4 * head, 0.7 * head)).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    region = out[y0:y1, x0:x1]
    small = cv2.resize(region, (6, 6), interpolation=cv2.INTER_AREA)
    out[y0:y1, x0:x1] = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)


def _verdict(out: np.ndarray, result: FrameResult | None, note: str) -> None:
    height, width = out.shape[:2]
    band = max(36, int(_BAND * height))
    state = result.state if result is not None else Posture.UNKNOWN
    cv2.rectangle(out, (0, 0), (width, band), STATE_COLOUR[state], -1)
    if result is None:
        title = "Looking..."
    elif state is Posture.SLOUCHED and result.reasons:
        title = "Slouched: " + describe(result.reasons)
    else:
        title = {Posture.UPRIGHT: "Upright", Posture.SLOUCHED: "Slouched",
                 Posture.STANDING: "Standing (never judged slouched)",
                 Posture.UNKNOWN: "Not sure: face hidden or not sitting",
                 Posture.AWAY: "Nobody in view"}[state]
    against = _AGAINST.get(result.baseline if result is not None else None, "")
    if result is not None and result.stale:
        against = "your calibration no longer fits this view: " + against
    _text(out, title, (8, band // 2 - 2), band / 2.4, width - 16)
    title_px = _fitted(title, band / 2.4, width - 16)[0] * 22.0  # as shrunk to fit
    _text(out, against, (8, band - 6), min(band / 4.2, 0.9 * title_px), width - 16)
    # The bottom strip: the caller's note, and what the dashed lines mean.
    strip = max(22, band // 3)
    out[height - strip:] = (out[height - strip:] * 0.35).astype(np.uint8)
    px = strip * 0.55
    labels = (("upright", REFERENCE), ("slouch begins", LIMIT))
    legend_w = sum(int(strip * 1.6) + _text_width(label, px) for label, _ in labels)
    x, y = width - legend_w - 8, height - strip // 3
    for label, colour in labels:
        _dashed(out, (x, y - px / 3), (x + strip, y - px / 3), colour, max(1, strip // 24),
                gap=max(3, strip // 5))
        x = _text(out, label, (x + int(strip * 1.2), y), px, legend_w) + int(strip * 0.4)
    if note:
        _text(out, note, (8, y), px, width - legend_w - 24)


def _fitted(text: str, px: float, fit: int) -> tuple[float, int, int]:
    """The font scale and stroke for ``text`` about ``px`` pixels tall, shrunk to ``fit``
    pixels wide, and its width then."""
    scale = px / 22.0
    for _ in range(2):
        thick = max(1, round(scale * 1.6))
        (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        if w <= fit:
            break
        scale *= fit / w
    return scale, thick, min(w, fit)


def _text_width(text: str, px: float) -> int:
    return _fitted(text, px, 10**6)[2]


def _text(out: np.ndarray, text: str, origin: tuple[int, int], px: float, fit: int) -> int:
    """``text`` about ``px`` pixels tall from ``origin`` (its baseline's left end), shrunk
    to fit ``fit`` pixels wide (ASCII only); returns where it ends."""
    if not text:
        return origin[0]
    scale, thick, w = _fitted(text, px, fit)
    cv2.putText(out, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, TEXT, thick, cv2.LINE_AA)
    return origin[0] + w
