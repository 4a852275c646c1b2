"""Keep native libraries' log lines (MediaPipe, TFLite, OpenCV) off the user's terminal.

They write straight to file descriptor 2, at load time and now and then while running,
so the CLI points descriptor 2 at /dev/null for the whole run and gives Python's own
``sys.stderr`` (our messages, logging, progress bars) a private copy of the terminal.

Two things must survive that: if the null device cannot be opened, the lines simply stay
on the terminal (a cosmetic loss, never a crash); and a fatal native error (an abort in
MediaPipe's C++) must not die in silence, so ``faulthandler`` reports it on the real
stderr ("Fatal Python error: Aborted" and where Python was).
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys

# Read by the native libraries when they load, so set before cv2 or mediapipe is imported.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

log = logging.getLogger(__name__)
_silenced = False  # once per process: a second call would take /dev/null for the terminal


def silence_native_stderr() -> None:
    """Native writes to fd 2 go nowhere; ``sys.stderr`` keeps reaching the terminal."""
    global _silenced
    if _silenced:
        return
    _silenced = True
    sys.stderr.flush()
    try:
        sink = os.open(os.devnull, os.O_WRONLY)
    except OSError as exc:
        log.debug("native log lines stay on stderr: cannot open %s (%s)", os.devnull, exc)
    else:
        private = os.dup(2)
        os.dup2(sink, 2)
        os.close(sink)
        sys.stderr = open(  # noqa: SIM115 - lives as long as the process
            private, "w", buffering=1, encoding="utf-8", errors="backslashreplace"
        )
    _report_fatal_errors()


def _report_fatal_errors() -> None:
    """On SIGABRT, SIGSEGV and the like, write one line and Python's stack to the real
    stderr, which fd 2 no longer is."""
    try:
        faulthandler.enable(file=sys.stderr)
    except (AttributeError, OSError, ValueError) as exc:  # a stderr without a descriptor
        log.debug("fatal native errors will not be reported: %s", exc)
