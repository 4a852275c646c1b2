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
  sitting whose upright faces are most alike (a level 24x24 face crop, nearest
  neighbours); frames alike to no sitting (a person with no upright frames) are left out.
- uncalibrated: every frame against the population priors.
- new day (pozz-train): a sitting judged with the calibration of the same person's other
  sitting (sittings whose faces are most alike), another day and camera position.
- new day (frontal): upright and poor-posture frames of one sitting in a 7-minute
  timeline at 5 fps (blocks of 20-40 s walking through neighbouring frames), every frame
  seen through a moved camera (cropped, shifted and scaled back to the frame size; or set
  lower and tilted up: foreshortened, the shoulders 0.10 of the frame higher), judged with
  the old calibration through ``judge_source`` itself (presence, referee, judgement,
  settling, as ``analyze``); scored after the first 2 min. unknown and away count as wrong.
- misdetections (frontal): the model's answer for the top 45 % of a frame mapped back
  into the frame (the shoulders up in the neck, a third as wide), as stills and as 15 %
  of a calibrated timeline's upright frames: they must never read as slouched.
- calibration (``--only calibration``): upright, a head pushed forward (made from upright
  frames as tests/test_forward_head.py does), a head tilted 16 degrees (rolled about the
  neck), a slump, and 5 frames with 2 misdetected: refused, accepted, or accepted with
  what looked odd.
- people (``--only people``): every labelled person (bench/people.py), judged with priors
  from the others: uncalibrated stills, and the calibration guard on 8-frame windows of
  their upright and poor-posture frames, also with the upright frames cut, set in a 1080p
  frame or dimmed (bench/person_figures.py).
- view (``--only view``): the issue 23 clip (60 s upright, 180 s slouched, a fresh
  calibration) as an MP4 through ``judge_source``: no "camera moved" notice; and real
  camera moves after 60 s: when the notice comes.
- leaving (``--only leaving``): 20 s upright, 20 s slouched, a last moment (upright,
  slouched, standing up), 80 s of an empty scene made from real frames, 30 s back, through
  the real model in VIDEO mode: away share from 10 s on, a break counted, upright back.

    python bench/accuracy.py [--model PATH] [--verbose]
                             [--only stills|leaving|calibration|people|view]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "tests"))
from landmark_cache import landmarks  # noqa: E402
from people import people  # noqa: E402
from person_figures import guard as person_guard  # noqa: E402
from person_figures import stills as person_stills  # noqa: E402

from posturewatch.app.analysis import judge_source  # noqa: E402
from posturewatch.capture.pose import PoseEstimator, PoseSettings  # noqa: E402
from posturewatch.capture.sources import Frame, FrameSource, VideoFile  # noqa: E402
from posturewatch.core.baseline import Baseline, CalibrationError, build_baseline  # noqa: E402
from posturewatch.core.judgement import ClassifierSettings, check_calibration, judge  # noqa: E402
from posturewatch.core.landmarks import Landmarks  # noqa: E402
from posturewatch.core.metrics import PostureMetrics, compute_metrics  # noqa: E402
from posturewatch.core.observation import Posture  # noqa: E402
from posturewatch.core.self_baseline import for_still  # noqa: E402
from posturewatch.core.sitting import SittingSettings, SittingTracker  # noqa: E402
from posturewatch.storage.config_file import load_settings  # noqa: E402

from frame_edits import push_head_forward, tilt_head  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
# The shared footage and model, where the tests find them (else ../shared beside the
# checkout); pozz-train stays beside the footage, in devdata/.
TESTDATA = Path(os.environ.get("POSTUREWATCH_TESTDATA") or SHARED / "testdata")
MODELS = Path(os.environ.get("POSTUREWATCH_MODEL_DIR") or SHARED / "models")
DEVDATA = TESTDATA.parent / "devdata" / "pozz-train"
FPS = 5.0
_SAME_FACE = 0.6  # consecutive upright faces less alike than this: another sitting
_SLACK = 0.25  # how much less alike than upright neighbours a placed frame may be
_SAME_PERSON = 0.85  # sittings whose mean faces are this alike are one person
VERBOSE = "--verbose" in sys.argv
CASES = ("stills", "leaving", "calibration", "people", "view")


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
    return balanced([(b, judge(m, for_still(base, m, s), s, reference=base).state)
                     for m, b in zip(ms, bad)])


