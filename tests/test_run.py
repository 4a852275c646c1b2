"""`posturewatch run --headless` as a process: one per user, control over the socket,
pause releasing the camera, a source pulled away and put back, settings reloaded while
running, kill -9 and restart, no webcam, no display."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import assert_one_line_error, run_cli, write_clip
from desktop_session import poll


def start(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    environment = dict(env if env is not None else os.environ)
    environment.pop("DISPLAY", None)
    environment.pop("WAYLAND_DISPLAY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "posturewatch", "--log-level", "info", "run", *map(str, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)


def status() -> dict:
    return json.loads(run_cli("status", "--json").stdout)


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[str, str]:
    if process.poll() is None:
        process.send_signal(sig)
    out, err = process.communicate(timeout=15)
    return out, err


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory, pools: dict) -> Path:
    return write_clip(tmp_path_factory.mktemp("run") / "sitting.mp4",
                      [(pools["upright"], 90)], fps=5)


def test_one_monitor_controlled_by_commands_survives_a_pulled_source(
    clip: Path, tmp_path: Path
) -> None:
    moved = tmp_path / "away.mp4"
    process = start("--source", clip, "--headless")
    try:
        poll(lambda: run_cli("status", "--json", check=False).returncode == 0, 30, "the socket")
        first = poll(lambda: (s := status())["state"] == "upright" and s, 20, "upright")
        assert first["camera"] == "ok" and first["snoozed_until"] is None
        for key in ("state", "since", "sitting_s", "next_break_in_s", "paused_until",
                    "snoozed_until", "camera"):
            assert key in first

        second = run_cli("run", "--source", clip, "--headless", check=False)
        assert second.returncode == 1
        assert_one_line_error(second, "a monitor is already running")

        paused = json.loads(run_cli("pause", "10m", "--json").stdout)
        assert paused["state"] == "paused" and paused["camera"] == "paused"
        assert paused["paused_until"] is not None
        resumed = json.loads(run_cli("resume", "--json").stdout)
        assert resumed["paused_until"] is None
        snoozed = json.loads(run_cli("snooze", "15m", "--json").stdout)
        assert snoozed["snoozed_until"] is not None

        clip.rename(moved)  # the camera is pulled away
        problem = poll(lambda: (s := status())["state"] == "camera problem" and s, 15,
                       "camera problem")
        assert problem["camera"].startswith("camera problem")
        moved.rename(clip)  # and comes back: the retry picks it up by itself
        back = poll(lambda: (s := status())["camera"] == "ok" and s, 20, "recovery")
        assert back["state"] in ("upright", "starting")
    finally:
        if moved.exists():
            moved.rename(clip)
        out, err = stop(process)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "Camera problem" in out and "state: upright" in out
    assert "no display found, running headless" not in err  # --headless asked for it


def test_settings_reload_while_running_and_bad_edits_keep_the_old(clip: Path) -> None:
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "posturewatch" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    process = start("--source", clip)  # no display: says so and goes headless
    try:
        poll(lambda: run_cli("status", "--json", check=False).returncode == 0, 30, "the socket")
        user.write_text("[sitting]\nbreak_after_min = 20.0\n")
        poll(lambda: 1180 < (status()["next_break_in_s"] or 0) <= 1200, 10, "the new setting")
        user.write_text("[sitting]\nbreak_after_min = -4\n")
        time.sleep(2.5)
        assert 1100 < status()["next_break_in_s"] <= 1200  # the old settings stay
    finally:
        user.unlink()
        out, err = stop(process, signal.SIGINT)
    assert process.returncode == 0, err
    assert err.splitlines()[0] == ("posturewatch: no display found, running headless (state "
                                   "changes and reminders print here)")
    assert "settings not reloaded" in err and "break_after_min" in err
    assert "Settings not reloaded" in out  # the notice, printed when headless


def test_kill_9_then_restart(clip: Path) -> None:
    process = start("--source", clip, "--headless")
    poll(lambda: run_cli("status", "--json", check=False).returncode == 0, 30, "the socket")
    process.kill()
    process.communicate(timeout=10)
    again = start("--source", clip, "--headless")  # the lock died with it; the socket is stale
    try:
        poll(lambda: run_cli("status", "--json", check=False).returncode == 0, 30, "restart")
        assert status()["pid"] == again.pid
    finally:
        stop(again)
    assert again.returncode == 0


def test_no_webcam_is_one_line_and_retried() -> None:
    process = start("--camera", "/dev/video77", "--headless")
    try:
        shown = poll(lambda: run_cli("status", "--json", check=False).returncode == 0
                     and (s := status())["state"] == "camera problem" and s, 30, "the problem")
        assert "no camera at /dev/video77" in shown["camera"]
    finally:
        out, err = stop(process)
    assert process.returncode == 0
    problems = [line for line in err.splitlines() if "camera problem" in line]
    assert problems == ["posturewatch: WARNING: camera problem: no camera at /dev/video77, or "
                        "it is in use by another app (retrying)"]
    assert "Traceback" not in err


def test_commands_without_a_monitor_say_so() -> None:
    for command in ("status", "pause", "resume", "snooze", "calibrate"):
        assert_one_line_error(run_cli(command, check=False), "no monitor is running")
