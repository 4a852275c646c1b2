"""Reminders a person at a desk acts on: a bubble read at a glance, desk stretches during
the working day, water with the break and breathing with the stretch (rule engine, pure)."""

from __future__ import annotations

from test_rules import CATALOG, DEFAULTS, UP, only, run, stream

from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.engine import RuleEngine
from posturewatch.core.reminders.reminder import BODY_MAX, one_line

NINE_AM = 9 * 3600.0


def stretches(offset_s: float, **stretch: object) -> list[str]:
    engine = RuleEngine(only("stretch", stretch=stretch), CATALOG, clock_offset_s=offset_s)
    return [r.guidance for r in run(engine, stream((7 * 1800 + 10, UP)))]


def test_the_working_day_brings_only_stretches_done_at_the_desk_or_beside_it() -> None:
    fired = stretches(NINE_AM)
    assert len(fired) == 7
    assert {CATALOG.get(e).where[0] for e in fired} <= {"desk", "standing"}
    assert set(fired) == {"seated_cat_cow", "seated_forward_fold", "standing_cat_cow",
                          "neck_tilt", "side_bend"}


def test_floor_stretches_when_asked_for_or_outside_the_working_day() -> None:
    floor = {e.id for e in CATALOG.of_kind("stretch") if "floor" in e.where}
    assert floor and floor <= set(stretches(NINE_AM, floor=True))
    assert floor <= set(stretches(19 * 3600.0))  # 7 pm, after the working day


def test_water_with_the_break_and_breathing_with_the_stretch_cite_their_documents() -> None:
    engine = RuleEngine(only("break", "stretch"), CATALOG, clock_offset_s=NINE_AM)
    fired = {r.rule: r for r in run(engine, stream((2800, UP)))}
    brk, stretch = fired["break"], fired["stretch"]
    assert brk.also == ("hydration",) and "water" in brk.body
    assert set(CATALOG.get("hydration").sources) <= set(brk.sources)
    assert stretch.also == ("diaphragmatic_breathing",) and "Breathe" in stretch.body
    assert set(CATALOG.get("diaphragmatic_breathing").sources) <= set(stretch.sources)


def test_every_bubble_says_what_to_do_in_its_title_and_why_in_one_short_line() -> None:
    engine = RuleEngine(DEFAULTS, CATALOG, clock_offset_s=NINE_AM)
    for t in range(4 * 3600):
        engine.observe(Observation(float(t), Posture.SLOUCHED if t % 1200 < 900
                                   else Posture.UPRIGHT, 1.3))
    reminders = engine.reminders
    assert {r.rule for r in reminders} == {"break", "posture", "wall_angel", "stretch",
                                           "ergonomics"}
    for r in reminders:
        assert 0 < len(r.body) <= BODY_MAX and "\n" not in r.body, r
        assert r.title and len(r.title) <= 60, r.title
        assert CATALOG.get(r.guidance).brief in r.body


def test_an_overlong_line_is_cut_at_a_word() -> None:
    line = one_line("word " * 100)
    assert len(line) <= BODY_MAX and line.endswith("word…")
