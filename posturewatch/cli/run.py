"""``posturewatch run``: the background monitor, in the tray or headless."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from posturewatch.cli import frame_input
from posturewatch.cli.parsing import add_command, camera_arg, path_arg
from posturewatch.errors import ConfigError, PostureWatchError, SourceError
from posturewatch.interrupts import INTERRUPTED

if TYPE_CHECKING:
    from collections.abc import Callable

    from posturewatch.app.control import ControlServer, InstanceLock
    from posturewatch.app.monitor import Monitor
    from posturewatch.app.monitor_messages import Notice
    from posturewatch.core.typed_settings import Settings
    from posturewatch.desktop.screen_lock import ScreenLockWatch

log = logging.getLogger(__name__)

EPILOG = """examples:
  posturewatch run                        watch webcam 0 from the tray
  posturewatch run --camera 1 --headless  no tray: state changes and reminders printed
  posturewatch run --source demo.mp4      replay a recording in real time (tests, demos)
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(
        sub, "run",
        help="the background monitor: tray icon, reminders, history",
        description="Watch the webcam every few seconds and remind you to move, stretch "
        "and sit tall. One monitor per user; control it with status, pause, resume, snooze "
        "and calibrate, or from the tray menu. Ctrl-C, SIGTERM or Quit stop it.",
        epilog=EPILOG,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--camera", type=camera_arg, metavar="N", default=0,
                       help="webcam index or device path (default: 0)")
    where.add_argument("--source", type=path_arg, metavar="PATH",
                       help="replay a recording in real time instead of a webcam")
    parser.add_argument("--headless", action="store_true",
                        help="no tray: print state changes and reminders")
    parser.add_argument("--baseline", type=path_arg, metavar="FILE",
                        help="a baseline file (default: your saved calibration); a guided "
                        "calibration while running updates it")
    parser.add_argument("--model", type=path_arg, metavar="FILE", help="a pose .task file to use")
    store = parser.add_mutually_exclusive_group()
    store.add_argument("--store", type=path_arg, metavar="PATH",
                       help="the history store to write (default: your data folder)")
    store.add_argument("--no-store", action="store_true", help="keep no history")
    parser.set_defaults(func=run)


def has_display() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    from posturewatch.app.control import ControlServer, InstanceLock
    from posturewatch.app.live import LiveOptions, live_monitor
    from posturewatch.capture import no_network
    from posturewatch.storage.logs import log_to_file
    from posturewatch.storage.paths import user_config_file

    headless = args.headless
    if not headless and not has_display():
        print("posturewatch: no display found, running headless (state changes and "
              "reminders print here)", file=sys.stderr)
        headless = True
    config, unread = _settings(args)
    if args.source is not None:
        _check_recording(args.source)
    lock = InstanceLock()
    lock.acquire()
    try:
        log_file = log_to_file()
        log.info("monitor starting; log in %s", log_file)
        options = LiveOptions(config, frame_input.model_path(args, config), camera=args.camera,
                              recording=args.source, baseline=args.baseline, store=args.store,
                              keep_history=not args.no_store, config_file=args.config)
        if not headless:  # the browser and editor the tray opens keep their network
            no_network.keep_a_way_out(config_file=user_config_file())
        with live_monitor(options) as monitor:
            if unread is not None:  # said where notices are shown, once the desk is up
                monitor.events.put(unread)
            server = ControlServer(monitor)
            started = Started(options.source_name, log_file)
            try:
                error = _serve(monitor, server, lock, headless=headless, args=args,
                               started=started)
            finally:
                server.close()
    finally:
        no_network.close_the_way_out()
        lock.release()
    if error is not None:
        raise PostureWatchError(error)
    if started.signal is None and args.source is not None:  # it ends by itself only so
        started.stopped_by("the recording has ended")
    return _stopped(started.signal)


