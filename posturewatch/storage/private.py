"""What posturewatch keeps is this user's alone, whatever the umask: folders 0700, files
0600 (POSIX; elsewhere the user's own folders already are).

A person's posture history, calibration, log and settings are nobody else's to read, and
a file others can rewrite (the config, the autostart entry) is code they could run as
this user. The umask decides neither: under ``umask 000`` new files would be
world-writable, under the usual 022 world-readable. So folders are made 0700 (each one
made, and posturewatch's own folders whatever made them) and files 0600; a file or
folder another user owns is left alone (and not trusted: see ``autostart.py``).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from posturewatch.storage.paths import (
    user_cache_dir,
    user_config_dir,
    user_data_dir,
    user_log_dir,
)
from posturewatch.storage.store_file import COMPANIONS

FOLDER, FILE = 0o700, 0o600
POSIX = os.name == "posix"


def own_folders() -> tuple[Path, ...]:
    """posturewatch's own folders: made private even when something else made them."""
    return user_data_dir(), user_config_dir(), user_cache_dir(), user_log_dir().parent


def ours(path: Path) -> bool:
    """``path`` is posturewatch's own folder or inside one (so it is kept private)."""
    path = Path(os.path.abspath(path))
    return any(path == own or own in path.parents
               for own in map(lambda f: Path(os.path.abspath(f)), own_folders()))


def private_folder(folder: Path) -> Path:
    """``folder`` made if missing, each folder made on the way 0700; a folder of
    posturewatch's own (the data, config, cache and log folders and what is inside them)
    made 0700 even if it was there already. Returns ``folder``."""
    missing = [f for f in (folder, *folder.parents) if not f.exists()]
    for made in reversed(missing):
        with contextlib.suppress(FileExistsError):
            made.mkdir(mode=FOLDER)
    if POSIX:
        for each in (folder, *folder.parents):
            if each not in missing and not ours(each):
                break  # above what was made and what is ours: the user's own business
            tighten(each, FOLDER)
    return folder


def tighten(path: Path, mode: int = FILE) -> None:
    """``path`` (if this user's, and not a link) to ``mode`` at most: no bits for group
    and others. Quietly nothing when it cannot be (another user's, a read-only disk)."""
    if not POSIX:
        return
    try:
        info = os.lstat(path)
        if info.st_uid != os.getuid() or stat.S_ISLNK(info.st_mode):
            return
        if stat.S_IMODE(info.st_mode) & ~mode:
            os.chmod(path, stat.S_IMODE(info.st_mode) & mode)
    except OSError:
        pass


def create_private(path: Path) -> None:
    """An empty file at ``path``, 0600 from its first moment (never through a link);
    nothing if one is there."""
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                     | getattr(os, "O_NOFOLLOW", 0), FILE)
    except FileExistsError:
        return
    try:
        if POSIX:
            os.fchmod(fd, FILE)  # os.open's mode is masked by the umask (0o277 would drop w)
    finally:
        os.close(fd)


def keep_private(store: Path) -> None:
    """A SQLite file and the files SQLite keeps beside it (which it makes with the
    file's own mode) made this user's alone if they were not (a store from before)."""
    private_folder(store.parent)
    for path in (store, *(store.with_name(store.name + s) for s in COMPANIONS)):
        tighten(path)
