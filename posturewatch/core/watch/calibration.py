"""A guided calibration while the monitor runs ("Calibrate now" in the tray, ``posturewatch
calibrate`` with no source): the person sits tall, the next frames are collected, and the
baseline is built and checked as ``calibrate`` does it. Time is an input."""

from __future__ import annotations

from posturewatch.core.baseline import (
    HEAD_CUT,
    HEAD_CUT_FIX,
    Baseline,
    CalibrationError,
    build_baseline,
)
from posturewatch.core.judgement import ClassifierSettings, check_calibration, describe
from posturewatch.core.metrics import PostureMetrics
from posturewatch.core.typed_settings import CalibrationSettings
from posturewatch.errors import PostureWatchError


class CalibrationWindow:
    def __init__(self) -> None:
        self._until: float | None = None
        self._samples: list[PostureMetrics] = []
        self._cut = 0  # frames with the head cut by the picture's top edge

    @property
    def open(self) -> bool:
        return self._until is not None

    def start(self, now: float, settings: CalibrationSettings) -> None:
        """Collect from now for ``settings.seconds`` (a window already open starts over)."""
        self._until, self._samples, self._cut = now + settings.seconds, [], 0

    def collect(self, t: float, metrics: PostureMetrics | None, settings: CalibrationSettings,
                classifier: ClassifierSettings) -> Baseline | PostureWatchError | None:
        """One settled frame; None while collecting, then the new baseline, or why there
        is none (too few good frames, or it does not look upright: the calibration guard)."""
        assert self._until is not None
        if metrics is not None and metrics.visibility >= classifier.min_visibility:
            if metrics.face_cut:
                self._cut += 1
            else:
                self._samples.append(metrics)
        if t < self._until and len(self._samples) < settings.target_frames:
            return None
        samples, cut, self._until, self._samples = self._samples, self._cut, None, []
        try:
            baseline = build_baseline(samples, settings.min_frames, seen=len(samples) + cut)
        except CalibrationError as exc:
            if cut > len(samples):
                return CalibrationError(f"{exc.problem}: {HEAD_CUT} in {cut} frames",
                                        HEAD_CUT_FIX)
            return exc
        except PostureWatchError as exc:
            return exc
        if wrong := check_calibration(baseline, classifier).refused:
            return CalibrationError(f"not saved: {describe(wrong)}",
                                    "sit tall and calibrate again")
        return baseline


def recorded_text(baseline: Baseline, classifier: ClassifierSettings) -> str:
    """The "Calibrated" notice: what was kept, and what looked odd but may be the person
    or the camera (the monitor checks it against their own upright as they work)."""
    text = f"Your upright posture is recorded ({baseline.frames} frames, {baseline.view} view)."
    if odd := check_calibration(baseline, classifier).odd:
        text += (f" It looked as if {describe(odd)}: kept, and checked against your own "
                 "upright as you work.")
    return text
