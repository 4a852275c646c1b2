"""Small watchers of the desk's devices, each in a daemon thread, reporting facts only
(``core/watch/devices.py``) to the monitor's queue; what the facts mean is the watch
session's. Linux; elsewhere they are not started (docs/USAGE.md says what is missing).

- :class:`CameraNodeWatch`: another process opening the camera's device node (a recording
  given to ``run --source`` stands in for it with its own file). inotify says that the
  node was opened or closed, not by whom; the monitor's own opens are told apart by its
  own open descriptors (``/proc/self/fd``), and only an open nobody here accounts for
  starts a scan of ``/proc/*/fd`` for the holder (a user sees their own processes, which
  is where their call app runs). Another ``posturewatch`` command (a ``look`` window,
  ``calibrate --camera``) holding it is ours: the camera is lent, but it is no call.
- :class:`MicrophoneWatch`: a recording stream on the sound server (PulseAudio, or
  PipeWire's pulse server) from a microphone: not from a monitor of the speakers (a screen
  recorder), not a level meter ("Peak detect"), not paused (corked). Through libpulse
  (``pulsectl``), woken by the server's own events.
- :class:`BatteryWatch`: on battery, read from ``/sys/class/power_supply`` every half
  minute (no mains or USB supply online, and a battery present).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from posturewatch.core.watch.devices import CameraInUse, DeviceFact, MicrophoneInUse, OnBattery

log = logging.getLogger(__name__)

Report = Callable[[DeviceFact], None]
POWER = Path("/sys/class/power_supply")
BATTERY_EVERY_S = 30.0
SOUND_RETRY_S = 30.0


class Watcher:
    """A daemon thread that reports a fact whenever it changes."""

    name = "watcher"

    def __init__(self, report: Report) -> None:
        self._report = report
        self._stop = threading.Event()
        self._said: DeviceFact | None = None
        self._thread = threading.Thread(target=self._guarded, name=self.name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _say(self, fact: DeviceFact) -> None:
        if fact != self._said:
            self._said = fact
            self._report(fact)

    def _guarded(self) -> None:
        try:
            self._run()
        except Exception:  # a watcher that breaks leaves the monitor as it was
            log.exception("%s stopped", self.name)

    def _run(self) -> None:
        raise NotImplementedError


# -- the camera's device node --------------------------------------------------------------


def holders(node: str, me: int) -> list[tuple[int, str, bool]]:
    """Every other process with ``node`` open: (pid, name, ours), from ``/proc/*/fd``;
    ``ours``: a posturewatch command."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == me:
            continue
        try:
            if not any(os.readlink(fd) == node for fd in (proc / "fd").iterdir()):
                continue
            command = (proc / "cmdline").read_bytes().split(b"\0")
            name = (proc / "comm").read_text().strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        ours = any(part.endswith(b"posturewatch") or part == b"posturewatch.__main__"
                   for part in command)
        found.append((int(proc.name), f"{'posturewatch' if ours else name} (pid {proc.name})",
                      ours))
    return found


def own_opens(node: str) -> int:
    """How many descriptors this process has open on ``node``."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += os.readlink(fd) == node
        except OSError:
            continue
    return count


class CameraNodeWatch(Watcher):
    name = "camera node watch"

    def __init__(self, node: Path, report: Report) -> None:
        super().__init__(report)
        self.node = node
        self._open = 0  # opens minus closes inotify has told, everyone's
        self._others = False

    def _run(self) -> None:
        from inotify_simple import INotify, flags

        watching = flags.OPEN | flags.CLOSE_WRITE | flags.CLOSE_NOWRITE | flags.DELETE_SELF \
            | flags.MOVE_SELF
        with INotify() as inotify:
            watch: int | None = None
            while not self._stop.is_set():
                if watch is None:
                    try:
                        watch = inotify.add_watch(self.node, watching)
                    except OSError:  # no camera (yet): it may be plugged in
                        self._stop.wait(5.0)
                        continue
                    self._check(os.path.realpath(self.node))
                events = inotify.read(timeout=1000)
                while events and (more := inotify.read(timeout=100)):  # one burst at a time
                    events += more
                for event in events:
                    self._open += bool(event.mask & flags.OPEN)
                    self._open -= bool(event.mask & (flags.CLOSE_WRITE | flags.CLOSE_NOWRITE))
                    if event.mask & (flags.DELETE_SELF | flags.MOVE_SELF | flags.IGNORED):
                        watch = None
                node = os.path.realpath(self.node)
                if events and (self._others or self._open > own_opens(node)):
                    self._check(node)

    def _check(self, node: str) -> None:
        """Who has it: a scan, only when an open is not ours (or another app had it)."""
        found = holders(node, os.getpid())
        self._open = len(found) + own_opens(node)
        self._others = bool(found)
        by = ", ".join(name for _, name, _ in found) or None
        self._say(CameraInUse(by, ours=bool(found) and all(o for _, _, o in found)))


# -- the microphone --------------------------------------------------------------------------


def recording_apps(pulse: object) -> list[str]:
    """The apps recording from a microphone now (``pulse``: a connected pulsectl.Pulse)."""
    sources = {s.index: s for s in pulse.source_list()}  # type: ignore[attr-defined]
    apps = []
    for stream in pulse.source_output_list():  # type: ignore[attr-defined]
        source = sources.get(stream.source)
        props = stream.proplist
        if stream.corked or props.get("media.name") == "Peak detect":
            continue
        if source is None or source.name.endswith(".monitor") or \
                source.monitor_of_sink != 0xFFFFFFFF:
            continue
        if props.get("application.process.id") == str(os.getpid()):
            continue
        apps.append(props.get("application.name") or stream.name or "an app")
    return apps


class MicrophoneWatch(Watcher):
    name = "microphone watch"

    def _run(self) -> None:
        import pulsectl

        while not self._stop.is_set():
            try:
                with pulsectl.Pulse("posturewatch", connect=False) as pulse:
                    pulse.connect()
                    self._pulse = pulse
                    pulse.event_mask_set("source_output")
                    pulse.event_callback_set(self._woken)
                    while not self._stop.is_set():
                        apps = recording_apps(pulse)
                        self._say(MicrophoneInUse(", ".join(dict.fromkeys(apps)) or None))
                        pulse.event_listen(timeout=SOUND_RETRY_S)
            except pulsectl.PulseError as exc:  # no sound server (yet), or it went away
                log.debug("no sound server: %s", exc)
                self._say(MicrophoneInUse(None))
                self._stop.wait(SOUND_RETRY_S)

    @staticmethod
    def _woken(event: object) -> None:
        import pulsectl

        raise pulsectl.PulseLoopStop

    def stop(self) -> None:
        super().stop()
        pulse = getattr(self, "_pulse", None)
        if pulse is not None:
            pulse.event_listen_stop()


# -- the power supply ------------------------------------------------------------------------


def on_battery(power: Path = POWER) -> bool:
    """No mains or USB supply online, and a battery present (a desktop has none)."""
    kinds: dict[str, list[Path]] = {}
    for supply in power.glob("*"):
        try:
            kinds.setdefault((supply / "type").read_text().strip(), []).append(supply)
        except OSError:
            continue
    for supply in kinds.get("Mains", []) + kinds.get("USB", []):
        try:
            if (supply / "online").read_text().strip() == "1":
                return False
        except OSError:
            continue
    return bool(kinds.get("Battery"))


class BatteryWatch(Watcher):
    name = "battery watch"

    def __init__(self, report: Report, power: Path = POWER) -> None:
        super().__init__(report)
        self.power = power

    def _run(self) -> None:
        while not self._stop.is_set():
            self._say(OnBattery(on_battery(self.power)))
            self._stop.wait(BATTERY_EVERY_S)


def camera_node(camera: int | str, recording: Path | None) -> Path | None:
    """The node whose opens by others mean the camera is taken: ``/dev/videoN``, a device
    path, or the recording that stands in for the camera."""
    if recording is not None:
        return recording.resolve()
    if isinstance(camera, int):
        return Path(f"/dev/video{camera}")
    return Path(camera) if camera.startswith("/") else None


def desk_watchers(report: Report, *, calls: bool, battery: bool, node: Path | None
                  ) -> list[Watcher]:
    """The watchers this platform has, as the settings ask (Linux only)."""
    if not sys.platform.startswith("linux"):
        return []
    watchers: list[Watcher] = []
    if calls:
        if node is not None:
            watchers.append(CameraNodeWatch(node, report))
        watchers.append(MicrophoneWatch(report))
    if battery:
        watchers.append(BatteryWatch(report))
    return watchers
