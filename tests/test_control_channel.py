"""The control channel and the instance lock: malformed and extreme requests against the
real `run` process are answered with an error and never harm the monitor; the request
checks, the Windows pipe address and the key file on their own; the lock refuses a
planted symlink."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Client, Pipe
from pathlib import Path

import pytest

from posturewatch.app import control
from posturewatch.core.monitor_status import Status, TrayState
from posturewatch.storage.instance_lock import AlreadyRunning, InstanceLock, LockRefused

from conftest import run_cli, write_clip
from desktop_session import poll


def raw_request(payload: bytes, *, key: bytes | None = None) -> dict:
    """A client that proves the key, then sends ``payload`` as its request message."""
    family, where = control.address()
    conn = Client(where, family)
    try:
        challenge = conn.recv_bytes()
        conn.send_bytes(control.proof(key or control.read_key(control.key_path()), challenge))
        try:
            conn.send_bytes(payload)
        except BrokenPipeError:  # refused already (a wrong key): the error is waiting
            pass
        assert conn.poll(10)
        return json.loads(conn.recv_bytes())
    finally:
        conn.close()


def unix_socket() -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(control.address()[1])
    return sock


def frames_of(data: bytes) -> list[bytes]:
    """The length-prefixed messages in what a raw socket read."""
    out = []
    while len(data) >= 4:
        (size,) = struct.unpack("!i", data[:4])
        out.append(data[4:4 + size])
        data = data[4 + size:]
    return out


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def state() -> dict:
    return json.loads(run_cli("status", "--json").stdout)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory, pools: dict) -> Path:
    return write_clip(tmp_path_factory.mktemp("control") / "sitting.mp4",
                      [(pools["upright"], 120)], fps=5)


def test_malformed_and_extreme_requests_never_harm_the_running_monitor(
    clip: Path, model: Path
) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    process = subprocess.Popen(
        [sys.executable, "-m", "posturewatch", "run", "--headless", "--no-store",
         "--source", str(clip)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        poll(lambda: run_cli("status", "--json", check=False).returncode == 0, 30, "the socket")
        runtime = Path(control.key_path()).parent
        assert (os.stat(runtime / "control.key").st_mode & 0o777) == 0o600
        assert (os.stat(control.address()[1]).st_mode & 0o777) == 0o600

        refusals = {
            b"[1, 2]": "a JSON object, not list",  # killed the control thread
            b'{"cmd": "pause", "seconds": "x"}': "seconds must be a number",  # the monitor
            b'{"cmd": "pause", "seconds": NaN}': "NaN is not a number",  # a spinning loop
            b'{"cmd": "pause", "seconds": 1e999}': "at most 604800",
            b'{"cmd": "pause", "seconds": 360000000000}': "at most 604800",  # broke status
            b'{"cmd": "pause", "seconds": -5}': "above 0",
            b'{"cmd": "snooze", "seconds": true}': "must be a number",
            b'{"cmd": "explode"}': "unknown command 'explode'",
            b'{"cmd": "stance", "stance": "lying"}': "stance must be one of",
            b'{"cmd": "stance"}': "stance must be one of",
            b'"status"': "not str",
            b"\xff\xfe not text": "UTF-8",
            b"{": "one JSON object",
            b"x" * 10_000: "over 4096 bytes",
        }
        for payload, needle in refusals.items():
            answer = raw_request(payload)
            assert needle in answer.get("error", ""), (payload[:40], answer)
        wrong = raw_request(b'{"cmd": "pause"}', key=b"\0" * control.KEY_BYTES)
        assert "wrong control key" in wrong["error"]

        # Garbage on the socket itself (not even the framing): an error, then hung up.
        with unix_socket() as sock:
            sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
            frames = frames_of(read_all(sock))
        assert len(frames) == 2 and "not a request message" in json.loads(frames[1])["error"]

        # A client that says nothing, and one that stops halfway through a message, are
        # hung up on after two seconds; `status` answers meanwhile.
        with unix_socket() as silent, unix_socket() as halfway:
            halfway.sendall(struct.pack("!i", 50) + b"half")
            started = time.monotonic()
            assert state()["state"] != "paused"
            assert time.monotonic() - started < 1.9  # not behind them (they have 2 s)
            silent_frames = frames_of(read_all(silent))
            assert len(frames_of(read_all(halfway))) == 1  # the challenge, then the end
        assert "nothing received within 2 s" in json.loads(silent_frames[-1])["error"]
        assert time.monotonic() - started < 5

        paused = run_cli("pause", "100000000h", check=False)  # refused before it is sent
        assert paused.returncode == 2 and "a duration up to 168h (7 days)" in paused.stderr
        assert "Traceback" not in paused.stderr
        said = json.loads(run_cli("stance", "standing", "--json").stdout)
        assert said["stance"] == "standing"  # the same picture: standing, as said
        assert poll(lambda: state()["state"] == "standing", 20, "standing as said")
        assert json.loads(run_cli("stance", "auto", "--json").stdout)["stance"] == "auto"
        assert json.loads(run_cli("pause", "10m", "--json").stdout)["state"] == "paused"
        assert json.loads(run_cli("resume", "--json").stdout)["paused_until"] is None
        assert poll(lambda: (s := state())["state"] == "upright" and s, 20, "watching again")
        assert process.poll() is None
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "unexpected error" not in err
    assert not Path(control.address()[1]).exists() and not control.key_path().exists()


# -- the parts -----------------------------------------------------------------------------


class _Monitor:
    """What the server asks of the monitor: take commands, give the latest status."""

    def __init__(self) -> None:
        self.commands: list = []

    def submit(self, command: object, done: threading.Event) -> None:
        self.commands.append(command)
        done.set()

    def status(self) -> Status:
        return Status(TrayState.UPRIGHT, 0.0, 60.0, 2640.0, None, None, "ok", "test")


class _PipeConnection:
    """Windows's ``PipeConnection`` is not a ``Connection``: the same methods, no socket
    underneath (pipe messages arrive whole, so no hang-up timer and nothing to drain)."""

    def __init__(self, conn: object) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> object:
        if name not in ("send_bytes", "recv_bytes", "poll", "close"):
            raise AttributeError(name)
        return getattr(self._conn, name)


@pytest.mark.parametrize("windows", [False, True])
def test_the_answer_path_over_a_duplex_pipe(windows: bool) -> None:
    """``multiprocessing.connection.Pipe()`` (a socket pair here, a named pipe on Windows)
    carries the same challenge, proof, request and answer as the listener's clients; with
    the Windows connection's shape the socket-only steps are skipped."""
    monitor = _Monitor()
    server = control.ControlServer(monitor)  # type: ignore[arg-type]
    try:
        for message, expect in (({"cmd": "pause", "seconds": 90}, "state"),
                                ({"cmd": "pause", "seconds": float("nan")}, "error")):
            ours, theirs = Pipe()
            served = _PipeConnection(theirs) if windows else theirs
            thread = threading.Thread(target=server.answer, args=(served,))
            thread.start()
            answer = control._exchange(ours, control.read_key(server.key_path), message, 5)
            thread.join()
            assert expect in answer, answer
        assert [type(c).__name__ for c in monitor.commands] == ["Pause"]
        assert monitor.commands[0].seconds == 90.0
    finally:
        server.close()