class _Replay(FrameSource):
    """Recorded landmarks played as a stream through ``judge_source``: each frame's picture
    is a token the replayed model looks up (the landmarks came from the real model)."""

    def __init__(self, found: Sequence[Landmarks | None], fps: float) -> None:
        self.name, self.interval, self.fps = "replay", 1 / fps, fps
        self.tokens = [np.zeros((1, 1, 3), np.uint8) for _ in found]
        self.total, self.end = len(found), len(found) / fps
        self.by_token = {id(tok): lm for tok, lm in zip(self.tokens, found)}

    def frames(self) -> Iterator[Frame]:
        for i, tok in enumerate(self.tokens):
            yield Frame(i / self.fps, tok)

    def detect(self, rgb: np.ndarray, t: float) -> Landmarks | None:
        return self.by_token[id(rgb)]

    def fresh_look(self, rgb: np.ndarray) -> Landmarks | None:
        """The worst case: a fresh detection sees what the tracker saw."""
        return self.by_token[id(rgb)]


def timeline(good: Sequence[Landmarks | None], bad: Sequence[Landmarks | None],
             base: Baseline | None, s: ClassifierSettings, minutes: float = 7.0,
             skip_s: float = 120.0, spoil: Sequence[Landmarks | None] = (),
             spoil_share: float = 0.0) -> tuple[float, int]:
    """Blocks of upright and poor posture (20-40 s, frames in their recorded order), judged as a stream through
    ``judge_source`` (referee, presence, judgement, settling, as ``analyze``); scored after
    ``skip_s``. ``spoil``: misdetections that replace ``spoil_share`` of the upright frames
    (scored as upright frames: a misdetection must not read as a slouch)."""
    rng = np.random.default_rng(0)
    found: list[Landmarks | None] = []
    labels: list[bool] = []
    block_bad = False
    while len(found) < minutes * 60 * FPS:
        pool = bad if block_bad else good
        # A person holds a posture: the block walks through neighbouring frames (they come
        # in bursts, in filename order) from a random start, each held for 1-3 frames.
        at = int(rng.integers(len(pool)))
        for _ in range(int(rng.uniform(20, 40) * FPS)):
            at = (at + int(rng.random() < 0.5)) % len(pool)
            lm = pool[at]
            if not block_bad and spoil and rng.random() < spoil_share:
                lm = spoil[int(rng.integers(len(spoil)))]
            found.append(lm)
            labels.append(block_bad)
        block_bad = not block_bad
    replay = _Replay(found, FPS)
    results = list(judge_source(replay, replay, base, s))  # type: ignore[arg-type]
    if VERBOSE:
        wrong: dict[str, int] = {}
        for r in results:
            if r.t >= skip_s and (r.state is Posture.SLOUCHED) != labels[round(r.t * FPS)]:
                key = f"{labels[round(r.t * FPS)]}:{r.state.value}:{','.join(r.reasons)}:{r.baseline}"
                wrong[key] = wrong.get(key, 0) + 1
        print("timeline wrong:", sorted(wrong.items(), key=lambda kv: -kv[1])[:8], file=sys.stderr)
    return balanced([(labels[round(r.t * FPS)], r.state) for r in results if r.t >= skip_s])


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


def lower_camera(squash: float, up: float) -> Callable[[np.ndarray], np.ndarray]:
    """The webcam set lower and tilted up (another day, another desk): the picture is
    foreshortened vertically by ``squash`` about the top and the person sits ``up`` of the
    frame height higher (shoulders 0.10 higher for the default case)."""
    def apply(bgr: np.ndarray) -> np.ndarray:
        h, w = bgr.shape[:2]
        warp = np.float32([[1, 0, 0], [0, squash, -up * h + (1 - squash) * 0.75 * h]])
        return cv2.warpAffine(bgr, warp, (w, h), borderMode=cv2.BORDER_REPLICATE)
    return apply


def chin_misdetection(found: Landmarks | None, keep: float = 0.45) -> Landmarks | None:
    """MediaPipe's answer for the top ``keep`` of the frame stretched to the whole frame,
    mapped back into the whole frame: the shoulders are then placed up in the neck, a
    third as wide, at low visibility, as the model does on some near-identical frames."""
    if found is None:
        return None
    points = found.points.copy()
    points[:, 1] *= keep
    return Landmarks(points, found.width, found.height)


