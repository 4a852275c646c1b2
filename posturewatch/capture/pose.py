"""The pose model: MediaPipe Tasks ``PoseLandmarker``, loaded once, one person, run in a
worker process of its own that can open no socket at all (``capture/pose_worker.py``).

VIDEO mode (tracking between frames, about twice as fast) for streams, IMAGE mode for
stills; ``fresh_look`` is a detection from scratch, which the core asks for now and then to
tell a person from a pose the tracker carried over into an empty scene
(``core.presence.TrackCheck``; how: ``capture/landmarker.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType

import numpy as np

from posturewatch.capture import no_network
from posturewatch.capture.pose_worker import Worker, WorkerGone
from posturewatch.core.landmarks import Landmarks
from posturewatch.core.typed_settings import PoseSettings
from posturewatch.errors import ModelError

log = logging.getLogger(__name__)


class PoseEstimator:
    """Landmarks from the pose worker. Use as a context manager (or call ``close``): the
    worker ends with it. A worker that ends while running (killed, out of memory) is
    started again once per frame; a second ending on the same frame is a ModelError."""

    def __init__(self, model_path: Path, settings: PoseSettings, *, video: bool) -> None:
        # This process may talk D-Bus, X11 and its control socket, but reaches no internet
        # address either (defence in depth; the model file is resolved, and downloaded if
        # need be, before any estimator exists). The worker blocks every socket.
        no_network.forbid()
        self._start = lambda: Worker(model_path, settings, video=video)
        self._worker: Worker | None = self._start()
        self._video = video
        self._last_frame: np.ndarray | None = None  # IMAGE mode: the last frame detected ...
        self._last_found: Landmarks | None = None  # ... and what was found in it

    @property
    def worker_pid(self) -> int | None:
        return self._worker.pid if self._worker is not None else None

    def detect(self, rgb: np.ndarray, t: float) -> Landmarks | None:
        """Landmarks of the one person in an RGB frame taken at ``t`` seconds, or None."""
        found = self._ask(b"d", rgb, t)
        if not self._video:
            self._last_frame, self._last_found = rgb, found
        return found

    def fresh_look(self, rgb: np.ndarray) -> Landmarks | None:
        """The pose found in this frame alone, no tracking (a stream's tracker may carry a
        pose over into an empty scene). Costs about two tracked frames; the core decides
        when (rarely). In VIDEO mode the track is re-anchored on what it finds."""
        if not self._video and rgb is self._last_frame:  # every IMAGE-mode detection is fresh
            return self._last_found
        return self._ask(b"f", rgb, 0.0)

    def _ask(self, op: bytes, rgb: np.ndarray, t: float) -> Landmarks | None:
        if self._worker is None:
            raise ModelError("the pose model is closed", "open a new PoseEstimator")
        try:
            rows = self._worker.ask(op, rgb, t)
        except WorkerGone as exc:
            log.warning("the pose model's process ended (%s): starting it again", exc)
            self._worker.close()
            self._worker = None
            self._worker = self._start()
            try:
                rows = self._worker.ask(op, rgb, t)
            except WorkerGone as again:
                raise ModelError(f"the pose model's process ended twice on one frame "
                                 f"({again})", "see the log for what it said") from None
        if rows is None:
            return None
        height, width = rgb.shape[:2]
        return Landmarks.from_normalized(rows, width, height)

    def close(self) -> None:
        if self._worker is not None:
            worker, self._worker = self._worker, None
            worker.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
