"""Skip the pose model while the picture has not changed: the monitor's main CPU saving.

A person at a desk holds a posture for many seconds, and an empty chair for minutes; each
model run costs about 20 ms of CPU, a thumbnail comparison well under one. So the monitor's
estimator compares each frame with the last one the model saw, as a 64x48 grey thumbnail
(each cell the mean of about 100 pixels, so sensor noise averages out): the picture has
changed when at least ``unchanged_share`` of the cells differ by more than
``unchanged_level`` grey levels. Unchanged, the model's last landmarks stand for the frame.

Whatever the comparison says, the model looks again once ``recheck_s`` have passed since it
last ran, so a slow drift (dusk, a person leaving very slowly) or a change too small for
the thumbnail is never held for longer than that, and an empty chair never keeps a person
who left: leaving changes most of the picture at once.
"""

from __future__ import annotations  # noqa: I001  (cv2 after native_logs)

import logging
from types import TracebackType
from typing import Protocol

import numpy as np

from posturewatch.capture import native_logs as quiet  # noqa: F401  (before cv2)
from posturewatch.core.landmarks import Landmarks
from posturewatch.core.typed_settings import SteadySettings

import cv2  # noqa: E402

log = logging.getLogger(__name__)

THUMBNAIL = (64, 48)  # width, height: 10x10-pixel cells of a 640x480 frame


class Estimator(Protocol):
    def detect(self, rgb: np.ndarray, t: float) -> Landmarks | None: ...

    def fresh_look(self, rgb: np.ndarray) -> Landmarks | None: ...

    def close(self) -> None: ...


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """The frame as a small grey picture (signed, so differences do not wrap)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, THUMBNAIL, interpolation=cv2.INTER_AREA).astype(np.int16)


def changed(before: np.ndarray, after: np.ndarray, settings: SteadySettings) -> bool:
    moved = np.count_nonzero(np.abs(after - before) > settings.unchanged_level)
    return moved >= settings.unchanged_share * before.size


class SkipUnchanged:
    """An estimator that runs the wrapped one only when the picture has changed (or
    ``recheck_s`` have passed); it owns the wrapped one and closes it."""

    def __init__(self, inner: Estimator, settings: SteadySettings) -> None:
        self._inner, self._settings = inner, settings
        self._seen: np.ndarray | None = None  # the thumbnail of the model's last frame
        self._seen_t = 0.0
        self._shape: tuple[int, ...] = ()
        self._last: Landmarks | None = None
        self._latest: np.ndarray | None = None  # the thumbnail of the latest frame
        self._looked: np.ndarray | None = None  # ... of the latest fresh look's frame
        self._looked_found: Landmarks | None = None
        self.runs = self.skips = 0

    def detect(self, rgb: np.ndarray, t: float) -> Landmarks | None:
        small = self._latest = thumbnail(rgb)
        if (self._seen is not None and rgb.shape == self._shape
                and 0.0 <= t - self._seen_t < self._settings.recheck_s
                and not changed(self._seen, small, self._settings)):
            self.skips += 1
            log.debug("frame at %.1f s unchanged: the model's last landmarks stand", t)
            return self._last
        log.debug("frame at %.1f s: the pose model runs", t)
        self._last = self._inner.detect(rgb, t)
        self._seen, self._seen_t, self._shape = small, t, rgb.shape
        self.runs += 1
        return self._last

    def fresh_look(self, rgb: np.ndarray) -> Landmarks | None:
        """A fresh detection (no tracking) of the latest frame, unless the picture is
        unchanged since the last one: what was found then stands, so a steady scene costs
        no fresh looks either."""
        small = self._latest if self._latest is not None else thumbnail(rgb)
        if (self._looked is not None and small.shape == self._looked.shape
                and not changed(self._looked, small, self._settings)):
            self.skips += 1
            return self._looked_found
        self._looked, self._looked_found = small, self._inner.fresh_look(rgb)
        self.runs += 1
        return self._looked_found

    def close(self) -> None:
        log.info("pose model: %d runs, %d frames unchanged (skipped)", self.runs, self.skips)
        self._inner.close()

    def __enter__(self) -> SkipUnchanged:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def steady(inner: Estimator, settings: SteadySettings) -> Estimator:
    """``inner`` behind the unchanged-picture check, or as it is if that is switched off."""
    return SkipUnchanged(inner, settings) if settings.skip_unchanged else inner
