"""From metrics to a posture state, against the user's baseline.

``judge`` scores one frame: 1.0 means exactly at the slouch threshold. Streams then pass
through ``Settler``, which holds a change of state back until it has lasted ``settle_s``
and then relabels the held frames, so one noisy frame never flips the state and totals
stay exact. Time is an input: nothing here reads a clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from posturewatch.calibration import POPULATION, Baseline
from posturewatch.metrics import PostureMetrics
from posturewatch.observation import Posture

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ClassifierSettings:
    min_visibility: float
    head_drop: float
    forward_weight: float
    neck_forward_deg: float
    torso_forward_deg: float
    release_ratio: float
    settle_s: float


def reference(metrics: PostureMetrics, baseline: Baseline | None) -> Baseline:
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
    at or below the shoulder line is not a sitting person but a stray detection."""
    if m is None:
        return Judgement(Posture.AWAY)
    implausible = m.head_height is not None and m.head_height <= 0
    if m.visibility < s.min_visibility or implausible:
        return Judgement(Posture.UNKNOWN)
    base = reference(m, baseline)
    score = slouch_score(m, base, s)
    limit = s.release_ratio if was_slouched else 1.0
    state = Posture.SLOUCHED if score >= limit else Posture.UPRIGHT
    return Judgement(state, score, base.calibrated)


class Settler(Generic[T]):
    """Delays a change of state until it is clear, then releases the held items labelled
    with what they turned out to be. Items come back in input order, at most ``settle_s``
    (plus one frame) after they went in.

    A change is clear when one new state has lasted ``settle_s``. If the held frames span
    ``settle_s`` without that (say away and unknown alternating, or stray detections on an
    empty chair), the old state is over all the same: the held frames take their most
    common state (the latest one on a tie)."""

    def __init__(self, settle_s: float) -> None:
        self.settle_s = settle_s
        self.state: Posture | None = None
        self._held: list[tuple[float, Posture, T]] = []

    def push(self, t: float, state: Posture, item: T) -> Iterator[tuple[T, Posture]]:
        if self.state is None:
            self.state = state
        if state == self.state:
            yield from self._release(self.state)
            yield item, state
            return
        self._held.append((t, state, item))
        run_start = len(self._held)
        while run_start > 0 and self._held[run_start - 1][1] == state:
            run_start -= 1
        if t - self._held[run_start][0] >= self.settle_s:
            for _, _, held in self._held[:run_start]:
                yield held, self.state
            del self._held[:run_start]
            yield from self._release(state)
        elif t - self._held[0][0] >= self.settle_s:
            yield from self._release(self._most_common())

    def flush(self) -> Iterator[tuple[T, Posture]]:
        """At the end of a stream an unconfirmed change is taken as noise."""
        if self.state is not None:
            yield from self._release(self.state)

    def _most_common(self) -> Posture:
        counts = Counter(state for _, state, _ in self._held)
        latest = {state: i for i, (_, state, _) in enumerate(self._held)}
        return max(counts, key=lambda state: (counts[state], latest[state]))

    def _release(self, state: Posture) -> Iterator[tuple[T, Posture]]:
        """Release every held item as ``state``, which becomes the settled state."""
        self.state = state
        for _, _, held in self._held:
            yield held, state
        self._held.clear()
