"""Wall angels the camera counts: the arm slide recognised from pose landmarks over time.

A wall angel starts from a *goalpost*: elbows bent at about shoulder height, forearms
pointing up. The arms then slide up until the hands are well over the head, and back down
to the goalpost. Seated against the chair back the path is the same. An overhead press
follows it too, which is why press footage can stand in for it.

Everything is measured per arm, against that arm's own shoulder, in shoulder widths, so
distance to the camera does not matter (heights are vertical, so turning away from the
camera only makes the shoulders look narrower and the heights larger: the thresholds
below keep a wide margin over what a lateral raise or a curl reaches, and a side view,
where the shoulders overlap, is not judged at all).

- *goalpost*: both elbows no higher than ``goalpost_elbow_sw`` above their shoulders and
  both forearms pointing up (wrist above elbow by ``forearm_up_sw``). Arms hanging down
  are not a goalpost: raising straight arms overhead (a stretch) is not a wall angel.
- *overhead*: both elbows at least ``top_elbow_sw`` above their shoulders and both wrists
  at least ``top_wrist_sw`` above them.

A repetition is counted when the arms reach *overhead* having been in the *goalpost* since
the last count: the gap between the two thresholds is the hysteresis, so jitter at either
end never counts twice. Lateral raises (straight arms out to the side: the wrists reach
about shoulder height, never over the head) and curls (the elbows stay low) never reach
*overhead*. Frames without a usable pose change nothing, so skipped or repeated frames are
harmless. Repetitions less than ``set_gap_s`` apart form one set, reported with its start
(the goalpost before its first repetition) and end (its last repetition).

Pure: the caller passes landmarks and times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from posturewatch.core.landmarks import Landmarks

WALL_ANGEL = "wall_angel"
# Landmark indices (BlazePose): shoulder, elbow, wrist of each arm.
_ARMS = ((11, 13, 15), (12, 14, 16))
_MIN_VISIBILITY = 0.5  # shoulders or elbows below this are guesses: the frame says nothing
# A wrist is often behind the head at the top (seen at an angle): its place is still
# plausible, so it needs less; one above the frame's top edge counts by its place.
_MIN_WRIST_VISIBILITY = 0.3
# Shoulders narrower than this share of the ears' height above them: a side view, where
# heights in shoulder widths mean nothing (the front view is about 1.6, the judgement's
# side view below 0.8; the narrowest front view on our footage is 1.36, so this allows a
# body turned up to about 68° away).
_MIN_SHOULDERS_TO_NECK = 0.5


@dataclass(frozen=True, slots=True)
class ExerciseSettings:
    enabled: bool
    goalpost_elbow_sw: float
    forearm_up_sw: float
    top_elbow_sw: float
    top_wrist_sw: float
    set_gap_s: float


@dataclass(frozen=True, slots=True)
class ExerciseWatchSettings:
    """After a reminder for a movement the camera counts, ``run`` looks every
    ``watch_interval_s`` for ``watch_min`` minutes, so slow slides and quick tilts are
    seen (``core/watch/exercises.py``)."""

    watch_interval_s: float
    watch_min: float


@dataclass(frozen=True, slots=True)
class ArmPose:
    """Both arms in one frame, in shoulder widths above each arm's own shoulder (+ = up).
    The lower and higher elbow, the lower wrist and the less raised forearm: a position
    counts only when both arms are in it."""

    elbow_low: float
    elbow_high: float
    wrist_low: float
    forearm_low: float  # wrist height above the elbow, the smaller of the two arms

    def goalpost(self, s: ExerciseSettings) -> bool:
        return self.elbow_high <= s.goalpost_elbow_sw and self.forearm_low >= s.forearm_up_sw

    def overhead(self, s: ExerciseSettings) -> bool:
        return self.elbow_low >= s.top_elbow_sw and self.wrist_low >= s.top_wrist_sw


def arm_pose(landmarks: Landmarks | None) -> ArmPose | None:
    """The arms' heights, or None when the elbows are not seen or the view is from the side.
    A wrist raised out of the frame (above its top edge) still counts by where the model
    places it: hands overhead often leave a desk webcam's picture."""
    if landmarks is None:
        return None
    p = landmarks.points
    shoulders = p[11, :2] - p[12, :2]
    width = float(np.hypot(*shoulders))
    neck = float((p[11, 1] + p[12, 1]) - (p[7, 1] + p[8, 1])) / 2  # shoulders below ears
    if width <= 0 or width < _MIN_SHOULDERS_TO_NECK * neck:
        return None
    elbows, wrists, forearms = [], [], []
    for s, e, w in _ARMS:
        if p[e, 2] < _MIN_VISIBILITY or p[s, 2] < _MIN_VISIBILITY:
            return None
        if p[w, 2] < _MIN_WRIST_VISIBILITY and p[w, 1] >= 0:
            return None  # a wrist unseen inside the frame is a guess
        elbows.append(float(p[s, 1] - p[e, 1]) / width)
        wrists.append(float(p[s, 1] - p[w, 1]) / width)
        forearms.append(float(p[e, 1] - p[w, 1]) / width)
    return ArmPose(min(elbows), max(elbows), min(wrists), min(forearms))


