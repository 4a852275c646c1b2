"""Frames → landmarks → metrics → states: the one path every command drives.

A ``Pipeline`` takes frames one by one through the pose model and classifier and hands
back ``FrameResult``s, settled (see ``core.settling.Settler``) for streams and judged one
by one for stills; it lives as long as its stream (the monitor keeps one all day).
``judge_source`` runs a frame source through a pipeline of its own (``analyze``,
``calibrate``). ``Totals`` adds results up into time per state as they pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from posturewatch.capture.file_names import shown
from posturewatch.capture.pose import PoseEstimator
from posturewatch.capture.read_ahead import prefetch
from posturewatch.capture.sources import Frame, FrameSource
from posturewatch.core.backdrop import backdrop
from posturewatch.core.baseline import Baseline
from posturewatch.core.exercise import ArmPose, arm_pose
from posturewatch.core.judgement import ClassifierSettings, closeness, judge
from posturewatch.core.landmarks import Landmarks
from posturewatch.core.metrics import PostureMetrics, compute_metrics
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.presence import Presence, PresenceMemory, TrackCheck
from posturewatch.core.self_baseline import Referee, for_still
from posturewatch.core.settling import Settler
from posturewatch.core.side_stretches import SidePose, side_pose
from posturewatch.core.stance import Stance, StanceJudge, StanceSettings, stance_of

# A frame stands for the time until the next one, but never more than this many sample
# intervals: a longer gap (suspend, a stalled camera) is not counted as any state.
GAP_INTERVALS = 3.0
BIN_S = 1e-4  # steps between frames are tallied in bins this wide (see Totals)


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
    # the pose itself, for sinks that need more than the metrics (never stored)
    landmarks: Landmarks | None = field(default=None, repr=False, compare=False)
    arms: ArmPose | None = None  # for the exercise counter (core/exercise.py)
    # what the frame was judged against (None: the population priors), for drawing it
    reference: Baseline | None = field(default=None, repr=False, compare=False)
    sides: SidePose | None = None  # for neck tilts and side bends (core/side_stretches.py)
    seen_stance: Stance = Stance.SITTING  # this frame's own, before settling (stand-ups)

    @property
    def stance(self) -> Stance:
        """Sitting, standing or away, as the settled state says."""
        return stance_of(self.state)

    def observation(self) -> Observation:
        return Observation(self.t, self.state, self.closeness, self.reasons)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": round(self.t, 3)}
        if self.path is not None:
            out["path"] = shown(self.path)
        out["state"] = self.state.value
        out["stance"] = self.stance.value
        out["score"] = None if self.score is None else round(self.score, 3)
        out["calibrated"] = self.calibrated
        out["closeness"] = None if self.closeness is None else round(self.closeness, 3)
        out["reasons"] = list(self.reasons)
        out["baseline"] = self.baseline
        out["stale"] = self.stale
        out["metrics"] = self.metrics.to_dict() if self.metrics else None
        return out


class Pipeline:
    """Frames in, settled ``FrameResult``s out, for as long as one stream lives.

    It holds what a stream learns as it goes: the settler's pending change, the referee
    (is the calibration stale? the self-baseline), the presence memory and the hysteresis.
    ``judge_source`` runs a source through one; the monitor keeps one for its whole life
    and pushes each sampled frame into it, so pausing, snoozing or reloading the settings
    forgets none of that (one stale-calibration notice, not one per command)."""

    def __init__(self, estimator: PoseEstimator, baseline: Baseline | None,
                 settings: ClassifierSettings, *, still: bool = False,
                 stance: StanceSettings | None = None) -> None:
        self.estimator = estimator
        self.still = still
        self.baseline = baseline
        self.settings = settings
        self._stance = StanceJudge(stance or StanceSettings())
        self._settler: Settler[FrameResult] = Settler(settings.settle_s)
        self._referee = Referee(baseline, settings)
        self._presence = PresenceMemory(settings.hidden_similarity, settings.hidden_hold_s)
        self._track = TrackCheck(settings.recheck_s)
        self._was_slouched = False
        self.stale = False  # the calibration's view no longer matches (latest frame)
        self.latest: FrameResult | None = None  # the latest frame's result, before settling

    def push(self, frame: Frame) -> list[FrameResult]:
        """Judge one frame; the results it settles (none while a change is unclear)."""
        landmarks = self.estimator.detect(frame.rgb, frame.t)
        metrics = compute_metrics(landmarks) if landmarks is not None else None
        settings, baseline = self.settings, self.baseline
        seen = Presence.PERSON
        if not self.still:  # is the tracked pose a person? (a fresh look now and then)
            if metrics is None:
                self._track.gone()
            else:
                seen = self._track.check(frame.t, metrics,
                                         _fresh_look(self.estimator, frame.rgb))
                if seen is Presence.NOBODY:
                    landmarks = metrics = None
        if self.still:
            base, stale = for_still(baseline, metrics, settings), False
            against = "calibration" if base is not None else "population"
        else:
            # Nothing the tracker doubts reaches the self-baseline.
            person = landmarks if seen is Presence.PERSON else None
            choice = self._referee.choose(
                frame.t, metrics if person is not None else None,
                (lambda: backdrop(frame.rgb, person)) if person is not None else None)
            base, stale, against = choice.baseline, choice.stale, choice.source
        # a still is one moment: its legs alone tell, with no rise or hysteresis to go on
        stance = StanceJudge(self._stance.s) if self.still else self._stance
        seen_stance = stance.see(landmarks)
        judged = judge(metrics, base, settings, was_slouched=self._was_slouched,
                       reference=baseline, standing=seen_stance is Stance.STANDING)
        walking = judged.state is Posture.STANDING and stance.by_legs
        if seen is Presence.DOUBT and not walking:
            # (a skeleton on straight legs that moves is someone walking about: a fresh
            # look found a person there when it first jumped)
            judged = judged._replace(state=Posture.UNKNOWN, score=None, reasons=())
        if not self.still:  # a second look: the head hidden, the body still there
            if landmarks is not None and judged.score is not None:
                self._presence.seen(frame.rgb, landmarks, frame.t)
            elif landmarks is None and self._presence.still_there(frame.rgb, frame.t):
                judged = judged._replace(state=Posture.UNKNOWN)
        self.stale = stale
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
            landmarks,
            arm_pose(landmarks),
            base,
            side_pose(landmarks),
            seen_stance,
        )
        self.latest = result
        if self.still:
            return [result]
        self._was_slouched = judged.state is Posture.SLOUCHED
        return [_settled(held, state)
                for held, state in self._settler.push(frame.t, judged.state, result)]

    @property
    def unsure(self) -> bool:
        """More frames soon would help: a change of state is not clear yet (the settler
        holds it), a person seen from the front has nothing learned yet to be judged
        against (no calibration, or one gone stale, and no self-baseline yet), or the
        calibration's view is in doubt (the camera moved, or the person did)."""
        return self._settler.pending or self._referee.learning or self._referee.doubting

    def flush(self) -> list[FrameResult]:
        """Release the frames still settling (the stream pauses or ends); what was
        learned stays."""
        return [_settled(held, state) for held, state in self._settler.flush()]

    def recalibrate(self, baseline: Baseline) -> None:
        """A new calibration: judged against it from the next frame, fresh (not stale)."""
        self.baseline = baseline
        self._referee = Referee(baseline, self.settings)
        self.stale = False

    def reconfigure(self, settings: ClassifierSettings,
                    stance: StanceSettings | None = None) -> None:
        """New classifier settings (a reloaded config). Unchanged settings keep
        everything; changed ones start the referee and presence memory over, since what
        they learned was measured against the old thresholds. New stance thresholds apply
        from the next frame (the stance seen so far stands)."""
        if stance is not None:
            self._stance.s = stance
        if settings == self.settings:
            return
        self.settings = settings
        self._settler.settle_s = settings.settle_s
        self._referee = Referee(self.baseline, settings)
        self._presence = PresenceMemory(settings.hidden_similarity, settings.hidden_hold_s)
        self._track = TrackCheck(settings.recheck_s)


