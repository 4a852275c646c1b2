"""Makes the README's pictures from the project itself, under Xvfb and headless Chromium:

- ``tray-notification.png``: `posturewatch run` replaying real slouched webcam frames under
  a real desktop (Xvfb, the trayer panel, dunst): the orange icon in the tray and the
  "Sit tall" reminder with its Done and Snooze buttons.
- ``tray-menu.png``: the same under a StatusNotifier host (gtk-sni-tray-standalone), the
  icon clicked: its menu, over D-Bus.
- ``report-week.png``: `posturewatch report --week` on a week of generated working days
  (the ones ``bench/history_speed.py`` writes, as the monitor would), shown by Chromium.
- ``look-window.png``: `posturewatch look --no-picture` on real slouched webcam frames under
  openbox: the pose, the reference lines and the verdict on a plain background (no pixel
  of the footage).

    python docs/images/generate.py [tray] [menu] [report] [look]

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

SLOUCH_NOW = """
[posture]
nudge_after_s = 5.0
[wall_angel]
enabled = false
[stretch]
enabled = false
[reminders]
min_gap_min = 0.0
active_from_h = 0.0
active_until_h = 24.0
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
        (folder / "now.toml").write_text(SLOUCH_NOW)
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
                    poll(lambda: int(desktop.dunst("count", "displayed")) >= 1, 60, "a reminder")
                except AssertionError:
                    raise SystemExit((folder / "run.err").read_text()) from None
                time.sleep(1.0)
                width, height = 460, 370
                desktop.run("import", "-window", "root", "-crop",
                            f"{width}x{height}+{SCREEN_W - width}+0", "+repage", str(out))
            finally:
                run.terminate()
                run.wait(timeout=15)
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
                width, height = 260, 300
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
            for day in range(2, 7):
                working_day(history, date(2026, 3, day), rng)
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
    wanted = sys.argv[1:] or ["tray", "menu", "report", "look"]
    if "tray" in wanted:
        tray(HERE / "tray-notification.png")
    if "menu" in wanted:
        menu(HERE / "tray-menu.png")
    if "report" in wanted:
        report(HERE / "report-week.png")
    if "look" in wanted:
        look(HERE / "look-window.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
