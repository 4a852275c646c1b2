"""Sitting, standing or away: the stance the camera sees, and the stand-ups it counts.

Standing is told from the legs where the picture shows them, and from a rise where it
shows only the upper body. Everything is measured in lengths of the person's own body, so
distance to the camera does not matter:

- *legs* (a leg seen whole: hip, knee and ankle in the picture, the knee seen with some
  confidence), per leg in torso lengths (mid-hips to mid-shoulders): the *thigh drop*,
  how far the knee sits below the hip, the knee's angle (hip-knee-ankle) and the thigh's
  length against the shin's. A leg stands when it hangs straight down: a drop of
  ``stand_thigh`` or more (0.6-0.9 on our footage, walking included), the knee straight
  (``straight_knee_deg``) and the thigh as long as the shin. A leg is sat on when its thigh
  runs across the picture (a drop of ``sit_thigh`` or less: 0.0-0.25 seated, from the side
  or the front), toward the camera (shortened against the shin: a camera above a seated
  person shows the knee well below the hip, 0.6-0.7, but a thigh half the shin's length),
  or folds the knee under ``bent_knee_deg`` (a kneeling chair slants the thigh down,
  0.45-0.6, but folds the shin back). Standing on one leg that stands (walking: the other
  swings bent); sitting when every leg seen is sat on; else the last stance holds
  (hysteresis), so a stride or a turn never flips it.
- *a rise* (front view, no legs: a desk webcam): the shoulders risen at least ``rise_sw``
  shoulder widths above where they were while seated, at about the same distance (their
  width within a third of it). Standing up lifts the shoulders about 0.45 m, a little
  more than one shoulder width; sitting taller, a shrug or arms overhead lift them a
  fraction of that. It needs the seated place first, and a camera that stays put: a
  camera raised with a sit–stand desk moves the whole picture, which no landmark can tell
  from sitting down again (the person says it instead: ``core/watch/stance.py``).

A person whose legs are not seen and who was not seen rising is sitting: a desk webcam
mostly sees someone seated.

A stand-up (sit-to-stand) is counted when the stance turns from sitting to standing
within ``stand_up_within_s`` of the last sitting frame: a rise the camera saw, not a return
on foot after an absence.

Pure: the caller passes landmarks and times.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from posturewatch.core.exercise import SetTally
from posturewatch.core.landmarks import Landmarks, Point
from posturewatch.core.observation import Posture

STAND_UP = "stand_up"
_HIP_VISIBILITY = 0.5
# MediaPipe rarely gives a knee high visibility (one knee hides the other from the side;
# 0.26-0.85 on a clip where both are in plain view); under this it is guessed.
_KNEE_VISIBILITY = 0.35
_ANKLE_VISIBILITY = 0.3
_SHOULDER_VISIBILITY = 0.5
# A thigh seen at least this long against the shin hangs in the picture's plane (standing:
# 0.9-1.1); under the lower one it points at the camera (seated, seen from the front).
_FULL_THIGH = 0.75
_SHORT_THIGH = 0.6
_SAME_DISTANCE = 1 / 3  # a rise counts with the shoulder width within a third of seated
_SITTING_FRAMES = 2  # sitting this many frames in a row before a stand-up counts
_PLACE_FRAMES = 15  # the seated place: the median of this many recent seated frames
_SIDE_VIEW = 0.8  # shoulder width under this share of the ears' height above: a side view


class Stance(StrEnum):
    SITTING = "sitting"
    STANDING = "standing"
    AWAY = "away"


def stance_of(state: Posture) -> Stance:
    """The stance a settled state stands for: nobody there is away, standing is standing,
    everything else (upright, slouched, unknown) a person at the desk, sitting."""
    if state is Posture.AWAY:
        return Stance.AWAY
    return Stance.STANDING if state is Posture.STANDING else Stance.SITTING


@dataclass(frozen=True, slots=True)
class StanceSettings:
    """The [stance] section; defaults equal ``config/default.toml``'s, which documents
    each key."""

    stand_thigh: float = 0.5
    sit_thigh: float = 0.3
    straight_knee_deg: float = 140.0
    bent_knee_deg: float = 120.0
    rise_sw: float = 1.0
    stand_up_within_s: float = 3.0


@dataclass(frozen=True, slots=True)
class LegPose:
    """One leg seen whole (hip, knee and ankle in the picture), in the person's own
    proportions."""

    thigh_drop: float  # knee below hip, in torso lengths (+ = lower)
    knee_deg: float  # hip-knee-ankle angle in the picture (180 = straight)
    thigh_to_shin: float  # thigh length over shin length in the picture

    def standing(self, s: StanceSettings) -> bool:
        """Straight and upright, the thigh as long as the shin: a leg standing on it."""
        return (self.thigh_drop >= s.stand_thigh and self.knee_deg >= s.straight_knee_deg
                and self.thigh_to_shin >= _FULL_THIGH)

    def sitting(self, s: StanceSettings) -> bool:
        """The thigh across the picture, toward the camera (shortened against the shin),
        or the knee bent: a leg sat on."""
        return (self.thigh_drop <= s.sit_thigh or self.knee_deg < s.bent_knee_deg
                or self.thigh_to_shin < _SHORT_THIGH)


def _seen(p: np.ndarray, point: int, visibility: float, height: int) -> bool:
    return bool(p[point, 2] >= visibility and 0 <= p[point, 1] <= height)


def leg_poses(landmarks: Landmarks | None) -> tuple[LegPose, ...]:
    """Each leg whose hip, knee and ankle are in the picture (none for a desk webcam)."""
    if landmarks is None:
        return ()
    p, h = landmarks.points, landmarks.height
    torso = float(np.hypot(*((p[11, :2] + p[12, :2]) - (p[23, :2] + p[24, :2])) / 2))
    if torso <= 0 or min(p[11, 2], p[12, 2]) < _SHOULDER_VISIBILITY:
        return ()
    legs = []
    for hip, knee, ankle in ((23, 25, 27), (24, 26, 28)):
        if not (_seen(p, hip, _HIP_VISIBILITY, h) and _seen(p, knee, _KNEE_VISIBILITY, h)
                and _seen(p, ankle, _ANKLE_VISIBILITY, h)):
            continue
        up, down = p[hip, :2] - p[knee, :2], p[ankle, :2] - p[knee, :2]
        thigh, shin = float(np.hypot(*up)), float(np.hypot(*down))
        if thigh <= 0 or shin <= 0:
            continue
        cosine = max(-1.0, min(1.0, float(np.dot(up, down)) / (thigh * shin)))
        legs.append(LegPose(float(p[knee, 1] - p[hip, 1]) / torso,
                            math.degrees(math.acos(cosine)), thigh / shin))
    return tuple(legs)


@dataclass(frozen=True, slots=True)
class _Place:
    """Where the shoulders were: mid-shoulder height and shoulder width, in pixels."""

    y: float
    width: float


def _shoulders(landmarks: Landmarks) -> _Place | None:
    """The shoulders of a front view, or None (not seen, or seen from the side)."""
    p = landmarks.points
    if min(p[Point.LEFT_SHOULDER, 2], p[Point.RIGHT_SHOULDER, 2]) < _SHOULDER_VISIBILITY:
        return None
    width = float(np.hypot(*(p[Point.LEFT_SHOULDER, :2] - p[Point.RIGHT_SHOULDER, :2])))
    y = float(p[Point.LEFT_SHOULDER, 1] + p[Point.RIGHT_SHOULDER, 1]) / 2
    ears = float(p[Point.LEFT_EAR, 1] + p[Point.RIGHT_EAR, 1]) / 2
    if width <= 0 or width < _SIDE_VIEW * (y - ears):
        return None
    return _Place(y, width)


class StanceJudge:
    """One stream's stance, frame by frame (:meth:`see`), with hysteresis and the seated
    place the rise is measured from. Feed every frame in time order."""

    def __init__(self, settings: StanceSettings) -> None:
        self.s = settings
        self.stance = Stance.SITTING  # the last stance seen of a person
        self.by_legs = False  # the last frame's stance was the legs' word
        self._seated: deque[_Place] = deque(maxlen=_PLACE_FRAMES)
        self._size: tuple[int, int] | None = None

    def see(self, landmarks: Landmarks | None) -> Stance:
        """This frame's stance: away without a person; else standing or sitting by the
        legs, then by a rise, else as before."""
        if landmarks is None:
            self.by_legs = False
            return Stance.AWAY
        if (landmarks.width, landmarks.height) != self._size:  # another camera or clip
            self._size = (landmarks.width, landmarks.height)
            self._seated.clear()
        legs = leg_poses(landmarks)
        shoulders = _shoulders(landmarks)
        self.by_legs = bool(legs)
        if legs:
            self.stance = self._by_legs(legs)
        elif shoulders is not None and self._seated:
            self.stance = self._by_rise(shoulders)
        if self.stance is Stance.SITTING and not legs and shoulders is not None:
            self._seated.append(shoulders)
        return self.stance

    def _by_legs(self, legs: tuple[LegPose, ...]) -> Stance:
        """Standing on one leg straight and upright (walking: the other swings bent);
        sitting when every leg seen is sat on; else as before."""
        if any(leg.standing(self.s) for leg in legs):
            return Stance.STANDING
        if all(leg.sitting(self.s) for leg in legs):
            return Stance.SITTING
        return self.stance

    def _by_rise(self, now: _Place) -> Stance:
        seated = _Place(float(np.median([p.y for p in self._seated])),
                        float(np.median([p.width for p in self._seated])))
        if abs(now.width / seated.width - 1) > _SAME_DISTANCE:
            return self.stance  # nearer or further: a lean, not a rise
        rise = (seated.y - now.y) / seated.width
        if rise >= self.s.rise_sw:
            return Stance.STANDING
        if rise <= self.s.rise_sw / 2:
            return Stance.SITTING
        return self.stance


class StandUpCounter:
    """Stand-ups (sit-to-stand) from each frame's stance as :class:`StanceJudge` saw it
    (before settling: a quick rise and sit is still two changes). A stand-up needs two
    frames sitting in a row before it (one misjudged frame never makes a rise) and the
    rise within ``stand_up_within_s`` of the last of them; sets as for the other
    exercises."""

    id = STAND_UP

    def __init__(self, settings: StanceSettings, set_gap_s: float) -> None:
        self.s = settings
        self._sat: tuple[float, int] | None = None  # the last frame seen sitting, frames in a row
        self._standing = False
        self._tally = SetTally(STAND_UP, set_gap_s)

    def add(self, t: float, stance: Stance | None) -> int:
        """Repetitions completed by this frame (0 or 1)."""
        if stance is None or not self._tally.in_order(t):
            return 0
        if stance is Stance.SITTING:
            run = self._sat[1] + 1 if self._sat is not None and not self._standing else 1
            self._sat, self._standing = (t, run), False
            return 0
        if stance is not Stance.STANDING or self._standing:
            return 0
        self._standing = True
        sat = self._sat
        if sat is None or sat[1] < _SITTING_FRAMES or t - sat[0] > self.s.stand_up_within_s:
            return 0  # no seated moment seen just before: no rise
        self._tally.rep(t, sat[0])
        return 1

    @property
    def tally(self) -> SetTally:
        return self._tally
