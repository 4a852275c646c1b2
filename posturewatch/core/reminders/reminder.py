"""What the rule engine hands out: reminders sent, what each observation produced, rule descriptions.

Plain frozen values, so callers (replay, the CLI, a tray app) can keep or print them
without reaching back into the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

BODY_MAX = 200  # characters in a bubble's body: read at a glance, the rest one click away


def one_line(text: str, limit: int = BODY_MAX) -> str:
    """``text`` on one line, cut at a word and ended with an ellipsis if over ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _plain(value: Any) -> Any:
    """JSON-ready copy: tuples become lists, mappings dicts."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder sent. ``acted`` is None until the camera settles it (break, posture
    only); it stays None for rules the camera cannot judge or when it did not see."""

    id: int  # 0, 1, 2... in the order sent
    t: float
    rule: str
    kind: str
    title: str  # what to do
    message: str  # what to do, and why, in full (the log, `analyze --reminders`)
    guidance: str  # catalog entry id
    sources: tuple[str, ...]
    level: int = 1  # 2, 3... for repeated break reminders in one bout
    acted: bool | None = None
    body: str = ""  # the bubble: why, in a line (at most BODY_MAX characters)
    also: tuple[str, ...] = ()  # more catalog entries it points to (water with a break)
    note: str = ""  # what the camera saw that settled it ("seen standing")

    def to_dict(self) -> dict[str, Any]:
        """Every field but ``id`` (the list position says it), ``t`` to the millisecond."""
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "id"}
        data["t"] = round(self.t, 3)
        return data


class EngineUpdate(NamedTuple):
    """What one observation produced: reminders sent, earlier ones now settled, and the
    sitting bouts and breaks it ended (``core.sitting``'s ``Bout`` and ``Break``)."""

    fired: tuple[Reminder, ...]
    decided: tuple[Reminder, ...]
    ended: tuple[Any, ...] = ()


@dataclass(frozen=True)
class RuleInfo:
    """A rule as ``posturewatch rules`` shows it."""

    id: str
    kind: str
    title: str
    enabled: bool
    when: str
    thresholds: Mapping[str, float | int]
    guidance: tuple[str, ...]
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
