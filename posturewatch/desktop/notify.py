"""Desktop notifications with "Done", "Snooze" and "Show me how" buttons, through
desktop-notifier.

desktop-notifier is asynchronous; it gets an asyncio loop in a thread of its own here, and
callers hand it work with :meth:`DesktopNotifications.send` from any thread. Button presses,
dismissals and expiry come back through ``on_outcome(reminder_id, outcome)`` ("done",
"snoozed", "dismissed", "expired"), and "Show me how" through ``on_guidance(reminder_id)``,
called on that loop's thread (the caller turns them into monitor commands, or opens the
guidance page).

Expiry: desktop-notifier 6 reports a bubble closed by the user but drops the one the daemon
closed because its time ran out (freedesktop reason 1). Its D-Bus backend connects the
``NotificationClosed`` signal to ``backend._on_closed`` on the first send, so we put our own
handler there first, which reports reason 1 and then hands every close to the library's.
On another backend (macOS, Windows) or a changed library the hook is absent and expiry is
simply not reported.

Informational bubbles ("Calibrated", "Settings reloaded") have no buttons, and on Linux they
go out without any action at all (:func:`send_plain`): desktop-notifier always adds a
"default" action, which daemons such as dunst mark with "(A)" as if there were buttons.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from posturewatch.core.watch.happened import ReminderOutcome

log = logging.getLogger(__name__)
# desktop-notifier logs a failed send as a warning with a traceback and carries on; we
# report it in one line ourselves (and fall back), so only its errors get through.
logging.getLogger("desktop_notifier").setLevel(logging.ERROR)

DONE, SNOOZE, HOW = "Done", "Snooze", "Show me how"
CLOSED_EXPIRED = 1  # freedesktop NotificationClosed reason: the timeout ran out
SERVER_DEFAULT_TIMEOUT = -1


async def send_plain(bus: Any, app_name: str, title: str, body: str) -> int | None:
    """A freedesktop notification with no actions, over a connected dbus-fast ``bus``;
    the daemon's id, or None if it refused. It expires when the daemon's default says."""
    from dbus_fast import Message, MessageType

    reply = await bus.call(Message(
        destination="org.freedesktop.Notifications", path="/org/freedesktop/Notifications",
        interface="org.freedesktop.Notifications", member="Notify", signature="susssasa{sv}i",
        body=[app_name, 0, "", title, body, [], {}, SERVER_DEFAULT_TIMEOUT]))
    return int(reply.body[0]) if reply.message_type == MessageType.METHOD_RETURN else None


class DesktopNotifications:
    def __init__(self, on_outcome: Callable[[int, str], None], app_name: str = "posturewatch",
                 timeout_s: int = 60,
                 on_guidance: Callable[[int], None] | None = None) -> None:
        self._on_outcome = on_outcome
        self._on_guidance = on_guidance
        self._app_name = app_name
        self._timeout_s = timeout_s  # 0: the bubble stays until answered
        self._reminder_of: dict[str, int] = {}  # notification identifier -> reminder id
        self._plain_bus: Any = None  # Linux: the connection informational bubbles use
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="notifications",
                                        daemon=True)
        self._thread.start()
        self._notifier = self._call(self._make(), 5.0)

    async def _make(self):  # type: ignore[no-untyped-def]
        from desktop_notifier import DesktopNotifier

        notifier = DesktopNotifier(app_name=self._app_name, app_icon=None)
        self._watch_expiry(getattr(notifier, "_backend", None))
        return notifier

    def _watch_expiry(self, backend: object) -> None:
        """Report bubbles the daemon closed on timeout (see the module docstring)."""
        original = getattr(backend, "_on_closed", None)
        ids = getattr(backend, "_platform_to_interface_notification_identifier", None)
        if original is None or ids is None:
            return

        def on_closed(nid: int, reason: int) -> None:
            identifier = ids.get(nid)
            reminder_id = self._reminder_of.pop(identifier, None) if identifier else None
            if reason == CLOSED_EXPIRED and reminder_id is not None:
                self._outcome_cb(reminder_id, ReminderOutcome.EXPIRED)()
            original(nid, reason)

        backend._on_closed = on_closed  # type: ignore[attr-defined]

    def _call(self, coro, timeout: float):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def send(self, title: str, body: str, reminder_id: int | None = None) -> bool:
        """Show it; False if the notification service failed (the caller falls back)."""
        try:
            sent = self._call(self._send(title, body, reminder_id), 5.0)
        except Exception as exc:  # a timeout, a library error: never the monitor's end
            log.warning("notification service failed: %s", exc or type(exc).__name__)
            return False
        if not sent:
            log.warning("notification service failed (no D-Bus session, or no "
                        "notification daemon answering)")
        return bool(sent)

    async def _send(self, title: str, body: str, reminder_id: int | None) -> bool:
        """True once the service has taken it (desktop-notifier reports a failure only
        by not calling ``on_dispatched``)."""
        from desktop_notifier import Button

        if reminder_id is None and sys.platform == "linux":
            return await self._send_plain(title, body)

        buttons: list[Button] = []
        kwargs = {}
        if reminder_id is not None:
            done = self._outcome_cb(reminder_id, ReminderOutcome.DONE)
            buttons = [Button(title=DONE, on_pressed=done),
                       Button(title=SNOOZE, on_pressed=self._outcome_cb(reminder_id, ReminderOutcome.SNOOZED))]
            if self._on_guidance is not None:
                buttons.append(Button(title=HOW, on_pressed=self._guidance_cb(reminder_id)))
            kwargs = {"on_clicked": done,
                      "on_dismissed": self._outcome_cb(reminder_id, ReminderOutcome.DISMISSED)}
        dispatched: list[bool] = []
        sent = await self._notifier.send(title=title, message=body, buttons=buttons,
                                         timeout=self._timeout_s,
                                         on_dispatched=lambda: dispatched.append(True),
                                         **kwargs)
        if reminder_id is not None and dispatched:
            self._reminder_of[sent] = reminder_id
        return bool(dispatched)

    async def _send_plain(self, title: str, body: str) -> bool:
        from dbus_fast.aio import MessageBus

        if self._plain_bus is None or not self._plain_bus.connected:
            self._plain_bus = await MessageBus().connect()
        return await send_plain(self._plain_bus, self._app_name, title, body) is not None

    def _guidance_cb(self, reminder_id: int) -> Callable[[], None]:
        def called() -> None:
            try:
                assert self._on_guidance is not None
                self._on_guidance(reminder_id)
            except Exception:  # the browser failing must not kill the notification loop
                log.exception("guidance page not opened")

        return called

    def _outcome_cb(self, reminder_id: int, outcome: str) -> Callable[[], None]:
        def called() -> None:
            try:
                self._on_outcome(reminder_id, outcome)
            except Exception:  # a callback must not kill the notification loop
                log.exception("reminder outcome not handled")

        return called

    def close(self) -> None:
        if self._plain_bus is not None:
            self._loop.call_soon_threadsafe(self._plain_bus.disconnect)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=1)
