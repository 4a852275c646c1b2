"""The tray icon under real tray hosts, read back from the screen's pixels.

One desktop (Xvfb, trayer, a D-Bus session, dunst); `posturewatch run` replays real frames
(upright, nobody in view, upright again) twice:

1. with trayer alone (XEmbed) and a fresh home: the icon is drawn as soon as it is docked,
   square, filled with the state's colour after start, pause, resume, away and back
   upright (the clip's first 12 s cover the start-up, however slow, and the pause), and
   again in a new trayer after the first quit; the pointer over it shows its tooltip, a
   click its menu, whose "Pause 15 min" shows in ``status --json``; Ctrl-C then ends it
   with one line and exit status 130.
2. with gtk-sni-tray-standalone too (a StatusNotifier host) and the default history store:
   the icon shows in that bar, its DBusMenu lists the entries, a click opens the menu;
   "Today's summary" chosen there writes the report into the cache folder and asks the
   browser ($BROWSER, a script that notes the address) to open it, and "Pause 15 min"
   chosen next shows in ``status --json``; SIGTERM ends it with one line and exit status 0.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import cv2
import pytest

from conftest import write_clip
from desktop_session import (
    SCREEN_H,
    SCREEN_W,
    SNI_BAR_H,
    TRAY_H,
    TRAY_W,
    Desktop,
    desktop_session,
    poll,
)
from monitor_harness import write_baseline

pytestmark = pytest.mark.desktop

COLOURS = {"upright": (0x2E, 0x9E, 0x44), "away": (0x8A, 0x8A, 0x8A),
           "paused": (0x4A, 0x78, 0xC2)}
# The share of the shape's bounding box in the state's colour: a disc (pi/4 of its
# square), a ring (hollow), two bars with a gap between them.
FILL = {"upright": (0.70, 0.9), "away": (0.25, 0.65), "paused": (0.65, 0.95)}
ROUND = {"upright", "away"}  # drawn in the whole square: as wide as tall


def icon_in(image, state: str) -> dict | None:  # type: ignore[no-untyped-def]
    """Where the state's colour is in ``image``: its bounding box and how much of it."""
    want = COLOURS[state]
    w, h = image.size
    hits = [(x, y) for y in range(h) for x in range(w)
            if all(abs(c - t) <= 40 for c, t in zip(image.getpixel((x, y)), want, strict=True))]
    if len(hits) < 20:
        return None
    xs, ys = [x for x, _ in hits], [y for _, y in hits]
    box = (min(xs), min(ys), max(xs) + 1, max(ys) + 1)
    bw, bh = box[2] - box[0], box[3] - box[1]
    return {"box": box, "w": bw, "h": bh, "fill": len(hits) / (bw * bh)}


def shows(image, state: str) -> dict | None:  # type: ignore[no-untyped-def]
    """The state's icon, square and filled as its shape is, or None."""
    icon = icon_in(image, state)
    if icon is None or icon["h"] < 16 or (state in ROUND and abs(icon["w"] - icon["h"]) > 2):
        return None
    low, high = FILL[state]
    return icon if low <= icon["fill"] <= high else None


