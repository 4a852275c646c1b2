"""The watch session through its public API, with time as an input: hours of a watching day
in milliseconds. Pause and snooze (the one copy), the guided calibration's window, bouts
and breaks as they change, reminders and what became of them, exercise news, the camera
lost, a suspend, a restart that carries on, and the status."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from posturewatch.core.exercise import ArmPose
from posturewatch.core.metrics import PostureMetrics
from posturewatch.core.monitor_status import TrayState
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.engine import Sent
from posturewatch.core.side_stretches import SidePose
from posturewatch.core.sitting import Bout
from posturewatch.core.stance import Stance
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.calendar import RecordingCalendar
from posturewatch.core.watch.commands import Calibrate, Outcome, Pause, Resume, Snooze
from posturewatch.core.watch.happened import (
    BoutChanged,
    BreakChanged,
    Calibrated,
    Cause,
    DayTotals,
    ExerciseCounted,
    Happened,
    Judged,
    Observed,
    PauseChanged,
    ReminderOutcome,
    ReminderSettled,
)
from posturewatch.core.watch.session import Carry, WatchSession
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_settings

UP, SLOUCH, AWAY = Posture.UPRIGHT, Posture.SLOUCHED, Posture.AWAY
CATALOG = load_catalog()
T0 = 1_772_535_600.0  # 2026-03-03 11:00 UTC; 12:00 local
CALENDAR = RecordingCalendar(T0, lambda utc: 3600)
ONLY_BREAKS = """
[stretch]
enabled = false
[posture]
enabled = false
[wall_angel]
enabled = false
[ergonomics]
enabled = false
"""
GOALPOST = ArmPose(elbow_low=0.0, elbow_high=0.0, wrist_low=0.5, forearm_low=0.5)
OVERHEAD = ArmPose(elbow_low=0.5, elbow_high=0.5, wrist_low=1.5, forearm_low=1.0)


@dataclass(frozen=True)
class Seen:
    """A settled frame as the pipeline hands it out (the session's ``JudgedFrame``)."""

    t: float
    state: Posture
    metrics: PostureMetrics | None = None
    score: float | None = None
    closeness: float | None = None
    reasons: tuple[str, ...] = ()
    stale: bool = False
    arms: ArmPose | None = None
    sides: SidePose | None = None
    seen_stance: Stance = Stance.SITTING
    landmarks: None = None

    def observation(self) -> Observation:
        return Observation(self.t, self.state, self.closeness, self.reasons)


def settings_from(tmp_path: Path, text: str = "") -> Settings:
    file = tmp_path / "config.toml"
    file.write_text(text)
    return load_settings(file, user_file=tmp_path / "no-user-config.toml")


def feed(session: WatchSession, frames: Iterable[Seen]) -> Happened:
    """Every frame in; everything that happened, in order."""
    out: list = []
    for frame in frames:
        out += session.frame(frame).messages
    return Happened(tuple(out))


def stream(state: Posture, seconds: float, *, start: float = 0.0, step: float = 1.0,
           **extra: object) -> list[Seen]:
    n = int(round(seconds / step))
    return [Seen(start + i * step, state, **extra) for i in range(n)]  # type: ignore[arg-type]


def fired(happened: Happened) -> list[tuple[float, str, int]]:
    return [(r.t, r.rule, r.level) for r in happened.fired]


@pytest.fixture(scope="module")
def defaults(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_from(tmp_path_factory.mktemp("defaults"))


@pytest.fixture(scope="module")
def breaks_only(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_from(tmp_path_factory.mktemp("breaks"), ONLY_BREAKS)


# -- pause and snooze: the one copy -------------------------------------------------------


def test_snooze_holds_reminders_until_it_ends(breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    assert not session.command(0.0, Snooze(3000)).messages  # nothing to say yet
    happened = feed(session, stream(UP, 7200))
    assert [(t, rule) for t, rule, _ in fired(happened)] == [
        (3000, "break"), (3600, "break"), (4200, "break")]


def test_pause_and_resume(breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    began = session.command(0.0, Pause(None))
    assert began.messages == (PauseChanged(0.0, None),)
    assert session.paused and session.pause_ends_at == math.inf
    status = session.status(10.0)
    assert (status.state, status.camera, status.paused_until) == (TrayState.PAUSED, "paused",
                                                                   math.inf)
    assert fired(feed(session, stream(UP, 3000))) == []
    assert session.status(3000.0).state is TrayState.PAUSED  # frames do not end a pause
    assert session.tick(2000.0).messages == (PauseChanged(0.0, None, 2000.0),)  # kept current
    assert session.command(3000.0, Resume()).messages == (PauseChanged(0.0, 3000.0),)
    assert [(t, rule) for t, rule, _ in fired(feed(session, stream(UP, 1000, start=3000)))] \
        == [(3000, "break"), (3600, "break")]
    assert not session.command(4000.0, Resume()).messages  # not paused: nothing to resume


def test_a_timed_pause_ends_by_itself_and_a_snooze_outlives_a_pause(
        breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    session.command(0.0, Snooze(1200))
    session.command(0.0, Pause(600))
    session.command(100.0, Pause(300))  # a new end for the pause going on: not a new pause
    assert session.pause_ends_at == 400.0
    assert session.tick(300.0).messages == (PauseChanged(0.0, None, 300.0),)
    assert session.tick(400.0).messages == (PauseChanged(0.0, 400.0),)
    assert not session.paused and session.status(401.0).state is TrayState.STARTING
    assert session.status(401.0).snoozed_until == T0 + 1200
    assert session.status(1300.0).snoozed_until is None


def test_a_reload_keeps_the_pause_the_snooze_and_the_bout(
        defaults: Settings, breaks_only: Settings) -> None:
    session = WatchSession(defaults, CATALOG, CALENDAR)
    feed(session, stream(UP, 600))
    session.command(600.0, Snooze(None))
    session.command(600.0, Pause(None))
    happened = session.reconfigure(breaks_only, CATALOG)
    assert [n.title for n in happened.notices] == ["Settings reloaded"]
    assert session.paused and session.status(700.0).snoozed_until == \
        T0 + 600 + defaults.monitor.snooze_min * 60
    assert session.status(700.0).sitting_s == pytest.approx(599)


# -- bouts, breaks and the day -------------------------------------------------------------


def test_bouts_and_breaks_are_told_as_they_change(defaults: Settings) -> None:
    """50 minutes at the desk, 3 away (a break), 10 back: the bout in progress is handed
    out as it grows, the break too, each finished one once; the end closes what is going
    on and gives the day's totals."""
    session = WatchSession(defaults, CATALOG, CALENDAR)
    happened = feed(session, [*stream(UP, 3000), *stream(AWAY, 180, start=3000),
                              *stream(UP, 600, start=3180)])
    bouts = happened.of(BoutChanged)
    finished = [b.bout for b in bouts if not b.going]
    assert len(finished) == 1 and finished[0].sitting_s == pytest.approx(3000, abs=1)
    going = [b.bout for b in bouts if b.going]
    assert len(going) == len({b for b in going})  # each change once, not every frame
    breaks = happened.of(BreakChanged)
    assert [b.brk.end for b in breaks if b.brk.end is not None] == [3180]
    open_ones = [b for b in breaks if b.brk.end is None]
    assert open_ones and all(b.now is not None and b.brk.start == 3000 for b in open_ones)
    assert len(happened.of(Judged)) == len(happened.of(Observed)) == 3780
    end = session.close(3780.0)
    (last,) = end.of(BoutChanged)
    assert not last.going and last.bout.start == 3180
    (totals,) = end.of(DayTotals)
    assert [b.sitting_s for b in totals.sitting.bouts] == [pytest.approx(3000, abs=1),
                                                          pytest.approx(599, abs=1)]
    assert len(totals.sitting.breaks) == 1
    assert set(totals.to_json()) == {"sitting", "reminders"}


def test_a_whole_day_in_milliseconds(defaults: Settings) -> None:
    """Eight hours at a frame every 5 s, with breaks and slouching: the rules' limits hold
    and the totals add up."""
    session = WatchSession(defaults, CATALOG, CALENDAR)
    frames: list[Seen] = []
    t = 0.0
    for _ in range(4):
        for state, seconds in ((UP, 3600), (SLOUCH, 1200), (AWAY, 600), (UP, 1800)):
            frames += stream(state, seconds, start=t, step=5.0)
            t += seconds
    happened = feed(session, frames)
    times = [r.t for r in happened.fired]
    assert len(times) <= defaults.rules.reminders.daily_cap
    assert min(b - a for a, b in zip(times, times[1:])) >= \
        defaults.rules.reminders.min_gap_min * 60
    (totals,) = session.close(t).of(DayTotals)
    assert sum(totals.sitting.daily_sitting_s().values()) == pytest.approx(4 * 6600, abs=60)
    assert len(totals.sitting.breaks) == 4


# -- reminders and what became of them ------------------------------------------------------


def test_a_break_reminder_acted_on(breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    happened = feed(session, [*stream(UP, 46 * 60), *stream(AWAY, 300, start=46 * 60)])
    (reminder,) = happened.fired
    assert (reminder.rule, reminder.t) == ("break", 45 * 60)
    (settled,) = happened.settled
    assert (settled.reminder.id, settled.outcome) == (reminder.id, ReminderOutcome.ACTED)
    status = session.status(50 * 60)
    assert status.reminders_today == 1 and status.sitting_s == 0.0


def test_the_persons_answer_stands_over_the_cameras_later_verdict(
        breaks_only: Settings) -> None:
    """Answered "done", then not seen leaving within the window: the answer stands (no
    "ignored" afterwards); unanswered, the camera's "not acted" is kept as ignored. A
    "snoozed" answer snoozes."""
    answered = WatchSession(breaks_only, CATALOG, CALENDAR)
    (reminder,) = feed(answered, stream(UP, 45 * 60 + 1)).fired
    assert answered.command(2710.0, Outcome(reminder.id, "done")).settled == (
        ReminderSettled(reminder, ReminderOutcome.DONE),)
    later = feed(answered, stream(UP, 20 * 60, start=2701))
    assert [s for s in later.settled if s.reminder.id == reminder.id] == []
    assert answered.command(4000.0, Outcome(99, "done")).messages == ()  # no such reminder
    assert answered.command(4000.0, Outcome(reminder.id, "shrugged")).messages == ()

    silent = WatchSession(breaks_only, CATALOG, CALENDAR)
    feed(silent, stream(UP, 45 * 60 + 1))
    ignored = feed(silent, stream(UP, 20 * 60, start=2701)).settled
    assert [(s.reminder.id, s.outcome) for s in ignored][:1] == [(0, ReminderOutcome.IGNORED)]

    snoozing = WatchSession(breaks_only, CATALOG, CALENDAR)
    (first,) = feed(snoozing, stream(UP, 45 * 60 + 1)).fired
    snoozing.command(2710.0, Outcome(first.id, "snoozed"))
    assert snoozing.status(2710.0).snoozed_until == \
        T0 + 2710 + breaks_only.monitor.snooze_min * 60


def test_a_wall_angel_reminder_is_acted_on_when_the_camera_counts_some(
        tmp_path: Path) -> None:
    settings = settings_from(tmp_path, """
[break]
enabled = false
[stretch]
enabled = false
[posture]
enabled = false
[ergonomics]
enabled = false
[wall_angel]
window_min = 1.0
slouch_share = 0.5
""")
    session = WatchSession(settings, CATALOG, CALENDAR)
    (reminder,) = feed(session, stream(SLOUCH, 120)).fired
    assert reminder.rule == "wall_angel"
    assert session.closer_look_s == settings.exercise_watch.watch_interval_s  # slow slides
    t = 130.0  # after the frames fed so far
    moves = []
    for _ in range(3):
        moves += [Seen(t, UP, arms=GOALPOST), Seen(t + 2, UP, arms=OVERHEAD)]
        t += 4
    happened = feed(session, [*moves, *stream(UP, 60, start=t)])
    (done,) = happened.of(ExerciseCounted)
    assert done.done.reps == 3
    (settled,) = happened.settled
    assert (settled.reminder.id, settled.outcome, settled.note) == (
        reminder.id, ReminderOutcome.ACTED, "3 wall angels, seen")
    assert "3 wall angels, seen. Well done." in [n.body for n in happened.notices]
    assert session.closer_look_s == math.inf  # the watch is over


def test_a_set_still_going_at_the_end_is_counted_then(defaults: Settings) -> None:
    session = WatchSession(defaults, CATALOG, CALENDAR)
    happened = feed(session, [Seen(1.0, UP, arms=GOALPOST), Seen(2.0, UP, arms=OVERHEAD)])
    assert not happened.of(ExerciseCounted)
    (done,) = session.close(3.0).of(ExerciseCounted)
    assert (done.done.reps, done.done.from_s, done.done.to_s) == (1, 1.0, 2.0)


# -- calibration ----------------------------------------------------------------------------


def upright_metrics(**changes: float) -> PostureMetrics:
    m = PostureMetrics(view="front", visibility=0.99, head_size=0.25, head_pitch=0.1,
                       shoulder_tilt_deg=0.0, head_tilt_deg=0.0, head_height=0.64,
                       face_scale=0.4, lean_deg=0.0, head_roll_deg=0.0, body_lean_deg=0.0)
    return dataclasses.replace(m, **changes)


def test_a_guided_calibration_collects_then_calibrates(defaults: Settings) -> None:
    session = WatchSession(defaults, CATALOG, CALENDAR)
    assert session.status(0.0).calibration == "none"
    started = session.command(100.0, Calibrate())
    assert [n.title for n in started.notices] == ["Calibrating: sit tall"]
    step = defaults.calibration.seconds / defaults.calibration.target_frames
    assert session.closer_look_s == step
    frames = stream(UP, 60, start=100, step=step, metrics=upright_metrics())
    happened = feed(session, frames)
    (done,) = happened.of(Calibrated)
    assert done.baseline.frames == defaults.calibration.target_frames
    assert happened.calibrated is done.baseline
    assert [n.title for n in happened.notices] == ["Calibrated"]
    assert session.status(200.0).calibration == "ok"


def test_a_calibration_that_sees_nobody_fails_in_one_notice(defaults: Settings) -> None:
    session = WatchSession(defaults, CATALOG, CALENDAR)
    session.command(0.0, Calibrate())
    happened = feed(session, stream(AWAY, defaults.calibration.seconds + 5))
    assert not happened.of(Calibrated)
    assert [n.title for n in happened.notices] == ["Calibration failed"]
    assert session.closer_look_s == math.inf


def test_a_stale_calibration_is_said_once(defaults: Settings) -> None:
    session = WatchSession(defaults, CATALOG, CALENDAR, calibrated=True)
    happened = feed(session, stream(UP, 300, stale=True))
    assert [n.title for n in happened.notices] == ["Calibrate again?"]
    assert session.status(300.0).calibration == "stale"


# -- the camera and the clocks --------------------------------------------------------------


def test_a_camera_gone_without_a_call_is_unseen_and_said_once(defaults: Settings) -> None:
    """Issue 21, point 9: hours without a camera, and no call, are not sitting."""
    session = WatchSession(defaults, CATALOG, CALENDAR)
    feed(session, stream(UP, 600))
    lost = session.camera_lost(600.0, "no camera at 0")
    assert [n.body for n in lost.notices] == ["no camera at 0. Retrying by itself."]
    assert not session.camera_lost(602.0, "no camera at 0").notices
    status = session.status(610.0)
    assert status.state is TrayState.CAMERA_PROBLEM
    assert status.camera == "camera problem: no camera at 0"
    assert not session.tick(5 * 3600.0).of(Observed)  # nothing made up
    feed(session, stream(UP, 10, start=5 * 3600.0))
    totals = session.close(5 * 3600.0 + 10).of(DayTotals)[0].sitting
    assert totals.unseen_s == pytest.approx(5 * 3600.0 - 600, abs=2)
    assert sum(b.sitting_s for b in totals.bouts) == pytest.approx(609, abs=2)
    assert session.status(5 * 3600.0 + 10).camera == "ok"


def test_camera_loss_sitting_carries_the_bout_on(tmp_path: Path) -> None:
    session = WatchSession(settings_from(tmp_path, '[monitor]\ncamera_loss = "sitting"\n'),
                           CATALOG, CALENDAR)
    feed(session, stream(UP, 600))
    session.camera_lost(600.0, "camera taken by another app")
    filled = session.tick(1800.0)
    assert filled.of(Observed) and {o.cause for o in filled.of(Observed)} == {Cause.CAMERA}
    back = feed(session, stream(UP, 10, start=2400))
    assert {o.cause for o in back.of(Observed)} == {Cause.CAMERA, None}
    status = session.status(2410.0)
    assert status.camera == "ok" and status.state is TrayState.UPRIGHT
    assert status.sitting_s == pytest.approx(2409, abs=1)  # sat through the loss


def test_a_suspend_is_away_time_and_a_long_one_a_break(defaults: Settings) -> None:
    session = WatchSession(defaults, CATALOG, CALENDAR)
    feed(session, stream(UP, 600))
    session.suspended(1800.0)
    happened = feed(session, stream(UP, 10, start=2400))
    suspended = [o for o in happened.of(Observed) if o.cause is Cause.SUSPEND]
    assert suspended and {o.obs.state for o in suspended} == {AWAY}
    assert [b.brk.end for b in happened.of(BreakChanged) if b.brk.end is not None] == [2400.0]
    assert session.status(2410.0).sitting_s == pytest.approx(9, abs=1)


def test_a_restart_carries_on_with_the_bout_and_the_days_reminders(
        breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    session.carry_on(Carry(Bout(-3000.0, -10.0, 2990.0), (Sent(-300.0, "break", 1),)))
    status = session.status(0.0)
    assert status.sitting_s == 2990.0 and status.reminders_today == 1
    happened = feed(session, stream(UP, 30 * 60))
    assert fired(happened) == [(300.0, "break", 2), (900.0, "break", 3)]  # the repeats
    assert [b.bout.start for b in happened.of(BoutChanged)][:1] == [-3000.0]
    assert session.frame(Seen(-5.0, UP)).messages == ()  # from before the restart


def test_the_status_is_shown_again_only_when_it_changed(defaults: Settings) -> None:
    session = WatchSession(defaults, CATALOG, CALENDAR, source="camera 0", pid=42)
    first = session.publish(0.0)
    assert first.changed and (first.status.source, first.status.pid) == ("camera 0", 42)
    assert first.status.state is TrayState.STARTING and first.status.history == "ok"
    assert not session.publish(1.0).changed
    feed(session, stream(UP, 30))
    assert session.publish(30.0).changed  # upright now
    assert not session.publish(31.0).changed
    assert session.publish(31.0, history="off").changed
    assert session.status(31.0).since == T0  # the state began at t = 0


def test_a_guided_calibration_that_looks_odd_is_kept_and_says_what(defaults: Settings) -> None:
    """The guard refuses only what is clearly not upright; a head tilted a little is kept,
    and the notice says what looked odd (as `calibrate` does on the terminal)."""
    session = WatchSession(defaults, CATALOG, CALENDAR)
    session.command(0.0, Calibrate())
    step = defaults.calibration.seconds / defaults.calibration.target_frames
    tilted = upright_metrics(head_roll_deg=9.0)  # over the 8° threshold, under the 10° refused
    happened = feed(session, stream(UP, 60, step=step, metrics=tilted))
    assert happened.of(Calibrated)
    (notice,) = happened.notices
    assert notice.title == "Calibrated"
    assert "your head is tilted to the left" in notice.body and "kept" in notice.body


def test_a_restart_carries_on_with_the_pause_and_the_snooze(defaults: Settings) -> None:
    """The last run's pause (10 more minutes) and snooze (20): paused from the start, said
    once, the pause row this run's own; watching again when it ends; the snooze goes on."""
    session = WatchSession(defaults, CATALOG, CALENDAR)
    session.carry_on(Carry(None, (), paused_until=600.0, snoozed_until=1200.0))
    assert session.paused and session.pause_ends_at == 600.0
    status = session.status(0.0)
    assert status.state is TrayState.PAUSED and status.snoozed_until == T0 + 1200.0
    first = session.tick(1.0)
    assert [p.start for p in first.of(PauseChanged)][:1] == [0.0]
    (still,) = [n for n in first.messages if getattr(n, "title", "") == "Still paused"]
    assert "for 10 more minutes" in still.body
    over = session.tick(600.0)
    assert [(p.start, p.end) for p in over.of(PauseChanged)] == [(0.0, 600.0)]
    assert not session.paused and session.status(600.0).snoozed_until == T0 + 1200.0
    until = WatchSession(defaults, CATALOG, CALENDAR)
    until.carry_on(Carry(None, (), paused_until=math.inf))
    assert until.pause_ends_at == math.inf
    assert any("until you resume" in getattr(n, "body", "") for n in until.tick(1.0).messages)


def test_every_reminder_ends_with_an_outcome(breaks_only: Settings) -> None:
    """The watching ends two minutes after a break reminder nobody answered and the camera
    has not judged yet: it is ignored, with a note; an answered one keeps its answer."""
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    happened = feed(session, stream(UP, 47 * 60))
    assert fired(happened) == [(2700.0, "break", 1)]
    closed = session.close(47 * 60.0)
    (settled,) = closed.of(ReminderSettled)
    assert settled.outcome is ReminderOutcome.IGNORED
    assert settled.note == "no answer before the watching ended"

    answered = WatchSession(breaks_only, CATALOG, CALENDAR)
    feed(answered, stream(UP, 46 * 60))
    answered.command(46 * 60.0, Outcome(0, "snoozed"))
    assert not answered.close(47 * 60.0).of(ReminderSettled)
