"""The person's word on their stance, where the camera cannot tell (the session's part).

A sit-stand desk raised with the camera on it keeps the same picture of the upper body
whether the person sits or stands, so the person says it: ``posturewatch stance
standing|sitting|auto`` or the tray menu. What they said holds until they say otherwise
(or answer "Done" to a reminder to sit down for a while, which says they sat): every
observation of someone present is then standing, or sitting, whatever the camera made of
it; ``auto`` hands it back to the camera (``core/stance.py``).
"""

from __future__ import annotations

from dataclasses import replace

from posturewatch.core.observation import Observation, Posture
from posturewatch.core.stance import Stance

AUTO = "auto"
CHOICES = (Stance.STANDING.value, Stance.SITTING.value, AUTO)
_SAID = {  # what the person is told once their word is taken
    "standing": "Standing at your desk: standing time is counted, sitting time is not.",
    "sitting": "Sitting at your desk.",
    AUTO: "The camera tells sitting from standing again, as far as it can see.",
}


class SaidStance:
    """What the person said, and what it makes of each observation."""

    def __init__(self) -> None:
        self.said: Stance | None = None  # None: the camera tells

    @property
    def mode(self) -> str:
        return AUTO if self.said is None else self.said.value

    def say(self, what: str) -> str | None:
        """Take the person's word (one of :data:`CHOICES`); what to tell them if it
        changed anything, else None."""
        if what not in CHOICES:
            return None
        said = None if what == AUTO else Stance(what)
        if said == self.said:
            return None
        self.said = said
        return _SAID[what]

    def done(self, rule: str) -> str | None:
        """The person answered Done to a reminder of ``rule``: to the reminder to sit down
        for a while, at a desk they said they stand at, that says they sat."""
        if rule == "sit_stand" and self.said is Stance.STANDING:
            return self.say(Stance.SITTING.value)
        return None

    def apply(self, obs: Observation) -> Observation:
        """The observation as the person's word makes it: someone present is standing
        (not judged) or sitting (a stance the camera took for standing is not judged
        either: unknown)."""
        if self.said is None or not obs.state.present:
            return obs
        if self.said is Stance.STANDING:
            state = Posture.STANDING
        elif obs.state is Posture.STANDING:
            state = Posture.UNKNOWN
        else:
            return obs
        return replace(obs, state=state, reasons=())
