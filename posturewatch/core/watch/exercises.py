"""The session's exercise watch: every movement the camera counts, and the reminders that
asked for one.

Counters, each fed every settled frame (``core/exercise.py`` wall angels,
``core/side_stretches.py`` neck side tilts and side bends, ``core/stance.py`` stand-ups).
A reminder whose guidance entry is one of these movements (the wall-angel reminder, a
stretch reminder for a neck tilt or a side bend) opens a watch of ``watch_min``: the
caller samples faster while :meth:`ExerciseWatch.watching`, and the reminder is settled
once a set of its movement done after it is over ("3 neck tilts, seen"), or when the watch
ends without one. A set is over once ``set_gap_s`` passes without a repetition of it.

Pure: frames and times in, news out.
"""

from __future__ import annotations

from dataclasses import dataclass

from posturewatch.core.exercise import (
    WALL_ANGEL,
    ExerciseSet,
    ExerciseSettings,
    ExerciseWatchSettings,
    SetTally,
    WallAngelCounter,
)
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.side_stretches import (
    NECK_TILT,
    SIDE_BEND,
    SideStretchCounter,
    SideStretchSettings,
)
from posturewatch.core.stance import STAND_UP, Stance, StanceSettings, StandUpCounter
from posturewatch.core.typed_settings import Settings
from posturewatch.core.watch.happened import JudgedFrame

# What each movement is called, one and several: the notes, the notices, the summaries.
NAMES = {WALL_ANGEL: ("wall angel", "wall angels"), NECK_TILT: ("neck tilt", "neck tilts"),
         SIDE_BEND: ("side bend", "side bends"), STAND_UP: ("stand-up", "stand-ups")}
COUNTED = tuple(NAMES)


def named(reps: int, exercise: str) -> str:
    """``3 neck tilts``, ``1 stand-up``."""
    one, many = NAMES.get(exercise, (exercise.replace("_", " "),) * 2)
    return f"{reps} {one if reps == 1 else many}"


def seen_note(reps: int, exercise: str = WALL_ANGEL) -> str:
    """What a reminder's history says the camera saw."""
    return f"{named(reps, exercise)}, seen"


@dataclass(frozen=True, slots=True)
class WatchNews:
    """What one frame settled: sets over (for the store) and reminders whose watch is
    over, with the repetitions of their movement seen after each (0: none)."""

    sets: tuple[ExerciseSet, ...] = ()
    settled: tuple[tuple[int, int, str], ...] = ()  # (reminder id, repetitions, exercise)


@dataclass(frozen=True, slots=True)
class CounterSettings:
    """Everything the counters and the watch read."""

    exercise: ExerciseSettings
    watch: ExerciseWatchSettings
    side_stretches: SideStretchSettings
    stance: StanceSettings

    @classmethod
    def of(cls, settings: Settings) -> CounterSettings:
        return cls(settings.exercise, settings.exercise_watch, settings.side_stretches,
                   settings.stance)


class ExerciseWatch:
    """Feed every settled frame with :meth:`add` (in time order); :meth:`reminded` with
    every reminder sent; :meth:`flush` at the end."""

    def __init__(self, settings: CounterSettings) -> None:
        self.s = settings
        self.wall_angels = WallAngelCounter(settings.exercise)
        self.side_stretches = SideStretchCounter(settings.side_stretches)
        self.stand_ups = StandUpCounter(settings.stance, settings.exercise.set_gap_s)
        self._tallies: dict[str, SetTally] = {
            WALL_ANGEL: self.wall_angels.tally, NECK_TILT: self.side_stretches.neck_tilts,
            SIDE_BEND: self.side_stretches.side_bends, STAND_UP: self.stand_ups.tally}
        self._reported = dict.fromkeys(self._tallies, 0)  # sets handed out as over
        self._open: dict[int, tuple[float, str]] = {}  # reminder id -> (sent, exercise)
        self._stance: Stance | None = None  # the last one the camera saw of a person

    @property
    def watch_s(self) -> float:
        return self.s.watch.watch_min * 60

    def reconfigure(self, settings: CounterSettings) -> None:
        """New settings (a reloaded config): a set or a movement going on, goes on."""
        self.s = settings
        self.wall_angels.s = settings.exercise
        self.side_stretches.s = settings.side_stretches
        self.stand_ups.s = settings.stance
        for tally in self._tallies.values():
            tally.gap_s = settings.exercise.set_gap_s

    def closer_look_s(self, t: float) -> float:
        """How often to look now: often while a movement a reminder asked for is watched
        (quick moves need a closer look), else no demand (infinity)."""
        return self.s.watch.watch_interval_s if self.watching(t) else float("inf")

    def reminded(self, reminder: Reminder) -> None:
        """A reminder sent: watched if its guidance is a movement the camera counts."""
        if reminder.guidance in self._tallies:
            self._open[reminder.id] = (reminder.t, reminder.guidance)

    def watching(self, t: float) -> bool:
        return any(t <= sent + self.watch_s for sent, _ in self._open.values())

    def add(self, frame: JudgedFrame) -> WatchNews:
        t = frame.t
        self.wall_angels.add(t, frame.arms)
        stance = frame.seen_stance
        if stance is not Stance.AWAY and stance is not self._stance:
            self._stance = stance  # a stretch is done in one stance: standing up starts over
            self.side_stretches.restart()
        self.side_stretches.add(t, frame.sides)
        self.stand_ups.add(t, frame.seen_stance if self.s.exercise.enabled else None)
        return self._news(t, final=False)

    def flush(self, t: float) -> WatchNews:
        """At the end: a movement going on ends, every set is over, every watch settles
        with what it saw."""
        self.side_stretches.flush(t)
        return self._news(t, final=True)

    def _news(self, t: float, *, final: bool) -> WatchNews:
        done: list[ExerciseSet] = []
        going: set[str] = set()  # exercises with a set still going on
        for exercise, tally in self._tallies.items():
            sets = tally.sets
            over = len(sets) if final or not sets else len(sets) - (
                t - sets[-1].to_s <= tally.gap_s)
            done += sets[self._reported[exercise]:over]
            self._reported[exercise] = max(self._reported[exercise], over)
            if len(sets) > over:
                going.add(exercise)
        settled = []
        for reminder_id, (sent, exercise) in list(self._open.items()):
            reps = self._tallies[exercise].reps_since(sent)
            if final or (reps and exercise not in going) or (
                    not reps and t > sent + self.watch_s):
                settled.append((reminder_id, reps, exercise))
                del self._open[reminder_id]
        return WatchNews(tuple(sorted(done, key=lambda s: s.to_s)), tuple(settled))