def judge_source(
    source: FrameSource,
    estimator: PoseEstimator,
    baseline: Baseline | None,
    settings: ClassifierSettings,
    *,
    until: float | None = None,
    on_frame: Callable[[Frame, FrameResult], None] | None = None,
    stance: StanceSettings | None = None,
) -> Iterator[FrameResult]:
    """A source through a :class:`Pipeline` of its own. Stops after ``until`` seconds of
    the source's time, at its end, or, for a camera, at Ctrl-C; either way the frames
    still settling are released, none are lost. ``on_frame`` sees each frame with its
    judgement before settling (the window that shows it); what it raises ends the run."""
    pipeline = Pipeline(estimator, baseline, settings, still=source.still, stance=stance)
    try:
        for frame in prefetch(source.frames(), on_stop=source.stop):
            if until is not None and not source.still and frame.t > until:
                break
            settled = pipeline.push(frame)
            if on_frame is not None and pipeline.latest is not None:
                on_frame(frame, pipeline.latest)
            yield from settled
    except KeyboardInterrupt:
        if not source.live:
            raise  # a file cut short: no partial report
    yield from pipeline.flush()


def _fresh_look(estimator: PoseEstimator, rgb: Any) -> Callable[[], PostureMetrics | None]:
    """The metrics of a fresh detection of this frame, for ``TrackCheck`` to call if due."""
    def look() -> PostureMetrics | None:
        found = estimator.fresh_look(rgb)
        return compute_metrics(found) if found is not None else None
    return look


