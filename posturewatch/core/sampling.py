"""How often the monitor looks: every few seconds, and every second while it is unsure.

Each sample costs one pose-model run (about 28 ms of CPU), nearly the whole of the
monitor's CPU bill. A person at a desk holds a posture for many seconds and leaves for
minutes, and every rule acts on minutes, so one frame every ``slow_interval_s`` is plenty
while the state is clear. While the monitor is unsure, it looks every ``interval_s``: a
change of state not yet clear (one noisy frame is dismissed, or a real change confirmed,
within a couple of seconds, so the timeline's edges stay sharp), or nothing learned yet to
judge against (see ``Pipeline.unsure``). Time is an input: nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SamplingSettings:
    interval_s: float  # between frames while unsure
    slow_interval_s: float  # between frames otherwise

    def wait_s(self, unsure: bool) -> float:
        """Seconds from one sampled frame to the next."""
        return self.interval_s if unsure else max(self.interval_s, self.slow_interval_s)
