"""From metrics to a posture state, against the user's baseline.

``judge`` scores one frame: 1.0 means exactly at the slouch threshold. Streams then pass
through ``core.settling.Settler``. Nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from posturewatch.core.baseline import POPULATION, Baseline
from posturewatch.core.metrics import PostureMetrics
from posturewatch.core.observation import Posture


@dataclass(frozen=True, slots=True)
class ClassifierSettings:
    min_visibility: float
    head_drop: float
    forward_weight: float
    neck_forward_deg: float
    torso_forward_deg: float
    release_ratio: float
    settle_s: float


def baseline_for_view(metrics: PostureMetrics, baseline: Baseline | None) -> Baseline:
    """The baseline to compare with: the user's if it was recorded in the same view."""
    if baseline is not None and baseline.view == metrics.view:
        return baseline
    return POPULATION[metrics.view]


def slouch_score(m: PostureMetrics, base: Baseline, s: ClassifierSettings) -> float:
    """How far from upright, in units of the configured threshold (>= 1 is a slouch)."""
    if m.view == "front" and m.head_height is not None and base.head_height:
        drop = 1.0 - m.head_height / base.head_height
        growth = 0.0
        if m.face_scale is not None and base.face_scale:
            growth = max(0.0, m.face_scale / base.face_scale - 1.0)
        return (drop + s.forward_weight * growth) / s.head_drop
    scores = []
    if m.neck_forward_deg is not None and base.neck_forward_deg is not None:
        scores.append((m.neck_forward_deg - base.neck_forward_deg) / s.neck_forward_deg)
    if m.torso_forward_deg is not None and base.torso_forward_deg is not None:
        scores.append((m.torso_forward_deg - base.torso_forward_deg) / s.torso_forward_deg)
    return max(scores, default=0.0)


def closeness(m: PostureMetrics, baseline: Baseline | None) -> float | None:
    """Head size against the calibrated one: above 1 means nearer the screen than usual."""
    if baseline is None or baseline.view != m.view or not baseline.head_size:
        return None
    return m.head_size / baseline.head_size


class Judgement(NamedTuple):
    state: Posture
    score: float | None = None  # None when the frame could not be scored
    calibrated: bool | None = None  # scored against the user's baseline, not the population's


def judge(
    m: PostureMetrics | None,
    baseline: Baseline | None,
    s: ClassifierSettings,
    *,
    was_slouched: bool = False,
) -> Judgement:
    """One frame's state and score. Once slouched, the score must fall below
    ``release_ratio`` to count as upright again (hysteresis). A front view with the face
    at or below the shoulder line is not a sitting person but a stray detection: nobody
    is sitting there, so it is ``away`` (the sitting tracker counts ``unknown`` as
    present)."""
    if m is None:
        return Judgement(Posture.AWAY)
    if m.head_height is not None and m.head_height <= 0:
        return Judgement(Posture.AWAY)  # not a seated person (a poster, a stray detection)
    if m.visibility < s.min_visibility:
        return Judgement(Posture.UNKNOWN)
    base = baseline_for_view(m, baseline)
    score = slouch_score(m, base, s)
    limit = s.release_ratio if was_slouched else 1.0
    state = Posture.SLOUCHED if score >= limit else Posture.UPRIGHT
    return Judgement(state, score, base.calibrated)
