"""Desk stretches to either side the camera counts: neck side tilts and seated side bends.

Both roll the head sideways; what tells them apart is whether the trunk goes with it. A
neck tilt bends the neck alone: the shoulders stay where they were. A side bend bends the
trunk: the shoulders travel sideways toward the bend (on our footage a quarter to a half
of a shoulder width), and the head rolls with them. So, in the person's own measures, from
the front, against their *rest* (the median of their recent frames with the head level,
which absorbs a camera set slightly askew and a habitual tilt; a level frame joins it once
the next frame agrees with it, so one misdetection never becomes the rest):

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
``bend_shift_sw`` toward the roll's side during it, a neck tilt when they stayed within it
both ways, and nothing when they went that far the other way (the person moved).

On our footage: a neck tilt (ear toward the shoulder) rolls the head 25° from rest with
the shoulders still (at most 0.01 shoulder widths); seated side bends roll it 26-38° and
move the shoulders 0.2-0.4 shoulder widths; upright people, curls, presses and lateral
raises roll it at most 11° and move the shoulders at most 0.06. Nothing counts before a
rest is seen (a person already tilted when counting starts: a rest is a head level with
the shoulders, so a camera set askew still gives one), nor from a side view, a frame whose
shoulder width jumped by a factor 0.6 from the frame before (a misdetection), or poorly
seen shoulders, ears or eyes. Shoulders more than a shoulder width from their rest
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
# A rest is a head within this of level with the shoulders (a still tilted head is none;
# upright people stay within 8, a neck tilt stretch goes past 20).
_LEVEL_DEG = 15.0
# A shoulder width off the frame before's by more than this factor is a misdetection (the
# factor of the pose tracker's jump test, core/presence.py): the frame says nothing.
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
    shoulder_x: float  # mid-shoulders across the picture, pixels, + toward the person's left
    shoulder_width: float  # pixels
    shoulders_deg: float = 0.0  # the shoulder line's roll, + when the left one is lower

    @property
    def level(self) -> bool:
        """The head level with the shoulders (a camera set askew rolls both alike): a
        moment that can be the person's rest."""
        return abs(self.roll_deg - self.shoulders_deg) <= _LEVEL_DEG


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
    # toward the person's left in the picture: +x unless the picture is mirrored
    x = float(left_sh[0] + right_sh[0]) / 2
    return SidePose(roll, x if across[0] >= 0 else -x, width, _roll(left_sh, right_sh))


@dataclass
class _Out:
    """A movement going on: the head rolled past the release to one side."""

    side: int  # 0: the person's left, 1: their right
    since: float
    beyond: int = 0  # frames in a row beyond the count
    beyond_since: float | None = None
    qualified: bool = False  # beyond the count for _HOLD_FRAMES in a row at some point
    shift: float = 0.0  # the farthest the shoulders went toward ``side``, shoulder widths
    away: float = 0.0  # ... and the other way
    counted: bool = False


class SideStretchCounter:
    """Neck tilts and side bends from each frame's :class:`SidePose` (or None) in time
    order; one set list for each (:attr:`neck_tilts`, :attr:`side_bends`)."""

    def __init__(self, settings: SideStretchSettings) -> None:
        self.s = settings
        self._rest: deque[SidePose] = deque(maxlen=_REST_FRAMES)
        self._last: SidePose | None = None  # the frame before, for the jump test
        self._candidate: SidePose | None = None  # a level frame, a rest once the next agrees
        self._out: _Out | None = None
        self.neck_tilts = SetTally(NECK_TILT, settings.set_gap_s)
        self.side_bends = SetTally(SIDE_BEND, settings.set_gap_s)

    def add(self, t: float, pose: SidePose | None) -> str | None:
        """What this frame completed: :data:`NECK_TILT`, :data:`SIDE_BEND` or None."""
        if not (self.neck_tilts.in_order(t) and self.side_bends.in_order(t)):
            return None
        if pose is None or not self.s.enabled:
            return None
        last, self._last = self._last, pose
        if last is not None and not (_SAME_PLACE <= pose.shoulder_width / last.shoulder_width
                                     <= 1 / _SAME_PLACE):
            # jumped: a misdetection, or the first frame of a new place (the next frame
            # goes on from this one, and says which)
            self._candidate = pose if pose.level else None
            return None
        if self._candidate is not None:  # confirmed by this frame: part of the rest
            self._rest.append(self._candidate)
        self._candidate = None
        rest = self._rest_pose()
        if rest is None:
            self._candidate = pose if pose.level else None
            return None
        roll = pose.roll_deg - rest.roll_deg
        shift = (pose.shoulder_x - rest.shoulder_x) * 2 / (pose.shoulder_width
                                                           + rest.shoulder_width)
        if abs(shift) > _MAX_SHIFT:
            self.restart()
            return None
        if abs(roll) <= self.s.roll_release_deg:
            done = self._end(t)
            self._candidate = pose if pose.level else None
            return done
        side = 0 if roll > 0 else 1
        done = None
        if self._out is not None and self._out.side != side:
            done = self._end(t)  # swung across to the other side
        if self._out is None:
            self._out = _Out(side, t)
        out = self._out
        toward = shift if side == 0 else -shift
        out.shift, out.away = max(out.shift, toward), max(out.away, -toward)
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
        self._out = self._last = self._candidate = None

    def _end(self, t: float) -> str | None:
        out, self._out = self._out, None
        if out is None or out.counted or not out.qualified:
            return None
        return self._count(t, out)

    def _count(self, t: float, out: _Out) -> str | None:
        out.counted = True
        if out.shift >= self.s.bend_shift_sw:
            tally = self.side_bends
        elif out.away < self.s.bend_shift_sw:
            tally = self.neck_tilts  # the shoulders stayed where they were
        else:
            return None  # the shoulders went the other way: the person moved, no stretch
        tally.gap_s = self.s.set_gap_s
        tally.rep(t, out.since, out.side)
        return tally.exercise

    def _rest_pose(self) -> SidePose | None:
        if not self._rest:
            return None
        return SidePose(float(np.median([p.roll_deg for p in self._rest])),
                        float(np.median([p.shoulder_x for p in self._rest])),
                        float(np.median([p.shoulder_width for p in self._rest])),
                        float(np.median([p.shoulders_deg for p in self._rest])))

    @property
    def sets(self) -> tuple[ExerciseSet, ...]:
        return (*self.neck_tilts.sets, *self.side_bends.sets)