def _cut_top(keep: float) -> Callable[[np.ndarray], np.ndarray]:
    def apply(bgr: np.ndarray) -> np.ndarray:
        h, w = bgr.shape[:2]
        return cv2.resize(bgr[: int(h * keep)], (w, h))
    return apply


MOVES = {"crop 0.8, up-left": (0.8, -0.08, -0.08), "crop 0.7, down": (0.7, 0.0, 0.12),
         "crop 0.85, right": (0.85, 0.07, 0.0), "crop 0.75, up": (0.75, 0.0, -0.12)}


def labelled(folder: Path) -> list[tuple[Path, bool]]:
    with open(folder / "labels.csv", newline="") as f:
        return [(folder / r["path"], r["label"] not in ("upright", "recline", "upright_kneeling"))
                for r in csv.DictReader(f)]


def sittings(ms: list[PostureMetrics | None],
             faces: list[np.ndarray | None]) -> list[list[int]]:
    """Split filename-ordered upright frames where the view or the face jumps."""
    groups: list[list[int]] = []
    last: PostureMetrics | None = None
    last_face: np.ndarray | None = None
    for i, (m, face) in enumerate(zip(ms, faces)):
        if m is None or m.shoulder_size is None or face is None:
            continue
        jump = last is None or last_face is None or abs(
            m.shoulder_size / last.shoulder_size - 1) > 0.08 or abs(
            m.shoulder_x - last.shoulder_x) > 0.05 or abs(
            m.shoulder_y - last.shoulder_y) > 0.05 or float(face @ last_face) < _SAME_FACE
        if jump:
            if groups and len(groups[-1]) < 15:
                groups.pop()  # too short to be a sitting: a transition
            groups.append([])
        groups[-1].append(i)
        last, last_face = m, face
    return [g for g in groups if len(g) >= 15]


def face_signature(path: Path, lm: Landmarks | None) -> np.ndarray | None:
    """Who it is: the face cut out level (eye line horizontal), three eye-distances wide,
    24x24 grey, equalised, zero-mean and unit-norm, so a dot product is a similarity."""
    if lm is None:
        return None
    grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    left, right = lm.xy(2), lm.xy(5)
    centre = (lm.xy(0) + left + right) / 3
    eyes = float(np.linalg.norm(left - right))
    if eyes < 2:
        return None
    angle = math.degrees(math.atan2(left[1] - right[1], left[0] - right[0]))
    if left[0] < right[0]:
        angle += 180
    warp = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, 24 / (3 * eyes))
    warp[:, 2] += np.array([12.0, 12.0]) - centre
    face = cv2.equalizeHist(cv2.warpAffine(grey, warp, (24, 24), borderMode=cv2.BORDER_REPLICATE))
    vec = face.astype(np.float32).ravel()
    vec -= vec.mean()
    return vec / (np.linalg.norm(vec) + 1e-6)


# --- A person leaving: the stream through the real pipeline ------------------------------

class _Clip(FrameSource):
    """Frames in memory at a fixed rate, with a little sensor noise (a real camera's)."""

    def __init__(self, frames: Sequence[np.ndarray], fps: float) -> None:
        self.name, self.interval, self._frames, self.fps = "clip", 1 / fps, frames, fps
        self.total, self.end = len(frames), len(frames) / fps

    def frames(self) -> Iterator[Frame]:
        rng = np.random.default_rng(1)
        for i, rgb in enumerate(self._frames):
            noisy = np.clip(rgb + rng.normal(0, 2, rgb.shape), 0, 255).astype(np.uint8)
            yield Frame(i / self.fps, noisy)


