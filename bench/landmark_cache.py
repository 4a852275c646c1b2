"""Pose landmarks of labelled images, cached in /tmp so the model runs once per image.

The benchmark and tuning read the same images many times with different judgements; the
model's answer for an image (and a given camera move applied to it) never changes, so it
is kept in ``$TMPDIR/posturewatch-landmarks`` (never in the repository: the devdata
images, and anything cut from them, must not be committed).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from posturewatch.capture.pose import PoseEstimator, PoseSettings
from posturewatch.core.landmarks import Landmarks

CACHE = Path(os.environ.get("POSTUREWATCH_LANDMARK_CACHE",
                            Path(tempfile.gettempdir()) / "posturewatch-landmarks"))
Transform = Callable[[np.ndarray], np.ndarray]


def _key(path: Path, model: Path, tag: str) -> str:
    st = path.stat()
    raw = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{model.name}|{tag}"
    return hashlib.sha1(raw.encode()).hexdigest()


def landmarks(
    paths: Sequence[Path],
    model: Path,
    *,
    tag: str = "",
    transform: Transform | None = None,
    size: tuple[int, int] | None = None,
) -> list[Landmarks | None]:
    """One entry per path: the model's landmarks (IMAGE mode), or None for no person.
    ``transform`` changes the BGR image first (a moved camera); ``tag`` names it in the
    cache key. ``size`` resizes (width, height) before the transform."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out: list[Landmarks | None] = []
    estimator: PoseEstimator | None = None
    try:
        for path in paths:
            file = CACHE / f"{_key(path, model, f'{tag}|{size}')}.npz"
            if not file.exists():
                if estimator is None:
                    estimator = PoseEstimator(model, PoseSettings(0.5, 0.5, 0.5), video=False)
                bgr = cv2.imread(str(path))
                if bgr is None:
                    out.append(None)
                    continue
                if size is not None:
                    bgr = cv2.resize(bgr, size)
                if transform is not None:
                    bgr = transform(bgr)
                found = estimator.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), 0.0)
                h, w = bgr.shape[:2]
                points = found.points if found is not None else np.zeros((0, 3))
                tmp = file.with_suffix(f".{os.getpid()}.tmp.npz")  # two benches at once
                np.savez(tmp, points=points, size=np.array([w, h]))
                tmp.replace(file)
            data = np.load(file)
            w, h = (int(v) for v in data["size"])
            points = data["points"]
            out.append(Landmarks(points, w, h) if len(points) else None)
    finally:
        if estimator is not None:
            estimator.close()
    return out
