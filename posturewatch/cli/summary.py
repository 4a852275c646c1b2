"""``posturewatch summary``: how a day (or a week) went, from the history store."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from posturewatch.app import summary_text
from posturewatch.cli import history_options
from posturewatch.cli.parsing import add_command
from posturewatch.core.daily import Summary, summarize
from posturewatch.storage.config_file import load_settings

EPILOG = """examples:
  posturewatch summary                            today so far
  posturewatch summary --yesterday                yesterday
  posturewatch summary --date 2026-03-02 --week   the 7 days ending that Monday
  posturewatch summary --json                     machine-readable (keys: see below)
  posturewatch summary --store day.sqlite3        a store written by `analyze --store`

The JSON's keys are described in docs/HISTORY.md (under "summary"), in the folder you
cloned or unpacked posturewatch into.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "summary",
        help="sitting time, breaks, upright share and reminders for a day or a week",
        description="Sitting time, longest continuous sitting, breaks, upright versus "
        "slouched share, slouch episodes and reminders fired and acted on, for a local day "
        "or a week, with the change against the days before.",
        epilog=EPILOG,
    )
    history_options.add_period_options(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    history_options.add_store_option(parser)
    parser.set_defaults(func=run)


def load_summary(args: argparse.Namespace) -> tuple[Summary, str]:
    """The period's summary and the store's path (shared with ``report``)."""
    compare = load_settings(args.config).history.compare_days
    span = history_options.period(args)
    with history_options.open_store(args) as history:
        records = history.read(span.first - timedelta(days=compare), span.last,
                               metrics=False)
        return summarize(records, span.first, span.last, compare_days=compare), \
            str(history.path)


def run(args: argparse.Namespace) -> int:
    summary, store = load_summary(args)
    if args.json:
        print(json.dumps({"store": store, **summary.to_dict()}, indent=2))
        return 0
    span = history_options.Period(summary.first, summary.last)
    print(f"posture summary {span.label}")
    if not summary.average.has_data:
        print(f"  nothing recorded in {store} for this period")
    table = summary_text.rows(summary)
    width = max(len(label) for label, _, _ in table)
    for label, value, change in table:
        print(f"  {label:<{width}}  {value:<22} {change}".rstrip())
    print(f"  ({summary_text.comparison_note(summary)})")
    if len(summary.days) > 1:
        print()
        print("  " + summary_text.DAY_HEADER)
        for day in summary.days:
            print("  " + summary_text.day_line(day))
    return 0
