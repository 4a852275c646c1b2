"""Between the monitor and the person: the tray, notifications, the headless printer.

Runs in a thread of its own (or the main thread when headless), reading the monitor's
events. Reminders wait while the person is busy (do-not-disturb, full screen) and are
dropped once stale. A notification goes to the desktop service, else to the tray's own
notification, else to the log: a failing service never stops the monitor.
"""

from __future__ import annotations

import functools
import logging
import queue
import time
from collections.abc import Callable

from posturewatch.app.monitor import (
    Monitor,
    Notice,
    Outcome,
    ReminderDue,
    StatusChanged,
    Stopped,
)
from posturewatch.core.guidance import Catalog
from posturewatch.core.held_reminders import HeldReminders
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.desktop.notify import DesktopNotifications
from posturewatch.desktop.tray import Tray
from posturewatch.storage.catalog_file import load_catalog

log = logging.getLogger(__name__)

HOLD_CHECK_S = 3.0


@functools.cache
def _catalog() -> Catalog:
    return load_catalog()


def reminder_body(reminder: Reminder) -> str:
    """What the bubble says under its title: why, in one line (at most 200 characters).
    The steps, cautions and the documents, by title and file name, are on the guidance
    page its "Show me how" button opens."""
    return reminder.body or reminder.message


def headless_lines(reminder: Reminder) -> list[str]:
    """What the bubble says, printed, and where the rest is."""
    also = "".join(f" --also {e}" for e in reminder.also)
    return [f"reminder: {reminder.title}", f"  {reminder_body(reminder)}",
            f"  how: posturewatch guidance {reminder.guidance}{also} --open"]


def open_guidance(reminder: Reminder) -> None:
    """The reminder's guidance page, in the browser."""
    from posturewatch.app.guidance_page import open_page

    path = open_page(reminder.guidance, _catalog(), also=reminder.also)
    log.info("guidance for reminder %d opened: %s", reminder.id, path)


class Dispatcher:
    def __init__(
        self,
        monitor: Monitor,
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
                self._release_held()
                continue
            match event:
                case StatusChanged(status):
                    if self.tray is not None:
                        self.tray.update(status)
                    camera = "" if status.camera == "ok" else f"; {status.camera}"
                    self._print(f"state: {status.state.value} (sitting "
                                f"{status.sitting_s / 60:.1f} min{camera})")
                case ReminderDue(reminder):
                    self._remind(reminder)
                case Notice(title, body, level):
                    log.log(level, "%s: %s", title, body)
                    self._print(f"{title}: {body}")
                    self._deliver(title, body, None)
                case Stopped(error):
                    self.error = error
                    self.on_stopped(error)
                    return
            if len(self.held):
                self._release_held()

    def _remind(self, reminder: Reminder) -> None:
        self._sent[reminder.id] = reminder
        for line in headless_lines(reminder):
            self._print(line)
        why = self.busy()
        if why is not None:
            log.info("reminder %r held back: %s", reminder.title, why)
            self.held.add(time.monotonic(), reminder)
            return
        self._deliver(reminder.title, reminder_body(reminder), reminder.id)

    def _release_held(self) -> None:
        released = self.held.release(time.monotonic(), blocked=self.busy() is not None)
        for reminder in released.dropped:
            log.info("reminder %r dropped: stale after being held", reminder.title)
            self.outcome(reminder.id, "ignored")
        for reminder in released.send:
            self._deliver(reminder.title, reminder_body(reminder), reminder.id)

    def _deliver(self, title: str, body: str, reminder_id: int | None) -> None:
        if self.printer is not None and self.notifications is None:
            return  # headless: printed already
        if self.notifications is not None and self.notifications.send(title, body, reminder_id):
            return
        if self.tray is not None and self.tray.notify(title, body):
            return
        log.warning("%s: %s", title, body)

    def _print(self, line: str) -> None:
        if self.printer is not None:
            self.printer(line)
