"""Makes the README's pictures from the project itself, under Xvfb and headless Chromium:

- ``tray-notification.png``: `posturewatch run` replaying real slouched webcam frames under
  a real desktop (Xvfb, the trayer panel, dunst): the orange icon in the tray and the
  "Sit tall" reminder with its Done and Snooze buttons.
- ``tray-menu.png``: the same under a StatusNotifier host (gtk-sni-tray-standalone), the
  icon clicked: its menu, over D-Bus.
- ``report-week.png``: `posturewatch report --week` on a week of generated working days
  (the ones ``bench/history_speed.py`` writes, as the monitor would), shown by Chromium.
- ``desktop-gnome.png``, ``desktop-kde.png``, ``desktop-sway.png``: the slouched icon in the
  panel and the "Sit tall" reminder as each Wayland desktop shows it (GNOME Shell 43 with
  the AppIndicator extension, KDE Plasma 5.27, sway with waybar and mako; headless, started
  by ``tests/wayland_desktops.py``): the desktop's own chrome and posturewatch's pixels only
  (the wallpaper set to a plain colour first).

- ``look-window.png``: `posturewatch look --no-picture` on real slouched webcam frames under
  openbox: the pose, the reference lines and the verdict on a plain background (no pixel
  of the footage).

    python docs/images/generate.py [tray] [menu] [report] [gnome] [kde] [sway] [look]

Needs the Debian desktop tools ``.ci/run`` installs, and for the tray picture the pose
model and the footage (``POSTUREWATCH_MODEL_DIR``, ``POSTUREWATCH_TESTDATA``).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "bench")]

# the default posture reminder (after 60 s of slouching), alone, at any hour it is made
POSTURE_ONLY = """
[wall_angel]
enabled = false
[stretch]
enabled = false
[reminders]
active_from_h = 0.0
active_until_h = 24.0
"""
# the desktops' pictures: the same reminder after 5 s of slouching, so each session is short
SLOUCH_NOW = POSTURE_ONLY + """[posture]
nudge_after_s = 5.0
"""
# dunst's popup below the tray, larger than its default, with the buttons' hint shown
DUNST = """    origin = top-right
    offset = 12x44
    width = 420
    font = DejaVu Sans 11
    frame_width = 1
    padding = 10
    horizontal_padding = 12
