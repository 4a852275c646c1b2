"""The rules driven by the sitting bout and the stance: the break reminder, the rotating
stretch, and the reminder to sit after a long stand.

Break and stretch count sitting time within the current bout (see
:mod:`posturewatch.core.sitting`), so getting up starts them over; the sit-stand reminder
counts the standing seen since the person last sat. Water comes with the break (refill on the
way), breathing with the stretch (for when the stretch has to wait: it works sitting, in a
meeting), each citing its documents. During the working day the stretch is one that can
be done at the desk or standing beside it; floor stretches join outside it, or when the
person asks for them (``stretch.floor``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from posturewatch.core.guidance import AT_THE_DESK, PLACES, Catalog, Entry
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.reminders.rule import (
    BACK_SPASM_NEWS,
    CLINIC_POST,
    RAPID_RELIEF,
    Draft,
    Rule,
    merge_sources,
)
from posturewatch.core.reminders.settings import BreakSettings, SitStandSettings, StretchSettings
from posturewatch.core.sitting import DAY_S, EPS, Bout, SittingSettings, SittingTracker


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


class BreakRule(Rule[BreakSettings]):
    """Long continuous sitting: stand up and move, gently. Repeats, more personally, then
    stops until the person next gets up."""

    id, kind, title = "break", "movement", "Stand up and walk a little"
    basis = (BACK_SPASM_NEWS, RAPID_RELIEF)  # prolonged sitting and inactivity weaken the back

    def __init__(self, s: BreakSettings, sitting: SittingSettings, catalog: Catalog) -> None:
        super().__init__(s, (catalog.get("gentle_movement"), catalog.get("hydration")))
        self.min_break_s = sitting.min_break_s
        self.acted_within_s = s.acted_within_min * 60
        self._bout: float | None = None
        self._level = 0  # break reminders sent in this bout
        self._call_s: float | None = None  # a call as long as the limit just ended

    def call_ended(self, seconds: float) -> None:
        """A call of ``seconds`` (at least the sitting limit) ended: the next reminder of
        this bout names it, whatever the level or the repeat's wait."""
        self._call_s = seconds

    def due(self, obs: Observation, sitting: SittingTracker) -> Draft | None:
        if sitting.bout_start != self._bout:
            self._bout, self._level, self._call_s = sitting.bout_start, 0, None
        if self._call_s is not None and sitting.bout_start is not None:
            return self._after_call(self._call_s)
        if self._level >= self.s.max_reminders:
            return None
        if self._level == 0:
            ready = sitting.current_sitting_s >= self.s.break_after_min * 60 - EPS
        else:
            ready = self._cooled(obs.t, self.s.repeat_min * 60)
        if not ready:
            return None
        sat, level = _minutes(sitting.current_sitting_s), self._level + 1
        water = self.entries[1]
        if level == 1:
            title, what = self.title, (
                f"You have been sitting for {sat}. Stand up and walk around for a couple "
                "of minutes, then stretch lightly; start easy.")
            body = f"{sat} in your seat. Walk for two minutes and refill your water."
        elif level < self.s.max_reminders:
            title, what = "Stand up: a two-minute walk", (
                f"Still in your seat after {sat}. Two minutes on your feet is enough: a "
                "walk to the window or the kitchen counts.")
            body = f"Still seated after {sat}; a walk to the kitchen for water counts."
        else:
            title, what = "Stand up at your next pause", (
                f"{sat} without getting up. Stand up when you reach a pause; this is the "
                "last nudge until you next leave your seat.")
            body = f"{sat} without getting up; the last nudge until you next leave your seat."
        what += f" Bring your glass: {water.brief[0].lower()}{water.brief[1:]}"
        return self._draft(what, title=title, level=level, body=body, also=(water,))

    def _after_call(self, call_s: float) -> Draft:
        """One reminder after a long call, naming it: it was sitting, though the camera
        was lent to the call and reminders waited."""
        call, water = _minutes(call_s), self.entries[1]
        what = (f"You sat {call} through that call. Stand up and walk for a few minutes "
                f"before the next thing. Bring your glass: {water.brief[0].lower()}"
                f"{water.brief[1:]}")
        body = f"You sat {call} through that call — stand up for a few minutes."
        return self._draft(what, title="Stand up after that call",
                           level=min(self._level + 1, self.s.max_reminders), body=body,
                           also=(water,))

    def fired(self, t: float, sitting: SittingTracker) -> None:
        super().fired(t, sitting)
        self._level += 1
        self._call_s = None

    def take_over(self, old: Rule[Any]) -> None:
        super().take_over(old)
        assert isinstance(old, BreakRule)
        self._bout, self._level, self._call_s = old._bout, old._level, old._call_s

    def carry_on(self, bout: Bout | None, sent: Sequence[tuple[float, int]]) -> None:
        super().carry_on(bout, sent)
        if bout is not None:
            self._bout = bout.start
            self._level = sum(1 for t, _ in sent if t >= bout.start)

    def outcome(
        self, reminder: Reminder, obs: Observation, sitting: SittingTracker
    ) -> bool | None:
        deadline = reminder.t + self.s.acted_within_min * 60
        if obs.state is Posture.STANDING and obs.t <= deadline + EPS:
            return True  # seen standing: what the reminder asked
        breaks = sitting.breaks
        if breaks and reminder.t <= breaks[-1].start <= deadline + EPS:
            return True
        leaving = sitting.absence_start
        if obs.t > deadline and (leaving is None or leaving > deadline):
            return False
        return None

    def note(self, reminder: Reminder, obs: Observation) -> str:
        return "seen standing" if obs.state is Posture.STANDING else ""

    def when(self) -> str:
        s = self.s
        return (f"after {s.break_after_min:g} min of continuous sitting; again every "
                f"{s.repeat_min:g} min while you stay seated, at most {s.max_reminders} "
                f"times; an absence of {self.min_break_s:g} s or more resets it")

    def thresholds(self) -> dict[str, float | int]:
        return {**super().thresholds(), "min_break_s": self.min_break_s}


