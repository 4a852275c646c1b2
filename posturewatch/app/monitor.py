"""The background monitor: capture → pose → judgement → sitting tracker → rules → store
and notifier, in a worker thread of its own.

The tray (or the headless printer) owns the main thread. The two talk only through
messages: commands go in with :meth:`Monitor.submit` (a queue, plus an event that wakes
the loop), and the monitor hands out frozen values: ``events`` (status changes, reminders
due, notices, stop) and the latest :class:`Status` for ``posturewatch status``.

Long-lived parts, owned by the monitor for its whole life: one
:class:`~posturewatch.app.analysis.Pipeline` (the path ``analyze`` and ``calibrate`` drive
too) that each sampled frame is pushed into, so settling, the self-baseline, the presence
memory and a stale calibration carry across commands; one rule engine, reconfigured in
place when the settings are reloaded; one :class:`~posturewatch.app.sinks.SinkDispatcher`
that hands every result to the sinks (history store, status, the events the tray and
notifications read, any added), each kept from stopping the loop when it fails; one
:class:`~posturewatch.core.exercise.ExerciseWatch` that counts wall angels in the judged
frames (sampling faster while a wall-angel reminder is watched) and whose news (sets over,
a reminder acted on with "N wall angels, seen") goes to the sinks like the rest. A command
wakes the loop between two frames; the pipeline's frames still settling are released only
when watching stops (pause, camera lost, end, quit).

State survives a restart: the store keeps the bout in progress, breaks, pauses and
reminders as they change, and a new monitor goes on with the last run's bout (when the
silence since was shorter than a break) and today's reminders (daily cap, gap, levels).

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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from posturewatch.app.analysis import FrameResult, Pipeline
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
from posturewatch.app.sinks import Sink, SinkDispatcher
from posturewatch.capture.pose import PoseEstimator
from posturewatch.capture.sources import Frame
from posturewatch.core.baseline import Baseline, CalibrationError, build_baseline
from posturewatch.core.camera_health import CameraHealth, CameraSettings
from posturewatch.core.day_clock import DayClock, Suspend
from posturewatch.core.exercise import ExerciseWatch, WatchNews, seen_note
from posturewatch.core.guidance import Catalog
from posturewatch.core.judgement import describe, not_upright
from posturewatch.core.metrics import PostureMetrics
from posturewatch.core.monitor_status import Status, TrayState
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.engine import RuleEngine
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.sampling import SamplingSettings
from posturewatch.core.settings import Config
from posturewatch.core.sitting import Bout, Break, day_of
from posturewatch.core.typed_settings import Settings
from posturewatch.errors import PostureWatchError, SourceError

__all__ = [
    "Calibrate", "Command", "Event", "Monitor", "Notice", "Outcome",
    "Pause", "Quit", "Reload", "ReminderDue", "Resume", "Snooze", "StatusChanged", "Stopped",
]

log = logging.getLogger(__name__)

CONFIG_CHECK_S = 2.0  # how often a saved change to the settings is looked for (a stat)
PAUSE_WRITE_S = 60.0  # a pause going on is written this often (a crash loses no more)

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


class _StatusBox(Sink):
    """The status snapshots into the mailbox ``posturewatch status`` reads."""

    name = "status"

    def __init__(self, box: LatestStatus) -> None:
        self._box = box

    def status(self, status: Status, *, changed: bool) -> None:
        self._box.put(status)


class _Events(Sink):
    """What the person sees, as events for the tray, notifications and the printer
    (``desktop/dispatch.py`` reads them in the UI thread)."""

    name = "events"

    def __init__(self, events: queue.Queue[Event]) -> None:
        self._events = events
        self._day: DayClock | None = None

    def begin(self, day: DayClock, source: str) -> None:
        self._day = day

    def reminder(self, reminder: Reminder) -> None:
        assert self._day is not None
        self._events.put(ReminderDue(reminder, self._day.epoch(reminder.t)))

    def notice(self, notice: Notice) -> None:
        self._events.put(notice)

    def status(self, status: Status, *, changed: bool) -> None:
        if changed:
            self._events.put(StatusChanged(status))


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
        sinks: Sequence[Sink] = (),
    ) -> None:
        """``history`` is the sink that keeps the history (and says where the last run
        stopped); ``sinks`` are more sinks, called after the built-in ones."""
        self.events: queue.Queue[Event] = queue.Queue()
        self._commands: queue.SimpleQueue[tuple[Command, threading.Event | None]] = \
            queue.SimpleQueue()
        self._wake = threading.Event()
        self._open_grabber = open_grabber
        self._estimator, self._baseline, self._catalog = estimator, baseline, catalog
        self._clock, self._history, self._source_name = clock, history, source_name
        self._save_baseline = save_baseline
        self._config_changed = config_changed
        self._apply_config(config, first=True)
        first = clock.read()
        self._day = DayClock(first, min_suspend_s=min(5.0, self._max_gap_s / 2))
        self._engine.clock_offset_s = self._engine.sitting.clock_offset_s = self._day.offset_s
        self._camera = CameraHealth(CameraSettings(self.settings.monitor.camera_retry_min_s,
                                                   self.settings.monitor.camera_retry_max_s))
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
        self._going_bout: Bout | None = None
        self._stale = False
        self._closer_s = math.inf  # a closer look wanted (a wall angel watched, calibrating)
        self._due: float | None = None  # when the next frame is grabbed (None: at once)
        self._problems: dict[str, str] = {}
        self._latest = LatestStatus(self._status())
        self._sinks = SinkDispatcher([history, _StatusBox(self._latest),
                                      _Events(self.events), *sinks])

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
                if error is None:
                    self._flush()
                self._exercise_news(self._exercises.flush(self._now))
                self._record_spans(self._now, final=True)
                if self._paused_until is not None:  # stopped while paused: keep the pause
                    self._sinks.pause(self._paused_at, self._now)
            except Exception:  # whatever happened must not hide why the loop stopped
                log.exception("the last results were not handed on")
            self._sinks.close(self._now)
            self.events.put(Stopped(error))

    def _loop(self) -> None:
        self._sinks.begin(self._day, self._source_name)
        self._carry_on()
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
                else:  # the pause row is kept current, as a bout is
                    self._idle(min(self._paused_until - now, PAUSE_WRITE_S))
                    self._sinks.pause(self._paused_at, None, now=self._tick())
                continue
            if self._grabber is None and not self._open(now):
                continue
            self._watch()

    def _carry_on(self) -> None:
        """Go on from where the last run stopped (its bout, today's reminders)."""
        try:
            carry = self._history.carry(self._day, self._min_break_s)
        except Exception:  # a restart that cannot read the past still watches
            log.exception("the last run's state was not read")
            return
        if carry is not None:
            self._engine.carry_on(carry.bout, carry.sent)

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
        """Watch until a command, a camera failure or the end of the recording: grab a
        frame when due and push it through the pipeline."""
        assert self._grabber is not None
        while not self._wake.is_set():
            if self._due is not None:
                wait = self._due - self._tick()
                if wait > 0 and self._clock.wait(self._wake, wait):
                    return
            t = self._tick()
            try:
                rgb = self._grabber.read()
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
            self._due = t + min(self._sampling.wait_s(self._pipeline.unsure), self._closer_s)

    def _flush(self) -> None:
        """Watching stops: the frames still settling are judged now."""
        for result in self._pipeline.flush():
            self._on_result(result)

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
        self._sinks.judged(result)
        self._feed(result.observation(), result=result)
        self._exercise_news(self._exercises.add(result.t, result.arms))
        if result.stale and not self._stale:
            self._notice("Calibrate again?", "The camera or your seat seems to have moved "
                         "since you calibrated; until you calibrate again your posture is "
                         "judged against your recent upright posture.", logging.WARNING)
        self._stale = result.stale
        self._closer_s = math.inf
        if self._exercises.watching(result.t):  # slow slides need a closer look
            self._closer_s = self._watch_interval_s
        if self._calibrating is not None:
            self._closer_s = min(self._closer_s, self._calibration_step_s)
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
        self._sinks.observe(obs, cause=cause, result=result)
        self._record_spans(obs.t)
        for reminder in update.fired:
            self._sinks.reminder(reminder)
            if reminder.rule == "wall_angel":
                self._exercises.reminded(reminder.id, reminder.t)
        for reminder in update.decided:
            if reminder.acted is not None:
                self._sinks.outcome(reminder, "acted" if reminder.acted else "not acted")
        self._last_t = obs.t
        if cause is None:
            self._last_state = obs.state
        if cause is None or cause == "suspend":
            self._set_state(obs.t, TrayState(obs.state.value))

    def _exercise_news(self, news: WatchNews) -> None:
        """Wall angels counted: sets to the sinks (the store keeps them); a wall-angel
        reminder followed by some is acted on ("5 wall angels, seen"), one whose watch
        passed without any is not."""
        for done in news.sets:
            self._sinks.exercise(done)
        reminders = self._engine.reminders
        for reminder_id, reps in news.settled:
            if not 0 <= reminder_id < len(reminders):
                continue
            reminder = reminders[reminder_id]
            if reps:
                note = seen_note(reps)
                self._sinks.outcome(reminder, "acted", note)
                self._notice("Wall angels", f"{note[0].upper()}{note[1:]}. Well done.")
            else:
                self._sinks.outcome(reminder, "not acted")

    def _record_spans(self, now: float, *, final: bool = False) -> None:
        """Hand bouts and breaks to the sinks: finished ones once, the ones going on as
        they grow (at the end, those too as finished)."""
        tracker = self._engine.sitting
        bouts = tracker.bouts
        going = tracker.bout_start is not None and not final
        done = len(bouts) - (1 if going else 0)
        for bout in bouts[self._bouts_written:done]:
            self._sinks.bout(bout)
        self._bouts_written = max(self._bouts_written, done)
        if going and bouts[-1] != self._going_bout:
            self._going_bout = bouts[-1]
            self._sinks.bout(bouts[-1], going=True)
        breaks = tracker.breaks
        open_break = breaks[-1] if breaks and breaks[-1].end is None else None
        done = len(breaks) - (1 if open_break is not None else 0)
        for brk in breaks[self._breaks_written:done]:
            self._sinks.break_(brk)
        self._breaks_written = max(self._breaks_written, done)
        if open_break is not None:
            if final:
                self._sinks.break_(Break(open_break.start, max(open_break.start, now)))
            else:
                self._sinks.break_(open_break, now=now)

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
        if self._camera.ok or self._last_t is None or self.settings.monitor.camera_loss != "sitting":
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
            self._notice("Camera problem", f"{problem}. Retrying by itself.")
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
                        self._due = None
                case Snooze(seconds):
                    self._snooze(now, seconds)
                case Calibrate():
                    self._start_calibration(now)
                    self._due = None
                case Outcome(reminder_id, outcome):
                    self._outcome(now, reminder_id, outcome)
                case Reload(config):
                    self._apply_config(config)
            self._publish()
            if done is not None:
                done.set()

    def _pause(self, now: float, seconds: float | None) -> None:
        if self._paused_until is None:
            self._flush()  # what was settling was seen before the pause
            self._paused_at = now
            self._sinks.pause(now, None)
        self._paused_until = math.inf if seconds is None else now + seconds
        self._engine.pause()
        self._release()  # the camera light goes off while paused
        self._set_state(now, TrayState.PAUSED)

    def _resume(self, now: float) -> None:
        self._sinks.pause(self._paused_at, now)
        self._paused_until = None
        self._engine.resume()
        self._set_state(now, TrayState.STARTING)

    def _snooze(self, now: float, seconds: float | None) -> None:
        seconds = self.settings.monitor.snooze_min * 60 if seconds is None else seconds
        self._snoozed_until = max(self._snoozed_until or now, now + seconds)
        self._engine.snooze(self._snoozed_until)

    def _outcome(self, now: float, reminder_id: int, outcome: str) -> None:
        reminders = self._engine.reminders
        if not 0 <= reminder_id < len(reminders):
            return
        self._sinks.outcome(reminders[reminder_id], outcome)
        if outcome == "snoozed":
            self._snooze(now, None)

    # -- calibration ---------------------------------------------------------------------

    def _start_calibration(self, now: float) -> None:
        seconds = self.settings.calibration.seconds
        self._calibrating = (now + seconds, [])
        self._closer_s = min(self._closer_s, self._calibration_step_s)
        self._notice("Calibrating: sit tall",
                     f"Sit tall and look at the screen for {seconds:g} seconds.")

    def _collect(self, result: FrameResult) -> None:
        assert self._calibrating is not None
        until, samples = self._calibrating
        m = result.metrics
        if m is not None and m.visibility >= self._classifier.min_visibility:
            samples.append(m)
        if result.t < until and len(samples) < self._calibration_frames:
            return
        self._calibrating = None
        try:
            baseline = build_baseline(samples, self._min_calibration_frames)
            if wrong := not_upright(baseline, self._classifier):  # the calibration guard
                raise CalibrationError(f"not saved: {describe(wrong)}",
                                       "sit tall and calibrate again")
        except PostureWatchError as exc:
            self._notice("Calibration failed", str(exc), logging.WARNING)
            return
        if self._save_baseline is not None:
            self._save_baseline(baseline)
        self._baseline = baseline
        self._stale = False
        self._pipeline.recalibrate(baseline)  # judged against it from the next frame
        self._sinks.calibration(result.t, baseline)
        self._notice("Calibrated", f"Your upright posture is recorded "
                     f"({baseline.frames} frames, {baseline.view} view).")

    # -- settings ------------------------------------------------------------------------

    def _apply_config(self, config: Config, *, first: bool = False) -> None:
        self.settings = s = Settings.from_config(config)
        self._classifier = s.classifier
        self._max_gap_s = s.sitting.max_gap_s
        self._min_break_s = s.sitting.min_break_s
        self._min_calibration_frames = s.calibration.min_frames
        self._calibration_frames = s.calibration.target_frames
        self._calibration_step_s = s.calibration.step_s
        self._sampling = SamplingSettings(s.monitor.interval_s, s.monitor.slow_interval_s)
        self._watch_interval_s = s.exercise_watch.watch_interval_s
        if first:
            self._engine = RuleEngine(s.rules, self._catalog)
            self._pipeline = Pipeline(self._estimator, self._baseline, self._classifier)
            self._exercises = ExerciseWatch(s.exercise, s.exercise_watch)
            return
        self._engine.reconfigure(s.rules, self._catalog)  # the bout and reminders go on
        self._pipeline.reconfigure(self._classifier)
        self._exercises.reconfigure(s.exercise, s.exercise_watch)  # a set going on, goes on
        log.info("settings reloaded from %s", ", ".join(config.files))
        self._notice("Settings reloaded", "Your changed settings are in use.")

    def _check_config(self) -> None:
        if self._config_changed is None:
            return
        try:
            config = self._config_changed()
        except PostureWatchError as exc:
            log.error("settings not reloaded, the old ones stay: %s", exc)
            self._notice("Settings not reloaded", f"{exc}. The old settings stay.",
                         logging.ERROR)
            return
        if config is not None:
            self._apply_config(config)

    # -- status --------------------------------------------------------------------------

    def _notice(self, title: str, body: str, level: int = logging.INFO) -> None:
        self._sinks.notice(Notice(title, body, level))

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
        sent_today = self._engine.sent_on(day_of(now, offset))
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
            history=self._problems.get(self._history.name, "ok") if self._history.keeps
            else "off",
        )

    def _publish(self) -> None:
        problems = self._sinks.problems()
        for name, problem in problems.items():
            if name not in self._problems:
                log.warning("%s: %s", name, problem)
                if name == self._history.name:
                    self._notice("History not saved", f"{problem}. Watching and reminders "
                                 "go on; saving resumes by itself.", logging.WARNING)
        self._problems = problems
        status = self._status()
        key = (status.state, status.paused_until, status.snoozed_until, status.camera,
               status.calibration, status.history, int(status.sitting_s // 60))
        changed = key != self._published
        self._published = key
        self._sinks.status(status, changed=changed)


def save_to(path: Path) -> Callable[[Baseline], None]:
    """A baseline saver for the monitor's guided calibration."""
    from posturewatch.storage.baseline_file import save_baseline

    return lambda baseline: save_baseline(baseline, path)
