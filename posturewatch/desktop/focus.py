"""Whether the person must not be disturbed now: do-not-disturb, or a full-screen window.

Checked only when a reminder is waiting (and every few seconds while one is held), so the
cost is a subprocess or an X round trip now and then. Where the platform cannot tell, the
answer is "not busy".
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

log = logging.getLogger(__name__)


def _run(*argv: str) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=2, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def do_not_disturb() -> bool:
    """dunst paused (``dunstctl is-paused``), or GNOME's banners switched off."""
    if shutil.which("dunstctl") and _run("dunstctl", "is-paused") == "true":
        return True
    if shutil.which("gsettings") and os.environ.get("XDG_CURRENT_DESKTOP", "").find("GNOME") >= 0:
        return _run("gsettings", "get", "org.gnome.desktop.notifications",
                    "show-banners") == "false"
    return False


def fullscreen_focused() -> bool:
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
