"""An ``strace -f`` log read back as system calls per process.

strace names each line by thread id; a process is a thread group, so the threads a
``clone`` made with ``CLONE_THREAD`` are folded into their creator's process. A call that
another thread interrupted is written in two halves (``<unfinished ...>``, then
``<... name resumed>``): they are joined, and the call keeps the place of its first half.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"(\d+) +(.*)")
_CALL = re.compile(r"(\w+)\((.*)\)\s+= (.*)")  # strace pads short calls before the "="
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SUN_PATH = re.compile(r'sun_path=(@?)"((?:[^"\\]|\\.)*)"')
_UNFINISHED = " <unfinished ...>"


@dataclass(frozen=True)
class Call:
    tid: int
    name: str
    args: str
    result: str  # what follows "= ": "3", "-1 EACCES (Permission denied)", "?"
    at: int  # line of its first half: the order in which the calls began
    done: int  # line of its last half: the order in which they returned

    @property
    def succeeded(self) -> bool:
        return not self.result.startswith(("-1", "?"))

    @property
    def path(self) -> str | None:
        """The first string argument (a file name), unescaped as far as strace escapes."""
        found = _STRING.search(self.args)
        return found[1].replace('\\"', '"').replace("\\\\", "\\") if found else None

    @property
    def unix_path(self) -> str | None:
        """The ``AF_UNIX`` address named (``@`` first for an abstract one), if any."""
        found = _SUN_PATH.search(self.args)
        return found[1] + found[2] if found else None


def calls(trace: str) -> list[Call]:
    """Every completed call of the log, halves joined, in the order they began."""
    pending: dict[int, tuple[int, str]] = {}
    found: list[Call] = []
    for index, line in enumerate(trace.splitlines()):
        matched = _LINE.match(line)
        if matched is None:
            continue
        tid, text = int(matched[1]), matched[2]
        start = index
        if text.startswith("<... "):
            start, head = pending.pop(tid, (index, ""))
            text = head + text.split(" resumed>", 1)[1].lstrip()
        elif text.endswith(_UNFINISHED):
            pending[tid] = (index, text[: -len(_UNFINISHED)])
            continue
        call = _CALL.fullmatch(text)
        if call is not None:  # not an exit (+++) or a signal (---)
            found.append(Call(tid, call[1], call[2], call[3].strip(), start, index))
    return sorted(found, key=lambda call: call.at)


def processes(found: list[Call]) -> dict[int, list[Call]]:
    """The calls of each process (thread group), keyed by its id."""
    creator: dict[int, int] = {}  # a thread's id -> the thread that made it
    for call in found:
        if call.name in ("clone", "clone3") and "CLONE_THREAD" in call.args \
                and call.result.isdigit():
            creator[int(call.result)] = call.tid

    def group(tid: int) -> int:
        while tid in creator:
            tid = creator[tid]
        return tid

    by_process: dict[int, list[Call]] = {}
    for call in found:
        by_process.setdefault(group(call.tid), []).append(call)
    return by_process
