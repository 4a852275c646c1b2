"""Nothing leaves the machine: the real ``analyze`` and ``run`` processes, traced with
``strace -f`` in every thread and child, with a stand-in nscd listening where glibc looks
for one.

MediaPipe's native usage logger looks up ``play.googleapis.com`` by itself; it runs only in
the pose worker (``capture/pose_worker.py``), which blocks every socket before MediaPipe is
imported; the processes around it may open local sockets only (``capture/no_network.py``).
Each traced run must show:

- **no reach for the internet**: no connect/sendto/sendmsg/sendmmsg naming an IPv4 or IPv6
  address other than loopback, or any port 53 (a local resolver forwards the query);
- **the model's process sealed**: every process that opened a file of MediaPipe took the
  every-socket filter (a ``seccomp`` of that length) itself, before its first MediaPipe
  file and before the model file, and none of its ``socket``/``socketpair`` calls returned a
  descriptor;
- **local connections only where expected**: every ``AF_UNIX`` address any of our processes
  names is one it bound itself, or one of: the D-Bus session bus (tray, notifications, the
  screen lock), the X11 display (tray, the full-screen check), this run's control socket,
  the sound server's (PulseAudio or PipeWire's pulse server: is a microphone recorded, a
  call?) and the system bus (logind's lock hint). Not nscd, not systemd-resolved: nothing
  of ours needs them;
- **a stand-in nscd** (a listener on ``/var/run/nscd/socket`` in a private mount namespace,
  seen only by the traced run) receives nothing. Before the worker, ``analyze`` and ``run``
  sent it ``GETHOSTBYNAME play.googleapis.com``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from posturewatch.capture import no_network, outside
from posturewatch.storage import paths

from conftest import FRONTAL, REQUIRED, real_inputs, write_clip
from strace_trace import calls, processes

CALLS = ("connect,sendto,sendmsg,sendmmsg,socket,socketpair,bind,seccomp,open,openat,"
         "clone,clone3,fork,vfork,execve")
_INET4 = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([\d.]+)"\)')
_INET6 = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([0-9a-fA-F:.]+)"')
_MEDIAPIPE = re.compile(r"/mediapipe/")
NSCD = Path("/var/run/nscd/socket")  # glibc's _PATH_NSCDSOCKET


def reaches(trace: str) -> list[str]:
    """The traced calls that name an internet address or a DNS port."""
    found = []
    for line in trace.splitlines():
        for port, address in [*_INET4.findall(line), *_INET6.findall(line)]:
            loopback = address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1")
            if port == "53" or not loopback:
                found.append(line.strip()[:200])
    return found


def strict_length() -> int:
    """The every-socket filter's length, as strace prints it (``{len=N, ...}``)."""
    machine = platform.machine()
    return len(no_network.program(machine, ())) if machine in no_network._ARCHES else -1


def model_faults(trace: str, model: Path) -> list[str]:
    """What is wrong with the processes that ran MediaPipe: the every-socket filter missing
    or taken after MediaPipe or the model was opened, or a socket made."""
    faults = []
    for pid, done in processes(calls(trace)).items():
        opened = [c for c in done if c.name in ("open", "openat")]
        mediapipe = [c for c in opened if c.path and _MEDIAPIPE.search(c.path)]
        if not mediapipe:
            continue
        loaded = min(c.at for c in mediapipe + [c for c in opened if c.path == str(model)])
        blocks = [c for c in done if c.name == "seccomp" and c.succeeded
                  and f"len={strict_length()}," in c.args]
        if not blocks:
            faults.append(f"process {pid} ran MediaPipe without the every-socket filter")
        elif blocks[0].done > loaded:
            faults.append(f"process {pid} opened MediaPipe or the model before its filter")
        faults += [f"process {pid} made a socket: {c.name}({c.args[:80]}) = {c.result}"
                   for c in done if c.name in ("socket", "socketpair") and c.succeeded]
    return faults


