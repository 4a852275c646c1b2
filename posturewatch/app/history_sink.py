"""The sink that keeps history, and what it tells a restarted monitor.

The monitor hands it what its watch session says happened (see :class:`~posturewatch.app.
sinks.Sink`), with timeline times and a calendar that places them. ``StoreHistory``
(``app/store_history.py``) writes to the SQLite store; ``LogHistory`` keeps nothing
(``run --no-store``, and tests of the loop alone).
"""

from __future__ import annotations

import logging

from posturewatch.app.sinks import Sink
from posturewatch.core.watch.happened import (
    DayTotals,
    ExerciseCounted,
    Message,
    PauseChanged,
    ReminderFired,
    ReminderSettled,
)

log = logging.getLogger(__name__)


class HistorySink(Sink):
    name = "history"
    keeps = True  # False: nothing is stored (the status says "off")

    def notice(self, problem: str) -> tuple[str, str]:
        """The notification (title, body) for a new :meth:`problem`."""
        return "History not saved", (f"{problem}. Watching and reminders go on; saving "
                                     "resumes by itself.")


class LogHistory(HistorySink):
    """No store: what happened goes to the debug log only."""

    keeps = False
    takes = (ReminderFired, ReminderSettled, ExerciseCounted, PauseChanged, DayTotals)

    def take(self, message: Message) -> None:
        match message:
            case ReminderFired(reminder):
                log.debug("reminder %s at %.1f", reminder.rule, reminder.t)
            case ReminderSettled(reminder, outcome, note):
                log.debug("reminder %d: %s %s", reminder.id, outcome, note)
            case ExerciseCounted(done):
                log.debug("%d %s at %.1f..%.1f", done.reps, done.id, done.from_s, done.to_s)
            case PauseChanged(start, end) if end is not None:
                log.debug("paused %.1f..%.1f", start, end)
            case DayTotals(sitting):
                log.debug("sat %.0f s in %d bouts, %d breaks", sum(
                    b.sitting_s for b in sitting.bouts), len(sitting.bouts), len(sitting.breaks))