def _check_recording(path: Path) -> None:
    """A recording that is not there, or that cannot be decoded (a text file), is one
    line now, as for `analyze`: replayed, it was a camera problem retried forever."""
    from posturewatch.capture.sources import VideoFile

    if not path.is_file():
        raise SourceError(f"no recording at {path}", "check the path given to --source")
    VideoFile(path, fps=0).close()


def _settings(args: argparse.Namespace) -> tuple[Settings, Notice | None]:
    """The settings ``run`` starts with. A bad edit does not keep the monitor from
    starting (under autostart that would be no monitor and no message): without the file
    that is wrong, and a notice saying so; a saved fix is picked up while running."""
    from posturewatch.app.monitor_messages import Notice
    from posturewatch.storage.config_file import load_settings

    try:
        return frame_input.load(args), None
    except ConfigError as exc:
        problem = exc

    def said(kept: str) -> Notice:
        return Notice("Settings not read", f"{problem}. Watching with {kept} until it is "
                      "fixed; a saved change is picked up.", logging.WARNING)

    # with --config, either file may be the wrong one: your own file alone, else the
    # --config file alone; else (or without --config) the defaults
    tries = [] if args.config is None else [(None, True, "your config file"),
                                            (args.config, False, f"{args.config} alone")]
    for path, user, kept in tries:
        try:
            return load_settings(path, user=user), said(kept)
        except ConfigError:
            continue
    return load_settings(user=False), said("the default settings")


class Started:
    """The one line ``run`` prints once it is up, and what stopped it: a signal's number,
    "Quit" (the tray menu), or None (the monitor ended by itself)."""

    def __init__(self, source_name: str, log_file: object) -> None:
        self.source_name, self.log_file = source_name, log_file
        self.signal: int | str | None = None

    def say(self, where: str, stop: str) -> None:
        print(f"posturewatch: running ({self.source_name}): {where}; log: {self.log_file}; "
              f"stop: {stop}", file=sys.stderr, flush=True)

    def stopped_by(self, what: int | str) -> None:
        if self.signal is None:  # the first reason counts
            self.signal = what


def _stopped(by: int | str | None) -> int:
    """The one closing line: Ctrl-C exits 130 like any other command; SIGTERM (a logout,
    ``kill``) and Quit are the asked-for way to stop, exit 0; the end of a recording, or
    another monitor having taken over, is said too."""
    if by == signal.SIGINT:
        print("posturewatch: interrupted", file=sys.stderr)
        return INTERRUPTED
    if by == signal.SIGTERM or by == "Quit":
        how = f" ({'SIGTERM' if by == signal.SIGTERM else by})"
    else:
        how = f": {by}" if isinstance(by, str) else ""
    print(f"posturewatch: stopped{how}", file=sys.stderr)
    return 0


