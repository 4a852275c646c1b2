"""What the person asks of a watch session (the tray, the notification's buttons, the
``pause``/``resume``/``snooze``/``calibrate``/``stance`` commands): frozen values, so
handing one to another thread shares nothing that can change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pause:
    seconds: float | None = None  # None: until resumed


@dataclass(frozen=True, slots=True)
class Resume:
    pass


@dataclass(frozen=True, slots=True)
class Snooze:
    seconds: float | None = None  # None: monitor.snooze_min from the config


@dataclass(frozen=True, slots=True)
class Calibrate:
    pass


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the person did with a notification (a ``happened.ReminderOutcome`` value:
    done, snoozed, dismissed, ignored or expired)."""

    reminder_id: int
    outcome: str


@dataclass(frozen=True, slots=True)
class SayStance:
    """The person says how they work now: "standing" (at a raised desk), "sitting", or
    "auto" (the camera tells, as far as it can)."""

    stance: str


PersonCommand = Pause | Resume | Snooze | Calibrate | Outcome | SayStance
