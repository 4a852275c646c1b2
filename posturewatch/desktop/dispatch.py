"""Between the monitor and the person: the tray, notifications, the headless printer.

Runs in a thread of its own (or the main thread when headless), reading the monitor's
events (what its ``events`` sink puts out) through :class:`MonitorLink`, all it knows of
the monitor. Reminders wait while the person is busy
(do-not-disturb, full screen) and are dropped once stale. A notification goes to the
desktop service, else to the tray's own notification, else to the log. Each part (tray,
notifications, printer, the busy check) sits behind a :class:`~posturewatch.app.sinks.
Guard`: one that raises is logged once and tried again with the next event, and never
stops this loop or the monitor.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from posturewatch.app.monitor_messages import (
    Command,
    Event,
    Notice,
    Outcome,
    ReminderDue,
    StatusChanged,
    Stopped,
)
from posturewatch.app.sinks import Guard
from posturewatch.core.held_reminders import HeldReminders
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.watch.happened import ReminderOutcome
from posturewatch.desktop.notify import DesktopNotifications
from posturewatch.desktop.tray import Tray

log = logging.getLogger(__name__)

HOLD_CHECK_S = 3.0
T = TypeVar("T")


class MonitorLink(Protocol):
    """What the person's side needs of the monitor: its events, and a way to send
    commands (the monitor itself, or anything that offers the same)."""

    events: queue.Queue[Event]

    def submit(self, command: Command, done: threading.Event | None = None) -> None: ...

    def stop(self) -> None: ...


def reminder_body(reminder: Reminder) -> str:
    """What the bubble says under its title: why, in one line (at most 200 characters).
    The steps, cautions and the documents, by title and file name, are on the guidance
    page its "Show me how" button opens."""
    return reminder.body or reminder.message


def guidance_args(reminder: Reminder) -> list[str]:
    """``posturewatch guidance`` arguments that open the reminder's page."""
    return ["guidance", reminder.guidance, *(a for e in reminder.also for a in ("--also", e)),
            "--open"]


def headless_lines(reminder: Reminder) -> list[str]:
    """What the bubble says, printed, and where the rest is."""
    return [f"reminder: {reminder.title}", f"  {reminder_body(reminder)}",
            f"  how: posturewatch {' '.join(guidance_args(reminder))}"]


def open_guidance(reminder: Reminder) -> None:
    """The reminder's guidance page, in the browser: ``posturewatch guidance ID --open``
    started outside this process's network block (the browser must keep its network, see
    :func:`~posturewatch.capture.no_network.start_outside`); it writes the page to the
    cache folder and opens it."""
    from posturewatch.capture.no_network import start_outside

    start_outside([sys.executable, "-m", "posturewatch", *guidance_args(reminder)])
    log.info("guidance for reminder %d asked for: %s", reminder.id, reminder.guidance)


class Dispatcher:
    def __init__(
        self,
        monitor: MonitorLink,
        *,
        tray: Tray | None = None,
        notifications: DesktopNotifications | None = None,
        printer: Callable[[str], None] | None = None,
        busy: Callable[[], str | None] = lambda: None,
        stale_s: float = 900.0,
        on_stopped: Callable[[str | None], None] = lambda error: None,
    ) -> None:
        self.monitor = monitor
        self.tray, self.notifications, self.printer = tray, notifications, printer
        self.busy = busy
        self.on_stopped = on_stopped
        self.held: HeldReminders[Reminder] = HeldReminders(stale_s)
        self._answered: set[int] = set()
        self._sent: dict[int, Reminder] = {}  # for "Show me how"
        self.error: str | None = None
        self._guards = {name: Guard(name) for name in
                        ("tray", "notifications", "printer", "busy check", "dispatch")}

    def _try(self, name: str, action: Callable[[], T], default: T, what: str = "") -> T:
        """``action()`` behind the named part's guard; ``default`` if it raised."""
        box = [default]

        def run() -> None:
            box[0] = action()

        self._guards[name].call(run, what)
        return box[0]

    def _busy(self) -> str | None:
        return self._try("busy check", self.busy, None)

    def outcome(self, reminder_id: int, outcome: str) -> None:
        """From a notification button (any thread): the first answer counts."""
        if reminder_id in self._answered:
            return
        self._answered.add(reminder_id)
        log.info("reminder %d: %s", reminder_id, outcome)
        self.monitor.submit(Outcome(reminder_id, outcome))

    def guidance(self, reminder_id: int) -> None:
        """From a notification's "Show me how" button (any thread)."""
        reminder = self._sent.get(reminder_id)
        if reminder is not None:
            open_guidance(reminder)

    def run(self) -> None:
        while True:
            try:
                event = self.monitor.events.get(timeout=HOLD_CHECK_S if len(self.held) else None)
            except queue.Empty:
                self._try("dispatch", self._release_held, None)
                continue
            if isinstance(event, Stopped):
                self.error = event.error
                self.on_stopped(event.error)
                return
            self._try("dispatch", lambda: self._handle(event), None)  # noqa: B023
            if len(self.held):
                self._try("dispatch", self._release_held, None)

    def _handle(self, event: StatusChanged | ReminderDue | Notice) -> None:
        match event:
            case StatusChanged(status):
                if self.tray is not None:
                    tray = self.tray
                    self._try("tray", lambda: tray.update(status), None, "update")
                camera = "" if status.camera == "ok" else f"; {status.camera}"
                history = "; history not saved" if status.history_failing \
                    else "" if status.history in ("ok", "off") else f"; {status.history}"
                self._print(f"state: {status.state.value} (sitting "
                            f"{status.sitting_s / 60:.1f} min{camera}{history})")
            case ReminderDue(reminder):
                self._remind(reminder)
            case Notice(title, body, level):
                log.log(level, "%s: %s", title, body)
                self._print(f"{title}: {body}")
                self._deliver(title, body, None)

    def _remind(self, reminder: Reminder) -> None:
        self._sent[reminder.id] = reminder
        for line in headless_lines(reminder):
            self._print(line)
        why = self._busy()
        if why is not None:
            log.info("reminder %r held back: %s", reminder.title, why)
            self.held.add(time.monotonic(), reminder)
            return
        self._deliver(reminder.title, reminder_body(reminder), reminder.id)

    def _release_held(self) -> None:
        released = self.held.release(time.monotonic(), blocked=self._busy() is not None)
        for reminder in released.dropped:
            log.info("reminder %r dropped: stale after being held", reminder.title)
            self.outcome(reminder.id, ReminderOutcome.IGNORED)
        for reminder in released.send:
            self._deliver(reminder.title, reminder_body(reminder), reminder.id)

    def _deliver(self, title: str, body: str, reminder_id: int | None) -> None:
        if self.printer is not None and self.notifications is None:
            return  # headless: printed already
        notifications, tray = self.notifications, self.tray
        if notifications is not None and self._try(
                "notifications", lambda: notifications.send(title, body, reminder_id), False):
            return
        if tray is not None and self._try("tray", lambda: tray.notify(title, body), False,
                                            "notify"):
            return
        log.warning("%s: %s", title, body)

    def _print(self, line: str) -> None:
        if self.printer is not None:
            printer = self.printer
            self._try("printer", lambda: printer(line), None)
