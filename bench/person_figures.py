"""Per-person figures, each person judged with priors from the others only (leave one
person out): uncalibrated stills, and the calibration guard on 8-frame windows of their
upright and their poor-posture frames, also with the upright frames edited into other
conditions (shoulders cut by the frame's edge, a 1080p frame with the person off-centre,
a dim room).

The priors for a held-out person are the median of the other people's upright medians.
Only people whose whole face is in the picture seen from the front make priors: the
side-bends clip's face is cut at the eyes by the frame's top edge (MediaPipe guesses the
eyes there), and side views have no front-view proportions.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from landmark_cache import Picture, cached_edits
from people import Person

from posturewatch.core.baseline import CalibrationError, build_baseline
from posturewatch.core.judgement import ClassifierSettings, check_calibration, judge
from posturewatch.core.landmarks import Landmarks
from posturewatch.core.metrics import PostureMetrics, compute_metrics
from posturewatch.core.observation import Posture

from frame_edits import cut_below_shoulders, dimmed, in_hd_frame

WINDOW = 8  # frames: what a calibration is made of in the judging
NOT_PRIORS = {"side-bends man": "face cut at the eyes"}
PRIOR_FIELDS = ("head_height", "face_scale", "head_pitch")
# Upright frames under other conditions: (name, edit of the BGR frame given its landmarks).
Edit = Callable[[np.ndarray, Landmarks], np.ndarray]
CONDITIONS: dict[str, Edit] = {
    "shoulders cut by the bottom edge": lambda bgr, lm: cut_below_shoulders(bgr, lm, 0.05),
    "shoulders out of the frame": lambda bgr, lm: cut_below_shoulders(bgr, lm, -0.04),
    "1080p, off-centre": lambda bgr, lm: in_hd_frame(bgr, left=False),
    "1080p, off-centre, shoulders out": lambda bgr, lm: in_hd_frame(
        cut_below_shoulders(bgr, lm, -0.04), left=True),
    "dim room": lambda bgr, lm: dimmed(bgr),
}


def metrics(found: Sequence[Landmarks | None]) -> list[PostureMetrics | None]:
    return [compute_metrics(lm) if lm is not None else None for lm in found]


def upright_medians(person: Person, s: ClassifierSettings) -> dict[str, float] | None:
    """The person's upright front-view medians, if they can make priors."""
    if person.name in NOT_PRIORS:
        return None
    ms = [m for m, bad in zip(metrics(person.found), person.bad) if m is not None and not bad
          and m.view == "front" and m.visibility >= s.min_visibility]
    if len(ms) < 5:
        return None
    return {k: statistics.median(getattr(m, k) for m in ms) for k in PRIOR_FIELDS}


def held_out(s: ClassifierSettings, medians: dict[str, dict[str, float] | None],
             name: str) -> ClassifierSettings:
    """The settings with population priors from everyone but ``name``."""
    others = [v for k, v in medians.items() if v is not None and k != name]
    prior = {k: float(np.median([o[k] for o in others])) for k in PRIOR_FIELDS}
    return dataclasses.replace(s, population_head_height=prior["head_height"],
                               population_face_scale=prior["face_scale"],
                               population_head_pitch=prior["head_pitch"])


def _share(hits: int, n: int) -> str:
    return f"{hits / n:.2f}" if n else "—"


def stills(people: Sequence[Person], s: ClassifierSettings) -> list[str]:
    """Balanced accuracy per person (unknown and away count as wrong); a person with one
    kind of frame only gets that kind's recall. Where some frames are refused (unknown),
    also how many, and the balanced accuracy of the frames judged."""
    medians = {p.name: upright_medians(p, s) for p in people}
    lines = []
    for p in people:
        held = held_out(s, medians, p.name)
        states = [judge(m, None, held).state for m in metrics(p.found)]
        unknown = states.count(Posture.UNKNOWN)
        judged = "" if not unknown else (
            f"; unknown {unknown}, of the judged "
            f"{_balanced([(st, b) for st, b in zip(states, p.bad) if st is not Posture.UNKNOWN])}")
        good, poor = _recalls(list(zip(states, p.bad)))
        lines.append(f"| uncalibrated stills, priors from the others: {p.name} ({p.where}) | "
                     f"{_balanced(list(zip(states, p.bad)))} (upright "
                     f"{_share(sum(good), len(good))}, poor posture "
                     f"{_share(sum(poor), len(poor))}{judged}) | {len(states)} |")
    return lines


