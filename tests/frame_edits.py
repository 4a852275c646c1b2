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


def cut_below_shoulders(bgr: np.ndarray, lm: Landmarks, below: float) -> np.ndarray:
    """The frame cut ``below`` of its height under the shoulder line (negative: above it,
    the shoulders out of the picture), as a camera at face height frames a person."""
    line = (lm.xy(Point.LEFT_SHOULDER)[1] + lm.xy(Point.RIGHT_SHOULDER)[1]) / 2
    return np.ascontiguousarray(bgr[: max(int(line + below * bgr.shape[0]), 20)])


def in_hd_frame(bgr: np.ndarray, left: bool) -> np.ndarray:
    """The picture scaled to 1080 rows and set off-centre into a 1920x1080 frame whose rest
    is the picture blurred and stretched (a wide room around a person sitting to one side)."""
    h, w = bgr.shape[:2]
    big = cv2.resize(bgr, (min(int(w * 1080 / h), 1760), 1080), interpolation=cv2.INTER_CUBIC)
    canvas = cv2.resize(cv2.GaussianBlur(bgr, (0, 0), 3), (1920, 1080))
    x0 = 80 if left else 1920 - big.shape[1] - 80
    canvas[:, x0:x0 + big.shape[1]] = big
    return canvas


def dimmed(bgr: np.ndarray, light: float = 0.3, noise: float = 5.0) -> np.ndarray:
    """A dim room: ``light`` of the brightness and a camera's sensor noise (sigma, grey
    levels), fixed per call so a frame always dims the same way."""
    rng = np.random.default_rng(0)
    out = bgr.astype(np.float32) * light + rng.normal(0, noise, bgr.shape)
    return np.clip(out, 0, 255).astype(np.uint8)
