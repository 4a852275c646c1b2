"""The messages between the monitor and the rest of the process: commands in, events out.

Frozen values only, so handing one to another thread shares nothing that can change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from posturewatch.core.monitor_status import Status
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.settings import Config

# ---- what goes in ----------------------------------------------------------------------


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
    """What the person did with a notification: done, snoozed, dismissed or ignored."""

    reminder_id: int
    outcome: str


@dataclass(frozen=True, slots=True)
class Reload:
    config: Config


@dataclass(frozen=True, slots=True)
class Quit:
    pass


Command = Pause | Resume | Snooze | Calibrate | Outcome | Reload | Quit

# ---- what comes out --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusChanged:
    status: Status


@dataclass(frozen=True, slots=True)
class ReminderDue:
    reminder: Reminder
    at: float  # epoch seconds


@dataclass(frozen=True, slots=True)
class Notice:
    title: str
    body: str
    level: int = logging.INFO


@dataclass(frozen=True, slots=True)
class Stopped:
    error: str | None = None


Event = StatusChanged | ReminderDue | Notice | Stopped
