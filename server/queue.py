"""Queue use cases that change something: issue a ticket, act at a window, cancel.

Each use case runs in one store write transaction: it loads what it needs, lets the domain
objects decide (raising before anything is written if the move is illegal), writes the new
state and the event log entries, and commits. Only after the commit are the events published,
so nobody is told about a change that could still be lost. Reads live in
``server.snapshots``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from server import contract as c
from server.domain import access, dispatch
from server.domain.access import Actor
from server.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    OfficeClosed,
    QueueEmpty,
    UnknownService,
    UnknownTicket,
    UnknownWindow,
)
from server.domain.events import Event
from server.domain.forecast import desk_for
from server.domain.office import Office
from server.domain.tickets import Ticket, TicketStatus, format_label, label_candidates
from server.domain.windows import PauseReason, Window, WindowState
from server.payloads import event_payload
from server.ports import Notifier, Store, Unit
from server.snapshots import (
    ForecastInputs,
    forecast_issue,
    forecast_ticket,
    load_window,
    queue_summaries,
)

# Events after which the per-service queue summary (counts, expected waits) may differ:
# the waiting set changed, or a window opened, closed or paused.
CHANGES_QUEUE = frozenset({
    c.TICKET_ISSUED, c.TICKET_CALLED, c.TICKET_POSTPONED, c.TICKET_TRANSFERRED,
    c.TICKET_CANCELLED, c.WINDOW_CHANGED,
})


# A rating pad rates the visit that just ended at its window, not one from an hour ago.
RATING_WINDOW = 5 * 60.0


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    ahead: int
    expected_wait: float
    replayed: bool


class QueueService:
    def __init__(
        self, office: Office, store: Store, notifier: Notifier, clock: Callable[[], float]
    ) -> None:
        self.office = office
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.policy = dispatch.policy_for(office)
        self.times = ForecastInputs()
        self._order = threading.Lock()

    # Helpers -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create the rows of configured windows. Called once at start-up."""
        with self.store.write() as tx:
            tx.ensure_windows([w.number for w in self.office.windows], self.clock())

    def transact(self, run: Callable[[Unit, float], list[Event]]) -> list[Event]:
        """Run ``run`` as one write transaction in the queue's event order, then publish its
        events. For sibling use cases (alerts) whose events share the queue's log."""
        return self._commit(run)

    def _commit(self, run: Callable[[Unit, float], list[Event]],
                summaries: Callable[[], list[dict[str, object]] | None] | None = None,
                ) -> list[Event]:
        """Run ``run`` in one write transaction, log its events, then publish them with the
        new queue summaries if the queue changed (``summaries`` may hand over ones ``run``
        computed already)."""
        now = self.clock()
        # The order lock spans commit and publish, so clients get events in commit order
        # even when the server runs requests on several threads.
        with self._order, self.store.write() as tx:
            events = self._close_past_days(tx, now) + run(tx, now)
            logged = [replace(e, seq=tx.append_event(e)) for e in events]
            changes_queue = any(e.kind in CHANGES_QUEUE for e in logged)
            queues = None
            if changes_queue:
                queues = (summaries() if summaries else None) or queue_summaries(
                    self.office, tx, now, self.times)
            seq = logged[-1].seq if logged else 0
            tx.commit()
            payloads: list[dict[str, object]] = [
                dict(event_payload(e, self.office)) for e in logged
            ]
            if queues is not None:
                payloads.append(
                    {"seq": seq, "kind": c.QUEUE_CHANGED, "at": now, "ticket": None,
                     "window": None, "data": {"queues": queues}}
                )
            self.notifier.publish(payloads)
        return logged

    def _close_past_days(self, tx: Unit, now: float) -> list[Event]:
        """Tickets still waiting from a previous office day are nobody's turn any more: they
        are cancelled (logged, with the reason) instead of jumping today's queue."""
        events = []
        for ticket in tx.waiting_before(self.office.day_of(now)):
            ticket.cancel(now, "office day ended")
            tx.update_ticket(ticket)
            events.append(Event(c.TICKET_CANCELLED, now, None, ticket=ticket,
                                data={"reason": "day_closed"}))
        return events

    # Issuing -------------------------------------------------------------------------------

    def issue(
        self,
        actor: Actor,
        service: str,
        *,
        segment: str | None = None,
        category: str | None = None,
        idempotency_key: str | None = None,
        appointment_at: float | None = None,
        key_scope: str | None = None,
    ) -> Issued:
        """Issue a ticket. Repeating a request with the same idempotency key returns the same
        ticket instead of a new one; the same key with a different request is a conflict.
        Keys are each caller's own unless ``key_scope`` names a scope shared by all callers
        (a booking's check-in gives one ticket whether the kiosk or the hall checks it in)."""
        actor.require(access.TICKET_ISSUE)
        svc = self.office.service(service)
        if svc is None:
            raise UnknownService(f"unknown service {service!r}", service=service)
        if segment is not None and not actor.can(access.TICKET_ISSUE_SPECIAL):
            raise Forbidden(f"{actor.role} may not choose a segment", role=actor.role)
        seg_code = segment or svc.segment or self.office.default_segment
        seg = self.office.segment(seg_code)
        if seg is None:
            raise InvalidInput(f"unknown segment {seg_code!r}", segment=seg_code)
        if category is not None and self.office.category(category) is None:
            raise InvalidInput(f"unknown out-of-turn category {category!r}", category=category)
        request = {"service": service, "segment": segment, "category": category}
        digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
        scope = key_scope if key_scope is not None else f"{actor.role}:{actor.name}"
        key = f"{scope}:{idempotency_key}" if idempotency_key else None
        result: list[Issued] = []

        def run(tx: Unit, now: float) -> list[Event]:
            if key is not None and (found := tx.ticket_by_idempotency(key)) is not None:
                ticket, old_digest = found
                if old_digest != digest:
                    raise Conflict(
                        "idempotency key reused for a different request", key=idempotency_key
                    )
                result.append(self._issued(tx, ticket, now, replayed=True))
                return []
            local = datetime.fromtimestamp(now, self.office.zone)
            refusal = self.office.schedule.refuse_issue(local)
            if refusal is not None:
                raise OfficeClosed(f"tickets are not issued now: {refusal.value}",
                                   reason=refusal.value)
            day = self.office.day_of(now)
            number = tx.next_number(day, svc.prefix)
            wait_target = self.office.wait_target(svc, seg)
            if appointment_at is not None:
                wait_target = min(wait_target, 60.0 * self.office.dispatch.appointment_wait_min)
            ticket = Ticket(
                day=day,
                number=number,
                label=format_label(svc.prefix, number),
                service=svc.code,
                segment=seg.code,
                issued_at=now,
                wait_target=wait_target,
                service_target=self.office.service_target(svc, seg),
                public_id=secrets.token_urlsafe(12),
                category=category,
                priority=svc.priority,
                source=actor.role,
                appointment_at=appointment_at,
            )
            ticket.id = tx.insert_ticket(ticket, key, digest)
            (ahead, expected), queues = forecast_issue(self.office, self.policy, self.times,
                                                       tx, ticket, now)
            published.append(queues)
            result.append(Issued(ticket, ahead, expected, replayed=False))
            return [Event(c.TICKET_ISSUED, now, actor.name, ticket=ticket,
                          data={"source": actor.role})]

        # The summary the issue publishes comes from the replay that predicted its wait.
        published: list[list[dict[str, object]]] = []
        self._commit(run, lambda: published[0] if published else None)
        return result[0]

    def _issued(self, tx: Unit, ticket: Ticket, now: float, *, replayed: bool) -> Issued:
        ahead, expected = forecast_ticket(
            self.office, self.policy, self.times, tx, ticket, now
        )
        return Issued(ticket=ticket, ahead=ahead, expected_wait=expected, replayed=replayed)

    # Windows -------------------------------------------------------------------------------

    def _act(self, actor: Actor, tx: Unit, number: int) -> Window:
        """The window ``actor`` acts at, after checking it is theirs to act at."""
        actor.require(access.WINDOW_ACT)
        window = load_window(self.office, tx, number)
        if actor.can(access.WINDOW_ANY):
            return window
        if actor.is_device:
            if actor.windows is not None and number not in actor.windows:
                raise Forbidden(f"device {actor.name!r} is not bound to window {number}")
            return window
        if window.state is not WindowState.CLOSED and window.user != actor.name:
            raise Forbidden(
                f"window {number} is open for {window.user!r}, not {actor.name!r}",
                window=number,
            )
        return window

    def _current(self, tx: Unit, window: Window, action: str) -> Ticket:
        window.require_busy(action)
        ticket = tx.ticket(window.ticket_id or 0)
        if ticket is None:  # pragma: no cover - would mean a corrupt database
            raise UnknownTicket(f"window {window.number} points at a missing ticket")
        return ticket

    def _window_event(self, window: Window, actor: Actor, now: float) -> Event:
        # The state goes into the log too: window utilisation is replayed from it.
        data: dict[str, object] = {"state": window.state.value}
        if window.pause_reason is not None:
            data["pause_reason"] = window.pause_reason.value
        return Event(c.WINDOW_CHANGED, now, actor.name, window=window, data=data)

    def open_window(self, actor: Actor, number: int) -> Window:
        def run(tx: Unit, now: float) -> list[Event]:
            window = self._act(actor, tx, number)
            if not actor.is_device:
                for other in tx.windows():
                    if other.user == actor.name and other.state is not WindowState.CLOSED:
                        raise Conflict(
                            f"{actor.name!r} already has window {other.number} open",
                            window=other.number,
                        )
            window.open(None if actor.is_device else actor.name, now)
            tx.update_window(window)
            out.append(window)
            return [self._window_event(window, actor, now)]

        out: list[Window] = []
        self._commit(run)
        return out[0]

    def _window_move(self, actor: Actor, number: int,
                     move: Callable[[Window, float], None]) -> Window:
        out: list[Window] = []

        def run(tx: Unit, now: float) -> list[Event]:
            window = self._act(actor, tx, number)
            move(window, now)
            tx.update_window(window)
            out.append(window)
            return [self._window_event(window, actor, now)]

        self._commit(run)
        return out[0]

    def close_window(self, actor: Actor, number: int) -> Window:
        return self._window_move(actor, number, lambda w, now: w.close(now))

    def pause_window(self, actor: Actor, number: int, reason: str) -> Window:
        try:
            why = PauseReason(reason)
        except ValueError:
            raise InvalidInput(
                f"unknown pause reason {reason!r}",
                allowed=[r.value for r in PauseReason],
            ) from None
        return self._window_move(actor, number, lambda w, now: w.pause(why, now))

    def resume_window(self, actor: Actor, number: int) -> Window:
        return self._window_move(actor, number, lambda w, now: w.resume(now))

    def call_next(self, actor: Actor, number: int) -> Ticket:
        """Call the visitor dispatch picks for this window. Atomic: the write lock is held
        from reading the queue to marking the ticket called, so two windows never get one
        visitor."""
        return self._call(actor, number, pick=None)

    def call_ticket(self, actor: Actor, number: int, label: str) -> Ticket:
        """Call a specific waiting ticket (by label, today's) at this window."""
        return self._call(actor, number, pick=label)

    def _call(self, actor: Actor, number: int, pick: str | None) -> Ticket:
        out: list[Ticket] = []

        def run(tx: Unit, now: float) -> list[Event]:
            window = self._act(actor, tx, number)
            window.require_idle("call")
            if pick is None:
                desk = desk_for(self.office, window)
                ticket = dispatch.choose(
                    self.policy, desk, tx.waiting(self.office.day_of(now)), now
                )
                if ticket is None:
                    raise QueueEmpty(f"nobody is waiting for window {number}", window=number)
            else:
                day = self.office.day_of(now)
                found = (tx.ticket_by_label(day, label) for label in label_candidates(pick))
                ticket = next((t for t in found if t is not None), None)
                if ticket is None:
                    raise UnknownTicket(f"no ticket {pick!r} today", label=pick)
            ticket.call(number, window.user or actor.name, now)
            window.begin_call(ticket.id or 0, now)
            tx.update_ticket(ticket)
            tx.update_window(window)
            out.append(ticket)
            return [
                Event(c.TICKET_CALLED, now, actor.name, ticket=ticket, window=window,
                      data={"specific": pick is not None}),
            ]

        self._commit(run)
        return out[0]

    def _ticket_move(
        self,
        actor: Actor,
        number: int,
        kind: str,
        action: str,
        move: Callable[[Unit, Ticket, Window, float], dict[str, object] | None],
    ) -> Ticket:
        """Run ``move(tx, ticket, window, now)`` on the visitor at window ``number``."""
        out: list[Ticket] = []

        def run(tx: Unit, now: float) -> list[Event]:
            window = self._act(actor, tx, number)
            ticket = self._current(tx, window, action)
            data = move(tx, ticket, window, now) or {}
            tx.update_ticket(ticket)
            tx.update_window(window)
            out.append(ticket)
            return [Event(kind, now, actor.name, ticket=ticket, window=window, data=data)]

        self._commit(run)
        return out[0]

    def recall(self, actor: Actor, number: int) -> Ticket:
        def move(tx: Unit, t: Ticket, w: Window, now: float) -> dict[str, object]:
            w.require_calling("recall")
            t.recall(now)
            return {"recalls": t.recalls}

        return self._ticket_move(actor, number, c.TICKET_RECALLED, "recall", move)

    def start(self, actor: Actor, number: int) -> Ticket:
        def move(tx: Unit, t: Ticket, w: Window, now: float) -> None:
            t.start(now)
            w.start(now)

        return self._ticket_move(actor, number, c.TICKET_STARTED, "start", move)

    def add_topic(self, actor: Actor, number: int, service: str) -> Ticket:
        self._require_service(service)

        def move(tx: Unit, t: Ticket, w: Window, now: float) -> dict[str, object]:
            t.add_topic(service)
            return {"topic": service}

        return self._ticket_move(actor, number, c.TICKET_TOPIC_ADDED, "record a topic", move)

    def finish(self, actor: Actor, number: int, outcome: str | None = None,
               topics: list[str] | None = None) -> Ticket:
        for topic in topics or []:
            self._require_service(topic)

        def move(tx: Unit, t: Ticket, w: Window, now: float) -> dict[str, object]:
            t.finish(now, outcome, list(topics or []))
            w.release(now)
            return {"outcome": outcome, "topics": list(t.topics)}

        return self._ticket_move(actor, number, c.TICKET_FINISHED, "finish", move)

    def rate(self, actor: Actor, number: int, rating: int) -> Ticket:
        """A rating pad's 1-5 for the visit at window ``number``: the one being served, else
        the one that just ended there (within RATING_WINDOW)."""
        actor.require(access.VISIT_RATE)
        out: list[Ticket] = []

        def run(tx: Unit, now: float) -> list[Event]:
            window = self._act(actor, tx, number)
            ticket = tx.ticket(window.ticket_id) if window.ticket_id is not None else None
            if ticket is None or ticket.status is not TicketStatus.SERVING:
                ticket = tx.last_visit_at(self.office.day_of(now), number)
                if ticket is None or now - (ticket.finished_at or 0.0) > RATING_WINDOW:
                    raise InvalidTransition(f"no visit to rate at window {number}",
                                            window=number)
            ticket.rate(rating)
            tx.update_ticket(ticket)
            out.append(ticket)
            return [Event(c.TICKET_RATED, now, actor.name, ticket=ticket,
                          data={"rating": rating})]

        self._commit(run)
        return out[0]

    def no_show(self, actor: Actor, number: int) -> Ticket:
        def move(tx: Unit, t: Ticket, w: Window, now: float) -> None:
            t.mark_no_show(now)
            w.release(now)

        return self._ticket_move(actor, number, c.TICKET_NO_SHOW, "mark a no-show", move)

    def postpone(self, actor: Actor, number: int, reason: str) -> Ticket:
        def move(tx: Unit, t: Ticket, w: Window, now: float) -> dict[str, object]:
            t.postpone(now, reason)
            w.release(now)
            return {"reason": reason}

        return self._ticket_move(actor, number, c.TICKET_POSTPONED, "postpone", move)

    def transfer(
        self,
        actor: Actor,
        number: int,
        *,
        service: str | None = None,
        window: int | None = None,
        user: str | None = None,
        comment: str = "",
    ) -> Ticket:
        """Send the current visitor to another service, window or colleague."""
        if service is None and window is None and user is None:
            raise InvalidInput("transfer needs a service, a window or a colleague")
        if service is not None:
            self._require_service(service)
        if window is not None and self.office.window(window) is None:
            raise UnknownWindow(f"no window {window}", window=window)
        if window == number:
            raise InvalidInput("cannot transfer a visitor to the same window")

        def move(tx: Unit, t: Ticket, w: Window, now: float) -> dict[str, object]:
            if user is not None and user == (w.user or actor.name):
                raise InvalidInput("cannot transfer a visitor to yourself")
            self._require_someone_there(tx, window, user)
            if service == t.service and window is None and user is None:
                raise InvalidInput(f"{t.label} is already in service {service!r}")
            before = t.service
            t.transfer(now, service=service, window=window, user=user, comment=comment,
                       to_back=self.office.dispatch.requeue_transfers_at_back)
            w.release(now)
            return {"from_service": before, "service": service, "to_window": window,
                    "to_user": user, "comment": comment}

        return self._ticket_move(actor, number, c.TICKET_TRANSFERRED, "transfer", move)

    def cancel(self, actor: Actor, ticket_id: int, reason: str) -> Ticket:
        actor.require(access.TICKET_CANCEL)
        out: list[Ticket] = []

        def run(tx: Unit, now: float) -> list[Event]:
            ticket = tx.ticket(ticket_id)
            if ticket is None:
                raise UnknownTicket(f"no ticket {ticket_id}", ticket=ticket_id)
            ticket.cancel(now, reason)
            tx.update_ticket(ticket)
            out.append(ticket)
            return [Event(c.TICKET_CANCELLED, now, actor.name, ticket=ticket,
                          data={"reason": reason})]

        self._commit(run)
        return out[0]

    def _require_someone_there(self, tx: Unit, window: int | None, user: str | None) -> None:
        """Refuse to send a visitor to a closed window, or to anyone but an active colleague
        who serves at an open window: nobody else would ever call him. (A paused window is
        fine: the pause ends.) Checked inside the transfer's own transaction."""
        if user is not None:
            record = tx.user(user)
            if record is None or not record["active"]:
                raise InvalidInput(f"no colleague {user!r}", user=user)
            if not Actor(user, str(record["role"])).can(access.WINDOW_ACT):
                raise InvalidInput(f"{user!r} does not serve at a window", user=user)
        if window is None and user is None:
            return
        working = {w.number: w.user for w in tx.windows() if w.state is not WindowState.CLOSED}
        if window is not None and window not in working:
            raise InvalidInput(f"window {window} is closed", window=window)
        if user is not None and user not in working.values():
            raise InvalidInput(f"{user!r} is not at an open window", user=user)

    def _require_service(self, code: str) -> None:
        if self.office.service(code) is None:
            raise UnknownService(f"unknown service {code!r}", service=code)
