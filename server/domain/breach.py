"""The office head's dashboard alerts: trouble in the queue, found from its state at one moment.

Unlike hall alerts (``server.domain.alerts``), these are not stored or acknowledged: they are
recomputed on every read of the dashboard and last exactly as long as their condition.
Durations are float seconds; every rule works on plain values, so it is tested by hand.

The rules, for the state at ``now``:

* **overdue** — waiting tickets past their own wait target: ``waited > wait_target``, where
  ``waited`` is issue → first call (``Ticket.waited``; a ticket postponed after its first call
  keeps the wait it had). One alert with their count and labels, longest wait first.
* **predicted** — a service predicted to breach its target within ``horizon`` (10 min): some
  waiting ticket of the service, not yet overdue, whose target falls within the horizon
  (``0 <= wait_target - waited <= horizon``, its *slack*) and whose expected remaining wait
  is greater than that slack (``waited + expected > wait_target``). The expected remaining
  wait is the one the kiosk prints (``server.domain.forecast``: people ahead × mean service
  time ÷ windows serving it), infinite when no *working* window (below) may serve it: nobody
  will call it. Every ticket is looked at, not only the oldest: a VIP ticket with a 10 min target
  breaches before an older ordinary one. One alert per service, naming its ticket with the
  least slack.
* **paused** — a window paused longer than ``pause_limit`` (``office.alerts.pause_max_min``),
  or, for a lunch break, ``lunch_limit`` (``lunch_max_min``): ``now - since > limit``.
* **unserved** — a service with at least ``UNSERVED_MIN`` (3) waiting and no *working*
  window able to serve it; working means open, calling or serving (a paused or closed window
  calls nobody).
* **crowded** — at least ``CROWDED_MIN`` (10) waiting in all while one or more windows are
  closed: open another window. Names the closed windows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from server.domain.windows import PauseReason, WindowState

HORIZON = 10 * 60.0  # a breach predicted this far ahead is alerted about
UNSERVED_MIN = 3  # waiting for one service with no working window able to serve it
CROWDED_MIN = 10  # waiting in all, while some window is closed
WORKING = frozenset({WindowState.OPEN, WindowState.CALLING, WindowState.SERVING})

OVERDUE = "overdue"
PREDICTED = "predicted"
PAUSED = "paused"
UNSERVED = "unserved"
CROWDED = "crowded"


@dataclass(frozen=True)
class Waiter:
    """A waiting ticket as the rules see it."""

    label: str
    service: str
    waited: float
    wait_target: float
    expected: float = 0.0  # expected remaining wait; math.inf when nobody can call it

    @property
    def slack(self) -> float:
        """Time left before the target is missed (negative once it is)."""
        return self.wait_target - self.waited


@dataclass(frozen=True)
class Desk:
    """A window as the rules see it: its state, since when, and the services it may serve."""

    number: int
    state: WindowState
    since: float
    services: frozenset[str]
    pause_reason: PauseReason | None = None


def find_overdue(waiters: Iterable[Waiter]) -> list[Waiter]:
    """Waiting tickets past their own target, longest wait first."""
    return sorted((w for w in waiters if w.waited > w.wait_target), key=lambda w: -w.waited)


def will_breach(waiter: Waiter, horizon: float = HORIZON) -> bool:
    """True if ``waiter`` is not overdue yet, its target falls within ``horizon`` and it is
    expected to be called only after that."""
    return 0.0 <= waiter.slack <= horizon and waiter.expected > waiter.slack


def predict_breaches(waiters: Iterable[Waiter], horizon: float = HORIZON) -> dict[str, Waiter]:
    """Per service predicted to breach: its ticket with the least slack among those that will."""
    found: dict[str, Waiter] = {}
    for waiter in waiters:
        if not will_breach(waiter, horizon):
            continue
        known = found.get(waiter.service)
        if known is None or waiter.slack < known.slack:
            found[waiter.service] = waiter
    return found


def pause_limit_for(desk: Desk, pause_limit: float, lunch_limit: float | None) -> float:
    if desk.pause_reason is PauseReason.LUNCH and lunch_limit is not None:
        return lunch_limit
    return pause_limit


def find_long_pauses(
    desks: Iterable[Desk], now: float, pause_limit: float, lunch_limit: float | None = None
) -> list[Desk]:
    """Windows paused longer than their limit (a lunch break has its own)."""
    return [
        d for d in desks
        if d.state is WindowState.PAUSED
        and now - d.since > pause_limit_for(d, pause_limit, lunch_limit)
    ]


def can_call(desks: Iterable[Desk], service: str) -> bool:
    """Whether some working window may serve ``service`` (the forecast's «nobody will call»
    is its negation)."""
    return any(service in d.services and d.state in WORKING for d in desks)


def find_unserved(
    waiting: Mapping[str, int], desks: Sequence[Desk], minimum: int = UNSERVED_MIN
) -> list[tuple[str, int]]:
    """Services with at least ``minimum`` waiting and no working window able to serve them."""
    return [
        (service, n) for service, n in waiting.items()
        if n >= minimum and not can_call(desks, service)
    ]


def find_crowding(
    waiting: Mapping[str, int], desks: Iterable[Desk], minimum: int = CROWDED_MIN
) -> list[int] | None:
    """The closed windows' numbers when at least ``minimum`` wait in all and some window is
    closed; None otherwise."""
    closed = [d.number for d in desks if d.state is WindowState.CLOSED]
    if sum(waiting.values()) >= minimum and closed:
        return closed
    return None


def remaining_wait(expected: float, callable_now: bool) -> float:
    """The expected remaining wait the rules use: infinite when nobody can call the ticket."""
    return expected if callable_now else math.inf
