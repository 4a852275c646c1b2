"""Whether the person must not be disturbed now: do-not-disturb, or a full-screen window.

Checked only when a reminder is waiting (and every few seconds while one is held), so the
cost is a D-Bus round trip, a Wayland or X round trip, now and then. Where the platform
cannot tell, the answer is "not busy".

Do-not-disturb is each notification service's own switch, found by asking the service
who it is (``GetServerInformation``): dunst's pause, mako's ``do-not-disturb`` mode, GNOME
Shell's ``show-banners`` setting, and the freedesktop ``Inhibited`` property (spec 1.3:
KDE Plasma and any other server that has it).

Full screen: on a wlroots compositor (sway, Hyprland, labwc ...) its foreign-toplevel list
says which window is active and full screen, Wayland and X11 apps alike; elsewhere X11's
``_NET_ACTIVE_WINDOW`` (an X desktop, or X11 apps under Xwayland). GNOME Shell holds
banners back itself while a window is full screen; KWin offers neither to other apps.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess

from posturewatch.desktop import wayland_toplevels

log = logging.getLogger(__name__)

NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
MAKO_DND_MODES = {"do-not-disturb", "dnd"}  # the mode mako's own manual names
TIMEOUT_S = 2.0


def _run(*argv: str) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _unix_bus() -> bool:
    """A session bus reached over a unix socket (never TCP: the monitor opens no network
    socket)."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    return bool(address) and all(part.startswith("unix:") for part in address.split(";"))


async def _service_dnd() -> bool:
    from dbus_fast import Message, MessageType
    from dbus_fast.aio import MessageBus

    bus = await MessageBus().connect()

    async def call(path: str, interface: str, member: str, signature: str = "",
                   body: list | None = None) -> list | None:
        reply = await bus.call(Message(destination=NOTIFICATIONS, path=path,
                                       interface=interface, member=member,
                                       signature=signature, body=body or []))
        return reply.body if reply.message_type == MessageType.METHOD_RETURN else None

    async def prop(path: str, interface: str, name: str) -> object:
        body = await call(path, "org.freedesktop.DBus.Properties", "Get", "ss",
                          [interface, name])
        return body[0].value if body else None

    try:
        info = await call(NOTIFICATIONS_PATH, NOTIFICATIONS, "GetServerInformation")
        server = str(info[0]) if info else ""
        if server == "dunst":
            return await prop(NOTIFICATIONS_PATH, "org.dunstproject.cmd0", "paused") is True
        if server == "mako":
            modes = await call("/fr/emersion/Mako", "fr.emersion.Mako", "ListModes")
            return bool(modes and MAKO_DND_MODES & set(modes[0]))
        if server == "gnome-shell":
            return _gnome_banners_off()
        return await prop(NOTIFICATIONS_PATH, NOTIFICATIONS, "Inhibited") is True
    finally:
        bus.disconnect()


def _gnome_banners_off() -> bool:
    if not shutil.which("gsettings"):
        return False
    return _run("gsettings", "get", "org.gnome.desktop.notifications", "show-banners") \
        == "false"


def do_not_disturb() -> bool:
    """The notification service's own do-not-disturb switch is on (see the module
    docstring); False when there is no service to ask."""
    if not _unix_bus():
        return False
    try:
        return asyncio.run(asyncio.wait_for(_service_dnd(), TIMEOUT_S))
    except Exception as exc:  # no bus, no service, a timeout: not busy
        log.debug("do-not-disturb check failed: %s", exc)
        return False


def fullscreen_focused() -> bool:
    """The active window is full screen: from the Wayland compositor's toplevel list
    where it offers one, else from X11."""
    windows = wayland_toplevels.toplevels() if os.environ.get("WAYLAND_DISPLAY") else None
    if windows is not None:
        return any({"activated", "fullscreen"} <= set(w.states) for w in windows)
    return _x11_fullscreen()


def _x11_fullscreen() -> bool:
    """The focused window is full screen (X11 with an EWMH window manager)."""
    if not os.environ.get("DISPLAY"):
        return False
    try:
        from Xlib import X, display
    except ImportError:
        return False
    try:
        d = display.Display()
    except Exception:  # no X server: nothing is full screen
        return False
    try:
        root = d.screen().root
        active = root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if not active or not active.value or not active.value[0]:
            return False
        window = d.create_resource_object("window", active.value[0])
        state = window.get_full_property(d.intern_atom("_NET_WM_STATE"), X.AnyPropertyType)
        fullscreen = d.intern_atom("_NET_WM_STATE_FULLSCREEN")
        return bool(state and fullscreen in state.value)
    except Exception as exc:  # a window gone between two calls, an odd WM
        log.debug("full-screen check failed: %s", exc)
        return False
    finally:
        d.close()


def busy() -> str | None:
    """Why not to pop up now, or None."""
    if do_not_disturb():
        return "do not disturb"
    if fullscreen_focused():
        return "full screen"
    return None
