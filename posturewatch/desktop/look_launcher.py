"""The tray's "What the camera sees": ``posturewatch look`` in a window of its own, started
as a subprocess of ``run``, with the camera lent to it meanwhile.

The monitor is told first (``WindowOpen``) and lets go of the camera before the window
opens it (a webcam streams to one process at a time), does not look while the window is
open, and looks again once the window has closed. One window at a time: a second click
while one is open does nothing. Stopping ``run`` closes the window (SIGTERM, which
``look`` answers by closing and releasing the camera)."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from posturewatch.core.watch.devices import WindowOpen

log = logging.getLogger(__name__)

LET_GO_S = 5.0  # the longest the window waits for the monitor to let go of the camera
CLOSE_S = 5.0  # ... and for the window to close when run stops

Submit = Callable[[WindowOpen, threading.Event], None]


def look_command(camera: int | str, recording: Path | None, *, config: Path | None = None,
                 baseline: Path | None = None, model: Path | None = None) -> list[str]:
    """``posturewatch look`` on what ``run`` watches, with its settings, calibration and
    pose model."""
    where = ["--source", str(recording)] if recording is not None else ["--camera", str(camera)]
    return [sys.executable, "-m", "posturewatch",
            *(["--config", str(config)] if config is not None else []), "look", *where,
            *(["--baseline", str(baseline)] if baseline is not None else []),
            *(["--model", str(model)] if model is not None else [])]


class LookLauncher:
    def __init__(self, command: Sequence[str], submit: Submit) -> None:
        self._command, self._submit = list(command), submit
        self._lock = threading.Lock()
        self._busy = False  # a window is opening or open
        self._window: subprocess.Popen[bytes] | None = None

    def show(self) -> None:
        """The menu entry: the window opens in a thread of its own (the menu returns)."""
        with self._lock:
            if self._busy:
                log.info("the camera's window is open already")
                return
            self._busy = True
        threading.Thread(target=self._lend, name="look window", daemon=True).start()

    def _lend(self) -> None:
        """Lend the camera, run the window until it closes, take the camera back."""
        let_go = threading.Event()
        self._submit(WindowOpen("posturewatch look"), let_go)
        let_go.wait(LET_GO_S)
        try:
            with self._lock:
                self._window = subprocess.Popen(self._command, stdin=subprocess.DEVNULL)
            log.info("the camera's window is open (pid %d)", self._window.pid)
            code = self._window.wait()
            if code in (0, -15):
                log.info("the camera's window closed")
            else:
                log.warning("the camera's window ended with exit status %d: try "
                            "`posturewatch look` in a terminal", code)
        except OSError as exc:
            log.warning("cannot open the camera's window (%s): try `posturewatch look`", exc)
        finally:
            with self._lock:
                self._window, self._busy = None, False
            self._submit(WindowOpen(None), threading.Event())

    def close(self) -> None:
        """``run`` stops: a window still open is closed."""
        with self._lock:
            window = self._window
        if window is None or window.poll() is not None:
            return
        window.terminate()
        try:
            window.wait(CLOSE_S)
        except subprocess.TimeoutExpired:
            window.kill()
