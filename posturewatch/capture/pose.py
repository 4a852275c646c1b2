"""The pose model: MediaPipe Tasks ``PoseLandmarker``, loaded once, one person.

VIDEO mode (tracking between frames, about twice as fast) for streams, IMAGE mode for
stills.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType

import numpy as np

from posturewatch.capture import native_logs as quiet  # noqa: F401  (quiets MediaPipe before it loads)
from posturewatch.capture import no_network
from posturewatch.core.landmarks import Landmarks
from posturewatch.errors import ModelError


@dataclass(frozen=True, slots=True)
class PoseSettings:
    min_detection_confidence: float
    min_presence_confidence: float
    min_tracking_confidence: float


# MediaPipe's vision package imports its drawing helpers, and with them matplotlib.pyplot:
# about 36 MB resident and 0.5 s of start-up that landmarks never use.
_DRAWING = ("mediapipe.tasks.python.vision.drawing_utils",
            "mediapipe.tasks.python.vision.drawing_styles")


class _Unused(ModuleType):
    def __getattr__(self, name: str) -> object:
        raise AttributeError(f"{self.__name__}.{name}: posturewatch loads MediaPipe "
                             "without its drawing helpers (matplotlib)")


class _SkipDrawing(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name: str, path: object, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        return importlib.machinery.ModuleSpec(name, self) if name in _DRAWING else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return _Unused(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        pass


def _tasks() -> tuple[type, ModuleType]:
    """MediaPipe's ``BaseOptions`` and ``vision``, loaded without the drawing helpers."""
    finder = _SkipDrawing()
    sys.meta_path.insert(0, finder)
    try:
        from mediapipe.tasks.python import BaseOptions, vision
    finally:
        sys.meta_path.remove(finder)
    return BaseOptions, vision


class PoseEstimator:
    """Use as a context manager: an unclosed landmarker raises from ``__del__`` at exit."""

    def __init__(self, model_path: Path, settings: PoseSettings, *, video: bool) -> None:
        # MediaPipe's usage logger would reach the internet: no process runs the model
        # without the kernel's network block (the model file is resolved, and downloaded
        # if need be, before any estimator exists).
        no_network.forbid()
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
        self._last_ms = -1

    def detect(self, rgb: np.ndarray, t: float) -> Landmarks | None:
        """Landmarks of the one person in an RGB frame taken at ``t`` seconds, or None."""
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._video:
            # VIDEO mode wants strictly increasing integer milliseconds.
            ms = max(int(round(t * 1000)), self._last_ms + 1)
            self._last_ms = ms
            result = self._landmarker.detect_for_video(image, ms)
        else:
            result = self._landmarker.detect(image)
        if not result.pose_landmarks:
            return None
        rows = np.array([(p.x, p.y, p.visibility or 0.0) for p in result.pose_landmarks[0]])
        height, width = rgb.shape[:2]
        return Landmarks.from_normalized(rows, width, height)

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
