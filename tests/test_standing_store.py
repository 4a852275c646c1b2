"""Standing time and the desk moves in the history: schema 3 (a version 2 store upgraded
with its rows kept), standing seconds per interval, the repetitions to each side, and what
`summary`, the report and `export` make of them."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from posturewatch.app import summary_text
from posturewatch.app.report_sections import exercises_section
from posturewatch.core.daily import summarize
from posturewatch.core.intervals import Interval
from posturewatch.storage import history as store
from posturewatch.storage.history import History

from conftest import run_cli

T0 = 1_772_532_000.0  # 2026-03-03 10:00 UTC; 11:00 local at +3600
DAY = date(2026, 3, 3)


def version_2_file(path: Path) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    store.MIGRATIONS[0](db)
    store.MIGRATIONS[1](db)
    db.execute("INSERT INTO sessions (kind, source, start_utc, utc_offset_s) "
               "VALUES ('live', 'camera 0', ?, 3600)", (T0,))
    db.execute("INSERT INTO intervals VALUES (1, ?, 3600, '2026-03-03', 60, 50, 10, 0, 0, 0, "
               "1, '{}', '{}')", (T0,))
    db.execute("INSERT INTO exercises VALUES (1, 'wall_angel', 5, ?, ?, 3600, '2026-03-03')",
               (T0 + 10, T0 + 40))
    db.execute(f"PRAGMA application_id = {store.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 2")
    db.execute("COMMIT")
    db.close()


def test_a_version_2_store_is_upgraded_and_keeps_standing_and_sides(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    version_2_file(path)
    with History.open(path) as history:
        [old] = history.read().intervals
        assert (old.upright_s, old.standing_s) == (50, 0)
        history.write_intervals(1, [Interval(T0 + 60, 3600, 60.0, upright_s=20.0,
                                             standing_s=40.0)])
        history.write_exercise(1, "neck_tilt", 4, T0 + 70, T0 + 100, 3600, sides=(2, 2))
        history.write_exercise(1, "stand_up", 3, T0 + 110, T0 + 120, 3600)
        records = history.read()
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == store.SCHEMA_VERSION >= 3
    assert [i.standing_s for i in records.intervals] == [0.0, 40.0]
    assert [(e.exercise, e.reps, e.sides) for e in records.exercises] == [
        ("wall_angel", 5, None), ("neck_tilt", 4, (2, 2)), ("stand_up", 3, None)]

    summary = summarize(records, DAY, DAY)
    assert summary.totals.standing_s == 40 and summary.totals.upright_s == 70
    assert summary.counted() == {"wall_angel": (5, 1), "neck_tilt": (4, 1), "stand_up": (3, 1)}
    rows = {label: value for label, value, _ in summary_text.rows(summary)}
    assert rows["standing time"] == "40 s"
    assert rows["neck tilts seen"] == "4 in 1 set" and rows["stand-ups seen"] == "3 in 1 set"
    section = exercises_section(summary)
    assert "4 neck tilts (2 left, 2 right)" in section and "3 stand-ups" in section
    assert "5 wall angels in 1 set" in section
    data = summary.to_dict()
    assert data["totals"]["standing_s"] == 40
    assert {"id": "neck_tilt", "reps": 4, "left": 2, "right": 2} .items() <= \
        data["exercises"][1].items()


def test_export_carries_standing_and_the_exercise_sets(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    version_2_file(path)
    with History.open(path) as history:
        history.write_intervals(1, [Interval(T0 + 60, 3600, 60.0, standing_s=60.0)])
        history.write_exercise(1, "side_bend", 2, T0 + 70, T0 + 100, 3600, sides=(1, 1))
    data = json.loads(run_cli("export", "--store", path, "--format", "json").stdout)
    assert [i["standing_s"] for i in data["intervals"]] == [0.0, 60.0]
    assert [(e["id"], e["reps"], e.get("left")) for e in data["exercises"]] == [
        ("wall_angel", 5, None), ("side_bend", 2, 1)]
    csv = run_cli("export", "--store", path, "--format", "csv").stdout
    assert csv.splitlines()[0].split(",")[9] == "standing_s"
    assert "exercise," in csv


def test_a_version_3_store_is_upgraded_with_calls_and_locks(tmp_path: Path) -> None:
    """Schema 4 (issue 22) adds the calls and the locked screen as spans: a version-3 file
    (issue 24's) keeps its standing rows and takes calls and locks, which `summary` counts."""
    path = tmp_path / "h.sqlite3"
    version_2_file(path)
    with History.open(path):
        pass  # up to the current version, then back to 3 by hand below
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP TABLE calls")
    db.execute("DROP TABLE locks")
    db.execute("PRAGMA user_version = 3")
    db.close()
    with History.open(path) as history:
        history.write_intervals(1, [Interval(T0 + 60, 3600, 60.0, standing_s=60.0)])
        history.write_spell("call", 1, T0 + 120, T0 + 1920, 3600)
        history.write_spell("locked", 1, T0 + 2000, T0 + 2600, 3600)
        records = history.read()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 4
    assert [i.standing_s for i in records.intervals] == [0.0, 60.0]
    assert [(s.end_utc - s.start_utc) for s in records.calls] == [1800]
    assert [(s.end_utc - s.start_utc) for s in records.locks] == [600]
    totals = summarize(records, DAY, DAY).totals
    assert (totals.call_s, totals.locked_s) == (1800, 600)
