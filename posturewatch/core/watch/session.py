"""The watch session: the one owner of what happens in a watching day. Pure: time is an input.

A session owns the rule engine (and with it the sitting tracker), the exercise watch, the
one copy of the person's pause and snooze, the guided calibration's window, the tray state
and the status. It takes what the monitor sees (settled frames, the camera lost, a
suspend, time passing without frames) and what the person asks (:mod:`~posturewatch.core.
watch.commands`), and answers each input with one frozen :class:`~posturewatch.core.watch.
happened.Happened`: reminders fired and settled, bouts, breaks and pauses as they change,
exercise sets, a calibration, notices; at :meth:`WatchSession.close`, the day's totals.

The live monitor drives one for its whole life (``app/monitor.py``: devices and time);
``analyze`` drives one over a recording (``app/recording.py``), and both hand what happened
to the same history writer. What comes next for a watching day (new reasons the monitor is
not looking, stance, more exercises, state restored after a restart) is state and messages
here, or in a small part the session owns, not in the monitor.

Time: every input carries ``t``, seconds on the session's timeline; the calendar says which
local day and instant that is (``calendar.py``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from posturewatch.core.guidance import Catalog
from posturewatch.core.monitor_status import Status, TrayState
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.engine import RuleEngine, Sent
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.sitting import Bout, Break, day_of
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.calendar import Calendar
from posturewatch.core.watch.calibration import CalibrationWindow, recorded_text
from posturewatch.core.watch.commands import (
    Calibrate,
    Outcome,
    Pause,
    PersonCommand,
    Resume,
    SayStance,
    Snooze,
)
from posturewatch.core.watch.devices import DeskPart, DeviceFact, desk_camera, desk_state
from posturewatch.core.watch.exercises import CounterSettings, ExerciseWatch, WatchNews, seen_note
from posturewatch.core.watch.happened import (
    BoutChanged,
    BreakChanged,
    Calibrated,
    Cause,
    DayTotals,
    ExerciseCounted,
    Happened,
    Judged,
    JudgedFrame,
    Message,
    Notice,
    Observed,
    PauseChanged,
    ReminderFired,
    ReminderOutcome,
    ReminderSettled,
    StatusNow,
)
from posturewatch.core.watch.pause import PauseAndSnooze
from posturewatch.core.watch.stance import SaidStance
from posturewatch.errors import PostureWatchError


@dataclass(frozen=True, slots=True)
class Carry:
    """Where an earlier run stopped, on this run's timeline (so times are negative)."""

    bout: Bout | None  # the bout it was in, if the silence since is shorter than a break
    sent: tuple[Sent, ...]  # the reminders it sent today
    # the person's pause and snooze it left going on: when they end (math.inf: a pause
    # until resumed), None for none
    paused_until: float | None = None
    snoozed_until: float | None = None

    def merged(self, other: Carry | None) -> Carry:
        """This carry with what ``other`` knows and this one does not."""
        if other is None:
            return self
        return Carry(self.bout or other.bout, self.sent or other.sent,
                     self.paused_until if self.paused_until is not None
                     else other.paused_until,
                     self.snoozed_until if self.snoozed_until is not None
                     else other.snoozed_until)


