"""What every tray backend shows: one icon per state (by colour and by shape), the
tooltip before the first status, and the menu entries with what they do. A module of its
own, so the backends (``sni_tray``, ``xembed_tray``, pystray in ``tray``) share it without
importing the module that picks among them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw

from posturewatch.core.monitor_status import TrayState

SIZE = 64
STARTING_TOOLTIP = "posturewatch: starting"

# Colour and shape both carry the state (colour-blind users read the shape).
LOOK: dict[TrayState, tuple[str, str]] = {
    TrayState.UPRIGHT: ("#2e9e44", "circle"),  # green disc
    TrayState.SLOUCHED: ("#e07b00", "triangle"),  # orange warning triangle
    TrayState.AWAY: ("#8a8a8a", "ring"),  # grey hollow ring
    TrayState.UNKNOWN: ("#8a8a8a", "diamond"),
    TrayState.STANDING: ("#2e9e44", "pillar"),  # green upright bar: on your feet
    TrayState.STARTING: ("#4a78c2", "diamond"),
    TrayState.PAUSED: ("#4a78c2", "bars"),  # blue pause bars
    TrayState.CAMERA_PROBLEM: ("#c62828", "cross"),  # red cross
    TrayState.IN_CALL: ("#7b4fb3", "square"),  # purple square: the camera lent to a call
    TrayState.CAMERA_LENT: ("#7b4fb3", "frame"),  # purple hollow square: lent to ours
    TrayState.LOCKED: ("#8a8a8a", "bars"),  # grey pause bars: not looking while locked
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
    elif shape == "square":
        d.rectangle(box, fill=colour)
    elif shape == "frame":
        d.rectangle(box, outline=colour, width=max(2, round(size * 0.16)))
    elif shape == "pillar":
        half = round(size * 0.2)
        d.rounded_rectangle((round(mid) - half, lo, round(mid) + half, hi), radius=half,
                            fill=colour)
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
    stance: Callable[[str], None] = lambda stance: None  # "standing", "sitting" or "auto"
    look: Callable[[], None] | None = None  # the camera's window (``posturewatch look``)


def menu_entries(actions: MenuActions) -> list[tuple[str, Callable[[], None]]]:
    """The menu, in order, as (label, action): every backend shows these."""
    return [
        ("Pause 15 min", lambda: actions.pause(15 * 60)),
        ("Pause 1 h", lambda: actions.pause(3600)),
        ("Pause until resumed", lambda: actions.pause(None)),
        ("Resume", actions.resume),
        ("Snooze reminders", actions.snooze),
        (f"Calibrate now ({actions.calibration_s:g} s)", actions.calibrate),
        *([("What the camera sees", actions.look)] if actions.look is not None else []),
        ("Standing at the desk", lambda: actions.stance("standing")),
        ("Sitting at the desk", lambda: actions.stance("sitting")),
        ("Stance: let the camera tell", lambda: actions.stance("auto")),
        ("Today's summary", actions.summary),
        ("Open config", actions.open_config),
        ("Quit", actions.quit),
    ]
