"""The sinks that feed the person's side: the status mailbox ``posturewatch status`` reads,
and the events queue the tray, the notifications and the printer read
(``desktop/dispatch.py``, in the UI thread)."""

from __future__ import annotations

import queue
import threading

from posturewatch.app.monitor_messages import Event, ReminderDue, StatusChanged
from posturewatch.app.sinks import Sink
from posturewatch.core.monitor_status import Status
from posturewatch.core.watch.calendar import Calendar
from posturewatch.core.watch.happened import Message, Notice, ReminderFired, StatusNow


class LatestStatus:
    """A one-value mailbox: the monitor puts frozen snapshots in, readers take the newest."""

    def __init__(self, first: Status) -> None:
        self._lock = threading.Lock()
        self._value = first

    def put(self, value: Status) -> None:
        with self._lock:
            self._value = value

    def get(self) -> Status:
        with self._lock:
            return self._value


class StatusBox(Sink):
    """Every status snapshot into the mailbox."""

    name = "status"
    takes = (StatusNow,)

    def __init__(self, box: LatestStatus) -> None:
        self._box = box

    def take(self, message: Message) -> None:
        assert isinstance(message, StatusNow)
        self._box.put(message.status)


class EventQueue(Sink):
    """What the person sees, as events: a changed status, a reminder due (placed on the
    wall clock), a notice."""

    name = "events"
    takes = (StatusNow, ReminderFired, Notice)

    def __init__(self, events: queue.Queue[Event]) -> None:
        self._events = events
        self._calendar: Calendar | None = None

    def begin(self, calendar: Calendar, source: str) -> None:
        self._calendar = calendar

    def take(self, message: Message) -> None:
        match message:
            case StatusNow(status, changed) if changed:
                self._events.put(StatusChanged(status))
            case ReminderFired(reminder):
                assert self._calendar is not None
                self._events.put(ReminderDue(reminder, self._calendar.epoch(reminder.t)))
            case Notice():
                self._events.put(message)
