"""Expected wait: when each waiting ticket will be called, from the live state.

This module owns the prediction; ``forecast`` builds its inputs from windows and the office.
The prediction is a small deterministic replay of the queue under the very dispatch policy
the server runs: every serving desk becomes free when its current visitor is expected to
leave (the mean service time of that visitor's topic, less the time already spent, never
less than ``MIN_REMAINING`` of it); then, desk by desk in the order they free up, the policy
picks the next visitor, who keeps the desk for his topic's mean service time. Visitors
expected to arrive meanwhile (``Stream``: out-of-turn visitors, pre-booked visitors,
ordinary newcomers at their historical rate) join the replay at evenly spaced instants, so
those who will go ahead (out of turn, bookings, and newcomers passing a ticket that missed
its target) delay the others as they would. A *probe* is a newcomer with no service time:
it is called when a desk would first take it, without holding anyone up, which gives the
expected wait of a ticket not yet issued (the kiosk, the board).

Pure: works on domain objects only; no clock, no storage. Durations are float seconds.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from server.domain import dispatch
from server.domain.tickets import Ticket, TicketStatus

HORIZON = 6 * 3600.0  # nobody is replayed further ahead than this
PAUSE_EXPECTED = 45 * 60.0  # a paused window is expected back this long after it paused
MIN_REMAINING = 0.3  # share of a mean visit still expected when the visit is overdue


@dataclass(frozen=True)
class DeskState:
    """A window that will call visitors: what it serves and when it is free next."""

    desk: dispatch.Desk
    free_at: float
    away: tuple[tuple[float, float], ...] = ()  # planned absences (a roster's lunches)
    leaves: float | None = None  # calls nobody from then on (end of a rostered shift)

    def next_call(self, at: float) -> float | None:
        """The earliest moment from ``at`` the desk may call, or None once it has left."""
        for start, end in sorted(self.away):
            if start <= at < end:
                at = end
        return None if self.leaves is not None and at >= self.leaves else at


@dataclass(frozen=True)
class Stream:
    """Visitors expected to arrive: ``rate`` per second like ``prototype`` (topic, targets,
    category, priority) between ``start`` and ``end``. A booking is a stream of one at its
    slot (``at``)."""

    prototype: Ticket
    rate: float = 0.0
    at: float | None = None
    end: float | None = None  # no arrivals after this (the end of the hour, closing time)
    start: float | None = None  # none before this (a later hour of the day)


def remaining(mean: float, elapsed: float) -> float:
    """Expected time left of a visit ``elapsed`` seconds old whose topic takes ``mean``."""
    return max(mean - elapsed, MIN_REMAINING * mean)


def arrivals(streams: Iterable[Stream], now: float, until: float) -> list[Ticket]:
    """Expected arrivals between ``now`` and ``until``, evenly spaced, as waiting tickets
    with negative ids (never a real ticket's). The streams of one prototype (its hours) are
    counted together: the k-th visitor comes when k - ½ are expected, so a rare kind (an
    out-of-turn visitor at 0.3 an hour) is still expected over a day, not rounded away
    hour by hour."""
    moments: list[tuple[float, Ticket]] = []
    profiles: dict[int, list[Stream]] = {}
    for stream in streams:
        if stream.at is not None:
            if now <= stream.at < until:
                moments.append((stream.at, stream.prototype))
        elif stream.rate > 0:
            profiles.setdefault(id(stream.prototype), []).append(stream)
    for profile in profiles.values():
        moments += [(at, profile[0].prototype) for at in _spread(profile, now, until)]
    moments.sort(key=lambda m: m[0])
    return [replace(proto, id=-(k + 1), issued_at=at, queue_since=at,
                    status=TicketStatus.WAITING) for k, (at, proto) in enumerate(moments)]


def _spread(profile: Sequence[Stream], now: float, until: float) -> list[float]:
    """The moments the visitors of one prototype's streams are expected: where the running
    count of expected visitors reaches ½, 1½, 2½, …"""
    moments: list[float] = []
    expected, due = 0.0, 0.5  # visitors expected so far; the count at which the next comes
    for stream in sorted(profile, key=lambda s: s.start or now):
        first = now if stream.start is None else max(now, stream.start)
        last = until if stream.end is None else min(until, stream.end)
        if last <= first:
            continue
        while expected + (last - first) * stream.rate >= due:
            moments.append(first + (due - expected) / stream.rate)
            due += 1.0
        expected += (last - first) * stream.rate
    return moments


def hourly_streams(prototype: Ticket, rates: Sequence[tuple[float, float, float]],
                   now: float) -> list[Stream]:
    """One stream per span ``(start, end, rate per second)`` not over by ``now``: arrivals
    follow the day's profile (a crowd at opening, a lull after lunch) instead of the
    current hour's rate all day."""
    return [Stream(prototype, rate, end=end, start=start)
            for start, end, rate in rates if end > now and rate > 0]


def predict_calls(
    policy: dispatch.Policy,
    desks: Sequence[DeskState],
    waiting: Iterable[Ticket],
    now: float,
    service_time: Mapping[str, float],
    *,
    streams: Sequence[Stream] = (),
    probes: Sequence[Ticket] = (),
    wanted: Iterable[int] | None = None,
) -> dict[int, float]:
    """When each waiting ticket (and each probe, by its id) is expected to be called.

    ``service_time`` gives the mean visit per topic (a topic missing from it takes the
    ticket's service target). The replay stops once every ticket in ``wanted`` (default:
    all waiting tickets and probes) is called; a ticket no desk will call is left out.
    """
    queue = {t.id or 0: t for t in waiting if t.status is TicketStatus.WAITING}
    zero = {p.id or 0 for p in probes}
    queue.update({p.id or 0: p for p in probes})
    pending = set(queue) if wanted is None else set(wanted) & set(queue)
    future = arrivals(streams, now, now + HORIZON)
    future.reverse()  # pop() gives the next arrival
    free = [(max(now, d.free_at), i, d.desk) for i, d in enumerate(desks)]
    heapq.heapify(free)
    calls: dict[int, float] = {}
    while free and pending:
        at, order, desk = heapq.heappop(free)
        if at > now + HORIZON:
            break
        state = desks[order]
        if (ready := state.next_call(at)) is None:
            continue
        if ready > at:
            heapq.heappush(free, (ready, order, desk))
            continue
        while future and future[-1].issued_at <= at:
            arrival = future.pop()
            queue[arrival.id or 0] = arrival
        ticket = dispatch.choose(policy, desk, queue.values(), at)
        if ticket is None:
            if future:  # idle until someone it may serve could have arrived
                heapq.heappush(free, (future[-1].issued_at, order, desk))
            continue
        ident = ticket.id or 0
        del queue[ident]
        calls[ident] = at
        pending.discard(ident)
        took = 0.0 if ident in zero else service_time.get(ticket.service,
                                                          ticket.service_target)
        heapq.heappush(free, (at + took, order, desk))
    return {i: at for i, at in calls.items() if i > 0 or i in zero}
