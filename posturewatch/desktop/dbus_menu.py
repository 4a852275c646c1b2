"""The tray's menu as Canonical's DBusMenu (``com.canonical.dbusmenu``, layout version 3):
the StatusNotifier host reads the entries over D-Bus, draws the menu itself and sends the
click back as an ``Event``. A click runs its action in a short-lived thread, so an action
that waits for the D-Bus loop (Quit stops it) cannot block it.

dbus-fast reads the D-Bus signatures from the string annotations; a method or signal with
no reply has no return annotation at all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from dbus_fast import PropertyAccess, Variant
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

log = logging.getLogger(__name__)


class DBusMenu(ServiceInterface):
    """``com.canonical.dbusmenu``: a flat menu, item ids 1..n under the root 0."""

    def __init__(self, entries: list[tuple[str, Callable[[], None]]]) -> None:
        super().__init__("com.canonical.dbusmenu")
        self._entries = entries

    def _props(self, item: int) -> dict[str, Variant]:
        if item == 0:
            return {"children-display": Variant("s", "submenu")}
        return {"label": Variant("s", self._entries[item - 1][0]),
                "enabled": Variant("b", True), "visible": Variant("b", True)}

    def _node(self, item: int, depth: int) -> list[Any]:
        children = []
        if item == 0 and depth != 0:
            children = [Variant("(ia{sv}av)", self._node(i, depth - 1))
                        for i in range(1, len(self._entries) + 1)]
        return [item, self._props(item), children]

    def _known(self, item: int) -> bool:
        return 0 <= item <= len(self._entries)

    @dbus_method()
    def GetLayout(self, parent: "i", depth: "i",
                  names: "as") -> "u(ia{sv}av)":
        return [1, self._node(parent if self._known(parent) else 0, depth)]

    @dbus_method()
    def GetGroupProperties(self, ids: "ai", names: "as") -> "a(ia{sv})":
        return [[i, self._props(i)] for i in ids if self._known(i)]

    @dbus_method()
    def GetProperty(self, item: "i", name: "s") -> "v":
        return self._props(item if self._known(item) else 0).get(name, Variant("s", ""))

    @dbus_method()
    def Event(self, item: "i", event_id: "s", data: "v", timestamp: "u"):
        self._event(item, event_id)

    @dbus_method()
    def EventGroup(self, events: "a(isvu)") -> "ai":
        for item, event_id, _data, _timestamp in events:
            self._event(item, event_id)
        return [item for item, *_ in events if not self._known(item)]

    @dbus_method()
    def AboutToShow(self, item: "i") -> "b":
        return False

    @dbus_method()
    def AboutToShowGroup(self, ids: "ai") -> "aiai":
        return [[], []]

    @dbus_property(access=PropertyAccess.READ)
    def Version(self) -> "u":
        return 3

    @dbus_property(access=PropertyAccess.READ)
    def TextDirection(self) -> "s":
        return "ltr"

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> "s":
        return "normal"

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> "as":
        return []

    @dbus_signal()
    def LayoutUpdated(self) -> "ui":
        return [1, 0]

    def _event(self, item: int, event_id: str) -> None:
        if event_id != "clicked" or not 1 <= item <= len(self._entries):
            return
        label, action = self._entries[item - 1]
        log.info("tray menu: %s", label)
        threading.Thread(target=_guarded(action, label), name="tray-action", daemon=True).start()


def _guarded(action: Callable[[], None], label: str) -> Callable[[], None]:
    def run() -> None:
        try:
            action()
        except Exception:  # a failing action must not take the menu down
            log.exception("tray menu %r failed", label)

    return run
