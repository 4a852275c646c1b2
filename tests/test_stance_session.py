"""Standing is not sitting, through the watch session's public API with time as an input:
standing up ends the sitting bout at once and acts on the break reminder ("seen
standing"); a long enough stand is a break; standing time is counted; the sit-stand
reminder after a long stand; the person's word on their stance (a sit-stand desk); a
stretch reminder acted on when its movement is seen, and the other movements counted
beside the wall angels."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_session import CALENDAR, CATALOG, ONLY_BREAKS, Seen, feed, settings_from, stream

from posturewatch.core.monitor_status import TrayState
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.side_stretches import SidePose, SideStretchCounter
from posturewatch.core.sitting import SittingSettings, SittingTracker
from posturewatch.core.stance import Stance
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.commands import Outcome, SayStance
from posturewatch.core.watch.happened import (
    BoutChanged,
    BreakChanged,
    DayTotals,
    ExerciseCounted,
    Observed,
    ReminderOutcome,
)
from posturewatch.core.watch.session import WatchSession

UP, STAND, AWAY = Posture.UPRIGHT, Posture.STANDING, Posture.AWAY
STRETCHES = """
[break]
enabled = false
[posture]
enabled = false
[wall_angel]
enabled = false
[ergonomics]
enabled = false
[sit_stand]
enabled = false
[stretch]
every_min = 1.0
floor = true
[reminders]
min_gap_min = 0.0
"""


@pytest.fixture(scope="module")
def stands(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_from(tmp_path_factory.mktemp("stands"), ONLY_BREAKS)  # and sit_stand


# -- the tracker ---------------------------------------------------------------------------


def track(*segments: tuple[float, Posture]) -> SittingTracker:
    tracker = SittingTracker(SittingSettings(min_break_s=60.0, max_gap_s=10.0))
    t = 0.0
    for seconds, state in segments:
        for _ in range(int(seconds)):
            tracker.update(Observation(t, state))
            t += 1.0
    return tracker


def test_standing_up_ends_the_bout_at_once_and_a_short_stand_is_no_break() -> None:
    tracker = track((600, UP), (10, STAND), (300, UP))
    first, second = tracker.bouts
    assert (first.start, first.end, first.sitting_s) == (0, 600, 600)
    assert (second.start, second.sitting_s) == (610, 299)
    assert not tracker.breaks
    assert tracker.standing_s == 10 and tracker.totals().summary()["standing_s"] == 10


def test_a_long_enough_stand_is_a_break_and_away_after_it_adds_up() -> None:
    tracker = track((600, UP), (40, STAND), (30, AWAY), (100, UP))
    [brk] = tracker.breaks
    assert (brk.start, brk.end) == (600, 670)
    assert [b.end for b in tracker.bouts] == [600, 769]
    assert tracker.standing_s == 40


def test_standing_time_since_the_last_sit_is_the_sit_stand_clock() -> None:
    # (each observation's state holds until the next: the last one is not counted yet)
    tracker = track((60, UP), (1200, STAND), (20, AWAY), (600, STAND))
    assert tracker.current_standing_s == 1799  # a short absence does not start it over
    tracker = track((60, UP), (1200, STAND), (120, AWAY), (600, STAND))
    assert tracker.current_standing_s == 599  # an absence of a break's length does
    assert track((60, UP), (600, STAND), (5, UP)).current_standing_s == 0


# -- the session -------------------------------------------------------------------------


def test_the_break_reminder_is_acted_on_when_the_person_stands_up(stands: Settings) -> None:
    session = WatchSession(stands, CATALOG, CALENDAR)
    happened = feed(session, stream(UP, 2750) + stream(STAND, 20, start=2750)
                    + stream(UP, 100, start=2770))
    [reminder] = happened.fired
    assert reminder.rule == "break" and reminder.t == 2700
    [settled] = happened.settled
    assert settled.outcome is ReminderOutcome.ACTED and settled.note == "seen standing"
    ended = [m.bout for m in happened.of(BoutChanged) if not m.going]
    assert [b.end for b in ended] == [2750]  # the bout ended where the person stood up
    assert not [m for m in happened.of(BreakChanged) if m.brk.end is not None]
    standing = [m for m in happened.of(Observed) if m.obs.state is STAND]
    assert len(standing) == 20
    totals = session.close(2870.0).of(DayTotals)[0]
    assert totals.sitting.standing_s == 20


def test_after_a_long_stand_the_sit_stand_reminder_and_sitting_acts_on_it(
        stands: Settings) -> None:
    session = WatchSession(stands, CATALOG, CALENDAR)
    happened = feed(session, stream(UP, 60) + stream(STAND, 2800, start=60)
                    + stream(UP, 30, start=2860))
    [sit] = [r for r in happened.fired if r.rule == "sit_stand"]
    assert sit.t == 60 + 45 * 60 and sit.guidance == "change_position"
    assert "on your feet" in sit.body
    [settled] = [s for s in happened.settled if s.reminder.rule == "sit_stand"]
    assert settled.outcome is ReminderOutcome.ACTED and settled.note == "seen sitting"
    status = session.status(2890.0)
    assert status.standing_s == 0 and status.state is TrayState.UPRIGHT


def test_the_person_says_standing_at_a_desk_the_camera_cannot_tell(stands: Settings) -> None:
    session = WatchSession(stands, CATALOG, CALENDAR)
    feed(session, stream(UP, 600))
    notice = session.command(600.0, SayStance("standing")).notices
    assert notice and "Standing at your desk" in notice[0].body
    happened = feed(session, stream(Posture.SLOUCHED, 2750, start=600))  # the same picture
    assert {m.obs.state for m in happened.of(Observed)} == {STAND}
    assert not [r for r in happened.fired if r.rule == "break"]
    assert session.status(3350.0).stance == "standing"
    assert session.status(3350.0).state is TrayState.STANDING
    [sit] = [r for r in happened.fired if r.rule == "sit_stand"]
    # "Done" on the reminder to sit says the person sat: sitting from now on
    assert not session.command(3400.0, Outcome(sit.id, "done")).of(BoutChanged)
    assert session.status(3400.0).stance == "sitting"
    later = feed(session, stream(UP, 30, start=3401))
    assert {m.obs.state for m in later.of(Observed)} == {UP}
    session.command(3500.0, SayStance("auto"))
    assert session.status(3500.0).stance == "auto"


def test_said_sitting_overrides_a_standing_the_camera_saw(stands: Settings) -> None:
    session = WatchSession(stands, CATALOG, CALENDAR)
    session.command(0.0, SayStance("sitting"))
    happened = feed(session, stream(STAND, 30))
    assert {m.obs.state for m in happened.of(Observed)} == {Posture.UNKNOWN}  # sitting
    assert session.command(30.0, SayStance("lying")).messages == ()  # not a stance


# -- stretches the camera confirms ---------------------------------------------------------

LEVEL = SidePose(0.0, 100.0, 100.0)


def tilts(start: float, n: int, *, shift: float = 0.0) -> list[Seen]:
    """``n`` tilts to alternate sides, each held 3 s, level 3 s between (1 frame a second)."""
    frames, t = [], start
    for i in range(n):
        side = 1 if i % 2 == 0 else -1
        bent = SidePose(25.0 * side, 100.0 + 100.0 * shift * side, 100.0)
        frames += [Seen(t + k, UP, sides=LEVEL) for k in range(3)]
        frames += [Seen(t + 3 + k, UP, sides=bent) for k in range(3)]
        t += 6
    return frames + [Seen(t + k, UP, sides=LEVEL) for k in range(3)]


def test_a_neck_tilt_stretch_reminder_is_acted_on_when_tilts_are_seen(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, STRETCHES)
    session = WatchSession(settings, CATALOG, CALENDAR)
    rotation = [e.id for e in CATALOG.of_kind("stretch")]  # floor = true: all, in turn
    upright = stream(UP, 60 * (rotation.index("neck_tilt") + 1) + 1, sides=LEVEL)
    happened = feed(session, upright)
    reminder = happened.fired[-1]
    assert reminder.guidance == "neck_tilt"
    assert session.closer_look_s == settings.exercise_watch.watch_interval_s
    frames = tilts(reminder.t + 5, 4)
    happened = feed(session, frames + stream(UP, 40, start=frames[-1].t + 1, sides=LEVEL))
    [done] = [m.done for m in happened.of(ExerciseCounted)]
    assert (done.id, done.reps, done.sides) == ("neck_tilt", 4, (2, 2))
    [settled] = [s for s in happened.settled if s.reminder.id == reminder.id]
    assert settled.outcome is ReminderOutcome.ACTED and settled.note == "4 neck tilts, seen"


def test_side_bends_and_stand_ups_are_counted_beside_the_wall_angels(
        stands: Settings) -> None:
    session = WatchSession(stands, CATALOG, CALENDAR)
    frames = tilts(0.0, 2, shift=0.3)
    t = frames[-1].t + 1
    for _ in range(3):  # three sit-to-stands, two seconds each way
        frames += [Seen(t + k, UP, seen_stance=Stance.SITTING) for k in range(2)]
        frames += [Seen(t + 2 + k, STAND, seen_stance=Stance.STANDING) for k in range(2)]
        t += 4
    counted = [*feed(session, frames).of(ExerciseCounted),
               *session.close(t + 60).of(ExerciseCounted)]
    done = {m.done.id: m.done for m in counted}
    assert set(done) == {"side_bend", "stand_up"}
    assert (done["side_bend"].reps, done["side_bend"].sides) == (2, (1, 1))
    assert done["stand_up"].reps == 3 and done["stand_up"].sides is None


# -- the side-stretch counter on its own ---------------------------------------------------


def counter(settings: Settings) -> SideStretchCounter:
    return SideStretchCounter(settings.side_stretches)


def feed_poses(c: SideStretchCounter, poses: list[SidePose]) -> list[str]:
    out = [c.add(float(t), pose) for t, pose in enumerate(poses)]
    return [e for e in (*out, c.flush(float(len(poses)))) if e]


def test_a_head_tilted_from_the_start_counts_only_once_it_has_been_level(
        stands: Settings) -> None:
    tilted = SidePose(25.0, 100.0, 100.0)
    assert feed_poses(counter(stands), [tilted] * 20) == []  # a still tilted person
    assert feed_poses(counter(stands), [tilted] * 5 + [LEVEL] * 3 + [tilted] * 3
                      + [LEVEL] * 2) == ["neck_tilt"]


def test_a_camera_set_askew_rolls_head_and_shoulders_alike(stands: Settings) -> None:
    askew = [SidePose(pose.roll_deg + 17.0, pose.shoulder_x, pose.shoulder_width, 17.0)
             for pose in [LEVEL] * 3 + [SidePose(-22.0, 100.0, 100.0)] * 3 + [LEVEL] * 2]
    assert feed_poses(counter(stands), askew) == ["neck_tilt"]


def test_one_misdetected_frame_counts_nothing(stands: Settings) -> None:
    wrong = SidePose(40.0, 160.0, 30.0)  # shoulders a third as wide: a misdetection
    assert feed_poses(counter(stands), [LEVEL] * 3 + [wrong] * 2 + [LEVEL] * 3) == []
    walked = SidePose(30.0, 400.0, 100.0)  # three shoulder widths across: walking about
    assert feed_poses(counter(stands), [LEVEL] * 3 + [walked] * 3 + [LEVEL] * 3) == []


def test_a_camera_lost_while_standing_keeps_the_person_standing(tmp_path: Path) -> None:
    """With ``camera_loss = "sitting"`` (where calls cannot be told apart, issue 22) a
    person on their feet when the camera went stays standing, not sitting."""
    carries = settings_from(tmp_path, ONLY_BREAKS + '[monitor]\ncamera_loss = "sitting"\n')
    session = WatchSession(carries, CATALOG, CALENDAR)
    feed(session, stream(UP, 60) + stream(STAND, 30, start=60))
    filled = session.camera_lost(150.0, "the camera is in use")
    assert {m.obs.state for m in filled.of(Observed) if m.cause} == {STAND}
