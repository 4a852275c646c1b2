"""The guidance rules: when to remind, what to say, and whether the person acted on it.

Pure: the engine takes each observation (time included) from its caller and never reads a
clock; the caller also says how its clock maps to local time of day (``clock_offset_s``),
so tests can simulate whole days. Data flows one way: observations in, reminders out.
The person's own controls (pause, snooze) are the watch session's
(``core/watch/pause.py``): it says with each observation whether reminders are held.

Each rule watches the stream and says when it is due; the engine decides whether a due
reminder may be sent (present, not held by a pause or snooze, inside active hours, under
the daily cap, far enough from the last reminder) and sends at most one per observation,
in rule order: break, sit_stand, posture, wall_angel, stretch, ergonomics.

This module is the engine and the one to import from. The rules themselves live in
:mod:`posturewatch.core.reminders.sitting_rules` (break, sit_stand, stretch) and
:mod:`posturewatch.core.reminders.posture_rules` (posture, wall angel, ergonomics) on top of
:mod:`posturewatch.core.reminders.rule`; their settings
in :mod:`posturewatch.core.reminders.settings`; what the engine hands out in
:mod:`posturewatch.core.reminders.reminder`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from posturewatch.core.guidance import Catalog
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.posture_rules import ErgonomicsRule, PostureRule, WallAngelRule
from posturewatch.core.reminders.reminder import EngineUpdate, Reminder, RuleInfo, one_line
from posturewatch.core.reminders.rule import Rule, merge_sources
from posturewatch.core.reminders.settings import RuleSettings
from posturewatch.core.reminders.sitting_rules import BreakRule, SitStandRule, StretchRule
from posturewatch.core.sitting import DAY_S, EPS, Bout, SittingTracker, day_of

# Re-exported: callers build and read the engine through this module alone.
__all__ = ["EngineUpdate", "Reminder", "RuleEngine", "RuleInfo", "RuleSettings", "Sent"]


class Sent(NamedTuple):
    """A reminder an earlier run sent (from the store), on this run's timeline."""

    t: float
    rule: str
    level: int


@dataclass
class _Pending:
    index: int  # into the engine's reminder list
    rule: Rule[Any]


@dataclass
class _Sent:
    per_day: dict[int, int] = field(default_factory=dict)
    last: float | None = None


