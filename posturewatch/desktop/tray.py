"""The tray icon: the state at a glance, by colour and by shape, and the menu.

Three ways to show it, one look and one menu (:func:`open_tray` picks):

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
from dataclasses import dataclass
from typing import Any, Protocol

from PIL import Image, ImageDraw

from posturewatch.core.monitor_status import Status, TrayState

log = logging.getLogger(__name__)

SIZE = 64
STARTING_TOOLTIP = "posturewatch: starting"

# Colour and shape both carry the state (colour-blind users read the shape).
LOOK: dict[TrayState, tuple[str, str]] = {
    TrayState.UPRIGHT: ("#2e9e44", "circle"),  # green disc
    TrayState.SLOUCHED: ("#e07b00", "triangle"),  # orange warning triangle
    TrayState.AWAY: ("#8a8a8a", "ring"),  # grey hollow ring
    TrayState.UNKNOWN: ("#8a8a8a", "diamond"),
    TrayState.STARTING: ("#4a78c2", "diamond"),
    TrayState.PAUSED: ("#4a78c2", "bars"),  # blue pause bars
    TrayState.CAMERA_PROBLEM: ("#c62828", "cross"),  # red cross
}


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def icon_image(state: TrayState, size: int = SIZE) -> Image.Image:
    """The icon on a transparent square, ``size`` pixels a side (every backend draws this
    one picture, so the icon looks alike in each)."""
    colour, shape = LOOK[state]
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    m = max(1, round(size * 0.06))
    lo, hi, mid = m, size - 1 - m, (size - 1) / 2
    box = (lo, lo, hi, hi)
    if shape == "circle":
        d.ellipse(box, fill=colour)
    elif shape == "ring":
        d.ellipse(box, outline=colour, width=max(2, round(size * 0.16)))
    elif shape == "triangle":
        d.polygon([(mid, lo), (hi, hi), (lo, hi)], fill=colour)
    elif shape == "diamond":
        d.polygon([(mid, lo), (hi, mid), (mid, hi), (lo, mid)], fill=colour)
    elif shape == "bars":
        bar, gap = round(size * 0.25), round(size * 0.12)
        left, right = round(mid - gap / 2 - bar), round(mid + gap / 2)
        d.rectangle((left, lo, left + bar, hi), fill=colour)
        d.rectangle((right, lo, right + bar, hi), fill=colour)
    else:  # cross
        width = max(2, round(size * 0.2))
        d.line([(lo, lo), (hi, hi)], fill=colour, width=width)
        d.line([(lo, hi), (hi, lo)], fill=colour, width=width)
    return image


@dataclass(frozen=True)
class MenuActions:
    """What the menu entries do; the same actions as the command line."""

    pause: Callable[[float | None], None]
    resume: Callable[[], None]
    snooze: Callable[[], None]
    calibrate: Callable[[], None]
    summary: Callable[[], None]
    open_config: Callable[[], None]
    quit: Callable[[], None]
    calibration_s: float = 30.0


def menu_entries(actions: MenuActions) -> list[tuple[str, Callable[[], None]]]:
    """The menu, in order, as (label, action): every backend shows these."""
    return [
        ("Pause 15 min", lambda: actions.pause(15 * 60)),
        ("Pause 1 h", lambda: actions.pause(3600)),
        ("Pause until resumed", lambda: actions.pause(None)),
        ("Resume", actions.resume),
        ("Snooze reminders", actions.snooze),
        (f"Calibrate now ({actions.calibration_s:g} s)", actions.calibrate),
        ("Today's summary", actions.summary),
        ("Open config", actions.open_config),
        ("Quit", actions.quit),
    ]


class Tray(Protocol):
    """What ``run`` and the dispatcher need of a tray, whichever backend draws it."""

    backend: str
    has_menu: bool

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