def _settled(result: FrameResult, state: Posture) -> FrameResult:
    """``result`` with the state the settler gave it; a frame relabelled from slouched was
    noise, so its reasons go too (JSON, reason counts and the store name only slouching)."""
    if state is result.state:
        return result
    return replace(result, state=state, reasons=result.reasons if state is Posture.SLOUCHED else ())


class StepTally:
    """Steps between frames in ``BIN_S`` bins (count and exact sum per bin), so the median
    step needs no list of frames: memory grows with the number of distinct step lengths."""

    def __init__(self) -> None:
        self._bins: dict[int, list[float]] = {}  # bin -> [count, sum]

    def add(self, gap: float) -> int:
        """Tally a positive step; returns its bin."""
        key = max(1, round(gap / BIN_S))
        n_sum = self._bins.setdefault(key, [0, 0.0])
        n_sum[0] += 1
        n_sum[1] += gap
        return key

    def median(self) -> float | None:
        """The mean of the bin holding the upper median (a constant step, exactly)."""
        wanted = sum(n for n, _ in self._bins.values()) // 2
        for key in sorted(self._bins):
            n, total = self._bins[key]
            if wanted < n:
                return total / n
            wanted -= n
        return None


class Totals:
    """Time and frames per state, added up as results arrive, so hours of camera use keep
    no list of frames. A frame stands for the time until the next frame, capped at
    GAP_INTERVALS steps (the larger of the nominal interval and the median step between
    frames); the last frame stands for one step, or what is left of the source if that
    is less.

    The median and the cap are only known at the end, so the steps are kept as a
    histogram of 0.1 ms bins (count and exact sum per bin and state): memory grows with the
    number of distinct step lengths, not with the frames. Steps are summed exactly; the
    median step is the mean of its bin (a constant step, as in a video, exactly), so a
    step that is capped, and the last frame's share, may be off by 0.15 ms at most."""

    def __init__(self, interval: float, *, still: bool) -> None:
        self.interval = interval
        self.still = still
        self.counts = {state: 0 for state in Posture}
        self._steps = StepTally()  # for the median step
        self._bins: dict[int, dict[Posture, list[float]]] = {}  # bin -> state -> [n, sum]
        self._flat = {state: 0.0 for state in Posture}  # zero steps (frames at one time)
        self._last: FrameResult | None = None

    def add(self, result: FrameResult) -> None:
        self.counts[result.state] += 1
        last, self._last = self._last, result
        if last is None or self.still:
            return
        gap = result.t - last.t
        if gap <= 0:  # not a step, and never capped
            self._flat[last.state] += gap
            return
        tally = self._bins.setdefault(self._steps.add(gap), {})
        n_sum = tally.setdefault(last.state, [0, 0.0])
        n_sum[0] += 1
        n_sum[1] += gap

    def _step(self) -> float:
        """The larger of the interval and the (upper) median of the steps."""
        median = self._steps.median()
        return self.interval if median is None else max(self.interval, median)

    def result(self, end: float | None = None) -> dict[str, Any]:
        """JSON-ready totals; ``end`` is the time the source covers, if known."""
        seconds = dict(self._flat)
        if not self.still and self._last is not None:
            step = self._step()
            cap = GAP_INTERVALS * step
            for key, by_state in self._bins.items():
                below = (key + 0.5) * BIN_S <= cap  # every step in the bin is under the cap
                for state, (n, total) in by_state.items():
                    seconds[state] += total if below else min(total, n * cap)
            last = step if end is None else max(0.0, min(step, end - self._last.t))
            seconds[self._last.state] += last
        out: dict[str, Any] = {f"{s.value}_s": round(v, 3) for s, v in seconds.items()}
        out["frames"] = {s.value: n for s, n in self.counts.items()}
        return out


def totals(
    results: Iterable[FrameResult], interval: float, *, still: bool, end: float | None = None
) -> dict[str, Any]:
    tally = Totals(interval, still=still)
    for result in results:
        tally.add(result)
    return tally.result(end)


class JudgementNotes:
    """What a report says about the judgement, added up as results pass (no list kept):
    whether the calibration went stale and from when, how many frames were judged against
    the self-baseline, and how often each reason was named in slouched frames."""

    def __init__(self) -> None:
        self.stale_from: float | None = None
        self.self_frames = 0
        self.reasons: dict[str, int] = {}

    def add(self, result: FrameResult) -> None:
        if result.stale and self.stale_from is None:
            self.stale_from = result.t
        self.self_frames += result.baseline == "self"
        if result.state is Posture.SLOUCHED:
            for reason in result.reasons:
                self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def result(self) -> dict[str, Any]:
        return {
            "baseline_status": {
                "stale": self.stale_from is not None,
                "stale_from_s": None if self.stale_from is None else round(self.stale_from, 3),
                "self_frames": self.self_frames,
            },
            "reasons": dict(sorted(self.reasons.items(), key=lambda kv: -kv[1])),
        }
