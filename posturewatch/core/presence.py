"""Presence when the head is hidden: a second look at frames in which the pose model
finds nobody.

MediaPipe's pose detector starts from the face, so a person whose head is covered (another
app's banner, a raised arm, the top of the frame) or out of frame is not found at all,
even at much lower confidence thresholds (what it then returns on such frames is stray
poses in a corner, the same as on a covered lens). But the body is still where it was:
``PresenceMemory`` keeps a small grey thumbnail of the torso (shoulders to hips) from the
last judged frame and, when no pose is found, compares the same region of the frame with
it. Still alike: someone is there (``unknown``), not ``away``. A person who leaves
uncovers the chair and the background; a hand over the lens leaves a nearly flat picture
(the contrast must be alike too).

The second look holds for ``hold_s`` after the last person was seen: an empty chair can
look much like the dark body that sat in it, and nobody in the scene must read as away.

The other way round, MediaPipe's VIDEO-mode tracker carries the last pose over into a
scene with nobody in it (at high landmark visibility, for as long as the scene lasts).
``TrackCheck`` asks the caller for a fresh detection of the frame (no tracking) when the
tracked skeleton jumps away from its recent neighbours (shoulder line, shoulder width,
face size) and every ``recheck_s`` anyway (the first pose after none was just found by
the detector itself): no person found is nobody (``NOBODY``), a
person found elsewhere means the tracker is off (``DOUBT``, judged ``unknown``).

Cheap on purpose (a strided crop of one colour channel, an 8x8 block mean and one
correlation; a fresh detection only every few seconds): it runs on every judged frame.
Pure: numpy only, no clock; time is an input.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable
from enum import Enum

import numpy as np

from posturewatch.core.landmarks import Landmarks
from posturewatch.core.metrics import PostureMetrics

_TORSO = (11, 12, 23, 24)  # shoulders and hips
_GRID = 8  # thumbnail cells per side
_MIN_SIDE = 16  # pixels: a smaller torso box is too little to compare
_SAME_PLACE = 0.5  # overlap (intersection over union) of two boxes in the same place
_MOVE_FRAMES = 10  # judged frames in a row elsewhere before the remembered body moves
_CONTRAST_RATIO = 0.4  # the contrast may halve or double with light and motion, not more


def _thumbnail(rgb: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, float] | None:
    """The region's 8x8 grey thumbnail, zero-mean and unit-norm, and its contrast."""
    x0, y0, x1, y1 = box
    step = max(1, min(x1 - x0, y1 - y0) // (4 * _GRID))
    region = rgb[y0:y1:step, x0:x1:step, 1].astype(np.float32)  # green ~ luminance
    h, w = region.shape
    if h < _GRID or w < _GRID:
        return None
    cells = region[: h // _GRID * _GRID, : w // _GRID * _GRID]
    cells = cells.reshape(_GRID, h // _GRID, _GRID, w // _GRID).mean(axis=(1, 3))
    cells -= cells.mean()
    norm = float(np.linalg.norm(cells))
    return (cells / norm, norm) if norm > 1e-6 else None


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0, w) * max(0, h)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class PresenceMemory:
    """``seen`` after each judged frame; ``still_there`` for a frame without a pose."""

    def __init__(self, min_similarity: float, hold_s: float = float("inf")) -> None:
        self.min_similarity = min_similarity
        self.hold_s = hold_s
        self._seen_t: float | None = None
        self._box: tuple[int, int, int, int] | None = None
        self._thumb: tuple[np.ndarray, float] | None = None
        self._pending: tuple[int, int, int, int] | None = None
        self._run = 0

    def seen(self, rgb: np.ndarray, lm: Landmarks, t: float | None = None) -> None:
        if t is not None:
            self._seen_t = t
        pts = lm.points[list(_TORSO), :2]
        height, width = rgb.shape[:2]
        x0, y0 = np.maximum(pts.min(axis=0), 0)
        x1, y1 = pts.max(axis=0)
        box = (int(x0), int(y0), int(min(x1, width)), int(min(y1, height)))
        if box[2] - box[0] < _MIN_SIDE or box[3] - box[1] < _MIN_SIDE:
            return
        if self._box is not None and _overlap(box, self._box) < _SAME_PLACE:
            # Somewhere else: a stray detection (the tracker holding on to a covered
            # lens) must not replace the body, unless it stays put for a while.
            same = self._pending is not None and _overlap(box, self._pending) >= _SAME_PLACE
            self._run = self._run + 1 if same else 1
            self._pending = box
            if self._run < _MOVE_FRAMES:
                return
        thumb = _thumbnail(rgb, box)
        if thumb is not None:
            self._box, self._thumb, self._pending, self._run = box, thumb, None, 0

    def still_there(self, rgb: np.ndarray, t: float | None = None) -> bool:
        if self._box is None or self._thumb is None:
            return False
        if t is not None and self._seen_t is not None and t - self._seen_t > self.hold_s:
            return False  # too long unseen: an empty chair, not a hidden head
        thumb = _thumbnail(rgb, self._box)
        if thumb is None:
            return False
        (now, contrast), (then, then_contrast) = thumb, self._thumb
        # A covered lens is nearly flat: its faint gradient may correlate with anything,
        # so the contrast must be of the same order as the body's too.
        alike_contrast = _CONTRAST_RATIO * then_contrast <= contrast <= then_contrast / _CONTRAST_RATIO
        return alike_contrast and float((now * then).sum()) >= self.min_similarity


class Presence(Enum):
    PERSON = "person"  # a tracked pose a fresh look agrees with (or no look due yet)
    DOUBT = "doubt"  # the skeleton jumped, or the tracker and a fresh look disagree
    NOBODY = "nobody"  # a pose the tracker carried over: a fresh look finds nobody


_RECENT = 8  # accepted frames the jump test compares with
_JUMP_SHIFT = 0.5  # mid-shoulders moved this many shoulder widths since the recent frames
_JUMP_SCALE = 0.6  # shoulder width or face size below this share of (or 1/this over) recent
_HOLD = 2  # frames a jumped skeleton must hold its new place to be the person again
_PHANTOM_LOOK_S = 2.0  # while the scene is empty, look afresh this often (the person back?)


def _jumped(m: PostureMetrics, ref: tuple[float, float, float, float]) -> bool:
    """Far from the reference (median shoulder x, y, shoulder width, head size)."""
    x, y, width, head = ref
    if m.shoulder_x is None or m.shoulder_y is None or not m.shoulder_size or width <= 0:
        return False
    aspect = m.resolution[1] / m.resolution[0] if m.resolution else 1.0
    shift = np.hypot(m.shoulder_x - x, (m.shoulder_y - y) * aspect) / width
    ratios = [m.shoulder_size / width] + ([m.head_size / head] if head > 0 else [])
    return bool(shift > _JUMP_SHIFT or any(not _JUMP_SCALE <= r <= 1 / _JUMP_SCALE
                                           for r in ratios))


def _ref(frames: deque[PostureMetrics]) -> tuple[float, float, float, float] | None:
    if not frames:
        return None
    return (statistics.median(f.shoulder_x or 0.0 for f in frames),
            statistics.median(f.shoulder_y or 0.0 for f in frames),
            statistics.median(f.shoulder_size or 0.0 for f in frames),
            statistics.median(f.head_size for f in frames))


class TrackCheck:
    """Whether each tracked pose of a stream is a person; ``check`` per frame with a pose.
    ``look`` gives the metrics of a fresh detection of the same frame (None: no person);
    it is called only when due, so its cost stays a few percent of the model's.

    A skeleton that jumps away from its recent neighbours is ``DOUBT`` (judged unknown,
    never slouched) until it holds its new place for ``_HOLD`` frames: a person who moved,
    not a misdetection of one frame."""

    def __init__(self, recheck_s: float) -> None:
        self.recheck_s = recheck_s
        self._looked: float | None = None
        self._recent: deque[PostureMetrics] = deque(maxlen=_RECENT)
        self._phantom: PostureMetrics | None = None  # where the carried-over pose sits
        self._pending: PostureMetrics | None = None  # the last frame away from the recent
        self._run = 0  # frames in a row at the pending place

    def check(self, t: float, m: PostureMetrics,
              look: Callable[[], PostureMetrics | None]) -> Presence:
        if self._phantom is not None:
            moved = _jumped(m, _ref(deque([self._phantom])))  # type: ignore[arg-type]
            if not moved and self._looked is not None and t - self._looked < _PHANTOM_LOOK_S:
                return Presence.NOBODY
        ref = _ref(self._recent)
        if ref is None and self._phantom is None and self._looked is None:
            # The first pose after none: the tracker had nothing to carry over, so the
            # model's detector has just found it afresh.
            self._looked = t
            self._recent.append(m)
            return Presence.PERSON
        jumped = ref is not None and _jumped(m, ref)
        if (self._phantom is not None or t - self._looked >= self.recheck_s  # type: ignore[operator]
                or (jumped and self._run == 0)):
            self._looked = t
            fresh = look()
            if fresh is None:
                self._phantom, self._pending, self._run = m, None, 0
                self._recent.clear()
                return Presence.NOBODY
            self._phantom = None
            if _jumped(m, _ref(deque([fresh]))):  # type: ignore[arg-type]
                self._recent = deque([fresh], maxlen=_RECENT)
                self._pending, self._run = None, 0
                return Presence.DOUBT  # the tracker is off: the next frames follow the fresh pose
            if ref is None:
                self._recent.append(m)
                return Presence.PERSON
        if jumped:
            same = self._pending is not None and not _jumped(m, _ref(deque([self._pending])))  # type: ignore[arg-type]
            self._run = self._run + 1 if same else 1
            self._pending = m
            if self._run < _HOLD:
                return Presence.DOUBT
            self._recent.clear()
        self._pending, self._run = None, 0
        self._recent.append(m)
        return Presence.PERSON

    def gone(self) -> None:
        """A frame without any pose: the tracker lost it, the next pose is a new start."""
        self._phantom = self._pending = None
        self._recent.clear()
        self._looked, self._run = None, 0
