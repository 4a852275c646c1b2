"""How fast `summary` and `report` are on a year of history, and how big that year is.

Fills a fresh store with a year of working days (Monday to Friday, 08:30 to 17:00 with a
lunch hour away, Europe/Berlin time so both daylight-saving changes are in it) at the
monitor's interval (`history.interval_s`, 60 s), as the monitor writes it: intervals with
the metrics ``analyze`` averages, sitting bouts, breaks and reminders. Then times the
commands in process (the interpreter and the first matplotlib import excluded, reported
apart), median of several runs each:

    python bench/history_speed.py [--days 365] [--runs 5] [--keep FILE]

Target: under 0.5 s for `summary` and `report`, for one day and for one week. The verdict
uses the process's CPU time, which equals the wall time on an otherwise idle machine and
stays meaningful when other jobs share the cores (both are printed).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from posturewatch.capture import native_logs
from posturewatch.cli import main
from posturewatch.core.intervals import Interval
from posturewatch.storage.history import History

ZONE = ZoneInfo("Europe/Berlin")
INTERVAL_S = 60
METRIC_KEYS = ("visibility", "head_size", "head_pitch", "shoulder_tilt_deg", "head_tilt_deg",
               "head_height", "face_scale", "lean_deg", "score", "closeness")


def at(day: date, hour: float) -> float:
    """UTC epoch seconds of a local wall-clock hour on ``day``."""
    naive = datetime(day.year, day.month, day.day) + timedelta(hours=hour)
    return naive.replace(tzinfo=ZONE).timestamp()


def offset(utc: float) -> int:
    delta = datetime.fromtimestamp(utc, tz=UTC).astimezone(ZONE).utcoffset()
    return int(delta.total_seconds()) if delta else 0


def working_day(history: History, day: date, rng: random.Random, *,
                standing: tuple[float, float] | None = None) -> int:
    """One day as the monitor would write it; returns the intervals written. ``standing``:
    local hours spent standing at a raised desk (no bout then; a stand-up set before it,
    neck tilts after it)."""
    start, end = at(day, 8.5), at(day, 17.0)
    lunch = (at(day, 12.5), at(day, 13.5))
    with history.transaction():
        sid = history.begin_session(kind="live", source="camera 0", start_utc=start,
                                    utc_offset_s=offset(start))
        intervals = []
        t = start
        slouching = 0.3 + 0.2 * rng.random()
        while t < end:
            off = offset(t)
            if lunch[0] <= t < lunch[1]:
                intervals.append(Interval(t, off, 60.0, away_s=60.0))
            elif standing and at(day, standing[0]) <= t < at(day, standing[1]):
                intervals.append(Interval(t, off, 60.0, standing_s=60.0))
            else:
                slouched = 60.0 * min(1.0, max(0.0, rng.gauss(slouching, 0.25)))
                unknown = 2.0 if rng.random() < 0.1 else 0.0
                upright = 60.0 - slouched - unknown
                intervals.append(Interval(
                    t, off, 60.0, upright_s=upright, slouched_s=slouched, unknown_s=unknown,
                    slouch_episodes=int(slouched > 20 and rng.random() < 0.3),
                    metrics={k: rng.uniform(-1.0, 1.0) for k in METRIC_KEYS},
                    reasons={"head_forward": slouched * 0.6, "sinking": slouched * 0.4}
                    if slouched else {}))
            t += INTERVAL_S
        history.write_intervals(sid, intervals)
        bouts = [(8.5, 9.3), (9.4, 10.2), (10.3, 11.1), (11.2, 12.5), (13.5, 14.3),
                 (14.4, 15.2), (15.3, 16.1), (16.2, 17.0)]
        for a, b in bouts:
            if standing and standing[0] <= a < standing[1]:
                continue
            s, e = at(day, a), at(day, b)
            history.write_bout(sid, s, e, offset(s), e - s)
        for (_, b), (a, _) in zip(bouts, bouts[1:]):
            s, e = at(day, b), at(day, a)
            history.write_break(sid, s, e, offset(s))
        for hour in (9.2, 10.1, 11.0, 11.9, 12.2, 14.2, 15.1, 16.0):
            when = at(day, hour)
            rid = history.write_reminder(sid, when, offset(when), rule="break", kind="break",
                                         title="Time to stand up")
            history.update_reminder_outcome(rid, rng.choice(("acted", "ignored", "snoozed")))
        if standing:
            up, done = at(day, standing[0]), at(day, standing[1])
            history.write_exercise(sid, "stand_up", 5, up - 40, up - 10, offset(up))
            history.write_exercise(sid, "neck_tilt", 4, done + 60, done + 150, offset(done),
                                   sides=(2, 2))
        history.end_session(sid, end)
    return len(intervals)


def timed(argv: list[str], runs: int) -> tuple[float, float, float]:
    """(first run, median of the next ``runs``, median CPU time of those) in seconds.
    The CPU time is this process's own, so it holds when other work shares the machine."""
    wall, cpu = [], []
    for _ in range(runs + 1):
        sink = io.StringIO()
        began, began_cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(sink):
            assert main(argv) == 0
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return wall[0], statistics.median(wall[1:]), statistics.median(cpu[1:])


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the store here and keep it")
    args = parser.parse_args()
    native_logs.silence_native_stderr = lambda: None  # nothing native loads here
    with tempfile.TemporaryDirectory(prefix="posturewatch-bench-") as temporary:
        return measure(args, Path(temporary))


def measure(args: argparse.Namespace, folder: Path) -> int:
    store = args.keep or folder / "history.sqlite3"
    rng = random.Random(7)
    first = date(2025, 1, 1)
    days = [first + timedelta(days=n) for n in range(args.days)]
    working = [d for d in days if d.weekday() < 5]
    began = time.perf_counter()
    written = 0
    with History.open(store) as history:
        for day in working:
            written += working_day(history, day, rng)
        history._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fill_s = time.perf_counter() - began
    size = store.stat().st_size
    print(f"store: {len(working)} working days, {written} intervals of {INTERVAL_S} s, "
          f"{size / 1e6:.1f} MB ({size / len(working) / 1e3:.0f} kB a day), "
          f"filled in {fill_s:.1f} s")
    last = working[-1]
    out = folder / "report.html"
    cases = {
        "summary, one day": ["summary", "--store", str(store), "--date", last.isoformat()],
        "summary, one week": ["summary", "--store", str(store), "--date", last.isoformat(),
                              "--week"],
        "report, one day": ["report", "--store", str(store), "--date", last.isoformat(),
                            "--out", str(out)],
        "report, one week": ["report", "--store", str(store), "--date", last.isoformat(),
                             "--week", "--out", str(out)],
    }
    worst, worst_cpu = 0.0, 0.0
    for name, argv in cases.items():
        cold, median, cpu = timed(argv, args.runs)
        worst, worst_cpu = max(worst, median), max(worst_cpu, cpu)
        print(f"{name:18} {median * 1000:7.1f} ms wall, {cpu * 1000:6.1f} ms CPU (median of "
              f"{args.runs}; first run {cold * 1000:.0f} ms, imports included)")
    print(f"report size (week): {out.stat().st_size / 1e3:.0f} kB")
    verdict = "met" if worst_cpu < 0.5 else "MISSED"
    print(f"target under 500 ms each: {verdict} (slowest {worst_cpu * 1000:.0f} ms CPU, "
          f"{worst * 1000:.0f} ms wall; wall is higher only when other work shares the cores)")
    return 0 if worst_cpu < 0.5 else 1


if __name__ == "__main__":
    sys.exit(run())
