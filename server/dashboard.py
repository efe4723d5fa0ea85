"""The office head's live dashboard: one consistent read of the office day so far.

Owns the dashboard's figures and its shape on the wire (``GET /api/v1/dashboard``); the alert
rules are ``server.domain.breach``. Read-only: one read transaction, nothing written.

Today's figures, over the tickets of the current office day:

* ``issued``: every ticket of the day; ``served``: finished (done); ``no_show``; ``cancelled``;
  ``waiting``: waiting now.
* ``called``: tickets called at least once today; ``mean_wait``: their mean wait, issue →
  first call; ``within_wait_target``: the share of them whose wait was at most their own
  target (a ticket postponed or transferred after its first call keeps that first wait).
* ``mean_service``: mean start → finish of the served; ``within_service_target``: the share of
  them at most their own service target.
* ``longest_wait``: the longest wait of a ticket waiting now (issue → now, or its first wait
  if it was called and went back to the queue).

Means and shares are None when there is nothing to average.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.domain import access, breach, forecast
from server.domain.access import Actor
from server.domain.tickets import Ticket, TicketStatus
from server.domain.windows import Window
from server.ports import Unit
from server.snapshots import QueueReader, queue_summaries

LONGEST = 10  # waiting tickets in the «longest waits» list


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def summarise_day(tickets: Sequence[Ticket], now: float) -> dict[str, object]:
    """Today's figures so far (see the module docstring for the definitions)."""
    called = [t for t in tickets if t.first_called_at is not None]
    served = [t for t in tickets if t.status is TicketStatus.DONE and t.started_at is not None
              and t.finished_at is not None]
    waiting = [t for t in tickets if t.status is TicketStatus.WAITING]
    waits = [t.waited(now) for t in called]
    services = [t.finished_at - t.started_at for t in served]  # type: ignore[operator]
    return {
        "issued": len(tickets),
        "served": len(served),
        "no_show": sum(t.status is TicketStatus.NO_SHOW for t in tickets),
        "cancelled": sum(t.status is TicketStatus.CANCELLED for t in tickets),
        "waiting": len(waiting),
        "called": len(called),
        "mean_wait": _mean(waits),
        "within_wait_target": _share(
            sum(t.waited(now) <= t.wait_target for t in called), len(called)),
        "mean_service": _mean(services),
        "within_service_target": _share(
            sum(s <= t.service_target for s, t in zip(services, served, strict=True)),
            len(served)),
        "longest_wait": max((t.waited(now) for t in waiting), default=None),
    }


