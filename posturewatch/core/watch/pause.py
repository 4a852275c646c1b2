"""The person's pause and snooze: the one copy a watch session keeps.

A pause stops the watching (the monitor lets go of the camera) and holds reminders until
it is over or resumed; a snooze only holds reminders. Times are the session's timeline.
"""

from __future__ import annotations

import math


class PauseAndSnooze:
    def __init__(self) -> None:
        self.paused_at: float | None = None  # when the pause going on began
        self.paused_until: float | None = None  # math.inf: until resumed
        self.snoozed_until: float | None = None

    @property
    def paused(self) -> bool:
        return self.paused_until is not None

    def pause(self, now: float, seconds: float | None) -> bool:
        """Pause for ``seconds`` (None: until resumed); a pause going on is only given its
        new end. True if a pause began."""
        began = not self.paused
        if began:
            self.paused_at = now
        self.paused_until = math.inf if seconds is None else now + seconds
        return began

    def resume(self) -> float:
        """End the pause going on; return when it began."""
        assert self.paused_at is not None
        began, self.paused_at, self.paused_until = self.paused_at, None, None
        return began

    def over(self, now: float) -> bool:
        """A pause going on has reached its end."""
        return self.paused_until is not None and now >= self.paused_until

    def snooze(self, now: float, seconds: float) -> None:
        """No reminders for ``seconds`` (a longer snooze going on stays)."""
        self.snoozed_until = max(self.snoozed_until or now, now + seconds)

    def holds(self, t: float) -> bool:
        """Whether reminders wait at ``t``."""
        return self.paused or (self.snoozed_until is not None and t < self.snoozed_until)

    def snoozed(self, now: float) -> float | None:
        """When the snooze going on ends, if one is."""
        until = self.snoozed_until
        return until if until is not None and until > now else None
