"""``analyze``'s timeline through a watch session, the one the live monitor drives.

A recording's settled frames go into a :class:`~posturewatch.core.watch.session.
WatchSession` as they come out of ``judge_source``: one rule engine and one exercise
counter for everything ``analyze`` reports (the wall angels, and with ``--reminders`` the
sitting and the reminders), placed in the day where the recording was made. With
``--store`` the session's messages go to the same row writer the monitor commits
(``history_rows.py``), each frame standing for the seconds ``totals`` counts, and the whole
clip is written in one transaction under a session keyed by its content hash and start, so
storing it again replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posturewatch.app.analysis import FrameResult
from posturewatch.app.history_rows import TAKES, ClipSpans, HistoryRows, SessionRow
from posturewatch.app.local_time import now_utc
from posturewatch.capture.clip_facts import content_hash, creation_time
from posturewatch.capture.sources import FrameSource
from posturewatch.core.exercise import ExerciseSet
from posturewatch.core.guidance import Catalog
from posturewatch.core.intervals import aware_datetime
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.calendar import RecordingCalendar
from posturewatch.core.watch.happened import DayTotals, ExerciseCounted, Happened
from posturewatch.core.watch.session import WatchSession
from posturewatch.storage.history import History


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


class Recording:
    """Feed settled frames with :meth:`push`, :meth:`finish` once the source ends, then
    (with ``store``) :meth:`store`. ``key``: the session key that replaces an earlier
    copy of the same clip; ``interval``: the source's sampling interval."""

    def __init__(self, settings: Settings, catalog: Catalog, calendar: RecordingCalendar, *,
                 store: bool = False, key: str | None = None, interval: float = 1.0) -> None:
        self.calendar, self.key = calendar, key
        self._session = WatchSession(settings, catalog, calendar)
        self._rows: HistoryRows | None = None
        if store:
            self._rows = HistoryRows(settings.history.interval_s, ClipSpans(interval))
            self._rows.begin(calendar)
        self.exercises: list[ExerciseSet] = []  # sets counted, as each is over
        self.totals: DayTotals | None = None
        self._end_t = 0.0
        self._last_t = 0.0

    def push(self, result: FrameResult) -> None:
        self._last_t = result.t
        self._take(self._session.frame(result))

    def finish(self, end: float | None) -> DayTotals:
        """The source ended (``end``: its length, if known): what is going on ends where
        the frames end."""
        self._end_t = self._rows.end_frames(end) if self._rows is not None else self._last_t
        self._take(self._session.close(self._end_t))
        if self._rows is not None:
            self._rows.end_session(self._end_t)
        assert self.totals is not None
        return self.totals

    def store(self, history: History, source: str) -> StoredClip:
        """Write the clip's session in one transaction (replacing one stored with the same
        key); an error leaves the store as it was."""
        assert self._rows is not None
        self._rows.write(history, SessionRow("clip" if self.key else "live", source, self.key))
        assert self._rows.session is not None
        start_utc = self.calendar.start_utc
        return StoredClip(history.path, self._rows.session, self._rows.intervals_written,
                          start_utc, self.calendar.epoch(self._end_t),
                          self.calendar.utc_offset_of(start_utc))

    def _take(self, happened: Happened) -> None:
        for message in happened:
            if isinstance(message, ExerciseCounted):
                self.exercises.append(message.done)
            elif isinstance(message, DayTotals):
                self.totals = message
            if self._rows is not None and isinstance(message, TAKES):
                self._rows.take(message)


def place_clip(source: FrameSource, start: float | None) -> tuple[float, str | None]:
    """(start UTC, session key) for a source: ``start`` if given, else the container's
    recording time, else the file's modification time minus its length; a camera starts
    now and has no key (a live session). The key is the content hash and the start, so the
    same clip stored again at the same place replaces itself."""
    if source.live:
        return (start if start is not None else now_utc()), None
    paths = list(getattr(source, "paths", None) or [getattr(source, "path", None)
                                                     or Path(source.name)])
    if start is None:
        created = creation_time(paths[0]) if len(paths) == 1 else None
        modified = max(p.stat().st_mtime for p in paths)
        start = created if created is not None else modified - (source.end or 0.0)
    return start, f"sha256:{content_hash(paths)}@{start:.0f}"
