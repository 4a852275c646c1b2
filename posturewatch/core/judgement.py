"""From metrics to a posture state and the reasons for it, against a baseline.

Each deviation from the upright baseline is scored in units of its own threshold (1.0 =
exactly at it); a frame is slouched when any reaches 1 and its ``reasons`` name those that
do. The geometry is documented in docs/ARCHITECTURE.md ("How posture is judged"). Streams
then pass through ``core.settling.Settler``. Nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from posturewatch.core.baseline import DEFAULT_PRIORS, POPULATION, Baseline, population
from posturewatch.core.metrics import PostureMetrics
from posturewatch.core.observation import Posture

# Reason names, as they appear in JSON and reach the reminder rules.
SUNK = "sunk"
HEAD_FORWARD = "head_forward"
HEAD_DOWN = "head_down"
LEANING_IN = "leaning_in"
LEANING_LEFT, LEANING_RIGHT = "leaning_left", "leaning_right"
HEAD_TILTED_LEFT, HEAD_TILTED_RIGHT = "head_tilted_left", "head_tilted_right"
HEAD_BACK = "head_back"  # chin up: the calibration guard's, never a frame's reason
SHOULDERS_UNSEEN = "shoulders_unseen"  # the calibration guard's note
# What each reason tells the person, for reminders and summaries.
REASON_TEXT = {
    SUNK: "you have sunk down in your chair",
    HEAD_FORWARD: "your head is pushed forward",
    HEAD_DOWN: "your head is down",
    LEANING_IN: "you are leaning in close to the screen",
    LEANING_LEFT: "you are leaning to the left",
    LEANING_RIGHT: "you are leaning to the right",
    HEAD_TILTED_LEFT: "your head is tilted to the left",
    HEAD_TILTED_RIGHT: "your head is tilted to the right",
    HEAD_BACK: "your head is tilted back (chin up)",
    SHOULDERS_UNSEEN: "your shoulders were not clearly in view",
}
_PRIOR_MIN_GROWTH = 0.12
# A head under half its baseline size is twice as far from the camera as when the baseline
# was made: nobody sits that far back at a desk; it is a stray detection (a covered lens).
_FARTHEST = 0.5
# Upright shoulders are about 2.6 head widths (face_scale 0.38); under 1.2 (face scale over
# 0.83, twice any upright person's on the pozz-train and frontal frames) is a misdetection:
# MediaPipe put the shoulders somewhere in the neck.
_NARROWEST = 1.2
# Shoulders risen this many calibrated shoulder widths more than the face: a shrug lifts
# them about a fifth of that; a misdetection in the neck, more than half.
_RAISED = 0.4


@dataclass(frozen=True, slots=True)
class ClassifierSettings:
    """The [classifier] section; defaults equal config/default.toml's, which documents them."""

    min_visibility: float
    head_drop: float
    forward_weight: float
    neck_forward_deg: float
    torso_forward_deg: float
    release_ratio: float
    settle_s: float
    head_down: float = 0.1
    leaning_in: float = 0.3
    sunk_in_frame: float = 0.75
    lean_sideways_deg: float = 8.0
    head_tilt_deg: float = 8.0
    population_head_height: float = 0.64
    population_face_scale: float = 0.38
    population_head_pitch: float = 0.1
    population_max_head_size: float = 0.4
    population_max_face_y: float = 0.62
    view_shift: float = 0.3
    view_scale: float = 0.15
    view_window_s: float = 30.0
    self_window_s: float = 300.0
    self_stretch_s: float = 10.0
    hidden_similarity: float = 0.5
    hidden_hold_s: float = 8.0
    recheck_s: float = 10.0

    def priors(self) -> dict[str, float]:
        return {"head_height": self.population_head_height,
                "face_scale": self.population_face_scale,
                "head_pitch": self.population_head_pitch}


_HEAD = "your head is "


def describe(reasons: tuple[str, ...]) -> str:
    """'your head is tilted to the left and you are leaning in close to the screen'; what
    the head does is said once ('your head is down and tilted to the right')."""
    texts: list[str] = []
    head: list[str] = []  # what the head does, said together where the first one stood
    for text in (REASON_TEXT.get(r, r) for r in reasons):
        if text.startswith(_HEAD):
            if not head:
                texts.append(_HEAD)
            head.append(text.removeprefix(_HEAD))
        else:
            texts.append(text)
    texts = [_HEAD + _and(head) if t == _HEAD else t for t in texts]
    return _and(texts)


def _and(parts: list[str]) -> str:
    """'a, b and c'; 'a and b, and c' when a part has its own 'and'."""
    if len(parts) < 2:
        return "".join(parts)
    last = ", and " if any(" and " in p for p in parts) else " and "
    return ", ".join(parts[:-1]) + last + parts[-1]


