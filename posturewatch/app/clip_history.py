"""``analyze --store``: a recording's timeline placed in time and written to the history store.

Frames are fed as they come out of ``judge_source``; each is held until the next one
arrives, because a frame stands for the time until the next (capped, as ``totals`` counts
it), so the stored seconds per state equal what ``analyze`` reports. The same frames drive
the sitting tracker and the rule engine (as ``analyze --reminders`` replays them) for the
bouts, breaks and reminders. Everything of one clip is written in one transaction, under a
session keyed by the clip's content hash and start, so storing it again replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posturewatch.app.analysis import GAP_INTERVALS, FrameResult, StepTally
from posturewatch.app.local_time import now_utc
from posturewatch.capture.clip_facts import content_hash, creation_time
from posturewatch.capture.sources import FrameSource
from posturewatch.core.exercise import WallAngelCounter
from posturewatch.core.guidance import Catalog
from posturewatch.core.intervals import Interval, IntervalAggregator, aware_datetime
from posturewatch.core.reminders.engine import RuleEngine
from posturewatch.core.typed_settings import Settings
from posturewatch.storage.catalog_file import load_catalog
from posturewatch.storage.history import History

OUTCOME = {True: "acted", False: "ignored", None: None}


@dataclass(frozen=True)
class StoredClip:
    store: Path
    session_id: int
    intervals: int
    start_utc: float
    end_utc: float
    offset_s: int

    def to_dict(self) -> dict[str, Any]:
        return {"store": str(self.store), "session": self.session_id,
                "start": aware_datetime(self.start_utc, self.offset_s).isoformat(),
                "end": aware_datetime(self.end_utc, self.offset_s).isoformat(),
                "intervals": self.intervals}


class ClipRecorder:
    """Feed settled frames with :meth:`push`, then :meth:`store` once the source ends."""

    def __init__(
        self,
        config: Settings,
        *,
        start_utc: float,
        key: str | None,
        offset_of: Callable[[float], int],
        interval: float,
        catalog: Catalog | None = None,
    ) -> None:
        self.start_utc = start_utc
        self.key = key
        self._offset_of = offset_of
        self._interval = interval
        self._aggregator = IntervalAggregator(config.history.interval_s)
        # t = 0 is this many seconds after a local midnight (active hours, days)
        self.clock_offset_s = (start_utc + offset_of(start_utc)) % 86_400
        self._engine = RuleEngine(config.rules, catalog or load_catalog(),
                                  clock_offset_s=self.clock_offset_s)
        self._counter = WallAngelCounter(config.exercise)
        self._held: FrameResult | None = None
        self._steps = StepTally()  # for the typical step, as ``Totals`` counts it
        self._intervals: list[Interval] = []
        self._end_t = 0.0

    def _step(self) -> float:
        median = self._steps.median()
        return self._interval if median is None else max(self._interval, median)

    def push(self, result: FrameResult) -> None:
        held = self._held
        if held is not None:
            gap = result.t - held.t
            if gap > 0:
                self._steps.add(gap)
            # the step is at least the interval, so only a longer gap can be capped
            capped = gap > GAP_INTERVALS * self._interval
            self._feed(held, min(gap, GAP_INTERVALS * self._step()) if capped else gap)
        self._held = result
        self._engine.observe(result.observation())
        self._counter.add(result.t, result.arms)

    def _feed(self, result: FrameResult, seconds: float) -> None:
        wall = self.start_utc + result.t
        metrics: dict[str, object] = dict(result.metrics.to_dict()) if result.metrics else {}
        metrics["score"] = result.score
        metrics["closeness"] = result.closeness
        self._intervals += self._aggregator.push(
            t=result.t, wall_utc=wall, utc_offset_s=self._offset_of(wall), state=result.state,
            seconds=seconds, metrics=metrics, reasons=result.reasons,
        )
        self._end_t = max(self._end_t, result.t + seconds)

    def finish(self, end: float | None) -> None:
        """The source ended (``end``: its length, if known)."""
        if self._held is not None:
            step = self._step()
            last = step if end is None else max(0.0, min(step, end - self._held.t))
            self._feed(self._held, last)
            self._held = None
        self._intervals += self._aggregator.flush()

    def store(self, history: History, source: str) -> StoredClip:
        """Write the session in one transaction (replacing one stored with the same key)."""
        wall = self._wall
        end_utc = wall(self._end_t)
        with history.transaction():
            sid = history.begin_session(kind="clip" if self.key else "live",
                                        source=source, key=self.key, start_utc=self.start_utc,
                                        utc_offset_s=self._offset_of(self.start_utc))
            history.write_intervals(sid, self._intervals)
            sitting = self._engine.sitting
            for bout in sitting.bouts:
                history.write_bout(sid, wall(bout.start), wall(bout.end),
                                   self._offset_of(wall(bout.start)), bout.sitting_s)
            for brk in sitting.breaks:
                end = brk.end if brk.end is not None else max(brk.start, self._end_t)
                history.write_break(sid, wall(brk.start), wall(end),
                                    self._offset_of(wall(brk.start)))
            for reminder in self._engine.reminders:
                at = wall(reminder.t)
                history.write_reminder(sid, at, self._offset_of(at), rule=reminder.rule,
                                       kind=reminder.kind, title=reminder.title,
                                       level=reminder.level, outcome=OUTCOME[reminder.acted])
            for done in self._counter.sets:
                history.write_exercise(sid, done.id, done.reps, wall(done.from_s),
                                       wall(done.to_s), self._offset_of(wall(done.from_s)))
            history.end_session(sid, end_utc)
        return StoredClip(history.path, sid, len(self._intervals), self.start_utc, end_utc,
                          self._offset_of(self.start_utc))

    def _wall(self, t: float) -> float:
        return self.start_utc + t


def place_clip(source: FrameSource, start: float | None) -> tuple[float, str | None]:
    """(start UTC, session key) for a source: ``start`` if given, else the container's
    recording time, else the file's modification time minus its length; a camera starts
    now and has no key (a live session). The key is the content hash and the start, so the
    same clip stored again at the same place replaces itself."""
    if source.live:
        return (start if start is not None else now_utc()), None
    paths = list(getattr(source, "paths", None) or [Path(source.name)])
    if start is None:
        created = creation_time(paths[0]) if len(paths) == 1 else None
        modified = max(p.stat().st_mtime for p in paths)
        start = created if created is not None else modified - (source.end or 0.0)
    return start, f"sha256:{content_hash(paths)}@{start:.0f}"
