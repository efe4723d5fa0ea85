"""When a physical button's press counts: one job per press, not one per bounce or hammer.

Pure; the caller passes a monotonic ``now`` and serialises calls. A press is accepted only
when the button's previous job is finished *and* its cool-down has passed since the last
accepted press: a held button, a bouncing contact or ten quick presses give one ticket.
"""

from __future__ import annotations


class ButtonGate:
    def __init__(self, cooldown: float) -> None:
        if cooldown < 0:
            raise ValueError("cooldown must be >= 0 seconds")
        self.cooldown = cooldown
        self._last: float | None = None
        self.in_flight = False

    def press(self, now: float) -> bool:
        """Whether this press starts a job. If so the button is in flight until ``done``."""
        if self.in_flight:
            return False
        if self._last is not None and now - self._last < self.cooldown:
            return False
        self._last = now
        self.in_flight = True
        return True

    def done(self) -> None:
        """The job of the accepted press is over (printed, refused or failed)."""
        self.in_flight = False
