"""Frames → landmarks → metrics → states: the one path every command drives.

``judge_source`` runs a frame source through the pose model and classifier and yields one
``FrameResult`` per sampled frame, settled (see ``classifier.Settler``) for streams and
judged one by one for stills. ``totals`` turns results into time per state.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posturewatch.calibration import Baseline
from posturewatch.classifier import ClassifierSettings, Settler, closeness, judge
from posturewatch.metrics import PostureMetrics, compute_metrics
from posturewatch.observation import Observation, Posture
from posturewatch.pose import PoseEstimator
from posturewatch.prefetch import prefetch
from posturewatch.sources import FrameSource

# A frame stands for the time until the next one, but never more than this many sample
# intervals: a longer gap (suspend, a stalled camera) is not counted as any state.
GAP_INTERVALS = 3.0


@dataclass(frozen=True, slots=True)
class FrameResult:
    t: float
    state: Posture
    metrics: PostureMetrics | None
    score: float | None  # slouch score, 1.0 = at the threshold; None if not judged
    closeness: float | None
    path: Path | None = None

    def observation(self) -> Observation:
        return Observation(self.t, self.state, self.closeness)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": round(self.t, 3)}
        if self.path is not None:
            out["path"] = str(self.path)
        out["state"] = self.state.value
        out["score"] = None if self.score is None else round(self.score, 3)
        out["closeness"] = None if self.closeness is None else round(self.closeness, 3)
        out["metrics"] = self.metrics.to_dict() if self.metrics else None
        return out


def judge_source(
    source: FrameSource,
    estimator: PoseEstimator,
    baseline: Baseline | None,
    settings: ClassifierSettings,
) -> Iterator[FrameResult]:
    settler: Settler[FrameResult] = Settler(settings.settle_s)
    was_slouched = False
    for frame in prefetch(source.frames()):
        landmarks = estimator.detect(frame.rgb, frame.t)
        metrics = compute_metrics(landmarks) if landmarks is not None else None
        raw, score = judge(metrics, baseline, settings, was_slouched=was_slouched)
        result = FrameResult(
            frame.t,
            raw,
            metrics,
            score,
            closeness(metrics, baseline) if metrics else None,
            frame.path,
        )
        if source.still:
            yield result
            continue
        was_slouched = raw is Posture.SLOUCHED
        for held, state in settler.push(frame.t, raw, result):
            yield _relabel(held, state)
    for held, state in settler.flush():
        yield _relabel(held, state)


def _relabel(result: FrameResult, state: Posture) -> FrameResult:
    if state is result.state:
        return result
    return FrameResult(result.t, state, result.metrics, result.score, result.closeness, result.path)


def durations(results: Sequence[FrameResult], interval: float) -> list[float]:
    """Seconds each frame stands for: until the next frame, capped at GAP_INTERVALS
    sample intervals; the last frame stands for one interval."""
    if not results:
        return []
    if interval <= 0:
        steps = sorted(b.t - a.t for a, b in zip(results, results[1:]) if b.t > a.t)
        interval = steps[len(steps) // 2] if steps else 0.0
    cap = GAP_INTERVALS * interval
    spans = [min(b.t - a.t, cap) for a, b in zip(results, results[1:])]
    return spans + [interval]


def totals(results: Sequence[FrameResult], interval: float, *, still: bool) -> dict[str, Any]:
    seconds = {state: 0.0 for state in Posture}
    counts = {state: 0 for state in Posture}
    spans = [0.0] * len(results) if still else durations(results, interval)
    for result, span in zip(results, spans):
        seconds[result.state] += span
        counts[result.state] += 1
    out: dict[str, Any] = {f"{s.value}_s": round(v, 3) for s, v in seconds.items()}
    out["frames"] = {s.value: n for s, n in counts.items()}
    return out

