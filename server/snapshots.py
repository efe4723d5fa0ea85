"""Read-only views of the queue: the screens' snapshot, a window's queue, a ticket's public
status, the event log; and the forecast helpers the write side shares.

Every read runs in one consistent read transaction; nothing here writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from server import contract as c
from server.domain import access, arrivals, dispatch, forecast, prediction
from server.domain.access import Actor
from server.domain.errors import UnknownTicket, UnknownWindow
from server.domain.office import Office
from server.domain.tickets import Ticket
from server.domain.windows import Window
from server.payloads import ticket_payload, window_payload
from server.ports import Store, Unit

RECENT_CALLS = 10
SERVICE_TIME_WINDOW = 2 * 3600.0  # recent service times this far back feed the forecast
SERVICE_TIME_TTL = 30.0  # a mean a few seconds old is as good, and far cheaper


class ForecastInputs:
    """What the expected wait learns from history, cached: the mean recent service time per
    service (recomputed at most every SERVICE_TIME_TTL), the walk-ins expected for the rest
    of today (from past weeks, read once a day). Today's bookings are read every time: a
    check-in must not count twice."""

    def __init__(self) -> None:
        self._means: dict[str, tuple[float, float | None]] = {}
        self._all: tuple[float, dict[str, float]] | None = None
        self._profile: tuple[str, arrivals.Profile] | None = None

    def all(self, tx: Unit, office: Office, now: float) -> dict[str, float]:
        """Mean visit of every service (its service target where no recent visit is known)."""
        if self._all is not None and 0.0 <= now - self._all[0] < SERVICE_TIME_TTL:
            return self._all[1]
        means = forecast.service_times(office, tx.mean_service_times(now - SERVICE_TIME_WINDOW))
        self._all = (now, means)
        return means

    def mean(self, tx: Unit, service: str, now: float) -> float | None:
        cached = self._means.get(service)
        if cached is not None and 0.0 <= now - cached[0] < SERVICE_TIME_TTL:
            return cached[1]
        mean = tx.mean_service_time(service, now - SERVICE_TIME_WINDOW)
        self._means[service] = (now, mean)
        return mean

    def streams(self, tx: Unit, office: Office, now: float) -> list[prediction.Stream]:
        """Visitors expected from ``now`` on: walk-ins (out of turn, VIP, ordinary) at the
        hourly rates of the same weekday in past weeks, and bookings not checked in yet."""
        day = office.day_of(now)
        today = date.fromisoformat(day)
        cached = self._profile  # one read: another thread may replace it after midnight
        if cached is None or cached[0] != day:
            past_days = [d.isoformat() for d in arrivals.history_days(office, today)]
            past = tx.walk_ins_on(past_days)
            cached = self._profile = (day, arrivals.walk_in_profile(office, past, today))
        tomorrow = datetime.combine(today + timedelta(days=1), time(0), office.zone)
        booked = (tx.bookings_expected(now, tomorrow.timestamp()) if office.booking.enabled
                  else [])
        return (arrivals.walk_in_streams(cached[1], now)
                + arrivals.booking_streams(office, booked, now))


def load_window(office: Office, tx: Unit, number: int) -> Window:
    window = tx.window(number) if office.window(number) else None
    if window is None:
        raise UnknownWindow(f"no window {number}", window=number)
    return window


@dataclass(frozen=True)
class LiveQueue:
    """What the expected wait is computed from, read once: the windows, who waits, the
    windows as desks of the replay, mean visits and the visitors still to come."""

    windows: list[Window]
    waiting: list[Ticket]
    means: dict[str, float]
    desks: list[prediction.DeskState]
    streams: list[prediction.Stream]


def read_live_queue(office: Office, times: ForecastInputs, tx: Unit, now: float) -> LiveQueue:
    windows = tx.windows()
    means = times.all(tx, office, now)
    return LiveQueue(
        windows, tx.waiting(office.day_of(now)), means,
        forecast.desk_states(office, windows, _currents_by_window(tx, windows), means, now),
        times.streams(tx, office, now))


def forecast_ticket(
    office: Office,
    policy: dispatch.Policy,
    times: ForecastInputs,
    tx: Unit,
    ticket: Ticket,
    now: float,
) -> tuple[int, float]:
    """People ahead of ``ticket`` and its expected wait, from the live state: predicted by
    replaying the queue on the open windows (docs/prediction.md); the naive estimate if no
    open window will call it."""
    live = read_live_queue(office, times, tx, now)
    predicted = forecast.predicted_wait(policy, live.desks, live.waiting, ticket, live.means,
                                        now, live.streams)
    return _ahead_and_wait(office, policy, live, ticket, predicted, now)


def _ahead_and_wait(office: Office, policy: dispatch.Policy, live: LiveQueue, ticket: Ticket,
                    predicted: float | None, now: float) -> tuple[int, float]:
    desks = forecast.serving_desks(office, live.windows, ticket.service)
    ahead = forecast.people_ahead(policy, desks, live.waiting, ticket, now)
    if predicted is not None:
        return ahead, predicted
    per_visitor = live.means.get(ticket.service, ticket.service_target)
    return ahead, forecast.expected_wait(ahead, per_visitor, len(desks))


def forecast_issue(
    office: Office,
    policy: dispatch.Policy,
    times: ForecastInputs,
    tx: Unit,
    ticket: Ticket,
    now: float,
) -> tuple[tuple[int, float], list[dict[str, object]]]:
    """``forecast_ticket`` of a ticket just issued and the ``queue_summaries`` its issue
    publishes, from one read and one replay."""
    live = read_live_queue(office, times, tx, now)
    per_service, predicted = forecast.queue_waits(office, policy, live.desks, live.waiting,
                                                  live.means, now, live.streams, ticket)
    return (_ahead_and_wait(office, policy, live, ticket, predicted, now),
            _summaries(office, live, per_service))


def _currents_by_window(tx: Unit, windows: list[Window]) -> dict[int, Ticket]:
    found = tx.tickets([w.ticket_id for w in windows if w.ticket_id is not None])
    return {w.number: found[w.ticket_id] for w in windows
            if w.ticket_id is not None and w.ticket_id in found}


def queue_summaries(
    office: Office, tx: Unit, now: float, times: ForecastInputs | None = None
) -> list[dict[str, object]]:
    """Per service: how many wait, and the predicted wait of a newcomer."""
    live = read_live_queue(office, times or ForecastInputs(), tx, now)
    predicted = forecast.newcomer_waits(office, dispatch.policy_for(office), live.desks,
                                        live.waiting, live.means, now, live.streams)
    return _summaries(office, live, predicted)


def _summaries(office: Office, live: LiveQueue,
               predicted: dict[str, float]) -> list[dict[str, object]]:
    counts = Counter(t.service for t in live.waiting)  # the waiting list is read already
    return forecast.queue_summaries(office, live.windows, counts, predicted)


class QueueReader:
    def __init__(self, office: Office, store: Store, clock: Callable[[], float]) -> None:
        self.office = office
        self.store = store
        self.clock = clock
        self.policy = dispatch.policy_for(office)
        self.times = ForecastInputs()

    def snapshot(self) -> c.SnapshotPayload:
        """Everything a screen shows, as one consistent picture; ``seq`` is the last event
        it includes."""
        now = self.clock()
        with self.store.read() as tx:
            windows = tx.windows()
            current = tx.tickets([w.ticket_id for w in windows if w.ticket_id is not None])
            return {
                "seq": tx.last_seq(),
                "at": now,
                "office": self.office.name,
                "windows": [
                    window_payload(w, self.office, current.get(w.ticket_id), now)
                    for w in windows
                    if self.office.window(w.number)
                ],
                "waiting": [ticket_payload(t, now) for t in tx.waiting(self.office.day_of(now))],
                "queues": queue_summaries(  # type: ignore[typeddict-item]
                    self.office, tx, now, self.times),
                "recent_calls": [ticket_payload(t, now) for t in tx.recent_calls(
                    self.office.day_of(now), RECENT_CALLS)],
            }

    def window_queue(self, actor: Actor, number: int) -> list[Ticket]:
        """Waiting tickets this window may serve, in the order it would call them."""
        actor.require(access.TICKET_READ)
        now = self.clock()
        with self.store.read() as tx:
            desk = forecast.desk_for(self.office, load_window(self.office, tx, number))
            return dispatch.rank(self.policy, desk, tx.waiting(self.office.day_of(now)), now)

    def ticket(self, actor: Actor, ticket_id: int) -> Ticket:
        actor.require(access.TICKET_READ)
        with self.store.read() as tx:
            ticket = tx.ticket(ticket_id)
        if ticket is None:
            raise UnknownTicket(f"no ticket {ticket_id}", ticket=ticket_id)
        return ticket

    def public_status(self, public_id: str) -> dict[str, object]:
        """What the visitor's phone may see: numbers only, never personal data."""
        now = self.clock()
        with self.store.read() as tx:
            ticket = tx.ticket_by_public_id(public_id)
            if ticket is None:
                raise UnknownTicket("no such ticket")
            ahead, expected = forecast_ticket(
                self.office, self.policy, self.times, tx, ticket, now
            )
        service = self.office.service(ticket.service)
        return {
            "label": ticket.label,
            "service": ticket.service,
            "service_name": service.name if service else ticket.service,
            "status": ticket.status.value,
            "window": ticket.window,
            "issued_at": ticket.issued_at,
            "ahead": ahead,
            "expected_wait": expected,
        }

    def consultant_day(self, actor: Actor) -> dict[str, object]:
        """Served, no-shows, mean service time and the share within target, today."""
        actor.require(access.WINDOW_ACT)
        with self.store.read() as tx:
            return tx.consultant_day(self.office.day_of(self.clock()), actor.name)

    def staff(self, actor: Actor) -> list[dict[str, object]]:
        """Colleagues a visitor may be transferred to: active consultants and admins."""
        actor.require(access.TICKET_READ)
        with self.store.read() as tx:
            return [
                {"username": s["username"], "name": s["name"] or s["username"],
                 "role": s["role"], "window": s["window"]}
                for s in tx.staff()
                if s["role"] in (c.ROLE_CONSULTANT, c.ROLE_ADMIN)
            ]

    def events(self, actor: Actor, since_seq: int, limit: int) -> list[dict[str, object]]:
        actor.require(access.EVENTS_READ)
        with self.store.read() as tx:
            return tx.events(since_seq, limit)
