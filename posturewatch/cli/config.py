"""``posturewatch config path | show | check``."""

from __future__ import annotations

import argparse
import json

from posturewatch.cli.parsing import add_command
from posturewatch.storage.config_file import load_config
from posturewatch.storage.paths import bundled_config, user_config_file


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "config",
        help="show where settings live, what they are, and check them",
        description="Settings come from config/default.toml, then your user file, then --config.",
        epilog="examples:\n  posturewatch config path\n  posturewatch config show --json\n"
        "  posturewatch config check --config my.toml",
    )
    parser.add_argument("action", choices=["path", "show", "check"])
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "path":
        user = user_config_file()
        if args.json:
            print(json.dumps({"defaults": str(bundled_config("default.toml")), "user": str(user)}))
        else:
            print(user)
        return 0
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
