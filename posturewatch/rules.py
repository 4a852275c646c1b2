"""The guidance rules: when to remind, what to say, and whether the person acted on it.

Pure: the engine takes each observation (time included) from its caller and never reads a
clock; the caller also says how its clock maps to local time of day (``clock_offset_s``),
so tests can simulate whole days. Data flows one way: observations in, reminders out.
The only other inputs are the person's own controls: snooze, pause and resume.

Each rule watches the stream and says when it is due; the engine decides whether a due
reminder may be sent (present, not paused or snoozed, inside active hours, under the daily
cap, far enough from the last reminder) and sends at most one per observation, in rule
order: break, posture, wall_angel, stretch, ergonomics.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from posturewatch.config import Config, settings
from posturewatch.guidance import Catalog, Entry, load_catalog
from posturewatch.observation import Observation, Posture
from posturewatch.sitting import DAY_S, EPS, SittingSettings, SittingTracker, day_of

# The documents, by the file name they are cited with.
BACK_SPASM_FAQ = "000_c5fac0d417a8ca6a.txt"
BACK_SPASM_NEWS = "001_2042b663b925d294.txt"
RAPID_RELIEF = "002_cfa01021598e5606.txt"
CLINIC_POST = "003_ae7d2296ab64cd8b.txt"
LUMBAR_SPASMS = "004_d5f48cbdaf88caef.txt"


# -- settings (one dataclass per config section) ----------------------------------------


@dataclass(frozen=True, slots=True)
class BreakSettings:
    enabled: bool
    break_after_min: float  # from [sitting], where the issue names it
    repeat_min: float
    max_reminders: int
    acted_within_min: float


@dataclass(frozen=True, slots=True)
class StretchSettings:
    enabled: bool
    every_min: float
    hold_s: float


@dataclass(frozen=True, slots=True)
class PostureSettings:
    enabled: bool
    nudge_after_s: float
    cooldown_min: float
    acted_within_s: float


@dataclass(frozen=True, slots=True)
class WallAngelSettings:
    enabled: bool
    window_min: float
    slouch_share: float
    cooldown_min: float


@dataclass(frozen=True, slots=True)
class ErgonomicsSettings:
    enabled: bool
    close_ratio: float
    window_min: float
    close_share: float
    cooldown_min: float


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    min_gap_min: float
    daily_cap: int
    active_from_h: float
    active_until_h: float


@dataclass(frozen=True, slots=True)
class RuleSettings:
    sitting: SittingSettings
    breaks: BreakSettings
    stretch: StretchSettings
    posture: PostureSettings
    wall_angel: WallAngelSettings
    ergonomics: ErgonomicsSettings
    reminders: ReminderSettings

    @classmethod
    def from_config(cls, config: Config) -> RuleSettings:
        sitting = config.section("sitting")
        return cls(
            sitting=settings(SittingSettings, sitting),
            breaks=settings(BreakSettings, {**sitting, **config.section("break")}),
            stretch=settings(StretchSettings, config.section("stretch")),
            posture=settings(PostureSettings, config.section("posture")),
            wall_angel=settings(WallAngelSettings, config.section("wall_angel")),
            ergonomics=settings(ErgonomicsSettings, config.section("ergonomics")),
            reminders=settings(ReminderSettings, config.section("reminders")),
        )


# -- events ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder sent. ``acted`` is None until the camera settles it (break, posture
    only); it stays None for rules the camera cannot judge or when it did not see."""

    id: int  # 0, 1, 2... in the order sent
    t: float
    rule: str
    kind: str
    title: str
    message: str  # what to do, and why
    guidance: str  # catalog entry id
    sources: tuple[str, ...]
    level: int = 1  # 2, 3... for repeated break reminders in one bout
    acted: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 3),
            "rule": self.rule,
            "kind": self.kind,
            "title": self.title,
            "message": self.message,
            "guidance": self.guidance,
            "sources": list(self.sources),
            "level": self.level,
            "acted": self.acted,
        }


class Step(NamedTuple):
    """What one observation produced: reminders sent, and earlier ones now settled."""

    fired: tuple[Reminder, ...]
    decided: tuple[Reminder, ...]


@dataclass(frozen=True)
class RuleInfo:
    """A rule as ``posturewatch rules`` shows it."""

    id: str
    kind: str
    title: str
    enabled: bool
    when: str
    thresholds: Mapping[str, float | int]
    guidance: tuple[str, ...]
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "enabled": self.enabled,
            "when": self.when,
            "thresholds": dict(self.thresholds),
            "guidance": list(self.guidance),
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class _Draft:
    """A due reminder, before the engine numbers and sends it."""

    title: str
    message: str
    entry: Entry
    level: int = 1


