"""The monitor through a day's ordinary accidents, on the real loop with real frames and
the real model, on the test clock (``FakeClock.at`` makes each happen at its second):
``forget`` while it writes, a full disk, a read-only store, settings reloaded after a
break reminder, many commands against a stale calibration, a calibration from the tray
while sampling is slow, and a restart that goes on with the last run's bout and day."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from posturewatch.app.monitor import (
    Calibrate,
    Monitor,
    Outcome,
    Pause,
    Reload,
    Resume,
    Snooze,
    StatusChanged,
)
from posturewatch.app.sinks import Sink
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.happened import Judged
from posturewatch.storage.config_file import load_config
from posturewatch.storage.history import History

from conftest import run_cli
from monitor_harness import (
    MIN,
    START,
    FakeClock,
    Segment,
    covered_min,
    fill,
    read,
    remount,
    run_monitor,
    small_disk,
    store_sink,
)

# -- the store ---------------------------------------------------------------------------


def test_forget_while_running_does_not_stop_it(
    rig: dict, tmp_path: Path
) -> None:
    """`forget --before` a past date while the session is still empty, then
    `forget --all --yes` after five minutes: the monitor writes on (it used to quit on a
    foreign-key error saying "check the disk has room"). The intervals before the forget
    stay forgotten; the bout still going on is written again whole, so today's sitting
    still counts it."""
    store = tmp_path / "history.sqlite3"
    answers: list = []

    def actions(clock: FakeClock, monitor: Monitor) -> None:
        clock.at(30, lambda: answers.append(
            run_cli("forget", "--before", "2026-01-01", "--yes", "--store", store)))
        clock.at(5 * MIN, lambda: answers.append(
            run_cli("forget", "--all", "--yes", "--store", store)))

    run = run_monitor(rig, [Segment(12, "upright")], history=store_sink(store),
                      actions=actions)
    assert [a.returncode for a in answers] == [0, 0]
    assert "deleted 0 records" in answers[0].stdout and "deleted 0 records" not in answers[1].stdout
    records = read(store)
    assert covered_min(records) == pytest.approx(7, abs=1.1)  # minutes 5-12, the one in progress
    start = START.timestamp()
    assert min(i.start_utc for i in records.intervals) >= start + 4 * MIN
    (bout,) = records.bouts
    assert bout.start_utc == pytest.approx(start, abs=5)
    assert bout.sitting_s / MIN == pytest.approx(12, abs=0.3)
    assert all(e.status.history == "ok" for e in run.of(StatusChanged))
    summary = json.loads(run_cli("summary", "--json", "--date", "2026-03-02", "--store",
                                 store).stdout)
    assert summary["totals"]["sitting_s"] / MIN == pytest.approx(12, abs=0.3)


def test_a_pause_is_stored_as_it_goes_on(rig: dict, tmp_path: Path) -> None:
    """Paused at minute 1 until further notice: six minutes later the store already has
    the pause up to about then (a crash would lose no more than a minute of it)."""
    store = tmp_path / "history.sqlite3"
    seen: list = []

    def actions(clock: FakeClock, monitor: Monitor) -> None:
        clock.at(1 * MIN, lambda: monitor.submit(Pause(None)))
        clock.at(7 * MIN, lambda: seen.append(read(store).pauses))
        clock.at(8 * MIN, lambda: monitor.submit(Resume()))

    run_monitor(rig, [Segment(9, "upright")], history=store_sink(store), actions=actions)
    ((pause,),) = seen
    assert (pause.end_utc - pause.start_utc) / MIN == pytest.approx(6, abs=1.01)
    (pause,) = read(store).pauses
    assert (pause.end_utc - pause.start_utc) / MIN == pytest.approx(7, abs=0.1)


def test_a_full_disk_and_a_read_only_store_only_delay_the_history(
    rig: dict, tmp_path: Path
) -> None:
    """The store's disk is read-only when the monitor starts and writable from minute 4;
    full from minute 9 to 16. The monitor watches on, says once per episode that the
    history is not saved, and catches up with everything it kept when the disk is back."""
    with small_disk(tmp_path / "disk") as disk:
        store = disk / "history.sqlite3"
        History.open(store).close()
        remount(disk, "ro")

        def actions(clock: FakeClock, monitor: Monitor) -> None:
            clock.at(4 * MIN, lambda: remount(disk, "rw"))
            clock.at(9 * MIN, lambda: fill(disk))
            clock.at(16 * MIN, lambda: (disk / "filler").unlink())

        run = run_monitor(rig, [Segment(20, "upright")], history=store_sink(store),
                          actions=actions)
        records = read(store)
    problems = [e.status.history for e in run.of(StatusChanged) if e.status.history != "ok"]
    assert problems[0].startswith("not saved since 10:00: history store")
    assert "cannot write to it" in problems[0] and "corrupt" not in problems[0]
    assert any("disk is full" in p for p in problems)
    # read-only, then full (a write that still fits in the log may come between)
    assert len(run.notices("History not saved")) >= 2
    assert run.of(StatusChanged)[-1].status.history == "ok"
    assert covered_min(records) == pytest.approx(20, abs=0.2)  # nothing of it lost
    (bout,) = records.bouts  # up to the last look (a look every 15 s), nothing lost
    assert bout.sitting_s / MIN == pytest.approx(20, abs=0.26)


def test_a_failing_sink_is_logged_once_retried_and_never_stops_the_loop(
    rig: dict, caplog: pytest.LogCaptureFixture
) -> None:
    """An added sink (say, an exercise counter fed each judged frame with its landmarks)
    that raises for a while: one error with its traceback, called again with each frame,
    its recovery logged, and the monitor watches on to the end."""
    class Counter(Sink):
        name = "counter"
        takes = (Judged,)

        def __init__(self) -> None:
            self.frames = 0

        def take(self, message) -> None:  # type: ignore[no-untyped-def]
            result = message.frame
            assert result.landmarks is not None
            self.frames += 1
            if 5 <= self.frames < 15:
                raise RuntimeError("counter broke")

    counter = Counter()
    with caplog.at_level("INFO", logger="posturewatch"):
        run = run_monitor(rig, [Segment(6, "upright")], sinks=[counter])
    # every frame (one each look, every 15 s: `camera.look_every_s`), through the failures
    assert counter.frames >= 6 * 60 / 15 - 1
    failed = [r for r in caplog.records if "counter (judged) failed" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info
    assert [r.getMessage() for r in caplog.records].count("counter (judged) works again") == 1
    assert run.monitor.status().sitting_s / MIN == pytest.approx(6, abs=0.3)


# -- the rule engine and the pipeline across commands -------------------------------------


def test_a_reload_keeps_the_reminders_going_where_they_were(rig: dict, tmp_path: Path) -> None:
    """Settings reloaded a minute after the break reminder: no second "Time to stand up"
    at level 1, the same reminders as without the reload, and "done" on the earlier
    bubble lands on the break reminder's row."""
    script = [Segment(70, "upright")]
    plain = run_monitor(rig, script)
    store = tmp_path / "history.sqlite3"
    config = load_config()

    def actions(clock: FakeClock, monitor: Monitor) -> None:
        clock.at(46 * MIN, lambda: monitor.submit(Reload(Settings.from_config(config))))
        clock.at(47 * MIN, lambda: monitor.submit(Outcome(1, "done")))

    reloaded = run_monitor(rig, script, history=store_sink(store), actions=actions)
    assert reloaded.notices("Settings reloaded")
    assert reloaded.fired() == plain.fired()
    assert [(rule, level) for rule, level, _ in reloaded.fired()] == [
        ("stretch", 1), ("break", 1), ("break", 2), ("break", 3)]
    outcomes = {(r.rule, r.level): r.outcome for r in read(store).reminders}
    assert outcomes[("break", 1)] == "done"


