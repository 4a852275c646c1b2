"""The pose model: MediaPipe Tasks ``PoseLandmarker``, loaded once, one person.

VIDEO mode (tracking between frames, about twice as fast) for streams, IMAGE mode for
stills. In VIDEO mode the tracker carries the last pose over into frames with nobody in
them; ``fresh_look`` runs the detector from scratch on one frame (a second, IMAGE-mode
landmarker), which the core asks for now and then to tell a person from such a
carried-over pose (``core.presence.TrackCheck``).
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
        self._model_path, self._settings = model_path, settings
        self._landmarker = self._create(video)
        # The IMAGE-mode landmarker of fresh_look, made now: loading it (about 7 frames'
        # time) is startup, not a stall in the stream.
        self._fresh: object | None = self._create(False) if video else None
        self._video = video
        self._last_ms = -1

    def _create(self, video: bool):  # noqa: ANN202 - mediapipe's type is imported lazily
        BaseOptions, vision = _tasks()

        settings = self._settings
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self._model_path)),
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_poses=1,
            min_pose_detection_confidence=settings.min_detection_confidence,
            min_pose_presence_confidence=settings.min_presence_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )
        try:
            return vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"cannot load pose model {self._model_path}: {exc}",
                "run `posturewatch model fetch` or pass a valid .task file with --model",
            ) from None

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
        return _landmarks(result, rgb)

    def fresh_look(self, rgb: np.ndarray) -> Landmarks | None:
        """The pose found in this frame alone, no tracking (a stream's tracker may carry a
        pose over into an empty scene). Costs about two tracked frames; the core decides
        when (rarely)."""
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        landmarker = self._fresh if self._video else self._landmarker  # IMAGE mode: itself
        return _landmarks(landmarker.detect(image), rgb)  # type: ignore[union-attr]

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None
        if self._fresh is not None:
            self._fresh.close()  # type: ignore[attr-defined]
            self._fresh = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _landmarks(result, rgb: np.ndarray) -> Landmarks | None:  # noqa: ANN001 - mediapipe's
    if not result.pose_landmarks:
        return None
    rows = np.array([(p.x, p.y, p.visibility or 0.0) for p in result.pose_landmarks[0]])
    height, width = rgb.shape[:2]
    return Landmarks.from_normalized(rows, width, height)
