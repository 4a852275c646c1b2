"""`posturewatch run` under the desktops people have, on Wayland, for real: GNOME Shell 43
(AppIndicator extension), KDE Plasma 5.27 and sway with waybar and mako, headless
(``wayland_desktops``). Marked ``slow``: ``.ci/run`` runs them after the README's command.

One run per desktop, replaying real frames (upright, then slouched) with short thresholds,
driven as a person would, from the desktop's own side:

- do-not-disturb on first, in the desktop's own switch (GNOME's banners off, Plasma's
  Inhibit, mako's do-not-disturb mode): the reminder is held, no notification sent;
- the icon read back from the screen in the desktop's panel: green upright, then orange;
- on sway, a Wayland window (foot) full screen: still held; closed: the reminder comes;
- do-not-disturb off: the reminder reaches the desktop's notification service with its
  buttons and shows (mako's list; a screenshot of the banner for GNOME and Plasma);
- the icon clicked in the panel, "Pause 15 min" clicked in the menu the panel draws: the
  pause shows in ``status --json`` and the icon turns blue;
- on GNOME, do-not-disturb off but foot full screen: GNOME holds the banner back itself;
  closed: it shows;
- GNOME: first without the AppIndicator extension (no tray at all): one line and one
  notification say how to get the icon; the extension turned on, the icon appears; after
  a lock and unlock (GNOME drops every item) it is back.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import pytest
from test_desktop import SHORT as SLOUCH_SOON

from posturewatch.desktop.dispatch import HOLD_CHECK_S
from posturewatch.desktop.sni_tray import NO_HOST_TITLE

from conftest import write_clip
from monitor_harness import write_baseline
from wayland_desktops import (
    Desktop,
    H,
    W,
    find_colour,
    gnome,
    gnome_do_not_disturb,
    gnome_lock,
    gnome_locked,
    gnome_tray,
    kde,
    kde_do_not_disturb,
    mako_do_not_disturb,
    mako_shown,
    poll,
    sway,
)

pytestmark = pytest.mark.slow

KINDS = ("gnome", "kde", "sway")
# test_desktop's short thresholds, at any hour, a frame a second (the icon must not lag)
SHORT = SLOUCH_SOON + "active_from_h = 0.0\nactive_until_h = 24.0\n[monitor]\nslow_interval_s = 1.0\n[camera]\nmode = \"continuous\"\n"
COLOURS = {"upright": (0x2E, 0x9E, 0x44), "slouched": (0xE0, 0x7B, 0x00),
           "paused": (0x4A, 0x78, 0xC2)}
# (Plasma's taskbar has blue launchers on its left: only the status area counts there)
PANEL = {"gnome": (0, 0, W, 32), "sway": (0, 0, W, 34), "kde": (W - 320, H - 44, W - 80, H)}
# Where the first menu entry ("Pause 15 min") is, from the icon's centre: each panel draws
# the menu itself (GNOME's below the top bar, waybar's GTK menu left of the pointer,
# Plasma's above the bottom panel, thirteen entries high). GNOME opens it with a left click,
# waybar and Plasma with a right click.
FIRST_ENTRY = {"gnome": (-20, 47), "sway": (-100, 17), "kde": (40, -351)}
PLASMA_POPUP = (W - 420, H - 260, W, H - 44)


def do_not_disturb(desktop: Desktop, on: bool) -> None:
    {"gnome": gnome_do_not_disturb, "kde": kde_do_not_disturb,
     "sway": mako_do_not_disturb}[desktop.kind](desktop, on)


def status(desktop: Desktop) -> dict:
    done = desktop.run(sys.executable, "-m", "posturewatch", "status", "--json", timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def reminders(desktop: Desktop) -> list[dict[str, str]]:
    return [n for n in desktop.notifications_sent()
            if n["app"] == "posturewatch" and n["summary"] != NO_HOST_TITLE]


def run_scenario(kind: str, folder: Path, replay: list[str]) -> dict:
    seen: dict = {}
    desktop = gnome(appindicator=False) if kind == "gnome" else kde() if kind == "kde" \
        else sway()
    log_path = desktop.folder / "run.log"

    def log() -> str:
        return log_path.read_text()

    def icon(state: str, name: str = "panel") -> tuple[int, int, int] | None:
        return find_colour(desktop.shot(folder / f"{kind}-{name}.png"), COLOURS[state],
                           PANEL[kind])

    try:
        if kind != "gnome":  # GNOME's banners are off from its start
            do_not_disturb(desktop, True)
        run = desktop.start(sys.executable, "-m", "posturewatch", "--log-level", "info", "run",
                            *replay, log="run.log")
        try:
            seen["line"] = poll(lambda: re.search(r"^posturewatch: running .*$", log(), re.M),
                                120, "the running line").group(0)
            if kind == "gnome":
                seen["no_host_notes"] = poll(
                    lambda: [n for n in desktop.notifications_sent()
                             if n["summary"] == NO_HOST_TITLE], 30, "the no-tray notification")
                gnome_tray(desktop, True)
                poll(desktop.tray_host, 30, "the AppIndicator extension")
            seen["upright"] = poll(lambda: icon("upright"), 60, "the upright icon", 0.5)
            seen["slouched"] = poll(lambda: icon("slouched"), 90, "the slouched icon", 0.5)
            seen["held"] = poll(lambda: "held back: do not disturb" in log(), 60,
                                "a reminder held back")
            time.sleep(HOLD_CHECK_S + 1)  # checked again meanwhile: still held
            seen["sent_while_dnd"] = reminders(desktop)
            before = desktop.shot(folder / f"{kind}-before.png")
            if kind == "sway":
                seen.update(sway_full_screen(desktop))
            elif kind == "gnome":
                seen.update(gnome_full_screen(desktop, folder))
            else:
                do_not_disturb(desktop, False)
            seen["sent"] = poll(lambda: reminders(desktop), 30, "the reminder")
            time.sleep(1.5)
            seen["shown"] = shown(desktop, before, folder)
            seen["status_before"] = status(desktop)
            pause_from_the_panel(desktop, icon("slouched"), "e07b00")
            seen["status"] = poll(lambda: (s := status(desktop))["paused_until"] and s, 20,
                                  "the pause in status")
            seen["paused"] = poll(lambda: icon("paused"), 20, "the paused icon", 0.5)
            if kind == "gnome":
                seen.update(gnome_lock_and_unlock(desktop, lambda: icon("paused", "unlocked")))
        except AssertionError as exc:
            raise AssertionError(f"{kind}: {exc}\nthe monitor said:\n{log()[-3000:]}") from None
        finally:
            started = time.monotonic()
            run.send_signal(signal.SIGTERM)
            try:
                seen["rc"] = run.wait(timeout=15)
            except subprocess.TimeoutExpired:
                run.kill()
                seen["rc"] = run.wait()
            seen["stop_s"] = time.monotonic() - started
            seen["log"] = log()
    finally:
        desktop.stop()
    return seen


def pause_from_the_panel(desktop: Desktop, icon: tuple[int, int, int] | None,
                        colour: str) -> None:
    """Open the icon's menu in the panel and click its first entry, "Pause 15 min"."""
    assert icon is not None
    x, y, _ = icon
    dx, dy = FIRST_ENTRY[desktop.kind]
    if desktop.kind == "gnome":  # found again in the input session: its indicator shifts it
        done = desktop.tool("gnome_input.py", f"find:{colour}", "click:0,0,left,rel",
                            "sleep:1.0", f"click:{dx},{dy},left,rel", "sleep:0.5")
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        desktop.click((x, y, "right"), (x + dx, y + dy, "left"))