def test_one_stale_notice_however_many_commands(rig: dict) -> None:
    """The camera moved since the calibration: one "Calibrate again?" for the whole run,
    through eight snoozes and three pauses (each used to rebuild the judging and notice
    it again)."""
    def actions(clock: FakeClock, monitor: Monitor) -> None:
        for i in range(8):
            clock.at((1.5 + 0.75 * i) * MIN, lambda: monitor.submit(Snooze()))
        for i in range(3):
            clock.at((8 + i) * MIN, lambda: monitor.submit(Pause(20)))
            clock.at((8 + i) * MIN + 1, lambda: monitor.submit(Resume()))

    run = run_monitor(rig, [Segment(12, "moved")], actions=actions)
    assert len(run.notices("Calibrate again?")) == 1
    assert run.of(StatusChanged)[-1].status.calibration == "stale"


def test_calibrate_from_the_tray_samples_at_the_calibration_rate(rig: dict) -> None:
    """Asked once sampling has slowed to every 5 s: 25 frames over the 30 s it announces,
    not the 7 the slow rate would give."""
    run = run_monitor(rig, [Segment(5, "upright")],
                      actions=lambda clock, monitor: clock.at(
                          3 * MIN, lambda: monitor.submit(Calibrate())))
    (done,) = run.notices("Calibrated")
    assert "(25 frames" in done.body


# -- a restart ----------------------------------------------------------------------------


def test_a_restart_goes_on_with_the_bout_and_the_day(rig: dict, tmp_path: Path) -> None:
    """50 minutes sitting (stretch at 30, break at 45), stopped, started again 20 s later:
    the bout goes on (the next break reminder is the repeat at 55, level 2), today's
    count goes on, and the store keeps one bout of the whole sitting. Started again after
    three minutes instead, the silence was long enough for a break: a new bout."""
    store = tmp_path / "history.sqlite3"
    first = run_monitor(rig, [Segment(50, "upright")], history=store_sink(store))
    assert [(r, n) for r, n, _ in first.fired()] == [("stretch", 1), ("break", 1)]
    ended = datetime.fromtimestamp(first.clock.wall, START.tzinfo)
    again = run_monitor(rig, [Segment(10, "upright")], history=store_sink(store),
                        start=ended + timedelta(seconds=20))
    assert [(r, n) for r, n, _ in again.fired()] == [("break", 2)]
    (_, _, at), = again.fired()
    assert at == pytest.approx(5, abs=0.5)  # 55 minutes of sitting
    statuses = [e.status for e in again.of(StatusChanged)]
    assert statuses[0].sitting_s / MIN == pytest.approx(50, abs=0.3)
    assert statuses[0].reminders_today == 2
    assert statuses[-1].reminders_today == 3
    (bout,) = read(store).bouts
    assert bout.sitting_s / MIN == pytest.approx(60, abs=0.5)

    later = run_monitor(rig, [Segment(2, "upright")], history=store_sink(store),
                        start=datetime.fromtimestamp(again.clock.wall, START.tzinfo)
                        + timedelta(minutes=3))
    assert [e.status for e in later.of(StatusChanged)][-1].sitting_s < 2.5 * MIN
    assert len(read(store).bouts) == 2
