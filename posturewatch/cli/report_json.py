"""``analyze --json``: reports written frame by frame, as the frames settle.

The text is exactly what ``json.dumps(report, indent=2)`` (or of the list of reports, when
there are several sources) gives, but no report ever holds its frames: a webcam watched for
a working day writes tens of thousands of frames without keeping them in memory. The
stream goes to a temporary file (see ``storage.atomic``), so the target still appears whole
or not at all.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

INDENT = "  "


def _dump(value: Any, depth: int) -> str:
    """``value`` as ``json.dumps(..., indent=2)`` writes it ``depth`` levels down."""
    return json.dumps(value, indent=2).replace("\n", "\n" + INDENT * depth)


class ReportStream:
    """Reports of the form ``{...head, "frames": [...], ...tail}``, one after another:
    ``begin(head)``, ``frame(f)`` for each frame, ``end(tail)``, and ``close()`` after the
    last report. ``many`` writes them as a JSON list, else there must be exactly one."""

    def __init__(self, out: TextIO, *, many: bool) -> None:
        self._out = out
        self._many = many
        self._reports = 0
        self._frames = 0
        self._depth = 1 if many else 0  # of the report object

    def _item(self, key: str, value: Any, *, first: bool = False) -> None:
        pad = INDENT * (self._depth + 1)
        self._out.write(f"{'' if first else ','}\n{pad}{json.dumps(key)}: "
                        f"{_dump(value, self._depth + 1)}")

    def begin(self, head: dict[str, Any]) -> None:
        if self._many:
            self._out.write(("[" if self._reports == 0 else ",") + "\n" + INDENT)
        self._out.write("{")
        for number, (key, value) in enumerate(head.items()):
            self._item(key, value, first=number == 0)
        pad = INDENT * (self._depth + 1)
        self._out.write(f"{',' if head else ''}\n{pad}\"frames\": [")
        self._frames = 0

    def frame(self, frame: dict[str, Any]) -> None:
        pad = INDENT * (self._depth + 2)
        self._out.write(f"{',' if self._frames else ''}\n{pad}{_dump(frame, self._depth + 2)}")
        self._frames += 1

    def end(self, tail: dict[str, Any]) -> None:
        self._out.write(f"\n{INDENT * (self._depth + 1)}]" if self._frames else "]")
        for key, value in tail.items():
            self._item(key, value)
        self._out.write(f"\n{INDENT * self._depth}}}")
        self._reports += 1

    def close(self) -> None:
        self._out.write("\n]\n" if self._many else "\n")
