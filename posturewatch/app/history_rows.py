"""The one writer of history rows: what a watch session says happened, as rows of the store.

Live ``run`` (``store_history.py``: committed as it goes, kept and retried while the store
fails) and recorded ``analyze --store`` (``recording.py``: one transaction per clip) both
hand it the session's messages. Judged frames go through the pure per-interval aggregator
(``core/intervals.py``); each frame is held until the next one arrives, because it stands
for the time until then (how long at most, :class:`FrameSpans` says: a live camera's
frames by the tracker's gap, a recording's as ``analyze`` counts them). Bouts, breaks and
pauses going on keep one row each, extended as they grow. Times are the session's
timeline, placed on the calendar given to :meth:`HistoryRows.begin` (UTC plus the local
offset in force).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Protocol

from posturewatch.app.analysis import GAP_INTERVALS, StepTally
from posturewatch.core.baseline import Baseline
from posturewatch.core.exercise import ExerciseSet
from posturewatch.core.intervals import Interval, IntervalAggregator
from posturewatch.core.observation import Observation
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.sitting import DAY_S
from posturewatch.core.watch.calendar import Calendar
from posturewatch.core.watch.happened import (
    BoutChanged,
    BreakChanged,
    Calibrated,
    Cause,
    ExerciseCounted,
    JudgedFrame,
    Message,
    Observed,
    PauseChanged,
    ReminderFired,
    ReminderSettled,
    SpellChanged,
)
from posturewatch.storage.history import SPELL_TABLES, History, HistoryError

log = logging.getLogger(__name__)

TAKES = (Observed, BoutChanged, BreakChanged, PauseChanged, ReminderFired, ReminderSettled,
         ExerciseCounted, Calibrated, SpellChanged)
UNSEEN = (Cause.CAMERA, Cause.CALL)  # made up, but not seen: no interval rows
Key = tuple[str, float]  # (table, start) of a span; ("reminders", id) of a reminder


class FrameSpans(Protocol):
    """How long a held frame stands: until the next one, but never longer than a gap
    the source could not have seen through."""

    def span(self, t: float, next_t: float) -> float: ...

    def last(self, t: float, end: float | None) -> float:
        """The last frame's time, up to ``end`` (the close, or the recording's length)."""
        ...


@dataclass
class CappedSpans:
    """A live camera: a frame stands at most ``max_gap_s``, as the sitting tracker counts
    it (a longer silence is unseen)."""

    max_gap_s: float

    def span(self, t: float, next_t: float) -> float:
        return min(next_t - t, self.max_gap_s)

    def last(self, t: float, end: float | None) -> float:
        return self.max_gap_s if end is None else min(end - t, self.max_gap_s)


class ClipSpans:
    """A recording: as ``analyze``'s totals count it (``app.analysis.Totals``), so the
    stored seconds per state equal the report's: a gap is capped at three steps (the
    larger of the sampling interval and the typical gap) only when it is longer than
    three intervals; the last frame stands for a step or what is left of the source."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._steps = StepTally()

    def _step(self) -> float:
        median = self._steps.median()
        return self._interval if median is None else max(self._interval, median)

    def span(self, t: float, next_t: float) -> float:
        gap = next_t - t
        if gap > 0:
            self._steps.add(gap)
        # the step is at least the interval, so only a longer gap can be capped
        return min(gap, GAP_INTERVALS * self._step()) if gap > GAP_INTERVALS * self._interval \
            else gap

    def last(self, t: float, end: float | None) -> float:
        step = self._step()
        return step if end is None else max(0.0, min(step, end - t))


# -- what waits to be written ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Intervals:
    intervals: tuple[Interval, ...]


@dataclass(frozen=True, slots=True)
class _Span:
    table: str  # bouts | breaks | pauses | calls | locks
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


@dataclass(frozen=True, slots=True)
class SessionRow:
    """How the session row is begun: ``kind`` live or clip; a ``key`` replaces the
    session stored before with it (``analyze --store`` of the same clip)."""

    kind: str
    source: str
    key: str | None = None