class RuleEngine:
    """Feed observations in time order with :meth:`observe`; it returns what to send."""

    def __init__(self, rules: RuleSettings, catalog: Catalog, *,
                 clock_offset_s: float = 0.0) -> None:
        self.settings = rules
        self.sitting = SittingTracker(rules.sitting, clock_offset_s=clock_offset_s)
        self._rules = self._build(rules, catalog)
        self._reminders: list[Reminder] = []
        self._pending: list[_Pending] = []
        self._sent = _Sent()
        self._last: Observation | None = None

    @property
    def clock_offset_s(self) -> float:
        """Where ``t`` falls in the local day (the tracker's: one copy for both)."""
        return self.sitting.clock_offset_s

    @clock_offset_s.setter
    def clock_offset_s(self, value: float) -> None:
        self.sitting.clock_offset_s = value

    @staticmethod
    def _build(rules: RuleSettings, catalog: Catalog) -> tuple[Rule[Any], ...]:
        stop_at = rules.breaks.break_after_min * 60 if rules.breaks.enabled else math.inf
        return (
            BreakRule(rules.breaks, rules.sitting, catalog),
            SitStandRule(rules.sit_stand, catalog),
            PostureRule(rules.posture, catalog),
            WallAngelRule(rules.wall_angel, catalog),
            StretchRule(rules.stretch, stop_at, catalog),
            ErgonomicsRule(rules.ergonomics, catalog),
        )

    # -- changes from outside the stream ------------------------------------------------

    def reconfigure(self, rules: RuleSettings, catalog: Catalog) -> None:
        """New settings (a reloaded config), keeping what happened: the bout, each rule's
        progress (a break reminder's level, cooldowns, the stretch rotation, the windows),
        the reminders sent with their ids and pending outcomes, the gap and the daily cap."""
        old = {rule.id: rule for rule in self._rules}
        self.settings = rules
        self.sitting.settings = rules.sitting
        self._rules = self._build(rules, catalog)
        for rule in self._rules:
            rule.take_over(old[rule.id])
        by_id = {rule.id: rule for rule in self._rules}
        self._pending = [_Pending(p.index, by_id[p.rule.id]) for p in self._pending]

    def carry_on(self, bout: Bout | None, sent: Sequence[Sent]) -> None:
        """Go on from an earlier run (a restart): its bout, if it was still going, and
        the reminders it sent (the daily cap, the gap, the break reminder's level and each
        rule's cooldown). Call before the first observation; times on this timeline."""
        c = self._sent
        for s in sent:
            day = day_of(s.t, self.clock_offset_s)
            c.per_day[day] = c.per_day.get(day, 0) + 1
            c.last = s.t if c.last is None else max(c.last, s.t)
        if bout is not None:
            self.sitting.carry_on(bout)
            self._last = Observation(bout.end, Posture.UNKNOWN)
        for rule in self._rules:
            rule.carry_on(bout, sorted((s.t, s.level) for s in sent if s.rule == rule.id))

    def call_ended(self, seconds: float) -> None:
        """A call at least as long as the sitting limit ended (the person sat through it
        while reminders waited): the break reminder that comes next names it."""
        for rule in self._rules:
            if isinstance(rule, BreakRule) and rule.enabled:
                rule.call_ended(seconds)

    def sent_on(self, day: int) -> int:
        """Reminders sent on local day ``day`` (earlier runs' included)."""
        return self._sent.per_day.get(day, 0)

    # -- reading ------------------------------------------------------------------------

    @property
    def reminders(self) -> tuple[Reminder, ...]:
        """Every reminder sent so far, with its latest outcome."""
        return tuple(self._reminders)

    def describe(self) -> tuple[RuleInfo, ...]:
        return tuple(rule.info() for rule in self._rules)

    # -- feeding ------------------------------------------------------------------------

    def observe(self, obs: Observation, *, held: bool = False) -> EngineUpdate:
        """Feed one observation; ``held``: no reminder may be sent now (a pause or a
        snooze), though the rules watch on."""
        prev = self._last
        gap = prev is not None and obs.t - prev.t > self.settings.sitting.max_gap_s
        ended = self.sitting.update(obs)  # refuses out-of-order observations
        for rule in self._rules:
            if rule.enabled:
                rule.watch(prev, obs, gap)
        decided = self._decide(prev, obs, gap)
        fired = () if held else self._fire(obs)
        self._last = obs
        return EngineUpdate(fired, decided, ended)

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
            reminder = replace(reminder, acted=acted,
                               note=pending.rule.note(reminder, obs) if acted else "")
            self._reminders[pending.index] = reminder
            decided.append(reminder)
        self._pending = still
        return tuple(decided)

    def _may_send(self, t: float) -> bool:
        c, r = self._sent, self.settings.reminders
        if not self._active(t):
            return False
        if c.per_day.get(day_of(t, self.clock_offset_s), 0) >= r.daily_cap:
            return False
        return c.last is None or t - c.last >= r.min_gap_min * 60 - EPS

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
                sources=merge_sources(rule.basis, draft.entry.sources,
                                      *(e.sources for e in draft.also)),
                level=draft.level, body=one_line(draft.body), also=tuple(e.id for e in draft.also),
            )
            rule.fired(obs.t, self.sitting)
            self._reminders.append(reminder)
            if rule.acted_within_s is not None:
                self._pending.append(_Pending(reminder.id, rule))
            day = day_of(obs.t, self.clock_offset_s)
            self._sent.per_day[day] = self._sent.per_day.get(day, 0) + 1
            self._sent.last = obs.t
            return (reminder,)
        return ()
