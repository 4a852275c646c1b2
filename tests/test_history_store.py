"""The history store as files on disk: schema versions, refusals in one line, a writer
killed with SIGKILL, a reader beside a writer, forgetting for good, export."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from posturewatch.cli import main
from posturewatch.core.intervals import Interval
from posturewatch.storage.history import SCHEMA_VERSION, History, HistoryError

from conftest import run_cli

DAY = 1_772_611_200.0  # 2026-03-04T08:00:00Z, a Wednesday
CET = 3600


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """The command in process (conftest's ``run_cli``), as (exit code, stdout, stderr)."""
    result = run_cli(*argv, check=False)
    return result.returncode, result.stdout, result.stderr


def one_line_error(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("posturewatch: error: "), err
    for needle in needles:
        assert needle in lines[0], lines[0]


def fill(path: Path, days: int = 3, *, source: str = "clip") -> None:
    """``days`` days from DAY, an hour each: intervals, a bout, a break, two reminders."""
    with History.open(path) as history:
        for n in range(days):
            start = DAY + n * 86_400
            sid = history.begin_session(kind="clip", source=f"{source}-{n}", start_utc=start,
                                        utc_offset_s=CET, key=f"k{n}")
            history.write_intervals(sid, [
                Interval(start + m * 60, CET, 60.0, upright_s=40.0, slouched_s=15.0,
                         away_s=5.0, slouch_episodes=1, metrics={"score": 0.5},
                         reasons={"head_forward": 15.0})
                for m in range(60)])
            history.write_bout(sid, start, start + 2700, CET, 2700.0)
            history.write_break(sid, start + 2700, start + 3000, CET)
            rid = history.write_reminder(sid, start + 2700, CET, rule="break", kind="break",
                                         title="Time to stand up")
            history.update_reminder_outcome(rid, "acted")
            history.write_reminder(sid, start + 600, CET, rule="posture", kind="posture",
                                   title="Sit tall", outcome="ignored")
            history.write_calibration(start, CET, view="front", frames=50,
                                      values={"head_height": 0.6})
            history.write_calibration(start + 10, CET, ok=False, detail="too few frames")
            history.end_session(sid, start + 3600)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "history.sqlite3"
    fill(path)
    return path


def test_a_new_store_has_the_current_schema_in_wal_mode(store: Path) -> None:
    db = sqlite3.connect(store)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    columns = {r[1] for r in db.execute("PRAGMA table_info(intervals)")}
    assert not {"frame", "landmarks", "image"} & columns  # aggregates only
    db.close()


def test_an_empty_old_file_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()  # version 0: an empty SQLite file
    with History.open(path) as history:
        assert history.read().intervals == ()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_schema_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "newer.sqlite3"
    fill(path, days=1)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()
    code, _, err = cli(capsys, "summary", "--store", path, "--date", "2026-03-04")
    assert code != 0
    one_line_error(err, "newer", "upgrade posturewatch")
    code, _, err = cli(capsys, "forget", "--all", "--yes", "--store", path)
    assert code != 0 and path.read_bytes() == before


@pytest.mark.parametrize("content", [b"garbage, not SQLite " * 300, b""])
def test_a_corrupt_store_is_one_line_and_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(content or (b"SQLite format 3\x00" + b"\xff" * 4000))
    before = path.read_bytes()
    for argv in (["summary"], ["export"], ["forget", "--all", "--yes"]):
        code, _, err = cli(capsys, *argv, "--store", path)
        assert code != 0
        one_line_error(err, str(path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    with pytest.raises(HistoryError, match="not a posturewatch history store"):
        History.open(path)


def test_a_missing_store_is_not_created_by_readers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "none.sqlite3"
    code, _, err = cli(capsys, "summary", "--store", path)
    assert code != 0
    one_line_error(err, "no history yet")
    assert not path.exists()


def test_a_session_with_the_same_key_replaces_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    fill(path, days=1)
    fill(path, days=1)  # the same sessions again
    with History.open(path) as history:
        records = history.read()
    assert len(records.intervals) == 60 and len(records.bouts) == 1
    assert len(records.reminders) == 2


def test_a_bout_still_going_is_kept_current(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        sid = history.begin_session(kind="live", source="camera 0", start_utc=DAY,
                                    utc_offset_s=CET)
        bout = history.write_bout(sid, DAY, DAY + 60, CET, 60.0)
        rest = history.write_break(sid, DAY + 60, DAY + 60, CET)
        history.update_bout(bout, DAY + 86_400, 86_400.0)  # sat through to the next day
        history.update_break(rest, DAY + 120)
        records = history.read(date(2026, 3, 5), date(2026, 3, 5))
    assert [(b.end_utc, b.sitting_s) for b in records.bouts] == [(DAY + 86_400, 86_400.0)]
    assert records.breaks == ()  # the break is on the 4th only


def test_summary_json(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "summary", "--store", store, "--date", "2026-03-05", "--json")
    assert code == 0
    data = json.loads(out)
    totals = data["totals"]
    assert totals["upright_s"] == 2400 and totals["slouched_s"] == 900
    assert totals["sitting_s"] == 2700 and totals["longest_bout_s"] == 2700
    assert totals["breaks"] == 1 and totals["slouch_episodes"] == 60
    assert totals["reminders_fired"] == 2 and totals["reminders_acted"] == 1
    assert totals["reasons"] == {"head_forward": 900}
    assert data["previous"]["days_with_data"] == 1
    assert data["change"]["upright_s"] == 0
    code, out, _ = cli(capsys, "summary", "--store", store, "--date", "2026-03-06", "--week")
    assert code == 0 and "2026-02-28 to 2026-03-06" in out and "days with data" in out


def test_export_csv_and_json(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "export", "--store", store, "--format", "json",
                       "--from", "2026-03-05", "--to", "2026-03-05")
    data = json.loads(out)
    assert code == 0 and len(data["intervals"]) == 60
    assert data["intervals"][0]["start"] == "2026-03-05T09:00:00+01:00"
    assert data["reminders"][0]["outcome"] == "ignored"
    assert [c["ok"] for c in data["calibrations"]] == [True, False]
    code, out, _ = cli(capsys, "export", "--store", store, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    kinds = {r["record"] for r in rows}
    assert kinds == {"interval", "bout", "break", "reminder", "calibration"}
    assert sum(float(r["upright_s"]) for r in rows if r["record"] == "interval") == 3 * 2400


def test_forget_before_a_date_and_then_all_is_gone_from_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.sqlite3"
    fill(path, days=3, source="UNIQUE-SOURCE-NAME")
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # not a terminal: --yes needed
    code, _, err = cli(capsys, "forget", "--all", "--store", path)
    assert code != 0
    one_line_error(err, "--yes")
    code, out, _ = cli(capsys, "forget", "--before", "2026-03-06", "--yes", "--store", path)
    assert code == 0 and "deleted" in out
    with History.open(path) as history:
        assert history.days() == ("2026-03-06",)
    data = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes()
                                if path.with_name(path.name + "-wal").exists() else b"")
    assert b"UNIQUE-SOURCE-NAME-0" not in data and b"UNIQUE-SOURCE-NAME-2" in data
    code, _, _ = cli(capsys, "forget", "--all", "--yes", "--store", path)
    data = path.read_bytes()
    assert code == 0 and b"UNIQUE-SOURCE-NAME" not in data and b"Sit tall" not in data
    with History.open(path) as history:
        assert history.read().intervals == () and history.days() == ()


WRITER = textwrap.dedent("""
    import sys
    from posturewatch.core.intervals import IntervalAggregator
    from posturewatch.storage.history import History

    history = History.open(sys.argv[1])
    sid = history.begin_session(kind="live", source="camera 0", start_utc=1.8e9, utc_offset_s=0)
    aggregator = IntervalAggregator(60)
    written = 0
    for i in range(10**9):  # the monitor at 5 fps, simulated time
        t = i * 0.2
        closed = aggregator.push(t=t, wall_utc=1.8e9 + t, utc_offset_s=0,
                                 state="upright" if i % 500 < 300 else "slouched", seconds=0.2,
                                 metrics={"score": 0.4})
        for interval in closed:
            with history.transaction():  # what a reader must never see half of
                history.write_intervals(sid, [interval])
                history.write_break(sid, interval.start_utc, interval.end_utc, 0)
            written += 1
            print(written, flush=True)
""")


def test_sigkill_mid_run_loses_at_most_the_last_interval(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    acknowledged, seen = 0, 0
    try:
        while acknowledged < 40:
            line = writer.stdout.readline()
            assert line, "the writer stopped"
            acknowledged = int(line)
            if acknowledged % 5 == 0:  # a second process reading while the writer writes
                with History.open(path, readonly=True) as reader:
                    records = reader.read()
                assert len(records.intervals) == len(records.breaks) >= seen
                seen = len(records.intervals)
                for interval in records.intervals:
                    assert interval.upright_s + interval.slouched_s == pytest.approx(60, abs=1e-3)
        os.kill(writer.pid, signal.SIGKILL)  # mid-run: it never stops writing on its own
        printed = writer.stdout.read().split()  # acknowledged before it died
        acknowledged = int(printed[-1]) if printed else acknowledged
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    with History.open(path) as history:
        records = history.read()
        check = history._db.execute("PRAGMA integrity_check").fetchone()[0]
    assert check == "ok"
    # every acknowledged interval is there (one more if it died between commit and print);
    # only the interval still being filled is lost
    assert acknowledged <= len(records.intervals) <= acknowledged + 1
    assert len(records.breaks) == len(records.intervals)
    starts = [i.start_utc for i in records.intervals]
    assert starts == sorted(starts) and starts[0] == 1.8e9
    assert all(b - a == pytest.approx(60) for a, b in zip(starts, starts[1:]))


@pytest.mark.parametrize("command", ["summary", "report", "export", "forget"])
def test_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and "examples:" in out and f"posturewatch {command}" in out
    assert "--store" in out


def test_the_local_offset_follows_the_zone_across_a_dst_change() -> None:
    """The wall-clock side (app/local_time.py) under TZ=Europe/Berlin, in a fresh process:
    naive times are local, and the offset changes at 01:00 UTC on the last Sunday of March."""
    code = ("from posturewatch.app.local_time import parse_time, utc_offset_s as o\n"
            "t = parse_time('2026-03-29T01:30')\n"
            "print(t, o(t), o(t + 3600), parse_time('2026-03-29T03:30') - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "TZ": "Europe/Berlin"}, check=True).stdout.split()
    assert float(out[0]) == 1_774_744_200.0  # 00:30 UTC
    assert (out[1], out[2]) == ("3600", "7200")
    assert float(out[3]) == 3600.0  # 01:30 CET to 03:30 CEST is one real hour
