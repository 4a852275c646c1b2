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
Picture = Callable[[], np.ndarray | None]  # a BGR frame, made only when not cached


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
    def picture(path: Path) -> np.ndarray | None:
        bgr = cv2.imread(str(path))
        if bgr is not None and size is not None:
            bgr = cv2.resize(bgr, size)
        return transform(bgr) if bgr is not None and transform is not None else bgr

    return _cached([(_key(path, model, f"{tag}|{size}"), lambda path=path: picture(path))
                    for path in paths], model)


def clip_frames(path: Path, step: int = 1) -> list[np.ndarray]:
    """Every ``step``-th frame of a video or GIF (BGR), in memory."""
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append(bgr)
    capture.release()
    return frames[::step]


def clip_landmarks(path: Path, model: Path, *, step: int = 1, tag: str = "",
                   transform: Transform | None = None) -> list[Landmarks | None]:
    """``landmarks`` for every ``step``-th frame of a video or GIF; the clip is decoded
    only when a frame is not cached yet."""
    decoded: list[np.ndarray] = []

    def picture(k: int) -> np.ndarray:
        if not decoded:
            decoded.extend(clip_frames(path, step))
        return transform(decoded[k]) if transform is not None else decoded[k]

    count = _frame_count(path, step)
    return _cached([(_key(path, model, f"{tag}|frame{k * step}"), lambda k=k: picture(k))
                    for k in range(count)], model)


def cached_edits(items: Sequence[tuple[str, Picture]], model: Path) -> list[Landmarks | None]:
    """``landmarks`` for pictures made by editing labelled frames: each named by a tag
    that says which frame and which edit (the key: the frames themselves never change)."""
    keys = [hashlib.sha1(f"edit|{tag}|{model.name}".encode()).hexdigest() for tag, _ in items]
    return _cached([(key, make) for key, (_, make) in zip(keys, items)], model)


def _frame_count(path: Path, step: int) -> int:
    capture = cv2.VideoCapture(str(path))
    n = 0
    while capture.grab():
        n += 1
    capture.release()
    return (n + step - 1) // step


def _cached(items: Sequence[tuple[str, Picture]], model: Path) -> list[Landmarks | None]:
    """Per (cache key, picture maker): the cached landmarks, or the model's answer for
    the picture (made only then), stored."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out: list[Landmarks | None] = []
    estimator: PoseEstimator | None = None
    try:
        for key, make in items:
            file = CACHE / f"{key}.npz"
            if not file.exists():
                bgr = make()
                if bgr is None:
                    out.append(None)
                    continue
                if estimator is None:
                    estimator = PoseEstimator(model, PoseSettings(0.5, 0.5, 0.5), video=False)
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
