"""Desk stretches to either side the camera counts: neck side tilts and seated side bends.

Both roll the head sideways; what tells them apart is whether the trunk goes with it. A
neck tilt bends the neck alone: the shoulders stay where they were. A side bend bends the
trunk: the shoulders travel sideways toward the bend (on our footage a quarter to a half
of a shoulder width), and the head rolls with them. So, in the person's own measures, from
the front, against their *rest* (the median of their recent frames with the head level,
which absorbs a camera set slightly askew and a habitual tilt):

- ``roll``: how far the head has rolled from its rest, in degrees (ear line and outer-eye
  line against the horizontal), + toward the person's own left (so a mirrored picture
  reads the same).
- ``shift``: how far the mid-shoulders have moved sideways from their rest, in shoulder
  widths, + toward the person's left.

A movement starts when the head rolls past ``roll_release_deg`` from its rest and ends when
it comes back within it (or rolls past the count to the other side). It is a repetition
when the roll went beyond ``roll_count_deg`` for two frames in a row; it is counted when it
ends, or once it has been held for ``stretch_hold_s`` (a stretch held to the end of a clip,
or for its 30 seconds). It is a side bend when the shoulders shifted at least
``bend_shift_sw`` toward the roll's side during it, else a neck tilt.

On our footage: a neck tilt (ear toward the shoulder) rolls the head 25° from rest with
the shoulders still (at most 0.01 shoulder widths); seated side bends roll it 26-38° and
move the shoulders 0.2-0.4 shoulder widths; upright people, curls, presses and lateral
raises roll it at most 11° and move the shoulders at most 0.06. Nothing counts before a
rest is seen (a person already tilted when counting starts), nor from a side view, a body
turned or moved much nearer or further (shoulder width off its rest by a factor 0.6), or
poorly seen shoulders, ears or eyes. Shoulders more than a shoulder width from their rest
are a person moving about, not bending: the movement is dropped and the rest starts over,
as it does when the person stands up or sits down (the caller says so: :meth:`restart`).

Pure: the caller passes landmarks and times.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from posturewatch.core.exercise import ExerciseSet, SetTally
from posturewatch.core.landmarks import Landmarks, Point

NECK_TILT = "neck_tilt"
SIDE_BEND = "side_bend"
_VISIBILITY = 0.5
_LEFT_EYE_OUTER, _RIGHT_EYE_OUTER = 3, 6
# Shoulders narrower than this share of the ears' height above them: seen from the side,
# where sideways angles and shifts mean nothing.
_MIN_SHOULDERS_TO_NECK = 0.8
_HOLD_FRAMES = 2  # beyond the count this many frames in a row: one misdetection never counts
_REST_FRAMES = 15  # the rest: medians of this many recent level frames
_LEVEL_DEG = 15.0  # a rest is a head within this of level (a still tilted head is no rest)
# Shoulder width off its rest by more than this factor: turned away, or moved: no measure
# (the factor of the pose tracker's jump test, core/presence.py).
_SAME_PLACE = 0.6
# A trunk bent sideways moves the shoulders at most about this many shoulder widths (a
# trunk about 1.2 of them long, tipped 45 degrees); further, the person moved or turned
# round: no stretch, and the rest starts over.
_MAX_SHIFT = 1.0


@dataclass(frozen=True, slots=True)
class SideStretchSettings:
    """Thresholds of the neck-tilt and side-bend counter (``[exercise]`` in the config)."""

    enabled: bool
    set_gap_s: float
    roll_count_deg: float
    roll_release_deg: float
    bend_shift_sw: float
    stretch_hold_s: float


@dataclass(frozen=True, slots=True)
class SidePose:
    """The head's roll and where the shoulders are, in one frame (front view only)."""

    roll_deg: float  # + when the person's left ear is lower
    shoulder_x: float  # mid-shoulders along the shoulder line, pixels, + toward their left
    shoulder_width: float  # pixels


def _roll(left: np.ndarray, right: np.ndarray) -> float:
    """The line from the person's right point to their left one against the horizontal,
    + when the left point is lower."""
    return math.degrees(math.atan2(left[1] - right[1], abs(left[0] - right[0]) + 1e-9))


