"""Outside a desktop session (no XDG_RUNTIME_DIR) each home folder has a runtime folder,
hence a monitor, of its own: a command from one home never reaches the monitor of
another, and a second home may run its own. Its folder is user-only and its socket path
short, however deep the home."""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from posturewatch.app import control
from posturewatch.core.monitor_status import Status, TrayState
from posturewatch.storage.instance_lock import InstanceLock
from posturewatch.storage.paths import runtime_dir

from conftest import assert_one_line_error, run_cli


class _Monitor:
    """What the control server asks of a monitor: take commands, give a status."""

    def submit(self, command: object, done: threading.Event | None = None) -> None:
        if done is not None:
            done.set()

    def status(self) -> Status:
        return Status(TrayState.UPRIGHT, 0.0, 60.0, 2640.0, None, None, "ok", "test")


@pytest.fixture
def use_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Switches to a fresh home, as a new user's trial has it: no XDG variables at all.
    The runtime folders it makes in the real fallback (``/tmp/runtime-<uid>`` or
    ``/run/user/<uid>``) are removed afterwards."""
    made: list[Path] = []

    def use(home: Path) -> None:
        for var in ("XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                    "XDG_STATE_HOME"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HOME", str(home))
        made.append(runtime_dir())

    yield use
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


def test_two_homes_have_two_monitors(tmp_path: Path, use_home: Callable[[Path], None]) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    use_home(first)
    lock = InstanceLock()
    lock.acquire()
    server = control.ControlServer(_Monitor())  # type: ignore[arg-type]
    server.start()
    try:
        assert control.request("status")["state"] == "upright"
        use_home(second)
        with pytest.raises(control.NotRunning, match="no monitor is running"):
            control.request("resume")  # reached the first home's monitor before
        other = InstanceLock()
        other.acquire()  # was refused: "a monitor is already running"
        other.release()
        use_home(first)
        assert control.request("status")["state"] == "upright"  # the same home: the same one
    finally:
        server.close()
        lock.release()


def test_the_folder_is_user_only_and_its_socket_path_short(
    tmp_path: Path, use_home: Callable[[Path], None]
) -> None:
    use_home(tmp_path / ("h" * 120) / ("o" * 120))
    folder = runtime_dir()
    assert folder == runtime_dir()  # named the same each time
    for each in (folder, folder.parent):
        info = each.lstat()
        assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
        assert stat.S_IMODE(info.st_mode) == 0o700
    assert len(os.fsencode(control.address()[1])) < 104  # macOS's limit; Linux's is 108
    assert control.key_path().parent == folder == Path(control.address()[1]).parent


def test_a_session_runtime_folder_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = tmp_path / "run"
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(session))
    assert runtime_dir() == session / "posturewatch"


# -- the runtime folder removed under a running monitor (issue 21) -----------------------


def test_a_lock_whose_folder_went_is_taken_again_or_lost_to_the_newcomer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    first = InstanceLock()
    first.acquire()
    try:
        shutil.rmtree(runtime_dir())
        assert first.lost()
        first.retake()  # made again: a second monitor is refused again
        assert not first.lost()
        with pytest.raises(control.AlreadyRunning):
            InstanceLock().acquire()
        shutil.rmtree(runtime_dir())
        newcomer = InstanceLock()
        newcomer.acquire()  # started in the second before the first noticed
        with pytest.raises(control.AlreadyRunning):
            first.retake()  # the first one stops then; one monitor either way
        first.release()
        assert (runtime_dir() / "monitor.pid").read_text() == str(os.getpid())
        newcomer.release()
    finally:
        first.release()


def test_a_server_never_removes_another_monitors_socket_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    first = control.ControlServer(_Monitor())  # type: ignore[arg-type]
    first.start()
    shutil.rmtree(runtime_dir())
    assert first.lost()
    second = control.ControlServer(_Monitor())  # type: ignore[arg-type]
    second.start()
    try:
        first.close()  # stopping the first used to delete the second's socket and key
        assert control.request("status")["state"] == "upright"
    finally:
        second.close()
    assert not (runtime_dir() / "control.sock").exists()
    assert not (runtime_dir() / "control.key").exists()


def test_a_server_listens_again_when_its_socket_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    server = control.ControlServer(_Monitor())  # type: ignore[arg-type]
    server.start()
    try:
        shutil.rmtree(tmp_path / "run")
        with pytest.raises(control.NotRunning):
            control.request("status")
        server.renew()
        assert not server.lost()
        assert control.request("status")["state"] == "upright"
    finally:
        server.close()


@pytest.mark.parametrize("session", [True, False])
def test_a_runtime_folder_of_another_user_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, session: bool
) -> None:
    """Another user's folder (in the session's XDG_RUNTIME_DIR, or the per-home one of
    the shared fallback) would let them see or swap the lock, the socket and its key; it
    used to be a PermissionError traceback for every command (root used it silently)."""
    if os.geteuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    if session:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
        (tmp_path / "run").mkdir(mode=0o700)
    else:
        monkeypatch.delenv("XDG_RUNTIME_DIR")
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # a folder of its own
    folder = runtime_dir()
    os.chown(folder, 65534, 65534)
    try:
        for command in (("status",), ("pause", "5m"), ("run", "--headless", "--no-store")):
            result = run_cli(*command, check=False)
            assert_one_line_error(result, f"cannot use the runtime folder {folder}",
                                  "belongs to another user (uid 65534)")
    finally:
        shutil.rmtree(folder)
