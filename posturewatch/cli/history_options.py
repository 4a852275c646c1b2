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
from posturewatch.storage.paths import user_config_file
from posturewatch.storage.store_file import COMPANIONS

FIRST_DAY = date(1970, 1, 1)  # no history is older (times are seconds since then)
LAST_DAY = date(9999, 12, 30)  # the calendar's last day but one: a day's end still counts


def date_arg(text: str) -> date:
    """A local day from 1970 on: a week before 0001-01-01, or its comparison days, would
    be outside the calendar (an OverflowError traceback)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date like 2026-03-28, not {text!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"a date from {FIRST_DAY} to {LAST_DAY}, not {text!r}")
    return day


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


def store_path(args: argparse.Namespace) -> Path:
    """The store a history command names (``--store``), else the user's own."""
    return args.store or default_store()


def open_store(args: argparse.Namespace) -> History:
    """The store for reading: a missing one is one line, never created."""
    return History.open(store_path(args), create=False, readonly=True)


def files_read(args: argparse.Namespace) -> list[tuple[str, Path | None]]:
    """What a history command reads (for ``check_writable``'s ``reads``)."""
    return [*store_files(store_path(args)), *config_files(args)]


def store_files(path: Path) -> list[tuple[str, Path | None]]:
    """The store and the files SQLite keeps beside it: an output written over any of them
    would destroy the history (for ``check_writable``'s ``reads``)."""
    return [("the history store", path), *(
        ("part of the history store", path.with_name(path.name + suffix))
        for suffix in COMPANIONS)]


def config_files(args: argparse.Namespace) -> list[tuple[str, Path | None]]:
    """The config files a command reads (for ``check_writable``'s ``reads``)."""
    return [("the config file", getattr(args, "config", None)),
            ("your config file", user_config_file())]
