"""Who is called next: the dispatch policies. See docs/dispatch.md for the reasoning.

Every policy answers one question — of the waiting tickets this desk may serve, which comes
first — by giving each ticket a sort key; the smallest key is called. The server and
``talon simulate`` run exactly this code, the simulator on a virtual clock.

* ``target`` (the default): out-of-turn visitors first in arrival order; then pre-booked visitors
  whose slot has come; then *overdue* tickets, those that waited twice their own wait target,
  most urgent first (urgency: time waited as a fraction of the target, times a boost for
  priority topics); then tickets that can still be served within target, least time left
  first (the time left divided by the desk's weight for the service and the boost); last,
  tickets that missed their target but are not overdue yet, most urgent first. Serving who
  can still make it raises the share within target; the overdue tier bounds every wait, so
  nobody is starved. A transfer that keeps the visitor's place ranks with the overdue.
* ``strict``: out-of-turn, due bookings, then VIP and priority topics, then the rest; arrival
  order within each class. Ordinary visitors wait as long as any priority visitor is queued.
* ``fifo``: plain arrival order, ignoring every category. A baseline for the simulator only:
  the server refuses it because out-of-turn service is the law.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from server.domain.office import Office, PolicyName
from server.domain.tickets import Ticket, TicketStatus

Key = tuple[float, ...]


@dataclass(frozen=True)
class Desk:
    """What dispatch needs to know about a window that asks for its next visitor."""

    number: int
    user: str | None
    weights: Mapping[str, float]


def may_serve(desk: Desk, ticket: Ticket) -> bool:
    """A ticket routed to a window or colleague goes there only; others by service."""
    if ticket.status is not TicketStatus.WAITING:
        return False
    if ticket.routed_window is not None or ticket.routed_user is not None:
        return (ticket.routed_window is None or ticket.routed_window == desk.number) and (
            ticket.routed_user is None or ticket.routed_user == desk.user
        )
    return ticket.service in desk.weights


def _waited(ticket: Ticket, now: float) -> float:
    """Seconds in the queue since the ticket's place in it (a postponement resets it)."""
    return max(0.0, now - ticket.queue_since)


def _kept_place(ticket: Ticket) -> bool:
    """Called before and sent on without losing its place: a transfer, not to the back."""
    return ticket.first_called_at is not None and ticket.queue_since <= ticket.first_called_at


def _is_due(ticket: Ticket, now: float) -> bool:
    return ticket.appointment_at is not None and ticket.appointment_at <= now


@dataclass(frozen=True)
class TargetPolicy:
    """Serve wait targets: who can still make it first, but nobody beyond ``overdue_factor``
    times their target waits for newer tickets. ``talon simulate`` measures the effect."""

    priority_boost: float = 1.5
    overdue_factor: float = 2.0
    name: str = "target"

    def urgency(self, ticket: Ticket, now: float) -> float:
        """Time waited as a fraction of the ticket's own target, times the priority boost."""
        return self._boost(ticket) * _waited(ticket, now) / ticket.wait_target

    def time_left(self, ticket: Ticket, desk: Desk, now: float) -> float:
        """Seconds until the ticket misses its target, shrunk by the desk's weight for the
        service and the priority boost: the window prefers its main topics and priority
        topics, but only among visitors who can still be served within target."""
        weight = desk.weights.get(ticket.service, 1.0)
        left = ticket.wait_target - _waited(ticket, now)
        return left / (weight * self._boost(ticket))

    def key(self, ticket: Ticket, desk: Desk, now: float) -> Key:
        if ticket.is_out_of_turn:
            return (0.0, ticket.queue_since, 0.0)
        if _is_due(ticket, now):
            return (1.0, ticket.appointment_at or 0.0, 0.0)
        waited = _waited(ticket, now)
        # A transferred visitor's first wait is over, so deferring him gains no share within
        # target; his time counts from his old place, and he ranks with the overdue.
        if waited >= self.overdue_factor * ticket.wait_target or _kept_place(ticket):
            return (2.0, -self.urgency(ticket, now), ticket.queue_since)
        if waited < ticket.wait_target:
            return (3.0, self.time_left(ticket, desk, now), ticket.queue_since)
        # Missed the target already: another few minutes no longer change the share within
        # target, so these wait for those who can still make it, until they are overdue.
        return (4.0, -self.urgency(ticket, now), ticket.queue_since)

    def _boost(self, ticket: Ticket) -> float:
        return self.priority_boost if ticket.priority else 1.0


@dataclass(frozen=True)
class StrictPolicy:
    vip_segments: frozenset[str] = frozenset({"vip"})
    name: str = "strict"

    def key(self, ticket: Ticket, desk: Desk, now: float) -> Key:
        if ticket.is_out_of_turn:
            tier = 0.0
        elif _is_due(ticket, now):
            return (1.0, ticket.appointment_at or 0.0)
        elif ticket.priority or ticket.segment in self.vip_segments:
            tier = 2.0
        else:
            tier = 3.0
        return (tier, ticket.queue_since)


@dataclass(frozen=True)
class FifoPolicy:
    name: str = "fifo"

    def key(self, ticket: Ticket, desk: Desk, now: float) -> Key:
        return (ticket.queue_since, float(ticket.id or 0))


Policy = TargetPolicy | StrictPolicy | FifoPolicy


def policy_for(office: Office) -> Policy:
    """The policy an office is configured for (the server never runs ``fifo``)."""
    if office.dispatch.policy is PolicyName.STRICT:
        return StrictPolicy()
    return TargetPolicy(
        priority_boost=office.dispatch.priority_boost,
        overdue_factor=office.dispatch.overdue_factor,
    )


def _ordering(policy: Policy, desk: Desk, now: float) -> Callable[[Ticket], Key]:
    return lambda t: (*policy.key(t, desk, now), float(t.id or 0))


def choose(policy: Policy, desk: Desk, waiting: Iterable[Ticket], now: float) -> Ticket | None:
    """The ticket ``desk`` should call now, or None if it may serve nobody who waits."""
    eligible = (t for t in waiting if may_serve(desk, t))
    return min(eligible, key=_ordering(policy, desk, now), default=None)


def rank(policy: Policy, desk: Desk, waiting: Iterable[Ticket], now: float) -> list[Ticket]:
    """The tickets ``desk`` may serve, in the order it would call them if nothing changed."""
    eligible = (t for t in waiting if may_serve(desk, t))
    return sorted(eligible, key=_ordering(policy, desk, now))
