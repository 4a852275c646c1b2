"""Counts of the desk moves against the by-eye truth, and the stance of a person who
stands up and walks about, through the real ``analyze`` path (the model in VIDEO mode,
the pipeline, a watch session over the clip's timeline).

- ``../shared/devdata/moves/`` (evaluation only, never committed): neck side tilts, side
  bends, a sit-to-stand and walk ("timed up and go"), a still man, a seated side view;
  each clip's by-eye count is in its README, copied into ``TRUTH`` below.
- ``../shared/devdata/exercise/``: wall angels (press clips) as today, and clips of other
  movements (lateral raises, curls): no neck tilt, side bend or stand-up may be counted.
- the shared test footage (``webcam-occluded``, the frontal frames as a 5 fps sequence):
  nothing may be counted.
- still people: every frame of pozz-train and of the shared frontal and side-view sets
  held still for 3 s (their cached IMAGE-mode landmarks through the same counters): nothing
  may be counted. pozz-train's poor-posture photos in file order, as if they were a 5 fps
  clip (bursts of one person, jumping from one posed slump or tilt to the next), are
  reported too, for what they are: posed tilts of the head and trunk, seen as moves.

Clips run at the product's 5 frames a second and, with ``--every-frame``, at every frame
too (a faster camera must not count more). With ``--augment`` the moves clips also run seen
another way (mirrored, the camera rolled 6 degrees, at 3/4 of the size): other cameras, not
other people, but what no threshold may hang on. The variants are written to a temporary
folder and deleted.

With ``--cost`` it times what the stance and the moves add per frame (legs, the stance
judge, the sideways pose, the counters; pure Python on the clips' real landmarks) against a
model run on the same frames.

    python bench/moves.py [--every-frame] [--augment] [--cost] [--model PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from landmark_cache import landmarks  # noqa: E402

from posturewatch.app.analysis import FrameResult, judge_source  # noqa: E402
from posturewatch.app.recording import Recording  # noqa: E402
from posturewatch.capture.pose import PoseEstimator  # noqa: E402
from posturewatch.capture.sources import natural_key, open_source  # noqa: E402
from posturewatch.core.observation import Posture  # noqa: E402
from posturewatch.core.side_stretches import SideStretchCounter, side_pose  # noqa: E402
from posturewatch.core.stance import Stance, StanceJudge, StandUpCounter  # noqa: E402
from posturewatch.core.typed_settings import Settings  # noqa: E402
from posturewatch.core.watch.calendar import RecordingCalendar  # noqa: E402
from posturewatch.storage.catalog_file import load_catalog  # noqa: E402
from posturewatch.storage.config_file import load_settings  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
TESTDATA = Path(os.environ.get("POSTUREWATCH_TESTDATA") or SHARED / "testdata")
DEVDATA = Path(os.environ.get("POSTUREWATCH_DEVDATA") or SHARED / "devdata")
MODELS = Path(os.environ.get("POSTUREWATCH_MODEL_DIR") or SHARED / "models")
IDS = ("stand_up", "neck_tilt", "side_bend", "wall_angel")
# By eye, from the READMEs (ids left out: 0). The neck-tilt GIF shows two people tilting
# once each; the model follows one person.
TRUTH: dict[str, dict[str, int]] = {
    "moves/neck-tilt-two-people.gif": {"neck_tilt": 1},
    "moves/side-bends-webcam.gif": {"side_bend": 2},
    "moves/stand-walk-sit-side.mp4": {"stand_up": 1},
    "moves/still-man.gif": {},
    "moves/side-view-slouch-upright.mp4": {},
    "exercise/press-seated-home.mp4": {"wall_angel": 3},
    "exercise/press-standing-studio.mp4": {"wall_angel": 1},
    "exercise/press-stock.gif": {"wall_angel": 2},
    "exercise/lateral-raise-gym.mp4": {},
    "exercise/lateral-raise-studio.mp4": {},
    "exercise/curl-dumbbell.mp4": {},
    "exercise/curl-band.mp4": {},
}
# By eye, (left, right): the side bends go one to each side.
SIDES = {"moves/side-bends-webcam.gif": {"side_bend": (1, 1)}}
# The timed up-and-go clip by eye: seated, then standing and walking, then seated.
WALK = "moves/stand-walk-sit-side.mp4"
WALK_SEATED, WALK_STANDING = ((0.0, 0.8), (6.0, 9.1)), (1.5, 5.0)
STILL_S, STILL_FPS = 3.0, 5.0


def _rolled(rgb: np.ndarray, degrees: float = 6.0) -> np.ndarray:
    h, w = rgb.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(rgb, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)


VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mirrored": lambda rgb: rgb[:, ::-1],
    "camera rolled 6 degrees": _rolled,
    "at 3/4 size": lambda rgb: cv2.resize(rgb, (rgb.shape[1] * 3 // 8 * 2,
                                                rgb.shape[0] * 3 // 8 * 2)),
}


def variant(path: Path, change: Callable[[np.ndarray], np.ndarray], folder: Path) -> Path:
    """The clip at 5 fps seen another way, as an MP4 in ``folder`` (deleted after)."""
    source = open_source(str(path), fps=STILL_FPS, sequence=False)
    out, writer = folder / f"{path.stem}.mp4", None
    try:
        for frame in source.frames():
            bgr = np.ascontiguousarray(cv2.cvtColor(change(frame.rgb), cv2.COLOR_RGB2BGR))
            if writer is None:
                writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), STILL_FPS,
                                         (bgr.shape[1], bgr.shape[0]))
            writer.write(bgr)
    finally:
        source.close()
        if writer is not None:
            writer.release()
    return out


def run_clip(path: Path, settings: Settings, model: Path, fps: float) -> dict[str, Any]:
    """``analyze``'s path over one clip: its frames, its exercise sets, its sitting."""
    # a folder of frames has no frame rate of its own: it plays at 5 fps
    source = open_source(str(path), fps=fps or STILL_FPS if path.is_dir() else fps,
                         sequence=path.is_dir())
    recording = Recording(settings, load_catalog(), RecordingCalendar(0.0, lambda utc: 0))
    frames: list[FrameResult] = []
    try:
        with PoseEstimator(model, settings.pose, video=True) as estimator:
            for result in judge_source(source, estimator, None, settings.classifier,
                                       stance=settings.stance):
                frames.append(result)
                recording.push(result)
        totals = recording.finish(source.end)
    finally:
        source.close()
    counts = dict.fromkeys(IDS, 0)
    sides: dict[str, tuple[int, int]] = {}
    for done in recording.exercises:
        counts[done.id] = counts.get(done.id, 0) + done.reps
        if done.sides is not None:
            left, right = sides.get(done.id, (0, 0))
            sides[done.id] = (left + done.sides[0], right + done.sides[1])
    return {"counts": counts, "sides": sides, "frames": frames,
            "sitting": totals.sitting.summary()}


