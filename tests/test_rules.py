"""The rule engine on synthetic timelines: exact firing times, limits, outcomes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from posturewatch.app.analysis import FrameResult
from posturewatch.app.recording import Recording
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.engine import Reminder, RuleEngine, RuleSettings
from posturewatch.core.watch.calendar import RecordingCalendar
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_settings

UP, SLOUCH, AWAY, UNKNOWN = Posture.UPRIGHT, Posture.SLOUCHED, Posture.AWAY, Posture.UNKNOWN
CONFIG = load_settings(user_file=Path(__file__).with_name("no-such-user-config.toml"))
DEFAULTS = CONFIG.rules
CATALOG = load_catalog()
SECTIONS = ("breaks", "stretch", "posture", "wall_angel", "ergonomics", "sit_stand")


def only(*rules: str, **changes: dict) -> RuleSettings:
    """Default settings with just ``rules`` enabled, plus per-section field changes."""
    settings = DEFAULTS
    for section in SECTIONS:
        enabled = section in rules or (section == "breaks" and "break" in rules)
        settings = replace(settings, **{section: replace(getattr(settings, section),
                                                         enabled=enabled)})
    for section, fields in changes.items():
        settings = replace(settings, **{section: replace(getattr(settings, section), **fields)})
    return settings


def stream(*segments: tuple, start: float = 0.0, step: float = 1.0) -> Iterator[Observation]:
    """Observations every ``step`` s; each segment is (seconds, state[, closeness])."""
    t = start
    for seconds, state, *closeness in segments:
        for _ in range(round(seconds / step)):
            yield Observation(round(t, 6), state, closeness[0] if closeness else None)
            t += step


def run(engine: RuleEngine, observations: Iterable[Observation]) -> list[Reminder]:
    fired: list[Reminder] = []
    for obs in observations:
        fired.extend(engine.observe(obs).fired)
    return fired


def times(reminders: Iterable[Reminder]) -> list[tuple[float, str]]:
    return [(r.t, r.rule) for r in reminders]


# -- break --------------------------------------------------------------------------------


def test_break_fires_at_45_min_then_escalates_every_10_and_stops_after_3() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    fired = run(engine, stream((7200, UP)))
    assert times(fired) == [(2700, "break"), (3300, "break"), (3900, "break")]
    assert [r.level for r in fired] == [1, 2, 3]
    assert [r.title for r in fired] == [
        "Stand up and walk a little", "Stand up: a two-minute walk",
        "Stand up at your next pause"]
    assert "45 min" in fired[0].message and "65 min" in fired[2].message
    assert all(r.kind == "movement" and r.guidance == "gentle_movement" for r in fired)
    assert [r.acted for r in engine.reminders] == [False, False, False]


def test_break_outcome_is_decided_when_the_window_closes() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    decided_at = {}
    for obs in stream((3400, UP)):
        for reminder in engine.observe(obs).decided:
            decided_at[reminder.id] = (obs.t, reminder.acted)
    assert decided_at == {0: (3001, False)}  # 5 min after 2700 nobody left; 3300 still open


def test_break_acted_on_when_the_person_leaves_within_the_window() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    decided: list[tuple[float, Reminder]] = []
    fired: list[Reminder] = []
    for obs in stream((2800, UP), (120, AWAY), (600, UP)):
        step = engine.observe(obs)
        fired.extend(step.fired)
        decided.extend((obs.t, r) for r in step.decided)
    assert times(fired) == [(2700, "break")]
    assert [(t, r.acted) for t, r in decided] == [(2860, True)]  # away 2800, a break at 2860
    assert engine.reminders[0].acted is True


def test_break_acted_on_when_leaving_starts_at_the_end_of_the_window() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    run(engine, stream((2990, UP), (120, AWAY)))
    assert engine.reminders[0].acted is True


def test_break_not_acted_on_after_a_short_absence() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    fired = run(engine, stream((2800, UP), (30, AWAY), (600, UP)))
    assert times(fired) == [(2700, "break"), (3300, "break")]  # the bout went on
    assert engine.reminders[0].acted is False


def test_a_break_resets_the_timer_and_the_escalation() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    fired = run(engine, stream((2800, UP), (120, AWAY), (3000, UP)))
    assert times(fired) == [(2700, "break"), (2920 + 2700, "break")]
    assert [r.level for r in fired] == [1, 1]


def test_break_before_the_threshold_resets_it() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    assert times(run(engine, stream((2000, UP), (120, AWAY), (3000, UP)))) == [(4820, "break")]


def test_short_absence_does_not_reset_the_break_timer() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    assert times(run(engine, stream((2000, UP), (30, AWAY), (1000, UP)))) == [(2700, "break")]


def test_nothing_while_away_the_reminder_waits_for_the_return() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    assert times(run(engine, stream((2690, UP), (40, AWAY), (100, UP)))) == [(2730, "break")]


def test_unknown_posture_counts_as_present() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    assert times(run(engine, stream((2800, UNKNOWN)))) == [(2700, "break")]


def test_five_hz_fires_on_the_exact_frame() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    fired = run(engine, stream((2701, UP), step=0.2))
    assert [r.t for r in fired] == [pytest.approx(2700.0, abs=1e-6)]


def test_unseen_window_leaves_the_outcome_unknown() -> None:
    engine = RuleEngine(only("break"), CATALOG)
    observations = [*stream((2800, UP)), *stream((60, UP), start=3200)]  # suspended 2799..3200
    run(engine, observations)
    assert engine.reminders[0].acted is None


# -- stretch ------------------------------------------------------------------------------


def test_stretch_every_30_min_rotating_through_the_catalog() -> None:
    engine = RuleEngine(only("stretch"), CATALOG)
    fired = run(engine, stream((7200, UP)))
    assert times(fired) == [(1800, "stretch"), (3600, "stretch"), (5400, "stretch")]
    # t = 0 is local midnight here: outside the working day, so floor stretches too
    assert [r.guidance for r in fired] == ["seated_cat_cow", "seated_forward_fold",
                                           "standing_cat_cow"]
    assert all("Hold about 30 s" in r.message for r in fired)
    assert fired[0].title == "Stretch: Seated cat-cow"


def test_stretch_gives_way_once_a_break_is_due() -> None:
    engine = RuleEngine(only("stretch", "break"), CATALOG)
    fired = run(engine, stream((7200, UP)))
    assert times(fired) == [
        (1800, "stretch"), (2700, "break"), (3300, "break"), (3900, "break")]


def test_stretch_rotation_carries_over_a_break() -> None:
    engine = RuleEngine(only("stretch"), CATALOG)
    fired = run(engine, stream((1900, UP), (120, AWAY), (1900, UP)))
    assert [(r.t, r.guidance) for r in fired] == [(1800, "seated_cat_cow"),
                                                  (3820, "seated_forward_fold")]


# -- posture ------------------------------------------------------------------------------


def test_posture_after_60_s_of_slouching_with_a_10_min_cooldown() -> None:
    engine = RuleEngine(only("posture"), CATALOG)
    fired = run(engine, stream((100, UP), (1000, SLOUCH)))
    assert times(fired) == [(160, "posture"), (760, "posture")]
    assert [r.acted for r in engine.reminders] == [False, False]


def test_posture_acted_on_when_upright_within_a_minute() -> None:
    engine = RuleEngine(only("posture"), CATALOG)
    run(engine, stream((100, UP), (90, SLOUCH), (100, UP)))
    assert [(r.t, r.acted) for r in engine.reminders] == [(160, True)]


def test_posture_upright_exactly_at_the_end_of_the_minute_counts() -> None:
    engine = RuleEngine(only("posture"), CATALOG)
    run(engine, stream((120, SLOUCH), (10, UP)))
    assert [(r.t, r.acted) for r in engine.reminders] == [(60, True)]


def test_posture_upright_one_second_too_late_does_not() -> None:
    engine = RuleEngine(only("posture"), CATALOG)
    run(engine, stream((121, SLOUCH), (10, UP)))
    assert [(r.t, r.acted) for r in engine.reminders] == [(60, False)]


@pytest.mark.parametrize("interruption", [UP, UNKNOWN])
def test_posture_needs_unbroken_slouching(interruption: Posture) -> None:
    engine = RuleEngine(only("posture"), CATALOG)
    fired = run(engine, stream((100, UP), (50, SLOUCH), (1, interruption), (200, SLOUCH)))
    assert times(fired) == [(211, "posture")]


# -- wall angel and ergonomics ------------------------------------------------------------


def test_wall_angel_when_slouched_half_of_the_last_30_min() -> None:
    engine = RuleEngine(only("wall_angel"), CATALOG)
    fired = run(engine, stream((7200, SLOUCH)))
    assert times(fired) == [(900, "wall_angel"), (900 + 3600, "wall_angel")]
    assert fired[0].guidance == "wall_angel" and fired[0].kind == "exercise"
    assert fired[0].sources == ("002_cfa01021598e5606.txt",)


def test_wall_angel_window_slides() -> None:
    engine = RuleEngine(only("wall_angel"), CATALOG)
    # 600 s slouched long ago, then 900 s: only the recent 900 fill half the window
    fired = run(engine, stream((600, SLOUCH), (1200, UP), (900, SLOUCH), (600, UP)))
    assert times(fired) == [(2700, "wall_angel")]


def test_wall_angel_not_for_a_third_of_the_time() -> None:
    engine = RuleEngine(only("wall_angel"), CATALOG)
    assert run(engine, stream(*[(600, SLOUCH), (1200, UP)] * 4)) == []


def test_ergonomics_when_close_to_the_screen_half_of_10_min() -> None:
    engine = RuleEngine(only("ergonomics"), CATALOG)
    fired = run(engine, stream((3 * 3600, UP, 1.3)))
    assert times(fired) == [(300, "ergonomics"), (300 + 7200, "ergonomics")]
    assert fired[0].guidance == "desk_setup"


@pytest.mark.parametrize("closeness", [None, 1.2, 1.0])
def test_ergonomics_not_at_or_below_the_ratio(closeness: float | None) -> None:
    engine = RuleEngine(only("ergonomics"), CATALOG)
    assert run(engine, stream((3600, UP, closeness))) == []


# -- limits and controls ------------------------------------------------------------------


def test_global_gap_delays_the_next_reminder() -> None:
    engine = RuleEngine(only("posture", "break"), CATALOG)
    fired = run(engine, stream((3400, SLOUCH)))
    assert times(fired) == [
        (60, "posture"), (660, "posture"), (1260, "posture"), (1860, "posture"),
        (2460, "posture"), (2760, "break"), (3060, "posture"), (3360, "break")]


def test_held_reminders_wait_while_the_rules_watch_on() -> None:
    """A pause or a snooze (the watch session's, see test_session.py) holds reminders:
    the engine sends none while ``held``, and the due one comes once it is not."""
    engine = RuleEngine(only("break"), CATALOG)
    held = [r for obs in stream((3000, UP)) for r in engine.observe(obs, held=True).fired]
    assert held == []
    assert times(run(engine, stream((1000, UP), start=3000))) == [
        (3000, "break"), (3600, "break")]


def test_active_hours_keep_the_rest_of_the_day_quiet() -> None:
    # t = 0 is 08:00; reminders only 09:00-09:30
    settings = only("break", breaks={"max_reminders": 10},
                    reminders={"active_from_h": 9.0, "active_until_h": 9.5})
    engine = RuleEngine(settings, CATALOG, clock_offset_s=8 * 3600)
    assert [r.t for r in run(engine, stream((3 * 3600, UP)))] == [3600, 4200, 4800]


def test_active_hours_may_wrap_midnight() -> None:
    # t = 0 is 21:00; reminders 22:00-06:00
    settings = only("break", reminders={"active_from_h": 22.0, "active_until_h": 6.0})
    engine = RuleEngine(settings, CATALOG, clock_offset_s=21 * 3600)
    assert [r.t for r in run(engine, stream((4000, UP)))] == [3600]


def test_daily_cap_resets_at_midnight() -> None:
    # local midnight falls at t = 4000
    settings = only("break", breaks={"max_reminders": 10}, reminders={"daily_cap": 2})
    engine = RuleEngine(settings, CATALOG, clock_offset_s=86_400 - 4000)
    assert [r.t for r in run(engine, stream((5000, UP)))] == [2700, 3300, 4000, 4600]


def test_out_of_order_observation_is_refused() -> None:
    from posturewatch.core.sitting import TimelineError

    engine = RuleEngine(only("break"), CATALOG)
    run(engine, stream((10, UP)))
    with pytest.raises(TimelineError):
        engine.observe(Observation(3.0, UP))


def test_rules_describe_thresholds_and_sources() -> None:
    infos = {info.id: info for info in RuleEngine(DEFAULTS, CATALOG).describe()}
    assert set(infos) == {"break", "sit_stand", "stretch", "posture", "wall_angel", "ergonomics"}
    assert infos["break"].thresholds["break_after_min"] == 45
    assert infos["stretch"].thresholds["hold_s"] == 30
    assert all(info.sources and info.kind and info.enabled for info in infos.values())


# -- whole days ---------------------------------------------------------------------------


def working_day() -> list[Observation]:
    """8 h at 1 Hz: work in posture phases, short and long absences, a lunch break."""
    pattern = [
        (1500, UP, 1.0), (400, SLOUCH, 1.3), (20, AWAY), (1300, UP, 1.25), (900, SLOUCH, 1.0),
        (240, AWAY), (1100, UNKNOWN), (2000, UP, 1.1), (3600, AWAY), (800, SLOUCH, 1.3),
    ]
    return list(stream(*(pattern * 3)))[: 8 * 3600]


def test_eight_hour_day_respects_every_limit() -> None:
    """(How fast the engine goes through it: bench/core_speed.py.)"""
    day = working_day()
    engine = RuleEngine(DEFAULTS, CATALOG)
    fired = run(engine, day)
    assert {r.rule for r in fired} >= {"break", "stretch", "posture", "ergonomics"}
    assert len(fired) <= DEFAULTS.reminders.daily_cap
    gaps = [b.t - a.t for a, b in zip(fired, fired[1:])]
    assert min(gaps) >= DEFAULTS.reminders.min_gap_min * 60
    state_at = {obs.t: obs.state for obs in day}
    assert all(state_at[r.t] is not AWAY for r in fired)


def test_replay_is_json_ready() -> None:
    recording = Recording(CONFIG, CATALOG, RecordingCalendar(0.0, lambda utc: 0))
    for obs in working_day():
        recording.push(FrameResult(obs.t, obs.state, None, None, None, obs.closeness,
                                   reasons=obs.reasons))
    result = json.loads(json.dumps(recording.finish(None).to_json()))
    assert set(result) == {"sitting", "reminders"}
    assert {"sitting_s", "longest_bout_s", "breaks", "bouts"} <= set(result["sitting"])
    assert result["sitting"]["breaks"] == 5  # three 240 s absences, two lunches within 8 h
    first = result["reminders"][0]
    assert {"t", "rule", "kind", "title", "message", "sources", "acted"} <= set(first)


# -- a reload and a restart -----------------------------------------------------------------


def test_reconfigure_keeps_every_rules_progress() -> None:
    """The whole day's reminders are the same with the settings reloaded (same values)
    every ten minutes; a reload that changes the break interval applies from then on."""
    day = list(stream((50 * 60, UP), (2 * 60, AWAY), (20 * 60, SLOUCH), (40 * 60, UP),
                      step=2.0))
    plain = run(RuleEngine(DEFAULTS, CATALOG), day)
    engine = RuleEngine(DEFAULTS, CATALOG)
    fired = []
    for obs in day:
        if obs.t % 600 == 0:
            engine.reconfigure(DEFAULTS, CATALOG)
        fired.extend(engine.observe(obs).fired)
    assert [(r.id, r.t, r.rule, r.level) for r in fired] == \
        [(r.id, r.t, r.rule, r.level) for r in plain]
    assert {r.rule for r in plain} >= {"break", "stretch", "posture", "wall_angel"}

    engine = RuleEngine(only("break"), CATALOG)
    run(engine, stream((46 * 60, UP)))  # the break reminder came at 45 min
    engine.reconfigure(only("break", breaks={"repeat_min": 2.0}, reminders={"min_gap_min": 1.0}),
                       CATALOG)
    again = run(engine, stream((5 * 60, UP), start=46 * 60))
    assert [(r.t, r.level) for r in again] == [(47 * 60, 2), (49 * 60, 3)]


def test_carry_on_goes_on_with_the_bout_and_the_days_reminders() -> None:
    from posturewatch.core.reminders.engine import Sent
    from posturewatch.core.sitting import Bout

    engine = RuleEngine(only("break", reminders={"daily_cap": 3}), CATALOG,
                        clock_offset_s=12 * 3600.0)  # t = 0 is noon
    # the last run: sitting from -50 min to -10 s, its break reminder at -5 min
    engine.carry_on(Bout(-3000.0, -10.0, 2990.0), [Sent(-300.0, "break", 1),
                                                   Sent(-2000.0, "posture", 1)])
    assert engine.sitting.current_sitting_s == 2990.0
    assert engine.sent_on(0) == 2
    fired = run(engine, stream((30 * 60, UP)))
    assert [(r.t, r.level) for r in fired] == [(300.0, 2)]  # the repeat, then the cap
    assert engine.sitting.bouts[0].start == -3000.0

    fresh = RuleEngine(only("break"), CATALOG)  # a silence long enough for a break
    fresh.carry_on(Bout(-3000.0, -120.0, 2880.0), [])
    run(fresh, stream((60, UP)))
    assert fresh.sitting.current_sitting_s == pytest.approx(59, abs=1)