def baseline_for_view(
    metrics: PostureMetrics, baseline: Baseline | None, s: ClassifierSettings | None = None
) -> Baseline:
    """The baseline to compare with: the given one if it was recorded in the same view
    (a version 1 file, which lacks the head angles, takes them from the prior), else the
    population prior for the frame's view."""
    if baseline is not None and baseline.view == metrics.view:
        if metrics.view == "front" and baseline.head_pitch is None:  # a version 1 file
            prior = population(s.priors() if s else DEFAULT_PRIORS, "front")
            return replace(baseline, head_pitch=prior.head_pitch,
                           head_roll_deg=prior.head_roll_deg, body_lean_deg=prior.body_lean_deg)
        return baseline
    if s is None:
        return POPULATION[metrics.view]
    return population(s.priors(), metrics.view)


def _side(value: float, left: str, right: str) -> str:
    return left if value >= 0 else right


def deviations(
    m: PostureMetrics, base: Baseline, s: ClassifierSettings, *, head_only: bool = False
) -> dict[str, float]:
    """Every deviation that can be measured, in units of its threshold (>= 1: too far).
    Directional ones are named by side (the person's left or right). ``head_only``: the
    shoulders are not reliably seen, so only what the head shows on its own counts (head
    down, tilt, size and height in the frame)."""
    out: dict[str, float] = {}
    if m.view == "side":
        if m.neck_forward_deg is not None and base.neck_forward_deg is not None:
            out[HEAD_FORWARD] = (m.neck_forward_deg - base.neck_forward_deg) / s.neck_forward_deg
        if m.torso_forward_deg is not None and base.torso_forward_deg is not None:
            out[LEANING_IN] = (m.torso_forward_deg - base.torso_forward_deg) / s.torso_forward_deg
        return out
    drop = 0.0
    if not head_only and m.head_height is not None and base.head_height:
        drop = 1.0 - m.head_height / base.head_height
        out[SUNK] = drop / s.head_drop
    if not head_only and m.face_scale is not None and base.face_scale:
        growth = m.face_scale / base.face_scale - 1.0
        # Against the population prior only growth beyond the spread between people
        # (per-person upright face scales lie within 12 % of the prior) counts.
        if not base.calibrated and not base.head_size:
            growth -= _PRIOR_MIN_GROWTH
        # Named only when the growth itself carries weight (at least half a threshold):
        # a head sunk low with a face a few percent bigger is `sunk`, not forward.
        if s.forward_weight * growth >= 0.5 * s.head_drop:
            out[HEAD_FORWARD] = (drop + s.forward_weight * growth) / s.head_drop
    if base.head_pitch is not None:
        out[HEAD_DOWN] = (m.head_pitch - base.head_pitch) / s.head_down
    if m.head_roll_deg is not None and base.head_roll_deg is not None:
        roll = m.head_roll_deg - base.head_roll_deg
        out[_side(roll, HEAD_TILTED_LEFT, HEAD_TILTED_RIGHT)] = abs(roll) / s.head_tilt_deg
    if not head_only and m.body_lean_deg is not None and base.body_lean_deg is not None:
        lean = m.body_lean_deg - base.body_lean_deg
        out[_side(lean, LEANING_LEFT, LEANING_RIGHT)] = abs(lean) / s.lean_sideways_deg
    # The view-dependent ones: nearer the camera, or sunk low in the frame. Low in the
    # frame is a slump only while the face is not far higher above the shoulders than
    # upright (by more than one `head_drop`): that is no slump, but a stray pose.
    low_counts = drop >= -s.head_drop
    if base.head_size:
        out[LEANING_IN] = (m.head_size / base.head_size - 1.0) / s.leaning_in
        if low_counts and base.face_y is not None and m.face_y is not None and m.resolution:
            width, height = m.resolution
            lower = (m.face_y - base.face_y) * height / (base.head_size * width)
            out[SUNK] = max(out.get(SUNK, 0.0), lower / s.sunk_in_frame)
    else:  # no view to compare with (population, or a calibration from another view)
        out[LEANING_IN] = m.head_size / s.population_max_head_size
        if low_counts and m.face_y is not None:
            out[SUNK] = max(out.get(SUNK, 0.0), m.face_y / s.population_max_face_y)
    return out


