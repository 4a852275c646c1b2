"""The monitor's writer into the history store (``storage/history.py``).

Frames go through the pure per-interval aggregator (``core/intervals.py``); each interval
is written as soon as it closes, one transaction, so a crash or ``kill -9`` loses at most
the interval in progress. Bouts, breaks, reminders, outcomes, pauses and calibrations are
written as they happen. Times come from the monitor's timeline and are placed on the
calendar by its :class:`DayClock` (UTC plus the local offset in force).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from posturewatch.app.analysis import FrameResult
from posturewatch.core.baseline import Baseline
from posturewatch.core.day_clock import DayClock
from posturewatch.core.exercise import ExerciseSet
from posturewatch.core.intervals import IntervalAggregator
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.sitting import Bout, Break
from posturewatch.storage.history import History

log = logging.getLogger(__name__)

# Outcomes the camera's "not acted" does not overwrite (expired: the bubble went unanswered).
USER_OUTCOMES = ("done", "snoozed", "dismissed", "ignored", "expired")


class StoreHistory:
    def __init__(self, open_history: Callable[[], History], interval_s: float,
                 max_gap_s: float) -> None:
        self._open_history = open_history  # called in the monitor's thread (sqlite3 wants it)
        self.history: History
        self.max_gap_s = max_gap_s
        self._aggregator = IntervalAggregator(interval_s)
        self._day: DayClock | None = None
        self._session = 0
        self._held: tuple[Observation, FrameResult | None] | None = None
        self._ids: dict[int, int] = {}  # reminder id -> store row id
        self._answered: set[int] = set()

    def _place(self, t: float) -> tuple[float, int]:
        assert self._day is not None
        utc = self._day.epoch(t)
        return utc, round(self._day.local(t) - utc)

    def begin(self, day: DayClock, source: str) -> None:
        self.history = self._open_history()
        self._day = day
        utc, offset = self._place(0.0)
        self._session = self.history.begin_session(kind="live", source=source, start_utc=utc,
                                                   utc_offset_s=offset)

    def observe(self, obs: Observation, *, cause: str | None = None,
                result: FrameResult | None = None) -> None:
        if cause == "camera":
            return  # unseen in the store (the camera was lost), whatever the bout does
        self._push_held(until=obs.t)
        self._held = (obs, result)

    def _push_held(self, until: float | None) -> None:
        """The held frame stands until the next one (capped, like the sitting tracker:
        a longer silence is unseen)."""
        if self._held is None:
            return
        obs, result = self._held
        self._held = None
        span = self.max_gap_s if until is None else min(until - obs.t, self.max_gap_s)
        utc, offset = self._place(obs.t)
        metrics = result.metrics.to_dict() if result is not None and result.metrics else None
        reasons = result.reasons if result is not None else ()
        closed = self._aggregator.push(t=obs.t, wall_utc=utc, utc_offset_s=offset,
                                       state=Posture(obs.state), seconds=max(0.0, span),
                                       metrics=metrics, reasons=reasons)
        if closed:
            self.history.write_intervals(self._session, closed)

    def bout(self, bout: Bout) -> None:
        start, offset = self._place(bout.start)
        end, _ = self._place(bout.end)
        self.history.write_bout(self._session, start, end, offset, bout.sitting_s)

    def break_(self, brk: Break) -> None:
        if brk.end is None:
            return
        start, offset = self._place(brk.start)
        end, _ = self._place(brk.end)
        self.history.write_break(self._session, start, end, offset)

    def reminder(self, reminder: Reminder) -> None:
        at, offset = self._place(reminder.t)
        self._ids[reminder.id] = self.history.write_reminder(
            self._session, at, offset, rule=reminder.rule, kind=reminder.kind,
            title=reminder.title, level=reminder.level)

    def outcome(self, reminder: Reminder, outcome: str, note: str = "") -> None:
        row = self._ids.get(reminder.id)
        if row is None:
            return
        if outcome in USER_OUTCOMES:
            self._answered.add(reminder.id)
        elif outcome == "not acted":
            if reminder.id in self._answered:
                return  # the person's own answer stands
            outcome = "ignored"
        self.history.update_reminder_outcome(row, outcome, note=note)

    def exercise(self, done: ExerciseSet) -> None:
        start, offset = self._place(done.from_s)
        end, _ = self._place(done.to_s)
        self.history.write_exercise(self._session, done.id, done.reps, start, end, offset)

    def pause(self, start: float, end: float) -> None:
        a, offset = self._place(start)
        b, _ = self._place(end)
        self.history.write_pause(self._session, a, b, offset)

    def calibration(self, t: float, baseline: Baseline) -> None:
        at, offset = self._place(t)
        write_calibration(self.history, at, offset, baseline)

    def close(self, t: float) -> None:
        if self._day is None:
            return  # never begun
        try:
            self._push_held(until=t)
            self.history.write_intervals(self._session, self._aggregator.flush())
            utc, _ = self._place(t)
            self.history.end_session(self._session, utc)
        finally:
            self.history.close()


def write_calibration(history: History, at_utc: float, utc_offset_s: int,
                      baseline: Baseline) -> None:
    """A new baseline into the store: its medians, never the frames it came from."""
    values = {k: v for k, v in baseline.to_json().items()
              if isinstance(v, int | float) and k not in ("version", "frames")}
    history.write_calibration(at_utc, utc_offset_s, view=baseline.view,
                              frames=baseline.frames, values=values)
