"""Domain objects to the wire shapes in ``server.contract``. Pure: no Flask, no SQLite."""

from __future__ import annotations

from server.contract import EventPayload, TicketPayload, WindowPayload
from server.domain.events import Event
from server.domain.office import Office
from server.domain.tickets import Ticket
from server.domain.windows import Window


def ticket_payload(ticket: Ticket, now: float) -> TicketPayload:
    return {
        "id": ticket.id or 0,
        "label": ticket.label,
        "service": ticket.service,
        "segment": ticket.segment,
        "category": ticket.category,
        "priority": ticket.priority,
        "status": ticket.status.value,
        "window": ticket.window,
        "issued_at": ticket.issued_at,
        "waited": ticket.waited(now),
        "wait_target": ticket.wait_target,
        "recalls": ticket.recalls,
        "service_target": ticket.service_target,
        "called_at": ticket.called_at,
        "started_at": ticket.started_at,
    }


def staff_ticket_payload(ticket: Ticket, now: float) -> dict[str, object]:
    """The full ticket for staff screens: routing, notes, topics, times."""
    return {
        **ticket_payload(ticket, now),
        "queue_since": ticket.queue_since,
        "finished_at": ticket.finished_at,
        "postponements": ticket.postponements,
        "transfers": ticket.transfers,
        "routed_window": ticket.routed_window,
        "routed_user": ticket.routed_user,
        "user": ticket.user,
        "note": ticket.note,
        "outcome": ticket.outcome,
        "topics": list(ticket.topics),
        "rating": ticket.rating,
        "appointment_at": ticket.appointment_at,
        "public_id": ticket.public_id,
    }


def window_payload(
    window: Window, office: Office, ticket: Ticket | None, now: float
) -> WindowPayload:
    config = office.window(window.number)
    return {
        "number": window.number,
        "name": config.name if config else "",
        "state": window.state.value,
        "user": window.user,
        "pause_reason": window.pause_reason.value if window.pause_reason else None,
        "ticket": ticket_payload(ticket, now) if ticket else None,
        "since": window.since,
    }


def event_payload(event: Event, office: Office) -> EventPayload:
    ticket = event.ticket
    window = event.window
    current = ticket if window and ticket and window.ticket_id == ticket.id else None
    return {
        "seq": event.seq,
        "kind": event.kind,
        "at": event.at,
        "ticket": ticket_payload(ticket, event.at) if ticket else None,
        "window": window_payload(window, office, current, event.at) if window else None,
        "data": dict(event.data),
    }