def _rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _fill(region: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.ascontiguousarray(cv2.resize(region, size))


def painted_out(frames: Sequence[np.ndarray], found: Sequence[Landmarks | None]) -> np.ndarray:
    """The same room with the person painted out: per pixel the median of the frames in
    which the person (a box about the landmarks) does not cover it, and what no frame
    shows filled in from around it (OpenCV inpainting)."""
    stack = np.array(frames, np.float32)
    covered = np.zeros(stack.shape[:3], bool)
    for k, lm in enumerate(found):
        if lm is None:
            continue
        pts = lm.points[:25, :2]
        ear = float(np.linalg.norm(lm.xy(7) - lm.xy(8)))
        x0, y0 = pts.min(axis=0) - (0.8 * ear, 1.2 * ear)
        x1 = pts[:, 0].max() + 0.8 * ear
        covered[k, max(int(y0), 0):, max(int(x0), 0):max(int(x1), 0)] = True
    masked = np.ma.array(stack, mask=np.repeat(covered[..., None], 3, axis=-1))
    median = np.ma.median(masked, axis=0)
    hole = np.ma.getmaskarray(median).any(axis=-1)
    room = np.asarray(median.filled(0)).astype(np.uint8)
    return cv2.inpaint(room, hole.astype(np.uint8) * 255, 7, cv2.INPAINT_TELEA)


def empty_scenes(frames: Sequence[np.ndarray], found: Sequence[Landmarks | None]
                 ) -> dict[str, np.ndarray]:
    """Scenes with nobody in them, made from real frames: the room with the person painted
    out, the door above the chair (a region of a frame without the person, stretched to
    the frame) and, with devdata, another room's window. Each was checked: the pose model
    finds nobody in it on its own."""
    slouched = frames[-1]
    size = slouched.shape[1], slouched.shape[0]
    scenes = {"the room, the person painted out": painted_out(frames, found),
              "the door above the chair": _fill(slouched[:60], size)}
    window = DEVDATA / "good" / "300.jpg"
    if window.is_file():  # another room: the office window beside a pozz-train person
        scenes["another room's window"] = _fill(_rgb(window)[:140, 168:], size)
    return scenes


def _standing_up(rgb: np.ndarray, k: int, n: int = 5) -> np.ndarray:
    """Standing up: the picture of the person slides up out of the frame over n frames."""
    h = rgb.shape[0]
    dy = int(h * 0.6 * (k + 1) / n)
    out = np.empty_like(rgb)
    out[: h - dy], out[h - dy:] = rgb[dy:], rgb[-1]
    return out


LEAVE_FPS = 5.0  # as analyze samples (the monitor: every 1-5 s)
ENDINGS = ("upright", "slouched", "standing up")


def leaving(model: Path, s: ClassifierSettings, pose: PoseSettings,
            sitting: SittingSettings) -> list[str]:
    """20 s upright, 20 s slouched, a last moment (upright, slouched or standing up),
    80 s of an empty scene, 30 s upright again; no calibration (the self-baseline must not
    learn from the empty scene). Per clip: the share of the empty scene judged away from
    10 s on, whether a break was counted, and the share of the return judged upright from
    5 s on."""
    frontal = labelled(TESTDATA / "frontal-webcam-1")
    up = [_rgb(p) for p, bad in frontal if not bad]
    down = [_rgb(p) for p, bad in frontal if bad]
    lines = []
    n = int(LEAVE_FPS)
    away_shares, back_shares, breaks = [], [], 0
    scenes = empty_scenes(up + down, landmarks([p for p, _ in frontal], model))
    for scene, empty in scenes.items():
        for ending in ENDINGS:
            frames = [up[i % len(up)] for i in range(20 * n)]
            frames += [down[i % len(down)] for i in range(20 * n)]
            if ending == "upright":
                frames += up[:2 * n]
            elif ending == "standing up":
                frames += up[:2 * n] + [_standing_up(up[3], k) for k in range(5)]
            left = len(frames) / LEAVE_FPS
            frames += [empty] * (80 * n)
            back = len(frames) / LEAVE_FPS
            frames += [up[i % len(up)] for i in range(30 * n)]
            tracker = SittingTracker(sitting)
            away, back_up = [], []
            with PoseEstimator(model, pose, video=True) as estimator:
                for r in judge_source(_Clip(frames, LEAVE_FPS), estimator, None, s):
                    tracker.update(r.observation())
                    if left + 10 <= r.t < back:
                        away.append(r.state is Posture.AWAY)
                    elif r.t >= back + 5:
                        back_up.append(r.state is Posture.UPRIGHT)
            share, share_back = sum(away) / len(away), sum(back_up) / len(back_up)
            counted = any(left - 1 <= b.start <= left + 15 for b in tracker.breaks)
            away_shares.append(share)
            back_shares.append(share_back)
            breaks += counted
            lines.append(f"| leaving into {scene}, last {ending}: away from 10 s on / break "
                         f"counted / upright once back | {share:.2f} / "
                         f"{'yes' if counted else 'no'} / {share_back:.2f} | {len(frames)} |")
    lines.append(f"| leaving, all {len(away_shares)} clips: least away share / breaks counted /"
                 f" least upright back | {min(away_shares):.2f} / {breaks} of "
                 f"{len(away_shares)} / {min(back_shares):.2f} | — |")
    return lines


# --- Calibrating on a bad posture, and on misdetected frames ------------------------------

def _calibrates(ms: Sequence[PostureMetrics | None], s: ClassifierSettings) -> str:
    """What ``calibrate`` does with these frames: accepted (from how many), refused or
    failed."""
    try:
        base = build_baseline([m for m in ms if m is not None], 5, seen=len(ms))
    except CalibrationError:
        return "failed"
    check = check_calibration(base, s)
    if check.refused:
        return f"refused ({', '.join(check.refused)})"
    odd = f"; odd: {', '.join(check.odd)}" if check.odd else ""
    return f"accepted ({base.frames} frames used{odd})"


def calibration_guard(model: Path, s: ClassifierSettings) -> list[str]:
    frontal = labelled(TESTDATA / "frontal-webcam-1")
    up_paths = [p for p, b in frontal if not b]
    up = landmarks(up_paths, model)
    forward: list[Landmarks | None] = []  # each frame pushed about its own landmarks
    for path, lm in zip(up_paths, up):
        bgr = cv2.imread(str(path))
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        pushed = cv2.cvtColor(push_head_forward(rgb, lm, 1.35, 0.15), cv2.COLOR_RGB2BGR)
        forward += landmarks([path], model, tag="forward1.35,0.15",
                             transform=lambda _bgr, pushed=pushed: pushed)
    tilted: list[Landmarks | None] = []  # the head rolled 16 degrees about the neck
    for path, lm in zip(up_paths, up):
        rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        rolled = cv2.cvtColor(tilt_head(rgb, lm, 16.0), cv2.COLOR_RGB2BGR)
        tilted += landmarks([path], model, tag="tilt16",
                            transform=lambda _bgr, rolled=rolled: rolled)
    slumped = [p for p, b in frontal if b]
    spoilt = [chin_misdetection(lm) for lm in landmarks(up_paths[:2], model, tag="cut0.45",
                                                         transform=_cut_top(0.45))]
    rows = [("upright, first 10 frames", metrics_of(up[:10]), "accepted"),
            ("head pushed forward and down, 10 frames", metrics_of(forward[:10]), "refused"),
            ("head tilted 16 degrees, 10 frames", metrics_of(tilted[:10]), "refused"),
            # Sunk low against the population: one person's short neck or high camera
            # looks alike, so it is kept, noted ("run" checks it against their upright).
            ("slumped low, head down, 10 frames", metrics_of(landmarks(slumped[:10], model)),
             "accepted"),
            ("5 frames, 2 misdetected (shoulders in the neck)",
             metrics_of(up[2:5] + spoilt), "accepted")]
    lines = []
    for name, ms, want in rows:
        got = _calibrates(ms, s)
        ok = got.startswith(want) and (want != "accepted" or "2 misdetected" not in name
                                       or got.startswith("accepted (3"))
        lines.append(f"| calibrating (frontal): {name} | {got} ({'ok' if ok else 'WRONG'})"
                     f" | {len(ms)} |")
    return lines


# --- A slouch is never a moved camera: the view test on real frames ----------------------

VIEW_FPS = 5.0


def _stale_from(frames: Sequence[np.ndarray], base: Baseline, model: Path,
                s: ClassifierSettings, pose: PoseSettings) -> float | None:
    """When ``analyze`` would first say the calibration's view no longer matches: the
    frames written as an MP4 (as the issue's clip was; the codec's artefacts move the
    landmarks a little) and read back through ``judge_source``."""
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        height, width = frames[0].shape[:2]
        writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), VIEW_FPS,
                                 (width, height))
        for rgb in frames:
            writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        writer.release()
        source = VideoFile(clip, fps=0)
        try:
            with PoseEstimator(model, pose, video=True) as estimator:
                for r in judge_source(source, estimator, base, s):
                    if r.stale:
                        return r.t
        finally:
            source.close()
    return None