class StretchRule(Rule[StretchSettings]):
    """Every so much sitting, one stretch from the catalog, in rotation. It gives way to the
    break reminder once a break is due: standing up comes first."""

    id, kind, title = "stretch", "stretch", "Stretch"
    basis = (RAPID_RELIEF, CLINIC_POST)  # hold about 30 s; regular gentle stretching

    def __init__(self, s: StretchSettings, stop_at_s: float, catalog: Catalog) -> None:
        super().__init__(s, catalog.of_kind("stretch"))
        self.breathing = catalog.get("diaphragmatic_breathing")
        self.stop_at_s = stop_at_s
        self._bout: float | None = None
        self._mark = 0.0  # sitting seconds in this bout at the last stretch
        self._next = 0  # rotation index, kept across bouts

    def due(self, obs: Observation, sitting: SittingTracker) -> Draft | None:
        if sitting.bout_start != self._bout:
            self._bout, self._mark = sitting.bout_start, 0.0
        sat = sitting.current_sitting_s
        if sat >= self.stop_at_s - EPS or sat - self._mark < self.s.every_min * 60 - EPS:
            return None
        choice = self.choices(obs.t + sitting.clock_offset_s)
        if not choice:
            return None
        entry = choice[self._next % len(choice)]
        what = (f"{' '.join(entry.steps)} Hold about {self.s.hold_s:g} s and repeat a few "
                f"times; ease off if it hurts. If it has to wait: {self.breathing.title.lower()}"
                f" works sitting, even in a meeting ({self.breathing.brief[0].lower()}"
                f"{self.breathing.brief[1:]})")
        body = f"{self.s.hold_s:g} s, a few times. Can't now? Breathe slowly into your belly."
        return self._draft(what, entry, title=f"{self.title}: {entry.title}", body=body,
                           also=(self.breathing,))

    def choices(self, local_s: float) -> tuple[Entry, ...]:
        """The stretches that fit now: at the desk or beside it during the working day
        (unless floor stretches are asked for), any of them outside it."""
        hour = (local_s % DAY_S) / 3600
        start, end = self.s.workday_from_h, self.s.workday_until_h
        working = start <= hour < end if start <= end else (hour >= start or hour < end)
        places = AT_THE_DESK if working and not self.s.floor else frozenset(PLACES)
        return tuple(e for e in self.entries if e.fits(places))

    def fired(self, t: float, sitting: SittingTracker) -> None:
        super().fired(t, sitting)
        self._mark = sitting.current_sitting_s
        self._next += 1

    def take_over(self, old: Rule[Any]) -> None:
        super().take_over(old)
        assert isinstance(old, StretchRule)
        self._bout, self._mark, self._next = old._bout, old._mark, old._next

    def carry_on(self, bout: Bout | None, sent: Sequence[tuple[float, int]]) -> None:
        super().carry_on(bout, sent)
        self._next = len(sent)  # the day's rotation goes on
        in_bout = [t for t, _ in sent if bout is not None and t >= bout.start]
        if bout is not None:
            # the bout's sitting at the last stretch: taken as continuous since then
            self._bout = bout.start
            self._mark = max(0.0, bout.sitting_s - (bout.end - in_bout[-1])) if in_bout else 0.0

    def when(self) -> str:
        until = "" if math.isinf(self.stop_at_s) else ", until a break is due"
        floor = ("floor stretches too" if self.s.floor else
                 f"at the desk or standing from {self.s.workday_from_h:g} h to "
                 f"{self.s.workday_until_h:g} h, floor stretches too outside those hours")
        return (f"every {self.s.every_min:g} min of continuous sitting{until}; one stretch "
                f"in turn, held about {self.s.hold_s:g} s ({floor}); breathing offered "
                "for when it has to wait")

    @property
    def sources(self) -> tuple[str, ...]:
        return merge_sources(super().sources, self.breathing.sources)