def stance_figures(frames: list[FrameResult], sitting: dict[str, Any]) -> dict[str, Any]:
    """The walk clip: how much of the by-eye standing time is judged standing, how much of
    the seated time sitting, no standing frame slouched, and the first bout's end."""
    def share(spans: Iterable[tuple[float, float]], stance: Stance) -> float:
        inside = [f for f in frames if any(a <= f.t <= b for a, b in spans)]
        return sum(f.stance is stance for f in inside) / max(1, len(inside))

    standing = [f for f in frames if WALK_STANDING[0] <= f.t <= WALK_STANDING[1]]
    bouts = sitting["bouts"]
    return {"standing_share": round(share([WALK_STANDING], Stance.STANDING), 3),
            "seated_share": round(share(WALK_SEATED, Stance.SITTING), 3),
            "slouched_while_standing": sum(f.state is Posture.SLOUCHED for f in standing),
            "first_bout_ends_s": bouts[0]["end"] if bouts else None,
            "bouts": len(bouts), "standing_s": sitting["standing_s"]}


def held_still(paths: list[Path], settings: Settings, model: Path) -> dict[str, int]:
    """Each photo as a still person for STILL_S seconds (cached landmarks, the counters of
    the session): repetitions counted."""
    counts = dict.fromkeys(IDS[:3], 0)
    for lm in landmarks(paths, model):
        sides, stance = SideStretchCounter(settings.side_stretches), StanceJudge(settings.stance)
        ups = StandUpCounter(settings.stance, settings.exercise.set_gap_s)
        for n in range(int(STILL_S * STILL_FPS)):
            sides.add(n / STILL_FPS, side_pose(lm))
            ups.add(n / STILL_FPS, stance.see(lm))
        sides.flush(STILL_S)
        counts["neck_tilt"] += sum(s.reps for s in sides.neck_tilts.sets)
        counts["side_bend"] += sum(s.reps for s in sides.side_bends.sets)
        counts["stand_up"] += sum(s.reps for s in ups.tally.sets)
    return counts


