"""What the pipeline hands to the core: one judged moment of the person at the desk."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Posture(StrEnum):
    UPRIGHT = "upright"
    SLOUCHED = "slouched"
    AWAY = "away"  # nobody in the frame
    UNKNOWN = "unknown"  # someone there, landmarks too uncertain to judge
    STANDING = "standing"  # someone on their feet (core/stance.py): not sitting, not judged

    @property
    def present(self) -> bool:
        return self is not Posture.AWAY

    @property
    def sitting(self) -> bool:
        """Someone there and not on their feet: what sitting time counts."""
        return self is not Posture.AWAY and self is not Posture.STANDING


@dataclass(frozen=True, slots=True)
class Observation:
    t: float  # seconds on the source's own clock (video time, or monotonic for a camera)
    state: Posture
    closeness: float | None = None  # face size / baseline face size; above 1 = nearer the screen
    reasons: tuple[str, ...] = ()  # when slouched, what is wrong (core.judgement's names)