def view_test(model: Path, s: ClassifierSettings, pose: PoseSettings) -> list[str]:
    """The issue's clip: 60 s upright, then 180 s slouched, with a fresh calibration (the
    first five upright frames): no "camera moved" notice. Then 60 s upright and the camera
    moved (each of MOVES, and a 20 % shift to the side) for 60 s upright or 30 s slouched
    and 60 s upright: when the notice comes (a shift within the view's tolerance, 0.3
    shoulder widths, may go unnoticed: the calibration still fits it)."""
    frontal = labelled(TESTDATA / "frontal-webcam-1")
    up_paths = [p for p, bad in frontal if not bad]
    up = [_rgb(p) for p in up_paths]
    down = [_rgb(p) for p, bad in frontal if bad]
    base = build_baseline(metrics_of(landmarks(up_paths[:5], model)), 5)
    n = int(VIEW_FPS)
    frames = [up[i % len(up)] for i in range(60 * n)] + [down[i % len(down)] for i in range(180 * n)]
    at = _stale_from(frames, base, model, s, pose)
    lines = [f"| view test: 60 s upright, 180 s slouched, fresh calibration: \"camera "
             f"moved\" notice | {'none' if at is None else f'at {at:.0f} s'} "
             f"({'ok' if at is None else 'WRONG'}) | {len(frames)} |"]
    moves = {name: moved_camera(*move) for name, move in MOVES.items()}
    moves["shift 0.2, right"] = _shifted(0.2)
    for name, move in moves.items():
        def seen(rgb: np.ndarray, move: Callable[[np.ndarray], np.ndarray] = move) -> np.ndarray:
            return cv2.cvtColor(move(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)), cv2.COLOR_BGR2RGB)
        mup, mdown = [seen(f) for f in up], [seen(f) for f in down]
        times = []
        for after in ([mup[i % len(mup)] for i in range(60 * n)],
                      [mdown[i % len(mdown)] for i in range(30 * n)]
                      + [mup[i % len(mup)] for i in range(60 * n)]):
            clip = [up[i % len(up)] for i in range(60 * n)] + after
            at = _stale_from(clip, base, model, s, pose)
            times.append("not noticed" if at is None else f"{at - 60:.0f} s")
        lines.append(f"| view test: 60 s upright, then the camera moved ({name}): \"camera "
                     f"moved\" notice after the move, upright / slouched first | "
                     f"{times[0]} / {times[1]} | {(120 + 90) * n} |")
    return lines


