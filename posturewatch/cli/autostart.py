"""``posturewatch autostart enable | disable | status``: start the monitor at login."""

from __future__ import annotations

import argparse
import json

from posturewatch.cli.parsing import add_command

EPILOG = """examples:
  posturewatch autostart enable     start `posturewatch run` at every login
  posturewatch autostart status --json
  posturewatch autostart disable
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "autostart", help="start the monitor at login (or stop doing so)",
        description="Linux: an XDG autostart entry (~/.config/autostart/posturewatch.desktop); "
        "macOS: a LaunchAgent; Windows: a script in the Startup folder.", epilog=EPILOG)
    parser.add_argument("action", choices=["enable", "disable", "status"])
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posturewatch.storage import autostart

    if args.action == "enable":
        autostart.enable()
    elif args.action == "disable":
        autostart.disable()
    on, path = autostart.enabled(), autostart.entry_path()
    if args.json:
        print(json.dumps({"enabled": on, "path": str(path)}))
    else:
        print(f"autostart {'on' if on else 'off'}: {path}")
    return 0
