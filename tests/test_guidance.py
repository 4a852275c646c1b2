"""The guidance catalog, the texts we show, and the `rules` and `guidance` commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from posturewatch.core.guidance import GuidanceError
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.engine import RuleEngine
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.config_file import load_settings

from conftest import assert_one_line_error, run_cli

CATALOG = load_catalog()
DEFAULTS = load_settings(user_file=Path(__file__).with_name("no-such-user-config.toml")).rules
RUN = 8  # a run of this many words shared with a document counts as copied


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))


def runs(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + RUN]) for i in range(len(w) - RUN + 1)}


def seed_runs(seeds: Path) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for path in sorted(seeds.glob("*.txt")):
        found |= runs(path.read_text(encoding="utf-8"))
    return found


# -- catalog ------------------------------------------------------------------------------


def test_catalog_has_what_the_issue_asks_for() -> None:
    assert {
        "wall_angel", "cat_cow", "childs_pose", "gentle_movement", "hip_lifts",
        "diaphragmatic_breathing", "box_breathing", "hydration", "desk_setup",
        "see_a_professional",
    } <= set(CATALOG.ids)


def test_every_source_is_a_seed_file_that_exists(seeds: Path) -> None:
    for entry in CATALOG.entries:
        for source in entry.sources:
            assert (seeds / source).is_file(), f"{entry.id}: {source} is not a seed file"


def test_rule_sources_exist_too(seeds: Path) -> None:
    for info in RuleEngine(DEFAULTS, CATALOG).describe():
        assert info.sources
        assert all((seeds / s).is_file() for s in info.sources), info.id


def test_numbers_the_documents_give() -> None:
    stretches = CATALOG.of_kind("stretch")
    assert stretches and all(entry.hold_s == 30 for entry in stretches)  # 002: about 30 s
    cold = CATALOG.get("cold_and_heat")
    assert "20 minutes" in cold.duration and "000_c5fac0d417a8ca6a.txt" in cold.sources


def test_every_entry_is_from_the_documents() -> None:
    # anything added beyond them must say so (from_documents = false); nothing is yet
    assert all(entry.from_documents for entry in CATALOG.entries)


def shown_texts() -> list[str]:
    """Everything we show: catalog entries, rule descriptions, every reminder wording."""
    texts = [json.dumps(entry.to_dict()) for entry in CATALOG.entries]
    engine = RuleEngine(DEFAULTS, CATALOG)
    texts += [f"{info.title} {info.when}" for info in engine.describe()]
    # 4 h without a break, slouched most of it, close to the screen: every rule and every
    # break level fires (stretch wordings differ only by catalog text, checked above)
    for t in range(4 * 3600):
        engine.observe(Observation(float(t), Posture.SLOUCHED if t % 1200 < 900
                                   else Posture.UPRIGHT, 1.3))
    standing = RuleEngine(DEFAULTS, CATALOG)  # an hour on one's feet: sit for a while
    for t in range(3600):
        standing.observe(Observation(float(t), Posture.STANDING if t > 60 else Posture.UPRIGHT))
    reminders = (*engine.reminders, *standing.reminders)
    assert {r.rule for r in reminders} == {info.id for info in engine.describe()}
    texts += [f"{r.title}. {r.message} {r.body}" for r in reminders]
    return texts


def test_no_text_copies_a_document_sentence(seeds: Path) -> None:
    copied = seed_runs(seeds)
    for text in shown_texts():
        shared = runs(text) & copied
        assert not shared, f"copied from a document: {' '.join(sorted(shared)[0])!r}"


def test_the_copy_check_would_catch_a_copy(seeds: Path) -> None:
    sentence = "It's best to hold each stretch for around 30 seconds, repeating several times."
    assert runs(sentence) & seed_runs(seeds)


# -- catalog validation -------------------------------------------------------------------

GOOD = """
[[entry]]
id = "x"
title = "X"
kind = "stretch"
steps = ["do it"]
duration = "a while"
hold_s = 30
why = "because"
brief = "because, briefly"
where = ["desk"]
cautions = ["gently"]
sources = ["002_cfa01021598e5606.txt"]
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('kind = "stretch"', 'kind = "dance"'), "kind 'dance' is not known"),
        (("hold_s = 30\n", ""), "a stretch needs hold_s"),
        (('"002_cfa01021598e5606.txt"', '"https://example.com"'), "not a seed file name"),
        (('cautions = ["gently"]\n', ""), "lacks cautions"),
        (('steps = ["do it"]', "steps = []"), "steps must be a non-empty list"),
        (('why = "because"', 'why = "because"\ncolour = "red"'), "unknown field 'colour'"),
        (('where = ["desk"]', 'where = ["roof"]'), "where 'roof' is not known"),
        (('where = ["desk"]\n', ''), "a stretch needs `where`"),
        (('brief = "because, briefly"', f'brief = "{"x" * 121}"'), "brief is 121 characters"),
    ],
)
def test_broken_entries_are_refused(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = tmp_path / "guidance.toml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(GuidanceError, match=re.escape(message)):
        load_catalog(path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "guidance.toml"
    path.write_text(GOOD + GOOD, encoding="utf-8")
    with pytest.raises(GuidanceError, match="appears twice"):
        load_catalog(path)


def test_unknown_id_lists_the_valid_ones() -> None:
    with pytest.raises(GuidanceError, match="use one of: gentle_movement, seated_cat_cow"):
        CATALOG.get("yoga")


# -- commands -----------------------------------------------------------------------------


def test_guidance_command_lists_and_shows_entries() -> None:
    listing = run_cli("guidance")
    assert all(entry_id in listing.stdout for entry_id in CATALOG.ids)
    entry = json.loads(run_cli("guidance", "wall_angel", "--json").stdout)
    assert entry["id"] == "wall_angel" and entry["sources"] == ["002_cfa01021598e5606.txt"]


def test_guidance_command_unknown_id_is_a_one_line_error() -> None:
    result = run_cli("guidance", "yoga", check=False)
    assert result.stdout == ""
    assert_one_line_error(result, "unknown guidance id 'yoga'", "use one of:", "wall_angel")


def test_rules_command_json_follows_the_config(isolated_home: Path, tmp_path: Path) -> None:
    config = tmp_path / "short.toml"
    config.write_text("[sitting]\nbreak_after_min = 2\n[posture]\nenabled = false\n")
    data = json.loads(run_cli("rules", "--json", "--config", config).stdout)
    rules = {rule["id"]: rule for rule in data["rules"]}
    assert rules["break"]["thresholds"]["break_after_min"] == 2
    assert rules["posture"]["enabled"] is False
    assert all(rule["sources"] for rule in rules.values())
    assert data["reminders"]["daily_cap"] == DEFAULTS.reminders.daily_cap


def test_rules_command_text(isolated_home: Path) -> None:
    text = run_cli("rules").stdout
    assert "wall_angel (exercise)" in text
    assert "Rapid Relief Strategies for Back Spasms and Pain — publisher not named" in text
