"""What the monitor hands to the history store, behind one small interface.

The monitor calls these from its own thread as things happen, with timeline times and a
:class:`~posturewatch.core.day_clock.DayClock` that places them on the calendar.
``StoreHistory`` (``app/store_history.py``) aggregates and writes them to the SQLite store;
``LogHistory`` keeps nothing (``run --no-store``, and tests of the loop alone).
"""

from __future__ import annotations

import logging
from typing import Protocol

from posturewatch.app.analysis import FrameResult
from posturewatch.core.baseline import Baseline
from posturewatch.core.day_clock import DayClock
from posturewatch.core.exercise import ExerciseSet
from posturewatch.core.observation import Observation
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.sitting import Bout, Break

log = logging.getLogger(__name__)


class HistorySink(Protocol):
    def begin(self, day: DayClock, source: str) -> None: ...

    def observe(self, obs: Observation, *, cause: str | None = None,
                result: FrameResult | None = None) -> None:
        """One observation; ``cause`` names synthetic ones ("suspend": counted as away;
        "camera": the camera was lost, unseen in the store though the bout goes on)."""

    def bout(self, bout: Bout) -> None: ...

    def break_(self, brk: Break) -> None: ...

    def reminder(self, reminder: Reminder) -> None: ...

    def outcome(self, reminder: Reminder, outcome: str, note: str = "") -> None:
        """acted, done, snoozed, dismissed, ignored or expired; "not acted" when the camera
        saw no action (kept as ignored unless the person answered); ``note``: what the
        camera saw ("5 wall angels, seen")."""

    def exercise(self, done: ExerciseSet) -> None:
        """A set of repetitions the camera counted, once it is over."""

    def pause(self, start: float, end: float) -> None: ...

    def calibration(self, t: float, baseline: Baseline) -> None: ...

    def close(self, t: float) -> None:
        """Write what is pending; the monitor is stopping."""


class LogHistory:
    """No store: events go to the debug log only."""

    def begin(self, day: DayClock, source: str) -> None:
        pass

    def observe(self, obs: Observation, *, cause: str | None = None,
                result: FrameResult | None = None) -> None:
        pass

    def bout(self, bout: Bout) -> None:
        pass

    def break_(self, brk: Break) -> None:
        pass

    def reminder(self, reminder: Reminder) -> None:
        log.debug("reminder %s at %.1f", reminder.rule, reminder.t)

    def outcome(self, reminder: Reminder, outcome: str, note: str = "") -> None:
        log.debug("reminder %d: %s %s", reminder.id, outcome, note)

    def exercise(self, done: ExerciseSet) -> None:
        log.debug("%d %s at %.1f..%.1f", done.reps, done.id, done.from_s, done.to_s)

    def pause(self, start: float, end: float) -> None:
        log.debug("paused %.1f..%.1f", start, end)

    def calibration(self, t: float, baseline: Baseline) -> None:
        log.debug("calibrated at %.1f", t)

    def close(self, t: float) -> None:
        pass