@dataclass(frozen=True, slots=True)
class ExerciseSet:
    """Repetitions of one exercise close together in time; ``sides`` (left, right) for a
    movement done to either side (the person's own sides)."""

    id: str
    reps: int
    from_s: float
    to_s: float
    sides: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "reps": self.reps,
                               "from_s": round(self.from_s, 3), "to_s": round(self.to_s, 3)}
        if self.sides is not None:
            out["left"], out["right"] = self.sides
        return out


class SetTally:
    """Repetitions of one exercise, in time order, grouped into sets: a repetition less
    than ``gap_s`` after the set's last one joins it. What every counter shares."""

    def __init__(self, exercise: str, gap_s: float) -> None:
        self.exercise, self.gap_s = exercise, gap_s
        self._sets: list[ExerciseSet] = []
        self._reps: list[float] = []  # when each repetition was counted
        self._last_t: float | None = None

    def in_order(self, t: float) -> bool:
        """Take ``t`` as the latest frame; False for one from before it (a restart: what it
        shows was already counted)."""
        if self._last_t is not None and t < self._last_t:
            return False
        self._last_t = t
        return True

    def rep(self, t: float, started: float, side: int | None = None) -> None:
        """A repetition at ``t``; ``started``: when it began (a new set starts there);
        ``side``: 0 for the person's left, 1 for their right."""
        self._reps.append(t)
        last = self._sets[-1] if self._sets else None
        if last is not None and t - last.to_s <= self.gap_s:
            start, reps, sides = last.from_s, last.reps + 1, last.sides
            self._sets.pop()
        else:
            start, reps, sides = started, 1, None if side is None else (0, 0)
        if side is not None and sides is not None:
            sides = (sides[0] + (side == 0), sides[1] + (side == 1))
        self._sets.append(ExerciseSet(self.exercise, reps, start, t, sides))

    @property
    def sets(self) -> tuple[ExerciseSet, ...]:
        return tuple(self._sets)

    def reps_since(self, t: float) -> int:
        """Repetitions counted at or after ``t``."""
        return sum(1 for rep in self._reps if rep >= t)


class WallAngelCounter:
    """Feed each judged frame's :class:`ArmPose` (or None) in time order with :meth:`add`."""

    id = WALL_ANGEL

    def __init__(self, settings: ExerciseSettings) -> None:
        self.s = settings
        self._ready_at: float | None = None  # in the goalpost since this time, not yet counted
        self._tally = SetTally(WALL_ANGEL, settings.set_gap_s)

    def add(self, t: float, pose: ArmPose | None) -> int:
        """Repetitions completed by this frame (0 or 1)."""
        if not self._tally.in_order(t):
            return 0  # out of order (a restart): already counted
        if pose is None or not self.s.enabled:
            return 0
        if pose.goalpost(self.s):
            if self._ready_at is None:
                self._ready_at = t
            return 0
        if self._ready_at is None or not pose.overhead(self.s):
            return 0
        started, self._ready_at = self._ready_at, None
        self._tally.gap_s = self.s.set_gap_s
        self._tally.rep(t, started)
        return 1

    @property
    def tally(self) -> SetTally:
        return self._tally

    @property
    def sets(self) -> tuple[ExerciseSet, ...]:
        return self._tally.sets

    def reps_since(self, t: float) -> int:
        """Repetitions counted at or after ``t``."""
        return self._tally.reps_since(t)
