"""MediaPipe's ``PoseLandmarker`` itself: imported only inside the pose worker
(``capture/pose_worker.py``), after that process has blocked every socket.

VIDEO mode (tracking between frames, about twice as fast) for streams, IMAGE mode for
stills. In VIDEO mode the tracker carries the last pose over into frames with nobody in
them; ``fresh_look`` runs the detector from scratch on one frame, which the core asks for
now and then to tell a person from such a carried-over pose (``core.presence.TrackCheck``).
It does so with the same landmarker: a blank frame first makes the tracker lose the pose,
so the frame after it is searched afresh, exactly as IMAGE mode would (the landmarks agree
to 1e-4 px on the real frames), without a second landmarker's 55 MB.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from posturewatch.capture import native_logs as quiet  # noqa: F401  (quiets MediaPipe before it loads)
from posturewatch.errors import ModelError

if TYPE_CHECKING:
    from posturewatch.core.typed_settings import PoseSettings


# What MediaPipe's tasks package imports and pose landmarks never use: the vision package's
# drawing helpers, and with them matplotlib.pyplot (about 36 MB resident and 0.5 s of
# start-up), and the audio, text, retrieval and decision tasks (0.15 s; audio loads
# PortAudio through sounddevice).
_UNUSED = ("mediapipe.tasks.python.vision.drawing_utils",
           "mediapipe.tasks.python.vision.drawing_styles",
           *(f"mediapipe.tasks.python.{task}" for task in ("audio", "text", "retrieval",
                                                            "decision")))


class _Unused(ModuleType):
    def __getattr__(self, name: str) -> object:
        raise AttributeError(f"{self.__name__}.{name}: posturewatch loads MediaPipe "
                             "without it")


class _SkipUnused(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name: str, path: object, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        return importlib.machinery.ModuleSpec(name, self) if name in _UNUSED else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return _Unused(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        pass


def _tasks() -> tuple[type, ModuleType]:
    """MediaPipe's ``BaseOptions`` and ``vision``, loaded without what is unused."""
    finder = _SkipUnused()
    sys.meta_path.insert(0, finder)
    try:
        from mediapipe.tasks.python import BaseOptions, vision
    finally:
        sys.meta_path.remove(finder)
    return BaseOptions, vision


class Landmarker:
    """One person's pose landmarks as MediaPipe's normalized (x, y, visibility) rows.
    Use as a context manager: an unclosed landmarker raises from ``__del__`` at exit."""

    def __init__(self, model_path: Path, settings: PoseSettings, *, video: bool) -> None:
        BaseOptions, vision = _tasks()
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_poses=1,
            min_pose_detection_confidence=settings.min_detection_confidence,
            min_pose_presence_confidence=settings.min_presence_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )
        try:
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"cannot load pose model {model_path}: {exc}",
                "run `posturewatch model fetch` or pass a valid .task file with --model",
            ) from None
        self._video = video
        self._blank: np.ndarray | None = None  # fresh_look's tracker reset, at the frame size
        self._last_ms = -1

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        """The one person's rows in an RGB frame taken at ``t`` seconds, or None."""
        if not self._video:
            return _rows(self._landmarker.detect(_image(rgb)))
        # VIDEO mode wants strictly increasing integer milliseconds.
        return self._next(rgb, max(int(round(t * 1000)), self._last_ms + 1))

    def fresh_look(self, rgb: np.ndarray) -> np.ndarray | None:
        """The pose found in this frame alone, no tracking. Costs about two tracked frames
        in VIDEO mode, where the track is re-anchored on what it finds."""
        if not self._video:  # every IMAGE-mode detection is fresh
            return self.detect(rgb, 0.0)
        if self._blank is None or self._blank.shape != rgb.shape:
            self._blank = np.zeros_like(rgb)
        self._next(self._blank, self._last_ms + 1)  # nothing there: the track is lost
        return self._next(rgb, self._last_ms + 1)

    def _next(self, rgb: np.ndarray, ms: int) -> np.ndarray | None:
        self._last_ms = ms
        return _rows(self._landmarker.detect_for_video(_image(rgb), ms))

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> Landmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _image(rgb: np.ndarray):  # noqa: ANN202 - mediapipe's type is imported lazily
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


def _rows(result) -> np.ndarray | None:  # noqa: ANN001 - mediapipe's
    if not result.pose_landmarks:
        return None
    return np.array([(p.x, p.y, p.visibility or 0.0) for p in result.pose_landmarks[0]],
                    dtype=np.float64)
