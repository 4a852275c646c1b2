"""Argument-parsing pieces every subcommand uses; light, so cheap commands stay cheap."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from posturewatch.core.monitor_status import MAX_DURATION_S


def add_command(
    sub: argparse._SubParsersAction, name: str, *, help: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` ends with its examples, laid out as written."""
    parser = sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_global_options(parser)
    return parser


def add_action(
    actions: argparse._SubParsersAction, name: str, *, help: str, epilog: str,
    parents: list[argparse.ArgumentParser] | None = None,
) -> argparse.ArgumentParser:
    """An action of a command (``config path``, ``model fetch``): its own ``--help``, with
    its own examples, and the global options after it too."""
    parser = actions.add_parser(
        name, parents=parents or [], help=help, description=help, epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_global_options(parser)
    return parser


def json_option() -> argparse.ArgumentParser:
    """``--json``, as a parent for the actions that have it."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", help="machine-readable output")
    return parent


def path_arg(text: str) -> Path:
    return Path(text).expanduser()


LOG_LEVELS = ("debug", "info", "warning", "error")


def add_global_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """``--log-level`` and ``--config``, accepted before the subcommand and after it with the
    same meaning. Below the top level the defaults are suppressed, so an option given
    before the subcommand is not reset by the subcommand's parser; given in both places,
    the one after the subcommand wins."""
    parser.add_argument(
        "--log-level",
        default="warning" if top_level else argparse.SUPPRESS,
        choices=LOG_LEVELS,
        help="how much to log to stderr (default: warning)",
    )
    parser.add_argument(
        "--config", type=path_arg, metavar="FILE",
        default=None if top_level else argparse.SUPPRESS,
        help="settings that override your config file",
    )


def _number(text: str, low: float, high: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise argparse.ArgumentTypeError(f"{what}, not {text!r}")
    return value


def fps_arg(text: str) -> float:
    """Frames a second: 0 (every frame) up to 120, like ``source.fps`` in the config."""
    return _number(text, 0.0, 120.0, "a frame rate from 0 (every frame) to 120")


def seconds_arg(text: str) -> float:
    value = _number(text, 0.0, 1e9, "a number of seconds above 0")
    if value == 0:
        raise argparse.ArgumentTypeError(f"a number of seconds above 0, not {text!r}")
    return value


def camera_arg(text: str) -> int | str:
    """A webcam index (0, 1, ...) or a capture device path such as /dev/video2: checked
    here, so a typo is refused before the model is loaded (or downloaded)."""
    if text.isdigit():
        return int(text)
    if not Path(text).expanduser().is_absolute():
        raise argparse.ArgumentTypeError(
            f"a webcam index (0, 1, ...) or a device path such as /dev/video2, not {text!r}")
    return str(Path(text).expanduser())


_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def duration_arg(text: str) -> float:
    """``90s``, ``15m``, ``1h``, ``1h30m``; a bare number is minutes. Returns seconds."""
    import re

    parts = re.fullmatch(r"\s*((?:\d+(?:\.\d+)?\s*(?:h|min|m|s)\s*)+|\d+(?:\.\d+)?)\s*", text)
    if parts is None:
        raise argparse.ArgumentTypeError(f"a duration such as 15m, 1h or 90s, not {text!r}")
    if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", text):
        seconds = float(text) * 60
    else:
        seconds = sum(float(n) * _UNITS[u]
                      for n, u in re.findall(r"(\d+(?:\.\d+)?)\s*(h|min|m|s)", text))
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"a duration above 0, not {text!r}")
    if seconds > MAX_DURATION_S:
        raise argparse.ArgumentTypeError(
            f"a duration up to {MAX_DURATION_S / 3600:g}h (7 days), not {text!r}; leave it "
            "out for no end (a pause lasts until `posturewatch resume`)")
    return seconds
