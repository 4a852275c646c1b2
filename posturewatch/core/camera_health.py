"""Whether the camera is giving frames, and when to try again if not.

A camera taken by another app (a video call) or unplugged is not an error to stop on: the
monitor shows "camera problem" and retries, quickly at first, then every
``max_retry_s`` for as long as it takes (days: the doubling stops at the cap, so the
wait never overflows), and recovers by itself. Time is an input.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CameraSettings:
    min_retry_s: float
    max_retry_s: float


class CameraHealth:
    def __init__(self, settings: CameraSettings) -> None:
        self.settings = settings
        self.problem: str | None = None  # what went wrong, None while frames come
        self.since: float | None = None  # when the problem began
        self.next_try = 0.0
        self._failures = 0

    @property
    def ok(self) -> bool:
        return self.problem is None

    def failed(self, t: float, problem: str) -> float:
        """Record a failure at ``t``; return when to try again (doubling backoff)."""
        if self.problem is None:
            self.since = t
        self.problem = problem
        delay = min(self.settings.max_retry_s, self.settings.min_retry_s * 2.0 ** self._failures)
        if delay < self.settings.max_retry_s:  # at the cap the count stops: no overflow
            self._failures += 1
        self.next_try = t + delay
        return self.next_try

    def recovered(self) -> float | None:
        """Frames again; return how long the problem lasted (None if there was none)."""
        since = self.since
        self.problem, self.since, self._failures, self.next_try = None, None, 0, 0.0
        return since

    def describe(self) -> str:
        return "ok" if self.problem is None else f"camera problem: {self.problem}"
