"""Is the camera where it was? The picture around the person tells.

A person sinking in the chair moves and narrows their shoulders in the frame as a moved
camera does, but the room behind them stays put; a moved camera moves all of it.
``backdrop`` is a coarse grey thumbnail of the frame's edges (48x36 cells of the green
channel, each less its neighbourhood's mean) with the cells the person covers (boxes about
the head and the body, widened for the hair and the arms, down to the bottom edge) marked.
``BackdropMemory`` keeps a running mean of the uncovered cells of frames taken while the
camera is known to be in place, and says of a later frame whether its uncovered cells
still match them (a zero-mean correlation, so a change of light or exposure does not
count), differ, are half alike (unsure), or cannot tell (too few cells both left
uncovered, or a plain wall).

Cheap on purpose: 96x72 pixels read strided whatever the resolution, block means and one
correlation, about 0.4 ms. Pure: numpy only, no clock.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

import numpy as np

from posturewatch.core.landmarks import Landmarks, Point

GRID = (36, 48)  # cells: rows, columns
_HEAD = slice(0, 11)  # nose, eyes, ears, mouth
_BODY = [11, 12, 13, 14, 23, 24]  # shoulders first, elbows, hips (the hands roam)
_SIDE, _ABOVE = 0.6, 1.0  # the box widened by this many head widths (the hair, the arms)
_SAMPLES = 2  # pixels read per cell side
_MIN_SHARE = 0.05  # of the grid: fewer cells left to compare and nothing is said
_MIN_CONTRAST = 3.0  # grey levels (standard deviation of the cells): a plain wall is mute
_STILL = 0.8  # correlation at least this: the same scene
_MOVED = 0.5  # under this: another scene (between the two: unsure)
_LEARN = 0.2  # weight of a new frame in the running mean


class Scene(Enum):
    SAME = "same"  # the camera did not move
    MOVED = "moved"
    UNSURE = "unsure"  # half alike: a hand, a shadow, a person passing, or a small move
    MUTE = "mute"  # nothing to tell by: too few cells left uncovered, or a plain wall


class Backdrop(NamedTuple):
    cells: np.ndarray  # GRID grey means
    covered: np.ndarray  # GRID bool: cells the person covers


def backdrop(rgb: np.ndarray, lm: Landmarks) -> Backdrop | None:
    """The frame's coarse thumbnail and the cells the person covers: a box about the head
    (widened for the hair) down to the shoulders, and one about the body below them, from
    elbow to elbow down to the bottom edge; the corners beside the head stay free. None
    for a picture smaller than the grid (nothing to tell)."""
    rows, cols = GRID
    height, width = rgb.shape[:2]
    if height < rows or width < cols:
        return None
    ys = ((np.arange(rows * _SAMPLES) + 0.5) * height / (rows * _SAMPLES)).astype(int)
    xs = ((np.arange(cols * _SAMPLES) + 0.5) * width / (cols * _SAMPLES)).astype(int)
    grey = rgb[ys[:, None], xs[None, :], 1].astype(np.float32)
    cells = grey.reshape(rows, _SAMPLES, cols, _SAMPLES).mean(axis=(1, 3))
    # Edges, not shading: each cell less its neighbourhood's mean, so a small shift of the
    # picture decorrelates it (broad light and shade barely change with one).
    cells = cells - _box_mean(cells, 2)
    head = float(np.linalg.norm(lm.xy(Point.LEFT_EAR) - lm.xy(Point.RIGHT_EAR)))
    face = lm.points[_HEAD, :2]
    body = lm.points[_BODY, :2]
    shoulders = float(body[:2, 1].min())
    covered = np.zeros(GRID, bool)
    for (x0, y0), x1 in (
        (face.min(axis=0) - (_SIDE * head, _ABOVE * head), face[:, 0].max() + _SIDE * head),
        ((body[:, 0].min() - _SIDE * head, shoulders - _SIDE * head),
         body[:, 0].max() + _SIDE * head),
    ):
        c0, c1 = int(np.floor(x0 / width * cols)), int(np.ceil(x1 / width * cols))
        covered[max(int(np.floor(y0 / height * rows)), 0):, max(c0, 0):max(c1, 0)] = True
    return Backdrop(cells, covered)


def _box_mean(a: np.ndarray, r: int) -> np.ndarray:
    """Each cell's mean over the (2r+1)-square about it (edges repeated), by summed areas."""
    padded = np.pad(a, r, mode="edge")
    sums = np.pad(padded.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    k = 2 * r + 1
    return (sums[k:, k:] - sums[:-k, k:] - sums[k:, :-k] + sums[:-k, :-k]) / (k * k)


class BackdropMemory:
    """What the scene around the person looked like while the camera was in place."""

    def __init__(self) -> None:
        self._mean: np.ndarray | None = None
        self._seen: np.ndarray | None = None  # cells uncovered in some remembered frame

    @property
    def ready(self) -> bool:
        return self._mean is not None

    def learn(self, b: Backdrop) -> None:
        """A frame taken with the camera in place: its uncovered cells join the memory."""
        free = ~b.covered
        if self._mean is None or self._seen is None:
            self._mean, self._seen = np.where(free, b.cells, 0.0), free.copy()
            return
        fresh = free & ~self._seen
        both = free & self._seen
        self._mean[fresh] = b.cells[fresh]
        self._mean[both] += _LEARN * (b.cells[both] - self._mean[both])
        self._seen |= free

    def compare(self, b: Backdrop) -> Scene:
        """Whether the scene around the person is where it was remembered."""
        if self._mean is None or self._seen is None:
            return Scene.MUTE
        both = self._seen & ~b.covered
        if both.sum() < _MIN_SHARE * both.size:
            return Scene.MUTE
        then, now = self._mean[both], b.cells[both]
        then, now = then - then.mean(), now - now.mean()
        if float(then.std()) < _MIN_CONTRAST:
            return Scene.MUTE
        similarity = float((then * now).sum() / (np.linalg.norm(then) * np.linalg.norm(now) + 1e-6))
        if similarity >= _STILL:
            return Scene.SAME
        return Scene.MOVED if similarity < _MOVED else Scene.UNSURE
