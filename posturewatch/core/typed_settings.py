"""Every config section as typed values, built in one place from the merged config.

:meth:`Settings.from_config` is the only reader of :class:`~posturewatch.core.settings.
Config`'s sections; everything else takes the dataclasses below (or the ones the core's
parts define for themselves: the classifier's, the rules', the exercise counter's). Field
names are the config keys, which ``config/default.toml`` documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.core.exercise import ExerciseSettings, ExerciseWatchSettings
from posturewatch.core.judgement import ClassifierSettings
from posturewatch.core.reminders.settings import (
    BreakSettings,
    ErgonomicsSettings,
    PostureSettings,
    ReminderSettings,
    RuleSettings,
    SitStandSettings,
    StretchSettings,
    WallAngelSettings,
)
from posturewatch.core.settings import Config, settings
from posturewatch.core.side_stretches import SideStretchSettings
from posturewatch.core.sitting import SittingSettings
from posturewatch.core.stance import StanceSettings


@dataclass(frozen=True, slots=True)
class ModelSettings:
    variant: str  # lite | full | heavy
    path: str  # a .task file instead of the managed download ("" = none)


@dataclass(frozen=True, slots=True)
class SourceSettings:
    fps: float
    camera_width: int
    camera_height: int


@dataclass(frozen=True, slots=True)
class PoseSettings:
    """MediaPipe's confidence thresholds ([pose])."""

    min_detection_confidence: float
    min_presence_confidence: float
    min_tracking_confidence: float


@dataclass(frozen=True, slots=True)
class SteadySettings:
    """``run`` skips the model while the picture is unchanged ([pose] too)."""

    skip_unchanged: bool
    unchanged_level: float  # grey levels (0..255) a thumbnail cell must move by
    unchanged_share: float  # share of the cells that must move for a change
    recheck_s: float  # the model runs at least this often, changed or not


@dataclass(frozen=True, slots=True)
class CalibrationSettings:
    seconds: float  # the longest a camera calibration records
    target_frames: int  # good frames it collects before it stops
    min_frames: int  # fewest it must see

    @property
    def step_s(self) -> float:
        """A guided calibration spreads its frames over the seconds it announces."""
        return self.seconds / self.target_frames


@dataclass(frozen=True, slots=True)
class HistorySettings:
    interval_s: float
    compare_days: int


@dataclass(frozen=True, slots=True)
class MonitorSettings:
    interval_s: float  # between frames while unsure
    slow_interval_s: float  # between frames otherwise
    camera_retry_min_s: float
    camera_retry_max_s: float
    camera_loss: str  # "sitting": the bout goes on while the camera is lost; "unseen"
    snooze_min: float
    notify_stale_min: float
    notify_timeout_s: int


@dataclass(frozen=True, slots=True)
class LookSettings:
    """How the monitor uses the camera ([camera]: ``core/sampling.py``)."""

    mode: str  # looks | continuous
    look_every_s: float
    battery_look_every_s: float
    exposure_level: float  # grey levels a settled picture's brightness may still move
    exposure_max_s: float
    answer_s: float  # an open or read taking longer: the camera is not answering


@dataclass(frozen=True, slots=True)
class DeskSettings:
    """Which of the desk's devices the monitor follows ([desk]: ``core/watch/devices.py``)."""

    calls: bool
    screen_lock: bool
    battery: bool


@dataclass(frozen=True, slots=True)
class Settings:
    """The whole config, typed. ``files``: the files merged, defaults first."""

    model: ModelSettings
    source: SourceSettings
    pose: PoseSettings
    steady: SteadySettings
    classifier: ClassifierSettings
    calibration: CalibrationSettings
    rules: RuleSettings
    exercise: ExerciseSettings
    exercise_watch: ExerciseWatchSettings
    history: HistorySettings
    monitor: MonitorSettings
    camera: LookSettings
    desk: DeskSettings
    stance: StanceSettings
    side_stretches: SideStretchSettings
    files: tuple[str, ...] = ()

    @property
    def sitting(self) -> SittingSettings:
        return self.rules.sitting

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        section = config.section
        sitting = section("sitting")
        return cls(
            model=settings(ModelSettings, section("model")),
            source=settings(SourceSettings, section("source")),
            pose=settings(PoseSettings, section("pose")),
            steady=settings(SteadySettings, section("pose")),
            classifier=settings(ClassifierSettings, section("classifier")),
            calibration=settings(CalibrationSettings, section("calibration")),
            rules=RuleSettings(
                sitting=settings(SittingSettings, sitting),
                breaks=settings(BreakSettings, {**sitting, **section("break")}),
                stretch=settings(StretchSettings, section("stretch")),
                posture=settings(PostureSettings, section("posture")),
                wall_angel=settings(WallAngelSettings, section("wall_angel")),
                ergonomics=settings(ErgonomicsSettings, section("ergonomics")),
                reminders=settings(ReminderSettings, section("reminders")),
                sit_stand=settings(SitStandSettings, section("sit_stand")),
            ),
            exercise=settings(ExerciseSettings, section("exercise")),
            exercise_watch=settings(ExerciseWatchSettings, section("exercise")),
            history=settings(HistorySettings, section("history")),
            monitor=settings(MonitorSettings, section("monitor")),
            camera=settings(LookSettings, section("camera")),
            desk=settings(DeskSettings, section("desk")),
            stance=settings(StanceSettings, section("stance")),
            side_stretches=settings(SideStretchSettings, section("exercise")),
            files=config.files,
        )
