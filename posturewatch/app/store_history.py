"""The monitor's writer into the history store (``storage/history.py``).

Frames go through the pure per-interval aggregator (``core/intervals.py``). What is to be
written waits in an outbox and is committed in one transaction when an interval closes,
when something happens (a bout or break ends, a reminder, an outcome, a set of wall
angels, a pause, a calibration), and every ``SPAN_EVERY_S`` while a bout or break is going on, which keeps its
row current: a crash or ``kill -9`` loses at most the interval in progress, and ``summary``
sees the bout in progress. Times come from the monitor's timeline and are placed on the
calendar by its :class:`DayClock` (UTC plus the local offset in force).

The store may fail while the monitor runs: the disk fills up, the file turns read-only,
``forget`` removes the running session or the rows it was extending. None of that stops
the monitor: the outbox is kept (up to ``MAX_PENDING`` entries, the oldest dropped
first), the connection is dropped and reopened at the next try (2, 4, 8 … 60 s of the
timeline), and :meth:`StoreHistory.problem` says what is wrong. A removed session is
begun anew. What ``forget`` removed stays removed, except the bout, break or pause still
going on: that is written again whole (from today's midnight at the earliest), as it
would have been when it ended, so the sitting in progress still counts.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from posturewatch.app.analysis import FrameResult
from posturewatch.app.history_sink import Carry, HistorySink
from posturewatch.core.baseline import Baseline
from posturewatch.core.day_clock import DayClock
from posturewatch.core.exercise import ExerciseSet
from posturewatch.core.intervals import Interval, IntervalAggregator
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.engine import Sent
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.sitting import DAY_S, Bout, Break
from posturewatch.storage.history import History, HistoryError

log = logging.getLogger(__name__)

# Outcomes the camera's "not acted" does not overwrite (expired: the bubble went unanswered).
USER_OUTCOMES = ("done", "snoozed", "dismissed", "ignored", "expired")
SPAN_EVERY_S = 10.0  # a bout or break going on is written at least this often
MAX_PENDING = 5_000  # outbox entries kept while the store fails (a few days of intervals)
RETRY_MIN_S, RETRY_MAX_S = 2.0, 60.0

Key = tuple[str, float]  # (table, start) of a span; ("reminders", id) of a reminder


@dataclass(frozen=True, slots=True)
class _Intervals:
    intervals: tuple[Interval, ...]


@dataclass(frozen=True, slots=True)
class _Span:
    table: str  # bouts | breaks | pauses
    start: float
    end: float
    sitting_s: float = 0.0

    @property
    def key(self) -> Key:
        return (self.table, self.start)


@dataclass(frozen=True, slots=True)
class _Reminder:
    reminder: Reminder


@dataclass(frozen=True, slots=True)
class _Outcome:
    reminder_id: int
    outcome: str
    note: str = ""  # what the camera saw ("5 wall angels, seen")


@dataclass(frozen=True, slots=True)
class _Exercise:
    done: ExerciseSet


@dataclass(frozen=True, slots=True)
class _Calibration:
    t: float
    baseline: Baseline


@dataclass(frozen=True, slots=True)
class _End:
    t: float


_Op = _Intervals | _Span | _Reminder | _Outcome | _Exercise | _Calibration | _End


class StoreHistory(HistorySink):
    def __init__(self, open_history: Callable[[], History], interval_s: float,
                 max_gap_s: float) -> None:
        self._open_history = open_history  # called in the monitor's thread (sqlite3 wants it)
        self.history: History | None = None
        self.max_gap_s = max_gap_s
        self._aggregator = IntervalAggregator(interval_s)
        self._day: DayClock | None = None
        self._source = ""
        self._session: int | None = None
        self._session_from = 0.0  # timeline start of the session (re)begun next
        self._held: tuple[Observation, FrameResult | None] | None = None
        self._outbox: list[_Op] = []
        self._going: dict[Key, _Span] = {}  # spans going on, changed since the last commit
        self._rows: dict[Key, tuple[int, float]] = {}  # key -> (row id, sitting_s before it)
        self._answered: set[int] = set()
        self._now = 0.0
        self._next_span_write = 0.0
        self._problem: str | None = None
        self._failed_at = 0.0
        self._retry_at = 0.0
        self._retry_s = RETRY_MIN_S
        self._dropped = 0

    # -- placing times -------------------------------------------------------------------

    def _place(self, t: float) -> tuple[float, int]:
        assert self._day is not None
        utc = self._day.epoch(t)
        return utc, round(self._day.local(t) - utc)

    # -- the sink ------------------------------------------------------------------------

    def begin(self, day: DayClock, source: str) -> None:
        self._day, self._source = day, source
        try:
            self._connect()
        except (HistoryError, sqlite3.Error, OSError) as exc:
            self._failed(0.0, exc)

    def carry(self, day: DayClock, min_break_s: float) -> Carry | None:
        if self.history is None:
            return None
        now_utc = day.epoch(0.0)
        midnight_utc = now_utc - (day.local(0.0) % DAY_S)
        try:
            tail = self.history.live_tail(midnight_utc)
        except HistoryError as exc:
            log.warning("the last run's state was not read (%s): starting afresh", exc)
            return None
        bout = None
        if tail.bout is not None:
            row, start, end, sitting = tail.bout
            last = tail.last_written_utc if tail.last_written_utc is not None else end
            sitting_at_the_end = last - end < min_break_s
            if sitting_at_the_end and 0.0 <= now_utc - end < min_break_s:
                bout = Bout(start - now_utc, end - now_utc, sitting)
                key = ("bouts", bout.start)
                self._rows[key] = (row, 0.0)
                log.info("the last run's sitting (%.0f s) goes on", sitting)
        return Carry(bout, tuple(Sent(at - now_utc, rule, level)
                                 for at, rule, level in tail.reminders))

    def observe(self, obs: Observation, *, cause: str | None = None,
                result: FrameResult | None = None) -> None:
        self._now = max(self._now, obs.t)
        if cause != "camera":  # unseen in the store (the camera was lost), whatever the bout does
            self._push_held(until=obs.t)
            self._held = (obs, result)
        if self._going and obs.t >= self._next_span_write:
            self._commit()
        elif self._problem is not None and obs.t >= self._retry_at:
            self._commit()

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
            self._queue(_Intervals(tuple(closed)))
            self._commit()

    def bout(self, bout: Bout, *, going: bool = False) -> None:
        span = _Span("bouts", bout.start, bout.end, bout.sitting_s)
        if going:
            self._going[span.key] = span
        else:
            self._queue(span)
            self._commit()

    def break_(self, brk: Break, *, now: float | None = None) -> None:
        if brk.end is None:
            end = brk.start if now is None else max(brk.start, now)
            span = _Span("breaks", brk.start, end)
            self._going[span.key] = span
        else:
            self._queue(_Span("breaks", brk.start, brk.end))
            self._commit()

    def reminder(self, reminder: Reminder) -> None:
        self._now = max(self._now, reminder.t)
        self._queue(_Reminder(reminder))
        self._commit()

    def outcome(self, reminder: Reminder, outcome: str, note: str = "") -> None:
        if outcome in USER_OUTCOMES:
            self._answered.add(reminder.id)
        elif outcome == "not acted":
            if reminder.id in self._answered:
                return  # the person's own answer stands
            outcome = "ignored"
        self._queue(_Outcome(reminder.id, outcome, note))
        self._commit()

    def exercise(self, done: ExerciseSet) -> None:
        self._now = max(self._now, done.to_s)
        self._queue(_Exercise(done))
        self._commit()

    def pause(self, start: float, end: float | None, *, now: float | None = None) -> None:
        self._now = max(self._now, end if end is not None else now or start)
        if end is None:
            span = _Span("pauses", start, max(start, now or start))
            self._going[span.key] = span
        else:
            self._queue(_Span("pauses", start, end))
        self._commit()

    def calibration(self, t: float, baseline: Baseline) -> None:
        self._queue(_Calibration(t, baseline))
        self._commit()

    def close(self, t: float) -> None:
        if self._day is None:
            return  # never begun
        self._now = max(self._now, t)
        self._push_held(until=t)
        if closed := self._aggregator.flush():
            self._queue(_Intervals(tuple(closed)))
        self._queue(_End(t))
        self._commit(force=True)
        if self._outbox:
            log.warning("history: %d records could not be saved (%s)", len(self._outbox),
                        self._problem)
        self._disconnect()

    def problem(self) -> str | None:
        if self._problem is None:
            return None
        assert self._day is not None
        local = datetime.fromtimestamp(self._day.local(self._failed_at), UTC)
        since = local.strftime("%H:%M")  # the local wall clock (local() is UTC-based)
        return f"not saved since {since}: {self._problem}"

    # -- writing -------------------------------------------------------------------------

    def _queue(self, op: _Op) -> None:
        if isinstance(op, _Span):  # the latest extent of a span covers the earlier ones
            self._going.pop(op.key, None)
            self._outbox = [o for o in self._outbox if not (isinstance(o, _Span)
                                                            and o.key == op.key)]
        self._outbox.append(op)
        if len(self._outbox) > MAX_PENDING:
            self._dropped += 1
            if self._dropped == 1:
                log.warning("history: the store has failed for long; the oldest unsaved "
                            "records are dropped")
            del self._outbox[0]

    def _commit(self, *, force: bool = False) -> None:
        """Write the outbox and the spans going on, in one transaction; on failure keep
        them for the next try."""
        if not self._outbox and not self._going:
            return
        if self._problem is not None and self._now < self._retry_at and not force:
            return
        ops = [*self._outbox, *self._going.values()]
        for attempt in (1, 2):
            try:
                self._write(ops)
            except (HistoryError, sqlite3.Error, OSError) as exc:
                if attempt == 1 and self._session_lost():
                    continue  # begun anew: once more, at once
                self._failed(self._now, exc)
                return
            break
        for op in self._outbox:  # a finished span is not written again: forget its row
            if isinstance(op, _Span) and op.key not in self._going:
                self._rows.pop(op.key, None)
        self._outbox.clear()
        self._going.clear()
        self._next_span_write = self._now + SPAN_EVERY_S
        if self._problem is not None:
            log.info("history store writes again; what waited is saved")
            self._problem = None
            self._retry_s = RETRY_MIN_S

    def _write(self, ops: list[_Op]) -> None:
        history = self._connect()
        if self._session is None:
            utc, offset = self._place(self._session_from)
            self._session = history.begin_session(kind="live", source=self._source,
                                                  start_utc=utc, utc_offset_s=offset)
        rows: dict[Key, tuple[int, float]] = {}
        with history.transaction():
            for op in ops:
                try:
                    self._apply(history, op, rows)
                except (HistoryError, sqlite3.Error):
                    raise  # the store: the whole transaction is tried again later
                except Exception:  # one bad record must not hold up all that follow it
                    log.exception("history: a record could not be written, it is dropped")
        self._rows.update(rows)

    def _apply(self, history: History, op: _Op, rows: dict[Key, tuple[int, float]]) -> None:
        session = self._session
        assert session is not None
        match op:
            case _Intervals(intervals):
                history.write_intervals(session, intervals)
            case _Span():
                self._apply_span(history, session, op, rows)
            case _Reminder(reminder):
                at, offset = self._place(reminder.t)
                row = history.write_reminder(session, at, offset, rule=reminder.rule,
                                             kind=reminder.kind, title=reminder.title,
                                             level=reminder.level)
                rows[("reminders", reminder.id)] = (row, 0.0)
            case _Outcome(reminder_id, outcome, note):
                known = rows.get(("reminders", reminder_id)) or \
                    self._rows.get(("reminders", reminder_id))
                if known is not None:
                    history.update_reminder_outcome(known[0], outcome, note=note)
            case _Exercise(done):
                start, offset = self._place(done.from_s)
                end, _ = self._place(done.to_s)
                history.write_exercise(session, done.id, done.reps, start, end, offset)
            case _Calibration(t, baseline):
                at, offset = self._place(t)
                write_calibration(history, at, offset, baseline)
            case _End(t):
                history.end_session(session, self._place(t)[0])

    def _apply_span(self, history: History, session: int, op: _Span,
                    rows: dict[Key, tuple[int, float]]) -> None:
        key = op.key
        end_utc, _ = self._place(op.end)
        known = rows.get(key) or self._rows.get(key)
        if known is not None:
            row, before = known
            extended = (history.update_bout(row, end_utc, max(0.0, op.sitting_s - before))
                        if op.table == "bouts" else
                        history.update_break(row, end_utc) if op.table == "breaks" else
                        history.update_pause(row, end_utc))
            if extended:
                return
        # A new row; or its row was forgotten while the span went on: the span is still
        # going on, so it is written again whole, but from today on (`forget --before`
        # today removed the days before).
        start = max(op.start, self._midnight(op.end))
        before = max(0.0, op.sitting_s - (op.end - start)) if start > op.start else 0.0
        start_utc, offset = self._place(start)
        if op.table == "bouts":
            row = history.write_bout(session, start_utc, end_utc, offset,
                                     max(0.0, op.sitting_s - before))
        elif op.table == "breaks":
            row = history.write_break(session, start_utc, end_utc, offset)
        else:
            row = history.write_pause(session, start_utc, end_utc, offset)
        rows[key] = (row, before)

    def _midnight(self, t: float) -> float:
        """The timeline time of the local midnight that began ``t``'s day."""
        assert self._day is not None
        return t - (self._day.local(t) % DAY_S)

    # -- failures ------------------------------------------------------------------------

    def _connect(self) -> History:
        if self.history is None:
            self.history = self._open_history()
        return self.history

    def _disconnect(self) -> None:
        if self.history is not None:
            try:
                self.history.close()
            except sqlite3.Error:
                pass
            self.history = None

    def _session_lost(self) -> bool:
        """The running session was removed (``forget``): begin a new one from now."""
        if self.history is None or self._session is None:
            return False
        try:
            if self.history.has_session(self._session):
                return False
        except HistoryError:
            return False
        log.warning("history: the running session was removed (forget?); a new one begins")
        self._session = None
        self._session_from = self._now
        return True

    def _failed(self, now: float, exc: Exception) -> None:
        if self._problem is None:
            self._failed_at = now
            log.warning("history not saved (%s); kept and retried, the monitor goes on", exc)
        else:
            log.debug("history still not saved: %s", exc)
        self._problem = str(exc)
        self._retry_at = now + self._retry_s
        self._retry_s = min(RETRY_MAX_S, self._retry_s * 2)
        self._disconnect()  # reopened at the next try (a remounted disk, a replaced file)


def write_calibration(history: History, at_utc: float, utc_offset_s: int,
                      baseline: Baseline) -> None:
    """A new baseline into the store: its medians, never the frames it came from."""
    values = {k: v for k, v in baseline.to_json().items()
              if isinstance(v, int | float) and k not in ("version", "frames")}
    history.write_calibration(at_utc, utc_offset_s, view=baseline.view,
                              frames=baseline.frames, values=values)
