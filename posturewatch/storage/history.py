"""The history store: one SQLite file of per-interval aggregates and events. Never a frame
or a landmark list: only seconds, counts, mean metrics and reminder outcomes.

Write API (what ``analyze --store`` and the live monitor call)::

    history = History.open(path)                 # creates the file, or upgrades an old one
    sid = history.begin_session(kind="live", source="camera 0",
                                start_utc=now, utc_offset_s=offset)
    history.write_intervals(sid, aggregator.push(...))   # core.intervals.Interval values
    bid = history.write_bout(sid, start_utc, end_utc, utc_offset_s, sitting_s)
    history.update_bout(bid, end_utc, sitting_s)     # a bout still going, kept current
    kid = history.write_break(sid, start_utc, end_utc, utc_offset_s)
    history.update_break(kid, end_utc)
    rid = history.write_reminder(sid, at_utc, utc_offset_s, rule=..., kind=..., title=...)
    history.update_reminder_outcome(rid, "acted")   # acted | done | snoozed | dismissed | ignored | expired
    history.update_reminder_outcome(rid, "acted", note="5 wall angels, seen")
    history.write_exercise(sid, "wall_angel", reps, start_utc, end_utc, utc_offset_s)
    history.write_exercise(sid, "neck_tilt", 2, start_utc, end_utc, utc_offset_s, sides=(1, 1))
    pid = history.write_pause(sid, start_utc, end_utc, utc_offset_s)
    history.update_pause(pid, end_utc)               # update_*: False if forgotten meanwhile
    cid = history.write_spell("call", sid, start_utc, end_utc, utc_offset_s)  # or "locked"
    history.update_spell("call", cid, end_utc)
    history.write_calibration(at_utc, utc_offset_s, view=..., frames=..., values={...})
    history.write_calibration(at_utc, utc_offset_s, ok=False, detail="too few frames")
    history.end_session(sid, end_utc)
    history.has_session(sid)                         # False once `forget` removed it
    history.live_tail(since_utc)                     # where the last live run stopped
    history.close()

All times are UTC epoch seconds plus the local UTC offset (seconds east of UTC) in force at
that moment; the store derives each row's local day from them, so days follow the local
calendar and daylight-saving changes neither double nor lose time.

Every write method is one transaction on its own; group several in
``with history.transaction():`` to make them one (``write_intervals`` batches a list in
one). The monitor writes each interval as it closes (and the bout going on every few
seconds), so a crash or ``kill -9`` loses at most the interval in progress. A session with
a ``key`` (``analyze --store`` uses the clip's content hash and start) replaces an earlier
session with the same key in the same transaction, so storing a clip twice does not count
it twice and a reader never sees both or neither.

File rules: WAL journal (readers never block the writer and see only committed
transactions), ``synchronous=FULL``, ``secure_delete`` (deleted rows are zeroed, so
``forget`` leaves nothing behind). ``PRAGMA user_version`` is the schema version: an older
file is migrated in a transaction, a newer one refused with one line. A file that is not a
posturewatch store, or is corrupt (``PRAGMA quick_check`` on open, so a damaged page is
found before any work rather than by the query that happens to touch it), is refused with
one line and never written to.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from posturewatch.core.intervals import DAY_S, Interval, local_datetime
from posturewatch.core.records import (
    CalibrationRecord,
    ExerciseRecord,
    Records,
    ReminderRecord,
    Span,
)
from posturewatch.errors import PostureWatchError
from posturewatch.storage.paths import user_data_dir
from posturewatch.storage.private import create_private, keep_private

SCHEMA_VERSION = 4
APPLICATION_ID = 0x50575354  # "PWST": marks the file as a posturewatch store
OUTCOMES = ("acted", "done", "snoozed", "dismissed", "ignored", "expired")
STORE_NAME = "history.sqlite3"


class HistoryError(PostureWatchError):
    exit_code = 8


class StoreDamaged(HistoryError):
    """The file at ``path`` is damaged (SQLite: "malformed", "not a database"): nothing
    written to it can be read back. Unwritable (a full or read-only disk) is a plain
    HistoryError."""

    path: Path


def _damaged(path: Path, exc: sqlite3.Error) -> StoreDamaged:
    damaged = StoreDamaged(f"history store {path}: unreadable or corrupt ({exc})",
                           "move it aside to start a new history; it was left untouched")
    damaged.path = path
    return damaged


@dataclass(frozen=True, slots=True)
class LiveTail:
    """See :meth:`History.live_tail`. Times are UTC epoch seconds."""

    bout: tuple[int, float, float, float] | None  # row id, start, end, sitting_s
    last_written_utc: float | None
    reminders: tuple[tuple[float, str, int], ...]  # (at, rule, level)


def default_store() -> Path:
    return user_data_dir() / STORE_NAME


def local_day(utc: float, utc_offset_s: int) -> str:
    return local_datetime(utc, utc_offset_s).date().isoformat()


# -- schema ------------------------------------------------------------------------------

_V1 = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                 -- live | clip
    source TEXT NOT NULL,
    key TEXT UNIQUE,                    -- clips: content hash and start, NULL for live
    start_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    end_utc REAL
);
CREATE TABLE intervals (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    day TEXT NOT NULL,
    length_s REAL NOT NULL,
    upright_s REAL NOT NULL,
    slouched_s REAL NOT NULL,
    away_s REAL NOT NULL,
    unknown_s REAL NOT NULL,
    unseen_s REAL NOT NULL,
    slouch_episodes INTEGER NOT NULL,
    metrics TEXT NOT NULL,              -- JSON: mean metric values
    reasons TEXT NOT NULL               -- JSON: seconds per slouch reason
);
CREATE INDEX intervals_day ON intervals (day, start_utc);
CREATE INDEX intervals_session ON intervals (session_id);
CREATE TABLE bouts (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_utc REAL NOT NULL,
    end_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    start_day TEXT NOT NULL,
    end_day TEXT NOT NULL,
    sitting_s REAL NOT NULL
);
CREATE INDEX bouts_day ON bouts (end_day, start_day);
CREATE TABLE breaks (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_utc REAL NOT NULL,
    end_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    start_day TEXT NOT NULL,
    end_day TEXT NOT NULL
);
CREATE INDEX breaks_day ON breaks (end_day, start_day);
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    day TEXT NOT NULL,
    rule TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    level INTEGER NOT NULL,
    outcome TEXT CHECK (outcome IN ('acted', 'done', 'snoozed', 'dismissed', 'ignored'))
);
CREATE INDEX reminders_day ON reminders (day);
CREATE TABLE pauses (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_utc REAL NOT NULL,
    end_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    start_day TEXT NOT NULL,
    end_day TEXT NOT NULL
);
CREATE INDEX pauses_day ON pauses (end_day, start_day);
CREATE TABLE calibrations (
    at_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    day TEXT NOT NULL,
    view TEXT NOT NULL,
    frames INTEGER NOT NULL,
    "values" TEXT NOT NULL,             -- JSON: the baseline's medians
    ok INTEGER NOT NULL,                -- 0: the attempt failed (detail says why)
    detail TEXT NOT NULL
);
"""

