"""The command's entry point (``posturewatch`` and ``python -m posturewatch``).

Deliberately light: it catches Ctrl-C before the heavy imports (OpenCV, MediaPipe) start,
so an interrupt during start-up ends like any other, with one line and exit status 130.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from posturewatch.interrupts import INTERRUPTED, interrupted


def main(argv: Sequence[str] | None = None) -> int:
    _print_any_file_name()
    try:
        from posturewatch.cli.main import main as run

        code = run(argv)
    except Exception as exc:
        if not _caused_by_interrupt(exc):
            raise
        code = interrupted()
    except KeyboardInterrupt:
        code = interrupted()
    # The work is done: a Ctrl-C now, or one still pending from a native call, must not
    # turn the exit into a traceback or a kill.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if code == INTERRUPTED:
        _exit_now(code)
    return code


def _print_any_file_name() -> None:
    """A file name that is not UTF-8 (``\\xe9.jpg``) is printed as the bytes it is, as
    ``ls`` prints it, rather than ending the command in a UnicodeEncodeError (stdout is
    strict under a UTF-8 locale; stderr replaces, ``capture/native_logs.py``)."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="surrogateescape")
        except (ValueError, OSError):
            pass


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a Ctrl-C started this error. A native module's initialiser turns one that
    lands in its Python calls into another error: pybind11 raises ``ImportError:
    initialization failed`` from the KeyboardInterrupt (matplotlib's ft2font, imported for
    `report`'s charts, builds its enums that way)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _exit_now(code: int) -> None:
    """End the process with ``code`` at once. An interrupt that passed through native code
    (MediaPipe's bindings run Python through ``PyRun_String``) leaves CPython marked as
    killed by an unhandled Ctrl-C, and at a normal exit it would re-raise SIGINT on itself:
    the shell would see a kill, not 130. Everything worth keeping is closed by now."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
