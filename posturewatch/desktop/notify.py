"""Desktop notifications with "Done" and "Snooze" buttons, through desktop-notifier.

desktop-notifier is asynchronous; it gets an asyncio loop in a thread of its own here, and
callers hand it work with :meth:`DesktopNotifications.send` from any thread. Button presses
and dismissals come back through ``on_outcome(reminder_id, outcome)``, called on that
loop's thread (the caller turns them into monitor commands).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
# desktop-notifier logs a failed send as a warning with a traceback and carries on; we
# report it in one line ourselves (and fall back), so only its errors get through.
logging.getLogger("desktop_notifier").setLevel(logging.ERROR)

DONE, SNOOZE = "Done", "Snooze"


class DesktopNotifications:
    def __init__(self, on_outcome: Callable[[int, str], None], app_name: str = "posturewatch",
                 timeout_s: int = 60) -> None:
        self._on_outcome = on_outcome
        self._app_name = app_name
        self._timeout_s = timeout_s
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="notifications",
                                        daemon=True)
        self._thread.start()
        self._notifier = self._call(self._make(), 5.0)

    async def _make(self):  # type: ignore[no-untyped-def]
        from desktop_notifier import DesktopNotifier

        return DesktopNotifier(app_name=self._app_name, app_icon=None)

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

        buttons: list[Button] = []
        kwargs = {}
        if reminder_id is not None:
            done = self._outcome_cb(reminder_id, "done")
            buttons = [Button(title=DONE, on_pressed=done),
                       Button(title=SNOOZE, on_pressed=self._outcome_cb(reminder_id, "snoozed"))]
            kwargs = {"on_clicked": done,
                      "on_dismissed": self._outcome_cb(reminder_id, "dismissed")}
        dispatched: list[bool] = []
        await self._notifier.send(title=title, message=body, buttons=buttons,
                                  timeout=self._timeout_s,
                                  on_dispatched=lambda: dispatched.append(True), **kwargs)
        return bool(dispatched)

    def _outcome_cb(self, reminder_id: int, outcome: str) -> Callable[[], None]:
        def called() -> None:
            try:
                self._on_outcome(reminder_id, outcome)
            except Exception:  # a callback must not kill the notification loop
                log.exception("reminder outcome not handled")

        return called

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=1)
