"""Edits of real frames that make postures no footage holds, shared by the tests and
bench/accuracy.py (which puts this folder on its path)."""

from __future__ import annotations

import cv2
import numpy as np

from posturewatch.core.landmarks import Landmarks, Point


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


def tilt_head(rgb: np.ndarray, lm: Landmarks, degrees: float) -> np.ndarray:
    """Roll everything above the shoulders by ``degrees`` about the base of the neck
    (+ toward the image's right, as the head tilts), blending into the untouched body."""
    height, width = rgb.shape[:2]
    left, right = lm.xy(Point.LEFT_SHOULDER), lm.xy(Point.RIGHT_SHOULDER)
    neck = (left + right) / 2
    shoulder_width = float(np.linalg.norm(left - right))
    warp = cv2.getRotationMatrix2D((float(neck[0]), float(neck[1])), -degrees, 1.0)
    moved = cv2.warpAffine(rgb, warp, (width, height), borderMode=cv2.BORDER_REPLICATE)
    mask = np.zeros((height, width), np.float32)
    mask[: int(neck[1] - 0.15 * shoulder_width)] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), 5)[..., None]
    return (moved * mask + rgb * (1 - mask)).astype(np.uint8)
