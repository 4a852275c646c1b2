"""Where what happened goes: sinks behind one dispatcher that keeps their faults apart.

The monitor hands out, in its own thread and in time order, the messages its watch
session returns (``core/watch/happened.py``: frames judged, observations, bouts, breaks,
pauses, reminders and their outcomes, exercise sets, calibrations, notices, the day's
totals) and the status snapshots. :class:`SinkDispatcher` passes each message to every
:class:`Sink` that subscribes to its kind (the history store, the status mailbox, the
events queue the tray and notifications read, and whatever else is added). A sink that
raises is logged once, with its traceback, and called again with the next message; it
never stops the loop or the other sinks. When it works again that is logged too. A sink
that can tell what is wrong without raising (the store keeps its unwritten rows and
retries) says so in :meth:`Sink.problem`, which the status shows.

To add a sink: subclass :class:`Sink`, list the message classes it wants in ``takes``,
handle them in :meth:`Sink.take`, and pass it to the monitor (``Monitor(..., sinks=[...])``).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Sequence
from typing import ClassVar

from posturewatch.core.watch.calendar import Calendar
from posturewatch.core.watch.happened import Message
from posturewatch.core.watch.session import Carry

log = logging.getLogger(__name__)

EPISODE_GAP_S = 120.0  # a sink's problem back within this long is the same episode


class Sink:
    """One consumer of what happened. Times are timeline seconds; the :class:`Calendar`
    given to :meth:`begin` places them on the calendar."""

    name = "sink"
    takes: ClassVar[tuple[type, ...]] = ()  # the message classes this sink subscribes to

    def begin(self, calendar: Calendar, source: str) -> None:
        """The monitor starts watching ``source``."""

    def take(self, message: Message) -> None:
        """One message of a kind in ``takes``."""

    def close(self, t: float) -> None:
        """Write what is pending; the monitor is stopping."""

    def problem(self) -> str | None:
        """What is wrong with this sink right now, if it knows (shown in the status)."""
        return None

    def carry(self, calendar: Calendar, min_break_s: float) -> Carry | None:
        """What the last run left that this sink kept, to go on with (after
        :meth:`begin`); None: nothing."""
        return None


class Guard:
    """One part's fault isolation: a failure logged with its traceback the first time,
    quietly while it goes on, its recovery once; each kind of call (``what``) separately,
    so a kind that works does not hide one that keeps failing. The desktop side uses it
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


class SinkDispatcher:
    """Every message to every sink that takes its kind, in order; one sink's failure
    never reaches the caller or the sinks after it."""

    def __init__(self, sinks: Sequence[Sink]) -> None:
        self._sinks = [(sink, Guard(sink.name)) for sink in sinks]
        self._routes: dict[type, list[tuple[Sink, Guard]]] = {}
        self.failing: dict[str, str] = {}  # as of the last :meth:`check`
        self._last_failing: dict[str, float] = {}  # sink name -> when it last had a problem

    def begin(self, calendar: Calendar, source: str) -> None:
        for sink, guard in self._sinks:
            guard.call(lambda: sink.begin(calendar, source), "begin")  # noqa: B023 - at once

    def send(self, *messages: Message) -> None:
        for message in messages:
            kind = type(message)
            if kind not in self._routes:  # who subscribes to it, worked out once per kind
                self._routes[kind] = [(s, g) for s, g in self._sinks if issubclass(kind, s.takes)]
            for sink, guard in self._routes[kind]:
                guard.call(lambda: sink.take(message), message.kind)  # noqa: B023 - at once

    def close(self, t: float) -> None:
        for sink, guard in self._sinks:
            guard.call(lambda: sink.close(t), "close")  # noqa: B023 - called at once

    def carry(self, calendar: Calendar, min_break_s: float) -> Carry | None:
        """What the last run left, from every sink that kept some of it."""
        found: list[Carry | None] = []
        for sink, guard in self._sinks:
            guard.call(lambda: found.append(sink.carry(calendar, min_break_s)),  # noqa: B023
                       "carry")
        carried = [c for c in found if c is not None]
        return None if not carried else functools.reduce(Carry.merged, carried)

    def check(self, now: float) -> dict[str, str]:
        """Update :attr:`failing`; return the problems that begin a new episode at ``now``
        (timeline seconds): a sink that had a problem within ``EPISODE_GAP_S`` is still in
        the same one (a full disk lets a small write through now and then)."""
        problems = self.problems()
        new = {name: problem for name, problem in problems.items()
               if name not in self.failing
               and now - self._last_failing.get(name, -math.inf) >= EPISODE_GAP_S}
        self._last_failing.update(dict.fromkeys(problems, now))
        self.failing = problems
        return new

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
