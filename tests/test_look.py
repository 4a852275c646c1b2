"""`posturewatch look` and `calibrate --show`: a real window (OpenCV's Qt highgui) under
Xvfb with openbox as its window manager, the real model on a clip of real frames; read
back from screenshots. Closing the window (as its close button does) ends the command."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from posturewatch.app.overlay import BACKGROUND, LIMIT, REFERENCE, STATE_COLOUR, TEXT, draw
from posturewatch.core.judgement import ClassifierSettings
from posturewatch.core.observation import Posture
from posturewatch.core.settings import settings
from posturewatch.desktop.look_window import TITLE
from posturewatch.storage.config_file import load_config

from conftest import FRONTAL, assert_one_line_error, labelled, read_rgb, run_cli, write_clip
from desktop_session import Desktop, desktop_session, poll
from monitor_harness import write_baseline

pytestmark = [pytest.mark.desktop, pytest.mark.usefixtures("testdata", "model")]
S = settings(ClassifierSettings, load_config().section("classifier"))
UPRIGHT_S, SLOUCHED_S = 5, 7  # the clip: upright, then slouched (real time in the window)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[tuple[Desktop, Path, Path]]:
    folder = tmp_path_factory.mktemp("look")
    up = [read_rgb(p) for p, label in labelled(FRONTAL) if label == "upright"]
    down = [read_rgb(p) for p, label in labelled(FRONTAL) if label == "slouch"]
    clip = write_clip(folder / "clip.mp4", [(up, UPRIGHT_S), (down, SLOUCHED_S)], fps=5)
    baseline = folder / "baseline.json"
    write_baseline(model, [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in up], baseline)
    with desktop_session(folder, window_manager=True) as desktop:
        yield desktop, clip, baseline


def _start(desktop: Desktop, *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "posturewatch", *map(str, args)],
                            env=dict(desktop.env, HOME=str(desktop.folder)), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _window(desktop: Desktop) -> str | None:
    """The window's X id, once it is mapped."""
    # (wmctrl fails while no window is managed yet)
    for line in desktop.run("wmctrl", "-l", check=False).stdout.splitlines():
        if line.endswith(TITLE):
            return line.split()[0]
    return None


def _picture(desktop: Desktop, window: str) -> np.ndarray:
    """The window's content as an RGB array."""
    shot = desktop.folder / "window.png"
    desktop.run("import", "-window", window, str(shot))
    return cv2.cvtColor(cv2.imread(str(shot)), cv2.COLOR_BGR2RGB)


def _band(picture: np.ndarray) -> tuple[int, ...]:
    """The verdict band's colour (its left edge under the text)."""
    return tuple(int(v) for v in picture[4, 2])


def _shows(desktop: Desktop, window: str, state: Posture) -> list[np.ndarray]:
    """[the window's picture] once its band shows ``state``, else []."""
    picture = _picture(desktop, window)
    return [picture] if _band(picture) == STATE_COLOUR[state] else []


def _close(desktop: Desktop, process: subprocess.Popen[str]) -> None:
    """As the window's close button does (the window manager asks the window to close)."""
    desktop.run("wmctrl", "-c", TITLE)
    process.wait(timeout=10)


