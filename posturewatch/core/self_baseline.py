"""Which baseline a stream's frame is judged against, and whether the calibration is stale.

A calibration holds for the camera placement it was made in. ``ViewWatch`` compares where
the camera sees the person now (mid-shoulders and shoulder width in the frame, the
resolution) with the calibration's view over a sliding window, and calls the calibration
stale when most recent frames no longer match. ``SelfBaseline`` learns an upright baseline
from the person's own recent frames: the most upright stretch of the last minutes (never
one frame), held within the population's upright range. ``PostureWatch`` calls the
calibration stale when that stretch, which by the population priors would make an
acceptable calibration (its proportions aside), looks slouched against the saved one (or
a threshold taller) without the face having dropped in the frame as sinking drops it: the same person in
front of the same camera does not sit that differently, a camera moved up or down,
another room or another day does. ``Referee`` puts them together.
Stateful but pure: time is an input, nothing reads a clock.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from posturewatch.core.backdrop import Backdrop, BackdropMemory, Scene
from posturewatch.core.baseline import (
    POSTURE_FIELDS,
    VIEW_FIELDS,
    Baseline,
    population,
    without_view,
)
from posturewatch.core.judgement import (
    GUARD,
    HEAD_DOWN,
    HEAD_FORWARD,
    LEANING_IN,
    LEANING_LEFT,
    LEANING_RIGHT,
    SUNK,
    ClassifierSettings,
    deviations,
    guard_deviations,
    slouch_score,
)
from posturewatch.core.metrics import PostureMetrics

_MATCH_SHARE_STALE = 0.25  # fewer matching frames than this share: the view changed
_MATCH_SHARE_FRESH = 0.5  # at least this share again: the view is back
_MIN_COMPARED = 5  # frames compared in the window before the view is called changed
_MIN_STRETCH_FRAMES = 5
_UPRIGHT_LOOKING = 1.0  # posture score under this: proportions of an upright frame
# How far a self-learned value may stray from the population prior (the spread of
# per-person upright medians, widened): head height at least 85 % of the prior, pitch at
# most 0.08 head widths above it, roll and lean within 5 degrees of level.
_SELF_LIMITS = {"head_height": 0.85, "head_pitch": 0.08, "head_roll_deg": 5.0,
                "body_lean_deg": 5.0}
_NEAR_BEST = 0.5  # stretches this close to the most upright one's score share the baseline
_TALLEST = 0.5  # thresholds above the prior's head height that still count as more upright
_LEARN_EVERY_S = 2.0  # the remembered scene takes in a matching frame at most this often
_LOOK_EVERY_S = 1.0  # a frame off the view is compared with the scene at most this often
SceneMaker = Callable[[], Backdrop | None]  # the frame's backdrop, made only when asked


def view_matches(m: PostureMetrics, base: Baseline, s: ClassifierSettings) -> bool:
    """Whether the frame was taken from the view the baseline recorded."""
    if not base.has_view or m.shoulder_size is None or m.shoulder_x is None:
        return True  # nothing to compare with (an old file, or no shoulders)
    if base.resolution and m.resolution and tuple(base.resolution) != tuple(m.resolution):
        return False
    width = base.shoulder_size or 1e-6
    aspect = (m.resolution[1] / m.resolution[0]) if m.resolution else 1.0
    dx = abs(m.shoulder_x - (base.shoulder_x or 0.0)) / width
    dy = abs((m.shoulder_y or 0.0) - (base.shoulder_y or 0.0)) * aspect / width
    # Sinking in the chair moves the shoulders down, not sideways: twice the leeway in y.
    return (dx <= s.view_shift and dy <= 2 * s.view_shift
            and abs(m.shoulder_size / width - 1.0) <= s.view_scale)


class ViewWatch:
    """Stale when under a quarter of the last ``view_window_s`` seconds' upright-looking
    frames match the calibration's view (at least five, spanning a third of the window);
    fresh again when half do.

    Only frames whose proportions look upright against the calibration (head height,
    face scale, pitch, roll, lean: all under their thresholds) are compared: sinking
    back in the chair moves and shrinks the shoulders as a moved camera does, but it also
    changes those proportions, while a moved camera does not. Some slouches keep them
    (a person sliding down as one piece); the room behind tells those apart: once the
    view has held for a third of the window, the scene around the person is remembered
    (``core.backdrop``) and decides: a frame whose shoulders left the view while that
    scene stayed put is the person moving, not the camera (it still matches), and one
    whose scene moved is a moved camera even if the shoulders happen to fit. A frame
    whose scene is half alike is left out; with nothing to tell by (a plain wall, the
    person filling the picture) the shoulders decide."""

    def __init__(self, baseline: Baseline, s: ClassifierSettings) -> None:
        self.baseline, self.s = baseline, s
        self._posture = without_view(baseline)
        self._recent: deque[tuple[float, bool]] = deque()
        self._matching = 0  # frames in ``_recent`` that match, kept as they come and go
        self._scene = BackdropMemory()
        self._learned_t = -float("inf")
        self._looked: tuple[float, Scene] = (-float("inf"), Scene.MUTE)
        self.stale = False

    def update(self, t: float, m: PostureMetrics, scene: SceneMaker | None = None) -> bool:
        """``scene``: makes the frame's backdrop when asked (at most about once a second)."""
        if m.view != self.baseline.view or m.visibility < self.s.min_visibility:
            return self.stale
        if slouch_score(m, self._posture, self.s) >= _UPRIGHT_LOOKING:
            return self.stale
        matches = view_matches(m, self.baseline, self.s)
        if scene is not None:
            scene = _once(scene)
        if scene is not None and self._scene.ready:
            now = self._scene_now(t, scene)
            if now is Scene.UNSURE:  # half alike: the frame is left out
                return self.stale
            if now is not Scene.MUTE:  # the scene says whether the camera moved
                matches = now is Scene.SAME
        if (scene is not None and matches and self._held(t)
                and t - self._learned_t >= _LEARN_EVERY_S):
            # Only a scene like the remembered one joins it: a camera moved a little, the
            # shoulders still in view, must not teach it the new scene.
            seen = scene()
            if seen is not None and (not self._scene.ready
                                     or self._scene.compare(seen) is Scene.SAME):
                self._scene.learn(seen)
                self._learned_t = t
        self._recent.append((t, matches))
        self._matching += matches
        while self._recent and self._recent[0][0] < t - self.s.view_window_s:
            self._matching -= self._recent.popleft()[1]
        span = t - self._recent[0][0]
        share = self._matching / len(self._recent)
        if (not self.stale and span >= self.s.view_window_s / 3 and share < _MATCH_SHARE_STALE
                and len(self._recent) >= _MIN_COMPARED):
            self.stale = True
        elif self.stale and share >= _MATCH_SHARE_FRESH:
            self.stale = False
        return self.stale

    @property
    def doubting(self) -> bool:
        """The latest compared frame left the calibration's view and the view is not
        stale yet: a few frames more (a second apart) tell a moved camera from a move
        of the person's. Between looks (issue 22) the window would otherwise hold too
        few frames to ever call the view changed."""
        return not self.stale and bool(self._recent) and not self._recent[-1][1]

    def _held(self, t: float) -> bool:
        """The calibration's view has held for a third of the window (fresh, half of the
        frames matching): the camera is where it was calibrated."""
        if self.stale or not self._recent or t - self._recent[0][0] < self.s.view_window_s / 3:
            return False
        return self._matching >= _MATCH_SHARE_FRESH * len(self._recent)

    def _scene_now(self, t: float, scene: SceneMaker) -> Scene:
        """The remembered scene against this frame's (looked at most once a second; the
        answer stands in between, so at 5 fps four frames in five cost nothing)."""
        at, answer = self._looked
        if t - at >= _LOOK_EVERY_S or t < at:
            seen = scene()
            answer = self._scene.compare(seen) if seen is not None else Scene.MUTE
            self._looked = (t, answer)
        return answer


