"""The tray icon and its menu as a StatusNotifierItem with a DBusMenu, over D-Bus.

What KDE, GNOME (AppIndicator extension), Xfce, Cinnamon, MATE, LXQt and waybar show in
their status area, with nothing but pure-pip dbus-fast (which desktop-notifier brings
anyway): no PyGObject, no compiler. Only the session bus is used, and only over its unix
socket (a bus reached over TCP is treated as no host: the monitor opens no network socket).

Protocols: the freedesktop/KDE StatusNotifierItem spec (``org.kde.StatusNotifierItem`` at
``/StatusNotifierItem``, registered with ``org.kde.StatusNotifierWatcher``), with the menu
at ``/MenuBar`` (``dbus_menu``). The D-Bus objects live in an asyncio loop in a thread of
their own; other threads hand it work with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from dbus_fast import BusType, Message, MessageType, PropertyAccess
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

from posturewatch.core.monitor_status import Status, TrayState
from posturewatch.desktop.dbus_menu import DBusMenu
from posturewatch.desktop.tray_look import STARTING_TOOLTIP, MenuActions, icon_image, menu_entries

log = logging.getLogger(__name__)

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_PATH = "/StatusNotifierItem"
MENU_PATH = "/MenuBar"
PIXMAP_SIZES = (16, 22, 24, 32, 48, 64)
TIMEOUT_S = 3.0


def _unix_bus() -> bool:
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    return bool(address) and all(part.startswith("unix:") for part in address.split(";"))


async def _host_registered() -> bool:
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    try:
        reply = await bus.call(Message(
            destination=WATCHER, path=WATCHER_PATH, interface="org.freedesktop.DBus.Properties",
            member="Get", signature="ss", body=[WATCHER, "IsStatusNotifierHostRegistered"]))
        return reply.message_type == MessageType.METHOD_RETURN and bool(reply.body[0].value)
    finally:
        bus.disconnect()


def bus_available() -> bool:
    """A session bus to put the item on, reached over a unix socket."""
    return _unix_bus()


def host_running() -> bool:
    """Whether a StatusNotifier host (a panel that shows items) is on the session bus."""
    if not _unix_bus():
        return False
    try:
        return asyncio.run(asyncio.wait_for(_host_registered(), TIMEOUT_S))
    except Exception as exc:  # no bus, no watcher, a timeout: the XEmbed icon then
        log.debug("no StatusNotifier host: %s", exc)
        return False


@functools.cache
def _pixmaps(state: TrayState) -> list[list[Any]]:
    """The icon at the usual panel sizes, ARGB32 in network byte order, as the spec asks."""
    out = []
    for size in PIXMAP_SIZES:
        r, g, b, a = icon_image(state, size).split()
        argb = bytes(x for px in zip(a.tobytes(), r.tobytes(), g.tobytes(), b.tobytes(),
                                     strict=True) for x in px)
        out.append([size, size, argb])
    return out


class _Item(ServiceInterface):
    """``org.kde.StatusNotifierItem``: what the panel shows, and where the menu is.

    dbus-fast reads the D-Bus signatures from the string annotations (D-Bus member names
    are CamelCase); a method or signal with no reply has no return annotation at all."""

    def __init__(self) -> None:
        super().__init__("org.kde.StatusNotifierItem")
        self.state = TrayState.STARTING
        self.tooltip = STARTING_TOOLTIP

    @dbus_property(access=PropertyAccess.READ)
    def Category(self) -> "s":
        return "ApplicationStatus"

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> "s":
        return "posturewatch"

    @dbus_property(access=PropertyAccess.READ)
    def Title(self) -> "s":
        return "posturewatch"

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> "s":
        return "Active"

    @dbus_property(access=PropertyAccess.READ)
    def WindowId(self) -> "i":
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def IconName(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def IconPixmap(self) -> "a(iiay)":
        return _pixmaps(self.state)

    @dbus_property(access=PropertyAccess.READ)
    def OverlayIconName(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def OverlayIconPixmap(self) -> "a(iiay)":
        return []

    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconName(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconPixmap(self) -> "a(iiay)":
        return []

    @dbus_property(access=PropertyAccess.READ)
    def AttentionMovieName(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def ToolTip(self) -> "(sa(iiay)ss)":
        title, _, body = self.tooltip.partition("\n")
        return ["", [], title, body]

    @dbus_property(access=PropertyAccess.READ)
    def ItemIsMenu(self) -> "b":
        return True  # either click opens the menu: there is no window to activate

    @dbus_property(access=PropertyAccess.READ)
    def Menu(self) -> "o":
        return MENU_PATH

    @dbus_method()
    def ContextMenu(self, x: "i", y: "i"):
        pass  # the host shows the DBusMenu itself

    @dbus_method()
    def Activate(self, x: "i", y: "i"):
        pass

    @dbus_method()
    def SecondaryActivate(self, x: "i", y: "i"):
        pass

    @dbus_method()
    def Scroll(self, delta: "i", orientation: "s"):
        pass

    @dbus_signal()
    def NewIcon(self):
        pass

    @dbus_signal()
    def NewToolTip(self):
        pass

    @dbus_signal()
    def NewTitle(self):
        pass

    @dbus_signal()
    def NewStatus(self) -> "s":
        return "Active"


NO_HOST_GRACE_S = 5.0  # a panel starting at login along with us: give it time
NO_HOST_LINE = ("no panel shows tray icons here yet (on GNOME: install and enable the "
                "AppIndicator extension); reminders and `posturewatch status` work without it, "
                "and the icon appears once a panel shows tray icons")
# GNOME shows a banner's title in full and its body cut to one line: the title says it all
NO_HOST_TITLE = "No tray icon: on GNOME, enable the AppIndicator extension"
NO_HOST_BODY = ("posturewatch is running: reminders still come as notifications and "
                "`posturewatch status` tells the state. The icon appears once a panel shows "
                "tray icons.")


class SniTray:
    """The item, registered with every StatusNotifierWatcher that appears (a panel that
    restarts; GNOME drops every item on lock and unlock, its watcher gone and back empty).
    With no host at start it waits for one, and says once how to get one."""

    backend = "statusnotifier"
    has_menu = True

    def __init__(self, actions: MenuActions) -> None:
        self._item = _Item()
        self._menu = DBusMenu(menu_entries(actions))
        self._stopping = False
        self._host = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="statusnotifier",
                                        daemon=True)
        self._thread.start()
        self._bus: MessageBus | None = None
        try:
            asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(TIMEOUT_S * 2)
        except BaseException:
            self._close_loop()
            raise

    async def _start(self) -> None:
        bus = await MessageBus(bus_type=BusType.SESSION).connect()
        self._bus = bus
        bus.export(ITEM_PATH, self._item)
        bus.export(MENU_PATH, self._menu)
        await bus.request_name(f"org.kde.StatusNotifierItem-{os.getpid()}-1")
        for rule in (f"type='signal',member='NameOwnerChanged',arg0='{WATCHER}'",
                     f"type='signal',interface='{WATCHER}'"):
            await bus.call(Message(
                destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus", member="AddMatch", signature="s",
                body=[rule]))
        bus.add_message_handler(self._on_message)
        if await self._register():
            self._host = await self._host_registered()
        if not self._host:
            log.info("no StatusNotifier host yet: waiting for one")
            self._loop.call_later(NO_HOST_GRACE_S, lambda: self._spawn(self._say_no_host()))

    async def _register(self) -> bool:
        """Register with the watcher; False if there is none (or it refused)."""
        assert self._bus is not None
        reply = await self._bus.call(Message(
            destination=WATCHER, path=WATCHER_PATH, interface=WATCHER,
            member="RegisterStatusNotifierItem", signature="s", body=[self._bus.unique_name]))
        if reply.message_type == MessageType.ERROR:
            log.info("StatusNotifierWatcher did not take the item: %s", reply.body)
            return False
        log.info("tray icon registered with the StatusNotifierWatcher")
        return True

    async def _register_again(self) -> None:
        """A new watcher: its object may come a moment after its name, so try a few times."""
        for _ in range(20):
            if self._stopping or await self._register():
                self._host = await self._host_registered()
                return
            await asyncio.sleep(0.5)

    async def _host_registered(self) -> bool:
        assert self._bus is not None
        reply = await self._bus.call(Message(
            destination=WATCHER, path=WATCHER_PATH, interface="org.freedesktop.DBus.Properties",
            member="Get", signature="ss", body=[WATCHER, "IsStatusNotifierHostRegistered"]))
        return reply.message_type == MessageType.METHOD_RETURN and bool(reply.body[0].value)

    async def _say_no_host(self) -> None:
        """Once a run, after the grace: how to get the icon, as a notification (the
        terminal had it in ``run``'s first line)."""
        if self._host or self._stopping or self._bus is None:
            return
        from posturewatch.desktop.notify import send_plain

        log.info("no StatusNotifier host after %.0f s: telling the person", NO_HOST_GRACE_S)
        if await send_plain(self._bus, "posturewatch", NO_HOST_TITLE, NO_HOST_BODY) is None:
            log.info("the no-tray notice was not taken by a notification service")

    def _spawn(self, coro: Any) -> None:
        task = self._loop.create_task(coro)
        task.add_done_callback(_log_failure)

    def _on_message(self, message: Message) -> None:
        if message.member == "NameOwnerChanged" and message.body[:1] == [WATCHER]:
            if message.body[2]:
                self._spawn(self._register_again())
            else:
                self._host = False
        elif message.interface == WATCHER and message.member == "StatusNotifierHostRegistered":
            self._host = True

    # -- the Tray interface --------------------------------------------------------------

    @property
    def showing(self) -> bool:
        return self._host

    def where(self) -> str:
        if not self._host:
            return NO_HOST_LINE
        return "icon in the panel's status area, click it for the menu"

    def run(self, setup: Callable[[], None]) -> None:
        threading.Thread(target=setup, name="tray-setup", daemon=True).start()
        while not self._stopping:  # a plain flag and a sleep: a signal handler may stop it
            time.sleep(0.2)
        self._close_loop()

    def update(self, status: Status) -> None:
        self._loop.call_soon_threadsafe(self._apply, status.state, status.tooltip())

    def _apply(self, state: TrayState, tooltip: str) -> None:
        if state != self._item.state:
            self._item.state = state
            self._item.NewIcon()
        if tooltip != self._item.tooltip:
            self._item.tooltip = tooltip
            self._item.NewToolTip()

    def notify(self, title: str, body: str) -> bool:
        return False  # notifications go through the notification service

    def stop(self) -> None:
        """Any thread, a signal handler on the main thread included (no lock taken)."""
        self._stopping = True

    def _close_loop(self) -> None:
        def close() -> None:
            if self._bus is not None:
                self._bus.disconnect()
            self._loop.stop()

        if self._loop.is_running():
            self._loop.call_soon_threadsafe(close)
            self._thread.join(timeout=2)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.info("tray registration step failed: %s", task.exception())
