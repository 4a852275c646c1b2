"""Frames → landmarks → metrics → states: the one path every command drives.

``judge_source`` runs a frame source through the pose model and classifier and yields one
``FrameResult`` per sampled frame, settled (see ``core.settling.Settler``) for streams and
judged one by one for stills. ``totals`` turns results into time per state.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from posturewatch.capture.pose import PoseEstimator
from posturewatch.capture.read_ahead import prefetch
from posturewatch.capture.sources import FrameSource
from posturewatch.core.baseline import Baseline
from posturewatch.core.judgement import ClassifierSettings, closeness, judge
from posturewatch.core.metrics import PostureMetrics, compute_metrics
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.presence import PresenceMemory
from posturewatch.core.self_baseline import Referee, for_still
from posturewatch.core.settling import Settler

# A frame stands for the time until the next one, but never more than this many sample
# intervals: a longer gap (suspend, a stalled camera) is not counted as any state.
GAP_INTERVALS = 3.0


@dataclass(frozen=True, slots=True)
class FrameResult:
    t: float
    state: Posture
    metrics: PostureMetrics | None
    score: float | None  # slouch score, 1.0 = at the threshold; None if not judged
    calibrated: bool | None  # judged against the user's baseline (False: population's)
    closeness: float | None
    path: Path | None = None
    reasons: tuple[str, ...] = ()  # what is wrong when slouched (core.judgement names)
    baseline: str | None = None  # judged against: "calibration" | "self" | "population"
    stale: bool = False  # the calibration's view no longer matches (camera or seat moved)

    def observation(self) -> Observation:
        return Observation(self.t, self.state, self.closeness, self.reasons)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": round(self.t, 3)}
        if self.path is not None:
            out["path"] = str(self.path)
        out["state"] = self.state.value
        out["score"] = None if self.score is None else round(self.score, 3)
        out["calibrated"] = self.calibrated
        out["closeness"] = None if self.closeness is None else round(self.closeness, 3)
        out["reasons"] = list(self.reasons)
        out["baseline"] = self.baseline
        out["stale"] = self.stale
        out["metrics"] = self.metrics.to_dict() if self.metrics else None
        return out


def judge_source(
    source: FrameSource,
    estimator: PoseEstimator,
    baseline: Baseline | None,
    settings: ClassifierSettings,
    *,
    until: float | None = None,
) -> Iterator[FrameResult]:
    """Stops after ``until`` seconds of the source's time, at its end, or, for a camera,
    at Ctrl-C; either way the frames still settling are released, none are lost."""
    settler: Settler[FrameResult] = Settler(settings.settle_s)
    referee = Referee(baseline, settings)
    presence = PresenceMemory(settings.hidden_similarity)
    was_slouched = False
    try:
        for frame in prefetch(source.frames(), on_stop=source.stop):
            if until is not None and not source.still and frame.t > until:
                break
            landmarks = estimator.detect(frame.rgb, frame.t)
            metrics = compute_metrics(landmarks) if landmarks is not None else None
            if source.still:
                base, stale = for_still(baseline, metrics, settings), False
                against = "calibration" if base is not None else "population"
            else:
                choice = referee.choose(frame.t, metrics)
                base, stale, against = choice.baseline, choice.stale, choice.source
            judged = judge(metrics, base, settings, was_slouched=was_slouched)
            if not source.still:  # a second look: the head hidden, the body still there
                if landmarks is not None and judged.score is not None:
                    presence.seen(frame.rgb, landmarks)
                elif landmarks is None and presence.still_there(frame.rgb):
                    judged = judged._replace(state=Posture.UNKNOWN)
            result = FrameResult(
                frame.t,
                judged.state,
                metrics,
                judged.score,
                judged.calibrated,
                closeness(metrics, base) if metrics else None,
                frame.path,
                judged.reasons,
                against if metrics else None,
                stale,
            )
            if source.still:
                yield result
                continue
            was_slouched = judged.state is Posture.SLOUCHED
            for held, state in settler.push(frame.t, judged.state, result):
                yield replace(held, state=state)
    except KeyboardInterrupt:
        if not source.live:
            raise  # a file cut short: no partial report
    for held, state in settler.flush():
        yield replace(held, state=state)


def durations(
    results: Sequence[FrameResult], interval: float, end: float | None = None
) -> list[float]:
    """Seconds each frame stands for: until the next frame, but at most GAP_INTERVALS
    steps (the larger of the nominal interval and the typical step between frames); the
    last frame stands for one step, or what is left of the source if that is less."""
    if not results:
        return []
    steps = sorted(b.t - a.t for a, b in zip(results, results[1:]) if b.t > a.t)
    step = max(interval, steps[len(steps) // 2] if steps else 0.0)
    spans = [min(b.t - a.t, GAP_INTERVALS * step) for a, b in zip(results, results[1:])]
    last = step if end is None else max(0.0, min(step, end - results[-1].t))
    return spans + [last]


def totals(
    results: Sequence[FrameResult], interval: float, *, still: bool, end: float | None = None
) -> dict[str, Any]:
    seconds = {state: 0.0 for state in Posture}
    counts = {state: 0 for state in Posture}
    spans = [0.0] * len(results) if still else durations(results, interval, end)
    for result, span in zip(results, spans):
        seconds[result.state] += span
        counts[result.state] += 1
    out: dict[str, Any] = {f"{s.value}_s": round(v, 3) for s, v in seconds.items()}
    out["frames"] = {s.value: n for s, n in counts.items()}
    return out


def baseline_status(results: Sequence[FrameResult]) -> dict[str, Any]:
    """Whether the calibration went stale (and from when), and how many frames were judged
    against the self-baseline: for the report and its summary line."""
    stale_from = next((r.t for r in results if r.stale), None)
    return {
        "stale": stale_from is not None,
        "stale_from_s": None if stale_from is None else round(stale_from, 3),
        "self_frames": sum(1 for r in results if r.baseline == "self"),
    }


def reason_counts(results: Sequence[FrameResult]) -> dict[str, int]:
    """How many slouched frames named each reason, most frequent first."""
    counts: dict[str, int] = {}
    for result in results:
        if result.state is Posture.SLOUCHED:
            for reason in result.reasons:
                counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