def expected_local(env: dict[str, str]) -> set[str]:
    """The ``AF_UNIX`` addresses our processes may name besides their own: the D-Bus
    session bus, the X11 display and the control socket."""
    expected = set()
    bus = env.get("DBUS_SESSION_BUS_ADDRESS", "")
    for part in bus.split(";"):
        kind, _, rest = part.partition(":")
        values = dict(p.split("=", 1) for p in rest.split(",") if "=" in p)
        if kind == "unix" and "path" in values:
            expected.add(values["path"])
        if kind == "unix" and "abstract" in values:
            expected.add("@" + values["abstract"])
    if env.get("XDG_RUNTIME_DIR"):
        expected.add(f"{env['XDG_RUNTIME_DIR']}/bus")  # the bus's default place
        expected.add(f"{env['XDG_RUNTIME_DIR']}/posturewatch/control.sock")
        expected.add(f"{env['XDG_RUNTIME_DIR']}/pulse/native")  # calls: the sound server
    # libpulse's other places for a sound server, and the system bus (logind's lock hint)
    expected |= {"/run/pulse/native", "/var/run/pulse/native", "/run/dbus/system_bus_socket",
                 "/var/run/dbus/system_bus_socket"}
    system = env.get("DBUS_SYSTEM_BUS_ADDRESS", "")
    if system.startswith("unix:path="):
        expected.add(system.removeprefix("unix:path=").split(",")[0])
    display = re.fullmatch(r":(\d+)(\.\d+)?", env.get("DISPLAY", ""))
    if display:
        expected |= {f"/tmp/.X11-unix/X{display[1]}", f"@/tmp/.X11-unix/X{display[1]}"}
    return expected


def local_faults(trace: str, expected: set[str]) -> list[str]:
    """Every ``AF_UNIX`` address a process named that is neither its own nor expected."""
    faults = []
    for pid, done in processes(calls(trace)).items():
        own = {c.unix_path for c in done if c.name == "bind" and c.unix_path}
        faults += [f"process {pid}: {c.name} to {c.unix_path} = {c.result}" for c in done
                   if c.name in ("connect", "sendto", "sendmsg") and c.unix_path
                   and c.unix_path not in own | expected]
    return faults


def test_the_trace_checks_recognise_each_fault() -> None:
    """The checks against strace's own lines, so a quiet trace means quiet processes: a
    DNS query, a connection to nscd, a MediaPipe process that made a socket or was blocked
    too late or too weakly."""
    dns = ('41 connect(7, {sa_family=AF_INET, sin_port=htons(53), '
           'sin_addr=inet_addr("127.0.0.53")}, 16) = 0')
    tls6 = ('42 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
            'inet_pton(AF_INET6, "2a00:1450:4001::e3", &sin6_addr), sin6_scope_id=0}, 28) = -1')
    local = ('43 sendto(5, "x", 1, 0, {sa_family=AF_INET, sin_port=htons(8000), '
             'sin_addr=inet_addr("127.0.0.1")}, 16) = 1')
    unix = '44 connect(3, {sa_family=AF_UNIX, sun_path="/run/user/0/bus"}, 110) = 0'
    assert reaches("\n".join([dns, tls6, local, unix])) == [dns[:200], tls6[:200]]

    model = Path("/m/pose.task")
    strict = f"{{len={strict_length()}, filter=0x1}}"
    block = f"seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, {strict}) = 0"
    weak = "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, {len=2, filter=0x1}) = 0"
    load = 'openat(AT_FDCWD, "/venv/site-packages/mediapipe/__init__.py", O_RDONLY) = 3'
    thread = ("clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x1} <unfinished ...>",
              "<... clone3 resumed> => {parent_tid=[61]}, 88) = 61")
    nscd = 'connect(4, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = 0'
    sealed = [f"60 {block}", f"60 {load}", f"60 {thread[0]}", f"60 {thread[1]}",
              f'61 openat(AT_FDCWD, "{model}", O_RDONLY) = 5',
              "61 socket(AF_UNIX, SOCK_STREAM, 0) = -1 EACCES (Permission denied)"]
    assert model_faults("\n".join(sealed), model) == []
    made = "61 socket(AF_UNIX, SOCK_STREAM, 0) = 7"
    assert model_faults("\n".join([*sealed, made]), model) == [
        "process 60 made a socket: socket(AF_UNIX, SOCK_STREAM, 0) = 7"]
    late = [f"60 {load}", f"60 {block}"]
    assert model_faults("\n".join(late), model) == [
        "process 60 opened MediaPipe or the model before its filter"]
    assert model_faults("\n".join([f"60 {weak}", f"60 {load}"]), model) == [
        "process 60 ran MediaPipe without the every-socket filter"]
    assert model_faults(f"70 {block}\n70 socket(AF_UNIX, SOCK_STREAM, 0) = 7", model) == []

    own = '80 bind(3, {sa_family=AF_UNIX, sun_path="/r/pw/control.sock"}, 110) = 0'
    mine = '80 connect(4, {sa_family=AF_UNIX, sun_path="/r/pw/control.sock"}, 110) = 0'
    x11 = '80 connect(5, {sa_family=AF_UNIX, sun_path=@"/tmp/.X11-unix/X9"}, 110) = 0'
    bus = '80 connect(6, {sa_family=AF_UNIX, sun_path="/r/bus"}, 110) = 0'
    expected = expected_local({"DISPLAY": ":9", "XDG_RUNTIME_DIR": "/r"})
    assert sorted(local_faults("\n".join([own, mine, x11, bus, unix, f"80 {nscd}"]),
                               expected)) == ["process 44: connect to /run/user/0/bus = 0",
                                              "process 80: connect to /var/run/nscd/socket = 0"]