def _once(scene: SceneMaker) -> SceneMaker:
    """The frame's backdrop made at most once, however often it is asked for."""
    made: list[Backdrop | None] = []

    def make() -> Backdrop | None:
        if not made:
            made.append(scene())
        return made[0]
    return make


# A stretch: its first frame's time, its frames, and (baseline, uprightness) once computed.
_Stretch = tuple[float, list[PostureMetrics], list[tuple[Baseline, float]]]


class SelfBaseline:
    """The most upright stretch of the person's recent front-view frames. Each stretch's
    medians are computed once it is complete (and for the open one at most once a
    frame), so the per-frame cost stays flat."""

    def __init__(self, s: ClassifierSettings) -> None:
        self.s = s
        self.prior = population(s.priors(), "front")
        self._stretches: deque[_Stretch] = deque()
        self._open_dirty = False

    def learns_from(self, m: PostureMetrics) -> bool:
        """Only clear front views teach it (a side view has other proportions)."""
        return m.view == "front" and m.visibility >= self.s.min_visibility

    def update(self, t: float, m: PostureMetrics) -> None:
        if not self.learns_from(m):
            return
        while self._stretches and self._stretches[0][0] < t - self.s.self_window_s:
            self._stretches.popleft()
        if not self._stretches or self._complete(self._stretches[-1], t):
            self._stretches.append((t, [], []))
        self._stretches[-1][1].append(m)
        self._open_dirty = True

    def _complete(self, stretch: _Stretch, t: float) -> bool:
        """A stretch spans ``self_stretch_s`` and holds enough frames to trust its medians
        (at the monitor's frame every few seconds that takes longer than the seconds)."""
        start, frames, _ = stretch
        return t - start >= self.s.self_stretch_s and len(frames) >= _MIN_STRETCH_FRAMES

    def baseline(self) -> Baseline | None:
        """None until one stretch holds enough frames."""
        if self._open_dirty and self._stretches:
            _, frames, cache = self._stretches[-1]
            cache.clear()
            if len(frames) >= _MIN_STRETCH_FRAMES:
                learned = self._medians(frames)
                cache.append((learned, self._uprightness(learned)))
            self._open_dirty = False
        scored = [cache[0] for _, _, cache in self._stretches if cache]
        if not scored:
            return None
        best = min(score for _, score in scored)
        near = [b for b, score in scored if score <= best + _NEAR_BEST]
        if len(near) == 1:
            return near[0]
        # The typical one of the most upright stretches, not the most extreme: one stretch
        # of leaning back or a raised head is not the person's upright.
        values = {name: statistics.median(vs) if (vs := [v for b in near if (
            v := getattr(b, name)) is not None]) else None for name in POSTURE_FIELDS + VIEW_FIELDS}
        return replace(near[-1], frames=sum(b.frames for b in near), **values)

    def _uprightness(self, b: Baseline) -> float:
        """Lower is more upright: how far the face sits below the prior's height above the
        shoulders (signed, so a taller stretch scores lower, up to ``_TALLEST``), plus any
        head-down, tilt or sideways lean beyond half its threshold. Face size is left out:
        it depends on the person and the camera, not on sitting tall."""
        probe = PostureMetrics(view="front", visibility=1.0, head_size=b.head_size or 0.0,
                               head_pitch=b.head_pitch or 0.0, shoulder_tilt_deg=0.0,
                               head_tilt_deg=0.0, head_height=b.head_height,
                               head_roll_deg=b.head_roll_deg, body_lean_deg=b.body_lean_deg)
        scores = deviations(probe, self.prior, self.s)
        others = [v for k, v in scores.items() if k not in (SUNK, LEANING_IN, HEAD_FORWARD)]
        sunk = scores.get(SUNK, 0.0)
        # Taller than the prior by more than _TALLEST thresholds is no more upright: per
        # person upright head heights lie within a third of a threshold of the prior, so
        # that is another posture (head raised or tilted, leaning back), scored by how far.
        sunk = max(sunk, -sunk - 2 * _TALLEST)
        return sunk + max(max(others, default=0.0) - 0.5, 0.0)

    def _medians(self, frames: list[PostureMetrics]) -> Baseline:
        values = {}
        for name in POSTURE_FIELDS + VIEW_FIELDS:
            series = [v for m in frames if (v := getattr(m, name)) is not None]
            values[name] = statistics.median(series) if series else None
        p = self.prior
        if values["head_height"] is not None and p.head_height:
            values["head_height"] = max(values["head_height"],
                                        _SELF_LIMITS["head_height"] * p.head_height)
        if values["head_pitch"] is not None and p.head_pitch is not None:
            values["head_pitch"] = min(values["head_pitch"],
                                       p.head_pitch + _SELF_LIMITS["head_pitch"])
        for name in ("head_roll_deg", "body_lean_deg"):
            if values[name] is not None:
                limit = _SELF_LIMITS[name]
                values[name] = max(-limit, min(limit, values[name]))
        return Baseline(view="front", frames=len(frames), calibrated=False,
                        resolution=list(frames[-1].resolution) if frames[-1].resolution
                        else None, **values)