# Version 2 (issue 15): exercises the camera counted, reminders an ``expired`` outcome (the
# notification daemon closed the bubble unanswered) and a ``note`` ("5 wall angels, seen").
# SQLite cannot change a CHECK constraint, so the reminders table is rebuilt, ids kept.
_V2 = """
CREATE TABLE reminders_v2 (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    day TEXT NOT NULL,
    rule TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    level INTEGER NOT NULL,
    outcome TEXT CHECK (outcome IN ('acted', 'done', 'snoozed', 'dismissed', 'ignored',
                                    'expired')),
    note TEXT NOT NULL DEFAULT ''
);
INSERT INTO reminders_v2 (id, session_id, at_utc, utc_offset_s, day, rule, kind, title, level,
                          outcome)
    SELECT id, session_id, at_utc, utc_offset_s, day, rule, kind, title, level, outcome
    FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_v2 RENAME TO reminders;
CREATE INDEX reminders_day ON reminders (day);
CREATE TABLE exercises (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    exercise TEXT NOT NULL,             -- wall_angel
    reps INTEGER NOT NULL,
    start_utc REAL NOT NULL,
    end_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    day TEXT NOT NULL
);
CREATE INDEX exercises_day ON exercises (day, start_utc);
"""

# Version 3 (issue 24): seconds standing per interval (standing is neither upright nor
# slouched, and not sitting); the exercises table now also holds neck tilts, side bends
# and stand-ups, with the repetitions to each side where a movement has sides.
_V3 = """
ALTER TABLE intervals ADD COLUMN standing_s REAL NOT NULL DEFAULT 0;
ALTER TABLE exercises ADD COLUMN left_reps INTEGER;
ALTER TABLE exercises ADD COLUMN right_reps INTEGER
"""

