"""The background monitor: the loop that drives devices and time for a watch session.

It owns what touches the world: the clocks (suspends, the local offset), the camera (its
health, retries with backoff, let go while paused), the pipeline every sampled frame is
pushed through (one for the monitor's life, so settling, the self-baseline, the presence
memory and a stale calibration carry across commands), how often it looks, and the saved
settings it reloads. What those frames, commands and clocks *mean* for the person's day
is the watch session's (``core/watch/session.py``): the monitor hands it each settled
frame, command, camera loss and suspend, and hands what happened to the sinks (history
store, status mailbox, the events the tray and notifications read, any added), each kept
from stopping the loop when it fails.

It runs in a worker thread of its own; the tray (or the headless printer) owns the main
thread. The two talk only through messages: commands go in with :meth:`Monitor.submit` (a
queue, plus an event that wakes the loop between two frames), and the monitor hands out
frozen values: ``events`` and the latest :class:`Status` for ``posturewatch status``.

Time: frames carry the timeline ``t`` (elapsed seconds, suspends included, see
:mod:`posturewatch.core.day_clock`), whose :class:`DayClock` is the session's calendar.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence

from posturewatch.app.analysis import FrameResult, Pipeline
from posturewatch.app.clock import Clock
from posturewatch.app.grabbers import Grabber, SourceEnded
from posturewatch.app.held_camera import HeldCamera
from posturewatch.app.history_sink import HistorySink
from posturewatch.app.monitor_messages import (  # re-exported: callers import them here
    Calibrate,
    Command,
    Event,
    Notice,
    Outcome,
    Pause,
    Quit,
    Reload,
    ReminderDue,
    Resume,
    Snooze,
    StatusChanged,
    Stopped,
)
from posturewatch.app.sinks import Sink, SinkDispatcher
from posturewatch.app.status_events import EventQueue, LatestStatus, StatusBox
from posturewatch.capture.pose import PoseEstimator
from posturewatch.capture.sources import Frame
from posturewatch.core.baseline import Baseline
from posturewatch.core.camera_health import CameraSettings
from posturewatch.core.day_clock import DayClock
from posturewatch.core.guidance import Catalog
from posturewatch.core.monitor_status import Status
from posturewatch.core.sampling import SamplingSettings
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.happened import Happened
from posturewatch.core.watch.session import WatchSession
from posturewatch.errors import PostureWatchError, SourceError

__all__ = [
    "Calibrate", "Command", "Event", "Monitor", "Notice", "Outcome", "Pause", "Quit",
    "Reload", "ReminderDue", "Resume", "Snooze", "StatusChanged", "Stopped",
]

log = logging.getLogger(__name__)

CONFIG_CHECK_S = 2.0  # how often a saved change to the settings is looked for (a stat)
PAUSE_WRITE_S = 60.0  # a pause going on is written this often (a crash loses no more)


class Monitor:
    """Build it, run :meth:`run` in a worker thread, talk to it with :meth:`submit`."""

    def __init__(
        self,
        settings: Settings,
        *,
        open_grabber: Callable[[], Grabber],
        estimator: PoseEstimator,
        baseline: Baseline | None,
        catalog: Catalog,
        clock: Clock,
        history: HistorySink,
        source_name: str,
        config_changed: Callable[[], Settings | None] | None = None,
        sinks: Sequence[Sink] = (),
    ) -> None:
        """``history`` is the sink that keeps the history (and says where the last run
        stopped); ``sinks`` are more sinks, called after the built-in ones."""
        self.settings = settings
        self.events: queue.Queue[Event] = queue.Queue()
        self._commands: queue.SimpleQueue[tuple[Command, threading.Event | None]] = \
            queue.SimpleQueue()
        self._wake = threading.Event()
        self._catalog, self._clock = catalog, clock
        self._history, self._source_name = history, source_name
        self._config_changed = config_changed
        self._day = DayClock(clock.read(), min_suspend_s=min(5.0, settings.sitting.max_gap_s / 2))
        self._session = WatchSession(settings, catalog, self._day, source=source_name,
                                     pid=os.getpid(), calibrated=baseline is not None)
        self._pipeline = Pipeline(estimator, baseline, settings.classifier, stance=settings.stance)
        self._sampling = SamplingSettings(settings.monitor.interval_s,
                                          settings.monitor.slow_interval_s)
        self._camera = HeldCamera(open_grabber, CameraSettings(
            settings.monitor.camera_retry_min_s, settings.monitor.camera_retry_max_s))
        self._stopping = False
        self._now = 0.0
        self._due: float | None = None  # when the next frame is grabbed (None: at once)
        self._next_config_check = 0.0
        self._latest = LatestStatus(self._session.status(
            0.0, history="ok" if history.keeps else "off"))
        self._sinks = SinkDispatcher([history, StatusBox(self._latest),
                                      EventQueue(self.events), *sinks])

    # -- the outside world's side --------------------------------------------------------

    def submit(self, command: Command, done: threading.Event | None = None) -> None:
        """Thread-safe: queue a command and wake the loop; ``done`` is set once it has
        been carried out and the status reflects it."""
        self._commands.put((command, done))
        self._wake.set()

    def stop(self) -> None:
        self.submit(Quit())

    def status(self) -> Status:
        """The newest snapshot (thread-safe)."""
        return self._latest.get()

    # -- the loop ------------------------------------------------------------------------

    def run(self) -> None:
        error: str | None = None
        try:
            self._loop()
        except PostureWatchError as exc:
            error = str(exc)
        except Exception as exc:  # the tray must hear of it, not hang
            log.exception("monitor stopped by an unexpected error")
            error = f"monitor stopped by an unexpected error: {exc!r}"
        finally:
            self._camera.release()
            while not self._commands.empty():  # nobody waits in vain for a stopped monitor
                _, done = self._commands.get_nowait()
                if done is not None:
                    done.set()
            try:
                if error is None:
                    self._flush()
                self._hand(self._session.close(self._now))
            except Exception:  # whatever happened must not hide why the loop stopped
                log.exception("the last results were not handed on")
            self._sinks.close(self._now)
            self.events.put(Stopped(error))

    def _loop(self) -> None:
        self._sinks.begin(self._day, self._source_name)
        try:
            carry = self._sinks.carry(self._day, self.settings.sitting.min_break_s)
            self._session.carry_on(carry)
        except Exception:  # a restart that cannot read the past still watches
            log.exception("the last run's state was not read")
        self._tick()
        self._publish()
        while not self._stopping:
            self._handle_commands()
            if self._stopping:
                break
            self._check_config()
            now = self._tick()
            if self._session.paused:
                ends = self._session.pause_ends_at
                if ends is not None and now < ends:
                    self._idle(min(ends - now, PAUSE_WRITE_S))
                    now = self._tick()
                self._hand(self._session.tick(now))  # over: watching again; else kept current
                continue
            if not self._camera.held and not self._open(now):
                continue
            self._watch()

    def _tick(self) -> float:
        """Read the clocks: timeline now, suspends, a new local offset (DST, clock set)."""
        reading = self._clock.read()
        suspend = self._day.step(reading)
        if suspend is not None:
            log.info("suspended for %.0f s", suspend.seconds)
            self._session.suspended(suspend.seconds)
        self._now = self._day.t(reading)
        return self._now

    def _idle(self, seconds: float) -> None:
        self._clock.wait(self._wake, seconds)

    def _open(self, now: float) -> bool:
        if now < self._camera.health.next_try:
            self._hand(self._session.tick(now))  # the lost camera's time
            self._publish()
            self._idle(self._camera.health.next_try - now)
            return False
        try:
            self._camera.open()
        except SourceError as exc:
            self._camera_failed(now, exc.problem)
            return False
        return True

    def _watch(self) -> None:
        """Watch until a command, a camera failure or the end of the recording: grab a
        frame when due and push it through the pipeline."""
        while not self._wake.is_set():
            if self._due is not None:
                wait = self._due - self._tick()
                if wait > 0 and self._clock.wait(self._wake, wait):
                    return
            t = self._tick()
            try:
                rgb = self._camera.read()
            except SourceEnded:
                log.info("the recording has ended")
                self._flush()
                self._stopping = True
                return
            except SourceError as exc:
                self._flush()
                self._camera_failed(self._tick(), exc.problem)
                return
            for result in self._pipeline.push(Frame(t, rgb)):
                self._on_result(result)
            self._due = t + min(self._sampling.wait_s(self._pipeline.unsure),
                                self._session.closer_look_s)

    def _flush(self) -> None:
        """Watching stops: the frames still settling are judged now."""
        for result in self._pipeline.flush():
            self._on_result(result)

    def _on_result(self, result: FrameResult) -> None:
        self._tick()  # a suspend just ended must be known before this frame is fed
        self._camera.frames_again(result.t)
        self._hand(self._session.frame(result))
        if result.t >= self._next_config_check:
            self._next_config_check = result.t + CONFIG_CHECK_S
            self._check_config()
        self._publish()

    def _camera_failed(self, now: float, problem: str) -> None:
        self._camera.failed(now, problem)
        self._hand(self._session.camera_lost(now, problem))
        self._publish()

    # -- commands and settings -----------------------------------------------------------

    def _handle_commands(self) -> None:
        self._wake.clear()
        while not self._commands.empty():
            command, done = self._commands.get_nowait()
            now = self._tick()
            match command:
                case Quit():
                    self._stopping = True
                case Reload(settings):
                    self._apply(settings)
                case _:
                    if isinstance(command, Pause):
                        self._flush()  # what was settling was seen before the pause
                    was_paused = self._session.paused
                    self._hand(self._session.command(now, command))
                    if self._session.paused:
                        self._camera.release()  # the camera light goes off while paused
                    elif was_paused or isinstance(command, Calibrate):
                        self._due = None  # look at once
            self._publish()
            if done is not None:
                done.set()

    def _apply(self, settings: Settings) -> None:
        """Reloaded settings: the pipeline and the session go on with them."""
        self.settings = settings
        self._sampling = SamplingSettings(settings.monitor.interval_s,
                                          settings.monitor.slow_interval_s)
        self._pipeline.reconfigure(settings.classifier, settings.stance)
        log.info("settings reloaded from %s", ", ".join(settings.files))
        self._hand(self._session.reconfigure(settings, self._catalog))

    def _check_config(self) -> None:
        if self._config_changed is None:
            return
        try:
            settings = self._config_changed()
        except PostureWatchError as exc:  # the notice is logged where it is shown, once
            self._sinks.send(Notice("Settings not reloaded", f"{exc}. The old settings stay.",
                                    logging.ERROR))
            return
        if settings is not None:
            self._apply(settings)

    # -- what happened, to the sinks -----------------------------------------------------

    def _hand(self, happened: Happened) -> None:
        self._sinks.send(*happened)
        if (baseline := happened.calibrated) is not None:
            self._pipeline.recalibrate(baseline)  # judged against it from the next frame

    def _history_state(self) -> str:
        return self._sinks.failing.get(self._history.name, "ok") if self._history.keeps \
            else "off"

    def _publish(self) -> None:
        for name, problem in self._sinks.check(self._now).items():
            if name != self._history.name:
                log.warning("%s: %s", name, problem)
            else:  # the notice is logged where it is shown
                self._sinks.send(Notice(*self._history.notice(problem), logging.WARNING))
        self._sinks.send(self._session.publish(self._now, history=self._history_state()))

