"""Whether the session's screen is locked or its display asleep, from the desktop's own
services, reported as ``ScreenLocked`` facts to the monitor (what they mean is the watch
session's: ``core/watch/devices.py``).

- The screensaver service on the session bus: GNOME Shell's ``org.gnome.ScreenSaver`` and
  the freedesktop ``org.freedesktop.ScreenSaver`` (KDE Plasma, and others), each with
  ``GetActive`` and the ``ActiveChanged`` signal. Active means the shield is up: locked,
  or blanked (the display going to sleep after idling), which is the same to us.
- logind's ``LockedHint`` of this session on the system bus, where there is a logind
  (``loginctl lock-session``, a display manager's lock).

Locked while any says so. dbus-fast in an asyncio thread of its own, unix sockets only.
Where neither is found (macOS, Windows, a desktop without either), nothing is reported and
the monitor looks as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable

from posturewatch.core.watch.devices import ScreenLocked

log = logging.getLogger(__name__)

SCREENSAVERS = (("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
                ("org.freedesktop.ScreenSaver", "/ScreenSaver"),
                ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"))
LOGIND = "org.freedesktop.login1"


class ScreenLockWatch:
    def __init__(self, report: Callable[[ScreenLocked], None]) -> None:
        self._report = report
        self._locked: dict[str, bool] = {}  # who says it: screensaver, logind
        self._said: bool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="screen lock watch",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # it has ended already
                pass

    def _run(self) -> None:
        try:
            asyncio.run(self._watch())
        except Exception as exc:  # no bus: nothing to follow
            log.info("the screen lock is not followed: %s", exc)
        finally:
            self._loop = None

    def _note(self, who: str, locked: bool) -> None:
        self._locked[who] = locked
        now = any(self._locked.values())
        if now != self._said:
            self._said = now
            self._report(ScreenLocked(now))

    async def _watch(self) -> None:
        from dbus_fast.aio import MessageBus

        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        session = await MessageBus().connect()
        try:
            await self._screensaver(session)
            system = await self._logind()
            await self._stop.wait()
            if system is not None:
                system.disconnect()
        finally:
            session.disconnect()

    async def _screensaver(self, bus: object) -> None:
        from dbus_fast import Message, MessageType

        def on_signal(message: Message) -> None:
            if message.member == "ActiveChanged" and message.interface in \
                    ("org.gnome.ScreenSaver", "org.freedesktop.ScreenSaver"):
                self._note("screensaver", bool(message.body[0]))

        bus.add_message_handler(on_signal)  # type: ignore[attr-defined]
        for interface in ("org.gnome.ScreenSaver", "org.freedesktop.ScreenSaver"):
            await _add_match(bus, f"type='signal',interface='{interface}',"
                             "member='ActiveChanged'")
        for name, path in SCREENSAVERS:
            reply = await bus.call(Message(  # type: ignore[attr-defined]
                destination=name, path=path, interface=name, member="GetActive"))
            if reply.message_type == MessageType.METHOD_RETURN:
                log.info("following the screen lock through %s", name)
                self._note("screensaver", bool(reply.body[0]))
                return

    async def _logind(self) -> object | None:
        """logind's LockedHint for this session, if there is a logind to ask."""
        from dbus_fast import BusType, Message, MessageType
        from dbus_fast.aio import MessageBus

        try:
            bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
        except Exception as exc:
            log.debug("no system bus: %s", exc)
            return None
        manager = "/org/freedesktop/login1"
        session = os.environ.get("XDG_SESSION_ID")
        reply = await bus.call(Message(
            destination=LOGIND, path=manager, interface=f"{LOGIND}.Manager",
            member="GetSession" if session else "GetSessionByPID",
            signature="s" if session else "u", body=[session] if session else [os.getpid()]))
        if reply.message_type != MessageType.METHOD_RETURN:
            bus.disconnect()
            return None
        path = reply.body[0]
        props = "org.freedesktop.DBus.Properties"

        def on_signal(message: Message) -> None:
            if message.path == path and message.member == "PropertiesChanged" and \
                    "LockedHint" in message.body[1]:
                self._note("logind", bool(message.body[1]["LockedHint"].value))

        bus.add_message_handler(on_signal)
        await _add_match(bus, f"type='signal',interface='{props}',member='PropertiesChanged',"
                         f"path='{path}'")
        hint = await bus.call(Message(destination=LOGIND, path=path, interface=props,
                                      member="Get", signature="ss",
                                      body=[f"{LOGIND}.Session", "LockedHint"]))
        if hint.message_type == MessageType.METHOD_RETURN:
            log.info("following logind's lock hint")
            self._note("logind", bool(hint.body[0].value))
        return bus


async def _add_match(bus: object, rule: str) -> None:
    from dbus_fast import Message

    await bus.call(Message(  # type: ignore[attr-defined]
        destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
        interface="org.freedesktop.DBus", member="AddMatch", signature="s", body=[rule]))
