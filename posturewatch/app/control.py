"""Command-line control of the running monitor: ``status``, ``pause``, ``resume``,
``snooze``, ``calibrate`` and ``stance`` (the tray menu submits the same commands in
process).

The channel is the standard library's ``multiprocessing.connection``: a Unix socket in the
user's runtime folder on POSIX (0600 in a 0700 folder), a named pipe carrying the user's
name on Windows; its length-prefixed messages are the framing. Each ``run`` writes a new
random key to a user-only file beside the lock; a client proves it read that key (an HMAC
of a random challenge) before any request is read, so on Windows, where another local
user could open the pipe, only this user is answered.

A request is one JSON object (``{"cmd": "pause", "seconds": 900}``, ``{"cmd": "stance",
"stance": "standing"}``), the answer one JSON object: the status after the command, or
``{"error": ...}``. Whatever else arrives (not JSON, not an object, an unknown command,
``seconds`` that is not a finite number above 0 and up to a week, a stance that is not
standing, sitting or auto, a message over 4 KiB, a client that says nothing for two
seconds) is
answered with an error where the client can still hear one, and dropped: the monitor
never sees it, and the control thread goes on.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import select
import socket
import stat
import sys
import threading
import time
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any, Protocol

from posturewatch.app.monitor_messages import (
    Calibrate,
    Command,
    Pause,
    Resume,
    SayStance,
    Snooze,
)
from posturewatch.core.monitor_status import MAX_DURATION_S, Status
from posturewatch.errors import PostureWatchError
from posturewatch.storage.atomic import write_private
from posturewatch.storage.file_identity import Identity, identity
from posturewatch.storage.instance_lock import AlreadyRunning, InstanceLock, LockRefused
from posturewatch.storage.paths import runtime_dir

__all__ = ["AlreadyRunning", "ControlServer", "InstanceLock", "LockRefused", "NotRunning",
           "address", "request"]

log = logging.getLogger(__name__)

MAX_REQUEST = 4096  # bytes: a request is a few dozen
TIMEOUT_S = 2.0  # a client has this long to prove the key and say what it wants
MAX_CLIENTS = 4  # answered at once, each in its own thread; more are hung up on
KEY_BYTES = 32
COMMANDS = ("status", "pause", "resume", "snooze", "calibrate", "stance")
STANCES = ("standing", "sitting", "auto")  # what ``stance`` takes (core/watch/stance.py)


class NotRunning(PostureWatchError):
    exit_code = 1


class Controlled(Protocol):
    """What the server needs of the monitor (so the CLI's clients never import it)."""

    def submit(self, command: Command, done: threading.Event | None = None) -> None: ...

    def status(self) -> Status: ...


class BadRequest(ValueError):
    """A request refused with its reason (sent back as ``{"error": reason}``)."""


def address(platform: str = sys.platform, *, user: str | None = None) -> tuple[str, str]:
    """(family, address) of the channel: a named pipe per user on Windows, a Unix socket
    in the runtime folder elsewhere (Linux, macOS, the BSDs)."""
    if platform == "win32":
        name = re.sub(r"[^\w.-]", "_", user if user is not None else getpass.getuser())
        return "AF_PIPE", rf"\\.\pipe\posturewatch-{name}-control"
    return "AF_UNIX", str(runtime_dir() / "control.sock")


def key_path() -> Path:
    return runtime_dir() / "control.key"


def read_key(path: Path) -> bytes:
    """The running monitor's key; refused if the file is a link, or (POSIX) not this
    user's alone, since then someone else could have written or read it."""
    try:
        # O_BINARY: Windows would otherwise translate line ends inside the random key
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise NotRunning("no monitor is running", "start one with `posturewatch run`") \
            from None
    except OSError as exc:
        raise NotRunning(f"cannot read the control key {path}: {exc.strerror or exc}",
                         "restart the monitor (`posturewatch run`)") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if os.name == "posix" and (info.st_uid != os.getuid() or info.st_mode & 0o077
                                   or not stat.S_ISREG(info.st_mode)):
            raise NotRunning(f"the control key {path} is not yours alone",
                             "remove it and restart the monitor (`posturewatch run`)")
        key = file.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise NotRunning(f"the control key {path} is damaged",
                         "restart the monitor (`posturewatch run`)")
    return key


def proof(key: bytes, challenge: bytes) -> bytes:
    """What a client sends back for the server's random ``challenge``."""
    return hmac.new(key, b"posturewatch control " + challenge, hashlib.sha256).digest()


# -- requests ----------------------------------------------------------------------------


def _no_constant(name: str) -> None:
    raise BadRequest(f"{name} is not a number")


def parse_request(data: bytes) -> dict[str, Any]:
    """The request a message holds, checked; ``BadRequest`` says what is wrong with it."""
    try:
        request = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise BadRequest("a request is JSON text (UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"a request is one JSON object ({exc.msg})") from None
    if not isinstance(request, dict):
        raise BadRequest(f"a request is a JSON object, not {type(request).__name__}")
    cmd = request.get("cmd")
    if cmd not in COMMANDS:
        raise BadRequest(f"unknown command {cmd!r} (one of: {', '.join(COMMANDS)})")
    seconds = request.get("seconds")
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise BadRequest(f"seconds must be a number, not {seconds!r}")
        if not (math.isfinite(seconds) and 0 < seconds <= MAX_DURATION_S):
            raise BadRequest(f"seconds must be above 0 and at most {MAX_DURATION_S:g} "
                             f"(7 days), not {seconds!r}; leave it out for no limit")
    if cmd == "stance" and request.get("stance") not in STANCES:
        raise BadRequest(f"stance must be one of {', '.join(STANCES)}, "
                         f"not {request.get('stance')!r}")
    return request


def command_for(request: dict[str, Any]) -> Command | None:
    """The monitor command a checked request names (status is a read, not a command)."""
    seconds = request.get("seconds")
    match request["cmd"]:
        case "pause":
            return Pause(None if seconds is None else float(seconds))
        case "resume":
            return Resume()
        case "snooze":
            return Snooze(None if seconds is None else float(seconds))
        case "calibrate":
            return Calibrate()
        case "stance":
            return SayStance(str(request["stance"]))
    return None


# -- the server --------------------------------------------------------------------------


class _Deadline:
    """Hangs up a connection still being read when its time is up. ``poll`` covers a
    client that says nothing; this covers one that stops halfway through a message (a
    POSIX socket read would wait for the rest; Windows pipe messages arrive whole)."""

    def __init__(self, conn: Connection, seconds: float) -> None:
        self._conn, self._lock, self._done = conn, threading.Lock(), False
        self.end = time.monotonic() + seconds
        # later than the end ``poll`` waits for, so a silent client still hears why
        self._timer = threading.Timer(seconds + 0.5, self._hang_up)
        self._timer.daemon = True
        if isinstance(conn, Connection):  # a socket's file descriptor (POSIX)
            self._timer.start()

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def _hang_up(self) -> None:
        with self._lock:
            if self._done:
                return
            with contextlib.suppress(OSError), \
                    socket.socket(fileno=os.dup(self._conn.fileno())) as sock:
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns: EOFError

    def finish(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


def _receive(conn: Any, deadline: _Deadline, limit: int) -> bytes:
    if not conn.poll(deadline.left()):
        raise BadRequest(f"nothing received within {TIMEOUT_S:g} s")
    try:
        return conn.recv_bytes(limit)
    except EOFError:
        raise BadRequest("the message was cut off") from None
    except OSError as exc:  # "bad message length": over the limit, or not our framing
        raise BadRequest(f"not a request message, or over {limit} bytes ({exc})") from None


def _drain(conn: Any, limit: int = 1 << 16) -> None:
    """Read and drop what a refused client still had on its way: a POSIX socket closed
    with unread input resets the connection, and the client would lose the error."""
    if not isinstance(conn, Connection):
        return
    fd, dropped = conn.fileno(), 0  # not conn.poll: a refused length leaves it unreadable
    while dropped < limit and select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        dropped += len(chunk)


class UnixListener:
    """A Unix socket listening at ``address``, user-only (0600 in a 0700 folder). Closing
    it removes the socket file only while the file is still this socket: never the one a
    monitor listening there since has made."""

    def __init__(self, address: str) -> None:
        self.address = address
        with contextlib.suppress(FileNotFoundError):
            os.unlink(address)  # left by a monitor killed; the lock says it is gone
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            self._socket.bind(address)
        finally:
            os.umask(old)
        os.chmod(address, 0o600)
        self._socket.listen(8)
        self._file = identity(address)
        self._closed = False

    def accept(self) -> Connection:
        conn, _ = self._socket.accept()
        conn.setblocking(True)
        return Connection(conn.detach())

    def here(self) -> bool:
        return identity(self.address) == self._file

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)  # an accept() waiting returns
        self._socket.close()
        if self.here():
            with contextlib.suppress(OSError):
                os.unlink(self.address)


class ControlServer:
    """Accepts clients in a thread of its own and answers each in a short-lived thread
    (at most ``MAX_CLIENTS`` at once, each given ``TIMEOUT_S`` to speak), so a client that
    hangs delays nobody; talks to the monitor only by commands and by reading its latest
    status snapshot."""

    def __init__(self, monitor: Controlled) -> None:
        self.monitor = monitor
        self.family, self.address = address()
        self._key = secrets.token_bytes(KEY_BYTES)
        self.key_path = key_path()
        try:
            self._key_file = self._write_key()
            self._listener = self._listen()
        except OSError as exc:  # e.g. a socket path over the system's limit (104 on macOS)
            with contextlib.suppress(OSError):
                self.key_path.unlink()
            raise PostureWatchError(f"cannot open the control channel {self.address}: "
                                    f"{exc.strerror or exc}",
                                    "check the runtime folder (a shorter "
                                    "XDG_RUNTIME_DIR or TMPDIR)") from None
        self._stop = threading.Event()
        self._clients = threading.BoundedSemaphore(MAX_CLIENTS)
        self._thread = threading.Thread(target=self._serve, name="control", daemon=True)

    def _write_key(self) -> Identity | None:
        write_private(self.key_path, self._key)
        return identity(self.key_path)

    def _listen(self) -> Listener | UnixListener:
        if self.family != "AF_UNIX":
            return Listener(self.address, self.family)
        return UnixListener(self.address)

    def lost(self) -> bool:
        """The socket or the key file is gone or another file (the runtime folder removed
        at logout or by a cleaner): no client can reach this monitor any more."""
        if not isinstance(self._listener, UnixListener):
            return False
        return not self._listener.here() or identity(self.key_path) != self._key_file

    def renew(self) -> None:
        """Listen again at the same address with the same key (the folder made again)."""
        runtime_dir()
        self._key_file = self._write_key()
        old, self._listener = self._listener, self._listen()
        old.close()  # wakes the accept thread, which goes on with the new one

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():  # wake the blocked accept()
            if isinstance(self._listener, UnixListener):
                self._listener.close()
            else:
                with contextlib.suppress(OSError, EOFError):
                    Client(self.address, self.family).close()
            self._thread.join(timeout=TIMEOUT_S + 1)
        self._listener.close()  # its socket file, only while it is still this one
        if identity(self.key_path) == self._key_file:  # never another monitor's key
            with contextlib.suppress(OSError):
                self.key_path.unlink()

    def _serve(self) -> None:
        while not self._stop.is_set():
            listener = self._listener
            try:
                conn = listener.accept()
            except OSError:
                if self._stop.is_set():
                    return
                if listener is not self._listener:
                    continue  # renewed: listen on the new one
                log.warning("control channel: accept failed", exc_info=True)
                time.sleep(0.1)
                continue
            if self._stop.is_set():
                conn.close()
                return
            if not self._clients.acquire(blocking=False):
                log.info("control channel: %d clients at once already; one dropped",
                         MAX_CLIENTS)
                conn.close()
                continue
            threading.Thread(target=self._client, args=(conn,), name="control client",
                             daemon=True).start()

    def _client(self, conn: Any) -> None:
        try:
            self.answer(conn)
        except Exception:  # never more than this one client's end
            log.warning("control request failed", exc_info=True)
        finally:
            conn.close()
            self._clients.release()

    def answer(self, conn: Any) -> None:
        """One client, start to end: challenge, proof, request, answer."""
        deadline = _Deadline(conn, TIMEOUT_S)
        try:
            challenge = secrets.token_bytes(32)
            conn.send_bytes(challenge)
            reply = self._handle(conn, challenge, deadline)
        except BadRequest as exc:
            log.info("control request refused: %s", exc)
            reply = {"error": str(exc)}
        except (OSError, EOFError) as exc:  # the client hung up: nobody to answer
            log.debug("control client gone: %s", exc)
            return
        except Exception as exc:  # a bug here must not leave the client waiting
            log.warning("control request failed", exc_info=True)
            reply = {"error": f"the monitor could not answer ({exc!r})"}
        finally:
            deadline.finish()  # before the connection can be closed and its number reused
        with contextlib.suppress(OSError):
            conn.send_bytes(json.dumps(reply).encode())
            if "error" in reply:
                _drain(conn)

    def _handle(self, conn: Any, challenge: bytes, deadline: _Deadline) -> dict[str, Any]:
        if not hmac.compare_digest(_receive(conn, deadline, 64), proof(self._key, challenge)):
            raise BadRequest("wrong control key: a client of another monitor, or of "
                             "another user")
        request = parse_request(_receive(conn, deadline, MAX_REQUEST))
        command = command_for(request)
        if command is not None:
            done = threading.Event()
            self.monitor.submit(command, done)
            done.wait(2.0)  # the loop wakes at once; a frame being judged takes ~20 ms
        return self.monitor.status().to_json()


# -- the client --------------------------------------------------------------------------


def request(cmd: str, seconds: float | None = None, *, timeout: float = 5.0,
            **fields: str) -> dict[str, Any]:
    """Send one request to the running monitor (``fields``: what else the command takes,
    e.g. ``stance="standing"``); its answer."""
    family, where = address()
    key = read_key(key_path())
    try:
        conn = Client(where, family)
    except (FileNotFoundError, ConnectionRefusedError):
        raise NotRunning("no monitor is running", "start one with `posturewatch run`") from None
    except OSError as exc:
        raise NotRunning(f"cannot reach the monitor ({exc})",
                         "check it with `posturewatch status` again, or restart it") from None
    try:
        answer = _exchange(conn, key, {"cmd": cmd, "seconds": seconds, **fields}, timeout)
    except (OSError, EOFError, ValueError) as exc:
        raise NotRunning(f"the monitor did not answer ({exc or type(exc).__name__})",
                         "check it with `posturewatch status` again, or restart it") from None
    finally:
        conn.close()
    if "error" in answer:
        raise PostureWatchError(f"the monitor refused it: {answer['error']}")
    return answer


def _exchange(conn: Any, key: bytes, message: dict[str, Any], timeout: float) -> dict[str, Any]:
    end = time.monotonic() + timeout

    def receive() -> bytes:
        if not conn.poll(max(0.0, end - time.monotonic())):
            raise TimeoutError(f"no answer within {timeout:g} s")
        return conn.recv_bytes(1 << 20)

    conn.send_bytes(proof(key, receive()))
    conn.send_bytes(json.dumps(message).encode())
    answer = json.loads(receive())
    if not isinstance(answer, dict):
        raise ValueError("an answer that is not a JSON object")
    return answer
