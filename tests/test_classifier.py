"""Classifier and settling, pure: no model, no clock."""

from __future__ import annotations

import dataclasses

import pytest

from posturewatch.core.baseline import POPULATION, Baseline
from posturewatch.core.judgement import (
    ClassifierSettings,
    baseline_for_view,
    closeness,
    judge,
    slouch_score,
)
from posturewatch.core.metrics import PostureMetrics
from posturewatch.core.observation import Posture
from posturewatch.core.settling import Settler

SETTINGS = ClassifierSettings(
    min_visibility=0.5, head_drop=0.08, forward_weight=0.5, neck_forward_deg=12.0,
    torso_forward_deg=15.0, release_ratio=0.8, settle_s=1.5,
)
BASE = Baseline(view="front", head_height=0.6, face_scale=0.4, head_size=0.25, frames=5)


def front(head_height: float = 0.6, face_scale: float = 0.4, visibility: float = 0.99,
          head_size: float = 0.25) -> PostureMetrics:
    return PostureMetrics(view="front", visibility=visibility, head_size=head_size,
                          head_pitch=0.0, shoulder_tilt_deg=0.0, head_tilt_deg=0.0,
                          head_height=head_height, face_scale=face_scale, lean_deg=0.0)


def test_head_drop_at_threshold_scores_one() -> None:
    assert slouch_score(front(head_height=0.6 * 0.92), BASE, SETTINGS) == pytest.approx(1.0)


def test_forward_growth_adds_with_its_weight() -> None:
    # 16 % growth x 0.5 = 0.08 = one threshold
    assert slouch_score(front(face_scale=0.4 * 1.16), BASE, SETTINGS) == pytest.approx(1.0)
    # a smaller face (leaning back) never lowers the score below the head-drop part
    assert slouch_score(front(face_scale=0.3), BASE, SETTINGS) == pytest.approx(0.0)


def test_judge_away_unknown_and_hysteresis() -> None:
    assert judge(None, BASE, SETTINGS)[:3] == (Posture.AWAY, None, None)
    # the face too uncertain (shoulders alone uncertain: the head is judged on its own)
    hidden = dataclasses.replace(front(visibility=0.2), face_visibility=0.2)
    assert judge(hidden, BASE, SETTINGS)[0] is Posture.UNKNOWN
    assert judge(front(), BASE, SETTINGS).calibrated is True
    near = front(head_height=0.6 * (1 - 0.07))  # score 0.875: between release and threshold
    assert judge(near, BASE, SETTINGS)[0] is Posture.UPRIGHT
    assert judge(near, BASE, SETTINGS, was_slouched=True)[0] is Posture.SLOUCHED


def test_population_defaults_apply_without_baseline_or_in_another_view() -> None:
    m = front(head_height=POPULATION["front"].head_height)
    assert baseline_for_view(m, None) is POPULATION["front"]
    # the population prior also bounds head size and height in the frame: below threshold
    assert slouch_score(m, baseline_for_view(m, None), SETTINGS) < 1.0
    side_base = Baseline(view="side", neck_forward_deg=10.0, torso_forward_deg=0.0)
    assert baseline_for_view(m, side_base) is POPULATION["front"]
    assert judge(m, side_base, SETTINGS)[:3:2] == (Posture.UPRIGHT, False)


@pytest.mark.parametrize("changes", [{"head_height": -0.7}, {"face_scale": 0.9}])
def test_shoulders_no_seated_person_has_leave_the_head_to_be_judged_alone(changes) -> None:
    """The face at or below the shoulder line, or shoulders hardly wider than the head:
    a misdetection (or a face filling the frame); the shoulders never make a slouch."""
    m = dataclasses.replace(front(), **changes)
    assert judge(m, BASE, SETTINGS).state is Posture.UPRIGHT
    near = dataclasses.replace(m, head_size=0.4)  # the head alone still tells leaning in
    assert judge(near, BASE, SETTINGS).reasons == ("leaning_in",)


def test_side_view_scores_neck_and_torso() -> None:
    side = dataclasses.replace(front(), view="side", head_height=None, face_scale=None,
                               neck_forward_deg=38.0, torso_forward_deg=-10.0)
    assert slouch_score(side, POPULATION["side"], SETTINGS) == pytest.approx((38 - 14) / 12)


def test_closeness_needs_a_calibration() -> None:
    assert closeness(front(head_size=0.3), BASE) == pytest.approx(1.2)
    assert closeness(front(), None) is None
    assert closeness(front(), POPULATION["front"]) is None


def run(settler: Settler[int], states: list[Posture], dt: float = 0.2) -> list[Posture]:
    out: list[tuple[int, Posture]] = []
    for i, state in enumerate(states):
        out += settler.push(i * dt, state, i)
    out += settler.flush()
    assert [i for i, _ in out] == list(range(len(states)))  # order kept, nothing lost
    return [state for _, state in out]


U, S, A = Posture.UPRIGHT, Posture.SLOUCHED, Posture.AWAY


def test_one_noisy_frame_never_flips_the_state() -> None:
    assert run(Settler(1.5), [U] * 5 + [S] + [U] * 5) == [U] * 11
    assert run(Settler(1.5), [U] * 5 + [S, A, S] + [U] * 5) == [U] * 13


def test_confirmed_change_is_backdated_to_its_first_frame() -> None:
    states = [U] * 5 + [S] * 10
    assert run(Settler(1.5), states) == states  # held frames relabelled, not lost


def test_mixed_states_end_the_old_state_after_the_settle_time() -> None:
    """Slouched, then away twice, then slouched: not one clean run, but clearly not upright
    any more once the held frames span the settle time; the most common state wins."""
    states = [U] * 3 + [S] * 4 + [A] * 2 + [S] * 3
    assert run(Settler(1.0), states) == [U] * 3 + [S] * 9


def test_flickering_empty_chair_is_released_within_the_settle_time() -> None:
    """Away and unknown alternating (stray detections on an empty chair) used to hold every
    frame until the stream ended; now nothing waits longer than settle_s plus a frame."""
    settler: Settler[int] = Settler(1.0)
    flicker = [A, A, Posture.UNKNOWN] * 20
    released: list[tuple[int, Posture]] = []
    for i, state in enumerate([U] * 5 + flicker):
        released += settler.push(i * 0.2, state, i)
        assert i - (released[-1][0] if released else -1) <= 6  # 1.0 s at 0.2 s a frame
    assert {state for i, state in released if i >= 5} == {A}


def test_unconfirmed_change_at_the_end_is_noise() -> None:
    assert run(Settler(1.5), [U] * 5 + [S] * 3) == [U] * 8


def test_zero_settle_time_follows_every_frame() -> None:
    states = [U, S, U, A, S]
    assert run(Settler(0.0), states) == states
