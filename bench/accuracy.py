"""Balanced accuracy (slouched vs upright) per labelled set, with and without calibration,
and for a simulated new day: the calibration from one camera view judged on a timeline
after the camera moved.

Sets: the shared footage (frontal webcam, side-view photos) and, when present,
``../shared/devdata/pozz-train`` (several people; evaluation only, never committed). The
model runs once per image: landmarks are cached in /tmp (bench/landmark_cache.py).

- calibrated: a baseline from the first 5 upright frames of one person at one sitting,
  then every other frame of that person judged. pozz-train has no person labels: its
  upright frames come in filename order person by person, so sittings are split where
  the view jumps (shoulder position or width), and each poor-posture frame is given to the
  sitting whose frames look most alike (shirt colour under the shoulders and the
  background above the head). The person with no upright frames is placed wrongly.
- uncalibrated: every frame against the population priors.
- new day: upright and poor-posture frames of one sitting cycled into a 7-minute
  timeline at 5 fps (blocks of 20-40 s), every frame seen through a moved camera (cropped,
  shifted and scaled back to the frame size), judged with the old calibration through
  the same referee, judgement and settling as ``analyze``; scored after the first 2 min.
  unknown and away count as wrong.

    python bench/accuracy.py [--model PATH]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from landmark_cache import landmarks  # noqa: E402

from posturewatch.core.baseline import Baseline, build_baseline  # noqa: E402
from posturewatch.core.judgement import ClassifierSettings, judge  # noqa: E402
from posturewatch.core.landmarks import Landmarks  # noqa: E402
from posturewatch.core.metrics import PostureMetrics, compute_metrics  # noqa: E402
from posturewatch.core.observation import Posture  # noqa: E402
from posturewatch.core.self_baseline import Referee, for_still  # noqa: E402
from posturewatch.core.settings import settings  # noqa: E402
from posturewatch.core.settling import Settler  # noqa: E402
from posturewatch.storage.config_file import load_config  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
TESTDATA, DEVDATA = SHARED / "testdata", SHARED / "devdata" / "pozz-train"
FPS = 5.0


def balanced(pairs: Sequence[tuple[bool, Posture]]) -> tuple[float, int]:
    """Mean of recall on slouched and on upright frames; unknown/away count as wrong."""
    bad = [state is Posture.SLOUCHED for is_bad, state in pairs if is_bad]
    good = [state is Posture.UPRIGHT for is_bad, state in pairs if not is_bad]
    parts = [sum(x) / len(x) for x in (bad, good) if x]
    return sum(parts) / len(parts), len(pairs)


def metrics_of(found: Sequence[Landmarks | None]) -> list[PostureMetrics | None]:
    return [compute_metrics(lm) if lm is not None else None for lm in found]


def stills(ms: Sequence[PostureMetrics | None], bad: Sequence[bool], base: Baseline | None,
           s: ClassifierSettings) -> tuple[float, int]:
    return balanced([(b, judge(m, for_still(base, m, s), s).state) for m, b in zip(ms, bad)])


def timeline(good: Sequence[PostureMetrics | None], bad: Sequence[PostureMetrics | None],
             base: Baseline | None, s: ClassifierSettings, minutes: float = 7.0,
             skip_s: float = 120.0) -> tuple[float, int]:
    """Blocks of upright and poor posture, judged as a stream; scored after ``skip_s``."""
    rng = np.random.default_rng(0)
    referee, settler = Referee(base, s), Settler[bool](s.settle_s)
    out: list[tuple[float, bool, Posture]] = []
    t, block_bad, was = 0.0, False, False
    while t < minutes * 60:
        pool = bad if block_bad else good
        for _ in range(int(rng.uniform(20, 40) * FPS)):
            m = pool[int(rng.integers(len(pool)))]
            j = judge(m, referee.choose(t, m).baseline, s, was_slouched=was)
            was = j.state is Posture.SLOUCHED
            out += [(t, *pair) for pair in settler.push(t, j.state, block_bad)]
            t += 1 / FPS
        block_bad = not block_bad
    out += [(t, *pair) for pair in settler.flush()]
    return balanced([(b, st) for tt, b, st in out if tt >= skip_s])


def moved_camera(crop: float, dx: float, dy: float) -> Callable[[np.ndarray], np.ndarray]:
    """A webcam moved: the view crops to ``crop`` of the frame (nearer or zoomed), shifted
    by (dx, dy) of the frame, scaled back to the frame's size."""
    def apply(bgr: np.ndarray) -> np.ndarray:
        h, w = bgr.shape[:2]
        cw, ch = int(w * crop), int(h * crop)
        x0 = int(np.clip((w - cw) / 2 + dx * w, 0, w - cw))
        y0 = int(np.clip((h - ch) / 2 + dy * h, 0, h - ch))
        return cv2.resize(bgr[y0:y0 + ch, x0:x0 + cw], (w, h))
    return apply


