"""The desk's devices through the watch session's public API, time as an input: a call
(the camera lent, the microphone recorded), a locked screen, one of our own windows
holding the camera, the battery; and when the monitor looks (``core/sampling.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_session import (
    AWAY,
    CALENDAR,
    CATALOG,
    ONLY_BREAKS,
    UP,
    feed,
    fired,
    settings_from,
    stream,
)

from posturewatch.core.monitor_status import TrayState
from posturewatch.core.sampling import Exposure, Next, SamplingSettings
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.devices import (
    CameraInUse,
    MicrophoneInUse,
    OnBattery,
    ScreenLocked,
    WindowOpen,
)
from posturewatch.core.watch.happened import Cause, DayTotals, Observed, SpellChanged
from posturewatch.core.watch.session import WatchSession

MIN = 60.0


@pytest.fixture(scope="module")
def breaks_only(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_from(tmp_path_factory.mktemp("breaks"), ONLY_BREAKS)


def spells(messages: list) -> list[tuple[str, float, float | None]]:
    return [(m.spell, m.start, m.end) for m in messages
            if isinstance(m, SpellChanged) and m.now is None]


def test_a_long_call_is_sitting_holds_reminders_and_brings_one_that_names_it(
        breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    out = list(feed(session, stream(UP, 10 * MIN)).messages)
    out += session.device(600.0, MicrophoneInUse("Firefox")).messages
    assert not session.looking
    status = session.status(601.0)
    assert status.state is TrayState.IN_CALL and status.not_looking == ("in a call",)
    assert status.camera == "closed: in a call" and status.call_since is not None
    for t in range(610, 600 + 70 * 60, 10):  # the monitor ticks while it does not look
        out += session.tick(float(t)).messages
    made_up = [m for m in out if isinstance(m, Observed) and m.cause is Cause.CALL]
    assert made_up and {m.obs.state.present for m in made_up} == {True}
    assert not [m for m in out if getattr(m, "reminder", None)]  # held: 80 min, none sent
    out += session.device(600.0 + 70 * MIN, MicrophoneInUse(None)).messages
    assert session.looking and session.status(4800.0).not_looking == ()
    after = feed(session, stream(UP, 30, start=600.0 + 70 * MIN))
    (reminder,) = after.fired
    assert reminder.title == "Stand up after that call"
    assert reminder.body.startswith("You sat 70 min through that call — stand up for a few")
    assert reminder.t == pytest.approx(600.0 + 70 * MIN, abs=1)
    assert spells(out) == [("call", 600.0, None), ("call", 600.0, 600.0 + 70 * MIN)]
    totals = session.close(4830.0).of(DayTotals)[0].sitting
    assert sum(b.sitting_s for b in totals.bouts) == pytest.approx(4829, abs=2)
    assert totals.unseen_s < 1


def test_a_short_call_holds_the_due_reminder_until_it_ends(breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    feed(session, stream(UP, 40 * MIN))
    session.device(40 * MIN, CameraInUse("zoom (pid 4242)"))
    status = session.status(40 * MIN)
    assert status.not_looking == ("in a call", "camera lent to zoom (pid 4242)")
    assert status.camera == "lent to zoom (pid 4242)"
    held = [session.tick(float(t)) for t in range(2410, 3000, 10)]
    assert not [r for h in held for r in h.fired]  # due at 45 min, held
    session.device(50 * MIN, CameraInUse(None))
    after = feed(session, stream(UP, 10, start=50 * MIN))
    assert [(rule, level) for _, rule, level in fired(after)] == [("break", 1)]
    assert after.fired[0].title == "Stand up and walk a little"  # the call was short


def test_a_locked_screen_is_away_and_a_long_lock_a_break(breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    feed(session, stream(UP, 30 * MIN))
    out = list(session.device(30 * MIN, ScreenLocked(True)).messages)
    status = session.status(30 * MIN + 1)
    assert status.state is TrayState.LOCKED and status.not_looking == ("locked",)
    assert status.locked_since is not None and not session.looking
    for t in range(1810, 1800 + 20 * 60, 10):
        out += session.tick(float(t)).messages
    made_up = {(m.obs.state, m.cause) for m in out if isinstance(m, Observed)}
    assert made_up == {(AWAY, Cause.LOCKED)}
    out += session.device(50 * MIN, ScreenLocked(False)).messages
    assert session.looking
    feed(session, stream(UP, 10, start=50 * MIN))
    totals = session.close(50 * MIN + 10).of(DayTotals)[0].sitting
    assert [(b.start, b.end) for b in totals.breaks] == [(30 * MIN, 50 * MIN)]
    assert spells(out) == [("locked", 1800.0, None), ("locked", 1800.0, 3000.0)]


def test_our_own_window_with_the_camera_is_no_call(breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    feed(session, stream(UP, 10 * MIN))
    session.device(600.0, CameraInUse("posturewatch look (pid 77)", ours=True))
    status = session.status(601.0)
    assert status.state is TrayState.CAMERA_LENT and not session.looking
    assert status.not_looking == ("camera lent to posturewatch look (pid 77)",)
    assert not session.tick(900.0).of(Observed)  # not sitting, not away: unseen


def test_the_camera_lent_to_the_trays_window_until_it_closes(breaks_only: Settings) -> None:
    """The tray's "What the camera sees" lends the camera before the window opens it:
    not looking, unseen, no call; the node watcher's later word on the same window (or
    that nobody else has the node) changes nothing until the tray takes the camera back."""
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    feed(session, stream(UP, 10 * MIN))
    session.device(600.0, WindowOpen("posturewatch look"))
    assert not session.looking
    status = session.status(601.0)
    assert status.state is TrayState.CAMERA_LENT and status.camera == "lent to posturewatch look"
    assert status.not_looking == ("camera lent to posturewatch look",) and status.call_since is None
    session.device(602.0, CameraInUse(None))  # the window has not opened the node yet
    assert not session.looking
    assert not session.tick(900.0).of(Observed)  # not sitting, not away: unseen
    session.device(901.0, WindowOpen(None))
    assert session.looking and session.status(902.0).not_looking == ()


def test_battery_is_said_in_the_status(breaks_only: Settings) -> None:
    session = WatchSession(breaks_only, CATALOG, CALENDAR)
    session.device(0.0, OnBattery(True))
    assert session.on_battery and session.looking
    assert session.status(1.0).on_battery
    assert "on battery" in session.status(1.0).tooltip()


def test_looks_come_every_look_interval_and_the_camera_is_held_only_when_unsure() -> None:
    looks = SamplingSettings(1.0, 5.0, "looks", 10.0, 20.0)
    assert looks.next(unsure=False) == Next(10.0, False)
    assert SamplingSettings(1.0, 5.0).next(unsure=False) == Next(15.0, False)  # default
    assert looks.next(unsure=True) == Next(1.0, True)  # a change confirmed in seconds
    assert looks.next(unsure=False, on_battery=True) == Next(20.0, False)
    assert looks.next(unsure=False, closer_s=0.5) == Next(0.5, True)  # a wall angel watched
    assert looks.next(unsure=False, closer_s=6.0) == Next(6.0, False)
    steady = SamplingSettings(1.0, 5.0, "continuous", 10.0, 20.0)
    assert steady.next(unsure=False) == Next(5.0, True)
    assert steady.next(unsure=False, on_battery=True) == Next(20.0, True)


def test_a_look_waits_for_the_exposure_to_settle() -> None:
    exposure = Exposure(level=2.0, max_s=2.0)
    ramp = [(0.00, 10.0), (0.03, 60.0), (0.07, 95.0), (0.10, 110.0), (0.13, 111.0),
            (0.17, 111.5)]
    said = [exposure.settled(t, b) for t, b in ramp]
    assert said == [False, False, False, False, False, True] and exposure.frames == 6
    first = Exposure(level=2.0, max_s=2.0)  # a still picture: the first never counts
    assert [first.settled(t, 80.0) for t in (0.0, 0.03, 0.07, 0.1)] == [False, False, False,
                                                                       True]
    capped = Exposure(level=2.0, max_s=0.5)  # a flickering light: the latest after max_s
    assert [capped.settled(t, 50.0 + 30 * (i % 2)) for i, t in
            enumerate((0.0, 0.2, 0.4, 0.6))] == [False, False, False, True]


def test_the_look_intervals_must_fit_the_gap_allowance(tmp_path: Path) -> None:
    from posturewatch.errors import PostureWatchError

    with pytest.raises(PostureWatchError, match="camera.battery_look_every_s = 30"):
        settings_from(tmp_path, "[camera]\nbattery_look_every_s = 30.0\n")
