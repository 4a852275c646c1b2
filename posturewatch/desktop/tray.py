"""The tray icon: the state at a glance, by colour and by shape, and the menu.

Three ways to show it, one look and one menu (``tray_look.py``; :func:`open_tray` picks):

- Linux with a StatusNotifier host on the session bus (KDE, GNOME's AppIndicator extension,
  Xfce, Cinnamon, waybar ...): ``sni_tray`` (StatusNotifierItem and DBusMenu over D-Bus,
  pure-pip dbus-fast): icon, tooltip and menu.
- Linux with an X panel's XEmbed system tray (trayer, tint2, ...): ``xembed_tray``
  (python-xlib): icon, its own tooltip and menu.
- Linux with neither: the StatusNotifierItem, waiting for a host (and saying once how to
  get one, e.g. GNOME's AppIndicator extension).
- macOS and Windows: pystray, the platform's own status item with its menu. ``import
  pystray`` opens the display at import time, so it is imported only here, when wanted.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any, Protocol

from posturewatch.core.monitor_status import Status, TrayState
from posturewatch.desktop.tray_look import STARTING_TOOLTIP, MenuActions, icon_image, menu_entries

log = logging.getLogger(__name__)


class Tray(Protocol):
    """What ``run`` and the dispatcher need of a tray, whichever backend draws it."""

    backend: str
    has_menu: bool

    @property
    def showing(self) -> bool:
        """A panel shows the icon now (its menu can be opened)."""
        ...

    def where(self) -> str:
        """Where the icon is, for the one line ``run`` prints."""
        ...

    def run(self, setup: Callable[[], None]) -> None:
        """Blocks the calling (main) thread until :meth:`stop`; ``setup`` is called once,
        from another thread, when the tray is up."""
        ...

    def update(self, status: Status) -> None:
        """Any thread: show this state and tooltip."""
        ...

    def notify(self, title: str, body: str) -> bool:
        """The tray's own notification, where the backend has one."""
        ...

    def stop(self) -> None:
        """Any thread."""
        ...


def open_tray(actions: MenuActions) -> Tray:
    """The best tray this desktop offers (see the module docstring); raises if none works
    (``run`` then goes headless)."""
    if sys.platform == "linux":
        from posturewatch.desktop import sni_tray, xembed_tray

        # no host of either kind (GNOME without the extension, a bare compositor): the
        # StatusNotifier item, which waits for a host and says how to get one
        if sni_tray.host_running() or (sni_tray.bus_available()
                                       and not xembed_tray.tray_running()):
            try:
                return sni_tray.SniTray(actions)
            except Exception as exc:  # a host that vanished meanwhile: XEmbed then
                log.info("StatusNotifier tray failed (%s); using the XEmbed icon", exc)
        return xembed_tray.XEmbedTray(actions)
    return PystrayTray(actions)


class PystrayTray:
    """macOS and Windows: pystray's native status item, with the menu."""

    def __init__(self, actions: MenuActions) -> None:
        import pystray  # only here: it needs a display at import time

        self.icon = pystray.Icon(
            "posturewatch", icon_image(TrayState.STARTING), STARTING_TOOLTIP,
            pystray.Menu(*(pystray.MenuItem(label, _call(action))
                           for label, action in menu_entries(actions))),
        )
        self.backend = type(self.icon).__module__.rsplit(".", 1)[-1].lstrip("_")
        self.has_menu = bool(self.icon.HAS_MENU)
        self._state: TrayState | None = None

    showing = True  # the platform's own status area is always there

    def where(self) -> str:
        return "icon in the menu bar" if sys.platform == "darwin" else "icon in the taskbar tray"

    def run(self, setup: Callable[[], None]) -> None:
        def ready(icon: Any) -> None:
            icon.visible = True
            setup()

        self.icon.run(setup=ready)

    def update(self, status: Status) -> None:
        if status.state != self._state:
            self._state = status.state
            self.icon.icon = icon_image(status.state)
        self.icon.title = status.tooltip()

    def notify(self, title: str, body: str) -> bool:
        if not getattr(self.icon, "HAS_NOTIFICATION", False):
            return False
        try:
            self.icon.notify(body, title)
        except Exception as exc:
            log.warning("tray notification failed: %s", exc)
            return False
        return True

    def stop(self) -> None:
        self.icon.stop()


def _call(action: Callable[[], None]) -> Callable[[], None]:
    """pystray passes (icon, item) to a callback that takes them; ours take nothing."""
    return lambda: action()