def test_windows_uses_a_named_pipe_per_user_and_posix_a_socket_in_the_runtime_folder() -> None:
    assert control.address("win32", user="Ada Lovelace\\x") == (
        "AF_PIPE", r"\\.\pipe\posturewatch-Ada_Lovelace_x-control")
    for platform in ("linux", "darwin"):
        family, where = control.address(platform)
        assert family == "AF_UNIX" and Path(where).parent == control.key_path().parent


def test_a_key_file_others_could_read_or_a_link_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "control.key"
    key.write_bytes(os.urandom(control.KEY_BYTES))
    key.chmod(0o644)
    with pytest.raises(control.NotRunning, match="not yours alone"):
        control.read_key(key)
    key.chmod(0o600)
    assert len(control.read_key(key)) == control.KEY_BYTES
    link = tmp_path / "link.key"
    link.symlink_to(key)
    with pytest.raises(control.NotRunning, match="cannot read the control key"):
        control.read_key(link)


def test_the_lock_refuses_a_planted_symlink_and_a_second_holder(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    folder = tmp_path / "runtime"
    folder.mkdir(mode=0o700)
    (folder / "monitor.lock").symlink_to(victim)
    with pytest.raises(LockRefused, match="is a symbolic link"):
        InstanceLock(folder).acquire()
    assert victim.read_text() == "keep me\n"  # neither truncated nor locked through

    (folder / "monitor.lock").unlink()
    first = InstanceLock(folder)
    first.acquire()
    try:
        assert (os.stat(folder / "monitor.lock").st_mode & 0o777) == 0o600
        with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
            InstanceLock(folder).acquire()
    finally:
        first.release()
    second = InstanceLock(folder)
    second.acquire()  # released: free again
    second.release()


def test_a_socket_path_over_the_system_limit_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / ("r" * 60) / ("u" * 60)  # AF_UNIX paths end at 108 bytes (104: macOS)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    with pytest.raises(control.PostureWatchError, match="cannot open the control channel") as e:
        control.ControlServer(_Monitor())  # type: ignore[arg-type]
    assert "\n" not in str(e.value)
    assert list((deep / "posturewatch").iterdir()) == []  # no key left behind
    # ... and none tried elsewhere: the socket and its key name the same folder (a made
    # XDG_RUNTIME_DIR that platformdirs refused would put the key in the user's real one)
    assert control.key_path().parent == deep / "posturewatch" == Path(control.address()[1]).parent
