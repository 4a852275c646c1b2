"""The camera as the monitor holds it: opened for a look and let go after it (kept open
while the monitor is unsure, looking closer, or in continuous mode), never before its next
retry, with its health (``core/camera_health.py``: retries at 2, 4, 8 … 60 s) and how long
it has been open.

Every operation on the camera (open, read, close) runs in a daemon thread of its own
(``_Job``), and the monitor waits for it no longer than ``camera.answer_s``, waking for
its commands meanwhile: a camera that does not answer (a stalled webcam, a device path
that blocks, such as a FIFO) is said in one line ("camera not answering") and never stops
the loop, its signals or its Quit. A look reads frames until the picture has settled
(``core/sampling.Exposure``); frames taken while the camera is held are read one at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from posturewatch.app.grabbers import Grabber
from posturewatch.core.camera_health import CameraHealth, CameraSettings
from posturewatch.core.sampling import Exposure
from posturewatch.core.typed_settings import LookSettings
from posturewatch.errors import SourceError

log = logging.getLogger(__name__)

POLL_S = 0.05  # how often a wait for the camera looks for a command


class NotAnswering(SourceError):
    """The camera took longer than ``camera.answer_s`` to open or to give a frame."""


class _Job:
    """One camera operation in a daemon thread; its result or error when ``done``."""

    def __init__(self, work: Callable[[], np.ndarray | None]) -> None:
        self.done = threading.Event()
        self.started = time.monotonic()
        self.result: np.ndarray | None = None
        self.error: BaseException | None = None
        self._work = work
        threading.Thread(target=self._run, name="camera", daemon=True).start()

    def _run(self) -> None:
        try:
            self.result = self._work()
        except BaseException as exc:  # handed to the monitor's thread
            self.error = exc
        finally:
            self.done.set()


class CameraUse:
    """How long the camera has been open, on the monitor's timeline."""

    def __init__(self) -> None:
        self.first: float | None = None  # when the monitor first wanted a frame
        self.open_s = 0.0
        self.opens = 0
        self._since: float | None = None  # open since, while open

    def opened(self, t: float) -> None:
        self.opens += 1
        self._since = t

    def closed(self, t: float) -> None:
        if self._since is not None:
            self.open_s += max(0.0, t - self._since)
            self._since = None

    def share(self, now: float) -> float | None:
        """The share of the time since the first look that the camera was open."""
        if self.first is None or now <= self.first:
            return None
        going = max(0.0, now - self._since) if self._since is not None else 0.0
        return min(1.0, (self.open_s + going) / (now - self.first))


class HeldCamera:
    def __init__(self, open_grabber: Callable[[], Grabber], settings: CameraSettings,
                 looks: LookSettings, wake: threading.Event) -> None:
        self._open_grabber = open_grabber
        self.health = CameraHealth(settings)
        self.looks = looks
        self.use = CameraUse()
        self._wake = wake
        self._grabber: Grabber | None = None  # touched by a job, or here when none runs
        self._job: _Job | None = None
        self._cancel = threading.Event()

    @property
    def held(self) -> bool:
        return self._grabber is not None or self._job is not None

    def frame(self, now: float) -> np.ndarray | None:
        """A frame: the camera opened for it (and its picture left to settle) unless held.
        None: a command came first (ask again); raises ``SourceError`` (``NotAnswering``
        after ``answer_s``) and ``SourceEnded``."""
        if self.use.first is None:
            self.use.first = now
        if self._job is None:
            self._cancel.clear()
            if self._grabber is None:
                self.use.opened(now)
            self._job = _Job(self._grab)
        job = self._job
        while not job.done.wait(POLL_S):
            if self._wake.is_set():
                return None
            if time.monotonic() - job.started >= self.looks.answer_s:
                raise NotAnswering(f"camera not answering after {self.looks.answer_s:g} s")
        self._job = None
        if job.error is not None:
            self._drop(now)
            raise job.error
        return job.result

    def _grab(self) -> np.ndarray | None:
        """In the job's thread: open if needed, then read (until the picture settles)."""
        if self._grabber is None:
            self._grabber = self._open_grabber()
            exposure: Exposure | None = Exposure(self.looks.exposure_level,
                                                 self.looks.exposure_max_s)
        else:
            exposure = None
        while True:
            if self._cancel.is_set():
                self._close()
                return None
            rgb = self._grabber.read()
            if self._cancel.is_set():  # let go while the read waited (a replay waits 1 s)
                self._close()
                return None
            if exposure is None or exposure.settled(time.monotonic(), brightness(rgb)):
                return rgb

    def release(self, now: float, *, last: bool = False) -> None:
        """Let go (a look done, a pause, a call, a lock): at once, or, while an operation
        is under way, as soon as it returns; ``last``: the monitor stops (logged: how long
        the camera was open)."""
        if last:
            log.info("camera open %.1f %% of the time (%d opens)",
                     100 * (self.use.share(now) or 0.0), self.use.opens)
        if self._job is not None and not self._job.done.is_set():
            self._cancel.set()
            if self._job.done.wait(POLL_S):
                self._job = None
            else:
                self.use.closed(now)
                return  # the job closes it when it returns
        self._job = None
        if self._grabber is not None:
            self._close()
        self.use.closed(now)

    def _close(self) -> None:
        grabber, self._grabber = self._grabber, None
        if grabber is not None:
            try:
                grabber.close()
            except Exception as exc:  # a camera gone while closing is closed
                log.debug("camera close: %s", exc)

    def _drop(self, now: float) -> None:
        """After a failed operation the camera is closed and counted as closed."""
        self._close()
        self.use.closed(now)

    def failed(self, now: float, problem: str) -> None:
        """Let go; the next try waits (logged once per episode)."""
        first = self.health.ok
        retry = self.health.failed(now, problem)
        self.release(now)
        if first:
            log.warning("camera problem: %s (retrying)", problem)
        log.debug("camera retry in %.0f s", retry - now)

    def frames_again(self, t: float) -> None:
        """A frame came through: a problem going on is over."""
        if not self.health.ok:
            lost_since = self.health.recovered()
            log.info("camera back after %.0f s", t - (lost_since or t))


def brightness(rgb: np.ndarray) -> float:
    """The picture's mean brightness, from every 16th pixel of every 16th row (0..255)."""
    return float(rgb[::16, ::16].mean())
