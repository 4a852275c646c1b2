"""What the monitor hands to the history store, behind one small interface.

The monitor calls these as things happen; the store (``storage/history.py``) batches and
writes them. ``LogHistory`` keeps nothing, for when no store is wanted (``--no-store``)
or it cannot be opened: the monitor goes on either way.
"""

from __future__ import annotations

import logging
from typing import Protocol

from posturewatch.core.observation import Observation
from posturewatch.core.reminders.reminder import Reminder

log = logging.getLogger(__name__)


class HistorySink(Protocol):
    def observe(self, obs: Observation, *, cause: str | None = None) -> None:
        """One observation on the timeline; ``cause`` names synthetic ones
        ("suspend", "camera")."""

    def reminder(self, reminder: Reminder) -> None: ...

    def outcome(self, reminder: Reminder, outcome: str) -> None:
        """acted, done, snoozed, dismissed or ignored."""

    def pause(self, start: float, end: float) -> None: ...

    def calibration(self, t: float, ok: bool, detail: str) -> None: ...

    def flush(self, t: float) -> None:
        """Write what is pending (every interval, and at stop)."""

    def close(self, t: float) -> None: ...


class LogHistory:
    """No store: events go to the debug log only."""

    def observe(self, obs: Observation, *, cause: str | None = None) -> None:
        pass

    def reminder(self, reminder: Reminder) -> None:
        log.debug("reminder %s at %.1f", reminder.rule, reminder.t)

    def outcome(self, reminder: Reminder, outcome: str) -> None:
        log.debug("reminder %d: %s", reminder.id, outcome)

    def pause(self, start: float, end: float) -> None:
        log.debug("paused %.1f..%.1f", start, end)

    def calibration(self, t: float, ok: bool, detail: str) -> None:
        log.debug("calibration at %.1f: %s", t, detail)

    def flush(self, t: float) -> None:
        pass

    def close(self, t: float) -> None:
        pass
