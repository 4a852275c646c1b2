"""The sink that keeps history, and what it tells a restarted monitor.

The monitor calls it from its own thread as things happen (see :class:`~posturewatch.app.
sinks.Sink` for the hooks), with timeline times and a :class:`~posturewatch.core.day_clock.
DayClock` that places them on the calendar. ``StoreHistory`` (``app/store_history.py``)
writes to the SQLite store; ``LogHistory`` keeps nothing (``run --no-store``, and tests of
the loop alone).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from posturewatch.app.sinks import Sink
from posturewatch.core.day_clock import DayClock
from posturewatch.core.exercise import ExerciseSet
from posturewatch.core.reminders.engine import Sent
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.sitting import Bout

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Carry:
    """Where an earlier run stopped, on this run's timeline (so times are negative)."""

    bout: Bout | None  # the bout it was in, if the silence since is shorter than a break
    sent: tuple[Sent, ...]  # the reminders it sent today


class HistorySink(Sink):
    name = "history"
    keeps = True  # False: nothing is stored (the status says "off")

    def carry(self, day: DayClock, min_break_s: float) -> Carry | None:
        """What the last run left to go on with (after :meth:`begin`); None: nothing."""
        return None


class LogHistory(HistorySink):
    """No store: events go to the debug log only."""

    keeps = False

    def reminder(self, reminder: Reminder) -> None:
        log.debug("reminder %s at %.1f", reminder.rule, reminder.t)

    def outcome(self, reminder: Reminder, outcome: str, note: str = "") -> None:
        log.debug("reminder %d: %s %s", reminder.id, outcome, note)

    def exercise(self, done: ExerciseSet) -> None:
        log.debug("%d %s at %.1f..%.1f", done.reps, done.id, done.from_s, done.to_s)

    def pause(self, start: float, end: float | None, *, now: float | None = None) -> None:
        if end is not None:
            log.debug("paused %.1f..%.1f", start, end)
