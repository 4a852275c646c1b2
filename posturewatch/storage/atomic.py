"""Files are written whole or not at all: a temporary file beside the target, flushed to
disk, then renamed over it. A file replaced keeps its permission bits (a 0600 file stays
0600); a new one gets what the user's umask gives new files, except a private one (what
posturewatch keeps in its own folders, ``storage/private.py``), which is 0600 either way.

A target that is not a regular file (``/dev/null``, a FIFO, ``/dev/stdout`` on a pipe) is
never renamed over: that would replace the device with a file. Such targets are written
through, once the output is complete (it waits in an anonymous temporary file until then);
so is the process's own stdout, whatever it is, when named as a path (``/dev/stdout``).
A symlink to a regular file is followed: its target is replaced, the link stays.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TextIO

from posturewatch.errors import PostureWatchError
from posturewatch.storage.private import FILE, ours, private_folder


class OutputError(PostureWatchError):
    exit_code = 7


def _refuse(path: Path, reason: str) -> OutputError:
    return OutputError(f"cannot write {path}: {reason}", "choose a writable file path")


def _unwritable(path: Path, where: Path, reason: str) -> OutputError:
    """``reason`` (no permission), unless the cause is a read-only file system: then that,
    with its own fix (permissions would not help)."""
    try:
        readonly = bool(os.statvfs(where).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # no statvfs on Windows
        readonly = False
    if readonly:
        return OutputError(f"cannot write {path}: {where} is on a read-only file system",
                           "remount it read-write, or choose a file on another disk")
    return _refuse(path, reason)


def _failure(path: Path, exc: OSError) -> OutputError:
    return _refuse(path, exc.strerror or str(exc))


def _stat(path: Path) -> os.stat_result | None:
    """``path``'s status after following links; None if nothing is there yet."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _failure(path, exc) from None


def _rename_target(path: Path) -> Path | None:
    """The regular file to replace for ``path`` (its symlinks followed), or None when the
    output must be written through: a device, a FIFO, or a link (such as /proc/self/fd/1)
    that does not lead to a file by name."""
    status = _stat(path)
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise _refuse(path, "it is a folder")
    if status is not None and not stat.S_ISREG(status.st_mode):
        return None
    real = Path(os.path.realpath(path))
    if status is None:
        return real  # a new file (or a dangling link's target)
    try:
        return real if os.path.samefile(real, path) else None
    except OSError:  # e.g. a link to a deleted file
        return None


def is_stdout(path: Path) -> bool:
    """``path`` is the file this process's stdout already writes to (``/dev/stdout``,
    ``/proc/self/fd/1``): written to through stdout, so what is printed before and after
    lands around it rather than in a replaced, orphaned file."""
    try:
        ours, theirs = os.fstat(sys.stdout.fileno()), os.stat(path)
    except (AttributeError, OSError, ValueError):  # no stdout descriptor, or no such path
        return False
    return (ours.st_dev, ours.st_ino) == (theirs.st_dev, theirs.st_ino)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them is not there yet: the same name is the same file
        return os.path.realpath(a) == os.path.realpath(b)


def check_writable(path: Path, reads: Iterable[tuple[str, Path | None]] = ()) -> None:
    """Fail early, before any work, if ``path`` could not be written later, or is one of
    the files the command reads (``reads``: what each is, and where), which the output
    would replace (``export --out`` the store, ``analyze --json`` the recording). Never
    opens the target: opening a FIFO would wait for a reader."""
    for what, source in reads:
        if source is not None and _same_file(path, source):
            raise OutputError(f"cannot write {path}: it is {what} this command reads",
                              "choose another file to write")
    target = _rename_target(path)
    if target is None:
        if not os.access(path, os.W_OK):
            raise _unwritable(path, path, "no permission to write to it")
        return
    folder = target.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise _refuse(path, f"{folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _unwritable(path, folder, f"no permission to write in {folder}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """The replaced file's permission bits, or the umask's for a new file."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


@contextmanager
def spooled(open_destination: Callable[[], AbstractContextManager[TextIO]]) -> Iterator[TextIO]:
    """Write to an anonymous temporary file, copied to the destination (opened only then)
    when the block ends without an error: a failed run leaves no half output, and memory
    stays flat however long the output grows."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        yield spool
        spool.seek(0)
        with open_destination() as destination:
            shutil.copyfileobj(spool, destination)


def _open_through(path: Path) -> TextIO:
    """``path`` opened for writing in place: a device or FIFO as it is, a regular file
    reached through a magic link (/proc/self/fd/1) truncated first."""
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
        fd = os.open(path, os.O_WRONLY | (os.O_TRUNC if regular else 0))
    except OSError as exc:
        raise _failure(path, exc) from None
    return open(fd, "w", encoding="utf-8")  # noqa: SIM115 - the caller closes it


@contextmanager
def atomic_output(path: Path, *, private: bool = False) -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` whole when the block ends without an
    error; on an error nothing is changed and no temporary file is left. A file
    posturewatch keeps is 0600 in 0700 folders whatever the umask and whatever the file was
    before: whatever goes into its own folders (the saved baseline, the config, a report or
    page in its cache), and elsewhere with ``private`` (the autostart entry)."""
    if is_stdout(path):  # /dev/stdout and the like: our own descriptor, at its offset
        with spooled(lambda: nullcontext(sys.stdout)) as out:
            yield out
        return
    target = _rename_target(path)
    if target is None:
        with spooled(lambda: _open_through(path)) as out:
            yield out
        return
    private = private or ours(target.parent)
    try:
        if private:
            private_folder(target.parent)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _failure(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out  # the caller's errors pass through unchanged, after the clean-up
            try:
                out.flush()
                os.fsync(out.fileno())
            except OSError as exc:
                raise _failure(path, exc) from None
        try:
            os.chmod(tmp, FILE if private else _mode_for(target))
            os.replace(tmp, target)
        except OSError as exc:
            raise _failure(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str, *, private: bool = False) -> None:
    with atomic_output(path, private=private) as out:
        out.write(text)


def write_private(path: Path, data: bytes) -> None:
    """``data`` as a file only this user may read (0600 on POSIX; the user's own folder
    elsewhere), written whole: a new file beside it (created exclusively, so a planted
    link is never followed), then renamed over it, which replaces a link rather than
    writing through it. For secrets and lock-side files in the runtime folder."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