MOVES = {"crop 0.8, up-left": (0.8, -0.08, -0.08), "crop 0.7, down": (0.7, 0.0, 0.12),
         "crop 0.85, right": (0.85, 0.07, 0.0)}


def labelled(folder: Path) -> list[tuple[Path, bool]]:
    with open(folder / "labels.csv", newline="") as f:
        return [(folder / r["path"], r["label"] not in ("upright", "recline", "upright_kneeling"))
                for r in csv.DictReader(f)]


def sittings(paths: list[Path], ms: list[PostureMetrics | None]) -> list[list[int]]:
    """Split filename-ordered upright frames where the view jumps."""
    groups: list[list[int]] = []
    last: PostureMetrics | None = None
    for i, m in enumerate(ms):
        if m is None or m.shoulder_size is None:
            continue
        jump = last is None or abs(m.shoulder_size / last.shoulder_size - 1) > 0.08 or abs(
            m.shoulder_x - last.shoulder_x) > 0.05 or abs(m.shoulder_y - last.shoulder_y) > 0.05
        if jump and (not groups or len(groups[-1]) >= 15):
            groups.append([])
        groups[-1].append(i)
        last = m
    return [g for g in groups if len(g) >= 15]


def appearance(path: Path, lm: Landmarks | None) -> np.ndarray:
    """Shirt colour under the shoulders and the background above: who and where."""
    bgr = cv2.imread(str(path))
    h, w = bgr.shape[:2]
    top = cv2.resize(bgr[: h // 4], (8, 2), interpolation=cv2.INTER_AREA).reshape(-1) / 4.0
    torso = np.zeros(3)
    if lm is not None:
        c = (lm.xy(11) + lm.xy(12)) / 2
        sw = abs(lm.xy(11)[0] - lm.xy(12)[0])
        x0, x1 = int(max(0, c[0] - sw / 4)), int(min(w, c[0] + sw / 4))
        y0, y1 = int(min(h - 1, c[1] + sw * 0.05)), int(min(h, c[1] + sw * 0.35))
        patch = bgr[y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)]
        torso = patch.reshape(-1, 3).mean(0) if patch.size else torso
    return np.concatenate([top, torso * 2])


def row(name: str, result: tuple[float, int] | None) -> str:
    return f"| {name} | " + ("—" if result is None else f"{result[0]:.3f} | {result[1]}") + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=SHARED / "models" / "pose_landmarker_full.task")
    args = parser.parse_args()
    s = settings(ClassifierSettings, load_config().section("classifier"))
    lines = ["| set | balanced accuracy | frames |", "|---|---|---|"]

    frontal = labelled(TESTDATA / "frontal-webcam-1")
    fpaths, fbad = [p for p, _ in frontal], [b for _, b in frontal]
    fms = metrics_of(landmarks(fpaths, args.model))
    calib_idx = [i for i, b in enumerate(fbad) if not b][:5]
    fbase = build_baseline([fms[i] for i in calib_idx], 5)
    rest = [i for i in range(len(fms)) if i not in calib_idx]
    lines.append(row("frontal webcam, calibrated (first 5 upright)",
                     stills([fms[i] for i in rest], [fbad[i] for i in rest], fbase, s)))
    lines.append(row("frontal webcam, uncalibrated", stills(fms, fbad, None, s)))
    side = labelled(TESTDATA / "side-view")
    lines.append(row("side-view photos, uncalibrated",
                     stills(metrics_of(landmarks([p for p, _ in side], args.model)),
                            [b for _, b in side], None, s)))
    fgood = [fms[i] for i in rest if not fbad[i]]
    fslouch = [fms[i] for i in rest if fbad[i]]
    lines.append(row("frontal webcam, same view, timeline after 2 min",
                     timeline(fgood, fslouch, fbase, s)))
    for move, (crop, dx, dy) in MOVES.items():
        moved = metrics_of(landmarks(fpaths, args.model, tag=f"move{crop},{dx},{dy}",
                                     transform=moved_camera(crop, dx, dy)))
        mgood = [moved[i] for i in rest if not fbad[i]]
        mbad = [moved[i] for i in rest if fbad[i]]
        lines.append(row(f"frontal webcam, new day ({move}), old calibration, after 2 min",
                         timeline(mgood, mbad, fbase, s)))

    if DEVDATA.is_dir():
        lines += devdata(args.model, s)
    print("\n".join(lines))
    return 0


