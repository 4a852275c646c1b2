"""The monitor's log file: in the user log folder, rotated so it never grows without end,
this user's alone (0600 in a 0700 folder), and never written through a link planted at
its name."""

from __future__ import annotations

import errno
import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import TextIO

from posturewatch.storage.paths import user_log_dir
from posturewatch.storage.private import FILE, private_folder, tighten

log = logging.getLogger(__name__)


class PrivateLog(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are created 0600 and opened without following a link:
    a link at the log's name (planted while the folder was open to others) is replaced
    by a file of our own, not written through."""

    planted = False  # a link was found at the log's name (said once the log is set up)
    failing = False  # the writes fail (a full disk): said once per episode, not per record
    _erred = False

    def emit(self, record: logging.LogRecord) -> None:
        self._erred = False
        super().emit(record)  # a failure calls handleError
        if not self._erred:
            self.failing = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """A record that cannot be written (a full disk) is dropped, with one line on
        stderr per episode rather than a traceback per record."""
        self._erred = True
        if not self.failing:
            self.failing = True
            print(f"posturewatch: WARNING: cannot write the log {self.baseFilename}; "
                  "its lines are dropped until it can be written", file=sys.stderr)

    def _open(self) -> TextIO:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.baseFilename, flags, FILE)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            os.unlink(self.baseFilename)  # a link: removed, never followed
            self.planted = True
            fd = os.open(self.baseFilename, flags, FILE)
        tighten(Path(self.baseFilename))
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115


def log_to_file(level: int = logging.INFO, *, max_bytes: int = 1_000_000,
                backups: int = 3) -> Path:
    """Add a rotating file handler to the root logger; return the file's path."""
    folder = user_log_dir()
    path = folder / "monitor.log"
    try:
        private_folder(folder)
        handler = PrivateLog(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8",
            errors="backslashreplace",  # a file name that is not UTF-8 still logs
        )
    except OSError as exc:  # a full or read-only disk: the monitor runs all the same
        log.warning("cannot write the log %s (%s); log lines go to stderr only", path,
                    exc.strerror or exc)
        return path
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        # stderr keeps the user's --log-level; the file gets info and up
        for h in root.handlers:
            if h is not handler and h.level == logging.NOTSET:
                h.setLevel(root.level)
        root.setLevel(level)
    for rotated in folder.glob("monitor.log.*"):
        tighten(rotated)
    if handler.planted:
        log.warning("%s was a symbolic link; it is a file of its own now", path)
    return path
