"""The wire contract between the server and its clients (kiosk, boards, bridge, pages).

Event names, rooms and payload shapes. Standard library only: this is the one server module
that ``kiosk``, ``display`` and ``firmware_bridge`` may import.
"""

from __future__ import annotations

from typing import TypedDict

API_PREFIX = "/api/v1"

# Socket.IO: every client gets SNAPSHOT on connect, then events. Rooms: HALL_ROOM gets every
# event of the office; window_room(n) gets the events of window n only.
SNAPSHOT = "snapshot"
SUBSCRIBE = "subscribe"
HALL_ROOM = "hall"
# Staff screens: every event, and alerts in full. Devices in HALL_ROOM get alert events with
# their data left out (a board is a public screen), so their seq stays gap-free.
STAFF_ROOM = "staff"

TICKET_ISSUED = "ticket.issued"
TICKET_CALLED = "ticket.called"
TICKET_RECALLED = "ticket.recalled"
TICKET_STARTED = "ticket.started"
TICKET_TOPIC_ADDED = "ticket.topic_added"
TICKET_FINISHED = "ticket.finished"
TICKET_NO_SHOW = "ticket.no_show"
TICKET_POSTPONED = "ticket.postponed"
TICKET_TRANSFERRED = "ticket.transferred"
TICKET_CANCELLED = "ticket.cancelled"
TICKET_RATED = "ticket.rated"
WINDOW_CHANGED = "window.changed"
QUEUE_CHANGED = "queue.changed"
ALERT_RAISED = "alert.raised"
ALERT_ACKED = "alert.acked"
ALERT_RESOLVED = "alert.resolved"
ALERT_EVENTS = (ALERT_RAISED, ALERT_ACKED, ALERT_RESOLVED)
# Sent to the newest connection of the chosen kiosk only (not logged, no seq): print this
# ticket for a visitor the hall consultant is helping. A kiosk ignores a ticket id it has
# printed already (a replayed request sends it again).
PRINT_REQUESTED = "print.requested"

TICKET_EVENTS = (
    TICKET_ISSUED,
    TICKET_CALLED,
    TICKET_RECALLED,
    TICKET_STARTED,
    TICKET_TOPIC_ADDED,
    TICKET_FINISHED,
    TICKET_NO_SHOW,
    TICKET_POSTPONED,
    TICKET_TRANSFERRED,
    TICKET_CANCELLED,
    TICKET_RATED,
)
EVENTS = (*TICKET_EVENTS, WINDOW_CHANGED, QUEUE_CHANGED, *ALERT_EVENTS)

# Device token roles and staff roles.
ROLE_KIOSK = "kiosk"
ROLE_BOARD = "board"
ROLE_BRIDGE = "bridge"
ROLE_CONSULTANT = "consultant"
ROLE_HALL = "hall"
ROLE_HEAD = "head"
ROLE_ADMIN = "admin"
DEVICE_ROLES = (ROLE_KIOSK, ROLE_BOARD, ROLE_BRIDGE)
STAFF_ROLES = (ROLE_CONSULTANT, ROLE_HALL, ROLE_HEAD, ROLE_ADMIN)


def window_room(number: int) -> str:
    return f"window:{number}"


def kiosk_room(name: str) -> str:
    """Every connection of the kiosk device ``name`` joins this room."""
    return f"kiosk:{name}"


class TicketPayload(TypedDict):
    id: int
    label: str
    service: str
    segment: str
    category: str | None
    priority: bool
    status: str
    window: int | None
    issued_at: float
    waited: float
    wait_target: float
    recalls: int
    service_target: float
    called_at: float | None
    started_at: float | None


class WindowPayload(TypedDict):
    number: int
    name: str
    state: str
    user: str | None
    pause_reason: str | None
    ticket: TicketPayload | None
    since: float


class EventPayload(TypedDict):
    """Every pushed event. ``seq`` increases by one per logged change, so a gap means a lost
    event (reload the snapshot). ``queue.changed`` is a summary, not a logged change: it
    carries the ``seq`` of the last change it reflects."""

    seq: int
    kind: str
    at: float
    ticket: TicketPayload | None
    window: WindowPayload | None
    data: dict[str, object]


class AlertPayload(TypedDict):
    """``data`` of the alert events and the items of ``GET /alerts``. ``kind`` is one of
    staff_call, ticket_overdue, window_paused, out_of_turn, device_fault."""

    id: int
    kind: str
    key: str
    source: str
    message: str
    window: int | None
    ticket_id: int | None
    label: str | None
    data: dict[str, object]
    raised_at: float
    acked_at: float | None
    acked_by: str | None
    resolved_at: float | None
    response_time: float | None


class PrintRequest(TypedDict):
    """``print.requested``: what a kiosk needs to print a ticket issued by the hall."""

    ticket: TicketPayload
    public_id: str
    service_name: str
    ahead: int
    expected_wait: float
    requested_by: str


class ServiceQueue(TypedDict):
    service: str
    waiting: int
    expected_wait: float


class SnapshotPayload(TypedDict):
    seq: int
    at: float
    office: str
    windows: list[WindowPayload]
    waiting: list[TicketPayload]
    queues: list[ServiceQueue]
    recent_calls: list[TicketPayload]
