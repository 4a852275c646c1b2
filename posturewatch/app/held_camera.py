"""The camera as the monitor holds it: opened when watching starts (never before its next
retry), let go while paused and after a failure, and its health (``core/camera_health.py``:
retries at 2, 4, 8 … 60 s) kept beside it."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from posturewatch.app.grabbers import Grabber
from posturewatch.core.camera_health import CameraHealth, CameraSettings

log = logging.getLogger(__name__)


class HeldCamera:
    def __init__(self, open_grabber: Callable[[], Grabber], settings: CameraSettings) -> None:
        self._open_grabber = open_grabber
        self.health = CameraHealth(settings)
        self._grabber: Grabber | None = None

    @property
    def held(self) -> bool:
        return self._grabber is not None

    def open(self) -> None:
        """Raises ``SourceError`` when the camera cannot be opened."""
        self._grabber = self._open_grabber()

    def read(self) -> np.ndarray:
        assert self._grabber is not None
        return self._grabber.read()

    def release(self) -> None:
        if self._grabber is not None:
            self._grabber.close()
            self._grabber = None

    def failed(self, now: float, problem: str) -> None:
        """Let go; the next try waits (logged once per episode)."""
        first = self.health.ok
        retry = self.health.failed(now, problem)
        self.release()
        if first:
            log.warning("camera problem: %s (retrying)", problem)
        log.debug("camera retry in %.0f s", retry - now)

    def frames_again(self, t: float) -> None:
        """A frame came through: a problem going on is over."""
        if not self.health.ok:
            lost_since = self.health.recovered()
            log.info("camera back after %.0f s", t - (lost_since or t))
