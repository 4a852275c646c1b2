"""A real desktop for the tray and notification tests: Xvfb, trayer (the XEmbed tray host),
a D-Bus session and dunst, started in that order and polled until ready (see
../shared/notes/desktop-testing.md). One session per test module; everything started here
is stopped by its PID.

dunst's context menu runs ``dmenu``; ours is a script that picks the line containing the
text in ``want`` (a file the test writes), so a test can press a notification's button, and
appends the menu it was offered to ``menu`` (so a test can read the buttons).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TOOLS = ("Xvfb", "trayer", "dunst", "dunstctl", "dbus-launch", "xdpyinfo", "xwininfo", "import",
         "convert")
TRAY_W, TRAY_H = 200, 32
SCREEN_W, SCREEN_H = 800, 600
SNI_BAR_H = 32


def require_tools(*more: str) -> None:
    """Missing desktop tools: a failure in CI (``.ci/run`` installs them), a skip elsewhere."""
    missing = [tool for tool in (*TOOLS, *more) if shutil.which(tool) is None]
    if not missing:
        return
    message = f"desktop tools missing: {', '.join(missing)} (.ci/run apt-get installs them)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_display() -> int:
    first = int(os.environ.get("POSTUREWATCH_TEST_DISPLAY", "81"))
    for number in range(first, first + 5):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and \
                not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display for the desktop tests")


def notify_calls(record: str) -> list[dict]:
    """The Notify calls to the notification service in a ``dbus-monitor`` record: app,
    summary, body, and the strings after it: the actions (a key and a label each; "default"
    is the plain click), then the names of the hints."""
    calls = []
    for block in re.split(r"\n(?=method call )", record):
        header = block.split("\n", 1)[0]
        # only calls to the service's name: GNOME's gjs service forwards each to the shell
        if "member=Notify" not in header or \
                "destination=org.freedesktop.Notifications" not in header:
            continue
        strings = re.findall(r'^\s*string "(.*)"$', block, re.M)
        if len(strings) >= 4:
            calls.append({"app": strings[0], "summary": strings[2], "body": strings[3],
                          "actions": strings[4:]})
    return calls


def poll(check, timeout: float, what: str, every: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def _tray_owned(name: str) -> bool:
    """trayer has taken the system tray selection (its panel alone is not enough)."""
    from Xlib import display

    d = display.Display(name)
    try:
        owner = d.get_selection_owner(d.intern_atom(f"_NET_SYSTEM_TRAY_S{d.get_default_screen()}"))
        return bool(getattr(owner, "id", owner))  # X.NONE (0) while nobody owns it
    finally:
        d.close()


@dataclass
class Desktop:
    env: dict[str, str]
    folder: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    dbus_pid: int | None = None

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, env=self.env, capture_output=True, text=True,
                              timeout=10, check=check)

    def ok(self, *argv: str) -> bool:
        try:
            return self.run(*argv, check=False).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def tray_colours(self) -> int:
        """Distinct colours in trayer's rectangle (top right): 1 while it is empty."""
        shot = self.folder / "tray.png"
        self.run("import", "-window", "root", "-crop",
                 f"{TRAY_W}x{TRAY_H}+{SCREEN_W - TRAY_W}+0", str(shot))
        return int(self.run("convert", str(shot), "-format", "%k", "info:").stdout.strip())

    def start_trayer(self) -> None:
        self.processes.append(subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel",
             "--width", str(TRAY_W), "--heighttype", "pixel", "--height", str(TRAY_H),
             "--transparent", "false", "--tint", "0x000000", "--SetDockType", "true"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        poll(lambda: _tray_owned(self.env["DISPLAY"]), 15, "trayer to own the tray")

    def stop_trayer(self) -> None:
        """The panel crashes (killed: the X server hands its icons back to the root window,
        mapped); ``start_trayer`` brings a new one."""
        old = next(p for p in self.processes if p.args[0] == "trayer")
        old.kill()
        old.wait(timeout=5)
        self.processes.remove(old)
        poll(lambda: not _tray_owned(self.env["DISPLAY"]), 5, "the tray to be gone")

    def shot(self, x: int, y: int, w: int, h: int):  # type: ignore[no-untyped-def]
        """A PIL image of that rectangle of the screen."""
        from PIL import Image

        path = self.folder / "shot.png"
        self.run("import", "-window", "root", "-crop", f"{w}x{h}+{x}+{y}", "+repage", str(path))
        with Image.open(path) as image:
            return image.convert("RGB")

    def start_sni_host(self) -> None:
        """gtk-sni-tray-standalone (Debian's haskell-gtk-sni-tray-utils): a StatusNotifier
        host and watcher, as a bar along the bottom of the screen (trayer keeps the top)."""
        require_tools("gtk-sni-tray-standalone", "dbus-send", "xdotool")
        log = self.folder / "sni-host.log"
        # Now and then (about one start in five here) the host exits at once, its watcher
        # "not provided" on the bus: a start-up race of its own; start it again.
        starts = 3
        for _ in range(starts):
            self.processes.append(host := subprocess.Popen(
                ["gtk-sni-tray-standalone", "--watcher", "--bottom", "--end",
                 "--size", str(SNI_BAR_H)], env=self.env,
                stdout=subprocess.DEVNULL, stderr=log.open("w")))
            try:
                poll(lambda h=host: h.poll() is not None or "true" in self.run(
                    "dbus-send", "--session", "--print-reply",
                    "--dest=org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher",
                    "org.freedesktop.DBus.Properties.Get",
                    "string:org.kde.StatusNotifierWatcher",
                    "string:IsStatusNotifierHostRegistered", check=False).stdout,
                    30, "the StatusNotifier host")
            except AssertionError as exc:
                raise AssertionError(f"{exc} (it said: {log.read_text()[-800:]!r})") from None
            if host.poll() is None:
                return
        raise AssertionError(f"the StatusNotifier host exited {starts} times at start "
                             f"(status {host.poll()}; it said: {log.read_text()[-800:]!r})")

    def dunst(self, *args: str) -> str:
        return self.run("dunstctl", *args).stdout.strip()

    def menu(self) -> list[str]:
        """Every context-menu line dunst has offered so far."""
        path = self.folder / "menu"
        return path.read_text().splitlines() if path.exists() else []

    def buttons(self, title: str) -> set[str]:
        """The buttons dunst offered for notifications titled ``title`` (its menu lines
        read ``#Done (title) [2,identifier]``; the unlabelled one is the plain click)."""
        labels = {line[1:].split(f" ({title})")[0] for line in self.menu()
                  if line.startswith("#") and f" ({title})" in line}
        return labels - {""}

    def press(self, label: str) -> None:
        """Choose the context-menu line containing ``label`` (e.g. "#Snooze (Sit tall)")."""
        (self.folder / "want").write_text(label)
        self.run("dunstctl", "context")


@contextmanager
def desktop_session(folder: Path, *, window_manager: bool = False,
                    dunst_settings: str = "") -> Iterator[Desktop]:
    """``window_manager``: openbox too (full-screen detection needs EWMH); no tray then.
    ``dunst_settings``: more lines for dunst's ``[global]`` (where its popups go)."""
    require_tools(*(("openbox", "wmctrl", "xmessage") if window_manager else ()))
    number = _free_display()
    env = dict(os.environ, DISPLAY=f":{number}")
    env.pop("WAYLAND_DISPLAY", None)
    desktop = Desktop(env, folder)
    try:
        desktop.processes.append(subprocess.Popen(
            # -noreset: by default Xvfb resets when its last client leaves, so the readiness
            # probe's disconnect could make the next client (openbox, trayer) fail to connect.
            ["Xvfb", f":{number}", "-screen", "0", f"{SCREEN_W}x{SCREEN_H}x24", "-nolisten", "tcp",
             "-noreset"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        poll(lambda: desktop.ok("xdpyinfo"), 15, "Xvfb")
        if window_manager:
            desktop.processes.append(subprocess.Popen(
                ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            poll(lambda: desktop.ok("wmctrl", "-m"), 15, "openbox")
            yield desktop
            return
        desktop.start_trayer()
        launched = desktop.run("dbus-launch", "--sh-syntax").stdout
        for line in launched.splitlines():
            if "=" in line and line.startswith("DBUS_"):
                key, value = line.rstrip(";").split("=", 1)
                value = value.strip("'")
                if key == "DBUS_SESSION_BUS_PID":
                    desktop.dbus_pid = int(value)
                else:
                    env[key] = value
        picker = folder / "dmenu.sh"
        # the menu dunst offered is kept in ``menu`` (each line a button: "#Done (title)")
        picker.write_text(f'#!/bin/sh\nmenu="$(cat)"\nprintf "%s\\n" "$menu" >> {folder / "menu"}\n'
                          f'printf "%s\\n" "$menu" | grep -m1 -F "$(cat {folder / "want"})"\n')
        picker.chmod(0o755)
        rc = folder / "dunstrc"
        # Notifications stay until the test answers them: dunst's own 10 s expiry could
        # close one before a slow (loaded) run gets to press its button.
        rc.write_text(f"[global]\n    dmenu = {picker} -p dunst\n{dunst_settings}"
                      + "".join(f"[urgency_{u}]\n    timeout = 0\n"
                                for u in ("low", "normal", "critical")))
        desktop.processes.append(subprocess.Popen(
            ["dunst", "-config", str(rc)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        poll(lambda: desktop.ok("dunstctl", "is-paused"), 15, "dunst")
        yield desktop
    finally:
        for process in reversed(desktop.processes):
            process.terminate()
        for process in desktop.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        if desktop.dbus_pid is not None:
            try:
                os.kill(desktop.dbus_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
