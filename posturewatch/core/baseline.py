"""The user's upright baseline: robust statistics of their metrics while sitting tall,
and the view (camera placement) they were recorded in.

Posture is judged against the same person's own upright posture, because the raw numbers
vary widely between people and camera placements. Without a calibration the population
priors apply (``population``; values in config/default.toml, derived from several people).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from posturewatch.core.metrics import PostureMetrics
from posturewatch.errors import PostureWatchError

VERSION = 2
READABLE = (1, 2)  # version 1 files lack the view and the head angles: those stay None
# Posture fields: how the person sits. View fields: where the camera sees them.
POSTURE_FIELDS = ("head_height", "face_scale", "head_pitch", "head_roll_deg", "body_lean_deg",
                  "neck_forward_deg", "torso_forward_deg")
VIEW_FIELDS = ("head_size", "face_y", "shoulder_x", "shoulder_y", "shoulder_size")
_FIELDS = POSTURE_FIELDS + VIEW_FIELDS
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
    head_pitch: float | None = None
    head_roll_deg: float | None = None
    body_lean_deg: float | None = None
    face_y: float | None = None
    shoulder_x: float | None = None
    shoulder_y: float | None = None
    shoulder_size: float | None = None
    resolution: list[int] | None = None  # [width, height] of the frames it was made from
    # the frames' median landmark visibility (nose, ears, shoulders; 0 for shoulders outside
    # the frame): under the classifier's min_visibility the shoulders were not clearly
    # seen; None in files made before it
    visibility: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, **asdict(self)}

    @property
    def has_view(self) -> bool:
        """Whether the camera placement was recorded (not in version 1 files)."""
        return self.shoulder_size is not None and self.shoulder_x is not None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Baseline:
        """Checks every field, so a damaged file fails here and not mid-analysis."""
        if data.get("version") not in READABLE:
            raise ValueError(f"version {data.get('version')!r}, expected one of {READABLE}")
        if data.get("view") not in _VIEW_FIELD:
            raise ValueError(f"view {data.get('view')!r}, expected front or side")
        known = {f.name for f in fields(cls)}
        if unknown := set(data) - known - {"version"}:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        for name in (*_FIELDS, "visibility"):
            value = data.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValueError(f"{name} is {value!r}, not a number")
        resolution = data.get("resolution")
        if resolution is not None and not (
            isinstance(resolution, list) and len(resolution) == 2
            and all(isinstance(v, int) and v > 0 for v in resolution)
        ):
            raise ValueError(f"resolution is {resolution!r}, not [width, height]")
        if data.get(_VIEW_FIELD[data["view"]]) is None:
            raise ValueError(f"a {data['view']}-view baseline without {_VIEW_FIELD[data['view']]}")
        return cls(**{k: v for k, v in data.items() if k != "version"})


# Side: the neck as in the upright photos of shared/testdata/side-view (10-18 degrees); the
# trunk vertical, as upright means (those photos lean back 9-12 degrees, the devdata side
# clip's upright man forward 0-14: a trunk prior from one person misjudged the other).
SIDE_POPULATION = Baseline(view="side", neck_forward_deg=14.0, torso_forward_deg=0.0,
                           calibrated=False)


def population(priors: Mapping[str, Any], view: str) -> Baseline:
    """The population prior for a view: the front one from the config's [population]
    section (several people, see its comments), the side one from the side photos."""
    if view == "side":
        return SIDE_POPULATION
    return Baseline(
        view="front",
        head_height=priors["head_height"],
        face_scale=priors["face_scale"],
        head_pitch=priors["head_pitch"],
        head_roll_deg=0.0,
        body_lean_deg=0.0,
        calibrated=False,
    )


# Frames whose head the picture's top edge cuts make no calibration: the model guessed
# the face there (metrics.face_cut). What to say when that is why there is none:
HEAD_CUT = "the head cut by the top of the picture"
HEAD_CUT_FIX = ("aim the camera so your whole head is in the picture (tilt it up or raise "
                "it), then calibrate again")
# A calibration may lose this share of its frames to misdetections (and frames with
# nobody found) and still be made from the rest, but never from fewer than three.
MAX_MISDETECTED = 0.4
_FEWEST = 3
# A frame whose mid-shoulders sit this many shoulder widths from the frames' median, or
# whose shoulder width or head size is off by this factor, is a misdetection.
_OFF_SHIFT, _OFF_SCALE = 0.5, 0.6


def consistent(samples: Sequence[PostureMetrics]) -> list[PostureMetrics]:
    """The frames that agree with the frames' median view: a misdetection (MediaPipe puts
    the shoulders up in the neck, a third as wide) jumps away from its neighbours."""
    placed = [m for m in samples if m.shoulder_size and m.shoulder_x is not None
              and m.shoulder_y is not None]
    if len(placed) < _FEWEST:
        return list(samples)
    x = statistics.median(m.shoulder_x for m in placed)  # type: ignore[misc]
    y = statistics.median(m.shoulder_y for m in placed)  # type: ignore[misc]
    width = statistics.median(m.shoulder_size for m in placed)  # type: ignore[misc]
    head = statistics.median(m.head_size for m in placed)

    def fits(m: PostureMetrics) -> bool:
        if m not in placed:
            return True
        aspect = m.resolution[1] / m.resolution[0] if m.resolution else 1.0
        shift = math.hypot(m.shoulder_x - x, (m.shoulder_y - y) * aspect) / width  # type: ignore[operator]
        ratios = [m.shoulder_size / width] + ([m.head_size / head] if head > 0 else [])  # type: ignore[operator]
        return shift <= _OFF_SHIFT and all(_OFF_SCALE <= r <= 1 / _OFF_SCALE for r in ratios)

    return [m for m in samples if fits(m)]


def build_baseline(samples: Sequence[PostureMetrics], min_frames: int,
                   *, seen: int | None = None) -> Baseline:
    """Medians (robust to the odd bad frame) over the consistent frames of the most common
    view. ``seen``: frames read in all (default: the samples); at least ``min_frames``,
    of which up to ``MAX_MISDETECTED`` may be misdetected, without a person or with the
    head cut by the picture's top edge (``PostureMetrics.face_cut``)."""
    if not samples:
        raise CalibrationError(
            "calibration found no person with clearly visible head and shoulders",
            "sit tall facing the camera, in good light, and run calibrate again",
        )
    seen = max(seen or 0, len(samples))
    whole = [m for m in samples if not m.face_cut]  # a cut head is partly a guess
    view = statistics.mode(m.view for m in whole) if whole else "front"
    chosen = consistent([m for m in whole if m.view == view])
    needed = max(_FEWEST, math.ceil((1 - MAX_MISDETECTED) * min_frames))
    if seen < min_frames or len(chosen) < needed:
        got = f"{len(chosen)} usable of {seen} frames"
        raise CalibrationError(
            f"calibration got only {got}, needs {max(needed, min_frames)}",
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
    resolutions = [m.resolution for m in chosen if m.resolution]
    resolution = list(statistics.mode(resolutions)) if resolutions else None
    # shoulders MediaPipe guessed outside the frame were not seen, whatever it says
    visibility = round(statistics.median(m.visibility if m.shoulders_in_frame else 0.0
                                         for m in chosen), 3)
    return Baseline(view=view, frames=len(chosen), spread=spread, resolution=resolution,
                    visibility=visibility, **values)  # type: ignore[arg-type]


def without_view(baseline: Baseline) -> Baseline:
    """The same posture without the camera placement: for a baseline whose view is stale."""
    return replace(baseline, **{name: None for name in VIEW_FIELDS}, resolution=None)


# Defaults of the [classifier] population_* keys (config/default.toml says how they were
# derived); kept here so the core can be used without a config, as in the tests.
DEFAULT_PRIORS = {"head_height": 0.64, "face_scale": 0.38, "head_pitch": 0.1}
POPULATION = {"front": population(DEFAULT_PRIORS, "front"), "side": SIDE_POPULATION}