class Dashboard:
    """Reads for ``/dashboard``; shares the queue reader's office, store, clock and the
    recent service times that feed the forecast."""

    def __init__(self, reader: QueueReader) -> None:
        self.reader = reader
        self.office = reader.office

    def read(self, actor: Actor) -> dict[str, object]:
        actor.require(access.EVENTS_READ)
        now = self.reader.clock()
        day = self.office.day_of(now)
        with self.reader.store.read() as tx:
            tickets = tx.tickets_of_day(day)
            windows = [w for w in tx.windows() if self.office.window(w.number)]
            waiting = [t for t in tickets if t.status is TicketStatus.WAITING]
            labels = {t.id: t.label for t in tickets}
            desks = [self._desk(w) for w in windows]
            waiters = [self._waiter(tx, t, windows, waiting, desks, now) for t in waiting]
            return {
                "at": now,
                "seq": tx.last_seq(),
                "day": day,
                "today": summarise_day(tickets, now),
                "queues": self._queues(tx, waiting, now),
                "longest": [
                    self._waiting_row(t, now)
                    for t in sorted(waiting, key=lambda t: (-t.waited(now), t.id or 0))[:LONGEST]
                ],
                "windows": [self._window_row(w, labels, now) for w in windows],
                "alerts": self._alerts(waiters, waiting, desks, now),
                "hall_alerts": len(tx.open_alerts()),
            }

    def _desk(self, window: Window) -> breach.Desk:
        config = self.office.window(window.number)
        return breach.Desk(
            number=window.number, state=window.state, since=window.since,
            services=frozenset(config.weights if config else {}),
            pause_reason=window.pause_reason,
        )

    def _waiter(self, tx: Unit, ticket: Ticket, windows: list[Window], waiting: list[Ticket],
                desks: list[breach.Desk], now: float) -> breach.Waiter:
        waited = ticket.waited(now)
        expected = 0.0
        if 0.0 <= ticket.wait_target - waited <= breach.HORIZON:  # only these can breach soon
            serving = forecast.serving_desks(self.office, windows, ticket.service)
            ahead = forecast.people_ahead(self.reader.policy, serving, waiting, ticket, now)
            mean = self.reader.times.mean(tx, ticket.service, now)
            per_visitor = mean if mean is not None else ticket.service_target
            expected = breach.remaining_wait(
                forecast.expected_wait(ahead, per_visitor, len(serving)),
                breach.can_call(desks, ticket.service),
            )
        return breach.Waiter(ticket.label, ticket.service, waited, ticket.wait_target, expected)

    def _queues(self, tx: Unit, waiting: list[Ticket], now: float) -> list[dict[str, object]]:
        summaries = {s["service"]: s
                     for s in queue_summaries(self.office, tx, now, self.reader.times)}
        rows = []
        for service in self.office.services:
            mine = [t for t in waiting if t.service == service.code]
            segment = self.office.segment(self.office.default_segment)
            rows.append({
                "service": service.code,
                "name": service.name,
                "name_en": service.name_en,
                "prefix": service.prefix,
                "waiting": len(mine),
                "expected_wait": summaries[service.code]["expected_wait"],
                "oldest_wait": max((t.waited(now) for t in mine), default=None),
                "wait_target": self.office.wait_target(service, segment) if segment else None,
                "overdue": sum(t.waited(now) > t.wait_target for t in mine),
            })
        return rows

    @staticmethod
    def _waiting_row(ticket: Ticket, now: float) -> dict[str, object]:
        return {
            "id": ticket.id or 0,
            "label": ticket.label,
            "service": ticket.service,
            "segment": ticket.segment,
            "category": ticket.category,
            "issued_at": ticket.issued_at,
            "waited": ticket.waited(now),
            # False once called: a ticket back in the queue keeps its first wait.
            "ticking": ticket.first_called_at is None,
            "wait_target": ticket.wait_target,
        }

    def _window_row(self, window: Window, labels: dict[int | None, str],
                    now: float) -> dict[str, object]:
        config = self.office.window(window.number)
        return {
            "number": window.number,
            "name": config.name if config else "",
            "state": window.state.value,
            "pause_reason": window.pause_reason.value if window.pause_reason else None,
            "user": window.user,
            "label": labels.get(window.ticket_id) if window.ticket_id is not None else None,
            "since": window.since,
            "in_state": max(0.0, now - window.since),
        }

    def _alerts(self, waiters: list[breach.Waiter], waiting: list[Ticket],
                desks: list[breach.Desk], now: float) -> list[dict[str, object]]:
        limits = self.office.alerts
        found: list[dict[str, object]] = []
        overdue = breach.find_overdue(waiters)
        if overdue:
            found.append({"kind": breach.OVERDUE, "count": len(overdue),
                          "labels": [w.label for w in overdue]})
        for service, waiter in breach.predict_breaches(waiters).items():
            found.append({
                "kind": breach.PREDICTED, "service": service, "label": waiter.label,
                "waited": waiter.waited, "wait_target": waiter.wait_target,
                "breach_in": waiter.slack,
                "expected": None if waiter.expected == float("inf") else waiter.expected,
            })
        pause, lunch = 60.0 * limits.pause_max_min, 60.0 * limits.lunch_max_min
        for desk in breach.find_long_pauses(desks, now, pause, lunch):
            found.append({
                "kind": breach.PAUSED, "window": desk.number,
                "reason": desk.pause_reason.value if desk.pause_reason else None,
                "paused_for": now - desk.since,
                "limit": breach.pause_limit_for(desk, pause, lunch),
            })
        counts: dict[str, int] = {}
        for ticket in waiting:
            counts[ticket.service] = counts.get(ticket.service, 0) + 1
        for service, n in breach.find_unserved(counts, desks):
            found.append({"kind": breach.UNSERVED, "service": service, "waiting": n})
        closed = breach.find_crowding(counts, desks)
        if closed is not None:
            found.append({"kind": breach.CROWDED, "waiting": sum(counts.values()),
                          "closed": closed})
        return found
