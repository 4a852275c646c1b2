"""What the desk's devices say about the day: the camera lent to another app, a call, the
screen locked, the machine on battery. Pure: the facts come in with their time (the
monitor's watchers report them), and :class:`DeskFacts` says what they mean.

- **In a call**: another app records from a microphone, or has the camera open (and is
  not one of ours, like a ``posturewatch look`` window). The monitor lets go of the
  camera and does not look; the person is at the desk, so the time counts as sitting and
  reminders are held (not dropped) until the call ends.
- **Camera lent**: another app has the camera open, a call or one of ours, or the tray
  lent it to our own window (``WindowOpen``): no looking.
- **Locked**: the session's screen is locked or the display asleep (the screensaver is
  active): no looking, and the time is away (a break when long enough).
- **On battery**: looks come less often (``core/sampling.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from posturewatch.core.monitor_status import TrayState
from posturewatch.core.observation import Observation, Posture
from posturewatch.core.watch.happened import Cause, Message, SpellChanged


@dataclass(frozen=True, slots=True)
class CameraInUse:
    """Who else has the camera open now (None: nobody); ``ours``: only our own windows."""

    by: str | None
    ours: bool = False


@dataclass(frozen=True, slots=True)
class MicrophoneInUse:
    """An app recording from a microphone now (None: none)."""

    by: str | None


@dataclass(frozen=True, slots=True)
class ScreenLocked:
    """The screen is locked or the display asleep (the screensaver active), or not."""

    locked: bool


@dataclass(frozen=True, slots=True)
class OnBattery:
    on: bool


@dataclass(frozen=True, slots=True)
class WindowOpen:
    """One of our own windows (the tray's "What the camera sees": ``posturewatch look``)
    is lent the camera, or none is now (None). The tray says so before the window opens
    the camera, so the monitor has let go of it first."""

    by: str | None


DeviceFact = CameraInUse | MicrophoneInUse | ScreenLocked | OnBattery | WindowOpen
DEVICE_FACTS = (CameraInUse, MicrophoneInUse, ScreenLocked, OnBattery, WindowOpen)


@dataclass(frozen=True, slots=True)
class Spell:
    """A call or a lock that began (``end`` None while it lasts) or ended."""

    spell: str  # "call" | "locked"
    start: float
    end: float | None = None


class DeskFacts:
    """The latest fact of each kind, and the call and lock going on."""

    def __init__(self) -> None:
        self.camera: CameraInUse = CameraInUse(None)
        self.microphone: str | None = None
        self.locked = False
        self.on_battery = False
        self.window: str | None = None  # the window of ours the camera is lent to
        self.call_since: float | None = None
        self.locked_since: float | None = None

    def take(self, t: float, fact: DeviceFact) -> tuple[Spell, ...]:
        """Note a fact; the calls and locks it began or ended (an ended one first)."""
        was_call, was_locked = self.in_call, self.locked
        match fact:
            case CameraInUse():
                self.camera = fact
            case MicrophoneInUse(by):
                self.microphone = by
            case ScreenLocked(locked):
                self.locked = locked
            case OnBattery(on):
                self.on_battery = on
            case WindowOpen(by):
                self.window = by
        changes: list[Spell] = []
        if was_call and not self.in_call:
            assert self.call_since is not None
            changes.append(Spell("call", self.call_since, t))
            self.call_since = None
        if was_locked and not self.locked:
            assert self.locked_since is not None
            changes.append(Spell("locked", self.locked_since, t))
            self.locked_since = None
        if self.in_call and not was_call:
            self.call_since = t
            changes.append(Spell("call", t))
        if self.locked and not was_locked:
            self.locked_since = t
            changes.append(Spell("locked", t))
        return tuple(changes)

    @property
    def in_call(self) -> bool:
        return self.microphone is not None or (self.camera.by is not None
                                                and not self.camera.ours)

    @property
    def lent_to(self) -> str | None:
        """Who else has the camera: our window it was lent to, or whoever holds it."""
        return self.window if self.window is not None else self.camera.by

    @property
    def looking_allowed(self) -> bool:
        """The camera may be opened: no lock, no call, nobody else holding it."""
        return not (self.locked or self.in_call or self.lent_to is not None)

    def why_not(self) -> tuple[str, ...]:
        """Why the monitor is not looking, as the status and tray say it."""
        why = []
        if self.locked:
            why.append("locked")
        if self.in_call:
            why.append("in a call")
        if (lent := self.lent_to) is not None:
            why.append(f"camera lent to {lent}")
        return tuple(why)

    def call_with(self) -> str:
        """What the call is on: the microphone's app, the camera's, or both."""
        return ", ".join(dict.fromkeys(
            by for by in (self.microphone, None if self.camera.ours else self.camera.by)
            if by is not None))

    def standing_in(self) -> tuple[Posture, str] | None:
        """What the time stands for while nothing is seen: away while locked, sitting
        (present, unknown posture) in a call; None when neither."""
        if self.locked:
            return Posture.AWAY, "locked"
        if self.in_call:
            return Posture.UNKNOWN, "call"
        return None


class DeskPart:
    """The watch session's part for the desk's devices: it takes the facts, tells the
    calls and locks as they begin, go on and end (``SpellChanged``), feeds the time they
    stand for (away while locked, sitting in a call: made-up observations, ``Cause.LOCKED``
    and ``Cause.CALL``), and after a call as long as the sitting limit has the next break
    reminder name it. ``feed`` and ``fill`` are the session's own; ``emit`` its outbox."""

    def __init__(self, break_after_s: Callable[[], float],
                 feed: Callable[[Observation, Cause], None],
                 fill: Callable[[float, float, Posture, Cause], None],
                 emit: Callable[[Message], None], name_call: Callable[[float], None]) -> None:
        self.facts = DeskFacts()
        self._break_after_s = break_after_s
        self._feed, self._fill, self._emit, self._name_call = feed, fill, emit, name_call

    @property
    def holds(self) -> bool:
        """Reminders wait: the person is in a call."""
        return self.facts.in_call

    def take(self, t: float, fact: DeviceFact, last_t: float | None) -> None:
        """A fact at ``t``; ``last_t``: the session's last observation (none is fed before
        it: a frame already fed stands until the next)."""
        standing = self.facts.standing_in()
        self.fill(t, last_t)
        for spell in self.facts.take(t, fact):
            self._emit(SpellChanged(spell.spell, spell.start, spell.end))
            if spell.end is not None and spell.spell == "call" \
                    and spell.end - spell.start >= self._break_after_s():
                self._name_call(spell.end - spell.start)
        now = self.facts.standing_in()
        if now is not None and now != standing and (last_t is None or t >= last_t):
            self._feed(Observation(t, now[0]), CAUSES[now[1]])

    def fill(self, now: float, last_t: float | None) -> None:
        """The time a lock or call stands for, up to ``now``; its row kept current."""
        standing = self.facts.standing_in()
        if standing is None:
            return
        state, kind = standing
        if last_t is not None and now > last_t:
            self._fill(last_t, now, state, CAUSES[kind])
        for spell, since in (("locked", self.facts.locked_since),
                             ("call", self.facts.call_since)):
            if since is not None:
                self._emit(SpellChanged(spell, since, None, now))

    def close(self, t: float) -> None:
        """The watching ends: the call or lock going on ends here (for the store)."""
        for spell, since in (("locked", self.facts.locked_since),
                             ("call", self.facts.call_since)):
            if since is not None:
                self._emit(SpellChanged(spell, since, max(since, t)))


CAUSES = {"locked": Cause.LOCKED, "call": Cause.CALL}


def desk_state(facts: DeskFacts) -> TrayState | None:
    """What the tray shows for the devices, if they keep the monitor from looking."""
    if facts.locked:
        return TrayState.LOCKED
    if facts.in_call:
        return TrayState.IN_CALL
    if facts.lent_to is not None:
        return TrayState.CAMERA_LENT
    return None


def desk_camera(facts: DeskFacts) -> str | None:
    """The status's camera line while a device keeps it closed; None otherwise."""
    if facts.lent_to is not None:
        return f"lent to {facts.lent_to}"
    if facts.locked:
        return "closed: screen locked"
    if facts.in_call:
        return "closed: in a call"
    return None
