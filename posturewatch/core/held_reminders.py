"""Reminders held back while the person must not be disturbed.

While do-not-disturb is on or a full-screen window has focus, a reminder waits; when the
way is clear the ones still fresh go out (oldest first) and the ones older than
``stale_s`` are dropped: "stand up" an hour late is noise. Time is an input.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Released(Generic[T]):
    send: tuple[T, ...]
    dropped: tuple[T, ...]


class HeldReminders(Generic[T]):
    def __init__(self, stale_s: float) -> None:
        self.stale_s = stale_s
        self._held: deque[tuple[float, T]] = deque()

    def __len__(self) -> int:
        return len(self._held)

    def add(self, t: float, item: T) -> None:
        self._held.append((t, item))

    def release(self, t: float, *, blocked: bool) -> Released[T]:
        """What to send now (nothing while ``blocked``) and what has gone stale."""
        dropped = []
        while self._held and t - self._held[0][0] > self.stale_s:
            dropped.append(self._held.popleft()[1])
        if blocked:
            return Released((), tuple(dropped))
        send = tuple(item for _, item in self._held)
        self._held.clear()
        return Released(send, tuple(dropped))
