"""How every command ends on Ctrl-C: one line and exit status 130. Light (no heavy
imports), so the entry point and the CLI share it without importing each other."""

from __future__ import annotations

import signal
import sys

INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def interrupted() -> int:
    """Say so in one line and return the exit status. An object the Ctrl-C left half-built
    (MediaPipe's ``Image`` interrupted in its constructor) complains from ``__del__`` when it
    is freed; the process is ending, so those complaints are silenced."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: no traceback either
    sys.unraisablehook = _ignore_unraisable
    print("posturewatch: interrupted", file=sys.stderr)
    return INTERRUPTED


def _ignore_unraisable(_unraisable: object) -> None:
    return None
