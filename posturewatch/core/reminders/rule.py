"""What every rule shares: the interface the engine drives, and how a rule describes itself.

A rule only says when it is due and what it would say; whether it may be sent is the
engine's call (see :mod:`posturewatch.core.reminders.engine`). Keeping the description here, built from
the rule's own settings dataclass, means ``posturewatch rules`` cannot drift from the
thresholds the rule actually uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from posturewatch.core.guidance import Entry
from posturewatch.core.observation import Observation
from posturewatch.core.reminders.reminder import Reminder, RuleInfo
from posturewatch.core.sitting import EPS, Bout, SittingTracker

# The documents, by the file name they are cited with.
BACK_SPASM_NEWS = "001_2042b663b925d294.txt"
RAPID_RELIEF = "002_cfa01021598e5606.txt"
CLINIC_POST = "003_ae7d2296ab64cd8b.txt"


class SectionSettings(Protocol):
    """A settings dataclass from :mod:`posturewatch.core.reminders.settings` with an on/off switch."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def enabled(self) -> bool: ...


S = TypeVar("S", bound=SectionSettings)


@dataclass(frozen=True, slots=True)
class Draft:
    """A due reminder, before the engine numbers and sends it."""

    title: str
    message: str
    entry: Entry
    level: int = 1
    body: str = ""  # the bubble's line; the engine keeps it within BODY_MAX
    also: tuple[Entry, ...] = ()


def merge_sources(*groups: tuple[str, ...]) -> tuple[str, ...]:
    """Each document once, sorted, so citations read the same whatever cites them."""
    return tuple(sorted({s for group in groups for s in group}))


class Rule(Generic[S]):
    """A rule watches every observation and says when it is due."""

    id = ""
    kind = ""
    title = ""  # as ``posturewatch rules`` shows it; most rules' reminders use it too
    basis: tuple[str, ...] = ()  # documents behind the trigger itself
    acted_within_s: float | None = None  # set by rules whose outcome the camera can judge

    def __init__(self, s: S, entries: tuple[Entry, ...]) -> None:
        self.s = s
        self.enabled = s.enabled
        self.entries = entries
        self.last_fired: float | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return merge_sources(self.basis, *(e.sources for e in self.entries))

    def watch(self, prev: Observation | None, obs: Observation, gap: bool) -> None:
        """Take in ``[prev.t, obs.t)``; ``gap`` means that span went unseen."""

    def due(self, obs: Observation, sitting: SittingTracker) -> Draft | None:
        raise NotImplementedError

    def fired(self, t: float, sitting: SittingTracker) -> None:
        self.last_fired = t

    def take_over(self, old: Rule[Any]) -> None:
        """Go on where ``old`` (this rule under the settings before a reload) had got to."""
        self.last_fired = old.last_fired

    def carry_on(self, bout: Bout | None, sent: Sequence[tuple[float, int]]) -> None:
        """Go on from an earlier run: its reminders of this rule as (time, level), oldest
        first, and its bout if that goes on."""
        if sent:
            self.last_fired = sent[-1][0]

    def outcome(
        self, reminder: Reminder, obs: Observation, sitting: SittingTracker
    ) -> bool | None:
        """True or False once the camera settles it, None while it cannot tell yet."""
        return None

    def note(self, reminder: Reminder, obs: Observation) -> str:
        """What the camera saw that settled ``reminder`` (``outcome`` just said so)."""
        return ""

    def _cooled(self, t: float, cooldown_s: float) -> bool:
        return self.last_fired is None or t - self.last_fired >= cooldown_s - EPS

    def _draft(self, what: str, entry: Entry | None = None, *, title: str = "",
               level: int = 1, body: str = "", also: tuple[Entry, ...] = ()) -> Draft:
        """Every reminder ends with the guidance entry's reason, so it always says why; the
        bubble's ``body`` is ``body`` (the situation, in a few words) and the entry's brief."""
        entry = entry if entry is not None else self.entries[0]
        line = f"{body} {entry.brief}".strip()
        return Draft(title or self.title, f"{what} Why: {entry.why}", entry, level, line, also)

    # -- description ----------------------------------------------------------------------

    def when(self) -> str:
        """When the rule fires, in words, with the configured numbers."""
        raise NotImplementedError

    def thresholds(self) -> dict[str, float | int]:
        """The rule's settings except its switch, which ``enabled`` already shows."""
        return {k: v for k, v in asdict(self.s).items() if k != "enabled"}

    def info(self) -> RuleInfo:
        return RuleInfo(
            self.id, self.kind, self.title, self.enabled, self.when(), self.thresholds(),
            tuple(e.id for e in self.entries), self.sources,
        )
