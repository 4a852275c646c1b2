"""A detected body: MediaPipe's 33 pose landmarks in pixel units of the frame they came from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Point(IntEnum):
    """The BlazePose landmark indices this project reads."""

    NOSE = 0
    LEFT_EAR = 7
    RIGHT_EAR = 8
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_HIP = 23
    RIGHT_HIP = 24


@dataclass(frozen=True, slots=True)
class Landmarks:
    """``points`` is (33, 3): x and y in pixels (so angles and ratios are undistorted by the
    frame's aspect ratio) and visibility 0..1."""

    points: np.ndarray
    width: int
    height: int

    def xy(self, point: int) -> np.ndarray:
        return self.points[point, :2]

    def visibility(self, point: int) -> float:
        return float(self.points[point, 2])

    def inside(self, point: int) -> bool:
        """Whether the point lies in the frame; outside it MediaPipe guesses where it would
        be (shoulders below the bottom edge), often at high visibility."""
        x, y = self.points[point, :2]
        return bool(0.0 <= x <= self.width and 0.0 <= y <= self.height)

    @classmethod
    def from_normalized(cls, rows: np.ndarray, width: int, height: int) -> Landmarks:
        """From MediaPipe's (x, y, visibility) rows, x and y as fractions of the frame."""
        points = np.asarray(rows, dtype=np.float64).copy()
        points[:, 0] *= width
        points[:, 1] *= height
        return cls(points, width, height)
