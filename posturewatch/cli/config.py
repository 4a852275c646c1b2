"""``posturewatch config path | show | check | edit``."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess

from posturewatch.cli.parsing import add_action, add_command, json_option
from posturewatch.errors import ConfigError, PostureWatchError
from posturewatch.storage.atomic import write_atomic
from posturewatch.storage.config_file import load_config
from posturewatch.storage.paths import bundled_config, user_config_file

ACTIONS = {
    "path": ("print where your config file is (it need not exist yet)", """examples:
  posturewatch config path                 ~/.config/posturewatch/config.toml on Linux
  posturewatch config path --json          the defaults file and yours
"""),
    "show": ("print the settings in force (defaults, your file, --config)", """examples:
  posturewatch config show
  posturewatch config show --json
  posturewatch config show --config short.toml   with that file on top
"""),
    "check": ("check your config file (or --config FILE): keys, types, ranges", """examples:
  posturewatch config check
  posturewatch config check --config my.toml
  posturewatch config check --json
"""),
    "edit": ("open your config file in $VISUAL/$EDITOR, then check it", """examples:
  posturewatch config edit                 a running monitor picks up the saved change
  EDITOR=nano posturewatch config edit
"""),
}


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "config",
        help="show where settings live, what they are, check and edit them",
        description="Settings come from config/default.toml, then your user file, then --config.",
        epilog="examples:\n  posturewatch config path\n  posturewatch config show --json\n"
        "  posturewatch config check --config my.toml\n"
        "  posturewatch config edit                 $VISUAL/$EDITOR; a running monitor "
        "picks it up\n\neach action has its own help: `posturewatch config path --help`",
    )
    with_json = json_option()
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, (summary, examples) in ACTIONS.items():
        add_action(actions, name, help=summary, epilog=examples,
                   parents=[] if name == "edit" else [with_json])
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "path":
        user = user_config_file()
        if args.json:
            print(json.dumps({"defaults": str(bundled_config("default.toml")), "user": str(user)}))
        else:
            print(user)
        return 0
    if args.action == "edit":
        return edit()
    config = load_config(args.config)
    if args.action == "check":
        names = ", ".join(str(p) for p in config.files)
        print(json.dumps({"ok": True, "files": [str(p) for p in config.files]}) if args.json
              else f"config OK: {names}")
        return 0
    if args.json:
        print(json.dumps(config.values, indent=2))
    else:
        for section, table in config.values.items():
            print(f"[{section}]")
            for key, value in table.items():
                print(f"{key} = {json.dumps(value)}")
            print()
    return 0


NEW_FILE = """# posturewatch settings: copy keys from `posturewatch config show` (every key is
# documented in config/default.toml). A running `posturewatch run` picks up a saved change.
"""


def editor() -> list[str]:
    """$VISUAL, then $EDITOR, then the first of a few common editors on PATH."""
    for var in ("VISUAL", "EDITOR"):
        if os.environ.get(var):
            return shlex.split(os.environ[var])
    for name in ("sensible-editor", "nano", "vi", "notepad"):
        if shutil.which(name):
            return [name]
    raise PostureWatchError("no editor found", "set $EDITOR, e.g. EDITOR=nano")


def open_in_editor() -> int:
    """Open the user config in the editor (created with a header if missing)."""
    path = user_config_file()
    if not path.exists():
        write_atomic(path, NEW_FILE)
    try:
        return subprocess.run([*editor(), str(path)], check=False).returncode
    except OSError as exc:
        raise PostureWatchError(f"cannot start the editor: {exc}", "check $VISUAL/$EDITOR") from None


def edit() -> int:
    """Edit, then check: a mistake is reported at once (a running monitor keeps the old
    settings until the file is valid again)."""
    code = open_in_editor()
    if code != 0:
        raise PostureWatchError(f"the editor exited with status {code}", "the file is as saved")
    try:
        config = load_config()
    except ConfigError as exc:
        raise ConfigError(f"{exc.problem} (a running monitor keeps its old settings)",
                          exc.fix) from None
    print(f"config OK: {config.files[-1]}")
    return 0
