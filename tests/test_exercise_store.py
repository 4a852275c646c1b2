"""The store keeps exercises (schema 2): a version-1 file is upgraded in place with its
reminders kept; an expired bubble and what the camera saw are recorded; the headless
printer says what the bubble says."""

from __future__ import annotations

import queue
import sqlite3
from pathlib import Path

from posturewatch.app.analysis import FrameResult
from posturewatch.app.store_history import StoreHistory
from posturewatch.core.day_clock import ClockReading, DayClock
from posturewatch.core.exercise import ExerciseSet
from posturewatch.core.observation import Posture
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.watch.commands import Outcome
from posturewatch.core.watch.happened import ExerciseCounted, Happened
from posturewatch.core.watch.session import WatchSession
from posturewatch.desktop.dispatch import Dispatcher
from posturewatch.storage import history as store
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_settings
from posturewatch.storage.history import SCHEMA_VERSION, History

T0 = 1_772_535_600.0  # 2026-03-03 11:00 UTC


def version_1_file(path: Path) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    store.MIGRATIONS[0](db)
    db.execute("INSERT INTO sessions (kind, source, start_utc, utc_offset_s) "
               "VALUES ('live', 'camera 0', ?, 3600)", (T0,))
    db.execute("INSERT INTO reminders (id, session_id, at_utc, utc_offset_s, day, rule, kind, "
               "title, level, outcome) VALUES (41, 1, ?, 3600, '2026-03-03', 'break', "
               "'movement', 'Time to stand up', 1, 'done')", (T0 + 60,))
    db.execute(f"PRAGMA application_id = {store.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.execute("COMMIT")
    db.close()


def test_a_version_1_store_is_upgraded_with_its_reminders_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    version_1_file(path)
    with History.open(path) as history:
        [old] = history.read().reminders
        assert (old.id, old.outcome, old.note) == (41, "done", "")
        rid = history.write_reminder(1, T0 + 120, 3600, rule="wall_angel", kind="exercise",
                                     title="Do a few wall angels")
        history.update_reminder_outcome(rid, "acted", note="5 wall angels, seen")
        late = history.write_reminder(1, T0 + 180, 3600, rule="posture", kind="posture",
                                      title="Sit tall")
        history.update_reminder_outcome(late, "expired")
        history.write_exercise(1, "wall_angel", 5, T0 + 130, T0 + 160, 3600)
        records = history.read()
    # upgraded to the current version (3: standing, issue 24; 4: calls and locks, issue 22)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [(r.rule, r.outcome, r.note) for r in records.reminders] == [
        ("break", "done", ""), ("wall_angel", "acted", "5 wall angels, seen"),
        ("posture", "expired", "")]
    [done] = records.exercises
    assert (done.exercise, done.reps, done.end_utc - done.start_utc) == ("wall_angel", 5, 30)
    with History.open(path) as history:
        assert history.forget() > 0
        assert not history.read().exercises


def test_an_expired_bubble_stays_expired_when_the_camera_saw_nothing(tmp_path: Path) -> None:
    """The person's answer (the bubble expired) reaches the store; the camera's later
    verdict (not seen leaving) does not overwrite it. The watch session decides that, the
    store writes what it is told."""
    path = tmp_path / "h.sqlite3"
    config = tmp_path / "breaks.toml"
    config.write_text("[stretch]\nenabled = false\n[posture]\nenabled = false\n"
                      "[wall_angel]\nenabled = false\n[ergonomics]\nenabled = false\n")
    settings = load_settings(config)
    sink = StoreHistory.for_settings(lambda: History.open(path), settings)
    day = DayClock(ClockReading(100.0, 100.0, T0, T0 + 3600))
    sink.begin(day, "camera 0")
    session = WatchSession(settings, load_catalog(), day)

    def hand(happened: Happened) -> None:
        for message in happened:
            if isinstance(message, sink.takes):
                sink.take(message)

    for t in range(0, 70 * 60, 5):  # the break reminder at 45 min, never acted on
        hand(session.frame(FrameResult(float(t), Posture.UPRIGHT, None, None, None, None)))
        if t == 45 * 60 + 60:
            hand(session.command(float(t), Outcome(0, "expired")))
    sink.take(ExerciseCounted(ExerciseSet("wall_angel", 2, 10.0, 14.0)))
    hand(session.close(70 * 60))
    sink.close(70 * 60)
    with History.open(path) as history:
        records = history.read()
    assert [r.outcome for r in records.reminders][:1] == ["expired"]
    assert [(e.reps, e.end_utc - e.start_utc) for e in records.exercises] == [(2, 4.0)]


class _Monitor:
    """Only what the dispatcher reads: the event queue (the printer is under test)."""

    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()


def test_headless_prints_what_the_bubble_says() -> None:
    from posturewatch.app.monitor import ReminderDue, Stopped

    lines: list[str] = []
    monitor = _Monitor()
    reminder = Reminder(0, 5.0, "stretch", "stretch", "Stretch: Seated cat-cow", "long " * 80,
                        "seated_cat_cow", (), body="30 s, a few times.",
                        also=("diaphragmatic_breathing",))
    monitor.events.put(ReminderDue(reminder, T0))
    monitor.events.put(Stopped())
    Dispatcher(monitor, printer=lines.append).run()  # type: ignore[arg-type]
    assert lines == ["reminder: Stretch: Seated cat-cow", "  30 s, a few times.",
                     "  how: posturewatch guidance seated_cat_cow --also "
                     "diaphragmatic_breathing --open"]