# foot runs this instead of the login shell: a CI runner's shell may end at once (no
# terminal, SHELL=/bin/false), and foot's window closes with it ("goodbye" in its log).
FOOT_COMMAND = ("sleep", "3600")


def sway_full_screen(desktop: Desktop) -> dict:
    """do-not-disturb off but a Wayland window full screen: still held; closed: sent."""
    seen: dict = {}
    foot = desktop.start("foot", *FOOT_COMMAND, log="foot.log")
    try:
        poll(lambda: '"foot"' in desktop.run("swaymsg", "-t", "get_tree").stdout, 20, "foot")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; foot said: {(desktop.folder / 'foot.log').read_text()}") \
            from None
    desktop.run("swaymsg", '[app_id="foot"] fullscreen enable')
    poll(lambda: '"fullscreen_mode": 1' in desktop.run("swaymsg", "-t", "get_tree").stdout, 10,
         "foot full screen")
    mako_do_not_disturb(desktop, False)
    seen["busy_full_screen"] = desktop.run(
        sys.executable, "-c",
        "from posturewatch.desktop.focus import busy; print(busy())").stdout.strip()
    time.sleep(2 * HOLD_CHECK_S + 1)
    seen["sent_while_full_screen"] = reminders(desktop)
    foot.terminate()
    foot.wait(timeout=5)
    return seen


def gnome_full_screen(desktop: Desktop, folder: Path) -> dict:
    """GNOME tells no app that a window is full screen; it holds its banners back itself.
    do-not-disturb off with a Wayland window (foot) full screen: the reminder is sent and
    GNOME keeps the banner back; the window closed, the banner shows."""
    seen: dict = {}
    foot = desktop.start("foot", "--fullscreen", *FOOT_COMMAND, log="foot.log")
    time.sleep(3)  # mapped, full screen
    do_not_disturb(desktop, False)
    seen["sent_while_full_screen"] = poll(lambda: reminders(desktop), 30, "the reminder")
    time.sleep(3)
    seen["banner_while_full_screen"] = banner_ink(desktop.shot(folder / "gnome-full.png"))
    foot.terminate()
    foot.wait(timeout=5)
    return seen


def banner_ink(image) -> int:  # type: ignore[no-untyped-def]
    """Light text pixels where GNOME's banner shows its title and body (below the top bar,
    above the overview's window thumbnails)."""
    box = image.crop((330, 40, 720, 105)).load()
    return sum(1 for y in range(65) for x in range(390) if min(box[x, y]) > 200)