@contextlib.contextmanager
def stand_in_nscd() -> Iterator[tuple[list[str], list[bytes]]]:
    """A listener that the traced command finds at ``/var/run/nscd/socket``, and what it
    received. The machine is not touched: the command runs in a private mount namespace
    (``unshare -m``) where the listener's folder is bound over ``/var/run/nscd`` (or, where
    that folder does not exist, over ``/var/run`` itself: nothing of a test run lives
    there). Yields the command prefix and the list of what each connection sent."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-m", "true"],
                                         capture_output=True).returncode != 0:
        message = "no private mount namespace (unshare -m) for the stand-in nscd"
        if REQUIRED:
            pytest.fail(message + ": run the tests as root, or where user namespaces work")
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="nscd-"))  # short: a socket path is < 108 bytes
    if NSCD.parent.is_dir():  # a real nscd's folder: ours hides it
        target, listening = NSCD.parent, folder / NSCD.name
    else:  # /var/run (a link to /run on most systems) with an nscd folder in it
        target = Path(os.path.realpath(NSCD.parent.parent))
        listening = folder / NSCD.parent.name / NSCD.name
        listening.parent.mkdir()
    received: list[bytes] = []
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            with conn:
                conn.settimeout(2)
                try:
                    received.append(conn.recv(4096))
                except OSError:
                    received.append(b"")

    thread = threading.Thread(target=serve, daemon=True)
    try:
        listener.bind(str(listening))
        listener.listen(8)
        thread.start()
        yield [unshare, "-m", "--propagation", "private", "sh", "-c",
               'mount --bind "$1" "$2" && shift 2 && exec "$@"', "sh", str(folder),
               str(target)], received
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept
        listener.close()
        thread.join(timeout=5)
        shutil.rmtree(folder)


def traced(tmp_path: Path, *args: str | Path, env: dict[str, str] | None = None,
           desktop: bool = False) -> tuple[str, str, list[bytes]]:
    """Run ``posturewatch ARGS`` under strace -f, beside a stand-in nscd: its output, the
    trace of every thread and child, and what the stand-in received."""
    strace = shutil.which("strace")
    if strace is None:
        if REQUIRED:
            pytest.fail("strace is missing: install the Debian package strace")
        pytest.skip("strace is missing: install the Debian package strace")
    out = tmp_path / "trace.txt"
    env = dict(env or os.environ)
    if not desktop:
        env = {k: v for k, v in env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    with stand_in_nscd() as (prefix, received):
        done = subprocess.run(
            [*prefix, strace, "-f", "-qq", "-s", "512", "-e", f"trace={CALLS}",
             "-e", "signal=none", "-o", str(out),
             sys.executable, "-m", "posturewatch", *map(str, args)],
            capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout, out.read_text(), received


def assert_sealed(trace: str, received: list[bytes], model: Path, env: dict[str, str]
                  ) -> None:
    assert reaches(trace) == []
    assert model_faults(trace, model) == []
    assert local_faults(trace, expected_local(env)) == []
    assert received == [], "the stand-in nscd was asked"
    assert any(_MEDIAPIPE.search(c.path or "") for c in calls(trace)), "MediaPipe never ran"


@real_inputs
def test_analyze_reaches_nothing(tmp_path: Path, model: Path) -> None:
    image = next((FRONTAL / "upright").glob("*.jpg"))
    printed, trace, received = traced(tmp_path, "analyze", image)
    assert "upright" in printed or "slouched" in printed  # the model ran
    assert_sealed(trace, received, model, dict(os.environ))


@real_inputs
def test_the_first_runs_download_comes_before_the_block(tmp_path: Path, model: Path) -> None:
    """No model yet: ``analyze`` downloads it (from a loopback mirror), verifies it, then
    runs it with the network blocked; the download is the one connection it makes."""
    shipped = paths.bundled_models_dir()
    if shipped is not None and (shipped / model.name).exists():
        pytest.skip(f"{shipped / model.name} exists, so nothing is ever downloaded here")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(model.parent))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTUREWATCH_")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), no_proxy="*",
               POSTUREWATCH_MODEL_URL_BASE=f"http://127.0.0.1:{httpd.server_port}")
    try:
        image = next((FRONTAL / "upright").glob("*.jpg"))
        printed, trace, received = traced(tmp_path, "analyze", image, env=env)
    finally:
        httpd.shutdown()
        httpd.server_close()
    downloaded = tmp_path / "cache" / "posturewatch" / "models" / model.name
    assert downloaded.is_file()
    assert "upright" in printed or "slouched" in printed
    assert f"htons({httpd.server_port})" in trace  # the download, over loopback
    assert_sealed(trace, received, downloaded, env)


@real_inputs
def test_the_monitor_reaches_nothing(tmp_path: Path, pools: dict, model: Path) -> None:
    clip = write_clip(tmp_path / "desk.mp4",
                      [(pools["upright"], 2), (pools["nobody"], 1), (pools["slouched"], 2)],
                      fps=2)
    printed, trace, received = traced(tmp_path, "--log-level", "info", "run", "--headless",
                                      "--no-store", "--source", clip)
    assert printed.strip(), "the monitor judged no frame"
    assert_sealed(trace, received, model, dict(os.environ))


@real_inputs
@pytest.mark.desktop
def test_the_monitor_in_a_desktop_talks_only_to_its_bus_and_display(
    tmp_path: Path, pools: dict, model: Path
) -> None:
    """With a tray (trayer, over X11) and a notification daemon (dunst, over D-Bus), the
    monitor's own process names the session bus and the display, and the worker still
    makes no socket."""
    from desktop_session import desktop_session

    clip = write_clip(tmp_path / "desk.mp4", [(pools["upright"], 6)], fps=2)
    with desktop_session(tmp_path) as session:
        _, trace, received = traced(tmp_path, "--log-level", "info", "run", "--no-store",
                                    "--source", clip, env=session.env, desktop=True)
    assert_sealed(trace, received, model, session.env)
    named = {c.unix_path for c in calls(trace) if c.name == "connect" and c.unix_path}
    assert named & expected_local({"DISPLAY": session.env["DISPLAY"]}), "no X11 connection"
    bus = expected_local({"DBUS_SESSION_BUS_ADDRESS": session.env["DBUS_SESSION_BUS_ADDRESS"]})
    assert named & bus, "no D-Bus connection"


def verdict(rows: list[tuple[int, int, int, int]], arch: int, nr: int, family: int = 0) -> str:
    """What a seccomp program says to one call: a small BPF machine over ``seccomp_data``
    (the call's number at 0, the arch at 4, the first argument's low word at 16)."""
    data = {0: nr, 4: arch, 16: family}
    accumulator, pc = 0, 0
    while True:
        code, jt, jf, k = rows[pc]
        if code == 0x20:  # load a word
            accumulator, pc = data[k], pc + 1
        elif code in (0x15, 0x35):  # jump if equal / greater or equal
            hit = accumulator == k if code == 0x15 else accumulator >= k
            pc += 1 + (jt if hit else jf)
        else:  # return
            return {0x7FFF0000: "allow", 0x5000D: "EACCES", 0x50026: "ENOSYS"}[k]


@pytest.mark.parametrize("machine", sorted(no_network._ARCHES))
def test_the_filters_say_what_they_mean_on_each_processor(machine: str) -> None:
    """Both programs, run by hand for x86_64 and aarch64 alike (only one is run for real
    here): the worker's refuses every socket and socketpair, the monitor's lets local
    families through; both refuse io_uring, pidfd_getfd and other call tables."""
    calls = no_network._ARCHES[machine]
    local, none = no_network.program(machine), no_network.program(machine, ())
    unix, netlink, inet, inet6 = (int(f) for f in (socket.AF_UNIX, socket.AF_NETLINK,
                                                   socket.AF_INET, socket.AF_INET6))
    for family in (unix, netlink):
        assert verdict(local, calls.arch, calls.socket, family) == "allow"
        assert verdict(none, calls.arch, calls.socket, family) == "EACCES"
    for family in (inet, inet6, 17):  # 17: AF_PACKET
        assert verdict(local, calls.arch, calls.socket, family) == "EACCES"
        assert verdict(none, calls.arch, calls.socket, family) == "EACCES"
    assert verdict(local, calls.arch, calls.socketpair, unix) == "allow"
    assert verdict(none, calls.arch, calls.socketpair, unix) == "EACCES"
    for rows in (local, none):
        assert verdict(rows, calls.arch, calls.pidfd_getfd) == "EACCES"
        assert {verdict(rows, calls.arch, nr) for nr in calls.io_uring} == {"ENOSYS"}
        assert verdict(rows, 0x40000003, calls.socket, inet) == "ENOSYS"  # i386's table
        assert verdict(rows, calls.arch, 0) == "allow"  # read (x86_64), io_setup (aarch64)
    if machine == "x86_64":
        assert verdict(none, calls.arch, 0x40000000 | calls.socket, unix) == "ENOSYS"  # x32


BLOCK_CHECK = """
import logging, socket, subprocess, sys, threading
from posturewatch.capture import no_network
logging.basicConfig(level=logging.WARNING, format="%(message)s")
started, go, seen = threading.Event(), threading.Event(), []
def early():  # a thread that exists before the block, as MediaPipe's may
    started.set(); go.wait()
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        seen.append("open")
    except PermissionError:
        seen.append("refused")
