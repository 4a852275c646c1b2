"""The tray icon (pystray): the state at a glance, by colour and by shape.

``import pystray`` opens the display at import time, so this module imports it only when a
tray is built. Without PyGObject (the ``tray-menu`` extra) pystray uses its XEmbed backend
on Linux: the icon and tooltip show, but there is no menu; every menu action is also a
command (``posturewatch pause`` ...).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

from posturewatch.core.monitor_status import Status, TrayState

log = logging.getLogger(__name__)

SIZE = 64

# Colour and shape both carry the state (colour-blind users read the shape).
_LOOK: dict[TrayState, tuple[str, str]] = {
    TrayState.UPRIGHT: ("#2e9e44", "circle"),  # green disc
    TrayState.SLOUCHED: ("#e07b00", "triangle"),  # orange warning triangle
    TrayState.AWAY: ("#8a8a8a", "ring"),  # grey hollow ring
    TrayState.UNKNOWN: ("#8a8a8a", "diamond"),
    TrayState.STARTING: ("#4a78c2", "diamond"),
    TrayState.PAUSED: ("#4a78c2", "bars"),  # blue pause bars
    TrayState.CAMERA_PROBLEM: ("#c62828", "cross"),  # red cross
}


def icon_image(state: TrayState) -> Image.Image:
    colour, shape = _LOOK[state]
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    m = 6
    box = (m, m, SIZE - m, SIZE - m)
    if shape == "circle":
        d.ellipse(box, fill=colour)
    elif shape == "ring":
        d.ellipse(box, outline=colour, width=10)
    elif shape == "triangle":
        d.polygon([(SIZE / 2, m), (SIZE - m, SIZE - m), (m, SIZE - m)], fill=colour)
    elif shape == "diamond":
        d.polygon([(SIZE / 2, m), (SIZE - m, SIZE / 2), (SIZE / 2, SIZE - m), (m, SIZE / 2)],
                  fill=colour)
    elif shape == "bars":
        d.rectangle((14, m, 28, SIZE - m), fill=colour)
        d.rectangle((36, m, 50, SIZE - m), fill=colour)
    else:  # cross
        d.line((m, m, SIZE - m, SIZE - m), fill=colour, width=12)
        d.line((m, SIZE - m, SIZE - m, m), fill=colour, width=12)
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


class _NoTrayHost(logging.Filter):
    """pystray logs every failed docking (no system tray running) as an error with a
    traceback; say it once, in one line, and let the icon dock when a tray appears."""

    def __init__(self) -> None:
        super().__init__()
        self.said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.getMessage().startswith("Failed to dock icon"):
            return True
        if not self.said:
            self.said = True
            log.warning("no system tray to show the icon in; it appears when one starts "
                        "(reminders still come as notifications)")
        return False


class Tray:
    def __init__(self, actions: MenuActions) -> None:
        import pystray  # only here: it needs a display at import time

        logging.getLogger("pystray._base").addFilter(_NoTrayHost())

        self._pystray = pystray
        item, menu = pystray.MenuItem, pystray.Menu
        self.icon = pystray.Icon(
            "posturewatch",
            icon_image(TrayState.STARTING),
            "posturewatch: starting",
            menu(
                item("Pause 15 min", lambda: actions.pause(15 * 60)),
                item("Pause 1 h", lambda: actions.pause(3600)),
                item("Pause until resumed", lambda: actions.pause(None)),
                item("Resume", lambda: actions.resume()),
                item("Snooze reminders", lambda: actions.snooze()),
                item("Calibrate now", lambda: actions.calibrate()),
                item("Today's summary", lambda: actions.summary()),
                item("Open config", lambda: actions.open_config()),
                item("Quit", lambda: actions.quit()),
            ),
        )
        self.backend = type(self.icon).__module__.rsplit(".", 1)[-1].lstrip("_")
        self._state: TrayState | None = None

    @property
    def has_menu(self) -> bool:
        return bool(self.icon.HAS_MENU)

    def run(self, setup: Callable[[Any], None]) -> None:
        """Blocks the calling (main) thread until :meth:`stop`."""
        self.icon.run(setup=setup)

    def show(self) -> None:
        self.icon.visible = True

    def update(self, status: Status) -> None:
        """Any thread: pystray hands the change to its own loop. On X the image is set
        again on every update (at least once a minute): pystray docks the icon when its
        image is set, so a tray that starts after us (autostart before the panel) still
        gets it."""
        if status.state != self._state or self.backend == "xorg":
            self._state = status.state
            self.icon.icon = icon_image(status.state)
        self.icon.title = status.tooltip()

    def notify(self, title: str, body: str) -> bool:
        """The tray's own notification, where the backend has one."""
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
