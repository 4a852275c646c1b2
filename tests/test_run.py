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

import cv2
import pytest

from posturewatch.storage.history import History

from conftest import assert_one_line_error, real_inputs, run_cli, write_clip
from desktop_session import poll
from monitor_harness import write_baseline

SETTINGS = "[history]\ninterval_s = 10.0\n[calibration]\nseconds = 5.0\nmin_frames = 3\n"


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


def test_one_monitor_controlled_by_commands_survives_a_pulled_source_and_kill_9(
    clip: Path, tmp_path: Path, pools: dict, model: Path
) -> None:
    moved = tmp_path / "away.mp4"
    store = tmp_path / "history.sqlite3"
    config = tmp_path / "ten.toml"
    config.write_text(SETTINGS)
    baseline = tmp_path / "baseline.json"
    write_baseline(model, [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in pools["upright"]], baseline)
    args = ("--source", clip, "--headless", "--store", store, "--config", config,
            "--baseline", baseline)
    process = start(*args)
    try:
        poll(lambda: run_cli("status", "--json", check=False).returncode == 0, 30, "the socket")
        first = poll(lambda: (s := status())["state"] == "upright" and s, 20, "upright")
        assert first["camera"] == "ok" and first["snoozed_until"] is None
        assert first["calibration"] == "ok"
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

        # A saved change to the settings is picked up; a bad one keeps the old settings.
        recovered_at = time.monotonic()
        config.write_text(SETTINGS + "[sitting]\nbreak_after_min = 20.0\n")
        poll(lambda: 1170 < (status()["next_break_in_s"] or 0) <= 1200, 10, "the new setting")
        config.write_text("[sitting]\nbreak_after_min = -4\n")
        time.sleep(2.5)
        assert 1100 < status()["next_break_in_s"] <= 1200

        # A guided calibration by the running monitor updates the baseline it runs with.
        before = baseline.stat().st_mtime_ns
        assert "the monitor is calibrating" in run_cli("calibrate").stdout
        poll(lambda: baseline.stat().st_mtime_ns != before, 15, "the new baseline")
        # at least one whole 10 s interval after the recovery before the kill
        time.sleep(max(0.0, 12 - (time.monotonic() - recovered_at)))
        # the bout in progress is in the store while it goes on
        assert sitting_in_summary(store) > 0
        sat = status()["sitting_s"]
        killed_at = time.time()
        process.kill()  # kill -9: nothing is flushed
        out, err = process.communicate(timeout=10)
    finally:
        if moved.exists():
            moved.rename(clip)
        if process.poll() is None:
            stop(process)
    assert "Traceback" not in err
    assert "Camera problem" in out and "state: upright" in out
    assert "no display found, running headless" not in err  # --headless asked for it
    refused = [line for line in err.splitlines() if "break_after_min" in line]
    assert refused == ["posturewatch: ERROR: Settings not reloaded: "  # once, not twice
                       f"{config}:2: sitting.break_after_min is -4.0, outside 1..480 — use a "
                       "value in that range. The old settings stay."]
    logged = Path(os.environ["XDG_STATE_HOME"]) / "posturewatch" / "log" / "monitor.log"
    assert "monitor starting" in logged.read_text()  # the user log folder, rotated
    assert "Settings not reloaded" in out  # the notice, printed when headless
    with History.open(store) as history:
        records = history.read()
    written = max(i.end_utc for i in records.intervals)
    # At most the interval in progress is lost (plus the settling delay and one sample).
    assert written >= killed_at - 10.0 - 3.0, killed_at - written
    assert records.pauses and records.reminders == ()
    assert len(records.calibrations) == 1 and records.calibrations[0].view == "front"
    assert "Calibrated" in out and "Calibrating: sit tall" in out
    # the sitting is kept, at most the interval in progress (and the settling) lost
    kept = sitting_in_summary(store)
    assert sat - 10.0 - 3.0 <= kept <= sat + 1.0, (sat, kept)

    config.write_text(SETTINGS)
    # The lock died with it; the socket left behind is stale. No display and no
    # --headless: it says so in one line and goes headless.
    again = start("--source", clip, "--store", store, "--config", config)
    try:
        poll(lambda: run_cli("status", "--json", check=False).returncode == 0, 30, "restart")
        assert status()["pid"] == again.pid
        assert status()["sitting_s"] >= kept  # the bout goes on, not from 0
        # its first frame judged (the model loads after the socket answers), so the stop
        # below has an interval to flush
        poll(lambda: status()["state"] != "starting", 60, "the first judged frame")
    finally:
        out, err = stop(again, signal.SIGINT)
    assert again.returncode == 130, err  # Ctrl-C: one line and 130, as for every command
    assert err.splitlines()[-1] == "posturewatch: interrupted"
    assert err.splitlines()[0] == ("posturewatch: no display found, running headless (state "
                                   "changes and reminders print here)")
    with History.open(store) as history:
        assert any(i.start_utc > killed_at for i in history.read().intervals)  # writes again


def sitting_in_summary(store: Path) -> float:
    return json.loads(run_cli("summary", "--json", "--store", store).stdout)["totals"]["sitting_s"]


def test_todays_summary_from_the_tray_reads_the_store_and_settings_run_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report goes to one file in the cache folder, not into the folder run started in."""
    from posturewatch.cli.main import build_parser
    from posturewatch.cli.run import summary_command

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = str(tmp_path / "cache" / "posturewatch" / "report-today.html")
    store, config = tmp_path / "h.sqlite3", tmp_path / "c.toml"
    config.write_text(SETTINGS)
    args = build_parser().parse_args(["--config", str(config), "run", "--store", str(store)])
    command = summary_command(args)
    assert command[1:] == ["-m", "posturewatch", "--config", str(config), "report", "--open",
                           "--out", out, "--store", str(store)]
    assert summary_command(build_parser().parse_args(["run"]))[3:] == [
        "report", "--open", "--out", out]


@real_inputs
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
    for command in ("status", "calibrate"):
        assert_one_line_error(run_cli(command, check=False), "no monitor is running")
