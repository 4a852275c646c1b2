"""Argument-parsing pieces every subcommand uses; light, so cheap commands stay cheap."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_command(
    sub: argparse._SubParsersAction, name: str, *, help: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` ends with its examples, laid out as written."""
    return sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def path_arg(text: str) -> Path:
    return Path(text).expanduser()


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=path_arg, metavar="FILE", help="settings that override your config file"
    )
