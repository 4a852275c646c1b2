"""Wall angels the camera counts (core/exercise.py): the rules on drawn arm paths, then
`analyze` on every evaluation clip (POSTUREWATCH_DEVDATA/exercise, read in place), against
the repetitions its README counts by eye. Press clips stand in for wall angels (the same
arm path); lateral raises and curls must count none."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posturewatch.core.exercise import (
    ExerciseSettings,
    WallAngelCounter,
    arm_pose,
)
from posturewatch.core.landmarks import Landmarks

from conftest import run_cli

SETTINGS = ExerciseSettings(enabled=True, goalpost_elbow_sw=0.25, forearm_up_sw=0.3,
                            top_elbow_sw=0.35, top_wrist_sw=1.0, set_gap_s=30.0)
WIDTH = 100.0  # shoulder width in pixels of the drawn body


def body(elbow_up: float, wrist_up: float, *, reach: float = 0.0, squeeze: float = 1.0,
         seen: float = 0.99) -> Landmarks:
    """A body facing the camera: elbows and wrists at these heights above the shoulders
    (shoulder widths), hands ``reach`` widths out to the side; ``squeeze`` narrows the
    picture horizontally (a body turned away from the camera)."""
    points = np.zeros((33, 3))
    points[:, 2] = seen
    cx, sy = 320.0, 240.0
    points[[7, 8], :2] = [(cx - 0.3 * WIDTH, sy - 0.6 * WIDTH), (cx + 0.3 * WIDTH, sy - 0.6 * WIDTH)]
    for side, (s, e, w) in ((-1, (11, 13, 15)), (1, (12, 14, 16))):
        sx = cx + side * WIDTH / 2
        points[s, :2] = (sx, sy)
        points[e, :2] = (sx + side * 0.4 * WIDTH, sy - elbow_up * WIDTH)
        points[w, :2] = (sx + side * (0.4 + reach) * WIDTH, sy - wrist_up * WIDTH)
    points[:, 0] = cx + (points[:, 0] - cx) * squeeze
    return Landmarks(points, 640, 480)


GOALPOST = dict(elbow_up=0.0, wrist_up=0.8)
OVERHEAD = dict(elbow_up=0.7, wrist_up=1.6)
LATERAL_TOP = dict(elbow_up=0.05, wrist_up=0.1, reach=0.7)  # straight arms out sideways
HANGING = dict(elbow_up=-0.8, wrist_up=-1.5)
CURL_TOP = dict(elbow_up=-0.75, wrist_up=0.0)  # elbows low, hands at the shoulders


def count(path: list[dict], *, dt: float = 0.5, **extra: float) -> WallAngelCounter:
    counter = WallAngelCounter(SETTINGS)
    for i, pose in enumerate(path):
        counter.add(i * dt, arm_pose(body(**pose, **extra)))
    return counter


def test_goalpost_up_and_down_is_one_repetition_each_time() -> None:
    counter = count([GOALPOST, OVERHEAD, GOALPOST, OVERHEAD, GOALPOST, OVERHEAD, GOALPOST])
    [found] = counter.sets
    assert (found.id, found.reps, found.from_s, found.to_s) == ("wall_angel", 3, 0.0, 2.5)


def test_jitter_at_the_top_or_a_reused_frame_counts_once() -> None:
    wobble = dict(elbow_up=0.3, wrist_up=1.2)  # between the thresholds: no state change
    counter = count([GOALPOST, OVERHEAD, wobble, OVERHEAD, OVERHEAD, wobble, GOALPOST])
    assert counter.reps_since(0.0) == 1


def test_lateral_raises_curls_and_a_straight_arm_stretch_are_not_wall_angels() -> None:
    assert not count([HANGING, LATERAL_TOP] * 5).sets
    assert not count([HANGING, CURL_TOP] * 5).sets
    assert not count([HANGING, OVERHEAD] * 5).sets  # no goalpost on the way up


def test_a_body_turned_away_still_counts_and_a_side_view_is_not_judged() -> None:
    assert count([GOALPOST, OVERHEAD] * 3, squeeze=0.6).reps_since(0.0) == 3
    assert arm_pose(body(**GOALPOST, squeeze=0.2)) is None


def test_unseen_elbows_and_far_apart_repetitions() -> None:
    assert arm_pose(body(**GOALPOST, seen=0.2)) is None
    counter = WallAngelCounter(SETTINGS)
    for t, pose in ((0, GOALPOST), (2, OVERHEAD), (3, GOALPOST), (100, OVERHEAD)):
        counter.add(t, arm_pose(body(**pose)))
    assert [(s.reps, s.from_s, s.to_s) for s in counter.sets] == [(1, 0, 2), (1, 3, 100)]


# What each clip's README row counts by eye (press-seated-home: it starts at the top, so
# three full cycles from the shoulders up); the negatives are 0 wall angels.
BY_EYE = {
    "press-seated-home.mp4": 3,
    "press-standing-studio.mp4": 1,
    "press-stock.gif": 2,
    "lateral-raise-gym.mp4": 0,
    "lateral-raise-studio.mp4": 0,
    "curl-dumbbell.mp4": 0,
    "curl-band.mp4": 0,
}


@pytest.fixture(scope="module")
def counted(devdata: Path, model: Path) -> dict[str, list[dict]]:
    """`analyze --json` over every clip at the default 5 frames a second; the long
    negative clips are cut at 6 s (two or more raises or curls each), to keep the model
    runs short."""
    folder = devdata / "exercise"
    listed = sorted(p.name for p in folder.iterdir() if p.suffix in (".mp4", ".gif"))
    assert listed == sorted(BY_EYE), "a clip without a by-eye count in BY_EYE"
    reports = []
    for names, cut in (([n for n in BY_EYE if BY_EYE[n]], ()),
                       ([n for n in BY_EYE if not BY_EYE[n]], ("--seconds", "6"))):
        out = run_cli("analyze", *(folder / n for n in names), *cut, "--json", "-").stdout
        reports += json.loads(out)
    return {Path(r["source"]).name: r["exercises"] for r in reports}


@pytest.mark.parametrize("clip", sorted(BY_EYE))
def test_analyze_counts_the_wall_angels_of_every_clip(counted: dict, clip: str) -> None:
    exercises = counted[clip]
    assert sum(e["reps"] for e in exercises) == BY_EYE[clip], exercises
    for e in exercises:
        assert e["id"] == "wall_angel" and 0 <= e["from_s"] <= e["to_s"]
