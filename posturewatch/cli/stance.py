"""``posturewatch stance [standing|sitting|auto]``: say how you work now, where the camera
cannot tell (a sit-stand desk raised with the camera on it)."""

from __future__ import annotations

import argparse

from posturewatch.cli.parsing import add_command

EPILOG = """examples:
  posturewatch stance standing   the desk is raised: standing time, not sitting time
  posturewatch stance sitting    the desk is down again
  posturewatch stance auto       let the camera tell, as far as it can see
  posturewatch stance            what the monitor goes by now
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "stance", help="say you stand or sit at the desk (sit-stand desks)",
        description="Tell the running monitor you work standing or sitting. It tells the two "
        "apart itself where it sees your legs, or sees you rise; a camera on a sit-stand desk "
        "rises with it and sees the same picture either way. What you say holds until you "
        "say otherwise (or answer Done to a reminder to sit down); `auto` hands it back to "
        "the camera.", epilog=EPILOG)
    parser.add_argument("stance", nargs="?", choices=("standing", "sitting", "auto"))
    parser.add_argument("--json", action="store_true", help="print the status as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posturewatch.app.control import request
    from posturewatch.cli.status import print_status

    status = request("stance", stance=args.stance) if args.stance else request("status")
    print_status(status, as_json=args.json)
    return 0
