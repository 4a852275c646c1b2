"""The rules' settings: one frozen dataclass per config section.

Field names are the config keys, so :mod:`posturewatch.core.typed_settings` fills each
dataclass from its section, and a rule can show its thresholds as the fields minus
``enabled``.
"""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.core.sitting import SittingSettings


@dataclass(frozen=True, slots=True)
class BreakSettings:
    enabled: bool
    break_after_min: float  # from [sitting], where the issue names it
    repeat_min: float
    max_reminders: int
    acted_within_min: float


@dataclass(frozen=True, slots=True)
class StretchSettings:
    enabled: bool
    every_min: float
    hold_s: float
    floor: bool  # floor stretches during the working day too
    workday_from_h: float  # local hours of the working day: desk and standing stretches
    workday_until_h: float


@dataclass(frozen=True, slots=True)
class PostureSettings:
    enabled: bool
    nudge_after_s: float
    cooldown_min: float
    acted_within_s: float


@dataclass(frozen=True, slots=True)
class WallAngelSettings:
    enabled: bool
    window_min: float
    slouch_share: float
    cooldown_min: float


@dataclass(frozen=True, slots=True)
class SitStandSettings:
    enabled: bool
    stand_for_min: float
    repeat_min: float
    acted_within_min: float


@dataclass(frozen=True, slots=True)
class ErgonomicsSettings:
    enabled: bool
    close_ratio: float
    window_min: float
    close_share: float
    cooldown_min: float


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """Limits on all reminders together, which the engine enforces, not a rule."""

    min_gap_min: float
    daily_cap: int
    active_from_h: float
    active_until_h: float


@dataclass(frozen=True, slots=True)
class RuleSettings:
    sitting: SittingSettings
    breaks: BreakSettings
    stretch: StretchSettings
    posture: PostureSettings
    wall_angel: WallAngelSettings
    ergonomics: ErgonomicsSettings
    reminders: ReminderSettings
    sit_stand: SitStandSettings
