"""The launcher: starts, outside the monitor's network block, the few programs posturewatch
opens for the user, and nothing else.

The monitor starts it before the block (``no_network.keep_a_way_out``), as a bare
interpreter (``python -I -S outside.py POLICY``: no site, no posturewatch, nothing but this
file), and sends it one JSON command a line; it answers each with one line: ``started``,
``refused: why`` or ``failed: why``. Whoever holds its pipe could otherwise have it open any
connection, so it starts only these shapes, with the values of ``POLICY`` (JSON, fixed when
the monitor started):

- ``posturewatch report`` (``--config F``, then ``--open``, ``--out F``, ``--store F``) and
  ``posturewatch guidance ID`` (``--also ID``, ``--open``), run by the monitor's own
  interpreter (``"python"``): the tray's summary and a reminder's "Show me how"; both write
  a page of ours and open it in the browser;
- an editor of ``"editors"`` (the desktop's opener, $VISUAL) on the config file
  (``"config"``): the tray's "Open config".
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_REPORT = {"--open": False, "--out": True, "--store": True}  # option: takes a value
_GUIDANCE = {"--open": False, "--also": True}


def refusal(argv: object, policy: dict) -> str | None:
    """Why ``argv`` is not started, or None if it is one of the shapes above."""
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        return "not a command line"
    if any("\0" in a for a in argv):
        return "a NUL in an argument"
    if argv[0] == policy["python"] and argv[1:3] == ["-m", "posturewatch"]:
        return _posturewatch(argv[3:])
    if policy.get("config") and argv[-1] == policy["config"] and argv[:-1] in policy["editors"]:
        return None
    return "not a program posturewatch opens"


def _posturewatch(args: list[str]) -> str | None:
    if args[:1] == ["--config"]:
        if len(args) < 2 or not _value(args[1]):
            return "--config without a file"
        args = args[2:]
    command, rest = (args[0], args[1:]) if args else ("", [])
    if command == "report":
        return _options(rest, _REPORT, ids=0)
    if command == "guidance":
        return _options(rest, _GUIDANCE, ids=1)
    return f"posturewatch {command or '(nothing)'} is not started from here"


def _options(args: list[str], known: dict[str, bool], *, ids: int) -> str | None:
    """Only ``known`` options (their values plain) and at most ``ids`` ids."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in known:
            if known[arg]:
                i += 1
                if i == len(args) or not _value(args[i]) or (
                        arg == "--also" and not _ID.fullmatch(args[i])):
                    return f"{arg} without a plain value"
        elif ids and _ID.fullmatch(arg):
            ids -= 1
        else:
            return f"{arg!r} is not an argument posturewatch sends"
        i += 1
    return None


def _value(arg: str) -> bool:
    return bool(arg) and not arg.startswith("-")


def main() -> None:
    policy = json.loads(sys.argv[1])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the programs started are reaped
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the monitor
    for line in sys.stdin:
        try:
            argv = json.loads(line)
        except ValueError:
            argv = None
        why = refusal(argv, policy)
        if why is not None:
            answer = f"refused: {why}"
        else:
            try:
                subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
                answer = "started"
            except OSError as exc:
                answer = f"failed: {exc}"
        print(answer.replace("\n", " "), flush=True)


if __name__ == "__main__":
    main()