def in_sequence(paths: list[Path], settings: Settings, model: Path) -> dict[str, int]:
    """The photos one after another as a 5 fps clip (cached landmarks)."""
    sides, stance = SideStretchCounter(settings.side_stretches), StanceJudge(settings.stance)
    ups = StandUpCounter(settings.stance, settings.exercise.set_gap_s)
    t = 0.0
    for n, lm in enumerate(landmarks(paths, model)):
        t = n / STILL_FPS
        sides.add(t, side_pose(lm))
        ups.add(t, stance.see(lm))
    sides.flush(t)
    return {"stand_up": sum(s.reps for s in ups.tally.sets),
            "neck_tilt": sum(s.reps for s in sides.neck_tilts.sets),
            "side_bend": sum(s.reps for s in sides.side_bends.sets)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every-frame", action="store_true", help="also at every frame")
    parser.add_argument("--cost", action="store_true",
                        help="only time what the stance and moves add per frame")
    parser.add_argument("--augment", action="store_true",
                        help="also the moves clips mirrored, rolled and at 3/4 size")
    parser.add_argument("--model", type=Path, default=MODELS / "pose_landmarker_full.task")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not (DEVDATA / "moves" / "README.md").is_file():
        sys.exit(f"no evaluation footage at {DEVDATA}: set POSTUREWATCH_DEVDATA")
    settings = load_settings(None)
    if args.cost:
        print(json.dumps(cost(settings, args.model), indent=2))
        return
    out: dict[str, Any] = {"clips": [], "still": {}}
    rates = [5.0, 0.0] if args.every_frame else [5.0]
    others = [("testdata/webcam-occluded/demo.gif", TESTDATA / "webcam-occluded" / "demo.gif")]
    others += [(f"testdata/frontal-webcam-1/{label} (frames as a clip)",
                TESTDATA / "frontal-webcam-1" / label) for label in ("upright", "slouch")]
    clips = [(name, DEVDATA / name) for name in TRUTH] + others
    misses = 0
    for fps in rates:
        for name, path in clips:
            got = run_clip(path, settings, args.model, fps)
            truth = {i: TRUTH.get(name, {}).get(i, 0) for i in IDS}
            wrong = {i: got["counts"][i] for i in IDS if got["counts"][i] != truth[i]}
            wrong |= {i: v for i, v in SIDES.get(name, {}).items() if got["sides"].get(i) != v}
            misses += bool(wrong)
            row = {"clip": name, "fps": fps or "every frame", "counts": got["counts"],
                   "truth": truth, "sides": got["sides"], "ok": not wrong}
            if name == WALK:
                row["stance"] = stance_figures(got["frames"], got["sitting"])
            out["clips"].append(row)
            print(_line(row), flush=True)
    if args.augment:
        misses += augmented(settings, args.model, out)
    photos = {
        "pozz-train": sorted((DEVDATA / "pozz-train").rglob("*.jpg"), key=natural_key),
        "frontal-webcam-1": sorted((TESTDATA / "frontal-webcam-1").rglob("*.jpg")),
        "side-view": sorted((TESTDATA / "side-view").glob("*.jpg")),
    }
    for name, paths in photos.items():
        out["still"][name] = {"photos": len(paths), **held_still(paths, settings, args.model)}
        print(f"{name}: {len(paths)} photos, each held still {STILL_S:g} s: "
              f"{_counts(out['still'][name])}", flush=True)
    bad = sorted((DEVDATA / "pozz-train" / "bad").glob("*.jpg"), key=natural_key)
    out["pozz_bad_sequence"] = in_sequence(bad, settings, args.model)
    print(f"pozz-train poor-posture photos in file order at 5 fps ({len(bad)} photos, "
          f"posed slumps and tilts): {_counts(out['pozz_bad_sequence'])}")
    print(f"clips off the by-eye truth: {misses} of {len(out['clips'])}")
    if args.json:
        print(json.dumps(out, indent=2, default=str))


def cost(settings: Settings, model: Path, repeat: int = 50) -> dict[str, Any]:
    """Microseconds a frame of what stance and moves add, against the model's milliseconds
    on the same frames (VIDEO mode, in process), both timed here, in one run."""
    frames = [f for name in (WALK, "moves/side-bends-webcam.gif", "moves/neck-tilt-two-people.gif")
              for f in run_clip(DEVDATA / name, settings, model, STILL_FPS)["frames"]]
    start = time.perf_counter()
    for _ in range(repeat):
        stance, ups = StanceJudge(settings.stance), StandUpCounter(settings.stance, 30.0)
        sides = SideStretchCounter(settings.side_stretches)
        for f in frames:
            ups.add(f.t, stance.see(f.landmarks))
            sides.add(f.t, side_pose(f.landmarks))
    added_us = (time.perf_counter() - start) / (repeat * len(frames)) * 1e6
    source = open_source(str(DEVDATA / WALK), fps=STILL_FPS, sequence=False)
    rgbs = [frame.rgb for frame in source.frames()]
    source.close()
    with PoseEstimator(model, settings.pose, video=True) as estimator:
        estimator.detect(rgbs[0], 0.0)
        start = time.perf_counter()
        for n, rgb in enumerate(rgbs[1:], 1):
            estimator.detect(rgb, n / STILL_FPS)
        model_ms = (time.perf_counter() - start) / (len(rgbs) - 1) * 1e3
    return {"frames": len(frames), "added_us_per_frame": round(added_us, 1),
            "model_ms_per_frame": round(model_ms, 2),
            "added_share_of_model": round(added_us / 1e3 / model_ms, 4)}


def augmented(settings: Settings, model: Path, out: dict[str, Any]) -> int:
    """The moves clips seen another way: rows in ``out``; how many are off the truth."""
    misses = 0
    with tempfile.TemporaryDirectory(prefix="posturewatch-moves-") as folder:
        for label, change in VARIANTS.items():
            for name in (n for n in TRUTH if n.startswith("moves/")):
                got = run_clip(variant(DEVDATA / name, change, Path(folder)), settings, model,
                               STILL_FPS)
                truth = {i: TRUTH[name].get(i, 0) for i in IDS}
                ok = all(got["counts"][i] == truth[i] for i in IDS)
                misses += not ok
                row = {"clip": f"{name} ({label})", "fps": STILL_FPS, "counts": got["counts"],
                       "truth": truth, "sides": got["sides"], "ok": ok}
                if name == WALK:
                    row["stance"] = stance_figures(got["frames"], got["sitting"])
                out["clips"].append(row)
                print(_line(row), flush=True)
    return misses


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if k != "photos")


def _line(row: dict[str, Any]) -> str:
    counts = ", ".join(f"{i} {row['counts'][i]}/{row['truth'][i]}" for i in IDS)
    text = f"{row['clip']} @ {row['fps']} fps: {counts} (got/by eye) {'ok' if row['ok'] else 'OFF'}"
    if row["sides"]:
        text += f"; sides (left, right) {row['sides']}"
    if "stance" in row:
        text += f"\n    stance: {row['stance']}"
    return text


if __name__ == "__main__":
    main()
