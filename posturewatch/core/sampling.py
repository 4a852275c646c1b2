"""How often the monitor looks: about once a second, less when nothing is happening.

Each sample costs one pose-model run, the whole of the monitor's CPU bill. A person at a
desk changes posture over seconds and leaves for minutes, so: ``interval_s`` normally,
``slow_interval_s`` while nobody is there or the state has held for ``steady_after_s``,
and back to ``interval_s`` as soon as the state changes. Time is an input.
"""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.core.observation import Posture


@dataclass(frozen=True, slots=True)
class SamplingSettings:
    interval_s: float
    slow_interval_s: float
    steady_after_s: float


class SamplingPolicy:
    def __init__(self, settings: SamplingSettings) -> None:
        self.settings = settings
        self._state: Posture | None = None
        self._since = 0.0

    def observe(self, t: float, state: Posture) -> float:
        """Take the settled state at ``t``; return the seconds to wait before the next frame."""
        if state != self._state:
            self._state, self._since = state, t
        return self.interval(t)

    def interval(self, t: float) -> float:
        s = self.settings
        if self._state is None:
            return s.interval_s
        steady = t - self._since >= s.steady_after_s
        if self._state is Posture.AWAY or steady:
            return max(s.interval_s, s.slow_interval_s)
        return s.interval_s

    def reset(self) -> None:
        """After a pause or a camera problem: look closely again."""
        self._state = None
