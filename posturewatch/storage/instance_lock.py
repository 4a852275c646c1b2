"""One monitor per user: a lock file held for the monitor's lifetime.

The lock is the ``filelock`` library's (``flock`` on POSIX, ``msvcrt.locking`` on Windows),
so it works on every platform the monitor runs on and dies with the process (kill -9
included: the system drops the lock, the next ``run`` takes it). The library opens the
lock file with ``O_NOFOLLOW``: a symlink planted at its path is refused, never followed
to truncate or lock whatever it points at. The holder's pid is kept beside it, for the
message a second ``run`` prints.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

import filelock

from posturewatch.errors import PostureWatchError
from posturewatch.storage.atomic import write_private
from posturewatch.storage.file_identity import Identity, identity
from posturewatch.storage.paths import runtime_dir


class AlreadyRunning(PostureWatchError):
    exit_code = 1


class LockRefused(PostureWatchError):
    exit_code = 1


class InstanceLock:
    """Held for the monitor's lifetime; a second ``run`` cannot take it."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        folder = folder if folder is not None else runtime_dir()
        self.path = folder / "monitor.lock"
        self.pid_path = folder / "monitor.pid"
        self._lock = self._new_lock()
        self._held: Identity | None = None  # the file locked

    def _new_lock(self) -> filelock.BaseFileLock:
        return filelock.FileLock(self.path, timeout=0, mode=0o600, thread_local=False,
                                 is_singleton=False)

    def acquire(self) -> None:
        if self.path.is_symlink():  # refused by the library too; this names the problem
            raise self._planted()
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise AlreadyRunning(f"a monitor is already running (pid {self._holder()})",
                                 "use `posturewatch status`, or stop it first") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a link planted between the check and the open
                raise self._planted() from None
            raise LockRefused(f"cannot take the lock {self.path}: {exc.strerror or exc}",
                              "check the runtime folder is yours and writable") from None
        self._held = identity(self.path)
        write_private(self.pid_path, str(os.getpid()).encode())

    def lost(self) -> bool:
        """The lock file or its pid file is gone (the runtime folder removed at logout or
        by a temporary-file cleaner) or is another file: a second monitor could start."""
        return self._lock.is_locked and (identity(self.path) != self._held
                                         or not self.pid_path.is_file())

    def retake(self) -> None:
        """Lock a new file at the lock's path (the folder made again); the old one, which
        nobody can reach any more, is let go. ``AlreadyRunning`` if another monitor has
        taken it meanwhile."""
        if self._folder is None:
            runtime_dir()  # made again, user-only
        old, self._lock = self._lock, self._new_lock()
        try:
            self.acquire()
        finally:
            old.release()

    def release(self) -> None:
        if self._lock.is_locked:
            if identity(self.path) == self._held:  # never another monitor's pid file
                with contextlib.suppress(OSError):
                    self.pid_path.unlink()
            self._lock.release()

    def _holder(self) -> str:
        try:
            return self.pid_path.read_text().strip() or "?"
        except OSError:
            return "?"

    def _planted(self) -> LockRefused:
        return LockRefused(f"the lock file {self.path} is a symbolic link",
                           "remove it (posturewatch never makes one), then start again")
