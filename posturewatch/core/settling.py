"""Holding back a change of state until it is clear, so one noisy frame never flips it.

Time is an input: ``push`` takes each frame's timestamp; nothing here reads a clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Generic, TypeVar

from posturewatch.core.observation import Posture

T = TypeVar("T")


class Settler(Generic[T]):
    """Delays a change of state until it is clear, then releases the held items labelled
    with what they turned out to be. Items come back in input order, at most ``settle_s``
    (plus one frame) after they went in.

    A change is clear when one new state has lasted ``settle_s``. If the held frames span
    ``settle_s`` without that (say away and unknown alternating, or stray detections on an
    empty chair), the old state is over all the same: the held frames take their most
    common state (the latest one on a tie)."""

    def __init__(self, settle_s: float) -> None:
        self.settle_s = settle_s
        self.state: Posture | None = None
        self._held: list[tuple[float, Posture, T]] = []

    def push(self, t: float, state: Posture, item: T) -> Iterator[tuple[T, Posture]]:
        if self.state is None:
            self.state = state
        if state == self.state:
            yield from self._release(self.state)
            yield item, state
            return
        self._held.append((t, state, item))
        run_start = len(self._held)
        while run_start > 0 and self._held[run_start - 1][1] == state:
            run_start -= 1
        if t - self._held[run_start][0] >= self.settle_s:
            for _, _, held in self._held[:run_start]:
                yield held, self.state
            del self._held[:run_start]
            yield from self._release(state)
        elif t - self._held[0][0] >= self.settle_s:
            yield from self._release(self._most_common())

    @property
    def pending(self) -> bool:
        """A change is being held until it is clear (or taken as noise)."""
        return bool(self._held)

    def flush(self) -> Iterator[tuple[T, Posture]]:
        """At the end of a stream an unconfirmed change is taken as noise."""
        if self.state is not None:
            yield from self._release(self.state)

    def _most_common(self) -> Posture:
        counts = Counter(state for _, state, _ in self._held)
        latest = {state: i for i, (_, state, _) in enumerate(self._held)}
        return max(counts, key=lambda state: (counts[state], latest[state]))

    def _release(self, state: Posture) -> Iterator[tuple[T, Posture]]:
        """Release every held item as ``state``, which becomes the settled state."""
        self.state = state
        for _, _, held in self._held:
            yield held, state
        self._held.clear()
