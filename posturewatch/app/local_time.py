"""The wall clock and the local time zone, read in one place so the core never does.

The zone is the system's (``TZ`` when set). Offsets are seconds east of UTC at a given
instant, so a recording across a daylight-saving change gets the right offset on each side.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from posturewatch.errors import PostureWatchError


def now_utc() -> float:
    return time.time()


def utc_offset_s(utc: float) -> int:
    """The local UTC offset in force at ``utc`` (seconds east of UTC)."""
    offset = datetime.fromtimestamp(utc, tz=UTC).astimezone().utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def parse_time(text: str) -> float:
    """An ISO 8601 time (``2026-03-28T22:00``, ``2026-03-28 22:00:00+01:00``) as UTC epoch
    seconds; without an offset it is local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PostureWatchError(
            f"not an ISO time: {text!r}", "write it like 2026-03-28T22:00 or 2026-03-28T22:00+01:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # local time, with the offset in force then
    return moment.timestamp()


def today() -> datetime:
    """Local now (naive), for --date defaults."""
    return datetime.now()
