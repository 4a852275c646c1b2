"""How often the monitor looks: about once a second, less when nothing is happening.

Each sample costs one pose-model run, the whole of the monitor's CPU bill. A person at a
desk changes posture over seconds and leaves for minutes, so: ``interval_s`` for
``fast_for_s`` after a change of state, then ``medium_interval_s``, then
``slow_interval_s`` once the state has held for ``steady_after_s`` (at once while nobody is
there); any change goes back to ``interval_s``. Time is an input.
"""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.core.observation import Posture


@dataclass(frozen=True, slots=True)
class SamplingSettings:
    interval_s: float
    slow_interval_s: float
    steady_after_s: float
    fast_for_s: float = 0.0
    medium_interval_s: float = 0.0


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
        held = t - self._since
        if self._state is Posture.AWAY or held >= s.steady_after_s:
            return max(s.interval_s, s.slow_interval_s)
        if held >= s.fast_for_s:
            return max(s.interval_s, s.medium_interval_s)
        return s.interval_s

    def reset(self) -> None:
        """After a pause or a camera problem: look closely again."""
        self._state = None
