"""``posturewatch report``: a day or a week as one self-contained HTML page with charts."""

from __future__ import annotations

import argparse
import logging
import webbrowser
from datetime import timedelta
from pathlib import Path

from posturewatch.cli import history_options
from posturewatch.cli.parsing import add_command, path_arg
from posturewatch.core.daily import day_range, day_totals, summarize
from posturewatch.storage.atomic import check_writable, write_atomic
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_settings
from posturewatch.storage.paths import user_cache_dir

log = logging.getLogger(__name__)

EPILOG = """examples:
  posturewatch report --open                today, opened in your browser
  posturewatch report --yesterday --out yesterday.html
  posturewatch report --week --out week.html   the 7 days ending today
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "report",
        help="an HTML page of a day or a week: timeline, upright share by hour, trend",
        description="Write one self-contained HTML file (charts embedded, nothing loaded from "
        "anywhere): the day as a timeline of posture states with sitting bouts, breaks and "
        "reminders marked, the upright share by hour, and the week's trend.",
        epilog=EPILOG,
    )
    history_options.add_period_options(parser)
    parser.add_argument("--out", type=path_arg, metavar="FILE.html",
                        help="where to write it (default: posturewatch-report-DATE.html in "
                        f"{reports_dir()})")
    parser.add_argument("--open", action="store_true", help="open it in your web browser")
    history_options.add_store_option(parser)
    parser.set_defaults(func=run)


def reports_dir() -> Path:
    """Where a report goes unless --out says otherwise: the user's cache, never the
    current folder (a new user's clone). A report is made again from the history."""
    return user_cache_dir() / "reports"


def run(args: argparse.Namespace) -> int:
    from posturewatch.app import report  # matplotlib: only when a report is made
    from posturewatch.app.local_time import today

    span = history_options.period(args)
    out: Path = args.out or reports_dir() / (
        f"posturewatch-report-{span.first.isoformat()}"
        + ("" if span.first == span.last else f"-to-{span.last.isoformat()}") + ".html")
    check_writable(out, history_options.files_read(args))
    compare = load_settings(args.config).history.compare_days
    trend_first = span.last - timedelta(days=6)
    with history_options.open_store(args) as history:
        records = history.read(min(span.first - timedelta(days=compare), trend_first),
                               span.last, metrics=False)
        store = str(history.path)
    summary = summarize(records, span.first, span.last, compare_days=compare)
    trend = day_totals(records, day_range(trend_first, span.last))
    page = report.render(summary, records, trend, store=store,
                         generated=today().strftime("%Y-%m-%d %H:%M"), catalog=load_catalog())
    write_atomic(out, page)  # private in the cache; elsewhere as the umask says
    print(f"report written to {out}" + ("" if args.open else " (--open shows it)"))
    if args.open:
        webbrowser.open(out.resolve().as_uri())
    return 0
