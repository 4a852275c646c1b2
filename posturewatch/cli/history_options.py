"""What the history commands (summary, report, export, forget) share: the store option,
the period options, and opening the store for reading."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from posturewatch.app.local_time import today
from posturewatch.cli.parsing import path_arg
from posturewatch.storage.history import History, default_store


def date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date like 2026-03-28, not {text!r}") from None


def add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=path_arg, metavar="PATH",
                        help=f"the history store (default: {default_store()})")


def add_period_options(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--date", type=date_arg, metavar="YYYY-MM-DD",
                       help="the local day (default: today)")
    which.add_argument("--yesterday", action="store_true", help="yesterday")
    parser.add_argument("--week", action="store_true",
                        help="the 7 days ending with the day (default: ending today)")


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first.isoformat()} ({self.first.strftime('%A')})"
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def period(args: argparse.Namespace) -> Period:
    last = args.date or (today().date() - timedelta(days=1 if args.yesterday else 0))
    first = last - timedelta(days=6) if args.week else last
    return Period(first, last)


def open_store(args: argparse.Namespace) -> History:
    """The store for reading: a missing one is one line, never created."""
    path: Path = args.store or default_store()
    return History.open(path, create=False, readonly=True)
