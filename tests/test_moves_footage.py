"""Desk moves and standing on real footage, through `analyze` and the real model: the neck
tilt, side bends and stand-up of the evaluation clips (POSTUREWATCH_DEVDATA, read in place)
counted as the by-eye truth says, nothing counted on a still person,
a person who stands up and walks about judged standing (never slouched) for most of it,
and, on a timeline built from that clip's real frames, the sitting bout ending where the
person stood up, the break reminder acted on, "seen standing", and all of it in the
history `summary` and the report read."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_session import ONLY_BREAKS

from conftest import run_cli, write_clip

MOVES = {  # clip: {exercise: (repetitions, (left, right) or None)} by eye (README there)
    "neck-tilt-two-people.gif": {"neck_tilt": (1, (0, 1))},
    "side-bends-webcam.gif": {"side_bend": (2, (1, 1))},
    "stand-walk-sit-side.mp4": {"stand_up": (1, None)},
    "still-man.gif": {},
}  # (bench/moves.py runs the 31 s seated side view too: nothing counted)
SEATED, STANDING = ((0.0, 0.8), (6.0, 9.1)), (1.5, 5.0)  # the walk clip, by eye
SHORT_BREAK = "[sitting]\nbreak_after_min = 1.0\n" + ONLY_BREAKS


@pytest.fixture(scope="module")
def reports(devdata: Path, model: Path) -> dict[str, dict]:
    folder = devdata / "moves"
    out = run_cli("analyze", *(folder / name for name in MOVES), "--json", "-").stdout
    return {Path(r["source"]).name: r for r in json.loads(out)}


@pytest.mark.parametrize("clip", sorted(MOVES))
def test_each_move_is_counted_as_the_by_eye_truth(reports: dict, clip: str) -> None:
    counted = {e["id"]: (e["reps"], (e["left"], e["right"]) if "left" in e else None)
               for e in reports[clip]["exercises"]}
    assert counted == MOVES[clip]


def test_a_person_who_stands_up_and_walks_about_is_standing(reports: dict) -> None:
    report = reports["stand-walk-sit-side.mp4"]
    frames = report["frames"]

    def share(spans: tuple[tuple[float, float], ...], stance: str) -> float:
        inside = [f for f in frames if any(a <= f["t"] <= b for a, b in spans)]
        return sum(f["stance"] == stance for f in inside) / len(inside)

    assert share((STANDING,), "standing") >= 0.9
    assert share(SEATED, "sitting") >= 0.9
    assert not [f for f in frames if f["stance"] == "standing" and f["state"] == "slouched"]
    assert {f["stance"] for f in frames} <= {"sitting", "standing", "away"}
    totals = report["totals"]
    assert totals["standing_s"] >= 0.8 * (STANDING[1] - STANDING[0])


def walk_frames(clip: Path, fps: float = 5.0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The clip's frames at ``fps`` (BGR, as cv2 writes them), at half its size: the seated
    ones at its end, and all of them."""
    capture = cv2.VideoCapture(str(clip))
    step = capture.get(cv2.CAP_PROP_FPS) / fps
    frames, seated, n = [], [], 0
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        if n % round(step) == 0:
            bgr = cv2.resize(bgr, (bgr.shape[1] // 2, bgr.shape[0] // 2))  # a webcam's 640x360
            frames.append(bgr)
            if n / capture.get(cv2.CAP_PROP_FPS) >= SEATED[1][0] + 0.3:
                seated.append(bgr)
        n += 1
    capture.release()
    return seated, frames


def test_standing_up_ends_the_bout_and_acts_on_the_break_reminder(
        devdata: Path, model: Path, tmp_path: Path) -> None:
    """64 s seated (the clip's last seated second, cycled), then the clip itself: the
    break reminder (after 1 min here) is acted on when the person stands up, and the bout
    ends there."""
    seated, whole = walk_frames(devdata / "moves" / "stand-walk-sit-side.mp4")
    clip = write_clip(tmp_path / "sit-then-walk.mp4",
                      [(seated, 64.0), (whole, len(whole) / 5.0)], fps=5)
    config, history = tmp_path / "config.toml", tmp_path / "history.sqlite3"
    config.write_text(SHORT_BREAK)
    report = json.loads(run_cli("--config", config, "analyze", clip, "--reminders",
                                "--store", history, "--start", "2026-03-03T10:00",
                                "--json", "-").stdout)
    [reminder] = report["reminders"]
    assert reminder["rule"] == "break" and 60 <= reminder["t"] < 64
    assert reminder["acted"] is True and reminder["note"] == "seen standing"
    first, *_ = report["sitting"]["bouts"]
    assert 64 <= first["end"] <= 66  # the stand-up: 64 s plus about 1 s of the clip
    assert report["sitting"]["standing_s"] >= 3
    assert [e["id"] for e in report["exercises"]] == ["stand_up"]

    # the history: standing time, the stand-up, the break reminder seen acted on
    day = ("--store", history, "--date", "2026-03-03")
    summary = json.loads(run_cli("summary", *day, "--json").stdout)
    assert summary["totals"]["standing_s"] >= 3
    assert summary["totals"]["reminders_acted"] == 1
    assert [(e["id"], e["reps"]) for e in summary["exercises"]] == [("stand_up", 1)]
    assert "stand-ups seen" in run_cli("summary", *day).stdout
    page = tmp_path / "day.html"
    run_cli("report", *day, "--out", page)
    assert "1 stand-up in 1 set" in page.read_text()


def test_a_rise_seen_by_a_desk_webcam_is_standing(testdata: Path, model: Path) -> None:
    """No legs in view: the real landmarks of an upright frontal frame, then the same
    person a rise higher in the picture (the shoulders up by more than a shoulder width,
    as standing up at a desk does), then back; a shrug-sized rise stays sitting."""
    from posturewatch.capture.pose import PoseEstimator
    from posturewatch.core.landmarks import Landmarks
    from posturewatch.core.stance import Stance, StanceJudge, StanceSettings, leg_poses
    from posturewatch.storage.config_file import load_settings

    frame = sorted((testdata / "frontal-webcam-1" / "upright").glob("*.jpg"))[0]
    rgb = cv2.cvtColor(cv2.imread(str(frame)), cv2.COLOR_BGR2RGB)
    with PoseEstimator(model, load_settings(None).pose, video=False) as estimator:
        seated = estimator.detect(rgb, 0.0)
    assert seated is not None and not leg_poses(seated)  # a desk webcam: no legs
    width = float(np.hypot(*(seated.points[11, :2] - seated.points[12, :2])))

    def risen(sw: float) -> Landmarks:
        points = seated.points.copy()
        points[:, 1] -= sw * width
        return Landmarks(points, seated.width, seated.height)

    judge = StanceJudge(StanceSettings())
    seen = [judge.see(lm) for lm in [seated] * 5 + [risen(0.4)] * 2 + [seated] * 2
            + [risen(1.2)] * 3 + [seated] * 2]
    assert seen == [Stance.SITTING] * 9 + [Stance.STANDING] * 3 + [Stance.SITTING] * 2