thread = threading.Thread(target=early); thread.start(); started.wait()
block, config, editor = sys.argv[1], sys.argv[2], sys.argv[3:]
no_network.keep_a_way_out(config_file=config)
getattr(no_network, block)()
go.set(); thread.join()
families = [socket.AF_INET, socket.AF_INET6, socket.AF_PACKET, socket.AF_UNIX, socket.AF_NETLINK]
for family in families:
    try:
        socket.socket(family, socket.SOCK_DGRAM)
        seen.append("open")
    except PermissionError:
        seen.append("refused")
try:
    a, b = socket.socketpair(); a.sendall(b"x"); seen.append(b.recv(1).decode())
except PermissionError:
    seen.append("refused")
child = subprocess.run([sys.executable, "-c", "import socket; socket.socket()"],
                       capture_output=True, text=True)
seen.append("child refused" if "PermissionError" in child.stderr else "child open")
# the editor on the config is started outside the block; anything else is refused
no_network.start_outside([*editor, config])
no_network.start_outside([*editor, config + ".other"])
no_network.start_outside(["sh", "-c", "touch " + config + ".sh"])
no_network.close_the_way_out()
print(" ".join(seen))
"""


def blocked(tmp_path: Path, block: str) -> tuple[list[str], str, Path]:
    """BLOCK_CHECK with ``no_network.<block>``: what it saw, what it logged, the config."""
    config = tmp_path / "config.toml"
    editor = [sys.executable, "-c",
              "import socket, sys; socket.socket(); open(sys.argv[1] + '.edited', 'w')"]
    done = subprocess.run([sys.executable, "-c", BLOCK_CHECK, block, str(config), *editor],
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, "VISUAL": shlex.join(editor)})
    assert done.returncode == 0, done.stderr
    return done.stdout.split(), done.stderr, config


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel block is Linux's seccomp")
@pytest.mark.parametrize("block", ["forbid", "forbid_sockets"])
def test_the_block_covers_every_thread_and_child(tmp_path: Path, block: str) -> None:
    """``forbid`` (the monitor's process) leaves local sockets; ``forbid_sockets`` (the
    pose worker's) leaves none, socketpair included."""
    seen, logged, config = blocked(tmp_path, block)
    local = ["open", "open", "x"] if block == "forbid" else ["refused"] * 3
    assert seen == ["refused"] * 4 + local + ["child", "refused"]


@pytest.mark.skipif(sys.platform != "linux", reason="the launcher is for Linux's block")
def test_the_launcher_starts_the_editor_outside_the_block_and_nothing_else(
    tmp_path: Path
) -> None:
    seen, logged, config = blocked(tmp_path, "forbid")
    edited = Path(f"{config}.edited")
    for _ in range(100):  # the launcher's program runs on its own
        if edited.exists():
            break
        time.sleep(0.05)
    assert edited.exists(), "the editor started outside the block could not open a socket"
    refusals = [line for line in logged.splitlines() if "not started outside" in line]
    assert len(refusals) == 2 and "config.toml.other" in refusals[0] and "sh" in refusals[1]
    assert not Path(f"{config}.sh").exists()


def test_the_launcher_accepts_the_commands_posturewatch_sends_and_no_other() -> None:
    """The shapes, against the very commands the tray and the reminders build."""
    import argparse

    from posturewatch.cli.run import summary_command
    from posturewatch.core.reminders.reminder import Reminder
    from posturewatch.desktop.dispatch import guidance_args

    config = "/home/u/.config/posturewatch/config.toml"
    policy = {"python": sys.executable, "config": config,
              "editors": [["xdg-open"], ["gedit", "--new-window"]]}
    me = [sys.executable, "-m", "posturewatch"]
    reminder = Reminder(0, 0.0, "r", "break", "t", "m", "gentle_movement", (),
                        also=("water_break",))
    for args in (argparse.Namespace(config=None, store=None),
                 argparse.Namespace(config=Path("/c.toml"), store=Path("/h.sqlite3"))):
        assert outside.refusal(summary_command(args), policy) is None
    assert outside.refusal([*me, *guidance_args(reminder)], policy) is None
    assert outside.refusal(["xdg-open", config], policy) is None
    assert outside.refusal(["gedit", "--new-window", config], policy) is None
    for argv in (["sh", "-c", "curl example.org"],
                 [sys.executable, "-c", "import socket"],
                 ["/usr/bin/python3", "-m", "posturewatch", "report", "--open"],
                 [*me, "run"], [*me, "model", "fetch"],
                 [*me, "report", "--json", "-"], [*me, "guidance", "a", "--html", "x"],
                 [*me, "guidance", "a", "b", "--open"], [*me, "report", "--out"],
                 [*me, "--config"],
                 ["xdg-open", "https://example.org/"], ["xdg-open", "/etc/passwd"],
                 ["gedit", config], "xdg-open", [], [1, 2]):
        assert outside.refusal(argv, policy) is not None, argv


@real_inputs
def test_the_worker_inherits_nothing_but_its_pipes(model: Path) -> None:
    """Not the launcher's pipe, not a socket: its descriptors are its three pipes to this
    process and what it opened itself."""
    from posturewatch.capture.pose import PoseEstimator, PoseSettings

    if sys.platform != "linux":
        pytest.skip("reads /proc")
    no_network.keep_a_way_out()
    launcher = no_network._launcher
    assert launcher is not None and launcher.stdin is not None
    theirs = f"pipe:[{os.fstat(launcher.stdin.fileno()).st_ino}]"
    keep = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # a socket of this process's
    try:
        with PoseEstimator(model, PoseSettings(0.5, 0.5, 0.5), video=False) as pose:
            links = {fd.name: os.readlink(fd)
                     for fd in Path(f"/proc/{pose.worker_pid}/fd").iterdir()}
            process = pose._worker._process  # type: ignore[union-attr]
            ours = {f"pipe:[{os.fstat(p.fileno()).st_ino}]"
                    for p in (process.stdin, process.stdout, process.stderr)}
            assert pose.detect(np.zeros((48, 64, 3), np.uint8), 0.0) is None
    finally:
        keep.close()
        no_network.close_the_way_out()
    assert not [link for link in links.values() if link.startswith("socket:")], links
    assert {link for link in links.values() if link.startswith("pipe:")} <= ours, links
    assert theirs not in links.values()


@real_inputs
def test_a_worker_that_dies_is_started_again(model: Path, caplog: pytest.LogCaptureFixture
                                             ) -> None:
    """Killed (out of memory, by hand): the next frame starts a new one, with one line."""
    from posturewatch.capture.pose import PoseEstimator, PoseSettings

    frame = np.zeros((48, 64, 3), np.uint8)
    with PoseEstimator(model, PoseSettings(0.5, 0.5, 0.5), video=True) as pose:
        first = pose.worker_pid
        assert first is not None
        os.kill(first, 9)
        assert pose.detect(frame, 0.0) is None
        assert pose.worker_pid not in (None, first)
    assert [r for r in caplog.records if "ended (killed by SIGKILL" in r.getMessage()]
