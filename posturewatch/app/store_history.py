"""The live monitor's history sink: the row writer (``history_rows.py``) committed as the
day goes, into the SQLite store (``storage/history.py``).

What is to be written is committed in one transaction when an interval closes, when
something happens (a bout or break ends, a reminder, an outcome, a set of wall angels, a
pause, a calibration), and every ``SPAN_EVERY_S`` while a bout or break is going on, which
keeps its row current: a crash or ``kill -9`` loses at most the interval in progress, and
``summary`` sees the bout in progress.

The store may fail while the monitor runs: the disk fills up, the file turns read-only,
``forget`` removes the running session or the rows it was extending. None of that stops
the monitor: what waits is kept (up to ``MAX_PENDING`` records, the oldest dropped
first), the connection is dropped and reopened at the next try (2, 4, 8 … 60 s of the
timeline), and :meth:`StoreHistory.problem` says what is wrong. A removed session is
begun anew. What ``forget`` removed stays removed, except the bout, break or pause still
going on: that is written again whole (from today's midnight at the earliest), as it
would have been when it ended, so the sitting in progress still counts.

The store's file itself may go: removed (``rm history.sqlite3*``), replaced, or random
bytes written over it. SQLite would go on writing to the file it opened, which nobody can
read any more, so before each commit and at each status the path is checked
(``storage/store_file.py``): a file gone is noticed within seconds and a new store begun
at the path with everything still held (the spans going on, whole, and what waited); a
damaged one is kept aside. Made-up observations across a gap (a suspend of hours) never
commit by themselves: they go with the next real one, in one transaction.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from posturewatch.app.history_rows import TAKES, CappedSpans, HistoryRows, SessionRow
from posturewatch.app.history_sink import HistorySink
from posturewatch.core.reminders.engine import Sent
from posturewatch.core.sitting import DAY_S, Bout
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.calendar import Calendar
from posturewatch.core.watch.happened import (
    ExerciseCounted,
    Message,
    Observed,
    PauseChanged,
    ReminderFired,
    SpellChanged,
)
from posturewatch.core.watch.session import Carry
from posturewatch.storage import store_file
from posturewatch.storage.history import History, HistoryError, StoreDamaged

log = logging.getLogger(__name__)

SPAN_EVERY_S = 10.0  # a bout or break going on is written at least this often
MAX_PENDING = 5_000  # records kept while the store fails (a few days of intervals)
RETRY_MIN_S, RETRY_MAX_S = 2.0, 60.0
RENEWED_SHOWN_S = 600.0  # the status says a new store was begun for this long


class StoreHistory(HistorySink):
    takes = TAKES

    def __init__(self, open_history: Callable[[], History], interval_s: float,
                 max_gap_s: float) -> None:
        self._open_history = open_history  # called in the monitor's thread (sqlite3 wants it)
        self.history: History | None = None
        self._rows = HistoryRows(interval_s, CappedSpans(max_gap_s), max_pending=MAX_PENDING)
        self._calendar: Calendar | None = None
        self._source = ""
        self._now = 0.0
        self._next_span_write = 0.0
        self._problem: str | None = None
        self._failed_at = 0.0
        self._retry_at = 0.0
        self._retry_s = RETRY_MIN_S
        self._path: Path | None = None  # the store's path, once opened
        self._opened: store_file.Identity | None = None  # the file it was, last connected
        self._companions: tuple[store_file.Identity | None, ...] = ()  # its -wal and -shm
        self._renewed: tuple[float, str] | None = None  # when a new file was begun, and why

    @classmethod
    def for_settings(cls, open_history: Callable[[], History],
                     settings: Settings) -> StoreHistory:
        """The store as the session counts time: intervals of ``history.interval_s``, and a
        frame standing at most the tracker's own ``sitting.max_gap_s`` (a cap of its own
        would store as unseen what the session counts, such as a suspend's or a call's
        made-up observations ``max_gap_s / 2`` apart)."""
        return cls(open_history, settings.history.interval_s, settings.sitting.max_gap_s)

    # -- the sink ------------------------------------------------------------------------

    def begin(self, calendar: Calendar, source: str) -> None:
        self._calendar, self._source = calendar, source
        self._rows.begin(calendar)
        try:
            self._connect()
        except (HistoryError, sqlite3.Error, OSError) as exc:
            self._failed(0.0, exc)

    def carry(self, calendar: Calendar, min_break_s: float) -> Carry | None:
        if self.history is None:
            return None
        now_utc = calendar.epoch(0.0)
        midnight_utc = now_utc - (calendar.local(0.0) % DAY_S)
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
                self._rows.carried(bout.start, row)
                log.info("the last run's sitting (%.0f s) goes on", sitting)
        return Carry(bout, tuple(Sent(at - now_utc, rule, level)
                                 for at, rule, level in tail.reminders))

    def take(self, message: Message) -> None:
        self._now = max(self._now, _time_of(message, self._now))
        now = self._rows.take(message)
        if isinstance(message, Observed) and message.cause is not None:
            return  # made up across a gap (a suspend: hours at once): with the next real one
        if now:
            self._commit()
        elif isinstance(message, Observed):
            if self._rows.going and message.obs.t >= self._next_span_write:
                self._commit()
            elif self._problem is not None and message.obs.t >= self._retry_at:
                self._commit()

    def close(self, t: float) -> None:
        if self._calendar is None:
            return  # never begun
        self._now = max(self._now, t)
        self._rows.end_frames(t)
        self._rows.end_session(t)
        self._commit(force=True)
        if self._rows.pending:
            log.warning("history: %d records could not be saved (%s)", self._rows.pending,
                        self._problem)
        self._disconnect()

    def problem(self) -> str | None:
        """Also where the file is checked while nothing is written (a stat and 16 bytes,
        each time the status is published): a file gone is noticed within seconds."""
        if self._problem is None and self._check_file():
            self._commit(force=True)  # the new file gets what the monitor holds, now
        if self._problem is not None:
            return f"not saved since {self._clock(self._failed_at)}: {self._problem}"
        if self._renewed is not None and self._now - self._renewed[0] < RENEWED_SHOWN_S:
            return f"a new store since {self._clock(self._renewed[0])}: {self._renewed[1]}"
        return None

    def notice(self, problem: str) -> tuple[str, str]:
        if self._problem is None and self._renewed is not None:  # problem(): a new store
            return "History store renewed", (f"{problem[0].upper()}{problem[1:]}; it holds "
                                             "what the monitor still held.")
        return super().notice(problem)

    def _clock(self, t: float) -> str:
        assert self._calendar is not None
        local = datetime.fromtimestamp(self._calendar.local(t), UTC)
        return local.strftime("%H:%M")  # the local wall clock (local() is UTC-based)

    # -- committing ----------------------------------------------------------------------

    def _commit(self, *, force: bool = False) -> None:
        """Write what waits, in one transaction, into the file the store's path names now;
        on failure keep it for the next try."""
        if self._problem is not None and self._now < self._retry_at and not force:
            return
        self._check_file()
        if not self._rows.waiting:
            return
        row = SessionRow("live", self._source)
        for attempt in (1, 2):
            try:
                self._rows.write(self._connect(), row)
            except (HistoryError, sqlite3.Error, OSError) as exc:
                if attempt == 1 and (self._session_lost() or self._damaged(exc)):
                    continue  # begun anew: once more, at once
                self._failed(self._now, exc)
                return
            break
        if self.history is not None:
            self._companions = store_file.companions(self.history.path)
        self._next_span_write = self._now + SPAN_EVERY_S
        if self._problem is not None:
            log.info("history store writes again; what waited is saved")
            self._problem = None
            self._retry_s = RETRY_MIN_S

    def _connect(self) -> History:
        if self.history is None:
            there = self._path is None or self._path.exists()
            try:
                history = self._open_history()
            except StoreDamaged as exc:  # found damaged on opening: aside, and a new one
                self._renew(store_file.Change.DAMAGED, exc.path)
                history = self._open_history()
            opened = store_file.identity(history.path)
            if self._opened is not None and opened != self._opened:  # while disconnected
                self._renew(store_file.Change.REPLACED if there else store_file.Change.REMOVED,
                            history.path)
            self.history, self._opened, self._path = history, opened, history.path
        return self.history

    def _check_file(self) -> bool:
        """The connection's file is still the one at the store's path, undamaged; else a
        new store is begun there with all the monitor still holds (True)."""
        if self.history is None or self._opened is None:
            return False
        path = self.history.path
        if (change := store_file.what_changed(path, self._opened)) is None:
            return False
        try:
            self._renew(change, path)
        except OSError as exc:  # a damaged file that cannot be moved aside (read-only)
            self._failed(self._now, exc)  # kept and retried, as a write that failed
            return False
        return True

    def _damaged(self, exc: Exception) -> bool:
        """A write found the file damaged: aside with it, and a new one (True)."""
        if not isinstance(exc, StoreDamaged) or self.history is None:
            return False
        self._renew(store_file.Change.DAMAGED, self.history.path)
        return True

    def _renew(self, change: store_file.Change, path: Path) -> None:
        why = f"{path.name} was {change.value}"
        if change is store_file.Change.DAMAGED:
            why += f", kept as {store_file.move_aside(path).name}"
        # the person hears of it in a notice (logged where it is shown)
        log.info("history: %s; a new store is begun with what the monitor still held", why)
        self._disconnect()
        store_file.drop_companions(path, self._companions)  # the old file's, not the new's
        self._opened, self._companions = None, ()
        self._rows.lost_file()
        self._renewed = (self._now, why)

    def _disconnect(self) -> None:
        if self.history is not None:
            try:
                self.history.close()
            except sqlite3.Error:
                pass
            self.history = None

    def _session_lost(self) -> bool:
        """The running session was removed (``forget``): begin a new one from now."""
        session = self._rows.session
        if self.history is None or session is None:
            return False
        try:
            if self.history.has_session(session):
                return False
        except HistoryError:
            return False
        log.warning("history: the running session was removed (forget?); a new one begins")
        self._rows.session = None
        self._rows.session_from = self._now
        return True

    def _failed(self, now: float, exc: Exception) -> None:
        if self._problem is None:
            self._failed_at = now
            # the person hears of it once per episode (the monitor's notice, logged)
            log.info("history not saved (%s); kept and retried, the monitor goes on", exc)
        else:
            log.debug("history still not saved: %s", exc)
        self._problem = str(exc)
        self._retry_at = now + self._retry_s
        self._retry_s = min(RETRY_MAX_S, self._retry_s * 2)
        self._disconnect()  # reopened at the next try (a remounted disk, a replaced file)


def _time_of(message: Message, default: float) -> float:
    """The timeline time a message carries, for the retry clock."""
    match message:
        case Observed(obs):
            return obs.t
        case ReminderFired(reminder):
            return reminder.t
        case ExerciseCounted(done):
            return done.to_s
        case PauseChanged(start, end, now) | SpellChanged(_, start, end, now):
            return end if end is not None else now or start
    return default
