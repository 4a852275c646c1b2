"""The background monitor: capture → pose → judgement → sitting tracker → rules → store
and notifier, in a worker thread of its own.

The tray (or the headless printer) owns the main thread. The two talk only through
messages: commands go in with :meth:`Monitor.submit` (a queue, plus an event that wakes
the loop), and the monitor hands out frozen values: ``events`` (status changes, reminders
due, notices, stop) and the latest :class:`Status` for ``posturewatch status``.

Frames are judged by :func:`posturewatch.app.analysis.judge_source`, the same path
``analyze`` uses, fed by a source that grabs one frame when the sampling policy says so.
A stretch of watching ends (and the source flushes what it holds) when a command arrives,
the camera fails, or the recording ends; the loop then acts and starts the next one.

Time: frames carry the timeline ``t`` (elapsed seconds, suspends included, see
:mod:`posturewatch.core.day_clock`); the local offset is passed to the tracker and the rule
engine so active hours, the daily cap and day totals follow the local calendar.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posturewatch.app.analysis import FrameResult, judge_source
from posturewatch.app.clock import Clock
from posturewatch.app.grabbers import Grabber, SourceEnded
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
from posturewatch.capture.pose import PoseEstimator
from posturewatch.capture.sources import Frame, FrameSource
from posturewatch.core.baseline import Baseline, CalibrationError, build_baseline
from posturewatch.core.camera_health import CameraHealth, CameraSettings
from posturewatch.core.day_clock import DayClock, Suspend
from posturewatch.core.guidance import Catalog
from posturewatch.core.judgement import ClassifierSettings, describe, not_upright
from posturewatch.core.metrics import PostureMetrics
from posturewatch.core.monitor_status import Status, TrayState
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.engine import RuleEngine
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.sampling import SamplingPolicy, SamplingSettings
from posturewatch.core.settings import Config, settings
from posturewatch.core.sitting import day_of
from posturewatch.errors import PostureWatchError, SourceError

__all__ = [
    "Calibrate", "Command", "Event", "Monitor", "MonitorSettings", "Notice", "Outcome",
    "Pause", "Quit", "Reload", "ReminderDue", "Resume", "Snooze", "StatusChanged", "Stopped",
]

log = logging.getLogger(__name__)

CONFIG_CHECK_S = 2.0  # how often a saved change to the settings is looked for (a stat)

@dataclass(frozen=True, slots=True)
class MonitorSettings:
    interval_s: float
    fast_for_s: float
    medium_interval_s: float
    slow_interval_s: float
    steady_after_s: float
    camera_retry_min_s: float
    camera_retry_max_s: float
    camera_loss: str  # "sitting": the bout goes on while the camera is lost; "unseen"
    snooze_min: float
    calibration_s: float

    @classmethod
    def from_config(cls, config: Config) -> MonitorSettings:
        return settings(cls, {**config.section("monitor"),
                              "calibration_s": config.section("calibration")["seconds"]})


class LatestStatus:
    """A one-value mailbox: the monitor puts frozen snapshots in, readers take the newest."""

    def __init__(self, first: Status) -> None:
        self._lock = threading.Lock()
        self._value = first

    def put(self, value: Status) -> None:
        with self._lock:
            self._value = value

    def get(self) -> Status:
        with self._lock:
            return self._value


class _SampledFrames(FrameSource):
    """Grabs one frame when due, stamped with timeline time. Runs in judge_source's reader
    thread; it ends (so judge_source flushes) when the monitor is woken or the grabber
    fails, and leaves what happened in ``failure`` / ``ended`` for the loop to read after
    judge_source has returned (which joins this thread)."""

    live = True

    def __init__(self, grabber: Grabber, clock: Clock, origin: float,
                 wake: threading.Event, intervals: queue.SimpleQueue[float],
                 interval: float) -> None:
        self.name = grabber.name
        self._grabber, self._clock, self._origin = grabber, clock, origin
        self._wake, self._intervals, self._interval = wake, intervals, interval
        self.failure: str | None = None
        self.ended = False
        self.interval = interval

    def frames(self) -> Iterator[Frame]:
        due: float | None = None
        while not self._wake.is_set():
            while not self._intervals.empty():
                self._interval = self._intervals.get_nowait()
            if due is not None:
                wait = due - (self._clock.read().elapsed - self._origin)
                if wait > 0 and self._clock.wait(self._wake, wait):
                    return
            t = self._clock.read().elapsed - self._origin
            try:
                rgb = self._grabber.read()
            except SourceEnded:
                self.ended = True
                return
            except SourceError as exc:
                self.failure = exc.problem
                return
            yield Frame(t, rgb)
            due = t + self._interval

    def stop(self) -> None:
        self._wake.set()


class Monitor:
    """Build it, run :meth:`run` in a worker thread, talk to it with :meth:`submit`."""

    def __init__(
        self,
        config: Config,
        *,
        open_grabber: Callable[[], Grabber],
        estimator: PoseEstimator,
        baseline: Baseline | None,
        catalog: Catalog,
        clock: Clock,
        history: HistorySink,
        source_name: str,
        save_baseline: Callable[[Baseline], None] | None = None,
        config_changed: Callable[[], Config | None] | None = None,
    ) -> None:
        self.events: queue.Queue[Event] = queue.Queue()
        self._commands: queue.SimpleQueue[tuple[Command, threading.Event | None]] = \
            queue.SimpleQueue()
        self._wake = threading.Event()
        self._intervals: queue.SimpleQueue[float] = queue.SimpleQueue()
        self._open_grabber = open_grabber
        self._estimator, self._baseline, self._catalog = estimator, baseline, catalog
        self._clock, self._history, self._source_name = clock, history, source_name
        self._save_baseline = save_baseline
        self._config_changed = config_changed
        self._apply_config(config, first=True)
        first = clock.read()
        self._day = DayClock(first, min_suspend_s=min(5.0, self._max_gap_s / 2))
        self._engine.clock_offset_s = self._engine.sitting.clock_offset_s = self._day.offset_s
        self._camera = CameraHealth(CameraSettings(self.settings.camera_retry_min_s,
                                                   self.settings.camera_retry_max_s))
        self._grabber: Grabber | None = None
        self._stopping = False
        self._now = 0.0
        self._last_t: float | None = None
        self._last_state: Posture | None = None  # settled state of the last observation
        self._suspends: list[Suspend] = []
        self._paused_until: float | None = None
        self._paused_at = 0.0
        self._snoozed_until: float | None = None
        self._calibrating: tuple[float, list[PostureMetrics]] | None = None
        self._tray_state = TrayState.STARTING
        self._since = 0.0
        self._published: tuple[Any, ...] | None = None
        self._next_config_check = 0.0
        self._bouts_written = self._breaks_written = 0
        self._stale = False
        self._latest = LatestStatus(self._status())

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

    @property
    def reminders(self) -> tuple[Reminder, ...]:
        """Every reminder so far; read it only once :meth:`run` has returned."""
        return self._engine.reminders

    @property
    def engine(self) -> RuleEngine:
        """The rule engine; read it only once :meth:`run` has returned (tests, summaries)."""
        return self._engine

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
            self._release()
            while not self._commands.empty():  # nobody waits in vain for a stopped monitor
                _, done = self._commands.get_nowait()
                if done is not None:
                    done.set()
            try:
                self._record_spans(final=True)
                if self._paused_until is not None:  # stopped while paused: keep the pause
                    self._history.pause(self._paused_at, self._now)
                self._history.close(self._now)
            except Exception as exc:  # a failing store must not hide why the loop stopped
                log.exception("history not closed cleanly")
                error = error or f"history store: {exc}"
            self.events.put(Stopped(error))

    def _loop(self) -> None:
        self._history.begin(self._day, self._source_name)
        self._tick()
        self._publish()
        while not self._stopping:
            self._handle_commands()
            if self._stopping:
                break
            self._check_config()
            now = self._tick()
            if self._paused_until is not None:
                if now >= self._paused_until:
                    self._resume(now)
                else:
                    self._idle(min(self._paused_until - now, 3600.0))
                continue
            if self._grabber is None and not self._open(now):
                continue
            self._watch()

    def _tick(self) -> float:
        """Read the clocks: timeline now, suspends, a new local offset (DST, clock set)."""
        reading = self._clock.read()
        suspend = self._day.step(reading)
        if suspend is not None:
            log.info("suspended for %.0f s", suspend.seconds)
            self._suspends.append(suspend)
        if self._engine.clock_offset_s != self._day.offset_s:
            self._engine.clock_offset_s = self._engine.sitting.clock_offset_s = self._day.offset_s
        self._now = self._day.t(reading)
        return self._now

    def _idle(self, seconds: float) -> None:
        self._clock.wait(self._wake, seconds)

    def _open(self, now: float) -> bool:
        if now < self._camera.next_try:
            self._fill_camera_loss(now)
            self._publish()
            self._idle(self._camera.next_try - now)
            return False
        try:
            self._grabber = self._open_grabber()
        except SourceError as exc:
            self._camera_failed(now, exc.problem)
            return False
        return True

    def _watch(self) -> None:
        """One stretch of watching, until a command, a camera failure or the end."""
        assert self._grabber is not None
        frames = _SampledFrames(self._grabber, self._clock, self._day.origin, self._wake,
                                self._intervals, self._sampling.interval(self._now))
        for result in judge_source(frames, self._estimator, self._baseline, self._classifier):
            self._on_result(result)
        self._tick()
        if frames.ended:
            log.info("the recording has ended")
            self._stopping = True
        elif frames.failure is not None:
            self._camera_failed(self._now, frames.failure)

    def _release(self) -> None:
        if self._grabber is not None:
            self._grabber.close()
            self._grabber = None

    # -- frames and observations ---------------------------------------------------------

    def _on_result(self, result: FrameResult) -> None:
        self._tick()  # a suspend just ended must be known before this frame is fed
        if self._last_t is not None and result.t < self._last_t:
            return  # a frame from before a restart already accounted for
        if not self._camera.ok:
            self._fill_camera_loss(result.t)
            lost_since = self._camera.recovered()
            log.info("camera back after %.0f s", result.t - (lost_since or result.t))
        self._feed(result.observation(), result=result)
        if result.stale and not self._stale:
            self.events.put(Notice("Calibrate again?", "The camera or your seat seems to have "
                                   "moved since you calibrated; until you calibrate again "
                                   "your posture is judged against your recent upright "
                                   "posture.", logging.WARNING))
        self._stale = result.stale
        self._intervals.put(self._sampling.observe(result.t, result.state))
        if self._calibrating is not None:
            self._collect(result)
        if result.t >= self._next_config_check:
            self._next_config_check = result.t + CONFIG_CHECK_S
            self._check_config()
        self._publish()

    def _feed(self, obs: Observation, cause: str | None = None,
              result: FrameResult | None = None) -> None:
        if self._suspends and self._last_t is not None and obs.t - self._last_t > self._max_gap_s:
            suspended = sum(s.seconds for s in self._suspends)
            self._suspends.clear()
            start = self._last_t
            self._fill(start, min(start + suspended, obs.t), Posture.AWAY, "suspend")
        update = self._engine.observe(obs)
        self._history.observe(obs, cause=cause, result=result)
        self._record_spans()
        for reminder in update.fired:
            self._history.reminder(reminder)
            self.events.put(ReminderDue(reminder, self._day.epoch(reminder.t)))
        for reminder in update.decided:
            if reminder.acted is not None:
                self._history.outcome(reminder, "acted" if reminder.acted else "not acted")
        self._last_t = obs.t
        if cause is None:
            self._last_state = obs.state
        if cause is None or cause == "suspend":
            self._set_state(obs.t, TrayState(obs.state.value))

    def _record_spans(self, *, final: bool = False) -> None:
        """Hand finished bouts and breaks to the store (at the end, the bout in progress)."""
        tracker = self._engine.sitting
        bouts = tracker.bouts
        done = len(bouts) - (0 if final or tracker.bout_start is None else 1)
        for bout in bouts[self._bouts_written:done]:
            self._history.bout(bout)
        self._bouts_written = max(self._bouts_written, done)
        breaks = tracker.breaks
        done = len(breaks) - (1 if breaks and breaks[-1].end is None else 0)
        for brk in breaks[self._breaks_written:done]:
            self._history.break_(brk)
        self._breaks_written = max(self._breaks_written, done)

    def _fill(self, start: float, end: float, state: Posture, cause: str) -> None:
        """Synthetic observations across ``(start, end]``, close enough together that the
        tracker sees time spent in ``state`` rather than an unseen gap."""
        step = self._max_gap_s / 2
        t = start + step
        while t < end:
            self._feed(Observation(t, state), cause)
            t += step
        if end > start:
            self._feed(Observation(end, state), cause)

    def _fill_camera_loss(self, now: float) -> None:
        """While the camera is lost the bout goes on (``camera_loss = "sitting"``) if the
        person was there when it went; otherwise the time is unseen."""
        if self._camera.ok or self._last_t is None or self.settings.camera_loss != "sitting":
            return
        if self._last_state is None or not self._last_state.present:
            return
        if now - self._last_t >= self._max_gap_s / 2:
            self._fill(self._last_t, now, Posture.UNKNOWN, "camera")

    def _camera_failed(self, now: float, problem: str) -> None:
        first = self._camera.ok
        retry = self._camera.failed(now, problem)
        self._release()
        if first:
            log.warning("camera problem: %s (retrying)", problem)
            self.events.put(Notice("Camera problem", f"{problem}. Retrying by itself."))
        log.debug("camera retry in %.0f s", retry - now)
        self._set_state(now, TrayState.CAMERA_PROBLEM)
        self._fill_camera_loss(now)
        self._publish()

    # -- commands ------------------------------------------------------------------------

    def _handle_commands(self) -> None:
        self._wake.clear()
        while not self._commands.empty():
            command, done = self._commands.get_nowait()
            now = self._tick()
            match command:
                case Quit():
                    self._stopping = True
                case Pause(seconds):
                    self._pause(now, seconds)
                case Resume():
                    if self._paused_until is not None:
                        self._resume(now)
                case Snooze(seconds):
                    self._snooze(now, seconds)
                case Calibrate():
                    self._start_calibration(now)
                case Outcome(reminder_id, outcome):
                    self._outcome(now, reminder_id, outcome)
                case Reload(config):
                    self._apply_config(config)
            self._publish()
            if done is not None:
                done.set()

    def _pause(self, now: float, seconds: float | None) -> None:
        if self._paused_until is None:
            self._paused_at = now
        self._paused_until = math.inf if seconds is None else now + seconds
        self._engine.pause()
        self._release()  # the camera light goes off while paused
        self._set_state(now, TrayState.PAUSED)

    def _resume(self, now: float) -> None:
        self._history.pause(self._paused_at, now)
        self._paused_until = None
        self._engine.resume()
        self._sampling.reset()
        self._set_state(now, TrayState.STARTING)

    def _snooze(self, now: float, seconds: float | None) -> None:
        seconds = self.settings.snooze_min * 60 if seconds is None else seconds
        self._snoozed_until = max(self._snoozed_until or now, now + seconds)
        self._engine.snooze(self._snoozed_until)

    def _outcome(self, now: float, reminder_id: int, outcome: str) -> None:
        reminders = self._engine.reminders
        if not 0 <= reminder_id < len(reminders):
            return
        self._history.outcome(reminders[reminder_id], outcome)
        if outcome == "snoozed":
            self._snooze(now, None)

    # -- calibration ---------------------------------------------------------------------

    def _start_calibration(self, now: float) -> None:
        seconds = self.settings.calibration_s
        self._calibrating = (now + seconds, [])
        self.events.put(Notice("Calibrating: sit tall",
                               f"Sit tall and look at the screen for {seconds:g} seconds."))

    def _collect(self, result: FrameResult) -> None:
        assert self._calibrating is not None
        until, samples = self._calibrating
        m = result.metrics
        if m is not None and m.visibility >= self._classifier.min_visibility:
            samples.append(m)
        if result.t < until:
            return
        self._calibrating = None
        try:
            baseline = build_baseline(samples, self._min_calibration_frames)
            if wrong := not_upright(baseline, self._classifier):  # the calibration guard
                raise CalibrationError(f"not saved: {describe(wrong)}",
                                       "sit tall and calibrate again")
        except PostureWatchError as exc:
            self.events.put(Notice("Calibration failed", str(exc), logging.WARNING))
            return
        if self._save_baseline is not None:
            self._save_baseline(baseline)
        self._baseline = baseline
        self._stale = False
        self._wake.set()  # the next stretch of watching judges against it
        self._history.calibration(result.t, baseline)
        self.events.put(Notice("Calibrated", f"Your upright posture is recorded "
                               f"({baseline.frames} frames, {baseline.view} view)."))

    # -- settings ------------------------------------------------------------------------

    def _apply_config(self, config: Config, *, first: bool = False) -> None:
        self.config = config
        self.settings = MonitorSettings.from_config(config)
        self._classifier = settings(ClassifierSettings, config.section("classifier"))
        self._max_gap_s = float(config.section("sitting")["max_gap_s"])
        self._min_calibration_frames = int(config.section("calibration")["min_frames"])
        self._sampling = SamplingPolicy(SamplingSettings(
            self.settings.interval_s, self.settings.slow_interval_s,
            self.settings.steady_after_s, self.settings.fast_for_s,
            self.settings.medium_interval_s))
        engine = RuleEngine.from_config(config, self._catalog)
        if first:
            self._engine = engine
            return
        self._wake.set()  # the next stretch of watching uses the new classifier settings
        old = self._engine
        engine.sitting = old.sitting  # the bout and today's totals go on
        engine.sitting.settings = engine.settings.sitting
        engine.clock_offset_s = old.clock_offset_s
        if self._snoozed_until is not None:
            engine.snooze(self._snoozed_until)
        if old.paused:
            engine.pause()
        self._engine = engine
        log.info("settings reloaded from %s", ", ".join(config.files))
        self.events.put(Notice("Settings reloaded", "Your changed settings are in use."))

    def _check_config(self) -> None:
        if self._config_changed is None:
            return
        try:
            config = self._config_changed()
        except PostureWatchError as exc:
            log.error("settings not reloaded, the old ones stay: %s", exc)
            self.events.put(Notice("Settings not reloaded", f"{exc}. The old settings stay.",
                                   logging.ERROR))
            return
        if config is not None:
            self._apply_config(config)

    # -- status --------------------------------------------------------------------------

    def _set_state(self, t: float, state: TrayState) -> None:
        if self._paused_until is not None:
            state = TrayState.PAUSED
        elif not self._camera.ok:
            state = TrayState.CAMERA_PROBLEM
        if state != self._tray_state:
            self._tray_state, self._since = state, t

    def _status(self) -> Status:
        now, epoch = self._now, self._day.epoch
        sitting = self._engine.sitting.current_sitting_s
        breaks = self._engine.settings.breaks
        next_break = (max(0.0, breaks.break_after_min * 60 - sitting)
                      if breaks.enabled else None)
        snoozed = self._snoozed_until if self._snoozed_until and self._snoozed_until > now else None
        paused = self._paused_until
        offset = self._engine.clock_offset_s
        today = day_of(now, offset)
        sent_today = sum(1 for r in self._engine.reminders if day_of(r.t, offset) == today)
        if paused is not None:
            camera = "paused"
        else:
            camera = self._camera.describe()
        return Status(
            state=self._tray_state, since=epoch(self._since), sitting_s=sitting,
            next_break_in_s=next_break,
            paused_until=None if paused is None else (math.inf if paused == math.inf
                                                      else epoch(paused)),
            snoozed_until=None if snoozed is None else epoch(snoozed),
            camera=camera, source=self._source_name, reminders_today=sent_today,
            pid=os.getpid(),
            calibration="none" if self._baseline is None else
            ("stale" if self._stale else "ok"),
        )

    def _publish(self) -> None:
        status = self._status()
        self._latest.put(status)
        key = (status.state, status.paused_until, status.snoozed_until, status.camera,
               status.calibration, int(status.sitting_s // 60))
        if key != self._published:
            self._published = key
            self.events.put(StatusChanged(status))


def save_to(path: Path) -> Callable[[Baseline], None]:
    """A baseline saver for the monitor's guided calibration."""
    from posturewatch.storage.baseline_file import save_baseline

    return lambda baseline: save_baseline(baseline, path)
