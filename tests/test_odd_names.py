"""File names that are not UTF-8 (``\\xe9.jpg``, as an old camera or a Latin-1 system
names them): OpenCV's binding crashed the process on them (a segmentation fault, exit
139) for ``analyze``, a folder holding one, ``calibrate --source`` and ``run --source``.
Each through the real process, with stdout as strict as a desktop's UTF-8 locale makes
it, so a name printed back cannot end in a UnicodeEncodeError either."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from posturewatch.storage.history import History

from conftest import FRONTAL, labelled, real_inputs, write_clip

ODD = os.fsdecode(b"\xe9t\xe9")  # "été" in Latin-1: not UTF-8
STRICT = {"PYTHONIOENCODING": "utf-8:strict"}


def posturewatch(*args: str | Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **STRICT}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "posturewatch", *map(str, args)],
                          capture_output=True, text=True, errors="surrogateescape",
                          timeout=timeout, env=env)


def upright_images(count: int) -> list[Path]:
    return [path for path, label in labelled(FRONTAL) if label == "upright"][:count]


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "Fatal Python error" not in result.stderr


@real_inputs
def test_an_image_a_folder_and_a_calibration_with_odd_names(tmp_path: Path) -> None:
    image = tmp_path / f"{ODD}.jpg"
    shutil.copy(upright_images(1)[0], image)
    alone = posturewatch("analyze", image)
    assert_clean(alone)
    assert os.fsencode(alone.stdout).count(b"\xe9t\xe9.jpg") >= 1  # printed as its bytes

    folder = tmp_path / ODD
    folder.mkdir()
    for i, path in enumerate(upright_images(5)):
        shutil.copy(path, folder / (f"{ODD}-{i}.jpg" if i % 2 else f"{i}.jpg"))
    report = posturewatch("analyze", folder, "--json", "-")
    assert_clean(report)
    frames = json.loads(report.stdout)["frames"]
    assert len(frames) == 5 and all(f["state"] == "upright" for f in frames)
    names = [Path(f["path"]).name for f in frames]  # shown as a file manager shows them
    assert sorted(names) == ["0.jpg", "2.jpg", "4.jpg", "\ufffdt\ufffd-1.jpg", "\ufffdt\ufffd-3.jpg"]

    baseline = tmp_path / f"{ODD}.json"
    calibrated = posturewatch("calibrate", "--source", folder, "--out", baseline)
    assert_clean(calibrated)
    assert json.loads(baseline.read_text())["frames"] == 5


@real_inputs
def test_a_recording_with_an_odd_name_is_analyzed_stored_and_replayed(
    tmp_path: Path, pools: dict
) -> None:
    clip = write_clip(tmp_path / "clip.mp4", [(pools["upright"], 8)], fps=5)  # OpenCV: ASCII
    clip = clip.rename(tmp_path / f"{ODD}.mp4")
    store = tmp_path / f"{ODD}.sqlite3"
    analyzed = posturewatch("analyze", clip, "--store", store)
    assert_clean(analyzed)
    assert "upright 8.0 s" in analyzed.stdout

    replay = tmp_path / "replay.sqlite3"
    quick = tmp_path / "quick.toml"  # the recording ends at the next look: in 2 s, not 15
    quick.write_text("[camera]\nlook_every_s = 2.0\n")
    ran = posturewatch("run", "--headless", "--source", clip, "--store", replay,
                       "--config", quick)
    assert_clean(ran)  # ends with the recording
    with History.open(replay) as history:
        records = history.read()
    assert sum(i.upright_s for i in records.intervals) > 3
    with History.open(store) as history:
        assert history.read().intervals