# --- The calibration guard ----------------------------------------------------------------
# A calibration's medians are judged against the population priors. Only what is clearly
# not upright is refused: people and camera placements differ, and `run` checks a
# calibration against the person's own most upright stretch later (PostureWatch). What is
# odd but not clear is accepted with a note. Upright 8-frame windows of the labelled people
# reach at most 0.9 thresholds (docs/ACCURACY.md has the figures per person).
GUARD = 1.25  # thresholds that each of two deviations that agree must reach to refuse
# Clear on its own: a head tilted sideways (upright heads are level within 5 degrees
# whatever the camera; 10 degrees is plainly tilted, and a tilted calibration makes a level
# head read as tilted the other way); the trunk's sideways lean a little beyond that; the
# proportions and the head's pitch depend on the person and the camera's height, so only
# twice the threshold is clear.
_CLEAR = {HEAD_TILTED_LEFT: GUARD, HEAD_TILTED_RIGHT: GUARD, LEANING_LEFT: 1.5,
          LEANING_RIGHT: 1.5, LEANING_IN: 1.5, SUNK: 2.0, HEAD_FORWARD: 2.0, HEAD_DOWN: 2.0,
          HEAD_BACK: 2.0}
# Two that agree are one posture, each at GUARD: a slump (sunk with the head down or
# forward), or the whole upper body leaning to one side (the head tilted the same way).
_AGREE = ((SUNK, HEAD_DOWN), (SUNK, HEAD_FORWARD), (HEAD_FORWARD, HEAD_DOWN),
          (LEANING_LEFT, HEAD_TILTED_LEFT), (LEANING_RIGHT, HEAD_TILTED_RIGHT))


class CalibrationCheck(NamedTuple):
    refused: tuple[str, ...]  # clearly not upright (reason names, worst first)
    odd: tuple[str, ...]  # accepted, but unlike most upright people (worst first)


def guard_deviations(b: Baseline, s: ClassifierSettings) -> dict[str, float]:
    """A baseline's medians against the population priors, in thresholds (front view:
    also the head tilted back; side view: neck and trunk). With the shoulders not clearly
    seen (cut by the frame's edge, in the dark) nothing that needs them counts: the face's
    height in the frame stands for sinking."""
    if b.view == "side":
        if b.neck_forward_deg is None:
            return {}
        probe = PostureMetrics(view="side", visibility=1.0, head_size=0.0,
                               head_pitch=b.head_pitch or 0.0, shoulder_tilt_deg=0.0,
                               head_tilt_deg=0.0, neck_forward_deg=b.neck_forward_deg,
                               torso_forward_deg=b.torso_forward_deg)
        return deviations(probe, POPULATION["side"], s)
    if b.head_height is None:
        return {}
    shoulders = b.visibility is None or b.visibility >= s.min_visibility
    probe = PostureMetrics(view="front", visibility=1.0, head_size=b.head_size or 0.0,
                           head_pitch=b.head_pitch if b.head_pitch is not None else 0.0,
                           shoulder_tilt_deg=0.0, head_tilt_deg=0.0, head_height=b.head_height,
                           face_scale=b.face_scale, head_roll_deg=b.head_roll_deg,
                           body_lean_deg=b.body_lean_deg, face_y=b.face_y)
    prior = population(s.priors(), "front")
    found = deviations(probe, prior, s, head_only=not shoulders)
    if b.head_pitch is not None and prior.head_pitch is not None:
        found[HEAD_BACK] = (prior.head_pitch - b.head_pitch) / s.head_down
    return found


def check_calibration(b: Baseline, s: ClassifierSettings) -> CalibrationCheck:
    """Whether a calibration looks like somebody sitting upright: what is clearly not
    (refused), and what is odd but may be the person or the camera (accepted, noted)."""
    found = guard_deviations(b, s)
    worst = sorted(found, key=lambda k: -found[k])
    refused = {k for k in worst if k in _CLEAR and found[k] >= _CLEAR[k]}
    if b.view == "side":  # neck and trunk angles: clear at two thresholds
        refused = {k for k in worst if found[k] >= 2.0}
    for pair in _AGREE:
        if all(found.get(k, 0.0) >= GUARD for k in pair):
            refused.update(pair)
    odd = [k for k in worst if found[k] >= 1.0 and k not in refused]
    if b.view == "front" and b.visibility is not None and b.visibility < s.min_visibility:
        odd.append(SHOULDERS_UNSEEN)
    return CalibrationCheck(tuple(k for k in worst if k in refused), tuple(odd))


def not_upright(b: Baseline, s: ClassifierSettings) -> tuple[str, ...]:
    """What makes a calibration clearly unlike anybody sitting upright (reason names,
    worst first); empty when it may be upright. ``check_calibration`` also says what
    looked odd."""
    return check_calibration(b, s).refused


def slouch_score(m: PostureMetrics, base: Baseline, s: ClassifierSettings) -> float:
    """How far from upright, in units of the configured thresholds (>= 1 is a slouch)."""
    return max(deviations(m, base, s).values(), default=0.0)


def closeness(m: PostureMetrics, baseline: Baseline | None) -> float | None:
    """Head size against the calibrated one: above 1 means nearer the screen than usual."""
    if baseline is None or baseline.view != m.view or not baseline.head_size:
        return None
    return m.head_size / baseline.head_size


