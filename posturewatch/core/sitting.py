"""Sitting time as the camera sees it: bouts, breaks and daily totals. Time is an input.

How time is counted (the settings are documented in ``config/default.toml``, [sitting]):

- Each observation's state holds until the next observation. Present (upright, slouched,
  unknown) is sitting; standing is on one's feet; away is absent.
- An absence of at least ``min_break_s`` is a break: the bout ends where the absence began.
  A shorter absence does not end the bout and counts as sitting, so a reach for the phone
  or a lean out of view neither resets nor stalls the break timer.
- Standing is not sitting: the bout ends where the person stood up (or where the absence
  before it began), at once, however short the stand: getting up is what the break timer
  asks for. Standing and away together for ``min_break_s`` make a break, as an absence
  does. Standing time is counted on its own (``standing_s``), and so is the standing seen
  since the person last sat (``current_standing_s``: the sit-stand reminder's clock),
  which an absence of ``min_break_s`` starts over.
- A silence longer than ``max_gap_s`` between two observations (suspend, camera off) is
  *unseen*: neither sitting nor a break. If it is long enough to have held a break
  (``min_break_s`` or more) it closes the bout at the last observation before it, because
  we cannot tell whether the person left and must not ask for a break on time we never
  saw; a shorter gap ends nothing. Either way it is never counted as a break.
- Days: the clock the caller feeds may be video time or a monotonic clock, so the caller
  passes ``clock_offset_s``, which turns ``t`` into seconds since a local midnight; day
  ``n`` is ``[n, n + 1) * 86400`` of that. With the default 0, ``t = 0`` is midnight of
  day 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from posturewatch.core.observation import Observation, Posture
from posturewatch.errors import PostureWatchError

DAY_S = 86_400.0
EPS = 1e-6  # float slack, so 0.2 s steps summed to 2700 still reach a 2700 s threshold


class TimelineError(PostureWatchError):
    """Observations arrived out of time order."""


@dataclass(frozen=True, slots=True)
class SittingSettings:
    min_break_s: float
    max_gap_s: float


@dataclass(frozen=True, slots=True)
class Bout:
    start: float
    end: float
    sitting_s: float  # end - start without unseen gaps

    def to_dict(self) -> dict[str, float]:
        return {"start": _r(self.start), "end": _r(self.end), "sitting_s": _r(self.sitting_s)}


@dataclass(frozen=True, slots=True)
class Break:
    start: float
    end: float | None  # None while it lasts


@dataclass(frozen=True, slots=True)
class SittingTotals:
    """What the tracker counted so far, as one frozen value (a session's end, a replay)."""

    bouts: tuple[Bout, ...]  # finished, then the one in progress
    breaks: tuple[Break, ...]  # finished, then the one in progress (``end`` None)
    unseen_s: float
    daily: tuple[tuple[int, float], ...]  # (local day index, seconds of sitting)
    standing_s: float = 0.0  # seen standing

    def daily_sitting_s(self) -> dict[int, float]:
        """Seconds of sitting per local day index (see :func:`day_of`)."""
        return dict(self.daily)

    def summary(self) -> dict[str, Any]:
        """JSON-ready totals; an absence still too short to be a break is not counted yet."""
        return {
            "sitting_s": _r(sum(b.sitting_s for b in self.bouts)),
            "longest_bout_s": _r(max((b.sitting_s for b in self.bouts), default=0.0)),
            "breaks": len(self.breaks),
            "standing_s": _r(self.standing_s),
            "unseen_s": _r(self.unseen_s),
            "bouts": [b.to_dict() for b in self.bouts],
            "days": [{"day": d, "sitting_s": _r(s)} for d, s in self.daily],
        }


def day_of(t: float, clock_offset_s: float) -> int:
    """Index of the local day that ``t`` falls in."""
    return math.floor((t + clock_offset_s) / DAY_S)


def _r(value: float) -> float:
    return round(value, 3)


class SittingTracker:
    """Feed observations in time order with :meth:`update`, which says which bouts and
    breaks each one ended; read the state any time."""

    def __init__(self, settings: SittingSettings, *, clock_offset_s: float = 0.0) -> None:
        self.settings = settings
        self.clock_offset_s = clock_offset_s
        self._last: Observation | None = None
        self._bout_start: float | None = None
        self._bout_end = 0.0  # sitting is confirmed up to here
        self._bout_s = 0.0
        self._absence_start: float | None = None  # current absence, pending or a break
        self._pending: list[tuple[float, float]] = []  # seen spans of a not-yet-break absence
        self._pending_s = 0.0
        self._break: Break | None = None  # the break in progress
        self._bouts: list[Bout] = []
        self._breaks: list[Break] = []
        self._daily: dict[int, float] = {}
        self._unseen_s = 0.0
        self._standing_s = 0.0  # all standing seen
        self._stand_spell_s = 0.0  # standing seen since the person last sat
        self._away_run_s = 0.0  # away without a break in the seeing, so far
        self._ended: list[Bout | Break] = []  # what the observation being fed has ended

    # -- feeding -------------------------------------------------------------------------

    def update(self, obs: Observation) -> tuple[Bout | Break, ...]:
        """Feed one observation; return the bouts and breaks it ended, in time order."""
        last = self._last
        if last is not None:
            if obs.t < last.t:
                raise TimelineError(
                    f"observation at t={obs.t:g} s arrived after t={last.t:g} s",
                    "feed observations sorted by time",
                )
            if obs.t - last.t > self.settings.max_gap_s:
                self._gap(last.t, obs.t)
            else:
                self._span(last, obs.t)
        self._last = obs
        self._begin(obs)
        ended, self._ended = tuple(self._ended), []
        return ended

    def carry_on(self, bout: Bout) -> None:
        """A bout an earlier run stored, going on (a restart); before the first
        observation. The silence since its end is a gap like any other: unseen time, and
        the end of the bout if it could have held a break."""
        self._bout_start, self._bout_end, self._bout_s = bout.start, bout.end, bout.sitting_s
        self._last = Observation(bout.end, Posture.UNKNOWN)

    def _span(self, last: Observation, t: float) -> None:
        """Account ``[last.t, t)``, spent in ``last.state``."""
        if t == last.t:
            return
        if last.state.sitting:
            if self._bout_start is not None:
                self._add_sitting(last.t, t)
                self._bout_s += t - last.t
                self._bout_end = t
            return
        self._off_feet(last.state, t - last.t)
        if self._absence_start is None:
            return  # not after sitting: nothing to become a break
        if self._pending and self._pending[-1][1] == last.t:  # contiguous: extend the span
            self._pending[-1] = (self._pending[-1][0], t)
        else:
            self._pending.append((last.t, t))
        self._pending_s += t - last.t
        if self._break is None and self._pending_s >= self.settings.min_break_s - EPS:
            if self._bout_start is not None:
                self._close_bout()
            self._break = Break(self._absence_start, None)

    def _off_feet(self, state: Posture, seconds: float) -> None:
        """Standing and the time away that starts the standing spell over."""
        if state is Posture.STANDING:
            self._standing_s += seconds
            self._stand_spell_s += seconds
            self._away_run_s = 0.0
            return
        self._away_run_s += seconds
        if self._away_run_s >= self.settings.min_break_s - EPS:
            self._stand_spell_s = 0.0

    def _gap(self, start: float, end: float) -> None:
        self._unseen_s += end - start
        if end - start < self.settings.min_break_s:
            return
        if self._bout_start is not None:
            self._close_bout()
        if self._break is not None:
            self._end_break(start)
        self._absence_start = None
        self._pending.clear()
        self._pending_s = 0.0
        self._stand_spell_s = 0.0

    def _begin(self, obs: Observation) -> None:
        """``obs.state`` starts at ``obs.t``."""
        if not obs.state.sitting:
            if self._absence_start is None and self._bout_start is not None:
                self._absence_start = obs.t
            if obs.state is Posture.STANDING and self._bout_start is not None:
                self._close_bout(keep_absence=True)  # stood up: the bout is over
            return
        self._stand_spell_s = self._away_run_s = 0.0
        if self._break is not None:
            self._end_break(obs.t)
        if self._bout_start is None:
            self._bout_start, self._bout_end, self._bout_s = obs.t, obs.t, 0.0
        elif self._pending:  # back before the absence became a break: it was sitting
            for a, b in self._pending:
                self._add_sitting(a, b)
            self._bout_s += self._pending_s
            self._bout_end = obs.t
        self._pending.clear()
        self._pending_s = 0.0
        self._absence_start = None

    def _end_break(self, end: float) -> None:
        assert self._break is not None
        self._breaks.append(Break(self._break.start, end))
        self._ended.append(self._breaks[-1])
        self._break = None

    def _close_bout(self, *, keep_absence: bool = False) -> None:
        """End the bout where sitting was last confirmed. ``keep_absence``: the time off
        the seat so far (away, then standing) goes on toward a break."""
        assert self._bout_start is not None
        self._bouts.append(Bout(self._bout_start, self._bout_end, self._bout_s))
        self._ended.append(self._bouts[-1])
        self._bout_start = None
        self._bout_s = 0.0
        if not keep_absence:
            self._pending.clear()
            self._pending_s = 0.0

    def _add_sitting(self, start: float, end: float) -> None:
        """Add ``[start, end)`` to the daily totals, split at local midnights."""
        while start < end:
            day = day_of(start, self.clock_offset_s)
            cut = min(end, (day + 1) * DAY_S - self.clock_offset_s)
            self._daily[day] = self._daily.get(day, 0.0) + (cut - start)
            start = cut

    # -- reading -------------------------------------------------------------------------

    @property
    def bout_start(self) -> float | None:
        """Start of the bout in progress, None when not sitting (or on a break)."""
        return self._bout_start

    @property
    def current_sitting_s(self) -> float:
        """Continuous sitting so far; frozen during a short absence, 0 once it is a break."""
        return self._bout_s if self._bout_start is not None else 0.0

    @property
    def absence_start(self) -> float | None:
        """When the current absence began (still short, or already a break); standing up
        begins one too."""
        return self._absence_start

    @property
    def current_standing_s(self) -> float:
        """Standing seen since the person last sat (an absence of a break's length, or a
        long unseen gap, starts it over)."""
        return self._stand_spell_s

    @property
    def standing_s(self) -> float:
        return self._standing_s

    @property
    def going_bout(self) -> Bout | None:
        """The bout in progress (ending where sitting is confirmed), if any."""
        if self._bout_start is None:
            return None
        return Bout(self._bout_start, self._bout_end, self._bout_s)

    @property
    def going_break(self) -> Break | None:
        """The break in progress (``end`` None), if any."""
        return self._break

    @property
    def bouts(self) -> tuple[Bout, ...]:
        """Finished bouts, then the one in progress (ending where sitting is confirmed)."""
        going = self.going_bout
        return tuple(self._bouts) if going is None else (*self._bouts, going)

    @property
    def breaks(self) -> tuple[Break, ...]:
        """Finished breaks, then the one in progress (``end`` None)."""
        return (*self._breaks, self._break) if self._break else tuple(self._breaks)

    @property
    def unseen_s(self) -> float:
        return self._unseen_s

    def daily_sitting_s(self) -> dict[int, float]:
        """Seconds of sitting per local day index (see :func:`day_of`)."""
        return dict(self._daily)

    def totals(self) -> SittingTotals:
        return SittingTotals(self.bouts, self.breaks, self._unseen_s,
                             tuple(sorted(self._daily.items())), self._standing_s)

    def summary(self) -> dict[str, Any]:
        """JSON-ready totals; an absence still too short to be a break is not counted yet."""
        return self.totals().summary()