# Version 4 (issue 22): the calls (another app had the camera or the microphone: sitting,
# reminders held) and the locked screen (away), as spans like the pauses.
_V4 = """
CREATE TABLE calls (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_utc REAL NOT NULL,
    end_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    start_day TEXT NOT NULL,
    end_day TEXT NOT NULL
);
CREATE INDEX calls_day ON calls (end_day, start_day);
CREATE TABLE locks (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_utc REAL NOT NULL,
    end_utc REAL NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    start_day TEXT NOT NULL,
    end_day TEXT NOT NULL
);
CREATE INDEX locks_day ON locks (end_day, start_day);
"""
SPELL_TABLES = {"call": "calls", "locked": "locks"}
# The tables whose rows belong to a session (one with none left can be forgotten).
SESSION_TABLES = ("intervals", "bouts", "breaks", "pauses", "calls", "locks", "reminders",
                  "exercises")

# Rows named by column, so a later version's columns need no change here.
_INSERT_INTERVAL = (
    "INSERT INTO intervals (session_id, start_utc, utc_offset_s, day, length_s, upright_s, "
    "slouched_s, away_s, unknown_s, unseen_s, slouch_episodes, metrics, reasons, standing_s) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_EXERCISE = (
    "INSERT INTO exercises (session_id, exercise, reps, start_utc, end_utc, utc_offset_s, day, "
    "left_reps, right_reps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


# MIGRATIONS[n] turns a version-n file into version n + 1 (0 is a new, empty file).
def _run_script(script: str) -> Callable[[sqlite3.Connection], None]:
    """Statements one by one (``executescript`` would commit the open transaction)."""
    def run(db: sqlite3.Connection) -> None:
        for statement in script.split(";"):
            if statement.strip():
                db.execute(statement)
    return run


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _run_script(_V1), _run_script(_V2), _run_script(_V3), _run_script(_V4))
assert len(MIGRATIONS) == SCHEMA_VERSION


# -- the store ---------------------------------------------------------------------------


def _refuse(path: Path, problem: str, fix: str) -> HistoryError:
    return HistoryError(f"history store {path}: {problem}", fix)


def _connect(path: Path, *, exists: bool, create: bool) -> sqlite3.Connection:
    """The file opened by SQLite, made private first; nothing read or set up yet."""
    if exists and not path.is_file():
        raise _refuse(path, "not a file", "give --store a file path")
    if not exists and not create:
        raise _refuse(path, "no history yet",
                      "store some with `posturewatch analyze --store` or the monitor")
    try:  # this user's alone (with its -wal and -shm, which SQLite makes alike)
        create_private(path) if not exists else keep_private(path)
    except OSError as exc:
        raise _refuse(path, f"cannot create it ({exc.strerror})",
                      "choose a writable --store path") from None
    mode = "rw" if exists else "rwc"  # read-only opens still need the WAL index
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True,
                               isolation_level=None, timeout=10.0)
    except sqlite3.Error as exc:
        raise _refuse(path, f"cannot open it ({exc})", "check the path and permissions") \
            from None


