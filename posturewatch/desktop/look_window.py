"""The window that shows what the camera sees (`posturewatch look`, `calibrate --show`).

OpenCV's own window (highgui; the opencv-contrib-python wheel that mediapipe brings has a
Qt backend built in, so nothing more is installed): the frames ``app/overlay.py`` draws
are handed to it in memory and never written anywhere. Closing the window (its close
button, q or Esc, SIGTERM from whoever started it) ends the command, which then releases
the camera.

Qt aborts the whole process when it finds no display, so ``require_display`` checks first
and says so in one line.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import cv2
import numpy as np

from posturewatch.app.overlay import DISPLAY_HEIGHT, MAX_WIDTH
from posturewatch.errors import PostureWatchError

TITLE = "posturewatch: what the camera sees"
_CLOSE_KEYS = {ord("q"), ord("Q"), 27}  # q, Esc
_TICK_MS = 15  # the window answers its events at least this often


class DisplayError(PostureWatchError):
    exit_code = 9


class WindowClosed(Exception):
    """The person closed the window: the command ends (its camera is released)."""


def require_display() -> tuple[int, int] | None:
    """On Linux and the BSDs the window needs an X display (on Wayland, XWayland's);
    returns its screen's size there (None elsewhere: the platform's own windows)."""
    if not (sys.platform.startswith("linux") or "bsd" in sys.platform):
        return None
    name = os.environ.get("DISPLAY")
    if not name:
        raise DisplayError("no display to show the window on (DISPLAY is not set)",
                           "run it in your desktop session (on Wayland, with XWayland)")
    try:
        from Xlib.display import Display

        display = Display(name)
        try:
            root = display.screen().root.get_geometry()
            return int(root.width), int(root.height)
        finally:
            display.close()
    except Exception as exc:  # python-xlib raises several kinds for an unreachable server
        raise DisplayError(f"cannot open display {name} ({type(exc).__name__})",
                           "run it in your desktop session, or check DISPLAY") from None


class LookWindow:
    """One window; ``show`` a picture, ``wait`` while keeping it answering, ``open``
    until the person closes it (or ``close`` is called)."""

    def __init__(self, title: str = TITLE) -> None:
        screen = require_display()
        self.title = title
        # the picture's largest size: most of the screen, never more than the usual
        self.height = min(DISPLAY_HEIGHT, int(0.85 * screen[1])) if screen else DISPLAY_HEIGHT
        self.width = min(MAX_WIDTH, int(0.95 * screen[0])) if screen else MAX_WIDTH
        self._closing = threading.Event()
        self._size: tuple[int, int] | None = None
        cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)

    @property
    def open(self) -> bool:
        if self._closing.is_set():
            return False
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) >= 1
        except cv2.error:  # the window is gone
            return False

    def show(self, rgb: np.ndarray) -> None:
        """Shows the picture; raises ``WindowClosed`` once the window was closed."""
        if not self.open:
            raise WindowClosed
        size = rgb.shape[1], rgb.shape[0]
        if size != self._size:  # the window takes the picture's size (never stretched)
            cv2.resizeWindow(self.title, *size)
            self._size = size
        cv2.imshow(self.title, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.wait(0.0)

    def wait(self, seconds: float) -> None:
        """Keeps the window answering for ``seconds`` (at least one round of its events);
        raises ``WindowClosed`` when it was closed meanwhile."""
        end = time.monotonic() + seconds
        while True:
            key = cv2.waitKey(_TICK_MS)
            if key & 0xFF in _CLOSE_KEYS or not self.open:
                raise WindowClosed
            if time.monotonic() >= end:
                return

    def close(self) -> None:
        self._closing.set()
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)  # lets the window system take it away
        except cv2.error:
            pass

    def stop(self) -> None:
        """From a signal handler or another thread: the next ``show``/``wait`` ends."""
        self._closing.set()


@contextmanager
def closing_on_sigterm(window: LookWindow) -> Iterator[None]:
    """SIGTERM (a tray or a script closing the window) closes it as its button does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(_signum: int, _frame: FrameType | None) -> None:
        window.stop()

    previous = signal.signal(signal.SIGTERM, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