def _sources(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({s for group in groups for s in group}))


def _say(what: str, entry: Entry) -> str:
    return f"{what} Why: {entry.why}"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


class _Window:
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


# -- rules ---------------------------------------------------------------------------------


class _Rule:
    """A rule watches every observation and says when it is due."""

    id = ""
    kind = ""
    basis: tuple[str, ...] = ()  # documents behind the trigger itself
    acted_within_s: float | None = None  # set by rules whose outcome the camera can judge

    def __init__(self, enabled: bool, entries: tuple[Entry, ...]) -> None:
        self.enabled = enabled
        self.entries = entries
        self.last_fired: float | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return _sources(self.basis, *(e.sources for e in self.entries))

    def watch(self, prev: Observation | None, obs: Observation, gap: bool) -> None:
        """Take in ``[prev.t, obs.t)``; ``gap`` means that span went unseen."""

    def due(self, obs: Observation, sitting: SittingTracker) -> _Draft | None:
        raise NotImplementedError

    def fired(self, t: float, sitting: SittingTracker) -> None:
        self.last_fired = t

    def outcome(
        self, reminder: Reminder, obs: Observation, sitting: SittingTracker
    ) -> bool | None:
        """True or False once the camera settles it, None while it cannot tell yet."""
        return None

    def _cooled(self, t: float, cooldown_s: float) -> bool:
        return self.last_fired is None or t - self.last_fired >= cooldown_s - EPS

    def info(self) -> RuleInfo:
        raise NotImplementedError


class BreakRule(_Rule):
    """Long continuous sitting: stand up and move, gently. Repeats, more personally, then
    stops until the person next gets up."""

    id, kind = "break", "movement"
    basis = (BACK_SPASM_NEWS, RAPID_RELIEF)  # prolonged sitting and inactivity weaken the back

    def __init__(self, s: BreakSettings, sitting: SittingSettings, catalog: Catalog) -> None:
        super().__init__(s.enabled, (catalog.get("gentle_movement"),))
        self.s = s
        self.min_break_s = sitting.min_break_s
        self.acted_within_s = s.acted_within_min * 60
        self._bout: float | None = None
        self._level = 0  # break reminders sent in this bout

    def due(self, obs: Observation, sitting: SittingTracker) -> _Draft | None:
        if sitting.bout_start != self._bout:
            self._bout, self._level = sitting.bout_start, 0
        if self._level >= self.s.max_reminders:
            return None
        if self._level == 0:
            ready = sitting.current_sitting_s >= self.s.break_after_min * 60 - EPS
        else:
            ready = self._cooled(obs.t, self.s.repeat_min * 60)
        if not ready:
            return None
        entry, sat = self.entries[0], _minutes(sitting.current_sitting_s)
        level = self._level + 1
        if level == 1:
            return _Draft("Time to stand up", _say(
                f"You have been sitting for {sat}. Stand up and walk around for a couple "
                "of minutes, then stretch lightly; start easy.", entry), entry, level)
        if level < self.s.max_reminders:
            return _Draft("Still sitting: a short walk?", _say(
                f"Still in your seat after {sat}. Two minutes on your feet is enough: a "
                "walk to the window or the kitchen counts.", entry), entry, level)
        return _Draft("Last break reminder for now", _say(
            f"{sat} without getting up. Stand up when you reach a pause; this is the "
            "last nudge until you next leave your seat.", entry), entry, level)

    def fired(self, t: float, sitting: SittingTracker) -> None:
        super().fired(t, sitting)
        self._level += 1

    def outcome(
        self, reminder: Reminder, obs: Observation, sitting: SittingTracker
    ) -> bool | None:
        deadline = reminder.t + self.s.acted_within_min * 60
        breaks = sitting.breaks
        if breaks and reminder.t <= breaks[-1].start <= deadline + EPS:
            return True
        leaving = sitting.absence_start
        if obs.t > deadline and (leaving is None or leaving > deadline):
            return False
        return None

    def info(self) -> RuleInfo:
        s = self.s
        return RuleInfo(
            self.id, self.kind, "Time to stand up", self.enabled,
            f"after {s.break_after_min:g} min of continuous sitting; again every "
            f"{s.repeat_min:g} min while you stay seated, at most {s.max_reminders} times; "
            f"an absence of {self.min_break_s:g} s or more resets it",
            {"break_after_min": s.break_after_min, "repeat_min": s.repeat_min,
             "max_reminders": s.max_reminders, "acted_within_min": s.acted_within_min,
             "min_break_s": self.min_break_s},
            tuple(e.id for e in self.entries), self.sources,
        )


