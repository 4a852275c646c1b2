"""The user's upright baseline: robust statistics of their metrics while sitting tall.

Posture is judged against the same person's own upright posture, because the raw numbers
vary widely between people and camera placements. Without a calibration the population
defaults below apply, measured on the project's real test footage (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from posturewatch.core.metrics import PostureMetrics
from posturewatch.errors import PostureWatchError

VERSION = 1
_FIELDS = ("head_height", "face_scale", "neck_forward_deg", "torso_forward_deg", "head_size")
_VIEW_FIELD = {"front": "head_height", "side": "neck_forward_deg"}  # what each view needs


class CalibrationError(PostureWatchError):
    exit_code = 6


@dataclass(frozen=True)
class Baseline:
    view: str  # "front" | "side": the view the baseline was recorded in
    head_height: float | None = None
    face_scale: float | None = None
    neck_forward_deg: float | None = None
    torso_forward_deg: float | None = None
    head_size: float | None = None  # None for population defaults: distance needs the person
    frames: int = 0
    spread: dict[str, float] = field(default_factory=dict)  # median absolute deviations
    calibrated: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Baseline:
        """Checks every field, so a damaged file fails here and not mid-analysis."""
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        if data.get("view") not in POPULATION:
            raise ValueError(f"view {data.get('view')!r}, expected front or side")
        known = {f.name for f in fields(cls)}
        if unknown := set(data) - known - {"version"}:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        for name in _FIELDS:
            value = data.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValueError(f"{name} is {value!r}, not a number")
        if data.get(_VIEW_FIELD[data["view"]]) is None:
            raise ValueError(f"a {data['view']}-view baseline without {_VIEW_FIELD[data['view']]}")
        return cls(**{k: v for k, v in data.items() if k != "version"})


# Front: medians of the upright frames of shared/testdata/frontal-webcam-1.
# Side: medians of the upright photos of shared/testdata/side-view.
POPULATION = {
    "front": Baseline(view="front", head_height=0.66, face_scale=0.43, calibrated=False),
    "side": Baseline(view="side", neck_forward_deg=14.0, torso_forward_deg=-10.0, calibrated=False),
}


def build_baseline(samples: Sequence[PostureMetrics], min_frames: int) -> Baseline:
    """Medians (robust to the odd bad frame) over the frames of the most common view."""
    if not samples:
        raise CalibrationError(
            "calibration found no person with clearly visible head and shoulders",
            "sit tall facing the camera, in good light, and run calibrate again",
        )
    view = statistics.mode(m.view for m in samples)
    chosen = [m for m in samples if m.view == view]
    if len(chosen) < min_frames:
        raise CalibrationError(
            f"calibration got only {len(chosen)} usable frames, needs {min_frames}",
            "sit tall facing the camera in good light, or record longer with --seconds",
        )
    values: dict[str, float | None] = {}
    spread: dict[str, float] = {}
    for name in _FIELDS:
        series = [v for m in chosen if (v := getattr(m, name)) is not None]
        if len(series) * 2 < len(chosen):
            values[name] = None
            continue
        median = statistics.median(series)
        values[name] = round(median, 5)
        spread[name] = round(statistics.median(abs(v - median) for v in series), 5)
    return Baseline(view=view, frames=len(chosen), spread=spread, **values)  # type: ignore[arg-type]
