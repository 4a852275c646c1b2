"""``posturewatch export``: everything the store holds, as CSV or JSON. The data is yours."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from posturewatch.cli import history_options
from posturewatch.cli.parsing import add_command, path_arg
from posturewatch.core.daily import exercise_dict
from posturewatch.core.intervals import aware_datetime
from posturewatch.core.records import Records
from posturewatch.storage.atomic import check_writable, write_atomic

EPILOG = """examples:
  posturewatch export --format csv --out history.csv   everything, as one CSV table
  posturewatch export --from 2026-03-01 --to 2026-03-31 --out march.json
  posturewatch export --format json                    JSON to stdout
"""

COLUMNS = ("record", "start", "end", "day", "length_s", "upright_s", "slouched_s", "away_s",
           "unknown_s", "standing_s", "unseen_s", "slouch_episodes", "sitting_s", "rule", "kind",
           "title", "level", "outcome", "details")


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "export",
        help="write the stored history as CSV or JSON",
        description="Every interval, sitting bout, break, reminder, pause, calibration and "
        "exercise set in the store, with local times carrying their UTC offset. CSV is one "
        "table with a "
        "`record` column; JSON has one list per kind.",
        epilog=EPILOG,
    )
    parser.add_argument("--format", choices=("csv", "json"), default="json",
                        help="output format (default: json)")
    parser.add_argument("--from", dest="first", type=history_options.date_arg,
                        metavar="DATE", help="first local day (default: the oldest)")
    parser.add_argument("--to", dest="last", type=history_options.date_arg, metavar="DATE",
                        help="last local day (default: the newest)")
    parser.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    history_options.add_store_option(parser)
    parser.set_defaults(func=run)


def _time(utc: float, offset: int) -> str:
    return aware_datetime(utc, offset).isoformat(timespec="seconds")


def as_json(records: Records) -> dict[str, list[dict[str, Any]]]:
    def span(s: Any, sitting: bool = False) -> dict[str, Any]:
        out = {"start": _time(s.start_utc, s.utc_offset_s), "end": _time(s.end_utc, s.utc_offset_s)}
        if sitting:
            out["sitting_s"] = s.sitting_s
        return out

    return {
        "intervals": [
            {"start": _time(i.start_utc, i.utc_offset_s), "day": i.day.isoformat(),
             "length_s": i.length_s, "upright_s": i.upright_s, "slouched_s": i.slouched_s,
             "away_s": i.away_s, "unknown_s": i.unknown_s, "standing_s": i.standing_s,
             "unseen_s": i.unseen_s,
             "slouch_episodes": i.slouch_episodes, "metrics": dict(i.metrics),
             "reasons": dict(i.reasons)}
            for i in records.intervals],
        "bouts": [span(b, sitting=True) for b in records.bouts],
        "breaks": [span(b) for b in records.breaks],
        "pauses": [span(p) for p in records.pauses],
        "calls": [span(c) for c in records.calls],
        "locks": [span(k) for k in records.locks],
        "reminders": [
            {"at": _time(r.at_utc, r.utc_offset_s), "rule": r.rule, "kind": r.kind,
             "title": r.title, "level": r.level, "outcome": r.outcome}
            for r in records.reminders],
        "calibrations": [
            {"at": _time(c.at_utc, c.utc_offset_s), "view": c.view, "frames": c.frames,
             "values": dict(c.values), "ok": c.ok, "detail": c.detail}
            for c in records.calibrations],
        "exercises": [
            {k: v for k, v in exercise_dict(e).items() if k not in ("from", "to")}
            | {"start": _time(e.start_utc, e.utc_offset_s), "end": _time(e.end_utc, e.utc_offset_s)}
            for e in records.exercises],
    }


def _csv_rows(data: dict[str, list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    for kind, items in data.items():
        for item in items:
            row = {k: v for k, v in item.items() if k in COLUMNS}
            row["record"] = kind.removesuffix("s")
            if "at" in item:
                row["start"] = item["at"]
            extra = {k: v for k, v in item.items() if k not in COLUMNS and k != "at"}
            if extra:
                row["details"] = json.dumps(extra, sort_keys=True)
            yield row


def as_csv(records: Records) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_csv_rows(as_json(records)))
    return out.getvalue()


def run(args: argparse.Namespace) -> int:
    if args.out:
        check_writable(path_arg(args.out), history_options.files_read(args))
    with history_options.open_store(args) as history:
        records = history.read(args.first, args.last)
    text = as_csv(records) if args.format == "csv" else json.dumps(as_json(records), indent=2) + "\n"
    if args.out:
        write_atomic(path_arg(args.out), text)
    else:
        print(text, end="")
    return 0


