"""Start ``posturewatch run`` at login: an XDG autostart entry on Linux, a LaunchAgent on
macOS, a script in the Startup folder on Windows."""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import stat
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
    write_atomic(path, entry_text(), private=True)
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


def tampered() -> str | None:
    """What is wrong with the entry if it is not the one :func:`enable` writes, this
    user's alone: another user owns it, others may rewrite it, or its text (the command
    it starts) was changed. None if it is ours, or there is none."""
    path = entry_path()
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return "it is a symbolic link"
        if os.name == "posix" and info.st_uid != os.getuid():
            return f"it belongs to another user (uid {info.st_uid})"
        if os.name == "posix" and info.st_mode & 0o022:
            return f"others may rewrite it (mode {stat.S_IMODE(info.st_mode):o})"
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if text != entry_text():
        started = next((line for line in text.splitlines() if line.startswith("Exec=")), "")
        return f"it is not the entry posturewatch writes ({started or 'changed'})"
    return None
