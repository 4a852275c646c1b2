"""The rules driven by what the camera sees of the person: slouching and a head too close.

``PostureRule`` reacts to one unbroken slouch; the window rules (wall angel, ergonomics)
react to a habit, a share of the last minutes, so one long lean does not trigger them
and short upright moments do not reset them.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from posturewatch.core.guidance import Catalog, Entry
from posturewatch.core.judgement import describe
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.reminders.rule import CLINIC_POST, RAPID_RELIEF, Draft, Rule, S
from posturewatch.core.reminders.settings import (
    ErgonomicsSettings,
    PostureSettings,
    WallAngelSettings,
)
from posturewatch.core.sitting import EPS, SittingTracker


class Window:
    """Seconds flagged true within the last ``width`` seconds; O(1) per added span."""

    def __init__(self, width: float) -> None:
        self.width = width
        self._spans: deque[tuple[float, float]] = deque()
        self._total = 0.0

    def add(self, start: float, end: float) -> None:
        if self._spans and self._spans[-1][1] == start:
            first, _ = self._spans.pop()
            self._total -= start - first
            start = first
        self._spans.append((start, end))
        self._total += end - start
        self.seconds(end)  # evict old spans even while nobody asks

    def seconds(self, now: float) -> float:
        cut = now - self.width
        while self._spans and self._spans[0][1] <= cut:
            a, b = self._spans.popleft()
            self._total -= b - a
        if self._spans and self._spans[0][0] < cut:
            return self._total - (cut - self._spans[0][0])
        return self._total


class PostureRule(Rule[PostureSettings]):
    """Slouched without a break for a while: sit tall."""

    id, kind, title = "posture", "posture", "Sit tall"
    basis = (CLINIC_POST,)  # slumping at a desk strains the back

    def __init__(self, s: PostureSettings, catalog: Catalog) -> None:
        super().__init__(s, (catalog.get("sit_tall"),))
        self.acted_within_s = s.acted_within_s
        self._since: float | None = None  # start of the current unbroken slouch
        self._reasons: tuple[str, ...] = ()  # what was wrong most recently

    def watch(self, prev: Observation | None, obs: Observation, gap: bool) -> None:
        if obs.state is not Posture.SLOUCHED:
            self._since = None
            return
        if self._since is None or gap:
            self._since = obs.t
        if obs.reasons:
            self._reasons = obs.reasons

    def take_over(self, old: Rule[Any]) -> None:
        super().take_over(old)
        assert isinstance(old, PostureRule)
        self._since, self._reasons = old._since, old._reasons

    def due(self, obs: Observation, sitting: SittingTracker) -> Draft | None:
        if self._since is None or obs.t - self._since < self.s.nudge_after_s - EPS:
            return None
        if not self._cooled(obs.t, self.s.cooldown_min * 60):
            return None
        steps = " ".join(self.entries[0].steps)
        reasons = describe(self._reasons)
        what = f" ({reasons})" if reasons else ""
        seconds = f"{obs.t - self._since:.0f} s"
        body = f"{reasons[0].upper()}{reasons[1:]} for {seconds}." if reasons else \
            f"Slouched for {seconds}."
        return self._draft(f"Slouched for {seconds}{what}. {steps}", body=body)

    def outcome(
        self, reminder: Reminder, obs: Observation, sitting: SittingTracker
    ) -> bool | None:
        if obs.t > reminder.t + self.s.acted_within_s + EPS:
            return False
        return True if obs.state is Posture.UPRIGHT else None

    def when(self) -> str:
        return (f"after {self.s.nudge_after_s:g} s of unbroken slouching; at most every "
                f"{self.s.cooldown_min:g} min")


class ShareRule(Rule[S]):
    """Due when a condition held for a share of a sliding window."""

    def __init__(self, s: S, entry: Entry, window_min: float, share: float,
                 cooldown_min: float) -> None:
        super().__init__(s, (entry,))
        self.window = Window(window_min * 60)
        self.share = share
        self.cooldown_s = cooldown_min * 60

    def flagged(self, obs: Observation) -> bool:
        raise NotImplementedError

    def take_over(self, old: Rule[Any]) -> None:
        """The window's spans go on, measured over the new width."""
        super().take_over(old)
        assert isinstance(old, ShareRule)
        old.window.width = self.window.width
        self.window = old.window

    def advice(self, now: float) -> str:
        """What the reminder says before the guidance entry's reason."""
        raise NotImplementedError

    def watch(self, prev: Observation | None, obs: Observation, gap: bool) -> None:
        if prev is not None and not gap and obs.t > prev.t and self.flagged(prev):
            self.window.add(prev.t, obs.t)

    def held(self, now: float) -> float:
        return self.window.seconds(now)

    def ready(self, now: float) -> bool:
        return (self.held(now) >= self.share * self.window.width - EPS
                and self._cooled(now, self.cooldown_s))

    def bubble(self, now: float) -> str:
        """The situation in a few words, for the bubble (before the entry's brief)."""
        raise NotImplementedError

    def due(self, obs: Observation, sitting: SittingTracker) -> Draft | None:
        if not self.ready(obs.t):
            return None
        return self._draft(self.advice(obs.t), body=self.bubble(obs.t))


class WallAngelRule(ShareRule[WallAngelSettings]):
    """Slouched for much of the last half hour: the wall angel, meant for exactly that."""

    id, kind, title = "wall_angel", "exercise", "Do a few wall angels"
    basis = (RAPID_RELIEF,)

    def __init__(self, s: WallAngelSettings, catalog: Catalog) -> None:
        super().__init__(s, catalog.get("wall_angel"), s.window_min, s.slouch_share,
                         s.cooldown_min)

    def flagged(self, obs: Observation) -> bool:
        return obs.state is Posture.SLOUCHED

    def advice(self, now: float) -> str:
        share = self.held(now) / self.window.width
        return (f"You slouched for {share:.0%} of the last {self.s.window_min:g} min. "
                f"Try a wall angel: {' '.join(self.entries[0].steps)}")

    def bubble(self, now: float) -> str:
        share = self.held(now) / self.window.width
        return (f"Slouched {share:.0%} of the last {self.s.window_min:g} min; the camera "
                "counts your slides.")

    def when(self) -> str:
        s = self.s
        return (f"slouched for at least {s.slouch_share:.0%} of the last {s.window_min:g} "
                f"min; at most every {s.cooldown_min:g} min")


class ErgonomicsRule(ShareRule[ErgonomicsSettings]):
    """The head keeps coming close to the screen: check the desk set-up."""

    id, kind, title = "ergonomics", "setup", "Check your desk set-up"
    basis = (CLINIC_POST, RAPID_RELIEF)  # a fitting workstation prevents hunching

    def __init__(self, s: ErgonomicsSettings, catalog: Catalog) -> None:
        super().__init__(s, catalog.get("desk_setup"), s.window_min, s.close_share,
                         s.cooldown_min)

    def flagged(self, obs: Observation) -> bool:
        return obs.state.present and obs.closeness is not None and (
            obs.closeness > self.s.close_ratio)

    def advice(self, now: float) -> str:
        return (f"Your head was close to the screen for much of the last "
                f"{self.s.window_min:g} min. {' '.join(self.entries[0].steps)}")

    def bubble(self, now: float) -> str:
        return f"Your head was close to the screen much of the last {self.s.window_min:g} min."

    def when(self) -> str:
        s = self.s
        return (f"face over {s.close_ratio:g}x its calibrated size for at least "
                f"{s.close_share:.0%} of the last {s.window_min:g} min; at most every "
                f"{s.cooldown_min:g} min")
