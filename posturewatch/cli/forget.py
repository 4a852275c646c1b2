"""``posturewatch forget``: delete stored history for good (the file is rewritten, so what
is deleted is gone from the disk, not just hidden)."""

from __future__ import annotations

import argparse
import sys

from posturewatch.cli import history_options
from posturewatch.cli.parsing import add_command
from posturewatch.errors import PostureWatchError
from posturewatch.storage.history import History

EPILOG = """examples:
  posturewatch forget --before 2026-01-01   everything of the days before 2026
  posturewatch forget --all --yes           everything, without asking
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "forget",
        help="delete stored history, for good",
        description="Delete the history of the local days before a date, or all of it. "
        "The store is rewritten (vacuumed) so the deleted rows are gone from the file.",
        epilog=EPILOG,
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--before", type=history_options.date_arg, metavar="DATE",
                       help="delete the days before this local day")
    which.add_argument("--all", action="store_true", help="delete everything")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    history_options.add_store_option(parser)
    parser.set_defaults(func=run)


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise PostureWatchError("forget needs confirmation and there is no terminal to ask",
                                "add --yes")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    path = history_options.store_path(args)
    with History.open(path, create=False) as history:
        what = "all history" if args.all else f"the history before {args.before.isoformat()}"
        if not args.yes and not _confirm(f"Delete {what} in {path}? This cannot be undone."):
            print("nothing deleted")
            return 1
        deleted = history.forget(None if args.all else args.before)
    print(f"deleted {deleted} records ({what}) from {path}")
    return 0