class History:
    """An open store. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._depth = 0

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = True,
             readonly: bool = False) -> History:
        """Open (and with ``create``, create or upgrade) the store at ``path`` (default: the
        user data folder). ``create=False`` refuses a missing file; ``readonly`` is for
        readers: it sets nothing up, unless an older file must be upgraded first."""
        path = Path(path) if path is not None else default_store()
        exists = path.exists()
        db = _connect(path, exists=exists, create=create)
        history = cls(db, path)
        try:
            history._prepare(readonly=readonly, new=not exists)
        except sqlite3.DatabaseError as exc:
            db.close()
            if not readonly and not os.access(path, os.W_OK):  # a read-only disk or file
                raise _refuse(path, f"cannot write to it ({exc})",
                              "make the file and its folder writable") from None
            raise history._failure("write to", exc) from None  # damage, or what else it is
        except BaseException:
            db.close()
            raise
        return history

    def _prepare(self, *, readonly: bool, new: bool) -> None:
        db = self._db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
        if app_id != APPLICATION_ID and (tables or version):
            raise _refuse(self.path, "not a posturewatch history store",
                          "give --store a different file; it was left untouched")
        if readonly and not tables and not version:  # an empty file: read, never set up
            raise _refuse(self.path, "no history yet (an empty file)",
                          "store some with `posturewatch analyze --store` or the monitor")
        if version > SCHEMA_VERSION:
            raise _refuse(self.path, f"schema version {version} is newer than this "
                          f"posturewatch understands ({SCHEMA_VERSION})",
                          "upgrade posturewatch; the file was left untouched")
        if not new and (problem := db.execute("PRAGMA quick_check(1)").fetchone()[0]) != "ok":
            raise sqlite3.DatabaseError(problem.splitlines()[-1])  # damaged pages: refused
        db.execute("PRAGMA foreign_keys = ON")
        if readonly and version == SCHEMA_VERSION:
            return  # a reader: nothing to set up (an older file is still upgraded first)
        if db.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise _refuse(self.path, "cannot use a write-ahead log there",
                          "keep the store on a local disk")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA secure_delete = ON")
        if version < SCHEMA_VERSION:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        with self.transaction():
            # re-read inside the write lock: another process may have just migrated it
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            for step in MIGRATIONS[version:]:
                step(self._db)
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nesting joins the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        with self._errors("write to"):
            self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self._failure("write to", exc) from None
            raise
        else:
            with self._errors("write to"):
                self._db.execute("COMMIT")
        finally:
            self._depth = 0

    def _failure(self, what: str, exc: sqlite3.Error) -> HistoryError:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return _refuse(self.path, f"cannot {what} it: another posturewatch holds it",
                           "wait a moment and try again")
        if type(exc) is sqlite3.DatabaseError:  # "malformed", "not a database": damage
            return _damaged(self.path, exc)
        if isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc):
            return _refuse(self.path, f"cannot {what} it: the session was removed meanwhile "
                           "(`posturewatch forget`?)", "start a new session")
        return _refuse(self.path, f"cannot {what} it ({exc})",
                       "check the disk has room and the file is writable")

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """SQLite's exceptions become one-line errors naming the store."""
        try:
            yield
        except sqlite3.Error as exc:
            raise self._failure(what, exc) from None

    # -- writing -----------------------------------------------------------------------

    def begin_session(self, *, kind: str, source: str, start_utc: float, utc_offset_s: int,
                      key: str | None = None) -> int:
        """A new session; an earlier one with the same ``key`` is deleted with all its rows
        (in the same transaction). Returns the session id the other writes take."""
        with self.transaction():
            if key is not None:
                self._db.execute("DELETE FROM sessions WHERE key = ?", (key,))
            cursor = self._db.execute(
                "INSERT INTO sessions (kind, source, key, start_utc, utc_offset_s) "
                "VALUES (?, ?, ?, ?, ?)", (kind, source, key, start_utc, int(utc_offset_s)))
            return int(cursor.lastrowid or 0)

    def end_session(self, session_id: int, end_utc: float) -> None:
        with self.transaction():
            self._db.execute("UPDATE sessions SET end_utc = ? WHERE id = ?",
                             (end_utc, session_id))

    def write_intervals(self, session_id: int, intervals: Iterable[Interval]) -> int:
        """Closed intervals, in one transaction. Returns how many were written."""
        rows = [
            (session_id, i.start_utc, i.utc_offset_s, i.day.isoformat(), round(i.length_s, 3),
             round(i.upright_s, 3), round(i.slouched_s, 3), round(i.away_s, 3),
             round(i.unknown_s, 3), round(i.unseen_s, 3), i.slouch_episodes,
             _json({k: round(v, 4) for k, v in i.metrics.items()}),
             _json({k: round(v, 3) for k, v in i.reasons.items()}), round(i.standing_s, 3))
            for i in intervals
        ]
        if rows:
            with self.transaction():
                self._db.executemany(_INSERT_INTERVAL, rows)
        return len(rows)

    def _span(self, table: str, extra: tuple[Any, ...], session_id: int, start_utc: float,
              end_utc: float, utc_offset_s: int) -> int:
        if end_utc < start_utc:
            raise ValueError(f"{table}: end {end_utc} before start {start_utc}")
        values = (session_id, start_utc, end_utc, int(utc_offset_s),
                  local_day(start_utc, utc_offset_s), local_day(end_utc, utc_offset_s), *extra)
        marks = ", ".join("?" * len(values))
        with self.transaction():
            return int(self._db.execute(f"INSERT INTO {table} VALUES ({marks})",
                                        values).lastrowid or 0)

    def _extend(self, table: str, row_id: int, start_utc: float | None, end_utc: float,
                extra: str = "", value: float = 0.0) -> bool:
        """A span going on, kept current; ``start_utc``: placed anew (the clock was set)."""
        with self.transaction():
            row = self._db.execute(f"SELECT start_utc, utc_offset_s FROM {table} WHERE rowid = ?",
                                   (row_id,)).fetchone()
            if row is None:
                return False  # forgotten meanwhile
            start, offset = (row[0] if start_utc is None else start_utc), row[1]
            if end_utc < start:
                raise ValueError(f"{table}: end {end_utc} before start {start}")
            self._db.execute(f"UPDATE {table} SET start_utc = ?, start_day = ?, end_utc = ?, "
                             f"end_day = ?{extra} WHERE rowid = ?",
                             (start, local_day(start, offset), end_utc, local_day(end_utc, offset),
                              *((value,) if extra else ()), row_id))
            return True

    def write_bout(self, session_id: int, start_utc: float, end_utc: float,
                   utc_offset_s: int, sitting_s: float) -> int:
        """A sitting bout; ``sitting_s`` excludes unseen time inside it. Returns its id: a
        bout still going can be written early and kept current with :meth:`update_bout`."""
        return self._span("bouts", (round(sitting_s, 3),), session_id, start_utc, end_utc,
                          utc_offset_s)

    def update_bout(self, bout_id: int, end_utc: float, sitting_s: float, *,
                    start_utc: float | None = None) -> bool:
        """False if the row is gone (``forget`` while it was going on)."""
        return self._extend("bouts", bout_id, start_utc, end_utc, ", sitting_s = ?",
                            round(sitting_s, 3))

    def write_break(self, session_id: int, start_utc: float, end_utc: float,
                    utc_offset_s: int) -> int:
        """A break (returns its id for :meth:`update_break` while it lasts)."""
        return self._span("breaks", (), session_id, start_utc, end_utc, utc_offset_s)

    def update_break(self, break_id: int, end_utc: float, *, start_utc: float | None = None
                     ) -> bool:
        return self._extend("breaks", break_id, start_utc, end_utc)

    def write_pause(self, session_id: int, start_utc: float, end_utc: float,
                    utc_offset_s: int) -> int:
        """Monitoring paused by the person (no judging, no reminders); returns its id for
        :meth:`update_pause` while it lasts."""
        return self._span("pauses", (), session_id, start_utc, end_utc, utc_offset_s)

    def update_pause(self, pause_id: int, end_utc: float, *, start_utc: float | None = None
                     ) -> bool:
        return self._extend("pauses", pause_id, start_utc, end_utc)

    def write_spell(self, spell: str, *span: Any) -> int:  # "call" | "locked", as a pause
        return self._span(SPELL_TABLES[spell], (), *span)

    def update_spell(self, spell: str, row: int, end_utc: float, *,
                     start_utc: float | None = None) -> bool:
        return self._extend(SPELL_TABLES[spell], row, start_utc, end_utc)

    def has_session(self, session_id: int) -> bool:
        """Whether the session is still there (``forget --all`` removes a running one)."""
        with self._errors("read"):
            return self._db.execute("SELECT 1 FROM sessions WHERE id = ?",
                                    (session_id,)).fetchone() is not None

    def write_reminder(self, session_id: int, at_utc: float, utc_offset_s: int, *, rule: str,
                       kind: str, title: str, level: int = 1, outcome: str | None = None) -> int:
        """A reminder sent; returns its id for :meth:`update_reminder_outcome`."""
        _check_outcome(outcome)
        with self.transaction():
            cursor = self._db.execute(
                "INSERT INTO reminders (session_id, at_utc, utc_offset_s, day, rule, kind, "
                "title, level, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, at_utc, int(utc_offset_s), local_day(at_utc, utc_offset_s), rule,
                 kind, title, level, outcome))
            return int(cursor.lastrowid or 0)

    def update_reminder_outcome(self, reminder_id: int, outcome: str | None, *,
                                note: str = "") -> None:
        """The outcome, and what was seen (``note``: "5 wall angels, seen")."""
        _check_outcome(outcome)
        with self.transaction():
            self._db.execute("UPDATE reminders SET outcome = ?, note = ? WHERE id = ?",
                             (outcome, note, reminder_id))

    def write_exercise(self, session_id: int, exercise: str, reps: int, start_utc: float,
                       end_utc: float, utc_offset_s: int, *,
                       sides: tuple[int, int] | None = None) -> None:
        """A set of repetitions the camera counted; ``sides``: (left, right) repetitions
        of a movement to either side."""
        left, right = sides if sides is not None else (None, None)
        with self.transaction():
            self._db.execute(_INSERT_EXERCISE, (
                session_id, exercise, int(reps), start_utc, end_utc, int(utc_offset_s),
                local_day(start_utc, utc_offset_s), left, right))

    def write_calibration(self, at_utc: float, utc_offset_s: int, *, view: str = "",
                          frames: int = 0, values: Mapping[str, Any] | None = None,
                          ok: bool = True, detail: str = "") -> None:
        """A calibration: the new baseline's medians (never the frames it came from), or
        with ``ok=False`` a failed attempt and why."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO calibrations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (at_utc, int(utc_offset_s), local_day(at_utc, utc_offset_s), view, frames,
                 _json(dict(values or {})), int(ok), detail))

    # -- reading -----------------------------------------------------------------------

    def read(self, first: date | None = None, last: date | None = None, *,
             metrics: bool = True) -> Records:
        """Rows touching local days ``first`` to ``last`` (both included; None = open),
        read in one snapshot so a concurrent writer is seen whole or not at all.
        ``metrics=False`` leaves the intervals' mean metrics out (summaries need none)."""
        lo = first.isoformat() if first else "0000-00-00"
        hi = last.isoformat() if last else "9999-99-99"
        db = self._db
        with self._errors("read"), self._snapshot():
            intervals = tuple(
                Interval(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], _mapping(r[9]),
                         _mapping(r[10]), r[11])
                for r in db.execute(
                    "SELECT start_utc, utc_offset_s, length_s, upright_s, slouched_s, away_s, "
                    f"unknown_s, unseen_s, slouch_episodes, {'metrics' if metrics else 'NULL'}, "
                    "reasons, standing_s FROM intervals WHERE day BETWEEN ? AND ? "
                    "ORDER BY start_utc", (lo, hi)))
            spans = {
                table: tuple(
                    Span(r[0], r[1], r[2], r[3], r[4]) for r in db.execute(
                        f"SELECT start_utc, end_utc, utc_offset_s, {sitting}, session_id "
                        f"FROM {table} WHERE end_day >= ? AND start_day <= ? "
                        "ORDER BY start_utc", (lo, hi)))
                for table, sitting in (("bouts", "sitting_s"), ("breaks", "0.0"), ("pauses",
                                       "0.0"), ("calls", "0.0"), ("locks", "0.0"))}
            reminders = tuple(ReminderRecord(*r) for r in db.execute(
                "SELECT id, at_utc, utc_offset_s, rule, kind, title, level, outcome, session_id, "
                "note FROM reminders WHERE day BETWEEN ? AND ? ORDER BY at_utc", (lo, hi)))
            exercises = tuple(
                ExerciseRecord(*r[:6], None if r[6] is None else (r[6], r[7]))
                for r in db.execute(
                    "SELECT exercise, reps, start_utc, end_utc, utc_offset_s, session_id, "
                    "left_reps, right_reps FROM exercises WHERE day BETWEEN ? AND ? "
                    "ORDER BY start_utc", (lo, hi)))
            calibrations = tuple(
                CalibrationRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), bool(r[5]), r[6])
                for r in db.execute(
                    'SELECT at_utc, utc_offset_s, view, frames, "values", ok, detail '
                    "FROM calibrations WHERE day BETWEEN ? AND ? ORDER BY at_utc", (lo, hi)))
        return Records(intervals, spans["bouts"], spans["breaks"], reminders, spans["pauses"],
                       calibrations, exercises, spans["calls"], spans["locks"])

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction (inside a write transaction: that one)."""
        if self._depth or self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    def days(self) -> tuple[str, ...]:
        """Local days that have intervals, oldest first."""
        return tuple(r[0] for r in self._db.execute(
            "SELECT DISTINCT day FROM intervals ORDER BY day"))

    def live_tail(self, since_utc: float) -> LiveTail:
        """What a restarted monitor goes on from: the newest live bout, when the live
        sessions were last written up to, and the live reminders since ``since_utc``."""
        db = self._db
        with self._errors("read"), self._snapshot():
            bout = db.execute(
                "SELECT b.rowid, b.start_utc, b.end_utc, b.sitting_s FROM bouts b JOIN "
                "sessions s ON s.id = b.session_id WHERE s.kind = 'live' "
                "ORDER BY b.end_utc DESC LIMIT 1").fetchone()
            ends = [db.execute(
                f"SELECT max(t.{end}) FROM {table} t JOIN sessions s ON s.id = t.session_id "
                f"WHERE s.kind = 'live' AND t.{day} >= ?",
                (local_day(since_utc - DAY_S, 0),)).fetchone()[0]
                for table, end, day in (("intervals", "start_utc + t.length_s", "day"),
                                        ("bouts", "end_utc", "end_day"),
                                        ("breaks", "end_utc", "end_day"))]
            reminders = tuple(db.execute(
                "SELECT r.at_utc, r.rule, r.level FROM reminders r JOIN sessions s "
                "ON s.id = r.session_id WHERE s.kind = 'live' AND r.at_utc >= ? "
                "ORDER BY r.at_utc", (since_utc,)))
        seen = [e for e in ends if e is not None]
        return LiveTail(None if bout is None else (int(bout[0]), *map(float, bout[1:])),
                        max(seen) if seen else None,
                        tuple((float(a), str(r), int(n)) for a, r, n in reminders))

    # -- forgetting --------------------------------------------------------------------

    def forget(self, before: date | None = None) -> int:
        """Delete everything of local days before ``before`` (everything when None), then
        rewrite the file so the deleted rows are gone from disk, not just hidden.
        Returns how many rows were deleted."""
        cut = before.isoformat() if before else "9999-99-99"
        deleted = 0
        with self.transaction():
            for table, column in (("intervals", "day"), ("bouts", "start_day"),
                                  ("breaks", "start_day"), ("pauses", "start_day"),
                                  ("calls", "start_day"), ("locks", "start_day"), ("reminders",
                                  "day"), ("calibrations", "day"), ("exercises", "day")):
                deleted += self._db.execute(
                    f"DELETE FROM {table} WHERE {column} < ?", (cut,)).rowcount
            # sessions begun before the cut with nothing left (a running monitor's new,
            # still empty session stays), and every session when forgetting all
            owned = " UNION ALL ".join(f"SELECT 1 FROM {table} WHERE session_id = sessions.id"
                                       for table in SESSION_TABLES)
            self._db.execute(
                "DELETE FROM sessions WHERE ? = '9999-99-99' OR (date(start_utc + "
                f"utc_offset_s, 'unixepoch') < ? AND NOT EXISTS ({owned}))", (cut, cut))
        with self._errors("rewrite"):
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted


def _check_outcome(outcome: str | None) -> None:
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"reminder outcome {outcome!r}, not one of {', '.join(OUTCOMES)}")


def _mapping(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text and text != "{}" else {}


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
