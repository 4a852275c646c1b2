"""``analyze --reminders`` on composite clips of real frames, with short thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli, write_clip

pytestmark = pytest.mark.usefixtures("testdata", "model")

SHORT = """
[sitting]
min_break_s = 30.0
break_after_min = 1.5
[posture]
nudge_after_s = 20.0
cooldown_min = 1.0
[stretch]
every_min = 1.0
[wall_angel]
window_min = 2.0
slouch_share = 0.4
cooldown_min = 5.0
[reminders]
min_gap_min = 0.25
"""


def analyze(clip: Path, baseline: Path, config: str, tmp_path: Path) -> dict:
    settings = tmp_path / "short.toml"
    settings.write_text(config)
    out = run_cli("analyze", clip, "--baseline", baseline, "--config", settings,
                  "--reminders", "--json", "-")
    return json.loads(out.stdout)


def test_workday_reminders_fire_at_the_right_seconds(
    tmp_path: Path, pools: dict[str, list], frontal_baseline: Path
) -> None:
    """Upright 60 s, slouched 60 s, away 40 s, back upright 30 s (2 fps)."""
    clip = write_clip(tmp_path / "day.mp4", [(pools["upright"], 60), (pools["slouched"], 60),
                                             (pools["nobody"], 40), (pools["upright"], 30)], fps=2)
    report = analyze(clip, frontal_baseline, SHORT, tmp_path)
    fired = {r["rule"]: r for r in report["reminders"]}
    assert [r["rule"] for r in report["reminders"]] == ["stretch", "posture", "break", "wall_angel"]
    # one minute of sitting → first stretch
    assert fired["stretch"]["t"] == pytest.approx(60, abs=0.5)
    # slouched from ~60 s, nudged 20 s later; the person then leaves instead of sitting tall
    assert fired["posture"]["t"] == pytest.approx(81, abs=1.5)
    assert fired["posture"]["acted"] is False
    # 90 s of sitting, then the 15 s gap after the posture nudge; a break follows at 120 s
    assert fired["break"]["t"] == pytest.approx(96, abs=1.5)
    assert fired["break"]["acted"] is True
    # slouched 40 % of the last two minutes at ~108 s, held back by the gap
    assert 108 <= fired["wall_angel"]["t"] <= 113
    assert not [r for r in report["reminders"] if 120 <= r["t"] < 160]  # nothing while away
    for reminder in report["reminders"]:
        assert reminder["sources"] and reminder["title"]
    sitting = report["sitting"]
    assert sitting["breaks"] == 1 and len(sitting["bouts"]) == 2
    assert sitting["longest_bout_s"] == pytest.approx(120, abs=1)
    assert sitting["sitting_s"] == pytest.approx(150, abs=1)


def test_sitting_tall_after_a_nudge_counts_as_acted_on(
    tmp_path: Path, pools: dict[str, list], frontal_baseline: Path
) -> None:
    clip = write_clip(tmp_path / "nudge.mp4", [(pools["upright"], 20), (pools["slouched"], 30),
                                               (pools["upright"], 30)], fps=2)
    only_posture = SHORT.replace("[stretch]\nevery_min = 1.0", "[stretch]\nenabled = false")
    only_posture += "[break]\nenabled = false\n"
    report = analyze(clip, frontal_baseline, only_posture, tmp_path)
    (nudge,) = report["reminders"]
    assert nudge["rule"] == "posture" and nudge["t"] == pytest.approx(40, abs=1.5)
    assert nudge["acted"] is True
