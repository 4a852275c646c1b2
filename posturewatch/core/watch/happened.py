"""What a watch session says happened: frozen messages, one kind per thing, in time order.

The session returns them as one :class:`Happened` per input (a frame, a command, time
passing), the way Workrave's timers return their events; the monitor hands each message to
the sinks that subscribe to its kind (``app/sinks.py``), and ``analyze --store`` hands them
to the same history writer. Outcomes and causes are enums here, in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Protocol, TypeVar

from posturewatch.core.baseline import Baseline
from posturewatch.core.exercise import ArmPose, ExerciseSet
from posturewatch.core.landmarks import Landmarks
from posturewatch.core.metrics import PostureMetrics
from posturewatch.core.monitor_status import Status
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.side_stretches import SidePose
from posturewatch.core.sitting import Bout, Break, SittingTotals
from posturewatch.core.stance import Stance


class Cause(StrEnum):
    """Why an observation was made up rather than seen."""

    SUSPEND = "suspend"  # the machine slept: away (a long sleep is a break)
    CAMERA = "camera"  # the camera was lost while the person was there: the bout goes on,
    # though the store keeps the time as unseen
    CALL = "call"  # in a call (core/watch/devices.py): sitting, though nothing is seen
    LOCKED = "locked"  # the screen locked or the display asleep: away (a long one a break)


class ReminderOutcome(StrEnum):
    """What became of a reminder: the camera saw it acted on, or the person answered."""

    ACTED = "acted"  # the camera saw it done (left for a break, sat up, wall angels)
    DONE = "done"  # the person's answers, from the notification's buttons ...
    SNOOZED = "snoozed"
    DISMISSED = "dismissed"
    IGNORED = "ignored"  # ... or no answer and nothing seen; or held back until stale
    EXPIRED = "expired"  # the bubble timed out unanswered


class JudgedFrame(Protocol):
    """A settled frame, as the pipeline hands it out (``app.analysis.FrameResult``)."""

    @property
    def t(self) -> float: ...
    @property
    def state(self) -> Posture: ...
    @property
    def metrics(self) -> PostureMetrics | None: ...
    @property
    def score(self) -> float | None: ...
    @property
    def closeness(self) -> float | None: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...
    @property
    def stale(self) -> bool: ...
    @property
    def arms(self) -> ArmPose | None: ...
    @property
    def sides(self) -> SidePose | None: ...
    @property
    def seen_stance(self) -> Stance: ...
    @property
    def landmarks(self) -> Landmarks | None: ...

    def observation(self) -> Observation: ...


@dataclass(frozen=True, slots=True)
class Judged:
    """Every settled frame: state, metrics, reasons and the landmarks themselves."""

    kind: ClassVar[str] = "judged"
    frame: JudgedFrame


@dataclass(frozen=True, slots=True)
class Observed:
    """Each observation the sitting tracker is fed; ``cause`` names made-up ones."""

    kind: ClassVar[str] = "observed"
    obs: Observation
    cause: Cause | None = None
    frame: JudgedFrame | None = None


@dataclass(frozen=True, slots=True)
class BoutChanged:
    """A finished bout, or with ``going`` the bout in progress as it grows."""

    kind: ClassVar[str] = "bout"
    bout: Bout
    going: bool = False


@dataclass(frozen=True, slots=True)
class BreakChanged:
    """A finished break, or one still going (``brk.end`` None, lasting until ``now``)."""

    kind: ClassVar[str] = "break"
    brk: Break
    now: float | None = None


@dataclass(frozen=True, slots=True)
class PauseChanged:
    """A pause as it begins and while it lasts (``end`` None, lasting until ``now``),
    then once with its end."""

    kind: ClassVar[str] = "pause"
    start: float
    end: float | None
    now: float | None = None


@dataclass(frozen=True, slots=True)
class SpellChanged:
    """A call or a locked screen (``kind``: "call" | "locked") as it begins and while it
    lasts (``end`` None, lasting until ``now``), then once with its end."""

    kind: ClassVar[str] = "spell"
    spell: str
    start: float
    end: float | None
    now: float | None = None


@dataclass(frozen=True, slots=True)
class ReminderFired:
    kind: ClassVar[str] = "reminder"
    reminder: Reminder


@dataclass(frozen=True, slots=True)
class ReminderSettled:
    """An outcome for an earlier reminder; ``note``: what the camera saw."""

    kind: ClassVar[str] = "outcome"
    reminder: Reminder
    outcome: ReminderOutcome
    note: str = ""


@dataclass(frozen=True, slots=True)
class ExerciseCounted:
    """A set of repetitions the camera counted, once it is over."""

    kind: ClassVar[str] = "exercise"
    done: ExerciseSet


@dataclass(frozen=True, slots=True)
class Calibrated:
    """A guided calibration succeeded: judge against ``baseline`` from now on."""

    kind: ClassVar[str] = "calibration"
    t: float
    baseline: Baseline


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell the person in a line (the tray's bubble, the printer, the log)."""

    kind: ClassVar[str] = "notice"
    title: str
    body: str
    level: int = logging.INFO


@dataclass(frozen=True, slots=True)
class DayTotals:
    """The session's end: what the sitting tracker counted, and every reminder with the
    camera's verdict (``analyze --reminders`` reports these)."""

    kind: ClassVar[str] = "totals"
    sitting: SittingTotals
    reminders: tuple[Reminder, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"sitting": {...}, "reminders": [...]}``; outcomes the camera had not
        settled when the session ended stay ``None``."""
        return {"sitting": self.sitting.summary(),
                "reminders": [reminder.to_dict() for reminder in self.reminders]}


@dataclass(frozen=True, slots=True)
class StatusNow:
    """The status snapshot; ``changed``: it differs from the last one shown."""

    kind: ClassVar[str] = "status"
    status: Status
    changed: bool


Message = (Judged | Observed | BoutChanged | BreakChanged | PauseChanged | ReminderFired
           | ReminderSettled | ExerciseCounted | Calibrated | Notice | DayTotals | StatusNow
           | SpellChanged)
M = TypeVar("M", bound=Message)


@dataclass(frozen=True, slots=True)
class Happened:
    """What one input to the session produced, in order."""

    messages: tuple[Message, ...] = ()

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def of(self, kind: type[M]) -> tuple[M, ...]:
        return tuple(m for m in self.messages if isinstance(m, kind))

    @property
    def fired(self) -> tuple[Reminder, ...]:
        return tuple(m.reminder for m in self.of(ReminderFired))

    @property
    def settled(self) -> tuple[ReminderSettled, ...]:
        return self.of(ReminderSettled)

    @property
    def notices(self) -> tuple[Notice, ...]:
        return self.of(Notice)

    @property
    def calibrated(self) -> Baseline | None:
        """The newest baseline a guided calibration made, if this input finished one."""
        done = self.of(Calibrated)
        return done[-1].baseline if done else None
