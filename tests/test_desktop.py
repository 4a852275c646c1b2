"""`posturewatch run` on a real desktop: Xvfb, the trayer tray host, a D-Bus session and
dunst. One monitor process replays a clip of real slouched frames with short thresholds;
the module fixture drives it the way a person would and records what happened, and each
test checks one promise. Marked ``desktop``; in CI (``CI=true``) missing tools fail."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from posturewatch.storage.catalog_file import load_catalog

from conftest import real_inputs, write_clip
from desktop_session import Desktop, desktop_session, poll
from monitor_harness import write_baseline

pytestmark = pytest.mark.desktop

SHORT = """
[posture]
nudge_after_s = 5.0
[wall_angel]
enabled = false
[stretch]
enabled = false
[reminders]
min_gap_min = 0.0
"""


def status(desktop: Desktop) -> dict:
    done = subprocess.run([sys.executable, "-m", "posturewatch", "status", "--json"],
                          env=desktop.env, capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, pools: dict, model: Path) -> dict:
    folder = tmp_path_factory.mktemp("desktop")
    clip = write_clip(folder / "slouching.mp4", [(pools["slouched"], 60)], fps=5)
    baseline = folder / "baseline.json"
    write_baseline(model, [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in pools["upright"]], baseline)
    config = folder / "short.toml"
    config.write_text(SHORT)
    seen: dict = {}
    with desktop_session(folder) as desktop:
        desktop.dunst("set-paused", "true")  # do not disturb, before the first reminder
        log = (folder / "run.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "posturewatch", "--log-level", "info", "run",
             "--source", str(clip), "--baseline", str(baseline), "--config", str(config)],
            env=desktop.env, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            try:  # start-up loads the model (and, in a fresh home, builds a font cache)
                seen["icon_colours"] = poll(lambda: (n := desktop.tray_colours()) > 1 and n,
                                            90, "the tray icon", every=0.3)
            except AssertionError:
                raise AssertionError("no tray icon; the monitor said:\n"
                                     + (folder / "run.log").read_text()[-3000:]) from None
            seen["held"] = poll(lambda: "held back: do not disturb" in
                                (folder / "run.log").read_text(), 40, "a held reminder")
            time.sleep(1.0)  # the monitor checks again every few seconds: still held?
            seen["sent_while_paused"] = (desktop.dunst("count", "waiting"),
                                         desktop.dunst("count", "displayed"))
            desktop.dunst("set-paused", "false")
            seen["after_resume"] = poll(
                lambda: int(desktop.dunst("count", "displayed")) >= 1, 10, "the reminder")
            seen["status_before"] = status(desktop)
            desktop.press("#Snooze (Sit tall)")
            seen["status_after"] = poll(
                lambda: (s := status(desktop))["snoozed_until"] is not None and s, 30,
                "the snooze in status")  # 30 s: on a busy machine the button, bus and loop
            seen["buttons"] = desktop.buttons("Sit tall")
            desktop.dunst("close-all")
            seen["history"] = json.loads(desktop.dunst("history"))
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            seen["returncode"] = process.wait(timeout=10)
            seen["stop_s"] = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
        seen["log"] = (folder / "run.log").read_text()
    return seen


def test_a_focused_full_screen_window_is_busy(tmp_path: Path) -> None:
    """Under a window manager (openbox), a window made full screen with wmctrl and focused
    makes the monitor hold reminders; the same window not full screen does not."""
    with desktop_session(tmp_path, window_manager=True) as desktop:
        window = subprocess.Popen(["xmessage", "-name", "pwfull", "full screen"],
                                  env=desktop.env)
        try:
            # wmctrl fails until openbox has set up its client list (a busy machine)
            poll(lambda: "pwfull" in desktop.run("wmctrl", "-l", "-x", check=False).stdout, 10,
                 "window")
            check = [sys.executable, "-c",
                     "from posturewatch.desktop.focus import busy; print(busy())"]
            desktop.run("wmctrl", "-x", "-a", "pwfull")
            plain = desktop.run(*check).stdout.strip()
            desktop.run("wmctrl", "-x", "-r", "pwfull", "-b", "add,fullscreen")
            desktop.run("wmctrl", "-x", "-a", "pwfull")
            full = poll(lambda: (out := desktop.run(*check).stdout.strip()) == "full screen"
                        and out, 10, "full screen")
        finally:
            window.terminate()
            window.wait(timeout=5)
    assert plain == "None" and full == "full screen"


def test_tray_icon_shows(scenario: dict) -> None:
    assert scenario["icon_colours"] > 1


def test_do_not_disturb_holds_the_reminder_until_it_is_off(scenario: dict) -> None:
    assert scenario["sent_while_paused"] == ("0", "0"), scenario["log"]
    assert scenario["after_resume"]


def test_reminder_reaches_dunst_with_its_title(scenario: dict) -> None:
    entries = scenario["history"]["data"][0]
    summaries = [e["summary"]["data"] for e in entries]
    apps = {e["appname"]["data"] for e in entries}
    assert "Sit tall" in summaries, summaries
    assert apps == {"posturewatch"}
    body = next(e["body"]["data"] for e in entries if e["summary"]["data"] == "Sit tall")
    assert 0 < len(body) <= 200 and "\n" not in body, body  # read at a glance
    assert load_catalog().get("sit_tall").brief in body  # why, in a line
    assert "notification service failed" not in scenario["log"]


def test_the_bubble_offers_done_snooze_and_the_guidance(scenario: dict) -> None:
    assert scenario["buttons"] == {"Done", "Snooze", "Show me how"}


def test_snooze_button_shows_in_status(scenario: dict) -> None:
    assert scenario["status_before"]["snoozed_until"] is None
    after = scenario["status_after"]
    assert after["snoozed_until"] is not None
    assert after["state"] == "slouched"
    assert "reminder 0: snoozed" in scenario["log"]


def test_sigterm_stops_within_a_second(scenario: dict) -> None:
    assert scenario["returncode"] == 0, scenario["log"]
    assert scenario["stop_s"] < 1.0  # until the process has exited, flushed
    assert "Traceback" not in scenario["log"]


@real_inputs
def test_with_no_tray_host_the_start_line_offers_no_tray_menu(
    tmp_path: Path, pools: dict
) -> None:
    """A session bus and a display, but nothing that shows tray icons: the icon waits for a
    host, and the start-up line said "stop: Ctrl-C here, or Quit in the tray menu", a menu
    nobody can open. Now it says how to stop it without one."""
    clip = write_clip(tmp_path / "sitting.mp4", [(pools["upright"], 4)], fps=5)
    with desktop_session(tmp_path) as desktop:
        desktop.stop_trayer()
        done = subprocess.run([sys.executable, "-m", "posturewatch", "run", "--source",
                               str(clip), "--no-store"], env=desktop.env, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("posturewatch: running")]
    assert "no panel shows tray icons here yet" in line
    assert "Quit in the tray menu" not in line
    assert re.search(r"; stop: Ctrl-C here, or kill \d+$", line), line
