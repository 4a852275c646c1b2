"""`run` as a process against the faults of issue 21: it starts after every fault the
running monitor survives, says what is wrong in one line and watches (a store on a full
or read-only disk: it exited 8 with "unreadable or corrupt — move it aside", advice that
throws the history away; a bad config: exit 3; a damaged calibration: exit 6; under
autostart each was no monitor and no message); its runtime folder removed under it (a
second `run` started beside it, and SIGTERM ended in a traceback). Real processes, on
recordings that end by themselves."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from posturewatch.storage.config_file import load_settings
from posturewatch.storage.history import History

from conftest import assert_one_line_error, real_inputs, run_cli, write_clip
from desktop_session import poll
from monitor_harness import fill, remount, small_disk


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory, pools: dict) -> Path:
    # 6 s: a first look (with the picture settling) and a few frames to confirm it
    return write_clip(tmp_path_factory.mktemp("starts") / "sitting.mp4",
                      [(pools["upright"], 12)], fps=2)


@pytest.fixture(scope="module")
def quick_looks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user config folder whose config.toml looks every 2 s: a recording ends at the
    first look after its last frame, so each `run` below lasts seconds instead of the 15 s
    wait for the default look. The file is the user's own, so a bad `--config` still falls
    back to it ("your config file") as it would to none."""
    home = tmp_path_factory.mktemp("quick-config")
    (home / "posturewatch").mkdir()
    (home / "posturewatch" / "config.toml").write_text("[camera]\nlook_every_s = 2.0\n")
    return home


