"""Where the monitor's frames come from: a webcam, or a recording replayed in real time.

A grabber is opened for a look (or held open, ``app/held_camera.py`` decides) and hands out
one RGB frame when asked. A camera that is gone or taken raises ``SourceError``; the
monitor treats that as a camera problem and retries. A recording stands in for a camera
and follows the same cycle: it is opened for each look at the point its replay has
reached, hands out its frames no faster than they were recorded (as a camera hands out
frames no faster than it takes them), and is closed after the look, so the cycle can be
seen from outside the process (its file among the process's open files). A recording that
has played to its end raises ``SourceEnded``.
"""

from __future__ import annotations  # noqa: I001  (cv2 after native_logs)

import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from posturewatch.capture import native_logs as quiet  # noqa: F401  (before cv2)
from posturewatch.capture.file_names import (
    camera_name,
    camera_shown,
    open_camera,
    opencv_name,
    shown,
)
from posturewatch.errors import SourceError

import cv2  # noqa: E402


MAX_AHEAD_S = 1.0  # a replay waits at most this long for its next frame


def one_thread() -> None:
    """The monitor converts one small frame at a time: OpenCV's own thread pool, whose
    idle workers spin (sched_yield) after each call, cost more than it saves (about a
    tenth of the monitor's CPU on bench/monitor_cpu.py)."""
    cv2.setNumThreads(1)


class SourceEnded(Exception):
    """A replayed recording has reached its end: the monitor stops."""


class Grabber(Protocol):
    name: str

    def read(self) -> np.ndarray: ...

    def close(self) -> None: ...


class CameraGrabber:
    """A webcam, opened for a look (or held while the monitor is unsure, or in continuous
    mode)."""

    def __init__(self, device: int | str, width: int, height: int) -> None:
        self.name = camera_name(device)
        self._capture = open_camera(device)
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceError(f"no camera at {camera_shown(device)}, or it is in use by "
                              "another app")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)

    def read(self) -> np.ndarray:
        ok, bgr = self._capture.read()
        if not ok:
            raise SourceError(f"{self.name} stopped giving frames (unplugged, or taken)")
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self._capture.release()


class ReplayGrabber:
    """A recording played in real time: each read returns the next frame at or after the
    seconds elapsed since the replay started (``position``), skipping the ones in between
    undecoded, and waits (``wait``) until the replay reaches a frame still ahead of it.
    Opened anew, it goes on where the clock has got to, as a camera would; so does a file
    that disappeared and came back (meanwhile it is a camera problem)."""

    def __init__(self, path: Path, position: Callable[[], float], start: float = 0.0,
                 wait: Callable[[float], None] = time.sleep) -> None:
        self.name = shown(path)
        self.path = path
        self._position, self._wait = position, wait
        if not path.is_file():
            raise SourceError(f"no recording at {self.name}")
        # one decoding thread: a look reads a few frames, and the decoder's own threads
        # (two more per opening) cost more to start than they save
        with opencv_name(path) as name:
            self._capture = cv2.VideoCapture(name, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
        if not self._capture.isOpened():
            raise SourceError(f"cannot read recording {self.name}")
        self._at = -1.0
        self._start = start
        if (ahead := position() - start) > 0.0:  # straight to where the replay has got to
            self._capture.set(cv2.CAP_PROP_POS_MSEC, ahead * 1000.0)

    def read(self) -> np.ndarray:
        if not self.path.exists():
            raise SourceError(f"recording {self.name} is gone")
        want = self._position() - self._start
        frame: np.ndarray | None = None
        while True:
            if not self._capture.grab():
                raise SourceEnded(self.name)
            self._at = self._capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if self._at + 1e-6 >= want:
                ok, bgr = self._capture.retrieve()
                if ok:
                    frame = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                break
        if (early := self._at - want) > 0:
            self._wait(min(early, MAX_AHEAD_S))  # not before the frame was taken
        if frame is None:
            raise SourceError(f"cannot decode {self.name} at {self._at:.1f} s")
        return frame

    def close(self) -> None:
        self._capture.release()
