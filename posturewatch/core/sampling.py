"""When the monitor looks, and whether the camera stays open in between.

Each judged frame costs one pose-model run (about 28 ms of CPU), and an open camera costs
power, a light on the desk and the camera itself, which another app (a video call) cannot
have while the monitor streams from it. So by default the monitor *looks*: it opens the
camera, reads frames until the picture has settled (:class:`Exposure`), judges one and
lets go, every ``look_every_s`` (``battery_look_every_s`` on battery). While it is unsure
(a change of state not yet confirmed, or nothing learned yet to judge against: see
``Pipeline.unsure``), or the session wants a closer look (a wall angel watched, a guided
calibration), it keeps the camera open and takes a frame every ``interval_s`` or as asked,
so a change is confirmed within a couple of seconds. ``mode = "continuous"`` keeps the
camera open all along and takes a frame every ``slow_interval_s``, as before looks were
the default, for people who prefer a steady light to a blinking one. Time is an input:
nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass

LOOKS, CONTINUOUS = "looks", "continuous"


@dataclass(frozen=True, slots=True)
class Next:
    """The wait until the next frame, and whether the camera stays open meanwhile."""

    wait_s: float
    hold: bool


@dataclass(frozen=True, slots=True)
class SamplingSettings:
    interval_s: float  # between frames while unsure (the camera held)
    slow_interval_s: float  # continuous mode: between frames otherwise
    mode: str = LOOKS  # "looks" | "continuous"
    look_every_s: float = 15.0  # looks: from one look to the next when settled
    battery_look_every_s: float = 20.0  # ... on battery (either mode)

    def next(self, *, unsure: bool, on_battery: bool = False,
             closer_s: float = float("inf")) -> Next:
        """The next frame: soon and with the camera held while unsure or looking closer;
        otherwise the mode's interval (the battery's, if longer), held only in continuous
        mode or when the wait is too short to be worth letting go."""
        if unsure or closer_s <= 2 * self.interval_s:
            return Next(min(self.interval_s, closer_s), True)
        settled = self.slow_interval_s if self.mode == CONTINUOUS else self.look_every_s
        if on_battery:
            settled = max(settled, self.battery_look_every_s)
        wait = min(max(self.interval_s, settled), closer_s)
        return Next(wait, self.mode == CONTINUOUS or wait <= 2 * self.interval_s)


class Exposure:
    """Whether a look's picture has settled: a camera just opened adjusts its exposure
    (and white balance) over its first frames, and the first one is often dark or stale.
    Frames are read until the mean brightness moves by at most ``level`` grey levels (of
    255) twice in a row, skipping the first frame; after ``max_s`` the latest frame is
    taken as it is. Feed it each frame's time and brightness; time is an input."""

    def __init__(self, level: float, max_s: float) -> None:
        self.level, self.max_s = level, max_s
        self._start: float | None = None
        self._last: float | None = None
        self._steady = 0
        self.frames = 0

    def settled(self, t: float, brightness: float) -> bool:
        """One more frame at ``t``: is the picture settled now?"""
        self.frames += 1
        if self._start is None:
            self._start = t
            return False  # the first frame of an opening never counts
        if self._last is not None and abs(brightness - self._last) <= self.level:
            self._steady += 1
        else:
            self._steady = 0
        self._last = brightness
        return self._steady >= 2 or t - self._start >= self.max_s
