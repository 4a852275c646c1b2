"""The camera only while it is needed, seen from outside the real ``posturewatch run``:
a recording given to ``run --source`` stands in for the camera and follows its cycle, so
this test counts the monitor's opens of it and the time it holds it in ``/proc/PID/fd``.
Another process opening the recording is another app opening the camera's node: a call.
And a camera path that blocks (a FIFO) says "camera not answering" and still stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_run import start, status, stop

from conftest import real_inputs, run_cli, write_clip
from desktop_session import poll

# A look every 5 s (the default: 15 s), so the test sees several in 20 s; on a 10 fps
# recording a look's picture settles in about half a second, as a webcam's does.
QUICK = "[history]\ninterval_s = 10.0\n[camera]\nlook_every_s = 5.0\n"


def held(pid: int, path: Path) -> bool:
    target = str(path.resolve())
    try:
        return any(os.readlink(fd) == target for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def watch_holding(pid: int, path: Path, seconds: float) -> tuple[float, int]:
    """The share of ``seconds`` the process held ``path`` open, and how often it opened it
    (sampled every 20 ms)."""
    samples, opens, was = [], 0, False
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        now = held(pid, path)
        opens += now and not was
        samples.append(now)
        was = now
        time.sleep(0.02)
    return sum(samples) / len(samples), opens


@real_inputs
def test_the_recording_is_held_only_while_looking_and_lent_to_another_app(
        tmp_path: Path, pools: dict) -> None:
    clip = write_clip(tmp_path / "desk.mp4", [(pools["upright"], 150)], fps=10)
    config = tmp_path / "quick.toml"
    config.write_text(QUICK)
    process = start("--source", clip, "--headless", "--config", config, "--no-store")
    try:
        poll(lambda: run_cli("status", "--json", check=False).returncode == 0, 30, "the socket")
        poll(lambda: status()["state"] == "upright", 30, "upright")
        # settled: nothing left to learn, nothing changing, so the camera is let go
        poll(lambda: not held(process.pid, clip), 30, "the first look's end", every=0.02)
        share, opens = watch_holding(process.pid, clip, 20.0)
        assert share <= 0.25, share  # a look of under a second every 5 s
        # a look every 5 s, opened and closed each time (on a loaded machine a slow look can
        # push the next past its time: 2 of a nominal 4 seen once in a check of CI)
        assert 2 <= opens <= 6, opens
        said = status()
        assert said["looking"] and 0 < said["camera_open"] < 0.6

        # Another app opens the camera's node (here: the recording that stands in for it).
        other = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                                  f"f = open({str(clip)!r}, 'rb'); print('open', flush=True)\n"
                                  "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
        try:
            assert other.stdout is not None and other.stdout.readline() == "open\n"
            opened_at = time.monotonic()
            lent = poll(lambda: (s := status())["not_looking"] and s, 10, "the call")
            assert time.monotonic() - opened_at < 5
            assert lent["state"] == "in a call"
            name = Path(f"/proc/{other.pid}/comm").read_text().strip()
            assert lent["not_looking"] == ["in a call", f"camera lent to {name} (pid {other.pid})"]
            assert lent["camera"] == f"lent to {name} (pid {other.pid})"
            time.sleep(1.0)
            share, opens = watch_holding(process.pid, clip, 8.0)  # past a look's time
            assert (share, opens) == (0.0, 0)  # not taken back while the other app has it
        finally:
            other.kill()
            other.wait()
        closed_at = time.monotonic()
        poll(lambda: status()["looking"], 10, "watching again")
        poll(lambda: held(process.pid, clip) or status()["state"] == "upright", 10, "a look")
        assert time.monotonic() - closed_at < 8
    finally:
        out, err = stop(process)
    assert "Traceback" not in err
    assert "state: in a call" in out


@pytest.mark.usefixtures("model")  # the monitor loads it before it opens the camera
def test_a_camera_that_blocks_is_not_answering_and_the_monitor_still_stops(
        tmp_path: Path) -> None:
    """Issue 21, point 10: a device path whose open blocks (a FIFO, as a stalled webcam
    might) leaves the loop, the status and SIGTERM working."""
    fifo = tmp_path / "camera"
    os.mkfifo(fifo)
    config = tmp_path / "impatient.toml"
    config.write_text("[camera]\nanswer_s = 2.0\n")
    process = start("--camera", str(fifo), "--headless", "--config", config, "--no-store")
    try:
        poll(lambda: run_cli("status", "--json", check=False).returncode == 0, 30, "the socket")
        stuck = poll(lambda: (s := status())["state"] == "camera problem" and s, 15,
                     "not answering")
        assert stuck["camera"] == "camera problem: camera not answering after 2 s"
        assert json_ok(run_cli("pause", "5m", "--json").stdout)  # commands still work
        asked = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
        assert time.monotonic() - asked < 5
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "stopped (SIGTERM)" in err
    assert "Camera problem: camera not answering after 2 s" in out


def json_ok(text: str) -> bool:
    import json

    return json.loads(text)["paused_until"] is not None


@pytest.mark.parametrize("power", [
    ({"AC": ("Mains", "1"), "BAT0": ("Battery", "")}, False),
    ({"AC": ("Mains", "0"), "BAT0": ("Battery", "")}, True),
    ({"BAT0": ("Battery", "")}, True),
    ({}, False),  # a desktop: no battery at all
])
def test_on_battery_is_read_from_the_power_supply(tmp_path: Path, power: tuple) -> None:
    from posturewatch.app.desk_watchers import on_battery

    supplies, expected = power
    for name, (kind, online) in supplies.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "type").write_text(kind + "\n")
        if online:
            (tmp_path / name / "online").write_text(online + "\n")
    assert on_battery(tmp_path) is expected


@real_inputs
def test_let_go_while_a_read_waits_the_camera_closes_when_the_read_returns(
        tmp_path: Path, pools: dict) -> None:
    """A lock or a call comes while a held camera's read is waiting for its frame (a
    replay waits up to 1 s; a webcam for its next frame): the monitor cannot wait for it,
    and the read, once back, closes the camera rather than hand over a frame."""
    from posturewatch.app.grabbers import ReplayGrabber
    from posturewatch.app.held_camera import HeldCamera
    from posturewatch.core.camera_health import CameraSettings
    from posturewatch.core.typed_settings import Settings
    from posturewatch.storage.config_file import load_config

    clip = write_clip(tmp_path / "desk.mp4", [(pools["upright"], 20)], fps=1)
    looks = Settings.from_config(load_config()).camera
    reads_wait = threading.Event()

    def slow_wait(seconds: float) -> None:
        if reads_wait.is_set():
            time.sleep(0.5)

    wake = threading.Event()
    camera = HeldCamera(lambda: ReplayGrabber(clip, lambda: 0.5, wait=slow_wait),
                        CameraSettings(2.0, 60.0), looks, wake)
    assert camera.frame(0.0) is not None and held(os.getpid(), clip)  # a look, still held
    reads_wait.set()
    wake.set()  # a command came while the next read waits
    assert camera.frame(1.0) is None
    camera.release(1.1)  # the screen locked: let go, without waiting for the read
    assert poll(lambda: not held(os.getpid(), clip), 3, "the camera closed", every=0.05)
