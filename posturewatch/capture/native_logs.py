"""Keep native libraries' log lines (MediaPipe, TFLite, OpenCV) off the user's terminal.

They write straight to file descriptor 2, at load time and now and then while running,
so the CLI points descriptor 2 at /dev/null for the whole run and gives Python's own
``sys.stderr`` (our messages, logging, progress bars) a private copy of the terminal.
"""

from __future__ import annotations

import os
import sys

# Read by the native libraries when they load, so set before cv2 or mediapipe is imported.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")


def silence_native_stderr() -> None:
    """Native writes to fd 2 go nowhere; ``sys.stderr`` keeps reaching the terminal."""
    sys.stderr.flush()
    private = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = open(  # noqa: SIM115 - lives as long as the process
        private, "w", buffering=1, encoding="utf-8", errors="backslashreplace"
    )
