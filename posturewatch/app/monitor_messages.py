"""The messages between the monitor and the rest of the process: commands in, events out.

Frozen values only, so handing one to another thread shares nothing that can change. The
person's commands are the watch session's (``core/watch/commands.py``); the monitor adds
its own two (reload the settings, quit). The events are what the person's side (tray,
notifications, printer) reads from the monitor's queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.core.monitor_status import Status
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.commands import (
    Calibrate,
    Outcome,
    Pause,
    PersonCommand,
    Resume,
    SayStance,
    Snooze,
)
from posturewatch.core.watch.devices import DeviceFact
from posturewatch.core.watch.happened import Notice

__all__ = ["Calibrate", "Command", "Event", "Notice", "Outcome", "Pause", "Quit", "Reload",
           "ReminderDue", "Resume", "SayStance", "Snooze", "StatusChanged", "Stopped"]

# ---- what goes in ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reload:
    settings: Settings


@dataclass(frozen=True, slots=True)
class Quit:
    pass


Command = PersonCommand | Reload | Quit | DeviceFact  # a fact: from the desk's watchers

# ---- what comes out --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusChanged:
    status: Status


@dataclass(frozen=True, slots=True)
class ReminderDue:
    reminder: Reminder
    at: float  # epoch seconds


@dataclass(frozen=True, slots=True)
class Stopped:
    error: str | None = None


Event = StatusChanged | ReminderDue | Notice | Stopped
