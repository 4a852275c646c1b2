"""Command-line control of the running monitor over a local socket.

One monitor per user: ``run`` holds a lock file in the user's runtime folder (platformdirs
``user_runtime_dir``, mode 0700) and listens on a Unix socket beside it (mode 0600), so
only that user can talk to it. A request is one JSON line (``{"cmd": "pause",
"seconds": 900}``), the answer one JSON line: the status after the command.
``posturewatch status | pause | resume | snooze | calibrate`` and the tray menu submit the
same commands.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import warnings
from pathlib import Path
from typing import Any

import platformdirs

from posturewatch.app.monitor import Calibrate, Command, Monitor, Pause, Resume, Snooze
from posturewatch.errors import PostureWatchError
from posturewatch.storage.paths import APP

log = logging.getLogger(__name__)


class AlreadyRunning(PostureWatchError):
    exit_code = 1


class NotRunning(PostureWatchError):
    exit_code = 1


def runtime_dir() -> Path:
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        folder = Path(platformdirs.user_runtime_dir(APP))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    return folder


def socket_path() -> Path:
    return runtime_dir() / "control.sock"


class InstanceLock:
    """Held for the monitor's lifetime; a second ``run`` cannot take it."""

    def __init__(self) -> None:
        self.path = runtime_dir() / "monitor.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            other = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunning(f"a monitor is already running (pid {other})",
                                 "use `posturewatch status`, or stop it first") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def command_for(request: dict[str, Any]) -> Command | None:
    """The monitor command a request names (status is a read, not a command)."""
    seconds = request.get("seconds")
    match request.get("cmd"):
        case "pause":
            return Pause(seconds)
        case "resume":
            return Resume()
        case "snooze":
            return Snooze(seconds)
        case "calibrate":
            return Calibrate()
    return None


class ControlServer:
    """Answers requests in a thread of its own; talks to the monitor only by commands and
    by reading its latest status snapshot."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor
        self.path = socket_path()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a monitor that was killed; the lock says it is gone
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            self._sock.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self._sock.listen(4)
        self._sock.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="control", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                try:
                    self._answer(conn)
                except (OSError, ValueError) as exc:
                    log.debug("control request failed: %s", exc)

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        data = b""
        while not data.endswith(b"\n") and len(data) < 4096:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        request = json.loads(data or b"{}")
        command = command_for(request)
        if command is not None:
            done = threading.Event()
            self.monitor.submit(command, done)
            done.wait(2.0)  # the loop wakes at once; a frame being judged takes ~20 ms
        elif request.get("cmd") != "status":
            conn.sendall(json.dumps({"error": f"unknown command {request.get('cmd')!r}"})
                         .encode() + b"\n")
            return
        conn.sendall(json.dumps(self.monitor.status().to_json()).encode() + b"\n")


def request(cmd: str, seconds: float | None = None, *, timeout: float = 5.0) -> dict[str, Any]:
    """Send one request to the running monitor; its answer."""
    path = socket_path()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
        sock.sendall(json.dumps({"cmd": cmd, "seconds": seconds}).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (FileNotFoundError, ConnectionRefusedError):
        raise NotRunning("no monitor is running", "start one with `posturewatch run`") from None
    except OSError as exc:
        raise NotRunning(f"the monitor did not answer ({exc})",
                         "check it with `posturewatch status` again, or restart it") from None
    finally:
        sock.close()
    answer = json.loads(data or b"{}")
    if "error" in answer:
        raise PostureWatchError(answer["error"])
    return answer