class WatchSession:
    """Feed it in time order; each input returns what happened."""

    def __init__(self, settings: Settings, catalog: Catalog, calendar: Calendar, *,
                 source: str = "", pid: int = 0, calibrated: bool = False) -> None:
        """``calendar`` places the timeline (the monitor's DayClock follows the clocks);
        ``source`` and ``pid`` go into the status; ``calibrated``: a baseline is in use."""
        self.settings = settings
        self._calendar = calendar
        self._source, self._pid = source, pid
        self._engine = RuleEngine(settings.rules, catalog, clock_offset_s=calendar.offset_s)
        self._exercises = ExerciseWatch(CounterSettings.of(settings))
        self._stance = SaidStance()  # the person's word where the camera cannot tell
        self._quiet = PauseAndSnooze()
        self._calibration = CalibrationWindow()
        self._calibrated, self._stale = calibrated, False
        self._camera_problem: str | None = None  # the camera gives no frames (and why)
        self._suspended_s = 0.0  # sleep not yet fed as away
        self._last_t: float | None = None
        self._last_state: Posture | None = None  # settled state of the last real observation
        self._going_bout: Bout | None = None  # the bout in progress as last handed out
        self._answered: set[int] = set()  # reminders the person answered
        self._settled: set[int] = set()  # reminders with an outcome
        self._tray, self._since = TrayState.STARTING, 0.0
        self._closer_s = math.inf  # a closer look wanted (a wall angel watched, calibrating)
        self._shown: tuple[object, ...] | None = None  # the status last shown, in brief
        self._out: list[Message] = []
        self._desk = DeskPart(lambda: self.settings.rules.breaks.break_after_min * 60,
                              self._feed, self._fill, self._emit, self._engine.call_ended)

    # -- inputs --------------------------------------------------------------------------

    def carry_on(self, carry: Carry | None) -> None:
        """Go on from where the last run stopped (its bout, today's reminders); before the
        first frame."""
        if carry is not None:
            self._engine.carry_on(carry.bout, carry.sent)
            self._quiet_carried(carry)

    def frame(self, frame: JudgedFrame) -> Happened:
        """A settled frame: the tracker and rules, the exercise watch, the calibration."""
        if self._last_t is not None and frame.t < self._last_t:
            return Happened()  # from before a restart, already accounted for
        self._sync_clock()
        if self._camera_problem is not None:  # frames again
            self._fill_camera_loss(frame.t)
            self._camera_problem = None
        self._emit(Judged(frame))
        self._feed(self._stance.apply(frame.observation()), frame=frame)
        self._exercise_news(self._exercises.add(frame))
        if frame.stale and not self._stale:
            self._notice("Calibrate again?", "The camera or your seat seems to have moved "
                         "since you calibrated; until you calibrate again your posture is "
                         "judged against your recent upright posture.", logging.WARNING)
        self._stale = frame.stale
        self._closer_s = self._exercises.closer_look_s(frame.t)
        if self._calibration.open:
            self._closer_s = min(self._closer_s, self.settings.calibration.step_s)
            self._collect(frame)
        return self._happened()

    def command(self, t: float, command: PersonCommand) -> Happened:
        self._sync_clock()
        match command:
            case Pause(seconds):
                if self._quiet.pause(t, seconds):
                    self._emit(PauseChanged(t, None))
                self._show(t, TrayState.PAUSED)
            case Resume():
                if self._quiet.paused:
                    self._resume(t)
            case Snooze(seconds):
                self._snooze(t, seconds)
            case Calibrate():
                self._start_calibration(t)
            case Outcome(reminder_id, outcome):
                self._answer(t, reminder_id, outcome)
            case SayStance(stance):
                self._say_stance(stance)
        return self._happened()

    def camera_lost(self, t: float, problem: str) -> Happened:
        """The camera gives no frames (taken, unplugged); said once per episode. With
        ``monitor.camera_loss = "sitting"`` the bout goes on if the person was there."""
        if self._camera_problem is None:
            self._notice("Camera problem", f"{problem}. Retrying by itself.")
        self._camera_problem = problem
        self._show(t, TrayState.CAMERA_PROBLEM)
        self._fill_camera_loss(t)
        return self._happened()

    def device(self, t: float, fact: DeviceFact) -> Happened:
        """What a device says (``core/watch/devices.py``): the camera lent, a call, the
        screen locked, on battery."""
        self._sync_clock()
        self._desk.take(t, fact, self._last_t)
        self._show(t, self._tray)
        return self._happened()

    def suspended(self, seconds: float) -> None:
        """The machine slept this long; fed as away once frames come again."""
        self._suspended_s += seconds

    def tick(self, t: float) -> Happened:
        """Time passes without frames: a pause that is over ends, one going on is kept
        current, a lost camera's time is filled."""
        self._sync_clock()
        if self._quiet.over(t):
            self._resume(t)
        elif self._quiet.paused:
            assert self._quiet.paused_at is not None
            self._emit(PauseChanged(self._quiet.paused_at, None, t))
        else:
            self._fill_camera_loss(t)
            self._desk.fill(t, self._last_t)
        return self._happened()

    def reconfigure(self, settings: Settings, catalog: Catalog) -> Happened:
        """New settings (a reloaded config); the bout, the reminders, a set going on and a
        pause or snooze all go on."""
        self.settings = settings
        self._engine.reconfigure(settings.rules, catalog)
        self._exercises.reconfigure(CounterSettings.of(settings))
        self._notice("Settings reloaded", "Your changed settings are in use.")
        return self._happened()

    def close(self, t: float) -> Happened:
        """The watching ends: every set and watch settles, the bout and break going on
        end here, a pause, call or lock going on is kept up to now, reminders left open
        are settled, and the day's totals."""
        self._exercise_news(self._exercises.flush(t))
        tracker = self._engine.sitting
        if (going := tracker.going_bout) is not None:
            self._emit(BoutChanged(going))
        if (brk := tracker.going_break) is not None:
            self._emit(BreakChanged(Break(brk.start, max(brk.start, t))))
        if self._quiet.paused_at is not None:
            self._emit(PauseChanged(self._quiet.paused_at, t))
        self._desk.close(t)
        self._settle_left_open()
        self._emit(DayTotals(tracker.totals(), self._engine.reminders))
        return self._happened()

    # -- reading -------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._quiet.paused

    @property
    def looking(self) -> bool:
        """The camera may be used: not paused, no call, no lock, nobody else holding it."""
        return not self._quiet.paused and self._desk.facts.looking_allowed

    @property
    def on_battery(self) -> bool:
        return self._desk.facts.on_battery

    @property
    def pause_ends_at(self) -> float | None:
        """When the pause going on ends (``math.inf``: when resumed), None if not paused."""
        return self._quiet.paused_until

    @property
    def closer_look_s(self) -> float:
        """The longest wait between frames the session wants now (a wall-angel reminder
        watched, a calibration collecting); infinity when it has no wish."""
        return self._closer_s

    def status(self, now: float, *, history: str = "ok",
               camera_open: float | None = None) -> Status:
        """The status as of ``now``; ``history``: what the store says ("ok", "off", or why
        nothing is saved); ``camera_open``: the share of the time the camera was open."""
        self._sync_clock()
        epoch, engine, quiet = self._calendar.epoch, self._engine, self._quiet
        sitting = engine.sitting.current_sitting_s
        breaks = engine.settings.breaks
        paused, snoozed = quiet.paused_until, quiet.snoozed(now)
        desk = self._desk.facts
        camera = ("paused" if paused is not None else desk_camera(desk) or (
            "ok" if self._camera_problem is None else f"camera problem: {self._camera_problem}"))
        return Status(
            state=self._tray, since=epoch(self._since), sitting_s=sitting,
            next_break_in_s=(max(0.0, breaks.break_after_min * 60 - sitting)
                             if breaks.enabled else None),
            paused_until=None if paused is None else (math.inf if paused == math.inf
                                                      else epoch(paused)),
            snoozed_until=None if snoozed is None else epoch(snoozed),
            camera=camera, source=self._source,
            reminders_today=engine.sent_on(day_of(now, engine.clock_offset_s)), pid=self._pid,
            calibration="none" if not self._calibrated else "stale" if self._stale else "ok",
            history=history, stance=self._stance.mode,
            standing_s=engine.sitting.current_standing_s,
            not_looking=(("paused",) if paused is not None else ()) + desk.why_not(),
            call_since=None if desk.call_since is None else epoch(desk.call_since),
            locked_since=None if desk.locked_since is None else epoch(desk.locked_since),
            on_battery=desk.on_battery, camera_open=camera_open,
        )

    def publish(self, now: float, *, history: str = "ok",
                camera_open: float | None = None) -> StatusNow:
        """The status to show, and whether it changed enough to show it again (its state,
        a pause or snooze, the camera, the calibration, the history, a minute's sitting,
        why it is not looking, the battery)."""
        status = self.status(now, history=history, camera_open=camera_open)
        key = (status.state, status.paused_until, status.snoozed_until, status.camera,
               status.calibration, status.history, int(status.sitting_s // 60),
               status.not_looking, status.on_battery, status.stance)
        changed, self._shown = key != self._shown, key
        return StatusNow(status, changed)

    # -- feeding the tracker and rules ---------------------------------------------------

    def _feed(self, obs: Observation, cause: Cause | None = None,
              frame: JudgedFrame | None = None) -> None:
        max_gap = self.settings.sitting.max_gap_s
        if self._suspended_s and self._last_t is not None and obs.t - self._last_t > max_gap:
            start, slept, self._suspended_s = self._last_t, self._suspended_s, 0.0
            self._fill(start, min(start + slept, obs.t), Posture.AWAY, Cause.SUSPEND)
        update = self._engine.observe(obs, held=self._quiet.holds(obs.t) or self._desk.holds)
        self._emit(Observed(obs, cause, frame))
        self._spans(update.ended, obs.t)
        for reminder in update.fired:
            self._emit(ReminderFired(reminder))
            self._exercises.reminded(reminder)
        for reminder in update.decided:
            if reminder.acted is not None:
                self._settle_by_camera(reminder, reminder.acted, reminder.note)
        self._last_t = obs.t
        if cause is None:
            self._last_state = obs.state
        if cause is not Cause.CAMERA:
            self._show(obs.t, TrayState(obs.state.value))

    def _spans(self, ended: tuple[Bout | Break, ...], now: float) -> None:
        """Bouts and breaks: the ones this observation ended once, the bout in progress
        as it grows, the break in progress up to ``now``."""
        for span in ended:
            self._emit(BoutChanged(span) if isinstance(span, Bout) else BreakChanged(span))
        tracker = self._engine.sitting
        going = tracker.going_bout
        if going is not None and going != self._going_bout:
            self._going_bout = going
            self._emit(BoutChanged(going, going=True))
        if (brk := tracker.going_break) is not None:
            self._emit(BreakChanged(brk, now))

    def _fill(self, start: float, end: float, state: Posture, cause: Cause) -> None:
        """Made-up observations across ``(start, end]``, close enough together that the
        tracker sees time spent in ``state`` rather than an unseen gap."""
        step = self.settings.sitting.max_gap_s / 2
        t = start + step
        while t < end:
            self._feed(Observation(t, state), cause)
            t += step
        if end > start:
            self._feed(Observation(end, state), cause)

    def _fill_camera_loss(self, now: float) -> None:
        """While the camera is lost the bout goes on (``camera_loss = "sitting"``) if the
        person was there when it went; otherwise the time is unseen."""
        last_t, last_state = self._last_t, self._last_state
        if self._camera_problem is None or last_t is None or last_state is None:
            return
        if self.settings.monitor.camera_loss != "sitting" or not last_state.present:
            return
        if now - last_t >= self.settings.sitting.max_gap_s / 2:
            # on their feet when it went (a standing desk): still standing, not sitting
            self._fill(last_t, now, last_state if last_state is Posture.STANDING
                       else Posture.UNKNOWN, Cause.CAMERA)

    # -- reminders and what became of them -----------------------------------------------

    def _exercise_news(self, news: WatchNews) -> None:
        """Movements counted: sets over; a reminder followed by its movement is acted on
        ("5 wall angels, seen"), one whose watch passed without it is not."""
        for done in news.sets:
            self._emit(ExerciseCounted(done))
        reminders = self._engine.reminders
        for reminder_id, reps, exercise in news.settled:
            if not 0 <= reminder_id < len(reminders):
                continue
            if reps:
                note = seen_note(reps, exercise)
                self._settle_by_camera(reminders[reminder_id], True, note)
                self._notice("Seen", f"{note[0].upper()}{note[1:]}. Well done.")
            else:
                self._settle_by_camera(reminders[reminder_id], False)

    def _settle_by_camera(self, reminder: Reminder, acted: bool, note: str = "") -> None:
        """Acted on when the camera saw it; otherwise ignored, unless the person answered
        (their answer stands)."""
        if acted:
            self._settle(reminder, ReminderOutcome.ACTED, note)
        elif reminder.id not in self._answered:
            self._settle(reminder, ReminderOutcome.IGNORED, note)

    def _settle_left_open(self) -> None:
        """The watching ends (the monitor stops, the recording ends) with reminders nobody
        answered and the camera has not judged: a bubble still up, one answered only with
        "Show me how", one whose window the camera missed. Nothing answered and nothing
        seen is what "ignored" means; the note says why (docs/HISTORY.md)."""
        for reminder in self._engine.reminders:
            if reminder.id not in self._settled:
                self._settle(reminder, ReminderOutcome.IGNORED,
                             "no answer before the watching ended")

    def _answer(self, t: float, reminder_id: int, outcome: str) -> None:
        reminders = self._engine.reminders
        try:
            answer = ReminderOutcome(outcome)
        except ValueError:
            return
        if not 0 <= reminder_id < len(reminders):
            return
        self._answered.add(reminder_id)
        self._settle(reminders[reminder_id], answer)
        if answer is ReminderOutcome.DONE and (told := self._stance.done(
                reminders[reminder_id].rule)):
            self._notice("Stance", told)
        if answer is ReminderOutcome.SNOOZED:
            self._snooze(t, None)

    def _snooze(self, t: float, seconds: float | None) -> None:
        self._quiet.snooze(t, self.settings.monitor.snooze_min * 60 if seconds is None
                           else seconds)

    def _resume(self, t: float) -> None:
        self._emit(PauseChanged(self._quiet.resume(), t))
        self._show(t, TrayState.STARTING)

    def _say_stance(self, stance: str) -> None:
        if (told := self._stance.say(stance)) is not None:
            self._notice("Stance", told)

    def _quiet_carried(self, carry: Carry) -> None:
        """The pause or snooze the last run left going on goes on (its pause row ended
        with that run: this run's begins now). Said once, with how to end it."""
        if carry.snoozed_until is not None and carry.snoozed_until > 0:
            self._quiet.snooze(0.0, carry.snoozed_until)
        if carry.paused_until is None or carry.paused_until <= 0:
            return
        self._quiet.pause(0.0, None if carry.paused_until == math.inf else carry.paused_until)
        self._emit(PauseChanged(0.0, None))
        self._show(0.0, TrayState.PAUSED)
        until = "until you resume" if carry.paused_until == math.inf else \
            f"for {carry.paused_until / 60:.0f} more minutes"
        self._notice("Still paused", f"Paused before the restart, {until}: Resume in the "
                     "menu or `posturewatch resume` watches again.")

    # -- calibration ---------------------------------------------------------------------

    def _start_calibration(self, t: float) -> None:
        calibration = self.settings.calibration
        self._calibration.start(t, calibration)
        self._closer_s = min(self._closer_s, calibration.step_s)
        self._notice("Calibrating: sit tall",
                     f"Sit tall and look at the screen for {calibration.seconds:g} seconds.")

    def _collect(self, frame: JudgedFrame) -> None:
        made = self._calibration.collect(frame.t, frame.metrics, self.settings.calibration,
                                         self.settings.classifier)
        if isinstance(made, PostureWatchError):
            self._notice("Calibration failed", str(made), logging.WARNING)
        elif made is not None:
            self._calibrated, self._stale = True, False
            self._emit(Calibrated(frame.t, made))
            self._notice("Calibrated", recorded_text(made, self.settings.classifier))

    # -- what happened -------------------------------------------------------------------

    def _sync_clock(self) -> None:
        """The calendar's local offset moves with a daylight-saving change or a clock set."""
        if self._engine.clock_offset_s != self._calendar.offset_s:
            self._engine.clock_offset_s = self._calendar.offset_s

    def _show(self, t: float, state: TrayState) -> None:
        """The tray's state: a pause, a lock or call, and a lost camera come first."""
        if self._quiet.paused:
            state = TrayState.PAUSED
        elif (desk := desk_state(self._desk.facts)) is not None:
            state = desk
        elif self._camera_problem is not None:
            state = TrayState.CAMERA_PROBLEM
        if state != self._tray:
            self._tray, self._since = state, t

    def _notice(self, title: str, body: str, level: int = logging.INFO) -> None:
        self._emit(Notice(title, body, level))

    def _settle(self, reminder: Reminder, outcome: ReminderOutcome, note: str = "") -> None:
        self._settled.add(reminder.id)
        self._emit(ReminderSettled(reminder, outcome, note))

    def _emit(self, message: Message) -> None:
        self._out.append(message)

    def _happened(self) -> Happened:
        happened, self._out = Happened(tuple(self._out)), []
        return happened