_DISAGREE_AFTER_S = 40.0  # the person's own frames must span this long before they count
_AGREE_AGAIN = 0.5  # the stretch scores under this against the calibration: fresh again
_SINKING = 0.5  # of `sunk_in_frame`: the face this much lower in the frame is a person sinking
# What, against the priors, no upright stretch shows whatever the camera's perspective.
_UNLIKE_UPRIGHT = (HEAD_FORWARD, HEAD_DOWN, LEANING_IN, LEANING_LEFT, LEANING_RIGHT)


class PostureWatch:
    """Whether the calibration and the person's own most upright recent stretch disagree
    the way another camera placement, room or day does. Checked at most once per
    stretch (``self_stretch_s``), so it costs nothing per frame."""

    def __init__(self, calibration: Baseline, s: ClassifierSettings) -> None:
        self.s = s
        self.calibration = calibration
        self._posture = without_view(calibration)
        self._first: float | None = None
        self._checked: float | None = None
        self.stale = False

    def update(self, t: float, learned: Baseline | None) -> bool:
        if self._first is None:
            self._first = t
        if learned is None or t - self._first < _DISAGREE_AFTER_S:
            return self.stale
        if self._checked is not None and t - self._checked < self.s.self_stretch_s:
            return self.stale
        self._checked = t
        probe = PostureMetrics(view="front", visibility=1.0, head_size=0.0,
                               head_pitch=learned.head_pitch or 0.0, shoulder_tilt_deg=0.0,
                               head_tilt_deg=0.0, head_height=learned.head_height,
                               face_scale=learned.face_scale,
                               head_roll_deg=learned.head_roll_deg,
                               body_lean_deg=learned.body_lean_deg)
        scores = deviations(probe, self._posture, self.s)
        score = max(scores.values(), default=0.0)
        taller = -scores.get(SUNK, 0.0)  # the stretch sits higher than the calibration
        # Against the priors only the proportions may look sunk: with the face not lower in
        # the frame, that is the camera's perspective (set lower, tilted up), not a slump.
        against_priors = guard_deviations(learned, self.s)
        unlike = [k for k in _UNLIKE_UPRIGHT if against_priors.get(k, 0.0) >= GUARD]
        if (not self.stale and (score >= 1.0 or taller >= 1.0) and not self._sunk(learned)
                and not unlike):
            self.stale = True
        elif self.stale and score < _AGREE_AGAIN and taller < _AGREE_AGAIN:
            self.stale = False
        return self.stale

    def _sunk(self, learned: Baseline) -> bool:
        """Whether the face sits lower in the frame than the calibration's, as a person
        sinking in the chair in front of the same camera does (a moved camera moves
        the whole picture, more often up or sideways); unknown without a view: no."""
        cal = self.calibration
        if (learned.face_y is None or cal.face_y is None or not cal.head_size
                or not learned.resolution or not cal.resolution
                or tuple(learned.resolution) != tuple(cal.resolution)):
            return False
        width, height = cal.resolution
        lower = (learned.face_y - cal.face_y) * height / (cal.head_size * width)
        return lower >= _SINKING * self.s.sunk_in_frame


