"""Which file a name points at now: its device and inode.

A name can be removed, or another file renamed over it, while the file stays open: SQLite
goes on writing to the store it opened, a lock is held on a file nobody can reach, a
socket listens where no client finds it. Comparing what a name is now with what it was
when the file was opened tells (the history store, the instance lock, the control socket
and its key); a name alone cannot.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Identity:
    device: int
    inode: int


def identity(path: Path | str) -> Identity | None:
    """The file at ``path`` now (through a link), None if there is none to look at."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return Identity(info.st_dev, info.st_ino)