def devdata(model: Path, s: ClassifierSettings) -> list[str]:
    paths = sorted(DEVDATA.glob("*/*.jpg"), key=lambda p: (p.parent.name, int(p.stem)))
    found = landmarks(paths, model)
    ms = metrics_of(found)
    bad = [p.parent.name == "bad" for p in paths]
    lines = [row("pozz-train, every frame, uncalibrated", stills(ms, bad, None, s))]
    good_idx = [i for i, b in enumerate(bad) if not b]
    groups = [[good_idx[j] for j in g] for g in sittings([paths[i] for i in good_idx],
                                                           [ms[i] for i in good_idx])]
    feats = np.array([appearance(p, lm) for p, lm in zip(paths, found)])
    centres = np.array([np.median(feats[g], axis=0) for g in groups])
    owner: dict[int, int] = {}
    for i, b in enumerate(bad):
        if b:
            d = np.linalg.norm(centres - feats[i], axis=1)
            owner[i] = int(d.argmin())
    pairs_cal: list[tuple[bool, Posture]] = []
    pairs_day: list[tuple[bool, Posture]] = []
    for k, g in enumerate(groups):
        base = build_baseline([ms[i] for i in g[:5] if ms[i] is not None], 5)
        mine = g[5:] + [i for i, o in owner.items() if o == k]
        pairs_cal += [(bad[i], judge(ms[i], for_still(base, ms[i], s), s).state) for i in mine]
        bad_ms = [ms[i] for i, o in owner.items() if o == k]
        other = (k + 1) % len(groups)  # another sitting's calibration: a new day
        if len(bad_ms) >= 10:
            other_base = build_baseline([ms[i] for i in groups[other][:5]], 5)
            pairs_day.append(timeline([ms[i] for i in g[5:]], bad_ms, other_base, s))  # type: ignore[arg-type]
    lines.append(row(f"pozz-train, calibrated per sitting ({len(groups)} sittings, first 5 "
                     f"upright each; {len(owner)} of {sum(bad)} poor-posture frames placed)",
                     balanced(pairs_cal)))
    if pairs_day:
        mean = sum(a for a, _ in pairs_day) / len(pairs_day)
        lines.append(row(f"pozz-train, another sitting's calibration, timeline after 2 min "
                         f"(mean of {len(pairs_day)} sittings)",
                         (mean, sum(n for _, n in pairs_day))))
    return lines


if __name__ == "__main__":
    sys.exit(main())
