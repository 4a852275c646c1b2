"""``posturewatch resume``: watch again after a pause."""

from __future__ import annotations

import argparse

from posturewatch.cli.parsing import add_command

EPILOG = """examples:
  posturewatch resume
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(sub, "resume", help="resume the paused monitor",
                         description="End a pause now.", epilog=EPILOG)
    parser.add_argument("--json", action="store_true", help="print the status as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posturewatch.app.control import request
    from posturewatch.cli.status import print_status

    print_status(request("resume"), as_json=args.json)
    return 0
