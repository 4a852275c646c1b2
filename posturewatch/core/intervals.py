"""Per-interval aggregates of the judged stream: what the history store keeps, minute by minute.

Pure: the caller feeds each judged frame with everything time-related already decided.

- ``t``: the frame's monotonic time in seconds (video time, or the monitor's monotonic
  clock). It must not go backwards; it only orders frames.
- ``wall_utc`` and ``utc_offset_s``: where the frame sits on the calendar, as UTC epoch
  seconds plus the local UTC offset at that moment (the caller reads the clock and the
  time zone; the core reads neither).
- ``seconds``: how long the frame stands for (``app.analysis.durations`` for recordings, the
  time to the next frame, capped, for the monitor).

Intervals are closed at fixed boundaries, ``interval_s`` apart (the ``history.interval_s``
config key, 60 s by default), aligned to local wall-clock time (so 60 s intervals are the
clock's minutes) and always cut at local midnight, so an interval belongs to exactly one
local day. A frame spanning a boundary is split between the two intervals.

An interval covers the time from its first frame (or its boundary) to its last frame's end
(or its boundary): a session starting at 10:00:23 opens an interval at 10:00:23, not
10:00:00. Holes between frames inside it are ``unseen_s``; a gap across a boundary closes
the interval where the frames stopped. A wall clock set back never makes two frames
overlap: a frame starting before the covered time is moved to its end.

Daylight-saving time: each interval carries the offset in force at its start, and a change
of offset closes the open interval, so local days and hours are computed per interval and
the repeated or skipped local hour is neither double-counted nor lost.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from posturewatch.core.observation import Posture
from posturewatch.errors import PostureWatchError

DAY_S = 86_400
EPS = 1e-6
DEFAULT_INTERVAL_S = 60.0
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class IntervalError(PostureWatchError):
    """Frames fed out of order, or an impossible interval length."""


@dataclass(frozen=True, slots=True)
class Interval:
    """One closed interval: seconds per state, unseen seconds, time-weighted mean metrics,
    seconds per slouch reason, and how many slouch episodes began in it."""

    start_utc: float  # UTC epoch seconds
    utc_offset_s: int  # local offset at the start (seconds east of UTC)
    length_s: float
    upright_s: float = 0.0
    slouched_s: float = 0.0
    away_s: float = 0.0
    unknown_s: float = 0.0
    unseen_s: float = 0.0
    slouch_episodes: int = 0
    metrics: Mapping[str, float] = field(default_factory=dict)
    reasons: Mapping[str, float] = field(default_factory=dict)
    standing_s: float = 0.0

    @property
    def end_utc(self) -> float:
        return self.start_utc + self.length_s

    @property
    def local_start(self) -> datetime:
        """Naive local wall-clock time of the start."""
        return local_datetime(self.start_utc, self.utc_offset_s)

    @property
    def day(self) -> date:
        return date.fromordinal(_EPOCH_ORDINAL + int((self.start_utc + self.utc_offset_s)
                                                     // DAY_S))


def local_datetime(utc: float, utc_offset_s: int) -> datetime:
    """Naive local time for a UTC instant and the offset in force then."""
    return datetime(1970, 1, 1) + timedelta(seconds=utc + utc_offset_s)


def aware_datetime(utc: float, utc_offset_s: int) -> datetime:
    """The same instant as an aware datetime carrying its offset (for ISO output)."""
    zone = timezone(timedelta(seconds=utc_offset_s))
    return datetime.fromtimestamp(utc, tz=UTC).astimezone(zone)


def next_boundary(utc: float, utc_offset_s: int, interval_s: float) -> float:
    """The first interval boundary after ``utc``: the next multiple of ``interval_s`` of
    local time, or the next local midnight if that comes first."""
    local = utc + utc_offset_s
    step = (math.floor(local / interval_s + EPS) + 1) * interval_s
    midnight = (math.floor(local / DAY_S + EPS / DAY_S) + 1) * DAY_S
    return min(step, midnight) - utc_offset_s


class _Open:
    """The interval being filled."""

    def __init__(self, start: float, offset: int, boundary: float) -> None:
        self.start = start
        self.offset = offset
        self.boundary = boundary
        self.covered_end = start
        self.seen = {state: 0.0 for state in Posture}
        self.weighted: dict[str, list[float]] = {}  # key -> [sum of value * s, sum of s]
        self.reasons: dict[str, float] = {}
        self.episodes = 0

    def add(self, start: float, end: float, state: Posture,
            metrics: Mapping[str, float], reasons: Iterable[str]) -> None:
        span = end - start
        self.seen[state] += span
        for key, value in metrics.items():
            acc = self.weighted.setdefault(key, [0.0, 0.0])
            acc[0] += value * span
            acc[1] += span
        for reason in reasons:
            self.reasons[reason] = self.reasons.get(reason, 0.0) + span
        self.covered_end = end

    def close(self, end: float) -> Interval:
        length = max(0.0, end - self.start)
        seen = sum(self.seen.values())
        return Interval(
            start_utc=self.start,
            utc_offset_s=self.offset,
            length_s=length,
            upright_s=self.seen[Posture.UPRIGHT],
            slouched_s=self.seen[Posture.SLOUCHED],
            away_s=self.seen[Posture.AWAY],
            unknown_s=self.seen[Posture.UNKNOWN],
            unseen_s=max(0.0, length - seen),
            slouch_episodes=self.episodes,
            metrics={k: s / w for k, (s, w) in self.weighted.items() if w > 0},
            reasons=dict(self.reasons),
            standing_s=self.seen[Posture.STANDING],
        )


def _numeric(metrics: Mapping[str, object] | None) -> dict[str, float]:
    """The finite numbers among ``metrics`` (a view name or a None is not averaged)."""
    if not metrics:
        return {}
    return {
        k: float(v) for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    }


class IntervalAggregator:
    """Feed judged frames in time order with :meth:`push`; it returns the intervals each
    frame closed. :meth:`flush` closes the last one at the end of the stream."""

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        if not 1.0 <= interval_s <= DAY_S:
            raise IntervalError(
                f"history interval of {interval_s:g} s", "use 1 to 86400 seconds (default 60)"
            )
        self.interval_s = float(interval_s)
        self._open: _Open | None = None
        self._last_t: float | None = None
        self._last_state: Posture | None = None

    def push(
        self,
        *,
        t: float,
        wall_utc: float,
        utc_offset_s: int,
        state: Posture | str,
        seconds: float,
        metrics: Mapping[str, object] | None = None,
        reasons: Iterable[str] = (),
    ) -> list[Interval]:
        if self._last_t is not None and t < self._last_t:
            raise IntervalError(
                f"frame at t={t:g} s arrived after t={self._last_t:g} s",
                "feed frames sorted by time",
            )
        self._last_t = t
        state = Posture(state)
        values = _numeric(metrics)
        reasons = tuple(reasons)
        offset = int(utc_offset_s)
        closed: list[Interval] = []
        current = self._open
        start = wall_utc if current is None else max(wall_utc, current.covered_end)
        if current is not None and (offset != current.offset
                                    or start >= current.boundary - EPS):
            # a new offset (DST), or frames resuming after the boundary: close where the
            # frames stopped
            if current.covered_end > current.start + EPS:
                closed.append(current.close(current.covered_end))
            current = None
        if current is None:
            current = _Open(start, offset, next_boundary(start, offset, self.interval_s))
        if state is Posture.SLOUCHED and self._last_state is not Posture.SLOUCHED:
            current.episodes += 1
        self._last_state = state
        end = start + max(0.0, seconds)
        while True:
            cut = min(end, current.boundary)
            if cut > start:
                current.add(start, cut, state, values, reasons)
            if end < current.boundary - EPS:
                break
            closed.append(current.close(current.boundary))
            start = current.boundary
            current = _Open(start, offset, next_boundary(start, offset, self.interval_s))
            if end <= start + EPS:
                break
        self._open = current
        return closed

    def flush(self) -> list[Interval]:
        """Close the open interval where its frames end (nothing if it covers no time)."""
        current, self._open = self._open, None
        self._last_state = None
        if current is None or current.covered_end <= current.start + EPS:
            return []
        return [current.close(current.covered_end)]