@dataclass(frozen=True, slots=True)
class Choice:
    baseline: Baseline | None  # None: the population prior for the frame's view
    source: str  # "calibration" | "self" | "population"
    stale: bool  # the calibration's view no longer matches


class Referee:
    """Per stream frame: which baseline to judge against. The calibration while its view
    holds; once stale (or with none), the self-baseline, or the population prior until a
    stretch has been learned. Stills have no timeline: they use the calibration, without
    its view-dependent parts when the still was taken from another view."""

    def __init__(self, calibration: Baseline | None, s: ClassifierSettings) -> None:
        self.calibration = calibration
        self.watch = ViewWatch(calibration, s) if calibration and calibration.has_view else None
        self.posture = (PostureWatch(calibration, s)
                        if calibration and calibration.view == "front" else None)
        self.learner = SelfBaseline(s)
        self.s = s
        # The latest frame was a person seen from the front judged by the population
        # priors for want of a self-baseline, which it is helping to learn.
        self.learning = False

    def choose(self, t: float, m: PostureMetrics | None,
               scene: SceneMaker | None = None) -> Choice:
        """``scene``: the frame's backdrop, made if the view test asks for it."""
        if m is not None:
            self.learner.update(t, m)
            if self.watch:
                self.watch.update(t, m, scene)
            if self.posture and m.view == "front":
                self.posture.update(t, self.learner.baseline())
        choice = self._current(self._stale())
        self.learning = (m is not None and self.learner.learns_from(m)
                         and choice.source == "population")
        return choice

    @property
    def doubting(self) -> bool:
        """The calibration's view is in doubt (``ViewWatch.doubting``)."""
        return self.watch is not None and self.watch.doubting

    def _stale(self) -> bool:
        return bool((self.watch and self.watch.stale) or (self.posture and self.posture.stale))

    def _current(self, stale: bool) -> Choice:
        if self.calibration is not None and not stale:
            return Choice(self.calibration, "calibration", False)
        learned = self.learner.baseline()
        if learned is not None:
            return Choice(learned, "self", stale)
        return Choice(None, "population", stale)


def for_still(calibration: Baseline | None, m: PostureMetrics | None,
              s: ClassifierSettings) -> Baseline | None:
    """A still judged against the calibration if it was taken from the calibration's view;
    from another view (another camera placement, room or day: nothing tells whether the
    calibration still holds) against the population priors (None)."""
    if calibration is None or m is None or view_matches(m, calibration, s):
        return calibration
    return None