def start_run(config_home: Path, *args: str | Path, **env_vars: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(XDG_CONFIG_HOME=str(config_home), **{k: str(v) for k, v in env_vars.items()})
    return subprocess.Popen([sys.executable, "-m", "posturewatch", "run", "--headless",
                             *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    try:
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "move it aside" not in result.stderr
    return [line for line in result.stderr.splitlines() if ": WARNING: " in line
            or ": ERROR: " in line]


@pytest.fixture(scope="module")
def starts(clip: Path, tmp_path_factory: pytest.TempPathFactory, testdata: Path, model: Path,
           quick_looks: Path) -> Iterator[dict]:
    """Three monitors started at once, each on its copy of the recording, with a runtime
    folder of its own (one monitor per user) and its own log; they spend their time
    waiting for the frames. "full": its store on a full disk; "ro": on a read-only disk;
    "bad_files": both files of the user's wrong, a config with a value out of range and a
    damaged calibration (each its own warning; it watches anyway, into a working store).
    Each runs until the recording ends; the tests read what they said and left."""
    folder = tmp_path_factory.mktemp("monitors")
    config = folder / "bad.toml"
    config.write_text("[sitting]\nbreak_after_min = -4\n")
    baseline = folder / "baseline.json"
    baseline.write_text('{"version": 1, "frames": "many"')
    found: dict = {"config": config, "baseline": baseline,
                   "store": folder / "history.sqlite3"}
    args = {"bad_files": ("--config", config, "--baseline", baseline, "--store",
                          found["store"])}
    with contextlib.ExitStack() as stack:
        try:
            disks = [stack.enter_context(small_disk(folder / name)) for name in ("full", "ro")]
        except pytest.skip.Exception as exc:  # no tmpfs to be had: the store test skips
            found["no_disks"] = str(exc)
        else:
            found["disks"] = disks
            for disk, name in zip(disks, ("full", "ro")):
                with History.open(disk / "history.sqlite3") as history:
                    history.begin_session(kind="live", source="before", start_utc=1.7e9,
                                          utc_offset_s=0)
                args[name] = ("--store", disk / "history.sqlite3")
            fill(disks[0])
            remount(disks[1], "ro")
        # each its own copy: a monitor takes another opening its recording for a call
        runs = {name: start_run(quick_looks, "--source",
                                shutil.copy(clip, folder / f"{name}.mp4"), *rest,
                                XDG_RUNTIME_DIR=Path(stack.enter_context(  # short: a socket
                                    tempfile.TemporaryDirectory(prefix="pw-run-"))),
                                XDG_STATE_HOME=folder / f"state-{name}")
                for name, rest in args.items()}
        found.update({name: finish(process) for name, process in runs.items()})
        yield found


@real_inputs
def test_a_store_on_a_full_or_read_only_disk(starts: dict) -> None:
    if "no_disks" in starts:
        pytest.skip(starts["no_disks"])
    full, readonly = warnings(starts["full"]), warnings(starts["ro"])
    assert full[0].startswith("posturewatch: WARNING: History not saved: not saved since")
    assert "check the disk has room" in full[0] and "Watching and reminders go on" in full[0]
    assert "History not saved" in readonly[0] and "cannot write to it" in readonly[0]
    full_disk, ro_disk = starts["disks"]
    (full_disk / "filler").unlink()
    remount(ro_disk, "rw")
    for disk in starts["disks"]:
        with History.open(disk / "history.sqlite3") as history:
            assert history.read().intervals == ()  # nothing half-written, nothing lost


@real_inputs
def test_a_bad_config_and_a_damaged_calibration(starts: dict) -> None:
    config, baseline = starts["config"], starts["baseline"]
    said = warnings(starts["bad_files"])
    settings = [line for line in said if "Settings not read" in line]
    assert settings == [f"posturewatch: WARNING: Settings not read: {config}:2: "
                        "sitting.break_after_min is -4.0, outside 1..480 — use a value in "
                        "that range. Watching with your config file until it is fixed; a "
                        "saved change is picked up."]
    calibration = [line for line in said if line not in settings]
    assert len(calibration) == 1 and calibration[0].startswith(
        f"posturewatch: WARNING: Calibration not read: baseline {baseline} is not a "
        "posturewatch baseline"), said
    with History.open(starts["store"]) as history:
        assert sum(i.upright_s for i in history.read().intervals) > 2  # it watched
    assert json.loads(baseline.read_text() + "}")["frames"] == "many"  # left as it was


def test_a_bad_file_of_your_own_leaves_the_config_given_in_force(
    tmp_path: Path, isolated_home: Path
) -> None:
    """`run --config team.toml` with a mistake in your own file: watched with team.toml
    alone (it was the defaults, team.toml dropped with the file that was wrong)."""
    from posturewatch.cli.run import _settings
    from posturewatch.storage.paths import user_config_file

    mine = user_config_file()
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text("[sitting]\nbreak_after_min = -4\n")
    given = tmp_path / "team.toml"
    given.write_text("[sitting]\nbreak_after_min = 50\n")
    try:
        settings, notice = _settings(argparse.Namespace(config=given))
        assert settings.rules.breaks.break_after_min == 50  # the default: 45
        assert notice is not None and f"Watching with {given} alone" in notice.body
        given.write_text("[sitting]\nbreak_after_min = 0\n")  # both wrong: the defaults
        settings, notice = _settings(argparse.Namespace(config=given))
        assert settings.files == load_settings(user=False).files
        assert notice is not None and "Watching with the default settings" in notice.body
    finally:
        mine.unlink()


@real_inputs
def test_the_runtime_folder_removed_under_a_running_monitor(
    tmp_path: Path, pools: dict, isolated_home: Path
) -> None:
    """Removed at logout or by a cleaner: within a second the monitor has its lock, pid,
    socket and key again, so a second `run` is refused, commands reach it, and SIGTERM
    ends it with its one line."""
    long_clip = write_clip(tmp_path / "long.mp4", [(pools["upright"], 120)], fps=2)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    first = subprocess.Popen([sys.executable, "-m", "posturewatch", "run", "--headless",
                              "--source", long_clip, "--no-store"], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        poll(lambda: run_cli("status", check=False).returncode == 0, 60, "the monitor")
        folder = isolated_home / "runtime" / "posturewatch"
        shutil.rmtree(folder)
        poll(lambda: (folder / "control.sock").exists() and (folder / "monitor.pid").exists(),
             5, "the runtime files made again")
        second = run_cli("run", "--headless", "--source", long_clip, "--no-store",
                         check=False)
        assert second.returncode == 1
        assert_one_line_error(second, f"a monitor is already running (pid {first.pid})")
        assert json.loads(run_cli("status", "--json").stdout)["pid"] == first.pid
    finally:
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == "posturewatch: stopped (SIGTERM)"
    assert [line for line in err.splitlines() if "WARNING" in line] == [
        "posturewatch: WARNING: the monitor's lock and control socket in "
        f"{folder} went (a logout, a cleaner?): made again"]


@real_inputs
def test_a_pause_survives_kill_9(tmp_path: Path, pools: dict) -> None:
    """`pause 2h`, kill -9, `run`: it was watching again, camera on."""
    long_clip = write_clip(tmp_path / "long.mp4", [(pools["upright"], 120)], fps=2)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    argv = [sys.executable, "-m", "posturewatch", "run", "--headless", "--source", long_clip,
            "--no-store"]
    first = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        poll(lambda: run_cli("status", check=False).returncode == 0, 60, "the monitor")
        paused = json.loads(run_cli("pause", "2h", "--json").stdout)["paused_until"]
        run_cli("snooze", "3h")
    finally:
        first.kill()
        first.wait(timeout=10)
    again = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        poll(lambda: run_cli("status", check=False).returncode == 0, 60, "the restart")
        status = poll(lambda: (s := json.loads(run_cli("status", "--json").stdout))["pid"]
                      == again.pid and s["state"] == "paused" and s, 20, "paused again")
        assert status["paused_until"] == paused and status["camera"] == "paused"
        assert status["snoozed_until"] is not None
        run_cli("resume")
        poll(lambda: json.loads(run_cli("status", "--json").stdout)["state"] == "upright",
             30, "watching after resume")
    finally:
        again.send_signal(signal.SIGTERM)
        out, err = again.communicate(timeout=30)
    assert again.returncode == 0, err
    assert "Still paused: Paused before the restart, for 1" in out


@real_inputs
def test_a_recording_that_cannot_be_decoded_and_one_that_ends(
    starts: dict, tmp_path: Path
) -> None:
    """A text file as `run --source` was a camera problem retried forever; now one line
    and exit 5, as `analyze` says it. A recording that ends says so in the closing line
    (it said only "stopped"): here the run of ``starts`` with the bad files, whose
    recording ran out."""
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    result = run_cli("run", "--headless", "--source", text, "--no-store", check=False)
    assert result.returncode == 5
    assert_one_line_error(result, f"cannot read video {text}: not a format OpenCV can decode")
    ended = starts["bad_files"]
    assert ended.returncode == 0, ended.stderr
    assert ended.stderr.splitlines()[-1] == "posturewatch: stopped: the recording has ended"
