"""What the running monitor tells the tray and ``posturewatch status``: one frozen value.

The monitor thread builds a new ``Status`` whenever something changes and hands it over
through a queue; nobody reads the monitor's own state. Times are local wall-clock epoch
seconds (``*_at``) or durations (``*_s``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

# The longest pause or snooze asked for by duration: a week covers any holiday weekend; a
# longer one is "until resumed" (no duration), not a date decades away that no calendar
# function can show.
MAX_DURATION_S = 7 * 86_400.0


class TrayState(StrEnum):
    """What the tray shows, by colour and by shape."""

    STARTING = "starting"
    UPRIGHT = "upright"
    SLOUCHED = "slouched"
    AWAY = "away"
    UNKNOWN = "unknown"
    STANDING = "standing"
    PAUSED = "paused"
    CAMERA_PROBLEM = "camera problem"
    LOCKED = "locked"  # the screen locked or the display asleep: not looking, away
    IN_CALL = "in a call"  # another app has the camera or microphone: not looking, sitting
    CAMERA_LENT = "camera lent"  # one of ours (a `posturewatch look` window) has it


@dataclass(frozen=True, slots=True)
class Status:
    state: TrayState
    since: float  # epoch seconds the state began
    sitting_s: float  # continuous sitting so far
    next_break_in_s: float | None  # None when no break reminder is coming
    paused_until: float | None  # epoch seconds; inf = until resumed
    snoozed_until: float | None
    camera: str  # "ok", "paused", "lent to ...", "closed: ..." or "camera problem: ..."
    source: str
    reminders_today: int = 0
    pid: int = 0
    calibration: str = "none"  # "ok", "stale" (the camera or seat moved) or "none"
    history: str = "ok"  # "ok", "off" (run --no-store), "not saved since HH:MM: why", or for
    # a while after the store's file was removed or damaged "a new store since HH:MM: what
    # became of it"
    not_looking: tuple[str, ...] = ()  # why not: paused, locked, in a call, camera lent to …
    call_since: float | None = None  # epoch seconds the call going on began
    locked_since: float | None = None
    on_battery: bool = False  # looks come less often
    camera_open: float | None = None  # share of the time the camera was open since start
    stance: str = "auto"  # what the person said: "auto" (the camera tells), "standing", "sitting"
    standing_s: float = 0.0  # standing seen since the person last sat

    @property
    def looking(self) -> bool:
        return not self.not_looking

    @property
    def history_failing(self) -> bool:
        """Writes to the store fail and are retried (``history`` then says since when)."""
        return self.history.startswith("not saved")

    def tooltip(self) -> str:
        parts = [f"posturewatch: {self.state.value}",
                 f"sitting {_duration(self.sitting_s)}"]
        if self.standing_s >= 60:
            parts.append(f"standing {_duration(self.standing_s)}")
        if self.stance != "auto":
            parts.append(f"{self.stance} at the desk (as you said)")
        if self.next_break_in_s is not None:
            parts.append(f"break in {_duration(self.next_break_in_s)}")
        if self.not_looking:
            parts.append("not looking: " + ", ".join(self.not_looking))
        if self.on_battery:
            parts.append("on battery: looking less often")
        if self.calibration == "stale":
            parts.append("calibrate again: the view has changed")
        if self.history_failing:
            parts.append("history not saved (retrying)")
        elif self.history not in ("ok", "off"):
            parts.append(f"history: {self.history}")
        return "\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = self.state.value
        data["looking"] = self.looking
        data["not_looking"] = list(self.not_looking)
        if self.camera_open is not None:
            data["camera_open"] = round(self.camera_open, 4)
        for key in ("since", "paused_until", "snoozed_until", "call_since", "locked_since"):
            data[key] = _iso(data[key])
        data["sitting_s"] = round(self.sitting_s, 1)
        data["standing_s"] = round(self.standing_s, 1)
        if self.next_break_in_s is not None:
            data["next_break_in_s"] = round(self.next_break_in_s, 1)
        return data


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    if epoch == float("inf"):
        return "until resumed"
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


def _duration(seconds: float) -> str:
    minutes = int(max(0.0, seconds) // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
