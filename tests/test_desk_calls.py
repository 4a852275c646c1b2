"""A good guest on a real desk (marked slow: ``.ci/run`` runs it after the README's command):
``posturewatch run --source`` under a real headless GNOME Shell 43 with a real PipeWire
sound server (pipewire, wireplumber, pipewire-pulse: the team's ``audio-session.sh``
recipe) on the same session bus.

- GNOME locks its screen through its own screensaver service: within a few seconds the
  monitor says "locked", lets go of the recording that stands in for the camera and
  counts the time away; unlocked, it looks again.
- A real recording client (``parecord`` on the microphone) is the call: within seconds
  ``status --json`` says "in a call", the camera is let go, reminders wait though the
  sitting limit passes; the call ended, the one reminder that names it comes.
- The store keeps the call and the lock; ``summary`` shows them.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from test_looks import held

from conftest import real_inputs, write_clip
from desktop_session import poll
from wayland_desktops import Desktop, gnome, gnome_lock, gnome_locked

pytestmark = pytest.mark.slow

SETTINGS = """[sitting]
break_after_min = 1.0
[stretch]
enabled = false
[posture]
enabled = false
[wall_angel]
enabled = false
[ergonomics]
enabled = false
[reminders]
min_gap_min = 0.0
[history]
interval_s = 10.0
"""


def sound_server(desktop: Desktop) -> None:
    """PipeWire with its pulse server and a null microphone, on the desktop's bus."""
    for tool in ("pipewire", "wireplumber", "pipewire-pulse", "pactl", "parecord"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} missing (.ci/run installs pipewire, wireplumber, "
                        "pipewire-pulse and pulseaudio-utils)")
    desktop.start("pipewire", log="pipewire.log")
    poll(lambda: (desktop.runtime / "pipewire-0").exists(), 10, "pipewire", 0.05)
    desktop.start("wireplumber", log="wireplumber.log")
    desktop.start("pipewire-pulse", log="pipewire-pulse.log")
    poll(lambda: desktop.run("pactl", "info").returncode == 0, 20, "the pulse server", 0.1)
    desktop.run("pactl", "load-module", "module-null-sink", "sink_name=test_speaker")
    desktop.run("pactl", "load-module", "module-null-sink",
                "media.class=Audio/Source/Virtual", "sink_name=test_mic", "channel_map=mono")
    desktop.run("pactl", "set-default-source", "test_mic")


def status(desktop: Desktop) -> dict:
    done = desktop.run(sys.executable, "-m", "posturewatch", "status", "--json", timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


@real_inputs
def test_a_locked_screen_and_a_call_on_a_real_desk(tmp_path: Path, pools: dict) -> None:
    clip = write_clip(tmp_path / "desk.mp4", [(pools["upright"], 300)], fps=2)
    config = tmp_path / "desk.toml"
    config.write_text(SETTINGS)
    store = tmp_path / "history.sqlite3"
    desktop = gnome(appindicator=False)
    seen: dict = {}
    try:
        sound_server(desktop)
        run = desktop.start(sys.executable, "-m", "posturewatch", "--log-level", "info",
                            "--config", str(config), "run", "--headless", "--source", str(clip),
                            "--store", str(store), log="run.log")
        out = desktop.folder / "run.log"
        poll(lambda: "following the screen lock through org.gnome.ScreenSaver"
             in _log(desktop), 60, "the lock followed")
        poll(lambda: status(desktop)["state"] == "upright", 60, "upright")

        gnome_lock(desktop, True)
        locked_at = time.monotonic()
        assert poll(lambda: gnome_locked(desktop), 10, "GNOME locked")
        seen["locked"] = poll(lambda: (s := status(desktop))["state"] == "locked" and s, 10,
                              "locked in status")
        seen["locked_after_s"] = time.monotonic() - locked_at
        time.sleep(1.0)
        seen["held_while_locked"] = any(held(run.pid, clip) for _ in range(50)
                                        if time.sleep(0.1) is None)
        gnome_lock(desktop, False)
        poll(lambda: status(desktop)["looking"], 15, "looking after the unlock")
        poll(lambda: status(desktop)["state"] == "upright", 30, "upright again")

        call = desktop.start("parecord", "--device=test_mic", "--raw",
                             str(desktop.folder / "call.raw"), log="call.log")
        called_at = time.monotonic()
        seen["call"] = poll(lambda: (s := status(desktop))["state"] == "in a call" and s, 15,
                            "in a call")
        seen["call_after_s"] = time.monotonic() - called_at
        time.sleep(75)  # longer than the sitting limit: a reminder would be due
        seen["during"] = status(desktop)
        seen["held_in_call"] = any(held(run.pid, clip) for _ in range(30)
                                   if time.sleep(0.1) is None)
        seen["printed_in_call"] = out.read_text().count("reminder:")
        call.terminate()
        call.wait(timeout=10)
        ended_at = time.monotonic()
        poll(lambda: status(desktop)["looking"], 15, "looking after the call")
        seen["reminder"] = poll(lambda: re.search(r"reminder: (.*)\n  (.*)\n",
                                                  out.read_text()), 30, "the call's reminder")
        seen["reminder_after_s"] = time.monotonic() - ended_at
        run.terminate()
        run.wait(timeout=15)
        seen["summary"] = desktop.run(sys.executable, "-m", "posturewatch", "summary",
                                      "--store", str(store), "--json", timeout=60).stdout
    finally:
        desktop.stop()

    assert seen["locked"]["not_looking"] == ["locked"] and seen["locked_after_s"] < 5
    assert seen["locked"]["camera"] == "closed: screen locked"
    assert not seen["held_while_locked"]
    assert seen["call"]["not_looking"] == ["in a call"] and seen["call_after_s"] < 5
    assert seen["call"]["call_since"] is not None
    assert seen["during"]["sitting_s"] > 60 and seen["during"]["state"] == "in a call"
    assert not seen["held_in_call"] and seen["printed_in_call"] == 0  # held, not sent
    title, body = seen["reminder"].groups()
    assert title == "Stand up after that call", seen["reminder"].group(0)
    assert re.match(r"You sat 1 min through that call — stand up for a few minutes", body)
    assert seen["reminder_after_s"] < 10
    day = json.loads(seen["summary"])["totals"]
    assert 70 <= day["call_s"] <= 120 and 1 <= day["locked_s"] <= 30, day
    assert day["away_s"] >= 1  # the lock counted away


def _log(desktop: Desktop) -> str:
    logs = list((desktop.folder / "home").rglob("monitor.log"))
    return logs[0].read_text() if logs else ""