def side_pose(landmarks: Landmarks | None) -> SidePose | None:
    """The head's roll and the shoulders' place, or None when the shoulders, ears and eyes
    are not all seen from the front."""
    if landmarks is None:
        return None
    p = landmarks.points
    points = (Point.LEFT_SHOULDER, Point.RIGHT_SHOULDER, Point.LEFT_EAR, Point.RIGHT_EAR,
              _LEFT_EYE_OUTER, _RIGHT_EYE_OUTER)
    if min(p[i, 2] for i in points) < _VISIBILITY:
        return None
    left_sh, right_sh = p[Point.LEFT_SHOULDER, :2], p[Point.RIGHT_SHOULDER, :2]
    across = left_sh - right_sh  # toward the person's left
    width = float(np.hypot(*across))
    ears_above = float(left_sh[1] + right_sh[1] - p[Point.LEFT_EAR, 1] - p[Point.RIGHT_EAR, 1]) / 2
    if width <= 0 or width < _MIN_SHOULDERS_TO_NECK * ears_above:
        return None
    roll = (_roll(p[Point.LEFT_EAR, :2], p[Point.RIGHT_EAR, :2])
            + _roll(p[_LEFT_EYE_OUTER, :2], p[_RIGHT_EYE_OUTER, :2])) / 2
    # along the person's left in the picture: +x unless the picture is mirrored
    x = float((left_sh[0] + right_sh[0]) / 2) * (1.0 if across[0] >= 0 else -1.0)
    return SidePose(roll, x, width)


@dataclass
class _Out:
    """A movement going on: the head rolled past the release to one side."""

    side: int  # 0: the person's left, 1: their right
    since: float
    beyond: int = 0  # frames in a row beyond the count
    beyond_since: float | None = None
    qualified: bool = False  # beyond the count for _HOLD_FRAMES in a row at some point
    shift: float = 0.0  # the farthest the shoulders went toward ``side``, shoulder widths
    counted: bool = False


class SideStretchCounter:
    """Neck tilts and side bends from each frame's :class:`SidePose` (or None) in time
    order; one set list for each (:attr:`neck_tilts`, :attr:`side_bends`)."""

    def __init__(self, settings: SideStretchSettings) -> None:
        self.s = settings
        self._rest: deque[SidePose] = deque(maxlen=_REST_FRAMES)
        self._out: _Out | None = None
        self.neck_tilts = SetTally(NECK_TILT, settings.set_gap_s)
        self.side_bends = SetTally(SIDE_BEND, settings.set_gap_s)

    def add(self, t: float, pose: SidePose | None) -> str | None:
        """What this frame completed: :data:`NECK_TILT`, :data:`SIDE_BEND` or None."""
        if not (self.neck_tilts.in_order(t) and self.side_bends.in_order(t)):
            return None
        if pose is None or not self.s.enabled:
            return None
        rest = self._rest_pose()
        if rest is None or not (_SAME_PLACE <= pose.shoulder_width / rest.shoulder_width
                                <= 1 / _SAME_PLACE):
            if abs(pose.roll_deg) <= _LEVEL_DEG:  # a rest, or a new one (a new place)
                self._rest.clear()
                self._rest.append(pose)
            return None
        roll = pose.roll_deg - rest.roll_deg
        shift = (pose.shoulder_x - rest.shoulder_x) / rest.shoulder_width
        if abs(shift) > _MAX_SHIFT:
            self.restart()
            return None
        if abs(roll) <= self.s.roll_release_deg:
            done = self._end(t)
            if abs(pose.roll_deg) <= _LEVEL_DEG:
                self._rest.append(pose)
            return done
        side = 0 if roll > 0 else 1
        done = None
        if self._out is not None and self._out.side != side:
            done = self._end(t)  # swung across to the other side
        if self._out is None:
            self._out = _Out(side, t)
        out = self._out
        out.shift = max(out.shift, shift if side == 0 else -shift)
        if abs(roll) < self.s.roll_count_deg:
            out.beyond, out.beyond_since = 0, None
            return done
        out.beyond += 1
        out.beyond_since = t if out.beyond_since is None else out.beyond_since
        out.qualified = out.qualified or out.beyond >= _HOLD_FRAMES
        if out.qualified and not out.counted and t - out.beyond_since >= self.s.stretch_hold_s:
            return self._count(t, out)
        return done

    def flush(self, t: float) -> str | None:
        """The stream ends: a movement still going on counts if it went far enough."""
        return self._end(t)

    def restart(self) -> None:
        """Forget the rest and a movement going on: the person moved away, stood up or sat
        down, so a new rest must be seen before anything counts."""
        self._rest.clear()
        self._out = None

    def _end(self, t: float) -> str | None:
        out, self._out = self._out, None
        if out is None or out.counted or not out.qualified:
            return None
        return self._count(t, out)

    def _count(self, t: float, out: _Out) -> str:
        out.counted = True
        tally = self.side_bends if out.shift >= self.s.bend_shift_sw else self.neck_tilts
        tally.gap_s = self.s.set_gap_s
        tally.rep(t, out.since, out.side)
        return tally.exercise

    def _rest_pose(self) -> SidePose | None:
        if not self._rest:
            return None
        return SidePose(float(np.median([p.roll_deg for p in self._rest])),
                        float(np.median([p.shoulder_x for p in self._rest])),
                        float(np.median([p.shoulder_width for p in self._rest])))

    @property
    def sets(self) -> tuple[ExerciseSet, ...]:
        return (*self.neck_tilts.sets, *self.side_bends.sets)
