"""The person's side of ``posturewatch run``, as one object: the tray (or the printer when
headless or when no tray backend works), the desktop notifications and the dispatcher
between them and the monitor. It knows the monitor only as a :class:`MonitorLink`."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.commands import Calibrate, Pause, Resume, SayStance, Snooze
from posturewatch.desktop import focus
from posturewatch.desktop.dispatch import Dispatcher, MonitorLink
from posturewatch.desktop.notify import DesktopNotifications
from posturewatch.desktop.tray import Tray, open_tray
from posturewatch.desktop.tray_look import MenuActions

log = logging.getLogger(__name__)

PRINTING = "state changes and reminders print here"


@dataclass(frozen=True)
class DeskHooks:
    """What the desk calls back: the menu's own entries beyond the monitor's commands
    (the summary, the config, the camera's window), the one line ``run`` prints once it is
    up (where, how to stop), and a Quit chosen."""

    summary: Callable[[], None]
    open_config: Callable[[], None]
    started: Callable[[str, str], None]
    quit: Callable[[], None] = lambda: None
    look: Callable[[], None] | None = None  # "What the camera sees"


class Desk:
    """:meth:`run` on the main thread until the monitor stops; :meth:`stop` from any
    thread (a signal handler included)."""

    def __init__(self, link: MonitorLink, settings: Settings, hooks: DeskHooks, *,
                 headless: bool) -> None:
        self.link, self.settings, self.hooks, self.headless = link, settings, hooks, headless
        self._tray: Tray | None = None
        self._dispatcher: Dispatcher | None = None

    def run(self) -> str | None:
        """Show the monitor's state and reminders until it stops; its error, if any."""
        if self.headless:
            return self._print("headless, " + PRINTING)
        try:
            self._tray = open_tray(self._menu())
        except Exception as exc:  # no tray backend works here: the monitor still runs
            log.warning("no tray icon (%s); running headless", exc)
            return self._print("headless (no tray icon), " + PRINTING)
        tray = self._tray
        log.info("tray backend: %s (menu: %s)", tray.backend, "yes" if tray.has_menu else "no")
        tray.run(self._tray_up)
        return self._dispatcher.error if self._dispatcher is not None else None

    def stop(self) -> None:
        if self._tray is not None:
            self._tray.stop()

    def _print(self, where: str) -> str | None:
        self.hooks.started(where, "Ctrl-C")
        dispatcher = Dispatcher(self.link, printer=lambda line: print(line, flush=True))
        dispatcher.run()
        return dispatcher.error

    def _menu(self) -> MenuActions:
        link = self.link

        def quit_all() -> None:
            self.hooks.quit()
            link.stop()
            self.stop()

        return MenuActions(
            pause=lambda seconds: link.submit(Pause(seconds)),
            resume=lambda: link.submit(Resume()),
            snooze=lambda: link.submit(Snooze()),
            calibrate=lambda: link.submit(Calibrate()),
            summary=self.hooks.summary,
            open_config=self.hooks.open_config,
            quit=quit_all,
            calibration_s=self.settings.calibration.seconds,
            stance=lambda stance: link.submit(SayStance(stance)),
            look=self.hooks.look,
        )

    def _tray_up(self) -> None:
        """Once the tray shows: the notifications and the dispatcher, in a thread."""
        tray = self._tray
        assert tray is not None
        monitor = self.settings.monitor
        try:
            notifications: DesktopNotifications | None = DesktopNotifications(
                self._answer, timeout_s=monitor.notify_timeout_s, on_guidance=self._guidance)
        except Exception as exc:
            log.warning("no notification service (%s): tray notifications, then the log", exc)
            notifications = None
        self._dispatcher = Dispatcher(self.link, tray=tray, notifications=notifications,
                                      busy=focus.busy, stale_s=monitor.notify_stale_min * 60,
                                      on_stopped=lambda error: tray.stop())
        threading.Thread(target=self._dispatcher.run, name="dispatch", daemon=True).start()
        self.hooks.started(tray.where(), "Ctrl-C here, or Quit in the tray menu"
                           if tray.has_menu and tray.showing  # a menu one can open now
                           else f"Ctrl-C here, or kill {os.getpid()}")

    def _answer(self, reminder_id: int, outcome: str) -> None:
        if self._dispatcher is not None:
            self._dispatcher.outcome(reminder_id, outcome)

    def _guidance(self, reminder_id: int) -> None:
        if self._dispatcher is not None:
            self._dispatcher.guidance(reminder_id)
