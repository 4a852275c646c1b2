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

Cheap on purpose (a strided crop of one colour channel, an 8x8 block mean and one
correlation): it runs on every judged frame. Pure: numpy only, no clock.
"""

from __future__ import annotations

import numpy as np

from posturewatch.core.landmarks import Landmarks

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

    def __init__(self, min_similarity: float) -> None:
        self.min_similarity = min_similarity
        self._box: tuple[int, int, int, int] | None = None
        self._thumb: tuple[np.ndarray, float] | None = None
        self._pending: tuple[int, int, int, int] | None = None
        self._run = 0

    def seen(self, rgb: np.ndarray, lm: Landmarks) -> None:
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

    def still_there(self, rgb: np.ndarray) -> bool:
        if self._box is None or self._thumb is None:
            return False
        thumb = _thumbnail(rgb, self._box)
        if thumb is None:
            return False
        (now, contrast), (then, then_contrast) = thumb, self._thumb
        # A covered lens is nearly flat: its faint gradient may correlate with anything,
        # so the contrast must be of the same order as the body's too.
        alike_contrast = _CONTRAST_RATIO * then_contrast <= contrast <= then_contrast / _CONTRAST_RATIO
        return alike_contrast and float((now * then).sum()) >= self.min_similarity