def test_look_shows_the_verdict_and_the_lines_and_closing_ends_it(
        scene: tuple[Desktop, Path, Path]) -> None:
    desktop, clip, baseline = scene
    look = _start(desktop, "look", "--source", clip, "--baseline", baseline)
    try:
        window = poll(lambda: _window(desktop), 30, "the window")
        [upright] = poll(lambda: _shows(desktop, window, Posture.UPRIGHT), 30, "upright",
                         every=0.3)
        [slouched] = poll(lambda: _shows(desktop, window, Posture.SLOUCHED), 30, "slouched",
                          every=0.3)
        for picture in (upright, slouched):
            # the reference lines (light blue) and where a slouch begins (yellow) are drawn
            body = picture[picture.shape[0] // 6:]
            for colour in (REFERENCE, LIMIT):
                assert (np.abs(body.astype(int) - colour).sum(axis=2) < 30).sum() > 50
        assert _plain(upright) < 0.01  # the camera's picture, not the plain background
        assert look.poll() is None  # the recording ended: the last picture stays
        started = time.monotonic()
        _close(desktop, look)
        assert look.returncode == 0 and time.monotonic() - started < 5, look.stderr.read()
    finally:
        look.kill()
        look.wait()


def test_the_picture_can_be_hidden_and_sigterm_closes_it(
        scene: tuple[Desktop, Path, Path]) -> None:
    """``--no-picture``: no pixel of the camera's picture reaches the window: nine in ten
    are the plain background (none are, with the picture: the test above), the rest the
    lines drawn over it and their anti-aliased blends with it."""
    desktop, clip, baseline = scene
    look = _start(desktop, "look", "--source", clip, "--baseline", baseline, "--no-picture")
    try:
        window = poll(lambda: _window(desktop), 30, "the window")
        [picture] = poll(lambda: _shows(desktop, window, Posture.UPRIGHT), 30, "a verdict",
                         every=0.3)
        assert _plain(picture) > 0.9  # the lines and the head's outline: the rest
        body = _body(picture)
        drawn = [STATE_COLOUR[Posture.UPRIGHT], REFERENCE, LIMIT, TEXT]
        # (where three lines cross, a few pixels blend three colours)
        assert _off_the_blends(body, BACKGROUND, drawn) < 0.001 * len(body)
        look.terminate()  # SIGTERM, as a tray closing the window
        look.wait(timeout=10)
        assert look.returncode == 0, look.stderr.read()
    finally:
        look.kill()
        look.wait()


def _body(picture: np.ndarray) -> np.ndarray:
    """The pixels between the verdict band and the bottom strip."""
    return picture[picture.shape[0] // 6: -picture.shape[0] // 12].reshape(-1, 3)


def _plain(picture: np.ndarray) -> float:
    """The share of the body's pixels that are exactly the plain background."""
    return float((_body(picture) == BACKGROUND).all(axis=1).mean())


def _off_the_blends(pixels: np.ndarray, background: tuple[int, int, int],
                    colours: list[tuple[int, int, int]]) -> int:
    """How many pixels are no blend of two of the background and the drawn colours (within
    24 grey levels): anti-aliased lines mix them, a camera's picture would not."""
    p = pixels.astype(float)
    ends = [np.array(c, float) for c in (background, *colours)]
    best = np.full(len(p), np.inf)
    for i, a in enumerate(ends):
        for b in ends[i + 1:]:
            d = b - a
            t = np.clip(((p - a) @ d) / (d @ d), 0, 1)
            best = np.minimum(best, np.linalg.norm(p - (a + t[:, None] * d), axis=1))
    return int((best > 24).sum())


def test_calibrate_show_shows_the_window_and_closing_it_cancels(
        scene: tuple[Desktop, Path, Path], tmp_path: Path) -> None:
    desktop, clip, _ = scene
    out = tmp_path / "mine.json"
    done = _start(desktop, "calibrate", "--source", clip, "--seconds", "3", "--show",
                  "--out", out)
    window = poll(lambda: _window(desktop), 30, "the window")
    poll(lambda: _band(_picture(desktop, window)) in [STATE_COLOUR[p] for p in Posture], 30,
         "a picture in the window")
    assert done.wait(timeout=30) == 0, done.stderr.read()
    assert "baseline saved" in done.stdout.read() and out.exists()
    poll(lambda: _window(desktop) is None, 10, "the window to go")
    out.unlink()
    cancelled = _start(desktop, "calibrate", "--source", clip, "--show", "--out", out)
    try:
        poll(lambda: _window(desktop), 30, "the window")
        _close(desktop, cancelled)
        assert_one_line_error(subprocess.CompletedProcess(
            cancelled.args, cancelled.returncode, "", cancelled.stderr.read()),
            "calibration cancelled")
        assert not out.exists()
    finally:
        cancelled.kill()
        cancelled.wait()


@pytest.mark.parametrize(("display", "needle"), [(None, "DISPLAY is not set"),
                                                  (":97", "cannot open display :97")])
def test_without_a_display_look_says_so_in_one_line(
        monkeypatch: pytest.MonkeyPatch, display: str | None, needle: str) -> None:
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if display is None:
        monkeypatch.delenv("DISPLAY", raising=False)
    else:
        monkeypatch.setenv("DISPLAY", display)
    result = run_cli("look", check=False)
    assert result.returncode == 9
    assert_one_line_error(result, needle)
    assert_one_line_error(run_cli("calibrate", "--camera", "0", "--show", check=False), needle)


def test_drawing_a_verdict_needs_no_display() -> None:
    """The overlay alone: the band says the state; nothing judged yet says so."""
    from posturewatch.app.analysis import FrameResult

    for state in Posture:
        result = FrameResult(0.0, state, None, None, None, None)
        picture = draw(result, S, frame=None, frame_size=(640, 480), height=480)
        assert picture.shape == (480, 640, 3) and _band(picture) == STATE_COLOUR[state]
    waiting = draw(None, S, frame=np.zeros((480, 640, 3), np.uint8), frame_size=(640, 480))
    assert waiting.shape == (720, 960, 3) and _band(waiting) == STATE_COLOUR[Posture.UNKNOWN]
