"""Is the store at its path still the file the monitor has open?

SQLite writes to the file it opened, whatever happens to the name: after ``rm
history.sqlite3*`` every commit goes into a file nobody can read again, and after random
bytes are written over it in place the commits land in a file every reader calls corrupt,
while the writer hears of neither. So the writer remembers which file it opened
(:func:`identity`) and, before it writes, asks :func:`what_changed`: removed (nothing
there), replaced (another file there: moved in, restored from a backup) or damaged (its
header is not SQLite's any more). A damaged file is moved aside (:func:`move_aside`),
kept whole for whoever wants to look at it, never written to again.
"""

from __future__ import annotations

import os
import time
from enum import StrEnum
from pathlib import Path

from posturewatch.storage.file_identity import Identity, identity

MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
COMPANIONS = ("-wal", "-shm", "-journal")  # what SQLite keeps beside the file


class Change(StrEnum):
    REMOVED = "removed"
    REPLACED = "replaced by another file"
    DAMAGED = "damaged"


def what_changed(path: Path, opened: Identity) -> Change | None:
    """None while ``path`` is the file opened as ``opened`` and still starts as a SQLite
    file does; else what became of it. A file not yet written (empty) is fine."""
    now = identity(path)
    if now is None:
        return Change.REMOVED if not os.path.lexists(path) else Change.REPLACED
    if now != opened:
        return Change.REPLACED
    try:
        with open(path, "rb") as file:
            head = file.read(len(MAGIC))
    except OSError:
        return None  # unreadable for now (permissions): the write will say why
    return None if head in (b"", MAGIC) else Change.DAMAGED


def move_aside(path: Path) -> Path:
    """Rename the damaged store (and what SQLite kept beside it) to
    ``NAME.damaged-YYYYmmdd-HHMMSS``; returns the new name of the file itself."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", *COMPANIONS):
        source = path.with_name(path.name + suffix)
        if os.path.lexists(source):
            os.replace(source, aside.with_name(aside.name + suffix))
    return aside


def companions(path: Path) -> tuple[Identity | None, ...]:
    """Which files the store's -wal and -shm are (the writer's own, as it last wrote)."""
    # names as plain text: this runs at every commit, and each Path made interns its name
    return tuple(identity(f"{path}{suffix}") for suffix in COMPANIONS[:2])


def drop_companions(path: Path, ours: tuple[Identity | None, ...]) -> None:
    """Remove the -wal and -shm the writer left at ``path`` for a file that is no longer
    there: SQLite pairs them by name, and a new file opened with an old -wal would take
    the old file's pages as its own."""
    for suffix, known in zip(COMPANIONS[:2], ours, strict=False):  # () when none known
        beside = path.with_name(path.name + suffix)
        if known is not None and identity(beside) == known:
            beside.unlink(missing_ok=True)
