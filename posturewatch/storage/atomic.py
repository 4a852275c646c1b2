"""Files are written whole or not at all: a temporary file beside the target, flushed to
disk, then renamed over it, with the permissions the user's umask gives new files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from posturewatch.errors import PostureWatchError


class OutputError(PostureWatchError):
    exit_code = 7


def _refuse(path: Path, reason: str) -> OutputError:
    return OutputError(f"cannot write {path}: {reason}", "choose a writable file path")


def check_writable(path: Path) -> None:
    """Fail early, before any work, if ``path`` could not be written later."""
    if path.is_dir():
        raise _refuse(path, "it is a folder")
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise _refuse(path, f"{folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _refuse(path, f"no permission to write in {folder}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _refuse(path, exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _refuse(path, exc.strerror or str(exc)) from None
        raise