class Judgement(NamedTuple):
    state: Posture
    score: float | None = None  # None when the frame could not be scored
    calibrated: bool | None = None  # scored against the user's baseline, not the population's
    reasons: tuple[str, ...] = ()  # the deviations at or over their threshold, worst first


def shoulders_misplaced(m: PostureMetrics, reference: Baseline | None = None) -> bool:
    """Shoulders no seated person's can be, seen from the front: the face at or below the
    shoulder line, shoulders under ``_NARROWEST`` head widths, or (against a calibration
    of the same view) shoulders risen toward a face that stayed put: sinking lowers the
    face with the shoulders, a misdetection puts the shoulders up in the neck."""
    if m.view != "front":
        return False
    if m.head_height is not None and m.head_height <= 0:
        return True
    if m.face_scale is not None and m.face_scale * _NARROWEST > 1.0:
        return True
    ref = reference
    if (ref is None or not ref.has_view or ref.face_y is None or ref.shoulder_y is None
            or m.shoulder_y is None or m.face_y is None or not m.resolution
            or (ref.resolution and tuple(ref.resolution) != tuple(m.resolution))):
        return False
    width, height = m.resolution
    unit = (ref.shoulder_size or 1e-6) * width / height  # a calibrated shoulder width
    rise = (ref.shoulder_y - m.shoulder_y) / unit
    face_rise = (ref.face_y - m.face_y) / unit
    return rise - face_rise > _RAISED


def _cut_head(m: PostureMetrics, base: Baseline, s: ClassifierSettings,
              limit: float) -> Judgement:
    """A head cut by the frame's top edge, judged against the population priors: where
    the face sits (its height, tilt and pitch) is the model's guess, and the priors, made
    of whole faces, cannot tell a guess from a slouch, so the frame is ``unknown``; only a
    head so big that it overflows the picture is plainly too near the screen."""
    near = deviations(m, base, s, head_only=True).get(LEANING_IN, 0.0)
    if near >= limit:
        return Judgement(Posture.SLOUCHED, near, base.calibrated, (LEANING_IN,))
    return Judgement(Posture.UNKNOWN)


def judge(
    m: PostureMetrics | None,
    baseline: Baseline | None,
    s: ClassifierSettings,
    *,
    was_slouched: bool = False,
    reference: Baseline | None = None,
    standing: bool = False,
) -> Judgement:
    """One frame's state, score and reasons. Once slouched, the score must fall below
    ``release_ratio`` to count as upright again (hysteresis). A face upside down below the
    shoulders is nobody sitting but a stray detection (a covered lens): ``away``.

    With the face visible but the shoulders not (out of frame at the bottom, leaning in
    close), or where no seated person's shoulders can be (``shoulders_misplaced``, against
    ``reference``, the calibration with its view, or else the baseline), the head alone is
    judged: whatever it shows on its own counts, the shoulders never make a slouch.

    Against the population priors alone, a head cut by the frame's top edge
    (``PostureMetrics.face_cut``) is ``unknown`` unless plainly too near: refusing beats
    guessing from a face the model made up. Against a baseline of the person's own frames
    (a calibration, or one learned from the stream) it is judged as before: a head cut
    just at the eyes is mostly placed right (a camera moved down, the eyes at the edge),
    but a face wholly guessed can still read as a slump (docs/ACCURACY.md).

    ``standing`` (``core/stance.py``): the person is on their feet, which the seated
    posture judgement does not apply to: never slouched."""
    if m is None:
        return Judgement(Posture.AWAY)
    if standing:
        return Judgement(Posture.STANDING)
    if m.face_visibility < s.min_visibility:
        return Judgement(Posture.UNKNOWN)
    if (m.view == "front" and m.inverted and m.visibility >= s.min_visibility
            and m.head_height is not None and m.head_height <= 0):
        return Judgement(Posture.AWAY)  # upside down under clear shoulders: a stray pose
    head_only = m.visibility < s.min_visibility or shoulders_misplaced(
        m, reference if reference is not None else baseline)
    if head_only and m.view != "front":
        return Judgement(Posture.UNKNOWN)
    base = baseline_for_view(m, baseline, s)
    if base.head_size and m.head_size < _FARTHEST * base.head_size:
        return Judgement(Posture.UNKNOWN)  # twice as far as the baseline: not at the desk
    limit = s.release_ratio if was_slouched else 1.0
    if m.face_cut and (baseline is None or baseline.view != m.view):
        return _cut_head(m, base, s, limit)  # against the priors alone
    scores = deviations(m, base, s, head_only=head_only)
    score = max(scores.values(), default=0.0)
    if score >= limit:
        reasons = tuple(sorted((k for k, v in scores.items() if v >= limit),
                               key=lambda k: -scores[k]))
        return Judgement(Posture.SLOUCHED, score, base.calibrated, reasons)
    return Judgement(Posture.UPRIGHT, score, base.calibrated)
