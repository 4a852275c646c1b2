"""Start ``posturewatch run`` at login: an XDG autostart entry on Linux, a LaunchAgent on
macOS, a script in the Startup folder on Windows."""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import sys
from pathlib import Path

from posturewatch.storage.atomic import write_atomic

LABEL = "org.posturewatch.monitor"


def command() -> list[str]:
    """How to start the monitor: the installed script if on PATH, else this Python."""
    script = shutil.which("posturewatch")
    return [script, "run"] if script else [sys.executable, "-m", "posturewatch", "run"]


def entry_path(platform: str = sys.platform) -> Path:
    home = Path.home()
    if platform.startswith("linux"):
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        return config / "autostart" / "posturewatch.desktop"
    if platform == "darwin":
        return home / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    appdata = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    return appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / \
        "posturewatch.cmd"


def entry_text(platform: str = sys.platform, argv: list[str] | None = None) -> str:
    argv = argv or command()
    if platform.startswith("linux"):
        return (
            "[Desktop Entry]\n"
            "Type=Application\n"
            "Name=posturewatch\n"
            "Comment=Posture and sitting-time monitor in the tray\n"
            f"Exec={shlex.join(argv)}\n"
            "Terminal=false\n"
            "X-GNOME-Autostart-enabled=true\n"
        )
    if platform == "darwin":
        return plistlib.dumps({"Label": LABEL, "ProgramArguments": argv,
                               "RunAtLoad": True}).decode()
    return "@echo off\r\nstart \"\" " + " ".join(f'"{a}"' for a in argv) + "\r\n"


def enable() -> Path:
    path = entry_path()
    write_atomic(path, entry_text())
    return path


def disable() -> bool:
    """True if there was an entry to remove."""
    path = entry_path()
    if path.exists():
        path.unlink()
        return True
    return False


def enabled() -> bool:
    return entry_path().exists()
