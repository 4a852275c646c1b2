"""The ``posturewatch`` command: global options, subcommands, one-line errors."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from posturewatch import __version__
from posturewatch.capture import native_logs as quiet
from posturewatch.cli.commands import COMMANDS
from posturewatch.cli.parsing import add_global_options
from posturewatch.errors import PostureWatchError
from posturewatch.interrupts import interrupted

EPILOG = """examples:
  posturewatch model fetch                 download and verify the pose model
  posturewatch calibrate --camera 0        record your upright baseline (sit tall)
  posturewatch analyze --camera 0          watch the webcam, Ctrl-C for the summary
  posturewatch analyze clip.mp4 --json -   judge a recording, JSON to stdout
  posturewatch config check                validate your config file
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posturewatch",
        description="Webcam posture and sitting-time monitor. Frames never leave memory.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"posturewatch {__version__}")
    add_global_options(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.log_level != "debug":
        quiet.silence_native_stderr()
    logging.basicConfig(
        level=args.log_level.upper(), format="posturewatch: %(levelname)s: %(message)s"
    )
    try:
        return int(args.func(args) or 0)
    except PostureWatchError as exc:
        print(f"posturewatch: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return interrupted()
    except BrokenPipeError:
        return 0