class StretchRule(_Rule):
    """Every so much sitting, one stretch from the catalog, in rotation. It gives way to the
    break reminder once a break is due: standing up comes first."""

    id, kind = "stretch", "stretch"
    basis = (RAPID_RELIEF, CLINIC_POST)  # hold about 30 s; regular gentle stretching

    def __init__(self, s: StretchSettings, stop_at_s: float, catalog: Catalog) -> None:
        super().__init__(s.enabled, catalog.of_kind("stretch"))
        self.s = s
        self.stop_at_s = stop_at_s
        self._bout: float | None = None
        self._mark = 0.0  # sitting seconds in this bout at the last stretch
        self._next = 0  # rotation index, kept across bouts

    def due(self, obs: Observation, sitting: SittingTracker) -> _Draft | None:
        if sitting.bout_start != self._bout:
            self._bout, self._mark = sitting.bout_start, 0.0
        sat = sitting.current_sitting_s
        if not self.entries or sat >= self.stop_at_s - EPS:
            return None
        if sat - self._mark < self.s.every_min * 60 - EPS:
            return None
        entry = self.entries[self._next % len(self.entries)]
        what = (f"{' '.join(entry.steps)} Hold about {self.s.hold_s:g} s and repeat a few "
                "times; ease off if it hurts.")
        return _Draft(f"Stretch: {entry.title}", _say(what, entry), entry)

    def fired(self, t: float, sitting: SittingTracker) -> None:
        super().fired(t, sitting)
        self._mark = sitting.current_sitting_s
        self._next += 1

    def info(self) -> RuleInfo:
        until = "" if math.isinf(self.stop_at_s) else ", until a break is due"
        return RuleInfo(
            self.id, self.kind, "Stretch", self.enabled,
            f"every {self.s.every_min:g} min of continuous sitting{until}; one stretch in "
            f"turn, held about {self.s.hold_s:g} s",
            {"every_min": self.s.every_min, "hold_s": self.s.hold_s},
            tuple(e.id for e in self.entries), self.sources,
        )


class PostureRule(_Rule):
    """Slouched without a break for a while: sit tall."""

    id, kind = "posture", "posture"
    basis = (CLINIC_POST,)  # slumping at a desk strains the back

    def __init__(self, s: PostureSettings, catalog: Catalog) -> None:
        super().__init__(s.enabled, (catalog.get("sit_tall"),))
        self.s = s
        self.acted_within_s = s.acted_within_s
        self._since: float | None = None  # start of the current unbroken slouch

    def watch(self, prev: Observation | None, obs: Observation, gap: bool) -> None:
        if obs.state is not Posture.SLOUCHED:
            self._since = None
        elif self._since is None or gap:
            self._since = obs.t

    def due(self, obs: Observation, sitting: SittingTracker) -> _Draft | None:
        if self._since is None or obs.t - self._since < self.s.nudge_after_s - EPS:
            return None
        if not self._cooled(obs.t, self.s.cooldown_min * 60):
            return None
        entry = self.entries[0]
        what = f"Slouched for {obs.t - self._since:.0f} s. {' '.join(entry.steps)}"
        return _Draft("Sit tall", _say(what, entry), entry)

    def outcome(
        self, reminder: Reminder, obs: Observation, sitting: SittingTracker
    ) -> bool | None:
        if obs.t > reminder.t + self.s.acted_within_s + EPS:
            return False
        return True if obs.state is Posture.UPRIGHT else None

    def info(self) -> RuleInfo:
        s = self.s
        return RuleInfo(
            self.id, self.kind, "Sit tall", self.enabled,
            f"after {s.nudge_after_s:g} s of unbroken slouching; at most every "
            f"{s.cooldown_min:g} min",
            {"nudge_after_s": s.nudge_after_s, "cooldown_min": s.cooldown_min,
             "acted_within_s": s.acted_within_s},
            tuple(e.id for e in self.entries), self.sources,
        )


