"""``posturewatch snooze [DURATION]``: no reminders for a while; watching goes on."""

from __future__ import annotations

import argparse

from posturewatch.cli.parsing import add_command, duration_arg

EPILOG = """examples:
  posturewatch snooze         for monitor.snooze_min (30 min by default)
  posturewatch snooze 1h
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "snooze", help="no reminders for a while",
        description="Hold reminders for DURATION (15m, 1h, 90s; a bare number is minutes); "
        "sitting time is still counted.", epilog=EPILOG)
    parser.add_argument("duration", nargs="?", type=duration_arg, metavar="DURATION")
    parser.add_argument("--json", action="store_true", help="print the status as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posturewatch.app.control import request
    from posturewatch.cli.status import print_status

    print_status(request("snooze", args.duration), as_json=args.json)
    return 0
