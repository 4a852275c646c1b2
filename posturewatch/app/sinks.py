"""Where the monitor's results go: sinks behind one dispatcher that keeps their faults apart.

The monitor produces, in its own thread and in time order: settled frames, observations
(real and synthetic), the bout and break as they change, reminders and their outcomes,
the exercise sets the camera counted, pauses, calibrations, notices and status snapshots. It hands each to
:class:`SinkDispatcher`, which passes it to every :class:`Sink` in turn (the history store,
the status mailbox, the events queue the tray and notifications read, and whatever else is
added). A sink that raises is logged once, with its traceback, and called again with the
next result; it never stops the loop or the other sinks. When it works again that is logged
too. A sink that can tell what is wrong without raising (the store keeps its unwritten
rows and retries) says so in :meth:`Sink.problem`, which the status shows.

To add a sink: subclass :class:`Sink`, override the hooks it needs (every hook is a no-op
here), and pass it to the monitor (``Monitor(..., sinks=[...])``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from posturewatch.app.analysis import FrameResult
from posturewatch.app.monitor_messages import Notice
from posturewatch.core.baseline import Baseline
from posturewatch.core.day_clock import DayClock
from posturewatch.core.exercise import ExerciseSet
from posturewatch.core.monitor_status import Status
from posturewatch.core.observation import Observation
from posturewatch.core.reminders.reminder import Reminder
from posturewatch.core.sitting import Bout, Break

log = logging.getLogger(__name__)

class Sink:
    """One consumer of the monitor's results. Times are timeline seconds; the
    :class:`DayClock` given to :meth:`begin` places them on the calendar."""

    name = "sink"

    def begin(self, day: DayClock, source: str) -> None:
        """The monitor starts watching ``source``."""

    def judged(self, result: FrameResult) -> None:
        """Every settled frame: state, metrics, reasons and the landmarks themselves."""

    def observe(self, obs: Observation, *, cause: str | None = None,
                result: FrameResult | None = None) -> None:
        """Each observation the tracker is fed; ``cause`` names synthetic ones
        ("suspend": counted as away; "camera": the camera was lost, unseen in the store
        though the bout goes on)."""

    def bout(self, bout: Bout, *, going: bool = False) -> None:
        """A finished bout, or with ``going`` the bout in progress as it grows."""

    def break_(self, brk: Break, *, now: float | None = None) -> None:
        """A finished break, or one still going (``brk.end`` None, lasting until ``now``)."""

    def reminder(self, reminder: Reminder) -> None: ...

    def outcome(self, reminder: Reminder, outcome: str, note: str = "") -> None:
        """acted, done, snoozed, dismissed, ignored or expired; "not acted" when the camera
        saw no action (kept as ignored unless the person answered); ``note``: what the
        camera saw ("5 wall angels, seen")."""

    def exercise(self, done: ExerciseSet) -> None:
        """A set of repetitions the camera counted, once it is over."""

    def pause(self, start: float, end: float | None, *, now: float | None = None) -> None:
        """A pause: as it begins and while it lasts (``end`` None, lasting until ``now``),
        then once with its end."""

    def calibration(self, t: float, baseline: Baseline) -> None: ...

    def notice(self, notice: Notice) -> None: ...

    def status(self, status: Status, *, changed: bool) -> None:
        """Every snapshot; ``changed``: it differs from the last one shown."""

    def close(self, t: float) -> None:
        """Write what is pending; the monitor is stopping."""

    def problem(self) -> str | None:
        """What is wrong with this sink right now, if it knows (shown in the status)."""
        return None


class Guard:
    """One part's fault isolation: a failure logged with its traceback the first time,
    quietly while it goes on, its recovery once; each kind of call (``what``) separately,
    so a hook that works does not hide one that keeps failing. The desktop side uses it
    too."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._failing: dict[str, str] = {}  # what -> the error

    @property
    def failing(self) -> str | None:
        """The first error still going on, if any."""
        return next(iter(self._failing.values()), None)

    def call(self, action: Callable[[], object], what: str = "") -> bool:
        """Run ``action``; False if it raised (logged, never raised here)."""
        label = f"{self.name} ({what})" if what else self.name
        try:
            action()
        except Exception as exc:
            if what not in self._failing:
                log.exception("%s failed (%s); it is retried and the monitor goes on",
                              label, exc)
            else:
                log.debug("%s failed again: %r", label, exc)
            self._failing[what] = f"{self.name}: {exc}"
            return False
        if self._failing.pop(what, None) is not None:
            log.info("%s works again", label)
        return True


class SinkDispatcher(Sink):
    """Every result to every sink, in order; one sink's failure never reaches the caller
    or the sinks after it."""

    name = "dispatcher"

    def __init__(self, sinks: Sequence[Sink]) -> None:
        self._sinks = [(sink, Guard(sink.name)) for sink in sinks]

    @property
    def sinks(self) -> tuple[Sink, ...]:
        return tuple(sink for sink, _ in self._sinks)

    def _each(self, what: str, hook: Callable[[Sink], None], now: float | None = None) -> None:
        for sink, guard in self._sinks:
            guard.call(lambda: hook(sink), what)  # noqa: B023 - called at once

    def problems(self) -> dict[str, str]:
        """Sink name → what is wrong, for the sinks with a problem."""
        out: dict[str, str] = {}
        for sink, guard in self._sinks:
            try:
                problem = guard.failing or sink.problem()
            except Exception as exc:
                problem = f"{sink.name}: {exc}"
            if problem:
                out[sink.name] = problem
        return out

    def begin(self, day: DayClock, source: str) -> None:
        self._each("begin", lambda s: s.begin(day, source))

    def judged(self, result: FrameResult) -> None:
        self._each("judged", lambda s: s.judged(result), result.t)

    def observe(self, obs: Observation, *, cause: str | None = None,
                result: FrameResult | None = None) -> None:
        self._each("observe", lambda s: s.observe(obs, cause=cause, result=result), obs.t)

    def bout(self, bout: Bout, *, going: bool = False) -> None:
        self._each("bout", lambda s: s.bout(bout, going=going))

    def break_(self, brk: Break, *, now: float | None = None) -> None:
        self._each("break_", lambda s: s.break_(brk, now=now))

    def reminder(self, reminder: Reminder) -> None:
        self._each("reminder", lambda s: s.reminder(reminder), reminder.t)

    def outcome(self, reminder: Reminder, outcome: str, note: str = "") -> None:
        self._each("outcome", lambda s: s.outcome(reminder, outcome, note))

    def exercise(self, done: ExerciseSet) -> None:
        self._each("exercise", lambda s: s.exercise(done), done.to_s)

    def pause(self, start: float, end: float | None, *, now: float | None = None) -> None:
        self._each("pause", lambda s: s.pause(start, end, now=now),
                   end if end is not None else now if now is not None else start)

    def calibration(self, t: float, baseline: Baseline) -> None:
        self._each("calibration", lambda s: s.calibration(t, baseline), t)

    def notice(self, notice: Notice) -> None:
        self._each("notice", lambda s: s.notice(notice))

    def status(self, status: Status, *, changed: bool) -> None:
        self._each("status", lambda s: s.status(status, changed=changed))

    def close(self, t: float) -> None:
        self._each("close", lambda s: s.close(t), t)