class HistoryRows:
    """Messages in with :meth:`take`; :meth:`write` puts what waits into the store in one
    transaction. ``max_pending``: at most this many records wait (the oldest dropped
    first); None keeps all (a recording, written whole)."""

    def __init__(self, interval_s: float, spans: FrameSpans, *,
                 max_pending: int | None = None) -> None:
        self._aggregator = IntervalAggregator(interval_s)
        self._spans = spans
        self._max_pending = max_pending
        self._calendar: Calendar | None = None
        self.session: int | None = None
        self.session_from = 0.0  # timeline start of the session (re)begun next
        self.intervals_written = 0
        self._held: tuple[Observation, JudgedFrame | None] | None = None
        self._outbox: list[_Op] = []
        self._going: dict[Key, _Span] = {}  # spans going on, changed since the last write
        self._latest: dict[Key, _Span] = {}  # every span going on, as last heard of
        # key -> (row id, sitting_s before it, the timeline time its row starts at)
        self._rows: dict[Key, tuple[int, float, float]] = {}
        self._dropped = 0

    def begin(self, calendar: Calendar) -> None:
        self._calendar = calendar

    @property
    def waiting(self) -> bool:
        """Something waits to be written."""
        return bool(self._outbox or self._going)

    @property
    def going(self) -> bool:
        """A bout, break or pause going on waits to be written."""
        return bool(self._going)

    def lost_file(self) -> None:
        """The store's file is gone (removed, replaced, damaged): the rows written to it
        are out of reach. A new file gets a session again, every span going on (whole,
        from its start) and all that waits to be written."""
        self.session = None
        self._rows.clear()
        for key, span in self._latest.items():
            self._going.setdefault(key, span)

    def carried(self, bout_start: float, row: int) -> None:
        """The bout an earlier run stored goes on: extend its row."""
        self._rows[("bouts", bout_start)] = (row, 0.0, bout_start)

    def take(self, message: Message) -> bool:
        """Queue what ``message`` adds; True if it should be written now (something ended
        or happened), False for what only grows (a bout or break going on, a frame)."""
        match message:
            case Observed(obs, cause, frame):
                if cause in UNSEEN:  # unseen in the store, whatever the bout does: the
                    return self._push_held(until=obs.t)  # last frame seen stands until it
                closed = self._push_held(until=obs.t)
                self._held = (obs, frame)
                return closed
            case BoutChanged(bout, going):
                return self._span(_Span("bouts", bout.start, bout.end, bout.sitting_s), going)
            case BreakChanged(brk, now):
                if brk.end is not None:
                    return self._span(_Span("breaks", brk.start, brk.end), False)
                end = brk.start if now is None else max(brk.start, now)
                return self._span(_Span("breaks", brk.start, end), True)
            case PauseChanged(start, end, now) | SpellChanged(_, start, end, now):
                table = "pauses" if isinstance(message, PauseChanged) else \
                    SPELL_TABLES[message.spell]
                if end is None:
                    self._span(_Span(table, start, max(start, now or start)), True)
                else:
                    self._span(_Span(table, start, end), False)
                return True
            case ReminderFired(reminder):
                self._queue(_Reminder(reminder))
            case ReminderSettled(reminder, outcome, note):
                self._queue(_Outcome(reminder.id, outcome.value, note))
            case ExerciseCounted(done):
                self._queue(_Exercise(done))
            case Calibrated(t, baseline):
                self._queue(_Calibration(t, baseline))
            case _:
                return False
        return True

    def end_frames(self, until: float | None) -> float:
        """No more frames: the last one stands until ``until`` (None: as long as a frame
        may), the last interval closes. Returns where the frames end."""
        end = 0.0
        if self._held is not None:
            obs, frame = self._held
            self._held = None
            seconds = max(0.0, self._spans.last(obs.t, until))
            self._aggregate(obs, frame, seconds)
            end = obs.t + seconds
        if closed := self._aggregator.flush():
            self._queue(_Intervals(tuple(closed)))
        return end

    def end_session(self, t: float) -> None:
        self._queue(_End(t))

    # -- queueing ------------------------------------------------------------------------

    def _push_held(self, until: float) -> bool:
        if self._held is None:
            return False
        obs, frame = self._held
        self._held = None
        return self._aggregate(obs, frame, self._spans.span(obs.t, until))

    def _aggregate(self, obs: Observation, frame: JudgedFrame | None, seconds: float) -> bool:
        utc, offset = self._place(obs.t)
        closed = self._aggregator.push(t=obs.t, wall_utc=utc, utc_offset_s=offset,
                                       state=obs.state, seconds=max(0.0, seconds),
                                       metrics=_metrics(frame),
                                       reasons=frame.reasons if frame is not None else ())
        if closed:
            self._queue(_Intervals(tuple(closed)))
        return bool(closed)

    def _span(self, span: _Span, going: bool) -> bool:
        if going:
            self._going[span.key] = self._latest[span.key] = span
            return False
        self._latest.pop(span.key, None)
        self._queue(span)
        return True

    def _queue(self, op: _Op) -> None:
        if isinstance(op, _Span):  # the latest extent of a span covers the earlier ones
            self._going.pop(op.key, None)
            self._outbox = [o for o in self._outbox if not (isinstance(o, _Span)
                                                            and o.key == op.key)]
        self._outbox.append(op)
        if self._max_pending is not None and len(self._outbox) > self._max_pending:
            self._dropped += 1
            if self._dropped == 1:
                log.warning("history: the store has failed for long; the oldest unsaved "
                            "records are dropped")
            del self._outbox[0]

    # -- writing -------------------------------------------------------------------------

    def write(self, history: History, row: SessionRow) -> None:
        """Everything waiting, in one transaction (beginning the session row first if
        needed); on failure it all stays to be tried again, and the error is raised."""
        ops = [*self._outbox, *self._going.values()]
        if not ops:
            return
        rows: dict[Key, tuple[int, float, float]] = {}
        begun = self.session
        with history.transaction():
            if begun is None:
                utc, offset = self._place(self.session_from)
                begun = history.begin_session(kind=row.kind, source=row.source, key=row.key,
                                              start_utc=utc, utc_offset_s=offset)
            for op in ops:
                try:
                    self._apply(history, begun, op, rows)
                except (HistoryError, sqlite3.Error):
                    raise  # the store: the whole transaction is tried again later
                except Exception:  # one bad record must not hold up all that follow it
                    log.exception("history: a record could not be written, it is dropped")
        self.session = begun
        self._rows.update(rows)
        for op in self._outbox:  # a finished span is not written again: forget its row
            if isinstance(op, _Span) and op.key not in self._going:
                self._rows.pop(op.key, None)
            elif isinstance(op, _Intervals):
                self.intervals_written += len(op.intervals)
        self._outbox.clear()
        self._going.clear()

    @property
    def pending(self) -> int:
        return len(self._outbox)

    def _apply(self, history: History, session: int, op: _Op,
               rows: dict[Key, tuple[int, float, float]]) -> None:
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
                rows[("reminders", reminder.id)] = (row, 0.0, reminder.t)
            case _Outcome(reminder_id, outcome, note):
                known = rows.get(("reminders", reminder_id)) or \
                    self._rows.get(("reminders", reminder_id))
                if known is not None:
                    history.update_reminder_outcome(known[0], outcome, note=note)
            case _Exercise(done):
                start, offset = self._place(done.from_s)
                end, _ = self._place(done.to_s)
                history.write_exercise(session, done.id, done.reps, start, end, offset,
                                       sides=done.sides)
            case _Calibration(t, baseline):
                at, offset = self._place(t)
                write_calibration(history, at, offset, baseline)
            case _End(t):
                history.end_session(session, self._place(t)[0])

    def _apply_span(self, history: History, session: int, op: _Span,
                    rows: dict[Key, tuple[int, float, float]]) -> None:
        key = op.key
        end_utc, _ = self._place(op.end)
        known = rows.get(key) or self._rows.get(key)
        start, before = op.start, 0.0
        if known is not None:
            # placed from its start by the clock as it is now: set while the span went on
            # (a time-zone fix, NTP), the row moves whole rather than end before it began
            row, before, row_start = known
            start_utc, _ = self._place(row_start)
            extended = (history.update_bout(row, end_utc, max(0.0, op.sitting_s - before),
                                            start_utc=start_utc)
                        if op.table == "bouts" else
                        history.update_break(row, end_utc, start_utc=start_utc)
                        if op.table == "breaks" else
                        history.update_pause(row, end_utc, start_utc=start_utc)
                        if op.table == "pauses" else
                        history.update_spell(_spell(op.table), row, end_utc,
                                             start_utc=start_utc))
            if extended:
                return
            # Its row was forgotten while the span went on: the span is still going on, so
            # it is written again whole, but from today on (`forget --before` today
            # removed the days before).
            start = max(op.start, self._midnight(op.end))
            before = max(0.0, op.sitting_s - (op.end - start)) if start > op.start else 0.0
        start_utc, offset = self._place(start)
        if op.table == "bouts":
            row = history.write_bout(session, start_utc, end_utc, offset,
                                     max(0.0, op.sitting_s - before))
        elif op.table == "breaks":
            row = history.write_break(session, start_utc, end_utc, offset)
        elif op.table == "pauses":
            row = history.write_pause(session, start_utc, end_utc, offset)
        else:
            row = history.write_spell(_spell(op.table), session, start_utc, end_utc, offset)
        rows[key] = (row, before, start)

    # -- placing times -------------------------------------------------------------------

    def _place(self, t: float) -> tuple[float, int]:
        """(UTC epoch seconds, the local offset in force) at timeline time ``t``."""
        assert self._calendar is not None
        utc = self._calendar.epoch(t)
        return utc, round(self._calendar.local(t) - utc)

    def _midnight(self, t: float) -> float:
        """The timeline time of the local midnight that began ``t``'s day."""
        assert self._calendar is not None
        return t - (self._calendar.local(t) % DAY_S)


def _spell(table: str) -> str:
    return next(spell for spell, name in SPELL_TABLES.items() if name == table)


def _metrics(frame: JudgedFrame | None) -> dict[str, object] | None:
    """What an interval averages of a frame: its metrics, slouch score and closeness."""
    if frame is None:
        return None
    metrics: dict[str, object] = dict(frame.metrics.to_dict()) if frame.metrics else {}
    metrics["score"] = frame.score
    metrics["closeness"] = frame.closeness
    return metrics


def write_calibration(history: History, at_utc: float, utc_offset_s: int,
                      baseline: Baseline) -> None:
    """A new baseline into the store: its medians, never the frames it came from."""
    values = {k: v for k, v in baseline.to_json().items()
              if isinstance(v, int | float) and k not in ("version", "frames")}
    history.write_calibration(at_utc, utc_offset_s, view=baseline.view,
                              frames=baseline.frames, values=values)