"""


def tray(out: Path) -> None:
    import cv2

    from posturewatch.storage.pose_model_files import ENV_MODEL_DIR

    from conftest import FRONTAL, labelled, read_rgb, write_clip
    from desktop_session import SCREEN_W, desktop_session, poll
    from monitor_harness import write_baseline

    model = Path(os.environ[ENV_MODEL_DIR]) / "pose_landmarker_full.task"
    frames = [(read_rgb(p), label) for p, label in labelled(FRONTAL)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = write_clip(folder / "slouching.mp4",
                          [([f for f, label in frames if label == "slouch"], 120)], fps=5)
        baseline = folder / "baseline.json"
        write_baseline(model, [cv2.cvtColor(f, cv2.COLOR_BGR2RGB)
                               for f, label in frames if label == "upright"], baseline)
        (folder / "now.toml").write_text(POSTURE_ONLY)
        with desktop_session(folder, dunst_settings=DUNST) as desktop:
            env = dict(desktop.env, HOME=str(folder), XDG_RUNTIME_DIR=str(folder / "run"))
            (folder / "run").mkdir(mode=0o700)
            run = subprocess.Popen(
                [sys.executable, "-m", "posturewatch", "run", "--source", str(clip),
                 "--baseline", str(baseline), "--config", str(folder / "now.toml"),
                 "--no-store"], env=env, stdout=subprocess.DEVNULL,
                stderr=(folder / "run.err").open("w"))
            try:
                try:
                    poll(lambda: int(desktop.dunst("count", "displayed")) >= 1, 110, "a reminder")
                except AssertionError:
                    raise SystemExit((folder / "run.err").read_text()) from None
                time.sleep(1.0)
                width, height = 460, 370
                desktop.run("import", "-window", "root", "-crop",
                            f"{width}x{height}+{SCREEN_W - width}+0", "+repage", str(out))
            finally:
                run.terminate()
                run.wait(timeout=15)
    # the panel's corner and the bubble, with a little of the dark screen below and left
    subprocess.run(["convert", str(out), "-trim", "+repage", "-background", "black",
                    "-gravity", "southwest", "-splice", "10x10", str(out)], check=True)
    print(f"wrote {out}")


def menu(out: Path) -> None:
    """The StatusNotifier icon clicked open under gtk-sni-tray-standalone."""
    import cv2
    from test_tray import shows

    from posturewatch.storage.pose_model_files import ENV_MODEL_DIR

    from conftest import FRONTAL, labelled, read_rgb, write_clip
    from desktop_session import SCREEN_H, SCREEN_W, SNI_BAR_H, desktop_session, poll
    from monitor_harness import write_baseline

    model = Path(os.environ[ENV_MODEL_DIR]) / "pose_landmarker_full.task"
    upright = [read_rgb(p) for p, label in labelled(FRONTAL) if label == "upright"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = write_clip(folder / "upright.mp4", [(upright, 120)], fps=5)
        baseline = folder / "baseline.json"
        write_baseline(model, [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in upright], baseline)
        with desktop_session(folder) as desktop:
            desktop.start_sni_host()
            env = dict(desktop.env, HOME=str(folder), XDG_RUNTIME_DIR=str(folder / "run"))
            (folder / "run").mkdir(mode=0o700)
            run = subprocess.Popen(
                [sys.executable, "-m", "posturewatch", "run", "--source", str(clip),
                 "--baseline", str(baseline), "--no-store"], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            bar_y = SCREEN_H - SNI_BAR_H
            try:
                icon = poll(lambda: shows(desktop.shot(0, bar_y, SCREEN_W, SNI_BAR_H),
                                          "upright"), 90, "the icon", every=0.3)
                x0, y0, x1, y1 = icon["box"]
                desktop.run("xdotool", "mousemove", str((x0 + x1) // 2),
                            str(bar_y + (y0 + y1) // 2), "click", "1")
                time.sleep(1.5)
                desktop.run("xdotool", "key", "Down")  # the first entry highlighted
                time.sleep(0.5)
                width, height = 260, 360
                desktop.run("import", "-window", "root", "-crop",
                            f"{width}x{height}+{SCREEN_W - width}+{SCREEN_H - height}",
                            "+repage", str(out))
            finally:
                run.terminate()
                run.wait(timeout=15)
    print(f"wrote {out}")


def report(out: Path) -> None:
    from history_speed import working_day

    from posturewatch.storage.history import History

    chromium = shutil.which("chromium")
    assert chromium, "needs Debian's chromium"
    folder = Path(tempfile.gettempdir()) / "posturewatch-demo"  # named on the page
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    try:
        store = folder / "history.sqlite3"
        rng = random.Random(16)
        with History.open(store) as history:
            for day in range(2, 7):  # the afternoons of Tuesday and Thursday at a raised desk
                working_day(history, date(2026, 3, day), rng,
                            standing=(15.3, 16.1) if day in (3, 5) else None)
        env = dict(os.environ, TZ="Europe/Berlin", HOME=str(folder))
        page = folder / "week.html"
        subprocess.run([sys.executable, "-m", "posturewatch", "report", "--store", str(store),
                        "--week", "--date", "2026-03-08", "--out", str(page)],
                       env=env, check=True, capture_output=True)
        shot = folder / "shot.png"
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             f"--user-data-dir={folder / 'profile'}", "--hide-scrollbars",
             "--disable-dev-shm-usage", "--force-device-scale-factor=1",
             "--window-size=1000,1900", f"--screenshot={shot}", page.as_uri()],
            check=True, capture_output=True, timeout=120)
        # the page's content, without the empty bottom
        subprocess.run(["convert", str(shot), "-trim", "+repage", "-bordercolor", "white",
                        "-border", "16", str(out)], check=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"wrote {out}")


# What each picture shows of the 1024x768 screen: the icon in the panel and the bubble.
WAYLAND_CROPS = {"gnome": (264, 0, 1024, 130), "kde": (584, 448, 1024, 768),
                 "sway": (544, 0, 1024, 170)}
# Plasma's default wallpaper is KDE's artwork, not ours: a plain colour behind the bubble.
PLAIN_PLASMA = ("'desktops().forEach(function (d) { d.wallpaperPlugin = \"org.kde.color\";"
                " d.currentConfigGroup = [\"Wallpaper\", \"org.kde.color\", \"General\"];"
                " d.writeConfig(\"Color\", \"#2e4053\"); })'")


def wayland_desktop(kind: str, out: Path) -> None:
    """`posturewatch run` replaying real slouched frames under a headless Wayland desktop,
    until its reminder shows; then the panel's corner with the icon and the bubble."""
    import cv2

    from posturewatch.storage.pose_model_files import ENV_MODEL_DIR

    import wayland_desktops
    from conftest import FRONTAL, labelled, read_rgb, write_clip
    from monitor_harness import write_baseline

    model = Path(os.environ[ENV_MODEL_DIR]) / "pose_landmarker_full.task"
    frames = [(read_rgb(p), label) for p, label in labelled(FRONTAL)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = write_clip(folder / "slouching.mp4",
                          [([f for f, label in frames if label == "slouch"], 120)], fps=5)
        baseline = folder / "baseline.json"
        write_baseline(model, [cv2.cvtColor(f, cv2.COLOR_BGR2RGB)
                               for f, label in frames if label == "upright"], baseline)
        (folder / "now.toml").write_text(SLOUCH_NOW)
        desktop = {"gnome": wayland_desktops.gnome, "kde": wayland_desktops.kde,
                   "sway": wayland_desktops.sway}[kind]()
        try:
            if kind == "gnome":  # its session starts with the banners off
                wayland_desktops.gnome_do_not_disturb(desktop, False)
                for key, value in (("picture-uri", ""), ("picture-uri-dark", ""),
                                   ("color-shading-type", "solid"),
                                   ("primary-color", "#2e4053")):  # not the distribution's art
                    desktop.run("gsettings", "set", "org.gnome.desktop.background", key, value)
                # as root GNOME may greet with "Logged in as a privileged user", a banner
                # that stays until input comes: a pointer move, and it is gone 4 s later
                desktop.tool("gnome_input.py", "click:600,500,none")
                time.sleep(5)
            elif kind == "kde":
                desktop.call("org.kde.plasmashell", "/PlasmaShell",
                             "org.kde.PlasmaShell.evaluateScript", PLAIN_PLASMA)
            run = desktop.start(sys.executable, "-m", "posturewatch", "run", "--source",
                                str(clip), "--baseline", str(baseline), "--config",
                                str(folder / "now.toml"), "--no-store", log="run.log")
            try:
                wayland_desktops.poll(lambda: any(
                    call["summary"] == "Sit tall" for call in desktop.notifications_sent()),
                    90, "a reminder")
                time.sleep(2.0)  # drawn, and the banner's slide-in done
                image = desktop.shot(folder / "shot.png")
                image.crop(WAYLAND_CROPS[kind]).save(out)
            except AssertionError:
                raise SystemExit((desktop.folder / "run.log").read_text()[-3000:]) from None
            finally:
                run.terminate()
                run.wait(timeout=15)
        finally:
            desktop.stop()
    print(f"wrote {out}")


def look(out: Path) -> None:
    """The window of `posturewatch look --no-picture`, slouched, with its title bar."""
    import cv2
    from test_look import _band, _picture, _window

    from posturewatch.app.overlay import STATE_COLOUR
    from posturewatch.core.observation import Posture
    from posturewatch.storage.pose_model_files import ENV_MODEL_DIR

    from conftest import FRONTAL, labelled, read_rgb, write_clip
    from desktop_session import desktop_session, poll
    from monitor_harness import write_baseline

    model = Path(os.environ[ENV_MODEL_DIR]) / "pose_landmarker_full.task"
    frames = [(read_rgb(p), label) for p, label in labelled(FRONTAL)]
    upright = [f for f, label in frames if label == "upright"]
    slouched = [f for f, label in frames if label == "slouch"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = write_clip(folder / "sinking.mp4", [(upright, 3), (slouched[4:7], 30)], fps=5)
        baseline = folder / "baseline.json"
        write_baseline(model, [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in upright], baseline)
        with desktop_session(folder, window_manager=True) as desktop:
            look = subprocess.Popen(
                [sys.executable, "-m", "posturewatch", "look", "--source", str(clip),
                 "--baseline", str(baseline), "--no-picture"],
                env=dict(desktop.env, HOME=str(folder)), stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            try:
                window = poll(lambda: _window(desktop), 60, "the window")
                poll(lambda: _band(_picture(desktop, window)) == STATE_COLOUR[Posture.SLOUCHED],
                     60, "a slouch", every=0.3)
                time.sleep(1.0)
                desktop.run("import", "-frame", "-window", window, str(out))
            finally:
                look.terminate()
                look.wait(timeout=15)
    print(f"wrote {out}")


def main() -> int:
    wanted = sys.argv[1:] or ["tray", "menu", "report", "gnome", "kde", "sway", "look"]
    if "tray" in wanted:
        tray(HERE / "tray-notification.png")
    if "menu" in wanted:
        menu(HERE / "tray-menu.png")
    if "report" in wanted:
        report(HERE / "report-week.png")
    for kind in ("gnome", "kde", "sway"):
        if kind in wanted:
            wayland_desktop(kind, HERE / f"desktop-{kind}.png")
    if "look" in wanted:
        look(HERE / "look-window.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