class _ShareRule(_Rule):
    """Due when a condition held for a share of a sliding window."""

    def __init__(self, enabled: bool, entry: Entry, window_min: float, share: float,
                 cooldown_min: float) -> None:
        super().__init__(enabled, (entry,))
        self.window = _Window(window_min * 60)
        self.share = share
        self.cooldown_s = cooldown_min * 60

    def flagged(self, obs: Observation) -> bool:
        raise NotImplementedError

    def watch(self, prev: Observation | None, obs: Observation, gap: bool) -> None:
        if prev is not None and not gap and obs.t > prev.t and self.flagged(prev):
            self.window.add(prev.t, obs.t)

    def held(self, now: float) -> float:
        return self.window.seconds(now)

    def ready(self, now: float) -> bool:
        return (self.held(now) >= self.share * self.window.width - EPS
                and self._cooled(now, self.cooldown_s))


class WallAngelRule(_ShareRule):
    """Slouched for much of the last half hour: the wall angel, meant for exactly that."""

    id, kind = "wall_angel", "exercise"
    basis = (RAPID_RELIEF,)

    def __init__(self, s: WallAngelSettings, catalog: Catalog) -> None:
        super().__init__(s.enabled, catalog.get("wall_angel"), s.window_min, s.slouch_share,
                         s.cooldown_min)
        self.s = s

    def flagged(self, obs: Observation) -> bool:
        return obs.state is Posture.SLOUCHED

    def due(self, obs: Observation, sitting: SittingTracker) -> _Draft | None:
        if not self.ready(obs.t):
            return None
        entry = self.entries[0]
        share = self.held(obs.t) / self.window.width
        what = (f"You slouched for {share:.0%} of the last {self.s.window_min:g} min. "
                f"Try a wall angel: {' '.join(entry.steps)}")
        return _Draft("Wall angel", _say(what, entry), entry)

    def info(self) -> RuleInfo:
        s = self.s
        return RuleInfo(
            self.id, self.kind, "Wall angel", self.enabled,
            f"slouched for at least {s.slouch_share:.0%} of the last {s.window_min:g} min; "
            f"at most every {s.cooldown_min:g} min",
            {"window_min": s.window_min, "slouch_share": s.slouch_share,
             "cooldown_min": s.cooldown_min},
            tuple(e.id for e in self.entries), self.sources,
        )


class ErgonomicsRule(_ShareRule):
    """The head keeps coming close to the screen: check the desk set-up."""

    id, kind = "ergonomics", "setup"
    basis = (CLINIC_POST, RAPID_RELIEF)  # a fitting workstation prevents hunching

    def __init__(self, s: ErgonomicsSettings, catalog: Catalog) -> None:
        super().__init__(s.enabled, catalog.get("desk_setup"), s.window_min, s.close_share,
                         s.cooldown_min)
        self.s = s

    def flagged(self, obs: Observation) -> bool:
        return obs.state.present and obs.closeness is not None and (
            obs.closeness > self.s.close_ratio)

    def due(self, obs: Observation, sitting: SittingTracker) -> _Draft | None:
        if not self.ready(obs.t):
            return None
        entry = self.entries[0]
        what = (f"Your head was close to the screen for much of the last "
                f"{self.s.window_min:g} min. {' '.join(entry.steps)}")
        return _Draft("Check your desk set-up", _say(what, entry), entry)

    def info(self) -> RuleInfo:
        s = self.s
        return RuleInfo(
            self.id, self.kind, "Check your desk set-up", self.enabled,
            f"face over {s.close_ratio:g}x its calibrated size for at least "
            f"{s.close_share:.0%} of the last {s.window_min:g} min; at most every "
            f"{s.cooldown_min:g} min",
            {"close_ratio": s.close_ratio, "window_min": s.window_min,
             "close_share": s.close_share, "cooldown_min": s.cooldown_min},
            tuple(e.id for e in self.entries), self.sources,
        )


# -- engine ------------------------------------------------------------------------------


@dataclass
class _Pending:
    index: int  # into the engine's reminder list
    rule: _Rule


@dataclass
class _Controls:
    paused: bool = False
    snoozed_until: float = -math.inf
    sent_per_day: dict[int, int] = field(default_factory=dict)
    last_sent: float | None = None