class SitStandRule(Rule[SitStandSettings]):
    """A long stand: sit down for a while (standing all day is no better than sitting all
    day). Repeats while the person stays on their feet; acted on once they are seen
    sitting."""

    id, kind, title = "sit_stand", "movement", "Sit down for a while"
    basis = (BACK_SPASM_NEWS, RAPID_RELIEF)  # long sitting, but standing can hurt too

    def __init__(self, s: SitStandSettings, catalog: Catalog) -> None:
        super().__init__(s, (catalog.get("change_position"),))
        self.acted_within_s = s.acted_within_min * 60
        self._spell_fired = False  # fired in this standing spell: repeats wait repeat_min

    def due(self, obs: Observation, sitting: SittingTracker) -> Draft | None:
        stood = sitting.current_standing_s
        if stood <= 0:
            self._spell_fired = False
            return None
        if obs.state is not Posture.STANDING or stood < self.s.stand_for_min * 60 - EPS:
            return None
        if self._spell_fired and not self._cooled(obs.t, self.s.repeat_min * 60):
            return None
        minutes = _minutes(stood)
        return self._draft(
            f"You have been on your feet for {minutes}. Sit down for a while: "
            f"{' '.join(self.entries[0].steps)}",
            body=f"{minutes} on your feet. Sit for a while, then stand again later.")

    def fired(self, t: float, sitting: SittingTracker) -> None:
        super().fired(t, sitting)
        self._spell_fired = True

    def take_over(self, old: Rule[Any]) -> None:
        super().take_over(old)
        assert isinstance(old, SitStandRule)
        self._spell_fired = old._spell_fired

    def outcome(
        self, reminder: Reminder, obs: Observation, sitting: SittingTracker
    ) -> bool | None:
        if obs.state.sitting:
            return True
        return False if obs.t > reminder.t + self.acted_within_s + EPS else None

    def note(self, reminder: Reminder, obs: Observation) -> str:
        return "seen sitting" if obs.state.sitting else ""

    def when(self) -> str:
        return (f"after {self.s.stand_for_min:g} min on your feet since you last sat; again "
                f"every {self.s.repeat_min:g} min while you stay standing")
