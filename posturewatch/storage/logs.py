"""The monitor's log file: in the user log folder, rotated so it never grows without end."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import platformdirs

from posturewatch.storage.paths import APP


def user_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP))


def log_to_file(level: int = logging.INFO, *, max_bytes: int = 1_000_000,
                backups: int = 3) -> Path:
    """Add a rotating file handler to the root logger; return the file's path."""
    folder = user_log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "monitor.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8",
        errors="backslashreplace",  # a file name that is not UTF-8 still logs
    )
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
    return path
