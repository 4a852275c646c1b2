"""``posturewatch rules``: the active reminder rules, their thresholds and their sources."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from posturewatch.cli.parsing import add_command
from posturewatch.core.reminders.engine import RuleEngine
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_settings

EPILOG = """examples:
  posturewatch rules                       what will remind you, when, and why
  posturewatch rules --json                the same, machine-readable
  posturewatch rules --config short.toml   check the thresholds a config file sets
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub,
        "rules",
        help="list the reminder rules with their thresholds and sources",
        description="The reminder rules, the thresholds your config gives them, and the "
        "guidance documents each one rests on. Change thresholds in your config file.",
        epilog=EPILOG,
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def _hour(value: float) -> str:
    minutes = round(value * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    engine = RuleEngine(load_settings(args.config).rules, catalog)
    infos = engine.describe()
    limits = engine.settings.reminders
    if args.json:
        print(json.dumps({
            "rules": [{**info.to_dict(), "documents": [catalog.document(s) for s in info.sources]}
                      for info in infos],
            "reminders": asdict(limits),
        }, indent=2))
        return 0
    for info in infos:
        state = "" if info.enabled else "  [off]"
        print(f"{info.id} ({info.kind}): {info.title}{state}")
        print(f"  when:     {info.when}")
        print(f"  guidance: {', '.join(info.guidance)}")
        print("  sources:")
        for source in info.sources:
            print(f"    {catalog.cite(source)}")
        print()
    print(f"all rules: at least {limits.min_gap_min:g} min apart, at most "
          f"{limits.daily_cap} a day, active {_hour(limits.active_from_h)}-"
          f"{_hour(limits.active_until_h)}, never while you are away")
    return 0