def _recalls(pairs: Sequence[tuple[Posture, bool]]) -> tuple[list[bool], list[bool]]:
    return ([st is Posture.UPRIGHT for st, bad in pairs if not bad],
            [st is Posture.SLOUCHED for st, bad in pairs if bad])


def _balanced(pairs: Sequence[tuple[Posture, bool]]) -> str:
    parts = [sum(x) / len(x) for x in _recalls(pairs) if x]
    return f"{sum(parts) / len(parts):.3f}" if parts else "—"


def _windows(ms: Sequence[PostureMetrics | None]) -> list[list[PostureMetrics | None]]:
    return [list(ms[a:a + WINDOW]) for a in range(0, len(ms) - WINDOW + 1, WINDOW)]


def guarded(window: Sequence[PostureMetrics | None], s: ClassifierSettings) -> str | None:
    """What ``calibrate`` does with the window: "refused", "accepted", or None when no
    baseline could be made (too few frames with a person)."""
    try:
        base = build_baseline([m for m in window if m is not None], 5, seen=len(window))
    except CalibrationError:
        return None
    return "refused" if check_calibration(base, s).refused else "accepted"


def guard(people: Sequence[Person], s: ClassifierSettings, model: Path) -> list[str]:
    """Per person: their upright 8-frame windows refused, their poor-posture windows
    refused; then the upright windows under other conditions; then the totals."""
    medians = {p.name: upright_medians(p, s) for p in people}
    lines, totals = [], {False: [0, 0], True: [0, 0]}
    edited: dict[str, list[int]] = {name: [0, 0] for name in CONDITIONS}
    for p in people:
        held = held_out(s, medians, p.name)
        ms = metrics(p.found)
        counts = []
        for bad in (False, True):
            got = [guarded(w, held) for w in _windows([ms[i] for i in p.frames(bad)])]
            made = [g for g in got if g is not None]
            refused = made.count("refused")
            totals[bad][0] += refused
            totals[bad][1] += len(made)
            counts.append(f"{refused}/{len(made)}" if made else "—")
        lines.append(f"| calibration guard, {WINDOW}-frame windows, priors from the others: "
                     f"{p.name}: upright refused / poor posture refused | {counts[0]} / "
                     f"{counts[1]} | {len(p.found)} |")
        if medians[p.name] is None:  # the edits need a clean front view
            continue
        for name, edit in CONDITIONS.items():
            got = [guarded(w, held) for w in _windows(metrics(edited_frames(p, edit, name, model)))]
            made = [g for g in got if g is not None]
            edited[name][0] += made.count("refused")
            edited[name][1] += len(made)
    for name, (refused, n) in edited.items():
        lines.append(f"| calibration guard, upright windows, {name} (every person above with "
                     f"a clean front view) : refused | {refused}/{n} | — |")
    (up, n_up), (poor, n_poor) = totals[False], totals[True]
    lines.append(f"| calibration guard, all people: upright windows refused / poor-posture "
                 f"windows refused | {_share(up, n_up)} ({up}/{n_up}) / "
                 f"{_share(poor, n_poor)} ({poor}/{n_poor}) | — |")
    return lines


def edited_frames(p: Person, edit: Edit, name: str, model: Path) -> list[Landmarks | None]:
    """The model's landmarks for the person's upright frames edited by ``edit``."""
    items: list[tuple[str, Picture]] = []
    for i in p.frames(False):
        lm = p.found[i]
        if lm is not None:
            items.append((f"{p.name}|{i}|{name}",
                          lambda picture=p.pictures[i], lm=lm: edit(picture(), lm)))
    return cached_edits(items, model)