def _shifted(share: float) -> Callable[[np.ndarray], np.ndarray]:
    """The whole picture shifted sideways by ``share`` of its width (edges repeated)."""
    def apply(bgr: np.ndarray) -> np.ndarray:
        h, w = bgr.shape[:2]
        warp = np.float32([[1, 0, share * w], [0, 1, 0]])
        return cv2.warpAffine(bgr, warp, (w, h), borderMode=cv2.BORDER_REPLICATE)
    return apply


def row(name: str, result: tuple[float, int] | None) -> str:
    return f"| {name} | " + ("—" if result is None else f"{result[0]:.3f} | {result[1]}") + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=MODELS / "pose_landmarker_full.task")
    parser.add_argument("--verbose", action="store_true",
                        help="list the wrongly judged pozz-train frames per sitting (stderr)")
    parser.add_argument("--only", choices=CASES, action="append",
                        help="run only these groups of cases (repeatable; default: all)")
    args = parser.parse_args()
    only = set(args.only or CASES)
    config = load_settings()
    s = config.classifier
    lines = ["| set | balanced accuracy | frames |", "|---|---|---|"]
    if "calibration" in only:
        lines += calibration_guard(args.model, s)
    if "leaving" in only:
        lines += leaving(args.model, s, config.pose, config.sitting)
    if "view" in only:
        lines += view_test(args.model, s, config.pose)
    if "people" in only:
        everyone = people(TESTDATA, DEVDATA.parent, args.model)
        lines += person_stills(everyone, s) + person_guard(everyone, s, args.model)
    if "stills" not in only:
        print("\n".join(lines))
        return 0

    frontal = labelled(TESTDATA / "frontal-webcam-1")
    fpaths, fbad = [p for p, _ in frontal], [b for _, b in frontal]
    flms = landmarks(fpaths, args.model)
    fms = metrics_of(flms)
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
    fgood = [flms[i] for i in rest if not fbad[i]]
    fslouch = [flms[i] for i in rest if fbad[i]]
    lines.append(row("frontal webcam, same view, timeline after 2 min",
                     timeline(fgood, fslouch, fbase, s)))
    lines.append(row("frontal webcam, no calibration (self-baseline and priors), timeline "
                     "after 2 min", timeline(fgood, fslouch, None, s)))
    for move, (crop, dx, dy) in MOVES.items():
        moved = landmarks(fpaths, args.model, tag=f"move{crop},{dx},{dy}",
                          transform=moved_camera(crop, dx, dy))
        mgood = [moved[i] for i in rest if not fbad[i]]
        mbad = [moved[i] for i in rest if fbad[i]]
        lines.append(row(f"frontal webcam, new day ({move}), old calibration, after 2 min",
                         timeline(mgood, mbad, fbase, s)))
    low = landmarks(fpaths, args.model, tag="lower0.85,0.10", transform=lower_camera(0.85, 0.10))
    lgood = [low[i] for i in rest if not fbad[i]]
    lbad = [low[i] for i in rest if fbad[i]]
    shift = np.median([lm.xy(11)[1] + lm.xy(12)[1] for lm in lgood]) / 2 / 224 - np.median(
        [flms[i].xy(11)[1] + flms[i].xy(12)[1] for i in rest if not fbad[i]]) / 2 / 224
    lines.append(row(f"frontal webcam, new day (camera lower, tilted up: shoulders "
                     f"{-shift:.2f} of the frame higher), old calibration, after 2 min",
                     timeline(lgood, lbad, fbase, s)))
    lines.append(row("frontal webcam, new day (camera lower, tilted up), no calibration, "
                     "after 2 min", timeline(lgood, lbad, None, s)))
    # Misdetections: near-identical frames where the model puts the shoulders far off.
    spoilt_all = [chin_misdetection(lm) for lm in landmarks(
        fpaths, args.model, tag="cut0.45", transform=_cut_top(0.45))]
    frontal = [(lm, b) for lm, b in zip(spoilt_all, fbad) if lm is not None]
    spoilt = [lm for lm, b in frontal if not b]
    wrong = [judge(m, for_still(fbase, m, s), s, reference=fbase).state
             for m in metrics_of(spoilt)]
    lines.append(f"| frontal webcam, misdetected upright stills (shoulders placed in the neck)"
                 f", calibrated: share judged slouched | {wrong.count(Posture.SLOUCHED) / len(wrong):.2f}"
                 f" | {len(wrong)} |")
    lines.append(row("frontal webcam, calibrated, timeline with 15 % of the upright frames "
                     "misdetected, after 2 min",
                     timeline(fgood, fslouch, fbase, s, spoil=spoilt, spoil_share=0.15)))

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
    faces = [face_signature(p, lm) for p, lm in zip(paths, found)]
    groups = [[good_idx[j] for j in g] for g in sittings([ms[i] for i in good_idx],
                                                           [faces[i] for i in good_idx])]
    sitting_of = {i: k for k, g in enumerate(groups) for i in g if faces[i] is not None}
    known = np.array([faces[i] for i in sitting_of])
    known_sitting = np.array(list(sitting_of.values()))
    # A poor-posture frame belongs to the sitting most of its 9 most alike upright faces
    # come from, if it is about as alike as upright frames of one sitting are to each
    # other (else it is someone with no upright frames, left out).
    floor = float(np.percentile([np.sort(known @ known[j])[-2] for j in range(len(known))], 5))
    owner: dict[int, int] = {}
    for i, b in enumerate(bad):
        if b and faces[i] is not None:
            similar = known @ faces[i]
            top = np.argsort(-similar)[:9]
            if similar[top[0]] >= floor - _SLACK:
                owner[i] = int(np.bincount(known_sitting[top]).argmax())
    # Sittings of one person: their upright faces are nearest to each other's.
    centres = np.array([np.mean([faces[i] for i in g if faces[i] is not None], axis=0)
                        for g in groups])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    alike = centres @ centres.T
    pairs_cal: list[tuple[bool, Posture]] = []
    pairs_day: list[tuple[float, int]] = []
    pairs_none: list[tuple[float, int]] = []
    pairs_own: list[tuple[float, int]] = []
    for k, g in enumerate(groups):
        base = build_baseline([ms[i] for i in g[:5] if ms[i] is not None], 5)
        mine = g[5:] + [i for i, o in owner.items() if o == k]
        judged = [(i, judge(ms[i], for_still(base, ms[i], s), s, reference=base)) for i in mine]
        pairs_cal += [(bad[i], j.state) for i, j in judged]
        if VERBOSE:
            wrong = [(paths[i].parent.name, paths[i].stem, j.state.value, j.reasons, round(j.score or 0, 2)) for i, j in judged if (j.state is Posture.SLOUCHED) != bad[i]]
            print(k, len(mine), len(wrong), wrong[:40], file=sys.stderr)
        bad_ms = [found[i] for i, o in owner.items() if o == k]
        # The same person's other sitting (the most alike other centre, if alike enough):
        # their calibration from another day and camera position.
        others = [j for j in np.argsort(-alike[k]) if j != k and alike[k, j] >= _SAME_PERSON]
        if len(bad_ms) >= 10:
            pairs_none.append(timeline([found[i] for i in g[5:]], bad_ms, None, s))
            pairs_own.append(timeline([found[i] for i in g[5:]], bad_ms, base, s))
        if len(bad_ms) >= 10 and others:
            other_base = build_baseline([ms[i] for i in groups[others[0]][:5]], 5)
            pairs_day.append(timeline([found[i] for i in g[5:]], bad_ms, other_base, s))
    lines.append(row(f"pozz-train, calibrated per sitting ({len(groups)} sittings, first 5 "
                     f"upright each; {len(owner)} of {sum(bad)} poor-posture frames placed)",
                     balanced(pairs_cal)))
    if VERBOSE:
        print("sitting face similarity:\n" + np.array2string(alike, precision=2), file=sys.stderr)
    # Leave one person out: the population priors from the other people's sittings only
    # (median of their per-sitting medians), then that person's frames, uncalibrated.
    person = list(range(len(groups)))
    for a in range(len(groups)):
        for b in range(len(groups)):
            if alike[a, b] >= _SAME_PERSON:
                person[b] = person[a] = min(person[a], person[b])
    pairs_lopo: list[tuple[bool, Posture]] = []
    for who in sorted(set(person)):
        rest = [g for k, g in enumerate(groups) if person[k] != who]
        priors = {name: float(np.median([np.median([getattr(ms[i], name) for i in g])
                                          for g in rest]))
                  for name in ("head_height", "face_scale", "head_pitch")}
        held = dataclasses.replace(s, population_head_height=priors["head_height"],
                                   population_face_scale=priors["face_scale"],
                                   population_head_pitch=priors["head_pitch"])
        mine = [i for k, g in enumerate(groups) if person[k] == who for i in g] + [
            i for i, o in owner.items() if person[o] == who]
        pairs_lopo += [(bad[i], judge(ms[i], None, held).state) for i in mine]
    lines.append(row(f"pozz-train, uncalibrated, priors from the other people "
                     f"({len(set(person))} people, leave one out)", balanced(pairs_lopo)))
    if pairs_none:
        mean = sum(a for a, _ in pairs_none) / len(pairs_none)
        lines.append(row(f"pozz-train, no calibration (self-baseline and priors), timeline "
                         f"after 2 min (mean of {len(pairs_none)} sittings)",
                         (mean, sum(n for _, n in pairs_none))))
    if pairs_own:
        lines.append(row(f"pozz-train, calibrated per sitting (first 5 upright), timeline after "
                         f"2 min: the worst of {len(pairs_own)} sittings",
                         (min(a for a, _ in pairs_own), sum(n for _, n in pairs_own))))
    if pairs_day:
        mean = sum(a for a, _ in pairs_day) / len(pairs_day)
        lines.append(row(f"pozz-train, another sitting's calibration, timeline after 2 min "
                         f"(mean of {len(pairs_day)} sittings)",
                         (mean, sum(n for _, n in pairs_day))))
    return lines


if __name__ == "__main__":
    sys.exit(main())
