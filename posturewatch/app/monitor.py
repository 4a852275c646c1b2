"""The background monitor: the loop that drives devices and time for a watch session.

It owns what touches the world: the clocks (suspends, the local offset), the camera
(opened for each look and let go after it, ``app/held_camera.py``: its health, retries
with backoff), the pipeline every sampled frame is pushed through (one for the monitor's
life, so settling, the self-baseline, the presence memory and a stale calibration carry
across commands), when it looks (``core/sampling.py``), and the saved settings it
reloads. What those frames, commands, device facts (a call, a lock, the battery, from the
watchers in ``app/desk_watchers.py`` and ``desktop/screen_lock.py``) and clocks *mean* for
the person's day is the watch session's (``core/watch/session.py``): the monitor hands it
each settled frame, command, fact, camera loss and suspend, and hands what happened to
the sinks (history store, status mailbox, the events the tray and notifications read,
any added), each kept from stopping the loop when it fails.

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
from posturewatch.core.sampling import Next, SamplingSettings
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.devices import (
    DEVICE_FACTS,
    CameraInUse,
    MicrophoneInUse,
    ScreenLocked,
    WindowOpen,
)
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
FACTS_FED_S = 10.0  # a call or lock going on is fed to the session this often
STOPS_WATCHING = (Pause, CameraInUse, MicrophoneInUse, ScreenLocked, WindowOpen)


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
        self._saved = SavedSettings(config_changed, lambda notice: self._sinks.send(notice))
        self._day = DayClock(clock.read(), min_suspend_s=min(5.0, settings.sitting.max_gap_s / 2))
        self._session = WatchSession(settings, catalog, self._day, source=source_name,
                                     pid=os.getpid(), calibrated=baseline is not None)
        self._pipeline = Pipeline(estimator, baseline, settings.classifier, stance=settings.stance)
        self._sampling = sampling_of(settings)
        self._camera = HeldCamera(open_grabber, CameraSettings(
            settings.monitor.camera_retry_min_s, settings.monitor.camera_retry_max_s),
            settings.camera, self._wake)
        self._next = Next(0.0, True)
        self._stopping = False
        self._now = 0.0
        self._due: float | None = None  # when the next frame is grabbed (None: at once)
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
            self._camera.release(self._now, last=True)
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
            self._config_due(None)
            wait = self._wait_s(self._tick())
            if wait is None:
                self._watch()
                continue
            self._idle(wait)
            self._hand(self._session.tick(self._tick()))  # time fed; a pause over ends
            self._publish()

    def _wait_s(self, now: float) -> float | None:
        """How long until the monitor may look (None: now): a pause, a lock, a call or the
        camera lent (the session is fed their time meanwhile), or a retry to come."""
        if not self._session.looking:
            ends = self._session.pause_ends_at
            return FACTS_FED_S if ends is None else max(0.0, min(ends - now, PAUSE_WRITE_S))
        if not self._camera.held and now < self._camera.health.next_try:
            return self._camera.health.next_try - now
        return None

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

    def _watch(self) -> None:
        """Watch until a command, a camera failure or the end of the recording: look when
        due (the camera let go in between unless it is to be held) and push the frame
        through the pipeline."""
        while not self._wake.is_set():
            if self._due is not None:
                wait = self._due - self._tick()
                if wait > 0:
                    if not self._next.hold:
                        self._camera.release(self._now)  # the light off until the next look
                    if self._clock.wait(self._wake, min(wait, CONFIG_CHECK_S)):
                        return
                    self._config_due(self._tick())  # a saved edit is seen between looks
                    continue
            try:
                rgb = self._camera.frame(self._tick())
            except SourceEnded:
                log.info("the recording has ended")
                self._flush()
                self._stopping = True
                return
            except SourceError as exc:
                self._flush()
                self._camera_failed(self._tick(), exc.problem)
                return
            if rgb is None:
                return  # a command came while the camera was busy
            t = self._tick()  # when the frame was taken
            for result in self._pipeline.push(Frame(t, rgb)):
                self._on_result(result)
            self._next = self._sampling.next(unsure=self._pipeline.unsure,
                                             on_battery=self._session.on_battery,
                                             closer_s=self._session.closer_look_s)
            self._due = t + self._next.wait_s

    def _flush(self) -> None:
        """Watching stops: the frames still settling are judged now."""
        for result in self._pipeline.flush():
            self._on_result(result)

    def _on_result(self, result: FrameResult) -> None:
        self._tick()  # a suspend just ended must be known before this frame is fed
        self._camera.frames_again(result.t)
        self._hand(self._session.frame(result))
        self._config_due(result.t)
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
                    self._take(now, command)
            self._publish()
            if done is not None:
                done.set()

    def _take(self, now: float, command: Command) -> None:
        """A person's command or a device's fact, to the session; the camera let go when
        watching stops, a look at once when it starts again."""
        if isinstance(command, STOPS_WATCHING):
            self._flush()  # what was settling was seen before
        was_looking = self._session.looking
        if isinstance(command, DEVICE_FACTS):
            log.info("the desk: %s", command)
            self._hand(self._session.device(now, command))
        else:
            self._hand(self._session.command(now, command))
        if not self._session.looking:
            self._camera.release(now)  # the camera light goes off, any app may have it
        elif not was_looking or isinstance(command, Calibrate):
            self._due = None  # look at once

    def _apply(self, settings: Settings) -> None:
        """Reloaded settings: the pipeline and the session go on with them."""
        self.settings = settings
        self._sampling = sampling_of(settings)
        self._camera.looks = settings.camera
        self._pipeline.reconfigure(settings.classifier, settings.stance)
        log.info("settings reloaded from %s", ", ".join(settings.files))
        self._hand(self._session.reconfigure(settings, self._catalog))

    def _config_due(self, now: float | None) -> None:  # now None: look at once
        if (settings := self._saved.changed(now)) is not None:
            self._apply(settings)
            self._publish()

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
        self._sinks.send(self._session.publish(self._now, history=self._history_state(),
                                               camera_open=self._camera.use.share(self._now)))


class SavedSettings:
    """The saved settings looked at (a stat) at most every ``CONFIG_CHECK_S`` while
    watching; a bad edit is said and the old settings stay."""

    def __init__(self, config_changed: Callable[[], Settings | None] | None,
                 send: Callable[[Notice], None]) -> None:
        self._config_changed, self._send = config_changed, send
        self._next = 0.0

    def changed(self, now: float | None) -> Settings | None:
        """The new settings if they changed; ``now`` None: look now, else only when due."""
        if self._config_changed is None or (now is not None and now < self._next):
            return None
        if now is not None:
            self._next = now + CONFIG_CHECK_S
        try:
            return self._config_changed()
        except PostureWatchError as exc:  # the notice is logged where it is shown, once
            self._send(Notice("Settings not reloaded", f"{exc}. The old settings stay.",
                              logging.ERROR))
            return None


def sampling_of(settings: Settings) -> SamplingSettings:
    monitor, camera = settings.monitor, settings.camera
    return SamplingSettings(monitor.interval_s, monitor.slow_interval_s, camera.mode,
                            camera.look_every_s, camera.battery_look_every_s)

