"""``posturewatch status``: what the running monitor sees now."""

from __future__ import annotations

import argparse
import json

from posturewatch.cli.parsing import add_command

EPILOG = """examples:
  posturewatch status
  posturewatch status --json
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "status", help="ask the running monitor how things are",
        description="State, continuous sitting, time to the next break, pause and snooze, "
        "and the camera, from the running `posturewatch run`.", epilog=EPILOG)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posturewatch.app.control import request

    print_status(request("status"), as_json=args.json)
    return 0


def print_status(status: dict, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(status, indent=2))
        return
    print(f"state: {status['state']} since {status['since']}")
    print(f"sitting: {status['sitting_s'] / 60:.1f} min")
    if status.get("standing_s"):
        print(f"standing: {status['standing_s'] / 60:.1f} min since you last sat")
    if status.get("stance", "auto") != "auto":
        print(f"stance: {status['stance']} (as you said; `posturewatch stance auto` to let "
              "the camera tell)")
    if status["next_break_in_s"] is not None:
        print(f"next break in: {status['next_break_in_s'] / 60:.1f} min")
    if status["paused_until"]:
        print(f"paused until: {status['paused_until']}")
    if status["snoozed_until"]:
        print(f"reminders snoozed until: {status['snoozed_until']}")
    print(f"camera: {status['camera']}")
    if status.get("history", "ok") not in ("ok", "off"):
        print(f"history: {status['history']}")
