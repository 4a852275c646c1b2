"""Shared fixtures: the real model and footage from ../shared, isolated user directories,
and composite clips built from real frames."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
MODELS = SHARED / "models"
MODEL = MODELS / "pose_landmarker_full.task"
FRONTAL = SHARED / "testdata" / "frontal-webcam-1"
SIDE = SHARED / "testdata" / "side-view"
OCCLUDED_GIF = SHARED / "testdata" / "webcam-occluded" / "demo.gif"


def labelled(folder: Path) -> list[tuple[Path, str]]:
    """(path, label) in labels.csv order."""
    with open(folder / "labels.csv", newline="") as f:
        return [(folder / row["path"], row["label"]) for row in csv.DictReader(f)]


def read_rgb(path: Path, size: tuple[int, int] = (224, 224)) -> np.ndarray:
    bgr = cv2.imread(str(path))
    assert bgr is not None, path
    return cv2.resize(bgr, size)


def nobody_frames(size: tuple[int, int] = (224, 224)) -> list[np.ndarray]:
    """Real webcam frames in which the pose model finds nobody: the lens covered by a hand
    (the last frames of the occluded clip)."""
    capture = cv2.VideoCapture(str(OCCLUDED_GIF))
    frames = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append(cv2.resize(bgr, size))
    capture.release()
    return frames[-8:]


@pytest.fixture(scope="session")
def pools() -> dict[str, list[np.ndarray]]:
    """Real 224x224 frames to build clips from: upright, slouched, and nobody in view."""
    return {
        "upright": [read_rgb(p) for p, label in labelled(FRONTAL) if label == "upright"],
        "slouched": [read_rgb(p) for p, label in labelled(FRONTAL) if label == "slouch"],
        "nobody": nobody_frames(),
    }


def write_clip(path: Path, segments: Sequence[tuple[Sequence[np.ndarray], float]], fps: float) -> Path:
    """An MP4 of ``segments``: each a pool of real frames cycled for that many seconds."""
    first = segments[0][0][0]
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (first.shape[1], first.shape[0])
    )
    assert writer.isOpened()
    for pool, seconds in segments:
        for i in range(round(seconds * fps)):
            writer.write(pool[i % len(pool)])
    writer.release()
    return path


@pytest.fixture(autouse=True, scope="session")
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """User config, data and cache directories in a temporary place; the shared model.
    Session-wide, so module fixtures that run the command see it too."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state"),
                         ("XDG_RUNTIME_DIR", "runtime")):
            patch.setenv(var, str(home / sub))
        (home / "runtime").mkdir(mode=0o700)  # the monitor's control socket lives here
        patch.setenv("HOME", str(home))
        patch.setenv("POSTUREWATCH_MODEL_DIR", str(MODELS))
        patch.delenv("POSTUREWATCH_MODEL_URL_BASE", raising=False)
        yield home


def run_cli(*args: str | os.PathLike[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """The real command, in a fresh process, with the test's environment."""
    result = subprocess.run(
        [sys.executable, "-m", "posturewatch", *map(str, args)],
        capture_output=True, text=True, timeout=240,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("posturewatch: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
