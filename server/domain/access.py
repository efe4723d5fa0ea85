"""Who may do what: roles of staff and devices, and the permissions each needs."""

from __future__ import annotations

from dataclasses import dataclass

from server.contract import (
    ROLE_ADMIN,
    ROLE_BOARD,
    ROLE_BRIDGE,
    ROLE_CONSULTANT,
    ROLE_HALL,
    ROLE_HEAD,
    ROLE_KIOSK,
)
from server.domain.errors import Forbidden

QUEUE_READ = "queue.read"  # what a board shows: labels, windows, counts
TICKET_READ = "ticket.read"  # staff detail of tickets: notes, routing, outcomes
TICKET_ISSUE = "ticket.issue"
TICKET_ISSUE_SPECIAL = "ticket.issue_special"  # choose segment (VIP, legal) for a visitor
TICKET_CANCEL = "ticket.cancel"
WINDOW_ACT = "window.act"
WINDOW_ANY = "window.any"  # act at any window, not only one's own
EVENTS_READ = "events.read"
ALERT_RAISE = "alert.raise"  # a staff-call button, a device reporting a fault
ALERT_ACK = "alert.ack"  # see the hall's alerts and acknowledge them
VISIT_RATE = "visit.rate"  # a rating pad's 1-5 for the visit at its window
BOOKING_MANAGE = "booking.manage"  # book for a caller, see bookings with name and phone
BOOKING_CHECK_IN = "booking.check_in"  # check a booked visitor in by code (kiosk, hall)

PERMISSIONS: dict[str, frozenset[str]] = {
    ROLE_KIOSK: frozenset({QUEUE_READ, TICKET_ISSUE, ALERT_RAISE, BOOKING_CHECK_IN}),
    ROLE_BOARD: frozenset({QUEUE_READ}),
    ROLE_BRIDGE: frozenset({QUEUE_READ, WINDOW_ACT, ALERT_RAISE, VISIT_RATE}),
    ROLE_CONSULTANT: frozenset({QUEUE_READ, TICKET_READ, WINDOW_ACT}),
    ROLE_HALL: frozenset(
        {QUEUE_READ, TICKET_READ, TICKET_ISSUE, TICKET_ISSUE_SPECIAL, TICKET_CANCEL, ALERT_ACK,
         BOOKING_MANAGE, BOOKING_CHECK_IN}
    ),
    ROLE_HEAD: frozenset({QUEUE_READ, TICKET_READ, EVENTS_READ, ALERT_ACK}),
    ROLE_ADMIN: frozenset(
        {
            QUEUE_READ,
            TICKET_READ,
            TICKET_ISSUE,
            TICKET_ISSUE_SPECIAL,
            TICKET_CANCEL,
            WINDOW_ACT,
            WINDOW_ANY,
            EVENTS_READ,
            ALERT_RAISE,
            ALERT_ACK,
            VISIT_RATE,
            BOOKING_MANAGE,
            BOOKING_CHECK_IN,
        }
    ),
}


@dataclass(frozen=True)
class Actor:
    """A logged-in staff member or an authenticated device.

    ``windows`` limits a bridge token to the windows whose boards it drives (None: all).
    """

    name: str
    role: str
    is_device: bool = False
    windows: frozenset[int] | None = None

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(
                f"{self.role} {self.name!r} may not {permission}",
                role=self.role,
                permission=permission,
            )
