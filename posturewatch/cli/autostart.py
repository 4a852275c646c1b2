"""``posturewatch autostart enable | disable | status``: start the monitor at login."""

from __future__ import annotations

import argparse
import json

from posturewatch.cli.parsing import add_action, add_command, json_option

EPILOG = """examples:
  posturewatch autostart enable     start `posturewatch run` at every login
  posturewatch autostart status --json
  posturewatch autostart disable

each action has its own help: `posturewatch autostart enable --help`
"""

ACTIONS = {
    "enable": ("start `posturewatch run` at every login from now on", """examples:
  posturewatch autostart enable            Linux: ~/.config/autostart/posturewatch.desktop
  posturewatch autostart enable --json
"""),
    "disable": ("stop starting the monitor at login (a running one goes on)", """examples:
  posturewatch autostart disable
"""),
    "status": ("say whether the monitor starts at login, and from which file", """examples:
  posturewatch autostart status
  posturewatch autostart status --json
"""),
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "autostart", help="start the monitor at login (or stop doing so)",
        description="Linux: an XDG autostart entry (~/.config/autostart/posturewatch.desktop); "
        "macOS: a LaunchAgent; Windows: a script in the Startup folder.", epilog=EPILOG)
    with_json = json_option()
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, (summary, examples) in ACTIONS.items():
        add_action(actions, name, help=summary, epilog=examples, parents=[with_json])
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posturewatch.storage import autostart

    if args.action == "enable":
        autostart.enable()
    elif args.action == "disable":
        autostart.disable()
    on, path = autostart.enabled(), autostart.entry_path()
    changed = autostart.tampered() if on else None
    if args.json:
        print(json.dumps({"enabled": on, "path": str(path), "changed": changed}))
    elif changed is not None:
        print(f"autostart changed: {path}: {changed}; check it, then `posturewatch "
              "autostart enable` writes posturewatch's own again (or `disable`)")
    else:
        print(f"autostart {'on' if on else 'off'}: {path}")
    return 1 if changed is not None else 0
