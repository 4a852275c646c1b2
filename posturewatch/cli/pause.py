"""``posturewatch pause [DURATION]``: stop watching for a while (the camera is released)."""

from __future__ import annotations

import argparse

from posturewatch.cli.parsing import add_command, duration_arg

EPILOG = """examples:
  posturewatch pause          until `posturewatch resume`
  posturewatch pause 15m
  posturewatch pause 1h --json
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "pause", help="pause the running monitor (releases the camera)",
        description="Pause watching and reminders, for DURATION (15m, 1h, 90s; a bare number "
        "is minutes) or until resumed.", epilog=EPILOG)
    parser.add_argument("duration", nargs="?", type=duration_arg, metavar="DURATION")
    parser.add_argument("--json", action="store_true", help="print the status as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posturewatch.app.control import request
    from posturewatch.cli.status import print_status

    print_status(request("pause", args.duration), as_json=args.json)
    return 0