def shown(desktop: Desktop, before, folder: Path) -> bool:  # type: ignore[no-untyped-def]
    """The reminder is on the screen as the desktop's own notification: in mako's list,
    GNOME's banner text (top centre), or Plasma's popup (above the panel) drawn since
    ``before``."""
    if desktop.kind == "sway":
        return any(n["summary"]["data"] == "Sit tall" for n in mako_shown(desktop))
    if desktop.kind == "gnome":
        return banner_ink(desktop.shot(folder / "gnome-bubble.png")) > 150
    from PIL import ImageChops

    after = desktop.shot(folder / f"{desktop.kind}-bubble.png")
    box = PLASMA_POPUP
    changed = ImageChops.difference(before.crop(box), after.crop(box)).convert("L") \
        .point(lambda v: 255 if v > 40 else 0)
    return sum(changed.histogram()[255:]) > 2000


def gnome_lock_and_unlock(desktop: Desktop, paused_icon: Callable[[], object]) -> dict:
    seen: dict = {}
    gnome_lock(desktop, True)
    seen["locked"] = poll(lambda: gnome_locked(desktop), 10, "the lock screen")
    seen["watcher_gone"] = poll(lambda: not desktop.tray_host(), 10, "the tray to go")
    gnome_lock(desktop, False)
    poll(lambda: not gnome_locked(desktop), 10, "the unlock")
    seen["after_unlock"] = poll(paused_icon, 30, "the icon after the unlock", 0.5)
    return seen


_RUNS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory, pools: dict, model: Path) -> list[str]:
    folder = tmp_path_factory.mktemp("wayland-inputs")
    clip = write_clip(folder / "upright-then-slouching.mp4",
                      [(pools["upright"], 20), (pools["slouched"], 150)], fps=5)
    baseline = folder / "baseline.json"
    write_baseline(model, [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in pools["upright"]], baseline)
    config = folder / "short.toml"
    config.write_text(SHORT)
    return ["--source", str(clip), "--baseline", str(baseline), "--config", str(config),
            "--no-store"]


@pytest.fixture(scope="module", params=KINDS)
def seen(request: pytest.FixtureRequest, replay: list[str],
         tmp_path_factory: pytest.TempPathFactory) -> dict:
    kind = request.param
    if kind not in _RUNS:
        _RUNS[kind] = run_scenario(kind, tmp_path_factory.mktemp(kind), replay)
    return _RUNS[kind] | {"kind": kind}


def test_icon_is_drawn_in_the_panel_and_follows_the_posture(seen: dict) -> None:
    assert seen["upright"] and seen["slouched"] and seen["paused"]


def test_do_not_disturb_holds_the_reminder(seen: dict) -> None:
    assert seen["held"] and seen["sent_while_dnd"] == [], seen["sent_while_dnd"]


def test_reminder_arrives_as_the_desktops_notification_with_its_buttons(seen: dict) -> None:
    [reminder] = [n for n in seen["sent"] if n["summary"] == "Sit tall"][:1]
    assert set(reminder["actions"]) >= {"Done", "Snooze", "Show me how"}, reminder
    assert seen["shown"], f"no {seen['kind']} notification on the screen"
    assert "notification service failed" not in seen["log"]


def test_pause_clicked_in_the_panels_menu_shows_in_status(seen: dict) -> None:
    assert seen["status_before"]["paused_until"] is None
    assert seen["status"]["state"] == "paused"
    assert "tray menu: Pause 15 min" in seen["log"]


def test_run_stops_cleanly(seen: dict) -> None:
    assert seen["rc"] == 0 and seen["stop_s"] < 5, seen["log"][-2000:]
    assert "Traceback" not in seen["log"]


def test_sway_full_screen_wayland_window_holds_the_reminder() -> None:
    run = _RUNS.get("sway")
    if run is None:
        pytest.skip("runs after the sway scenario")
    assert run["busy_full_screen"] == "full screen"
    assert run["sent_while_full_screen"] == []


def test_gnome_without_a_tray_says_how_once_and_the_icon_comes_with_the_extension() -> None:
    run = _RUNS.get("gnome")
    if run is None:
        pytest.skip("runs after the GNOME scenario")
    assert "AppIndicator extension" in run["line"] and "posturewatch status" in run["line"]
    assert len(run["no_host_notes"]) == 1 and run["no_host_notes"][0]["actions"] == []
    assert run["upright"]  # registered once the extension's watcher appeared


def test_gnome_holds_its_banner_while_a_wayland_window_is_full_screen() -> None:
    run = _RUNS.get("gnome")
    if run is None:
        pytest.skip("runs after the GNOME scenario")
    assert run["sent_while_full_screen"]  # posturewatch cannot tell; GNOME can
    assert run["banner_while_full_screen"] < 50 and run["shown"]


def test_gnome_icon_is_back_after_lock_and_unlock() -> None:
    run = _RUNS.get("gnome")
    if run is None:
        pytest.skip("runs after the GNOME scenario")
    assert run["locked"] and run["watcher_gone"] and run["after_unlock"]