def status(desktop: Desktop, env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-m", "posturewatch", "status", "--json"],
                          env=env, capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def fresh_home(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """A home never used before: no config, no caches, no history."""
    env = dict(env, HOME=str(folder))
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state"),
                     ("XDG_RUNTIME_DIR", "runtime")):
        env[var] = str(folder / sub)
    (folder / "runtime").mkdir(parents=True, mode=0o700)
    return env


class Run:
    """`posturewatch run` with its terminal output in a file read as it grows."""

    def __init__(self, desktop: Desktop, env: dict[str, str], name: str, *args: str) -> None:
        self.out = desktop.folder / f"{name}.err"
        self.file = self.out.open("w")
        self.process = subprocess.Popen(  # started in the test's folder: nothing lands here
            [sys.executable, "-m", "posturewatch", "run", *args], env=env, cwd=desktop.folder,
            stdout=subprocess.DEVNULL, stderr=self.file, text=True)

    def text(self) -> str:
        return self.out.read_text()

    def running_line(self) -> str:
        found = poll(lambda: re.search(r"^posturewatch: running .*$", self.text(), re.M),
                     60, "the running line", every=0.1)
        return found.group(0)

    def stop(self, sig: int) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.file.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, pools: dict, model: Path) -> dict:
    folder = tmp_path_factory.mktemp("tray")
    clip = write_clip(folder / "away-and-back.mp4",
                      [(pools["upright"], 12), (pools["nobody"], 5), (pools["upright"], 60)],
                      fps=5)
    baseline = folder / "baseline.json"
    write_baseline(model, [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in pools["upright"]], baseline)
    # A frame a second (not every 5 s): the icon, not the sampling, is under test here, and
    # the 5 s with nobody in view must not fall between two frames.
    config = folder / "every-second.toml"
    config.write_text('[monitor]\nslow_interval_s = 1.0\n[camera]\nmode = "continuous"\n')
    replay = ("--source", str(clip), "--baseline", str(baseline), "--config", str(config))
    args = (*replay, "--no-store")
    seen: dict = {}
    with desktop_session(folder) as desktop:
        def tray(state: str) -> dict | None:
            return shows(desktop.shot(SCREEN_W - TRAY_W, 0, TRAY_W, TRAY_H), state)

        env = fresh_home(folder / "home", desktop.env)
        run = Run(desktop, env, "xembed", *args)
        try:
            seen["xembed_line"] = run.running_line()
            started = time.monotonic()
            seen["start"] = poll(lambda: tray("upright"), 20, "the upright icon", every=0.2)
            seen["start_s"] = time.monotonic() - started
            for command, state in (("pause", "paused"), ("resume", "upright")):
                subprocess.run([sys.executable, "-m", "posturewatch", command], env=env,
                               check=True, capture_output=True, timeout=20)
                seen[command] = poll(lambda s=state: tray(s), 15, f"the {state} icon", every=0.2)
            seen["away"] = poll(lambda: tray("away"), 30, "the away icon", every=0.3)
            seen["back"] = poll(lambda: tray("upright"), 30, "upright again", every=0.3)
            desktop.stop_trayer()
            seen["no_panel"] = poll(  # nothing left where the panel was
                lambda: icon_in(desktop.shot(SCREEN_W - TRAY_W, 0, TRAY_W, TRAY_H),
                                "upright") is None, 5, "the icon to go with its panel")
            desktop.start_trayer()
            seen["new_panel"] = poll(lambda: tray("upright"), 10, "the icon in the new panel",
                                     every=0.2)
            seen.update(xembed_tooltip_and_menu(desktop, env, seen["new_panel"]))
        except AssertionError as exc:
            shot = desktop.shot(SCREEN_W - TRAY_W, 0, TRAY_W, TRAY_H)
            found = {state: icon_in(shot, state) for state in COLOURS}
            raise AssertionError(f"{exc}; the tray shows {found}; status "
                                 f"{status(desktop, env)}") from None
        finally:
            seen["xembed_rc"] = run.stop(signal.SIGINT)
            seen["xembed_err"] = run.text()

        desktop.start_sni_host()
        opened = folder / "browser.log"
        browser = folder / "browser.sh"  # webbrowser runs $BROWSER with the address
        browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{opened}"\n')
        browser.chmod(0o755)
        # the same home (its caches built): the fresh start was the first run's to check;
        # the default store there, which the summary reads
        run = Run(desktop, dict(env, BROWSER=str(browser)), "sni", *replay)
        bar_y = SCREEN_H - SNI_BAR_H
        try:
            seen["sni_line"] = run.running_line()
            # the pause the XEmbed menu began goes on after the restart (issue 21)
            seen["sni_carried"] = poll(lambda: status(desktop, env)["state"] == "paused", 30,
                                       "the pause carried over the restart")
            subprocess.run([sys.executable, "-m", "posturewatch", "resume"], env=env,
                           check=True, capture_output=True, timeout=20)
            seen["sni_icon"] = icon = poll(
                lambda: shows(desktop.shot(0, bar_y, SCREEN_W, SNI_BAR_H), "upright"), 20,
                "the upright icon in the StatusNotifier bar", every=0.2)
            seen["labels"] = menu_labels(env, run.process.pid)
            x0, y0, x1, y1 = icon["box"]

            def open_menu() -> str:
                desktop.run("xdotool", "mousemove", str((x0 + x1) // 2),
                            str(bar_y + (y0 + y1) // 2), "click", "1")
                return poll(lambda: menu_window(desktop), 10, "the menu", every=0.2)

            seen["menu"] = open_menu()
            entry = seen["labels"].index("Today's summary")  # Down once selects the first
            desktop.run("xdotool", "key", *["Down"] * (entry + 1), "Return")
            poll(lambda: menu_window(desktop) is None, 5, "the menu to close", every=0.1)
            open_menu()  # one click says the person works standing (a sit-stand desk)
            entry = seen["labels"].index("Standing at the desk")
            desktop.run("xdotool", "key", *["Down"] * (entry + 1), "Return")
            seen["stance"] = poll(lambda: (s := status(desktop, env))["stance"] == "standing"
                                  and s, 10, "the stance said, in status")
            poll(lambda: menu_window(desktop) is None, 5, "the menu to close", every=0.1)
            open_menu()  # the camera's window, lent the camera
            entry = seen["labels"].index("What the camera sees")
            desktop.run("xdotool", "key", *["Down"] * (entry + 1), "Return")
            seen.update(camera_window(desktop, env, run.process.pid, clip))
            poll(lambda: menu_window(desktop) is None, 5, "the menu to close", every=0.1)
            open_menu()
            desktop.run("xdotool", "key", "Down", "Return")  # the first entry: Pause 15 min
            seen["status"] = poll(lambda: (s := status(desktop, env))["paused_until"] and s,
                                  10, "the pause in status")
            seen["sni_paused"] = poll(
                lambda: shows(desktop.shot(0, bar_y, SCREEN_W, SNI_BAR_H), "paused"), 10,
                "the paused icon in the StatusNotifier bar", every=0.2)
            try:  # the report ran meanwhile: a second or two
                seen["browser"] = poll(
                    lambda: opened.exists() and opened.read_text().endswith("\n")
                    and opened.read_text().splitlines(), 20, "the summary in the browser")
            except AssertionError:  # its own test says so, with the monitor's log
                seen["browser"] = None
                log = Path(env["XDG_STATE_HOME"]) / "posturewatch" / "log" / "monitor.log"
                seen["monitor_log"] = log.read_text()[-1500:] if log.exists() else "no log"
            seen["cache"] = Path(env["XDG_CACHE_HOME"])
            seen["left_here"] = sorted(p.name for p in folder.glob("posturewatch-report-*"))
        finally:
            seen["sni_rc"] = run.stop(signal.SIGTERM)
            seen["sni_err"] = run.text()
    return seen


def holds(pid: int, path: Path) -> bool:
    """Whether the process has the file open (from /proc/PID/fd)."""
    try:
        return any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def camera_window(desktop: Desktop, env: dict[str, str], pid: int, clip: Path) -> dict:
    """"What the camera sees" chosen: the monitor lends the camera (the recording) to a
    `posturewatch look` window it starts, does not open it while the window is open, and
    looks again once the window has closed."""
    seen: dict = {}
    seen["lent"] = poll(lambda: (s := status(desktop, env))["camera"].startswith(
        "lent to posturewatch look") and s, 10, "the camera lent to the window")

    def window() -> int | None:  # started from a thread of run's: any task's child
        children = (child for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split())
        for child in children:
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if b"look" in command:
                return int(child)
        return None

    look = poll(window, 10, "the look window's process")
    seen["look_command"] = Path(f"/proc/{look}/cmdline").read_bytes().split(b"\0")
    seen["window_has_it"] = poll(lambda: holds(look, clip.resolve()), 30,
                                 "the window reading the recording", every=0.2)
    seen["window_shown"] = poll(lambda: "IsViewable" in desktop.run(
        "xwininfo", "-name", "posturewatch: what the camera sees", check=False).stdout, 30,
        "the look window on the screen", every=0.3)
    monitor_had_it = []
    for _ in range(20):  # the window open: the monitor never opens the recording
        monitor_had_it.append(holds(pid, clip.resolve()))
        time.sleep(0.2)
    seen["monitor_had_it"] = any(monitor_had_it)
    os.kill(look, signal.SIGTERM)  # the window closed (as its close button does)
    seen["looking_again"] = poll(lambda: (s := status(desktop, env))["looking"] and s, 20,
                                 "looking again after the window closed")
    seen["monitor_looks_again"] = poll(lambda: holds(pid, clip.resolve()), 30,
                                       "the monitor opening the recording again", every=0.1)
    return seen


def popup(desktop: Desktop, name: str) -> tuple[int, int, int, int] | None:
    """Where the XEmbed icon's own window ``name`` is shown (x, y, w, h), or None."""
    info = desktop.run("xwininfo", "-name", name, check=False).stdout
    if "IsViewable" not in info:
        return None
    fields = ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height")
    x, y, w, h = (int(re.search(rf"{f}:\s+(-?\d+)", info).group(1))  # type: ignore[union-attr]
                  for f in fields)
    return x, y, w, h


def ink(desktop: Desktop, box: tuple[int, int, int, int]) -> int:
    """Dark (text) pixels in that rectangle of the screen."""
    image = desktop.shot(*box).convert("L")
    return sum(image.histogram()[:100])


def xembed_tooltip_and_menu(desktop: Desktop, env: dict[str, str], icon: dict) -> dict:
    """trayer shows no tooltip and no menu for an icon: the icon shows its own. The pointer
    over it: the tooltip with the state; a click: the menu, whose first entry, "Pause 15
    min", clicked, shows in ``status --json``."""
    seen: dict = {}
    x0, y0, x1, y1 = icon["box"]
    desktop.run("xdotool", "mousemove", str(SCREEN_W - TRAY_W + (x0 + x1) // 2),
                str((y0 + y1) // 2))
    seen["tooltip"] = tip = poll(lambda: popup(desktop, "posturewatch tooltip"), 5,
                                 "the tooltip", every=0.1)
    seen["tooltip_ink"] = ink(desktop, tip)
    desktop.run("xdotool", "click", "1")
    seen["xembed_menu"] = menu = poll(lambda: popup(desktop, "posturewatch menu"), 5,
                                      "the menu", every=0.1)
    seen["tooltip_after_click"] = popup(desktop, "posturewatch tooltip")
    seen["menu_ink"] = ink(desktop, menu)
    mx, my, mw, _ = menu
    desktop.run("xdotool", "mousemove", str(mx + mw // 2), str(my + 12), "click", "1")
    seen["xembed_status"] = poll(lambda: (s := status(desktop, env))["paused_until"] and s,
                                 10, "the pause from the XEmbed menu")
    seen["menu_closed"] = popup(desktop, "posturewatch menu") is None
    return seen


def menu_labels(env: dict[str, str], pid: int) -> list[str]:
    """The entries the host reads: DBusMenu's GetLayout, as dbus-send prints it."""
    name = f"org.kde.StatusNotifierItem-{pid}-1"
    out = subprocess.run(
        ["dbus-send", "--session", "--print-reply", f"--dest={name}", "/MenuBar",
         "com.canonical.dbusmenu.GetLayout", "int32:0", "int32:-1", "array:string:"],
        env=env, capture_output=True, text=True, timeout=10, check=True).stdout
    return re.findall(r'string "label"\s+variant\s+string "([^"]*)"', out)


def menu_window(desktop: Desktop) -> str | None:
    """The popup menu: a mapped window of the host's, taller than its bar."""
    tree = desktop.run("xwininfo", "-root", "-tree").stdout
    for line in tree.splitlines():  # the tree lists unmapped windows too: GTK keeps menus
        m = re.search(r"^\s*(0x[0-9a-f]+).*tray-standalone\"\)\s+(\d+)x(\d+)\+", line, re.I)
        if m and int(m.group(3)) > 100 and int(m.group(2)) < SCREEN_W and \
                "IsViewable" in desktop.run("xwininfo", "-id", m.group(1), check=False).stdout:
            return line.strip()
    return None


def test_xembed_icon_is_drawn_square_at_start(scenario: dict) -> None:
    icon = scenario["start"]
    assert icon["w"] >= 20 and abs(icon["w"] - icon["h"]) <= 1, icon  # a disc, no oval
    assert scenario["start_s"] < 5.0  # drawn once docked, not a minute later


def test_xembed_icon_follows_away_and_back(scenario: dict) -> None:
    assert scenario["away"]["fill"] < scenario["back"]["fill"]  # a ring, then the disc
    assert scenario["back"]["w"] == scenario["start"]["w"]  # never a sliver


def test_xembed_icon_comes_back_when_the_panel_restarts(scenario: dict) -> None:
    assert scenario["new_panel"]["w"] == scenario["start"]["w"]


def test_xembed_icon_follows_pause_and_resume(scenario: dict) -> None:
    assert scenario["pause"]["h"] >= 20
    assert scenario["resume"]["w"] == scenario["start"]["w"]


def test_xembed_icon_shows_its_tooltip_and_its_menu(scenario: dict) -> None:
    assert scenario["tooltip"][3] >= 20 and scenario["tooltip_ink"] > 30  # text drawn
    assert scenario["tooltip_after_click"] is None  # the menu replaces it
    assert scenario["xembed_menu"][3] >= 9 * 20 and scenario["menu_ink"] > 200


def test_pause_from_the_xembed_menu_shows_in_status(scenario: dict) -> None:
    assert scenario["xembed_status"]["state"] == "paused"
    assert scenario["menu_closed"]
    assert scenario["sni_carried"]  # and it went on after Ctrl-C and a new `run`


def test_run_says_where_it_runs_and_how_to_stop(scenario: dict) -> None:
    line = scenario["xembed_line"]
    assert "icon in the system tray, click it for the menu" in line
    assert "log: " in line and "Ctrl-C" in line
    assert "monitor.log" in line
    assert "panel's status area, click it for the menu" in scenario["sni_line"]
    assert "Quit in the tray menu" in scenario["sni_line"]


def test_ctrl_c_ends_run_with_one_line_and_130(scenario: dict) -> None:
    assert scenario["xembed_rc"] == 130, scenario["xembed_err"]
    assert scenario["xembed_err"].splitlines()[-1] == "posturewatch: interrupted"
    assert "Traceback" not in scenario["xembed_err"]


def test_statusnotifier_menu_lists_the_entries(scenario: dict) -> None:
    labels = scenario["labels"]
    assert labels[:3] == ["Pause 15 min", "Pause 1 h", "Pause until resumed"], labels
    assert "Calibrate now (30 s)" in labels and labels[-1] == "Quit"
    assert {"Standing at the desk", "Sitting at the desk",
            "Stance: let the camera tell"} <= set(labels)  # a sit-stand desk, one click
    assert scenario["menu"]


def test_standing_at_the_desk_from_the_menu_shows_in_status(scenario: dict) -> None:
    assert scenario["stance"]["stance"] == "standing"


def test_pause_from_the_statusnotifier_menu_shows_in_status(scenario: dict) -> None:
    state = scenario["status"]
    assert state["state"] == "paused"
    assert scenario["sni_paused"]


def test_summary_from_the_statusnotifier_menu_opens_the_report_from_the_cache(
    scenario: dict,
) -> None:
    """One click: the report is written to the cache folder (not the folder run started
    in), from the monitor's store, and the browser is given its file:// address."""
    assert scenario["browser"] is not None, \
        f"the browser was never asked; the monitor's log ends: {scenario['monitor_log']}"
    [address] = scenario["browser"]
    assert address.startswith("file://"), address
    page = Path(unquote(urlparse(address).path))
    assert page == scenario["cache"] / "posturewatch" / "report-today.html"
    assert page.read_text().lstrip().lower().startswith("<!doctype html")
    assert scenario["left_here"] == []


def test_what_the_camera_sees_lends_the_camera_to_its_window_until_it_closes(
    scenario: dict,
) -> None:
    assert "What the camera sees" in scenario["labels"]
    lent = scenario["lent"]
    assert lent["not_looking"] == ["camera lent to posturewatch look"] and not lent["looking"]
    assert lent["state"] == "camera lent"
    command = scenario["look_command"]
    assert b"look" in command and b"--source" in command, command
    assert scenario["window_shown"] and scenario["window_has_it"]
    assert not scenario["monitor_had_it"]
    assert scenario["looking_again"]["camera"] == "ok" and scenario["monitor_looks_again"]


def test_sigterm_ends_run_with_one_line_and_0(scenario: dict) -> None:
    assert scenario["sni_rc"] == 0, scenario["sni_err"]
    assert scenario["sni_err"].splitlines()[-1] == "posturewatch: stopped (SIGTERM)"
    assert "Traceback" not in scenario["sni_err"]


def test_no_statusnotifier_host_without_a_session_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    """The XEmbed fallback is chosen when no bus answers, and a bus over TCP is never tried
    (the monitor opens no network socket)."""
    from posturewatch.desktop import sni_tray

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "tcp:host=localhost,port=1")
    assert sni_tray.host_running() is False
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={os.devnull}-none")
    assert sni_tray.host_running() is False
