"""Nothing leaves the machine: the real ``analyze`` and ``run --headless`` processes, traced
with strace in every thread and child, reach no internet address and ask no DNS server.

MediaPipe's native usage logger looks up ``play.googleapis.com`` by itself (a UDP query to
port 53, then TLS where the name resolves); ``capture/no_network.py`` blocks it in the
kernel. A reach counts if a connect/sendto/sendmsg/sendmmsg names an IPv4 or IPv6 address
other than loopback, or any port 53 (a local resolver forwards the query).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from posturewatch.storage import paths

from conftest import FRONTAL, REQUIRED, real_inputs, write_clip

CALLS = "connect,sendto,sendmsg,sendmmsg"
_INET4 = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([\d.]+)"\)')
_INET6 = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([0-9a-fA-F:.]+)"')


def reaches(trace: str) -> list[str]:
    """The traced calls that name an internet address or a DNS port."""
    found = []
    for line in trace.splitlines():
        for port, address in [*_INET4.findall(line), *_INET6.findall(line)]:
            loopback = address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1")
            if port == "53" or not loopback:
                found.append(line.strip()[:200])
    return found


def test_a_reach_for_the_internet_is_recognised() -> None:
    """The parser against strace's own lines (so a quiet trace means a quiet process)."""
    dns = ('41 connect(7, {sa_family=AF_INET, sin_port=htons(53), '
           'sin_addr=inet_addr("127.0.0.53")}, 16) = 0')
    tls6 = ('42 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
            'inet_pton(AF_INET6, "2a00:1450:4001::e3", &sin6_addr), sin6_scope_id=0}, 28) = -1')
    local = ('43 sendto(5, "x", 1, 0, {sa_family=AF_INET, sin_port=htons(8000), '
             'sin_addr=inet_addr("127.0.0.1")}, 16) = 1')
    unix = '44 connect(3, {sa_family=AF_UNIX, sun_path="/run/user/0/bus"}, 110) = 0'
    assert reaches("\n".join([dns, tls6, local, unix])) == [dns[:200], tls6[:200]]


def traced(tmp_path: Path, *args: str | Path, env: dict[str, str] | None = None
           ) -> tuple[str, str]:
    """Run ``posturewatch ARGS`` under strace -f: its output, and the trace of every thread
    and child."""
    strace = shutil.which("strace")
    if strace is None:
        if REQUIRED:
            pytest.fail("strace is missing: install the Debian package strace")
        pytest.skip("strace is missing: install the Debian package strace")
    out = tmp_path / "trace.txt"
    env = {k: v for k, v in (env or os.environ).items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run(
        [strace, "-f", "-qq", "-e", f"trace={CALLS}", "-o", str(out),
         sys.executable, "-m", "posturewatch", *map(str, args)],
        capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout, out.read_text()


@real_inputs
def test_analyze_reaches_no_internet_address(tmp_path: Path) -> None:
    image = next((FRONTAL / "upright").glob("*.jpg"))
    printed, trace = traced(tmp_path, "analyze", image)
    assert "upright" in printed or "slouched" in printed  # the model ran
    assert reaches(trace) == []


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
        printed, trace = traced(tmp_path, "analyze", image, env=env)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (tmp_path / "cache" / "posturewatch" / "models" / model.name).is_file()
    assert "upright" in printed or "slouched" in printed
    assert f"htons({httpd.server_port})" in trace  # the download, over loopback
    assert reaches(trace) == []


@real_inputs
def test_the_monitor_reaches_no_internet_address(tmp_path: Path, pools: dict) -> None:
    clip = write_clip(tmp_path / "desk.mp4",
                      [(pools["upright"], 2), (pools["nobody"], 1), (pools["slouched"], 2)],
                      fps=2)
    printed, trace = traced(tmp_path, "--log-level", "info", "run", "--headless",
                            "--no-store", "--source", clip)
    assert printed.strip(), "the monitor judged no frame"
    assert reaches(trace) == []


BLOCK_CHECK = """
import socket, subprocess, sys, threading
from posturewatch.capture import no_network
started, go, seen = threading.Event(), threading.Event(), []
def early():  # a thread that exists before the block, as MediaPipe's may
    started.set(); go.wait()
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        seen.append("open")
    except PermissionError:
        seen.append("refused")
thread = threading.Thread(target=early); thread.start(); started.wait()
no_network.keep_a_way_out()
no_network.forbid()
go.set(); thread.join()
for family in (socket.AF_INET, socket.AF_INET6, socket.AF_PACKET):
    try:
        socket.socket(family, socket.SOCK_DGRAM)
        seen.append("open")
    except PermissionError:
        seen.append("refused")
a, b = socket.socketpair(); a.sendall(b"x"); seen.append(b.recv(1).decode())
child = subprocess.run([sys.executable, "-c", "import socket; socket.socket()"],
                       capture_output=True, text=True)
seen.append("child refused" if "PermissionError" in child.stderr else "child open")
outside = sys.argv[1]  # a program not ours (a browser) is started without the block
no_network.start_outside([sys.executable, "-c", "import socket, sys; socket.socket(); "
                          f"open({outside!r} + '.part', 'w').close()"])
no_network.close_the_way_out()
print(" ".join(seen))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel block is Linux's seccomp")
def test_the_block_covers_every_thread_and_child_and_spares_local_sockets(
    tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    done = subprocess.run([sys.executable, "-c", BLOCK_CHECK, str(outside)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused"] * 4 + ["x", "child", "refused"]
    made = Path(f"{outside}.part")
    for _ in range(100):  # the launcher's program runs on its own
        if made.exists():
            break
        time.sleep(0.05)
    assert made.exists(), "a program started outside the block could not open a socket"