def _serve(monitor: Monitor, server: ControlServer, lock: InstanceLock, *, headless: bool,
           args: argparse.Namespace, started: Started) -> str | None:
    """Run the monitor in a worker thread; the tray or the printer in this one."""
    from posturewatch.desktop.desk import Desk, DeskHooks
    from posturewatch.desktop.look_launcher import LookLauncher, look_command

    worker = threading.Thread(target=monitor.run, name="monitor")
    window = LookLauncher(look_command(args.camera, args.source, config=args.config,
                                       baseline=args.baseline, model=args.model), monitor.submit)
    done = threading.Event()
    desk = Desk(monitor, monitor.settings, DeskHooks(
        summary=lambda: _open_summary(args), open_config=_open_config, started=started.say,
        quit=lambda: started.stopped_by("Quit"), look=window.show), headless=headless)

    def on_signal(signum: int, frame: object) -> None:
        log.info("signal %d: stopping", signum)
        started.stopped_by(signum)
        monitor.stop()
        desk.stop()

    def taken_over() -> None:
        started.stopped_by("another monitor took over while the runtime folder was gone")
        monitor.stop()
        desk.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    screen_lock = _follow_the_lock(monitor)
    server.start()  # commands (and so tests) reach it only once a signal stops it cleanly
    worker.start()
    threading.Thread(target=_keep_reachable, args=(lock, server, done, taken_over),
                     name="runtime keeper", daemon=True).start()
    try:
        return desk.run()
    finally:
        if screen_lock is not None:
            screen_lock.stop()
        window.close()
        done.set()
        monitor.stop()
        worker.join(timeout=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _follow_the_lock(monitor: Monitor) -> ScreenLockWatch | None:
    """The desktop's screen lock, reported to the monitor (``desk.screen_lock``)."""
    if not monitor.settings.desk.screen_lock or sys.platform != "linux":
        return None
    from posturewatch.desktop.screen_lock import ScreenLockWatch

    watch = ScreenLockWatch(monitor.submit)
    watch.start()
    return watch


KEEP_EVERY_S = 1.0  # how often the runtime folder's files are looked at (a few stats)


def _keep_reachable(lock: InstanceLock, server: ControlServer, done: threading.Event,
                    taken_over: Callable[[], None]) -> None:
    """The runtime folder can go while the monitor runs (logind at logout, a cleaner of
    temporary files): its lock, pid, socket and key are made again within a second, so a
    second ``run`` is still refused and commands still reach this one. Should another
    monitor have taken the lock in that second, this one stops."""
    from posturewatch.app.control import AlreadyRunning

    failing = False
    while not done.wait(KEEP_EVERY_S):
        try:
            made = []
            if lock.lost():
                lock.retake()
                made.append("lock")
            if server.lost():
                server.renew()
                made.append("control socket")
            if made:
                log.warning("the monitor's %s in %s went (a logout, a cleaner?): made again",
                            " and ".join(made), lock.path.parent)
            failing = False
        except AlreadyRunning as exc:
            log.error("%s: this monitor stops", exc.problem)
            taken_over()
            return
        except (OSError, PostureWatchError) as exc:
            if not failing:
                log.warning("cannot make the runtime folder's files again (%s); retrying",
                            exc)
            failing = True


def _open_config() -> None:
    """From the tray there is no terminal: $VISUAL if set (a graphical editor), else the
    desktop's own handler for the file. A saved change is picked up while running."""
    from posturewatch.capture.no_network import start_outside
    from posturewatch.cli.config import NEW_FILE, editor
    from posturewatch.storage.atomic import write_atomic
    from posturewatch.storage.paths import user_config_file

    path = user_config_file()
    if not path.exists():
        write_atomic(path, NEW_FILE)
    if sys.platform == "win32" and not os.environ.get("VISUAL"):
        os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    command = [*editor(), str(path)] if os.environ.get("VISUAL") else [opener, str(path)]
    try:  # not from this process: the network block would follow the editor
        start_outside(command)
    except OSError as exc:
        log.warning("cannot open %s (%s): edit it with `posturewatch config edit`", path, exc)


def summary_file() -> Path:
    """Where the tray's summary is written: one file in the cache folder, replaced on each
    click, not a new file in whatever folder ``run`` was started from (the home folder,
    under autostart)."""
    from posturewatch.storage.paths import user_cache_dir

    return user_cache_dir() / "report-today.html"


def summary_command(args: argparse.Namespace) -> list[str]:
    """``posturewatch report --open`` on the store and settings this monitor runs with,
    written to :func:`summary_file`."""
    config = getattr(args, "config", None)
    store = getattr(args, "store", None)
    return [sys.executable, "-m", "posturewatch",
            *(["--config", str(config)] if config is not None else []),
            "report", "--open", "--out", str(summary_file()),
            *(["--store", str(store)] if store is not None else [])]


def _open_summary(args: argparse.Namespace) -> None:
    """Today's report from the history store, in the browser (``posturewatch report``),
    started outside the network block: a browser it starts must keep its network."""
    from posturewatch.capture.no_network import start_outside
    from posturewatch.storage.private import private_folder

    try:
        private_folder(summary_file().parent)
        start_outside(summary_command(args))
    except OSError as exc:
        log.warning("cannot make today's summary (%s): try `posturewatch report --open`", exc)
