"""The person's pause and snooze, kept across a restart.

``pause 2h`` then a crash, ``kill`` or a reboot: the next ``run`` used to watch again at
once, camera on. :class:`QuietFile` is a sink that keeps when the pause and the snooze
going on end (from each status it is handed) in a small file of the user's data folder,
and tells the next run (:meth:`QuietFile.carry`), which goes on with them. The file is
this user's alone (``storage/private.py``); it holds two times, nothing more.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

from posturewatch.app.sinks import Sink
from posturewatch.core.watch.calendar import Calendar
from posturewatch.core.watch.happened import Message, StatusNow
from posturewatch.core.watch.session import Carry
from posturewatch.storage.atomic import write_atomic
from posturewatch.storage.paths import user_data_dir

log = logging.getLogger(__name__)

UNTIL_RESUMED = "until resumed"


def default_path() -> Path:
    return user_data_dir() / "quiet.json"


class QuietFile(Sink):
    name = "pause file"
    takes = (StatusNow,)

    def __init__(self, path: Path) -> None:
        self.path = path
        self._kept: tuple[float | None, float | None] | None = None  # (paused, snoozed)

    def take(self, message: Message) -> None:
        assert isinstance(message, StatusNow)
        status = message.status
        quiet = (status.paused_until, status.snoozed_until)
        if quiet == self._kept:
            return
        if self._kept is None and quiet == (None, None) and not self.path.exists():
            self._kept = quiet  # nothing to keep, nothing kept
            return
        paused = UNTIL_RESUMED if quiet[0] == math.inf else quiet[0]
        write_atomic(self.path, json.dumps({"paused_until": paused,
                                            "snoozed_until": quiet[1]}) + "\n")
        self._kept = quiet

    def carry(self, calendar: Calendar, min_break_s: float) -> Carry | None:
        """The pause and snooze the last run left, on this run's timeline (those already
        over are gone)."""
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("the pause file %s was not read (%s): not paused", self.path, exc)
            return None
        now = calendar.epoch(0.0)
        return Carry(None, (), _ahead(saved, "paused_until", now),
                     _ahead(saved, "snoozed_until", now))


def _ahead(saved: Any, key: str, now: float) -> float | None:
    """Seconds from now until the saved time (inf: until resumed), None if over or none."""
    value = saved.get(key) if isinstance(saved, dict) else None
    if value == UNTIL_RESUMED and key == "paused_until":
        return math.inf
    if isinstance(value, int | float) and not isinstance(value, bool) \
            and math.isfinite(value) and value > now:
        return float(value) - now
    return None
