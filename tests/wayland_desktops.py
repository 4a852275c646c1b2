"""Real Wayland desktops for the slow tests, headless: GNOME Shell 43 with its AppIndicator
extension, KDE Plasma 5.27, and sway with waybar and mako, started as the team's recipe
(../shared/notes/desktops.md, ../shared/tools/desktops/) does, in Python here.

Each session has a private XDG_RUNTIME_DIR (so its Wayland socket and buses collide with
nobody's), a private session bus and, for GNOME and KDE, a private "system" bus; Xwayland
picks a free display number itself. Everything started is stopped by its PID, then the
session's stragglers (D-Bus-activated services) by their XDG_RUNTIME_DIR.

sway refuses to run as root, so that session (bus, sway, waybar, mako, and every client,
the monitor under test included) runs as ``nobody``. The test's Python (a pyenv or venv
under /root, unreadable by nobody) is run as that uid with one ambient capability,
CAP_DAC_READ_SEARCH: it may read the interpreter, the checkout and the test's files, and
writes only into the session's own folders.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desktop_session import notify_calls, poll

TOOLS = Path(__file__).resolve().parent / "desktop_tools"
W, H = 1024, 768
NOBODY = 65534
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
WATCHER = ("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher")
NEEDS = {
    "gnome": ("gnome-shell", "gjs", "gsettings", "gdbus", "dbus-daemon", "dbus-monitor",
              "Xwayland", "foot"),
    "kde": ("plasmashell", "kwin_wayland", "gdbus", "dbus-daemon", "dbus-monitor"),
    "sway": ("sway", "swaymsg", "waybar", "mako", "makoctl", "gdbus", "dbus-daemon",
             "dbus-monitor", "grim", "foot", "setpriv", "jq", "busctl"),
}


def require(kind: str) -> None:
    """Missing desktop packages: a failure in CI (``.ci/run`` installs them), a skip
    elsewhere."""
    missing = [tool for tool in NEEDS[kind] if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{kind} desktop tools missing: {', '.join(missing)} (.ci/run installs them)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Desktop:
    kind: str
    folder: Path
    env: dict[str, str]
    user: list[str] = field(default_factory=list)  # the prefix that runs a command as the session's uid
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def runtime(self) -> Path:
        return Path(self.env["XDG_RUNTIME_DIR"])

    def start(self, *argv: str, log: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        process = subprocess.Popen([*self.user, *argv], env=env or self.env,
                                   stdout=(self.folder / log).open("w"),
                                   stderr=subprocess.STDOUT, cwd=self.folder)
        self.processes.append(process)
        return process

    def run(self, *argv: str, timeout: float = 10,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([*self.user, *argv], env=env or self.env, capture_output=True,
                                  text=True, timeout=timeout, cwd=self.folder)
        except subprocess.TimeoutExpired as exc:
            return subprocess.CompletedProcess(argv, 124, "", f"timed out: {exc}")

    def tool(self, script: str, *args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, str(TOOLS / script), *args, timeout=timeout)

    def call(self, name: str, path: str, method: str, *args: str) -> str:
        """gdbus call on the session bus; its output, or "" on an error."""
        done = self.run("gdbus", "call", "--session", "-d", name, "-o", path, "-m", method,
                        *args, timeout=5)
        return done.stdout.strip() if done.returncode == 0 else ""

    def has_owner(self, name: str) -> bool:
        return "true" in self.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus.NameHasOwner", name)

    def tray_host(self) -> bool:
        return "true" in self.call(*WATCHER, "org.freedesktop.DBus.Properties.Get",
                                   WATCHER[0], "IsStatusNotifierHostRegistered")

    def shot(self, path: Path):  # type: ignore[no-untyped-def]
        """The whole screen, as a PIL image (also kept at ``path``)."""
        from PIL import Image

        if self.kind == "gnome":
            self.tool("gnome_input.py", f"shot:{path}")
        elif self.kind == "kde":
            self.tool("kde_shot.py", str(path), timeout=10)  # hangs while locked
        else:
            inside = self.folder / "shot.png"
            self.run("grim", str(inside))
            if inside.exists():
                shutil.copy(inside, path)
        if not path.exists():
            raise AssertionError(f"no screenshot of {self.kind}")
        with Image.open(path) as image:
            return image.convert("RGB")

    def click(self, *steps: tuple[int, int, str]) -> None:
        """Clicks on sway or KWin (GNOME: ``gnome_input.py``), one pointer for all, so a
        menu one opens stays for the next."""
        done = self.tool("wl_pointer.py", *(f"{x},{y},{b},1.0" for x, y, b in steps))
        assert done.returncode == 0, done.stdout + done.stderr

    def notifications_sent(self) -> list[dict[str, str]]:
        """Every Notify call to the notification service so far (dbus-monitor's record):
        app, summary, body and the action labels."""
        return notify_calls((self.folder / "notify-calls.log").read_text())

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # stragglers the session started (activated services, Xwayland): found by the
        # session's own runtime folder in their environment, stopped by PID
        marker = f"XDG_RUNTIME_DIR={self.runtime}".encode()
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    if marker in (proc / "environ").read_bytes().split(b"\0"):
                        os.kill(int(proc.name), signal.SIGKILL)
                except (OSError, ProcessLookupError):
                    pass
        shutil.rmtree(self.folder, ignore_errors=True)


def _session(kind: str, *, nobody: bool = False) -> Desktop:
    folder = Path(tempfile.mkdtemp(prefix=f"pw-{kind}-"))
    runtime, home = folder / "rt", folder / "home"
    runtime.mkdir(mode=0o700)
    home.mkdir()
    # A locale every Debian machine has: one the caller names but the machine never
    # generated (LANG=en_US.UTF-8 with no locales installed) makes foot refuse to start.
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS",
                        "DBUS_SYSTEM_BUS_ADDRESS", "SWAYSOCK", "XDG_CURRENT_DESKTOP", "LANGUAGE")
           and not k.startswith("LC_")}
    env.update(LANG="C.UTF-8",
               XDG_RUNTIME_DIR=str(runtime), HOME=str(home), XDG_SESSION_TYPE="wayland",
               DBUS_SESSION_BUS_ADDRESS=f"unix:path={runtime}/bus",
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CACHE_HOME=str(home / ".cache"), XDG_STATE_HOME=str(home / ".local/state"),
               MPLCONFIGDIR=str(home / ".cache/matplotlib"), PYTHONDONTWRITEBYTECODE="1")
    desktop = Desktop(kind, folder, env, AS_NOBODY if nobody else [])
    if nobody:
        folder.chmod(0o755)
        for path in (folder, *folder.rglob("*")):
            os.chown(path, NOBODY, NOBODY)
    return desktop


def _buses(desktop: Desktop, system: bool) -> None:
    desktop.start("dbus-daemon", "--session", "--nofork",
                  f"--address={desktop.env['DBUS_SESSION_BUS_ADDRESS']}", log="bus.log")
    if system:  # GNOME Shell and KWin use logind on the system bus, and die without one
        desktop.env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={desktop.runtime}/system_bus"
        desktop.start("dbus-daemon", "--session", "--nofork",
                      f"--address={desktop.env['DBUS_SYSTEM_BUS_ADDRESS']}", log="sysbus.log")
    poll(lambda: (desktop.runtime / "bus").exists()
         and (not system or (desktop.runtime / "system_bus").exists()), 10, "the buses", 0.05)
    desktop.start("dbus-monitor", "--session",
                  "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
                  log="notify-calls.log")


def _ready(desktop: Desktop, what: str, log: str, *, tray: bool = True) -> None:
    try:
        poll(lambda: (not tray or desktop.tray_host())
             and desktop.has_owner("org.freedesktop.Notifications"), 90, what, 0.2)
    except AssertionError:
        raise AssertionError(f"{what} not ready; it said: "
                             f"{(desktop.folder / log).read_text()[-1500:]}") from None


def gnome(*, appindicator: bool = True) -> Desktop:
    """GNOME Shell 43 --headless; ``appindicator=False``: without the extension (a vanilla
    GNOME: no tray at all), enabled later with :func:`gnome_tray_on`."""
    require("gnome")
    desktop = _session("gnome")
    desktop.env.update(XDG_CURRENT_DESKTOP="GNOME", WAYLAND_DISPLAY="wayland-0")
    try:
        _buses(desktop, system=True)
        # lock screen: LoginManager.canLock() needs a GDM on the system bus
        gdm = desktop.start(sys.executable, str(TOOLS / "fake_gdm.py"), log="gdm.log")
        poll(lambda: "READY" in (desktop.folder / "gdm.log").read_text() or gdm.poll(), 20,
             "the stand-in GDM")
        gnome_tray(desktop, appindicator)
        desktop.run("gsettings", "set", "org.gnome.desktop.notifications", "show-banners",
                    "false")  # do-not-disturb until the test says otherwise
        desktop.start("gnome-shell", "--headless", "--wayland", "--virtual-monitor",
                      f"{W}x{H}", log="shell.log")
        _ready(desktop, "GNOME Shell", "shell.log", tray=appindicator)
    except BaseException:
        desktop.stop()
        raise
    return desktop


def gnome_tray(desktop: Desktop, on: bool) -> None:
    """The AppIndicator extension (Debian's UUID) on or off, through dconf."""
    desktop.run("gsettings", "set", "org.gnome.shell", "enabled-extensions",
                "['ubuntu-appindicators@ubuntu.com']" if on else "[]")


def gnome_do_not_disturb(desktop: Desktop, on: bool) -> None:
    desktop.run("gsettings", "set", "org.gnome.desktop.notifications", "show-banners",
                "false" if on else "true")


def gnome_lock(desktop: Desktop, locked: bool) -> None:
    desktop.call("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver",
                 "org.gnome.ScreenSaver.SetActive" if not locked else "org.gnome.ScreenSaver.Lock",
                 *(["false"] if not locked else []))


def gnome_locked(desktop: Desktop) -> bool:
    return "true" in desktop.call("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver",
                                  "org.gnome.ScreenSaver.GetActive")


def kde() -> Desktop:
    """KDE Plasma 5.27: kwin_wayland --virtual and plasmashell."""
    require("kde")
    desktop = _session("kde")
    # /usr/bin/kwin_wayland carries a file capability (cap_sys_resource) outside this
    # container's bounding set: exec fails with EPERM. A plain copy has none.
    kwin = desktop.folder / "kwin_wayland"
    shutil.copy(shutil.which("kwin_wayland") or "kwin_wayland", kwin)
    desktop.env.update(XDG_CURRENT_DESKTOP="KDE", KDE_FULL_SESSION="true",
                       KDE_SESSION_VERSION="5", QT_QPA_PLATFORM="wayland",
                       WAYLAND_DISPLAY="wayland-kde", KWIN_SCREENSHOT_NO_PERMISSION_CHECKS="1",
                       KWIN_WAYLAND_NO_PERMISSION_CHECKS="1")
    try:
        # the bus gets WAYLAND_DISPLAY and QT_QPA_PLATFORM in its environment: services it
        # activates (kactivitymanagerd) abort without them, and plasmashell gives up
        _buses(desktop, system=True)
        desktop.start(str(kwin), "--virtual", "--width", str(W), "--height", str(H),
                      "--socket", "wayland-kde", "--xwayland", log="kwin.log")
        poll(lambda: (desktop.runtime / "wayland-kde").exists(), 30, "kwin", 0.05)
        desktop.start("plasmashell", log="plasma.log")
        _ready(desktop, "Plasma", "plasma.log")
    except BaseException:
        desktop.stop()
        raise
    return desktop


def kde_do_not_disturb(desktop: Desktop, on: bool) -> None:
    """Plasma's do-not-disturb is the freedesktop Inhibit(), held while the inhibiting
    connection lives: a small process holds it."""
    if on:
        desktop.start(sys.executable, "-c", INHIBIT, log="inhibit.log")
        poll(lambda: "inhibited" in (desktop.folder / "inhibit.log").read_text(), 10,
             "the inhibition")
    else:
        holder = next(p for p in desktop.processes if "-c" in p.args and INHIBIT in p.args)
        holder.terminate()
        holder.wait(timeout=5)
        desktop.processes.remove(holder)


INHIBIT = """
import asyncio
from dbus_fast.aio import MessageBus
async def main():
    bus = await MessageBus().connect()
    path = "/org/freedesktop/Notifications"
    n = bus.get_proxy_object("org.freedesktop.Notifications", path,
        await bus.introspect("org.freedesktop.Notifications", path)).get_interface(
        "org.freedesktop.Notifications")
    await n.call_inhibit("posturewatch-tests", "do not disturb", {})
    print("inhibited", await n.get_inhibited(), flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""

SWAY_CONFIG = f"""output HEADLESS-1 resolution {W}x{H} position 0 0 bg #204060 solid_color
xwayland enable
"""
WAYBAR_CONFIG = {"layer": "top", "position": "top", "height": 34,
                 "modules-left": ["sway/workspaces", "sway/window"],
                 "modules-right": ["tray", "clock"],
                 "tray": {"icon-size": 22, "spacing": 8},
                 "clock": {"format": "{:%H:%M}", "interval": 30}}
WAYBAR_STYLE = ('* { font-family: "DejaVu Sans"; font-size: 13px; }\n'
                "window#waybar { background: #303030; color: #ffffff; }\n")
MAKO_CONFIG = "font=DejaVu Sans 11\nwidth=420\n\n[mode=do-not-disturb]\ninvisible=1\n"


def sway() -> Desktop:
    """sway 1.7 with waybar (tray) and mako (notifications), all as ``nobody``."""
    require("sway")
    desktop = _session("sway", nobody=True)
    folder = desktop.folder
    desktop.env.update(XDG_CURRENT_DESKTOP="sway", WAYLAND_DISPLAY="wayland-1",
                       SWAYSOCK=str(desktop.runtime / "sway.sock"))
    (folder / "sway.conf").write_text(SWAY_CONFIG)
    (folder / "waybar.json").write_text(json.dumps(WAYBAR_CONFIG))
    (folder / "waybar.css").write_text(WAYBAR_STYLE)
    mako = Path(desktop.env["XDG_CONFIG_HOME"]) / "mako"
    mako.mkdir(parents=True)
    (mako / "config").write_text(MAKO_CONFIG)
    for path in (folder, *folder.rglob("*")):
        os.chown(path, NOBODY, NOBODY)
    try:
        _buses(desktop, system=False)
        compositor = dict(desktop.env, WLR_BACKENDS="headless", WLR_LIBINPUT_NO_DEVICES="1")
        compositor.pop("WAYLAND_DISPLAY")
        desktop.start("sway", "-c", str(folder / "sway.conf"), log="sway.log", env=compositor)
        poll(lambda: desktop.run("swaymsg", "-t", "get_version").returncode == 0
             and (desktop.runtime / "wayland-1").exists(), 30, "sway")
        desktop.start("waybar", "-c", str(folder / "waybar.json"), "-s",
                      str(folder / "waybar.css"), log="waybar.log")
        desktop.start("mako", log="mako.log")
        poll(lambda: desktop.run("makoctl", "mode").returncode == 0, 30, "mako")
        _ready(desktop, "waybar", "waybar.log")
    except BaseException:
        desktop.stop()
        raise
    return desktop


def mako_do_not_disturb(desktop: Desktop, on: bool) -> None:
    desktop.run("makoctl", "mode", "-a" if on else "-r", "do-not-disturb")


def mako_shown(desktop: Desktop) -> list[dict]:
    """The notifications mako shows (its list)."""
    done = desktop.run("makoctl", "list")
    return json.loads(done.stdout)["data"][0] if done.returncode == 0 else []


def find_colour(image, colour: tuple[int, int, int], box: tuple[int, int, int, int],  # type: ignore[no-untyped-def]
                tolerance: int = 40) -> tuple[int, int, int] | None:
    """(x, y, pixels) of the centre of the pixels near ``colour`` inside ``box``, or None
    under 20 such pixels."""
    x0, y0, x1, y1 = box
    crop = image.crop(box).load()
    hits = [(x, y) for y in range(y1 - y0) for x in range(x1 - x0)
            if all(abs(c - t) <= tolerance for c, t in zip(crop[x, y], colour, strict=True))]
    if len(hits) < 20:
        return None
    return (x0 + sum(x for x, _ in hits) // len(hits), y0 + sum(y for _, y in hits) // len(hits),
            len(hits))