class RuleEngine:
    """Feed observations in time order with :meth:`observe`; it returns what to send."""

    def __init__(self, rules: RuleSettings, catalog: Catalog | None = None, *,
                 clock_offset_s: float = 0.0) -> None:
        catalog = catalog if catalog is not None else load_catalog()
        self.settings = rules
        self.clock_offset_s = clock_offset_s
        self.sitting = SittingTracker(rules.sitting, clock_offset_s=clock_offset_s)
        stop_at = rules.breaks.break_after_min * 60 if rules.breaks.enabled else math.inf
        self._rules: tuple[_Rule, ...] = (
            BreakRule(rules.breaks, rules.sitting, catalog),
            PostureRule(rules.posture, catalog),
            WallAngelRule(rules.wall_angel, catalog),
            StretchRule(rules.stretch, stop_at, catalog),
            ErgonomicsRule(rules.ergonomics, catalog),
        )
        self._reminders: list[Reminder] = []
        self._pending: list[_Pending] = []
        self._controls = _Controls()
        self._last: Observation | None = None

    @classmethod
    def from_config(cls, config: Config, catalog: Catalog | None = None, *,
                    clock_offset_s: float = 0.0) -> RuleEngine:
        return cls(RuleSettings.from_config(config), catalog, clock_offset_s=clock_offset_s)

    # -- the person's controls ---------------------------------------------------------

    def snooze(self, until: float) -> None:
        """No reminders before ``until`` (same clock as the observations)."""
        self._controls.snoozed_until = max(self._controls.snoozed_until, until)

    def pause(self) -> None:
        self._controls.paused = True

    def resume(self) -> None:
        self._controls.paused = False

    @property
    def paused(self) -> bool:
        return self._controls.paused

    # -- reading ------------------------------------------------------------------------

    @property
    def reminders(self) -> tuple[Reminder, ...]:
        """Every reminder sent so far, with its latest outcome."""
        return tuple(self._reminders)

    def describe(self) -> tuple[RuleInfo, ...]:
        return tuple(rule.info() for rule in self._rules)

    # -- feeding ------------------------------------------------------------------------

    def observe(self, obs: Observation) -> Step:
        prev = self._last
        gap = prev is not None and obs.t - prev.t > self.settings.sitting.max_gap_s
        self.sitting.update(obs)  # refuses out-of-order observations
        for rule in self._rules:
            if rule.enabled:
                rule.watch(prev, obs, gap)
        decided = self._decide(prev, obs, gap)
        fired = self._fire(obs)
        self._last = obs
        return Step(fired, decided)

    def _decide(
        self, prev: Observation | None, obs: Observation, gap: bool
    ) -> tuple[Reminder, ...]:
        decided: list[Reminder] = []
        still: list[_Pending] = []
        for pending in self._pending:
            reminder = self._reminders[pending.index]
            window = pending.rule.acted_within_s or 0.0
            if gap and prev is not None and prev.t <= reminder.t + window:
                decided.append(reminder)  # the camera missed the window: stays unknown
                continue
            acted = pending.rule.outcome(reminder, obs, self.sitting)
            if acted is None:
                still.append(pending)
                continue
            reminder = replace(reminder, acted=acted)
            self._reminders[pending.index] = reminder
            decided.append(reminder)
        self._pending = still
        return tuple(decided)

    def _may_send(self, t: float) -> bool:
        c, r = self._controls, self.settings.reminders
        if c.paused or t < c.snoozed_until or not self._active(t):
            return False
        if c.sent_per_day.get(day_of(t, self.clock_offset_s), 0) >= r.daily_cap:
            return False
        return c.last_sent is None or t - c.last_sent >= r.min_gap_min * 60 - EPS

    def _active(self, t: float) -> bool:
        r = self.settings.reminders
        hour = ((t + self.clock_offset_s) % DAY_S) / 3600
        start, end = r.active_from_h, r.active_until_h
        if start == end:
            return True
        return start <= hour < end if start < end else (hour >= start or hour < end)

    def _fire(self, obs: Observation) -> tuple[Reminder, ...]:
        if not obs.state.present or not self._may_send(obs.t):
            return ()
        for rule in self._rules:
            draft = rule.due(obs, self.sitting) if rule.enabled else None
            if draft is None:
                continue
            reminder = Reminder(
                id=len(self._reminders), t=obs.t, rule=rule.id, kind=rule.kind,
                title=draft.title, message=draft.message, guidance=draft.entry.id,
                sources=_sources(rule.basis, draft.entry.sources), level=draft.level,
            )
            rule.fired(obs.t, self.sitting)
            self._reminders.append(reminder)
            if rule.acted_within_s is not None:
                self._pending.append(_Pending(reminder.id, rule))
            day = day_of(obs.t, self.clock_offset_s)
            self._controls.sent_per_day[day] = self._controls.sent_per_day.get(day, 0) + 1
            self._controls.last_sent = obs.t
            return (reminder,)
        return ()
