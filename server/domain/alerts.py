"""Hall alerts: what the hall consultant must attend to, and when an alert is over.

An alert is about one thing, named by ``(kind, key)``: a staff-call button («Вызов
персонала»), a visitor waiting past their target, a window paused too long, an entitled
visitor who took an out-of-turn ticket at a kiosk and needs help, or a device fault (a
printer out of paper, a board that stopped answering). At most one alert per ``(kind, key)``
is open at a time, so a hammered button raises one alert, not ten.

An alert ends in one of two ways: a person acknowledges it (its response time is recorded:
the statistics report staff-call response times), or its cause goes away by itself (the
overdue visitor was called, the window resumed, the device reported the fault cleared) and
it is resolved. Conditions found by ``sweep`` are raised once per cause: an acknowledged
overdue alert for a ticket is not raised again for the same ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from server.domain.errors import InvalidTransition
from server.domain.tickets import Ticket
from server.domain.windows import PauseReason, Window, WindowState


class AlertKind(str, Enum):
    STAFF_CALL = "staff_call"
    TICKET_OVERDUE = "ticket_overdue"
    WINDOW_PAUSED = "window_paused"
    OUT_OF_TURN = "out_of_turn"
    DEVICE_FAULT = "device_fault"


# Raised and resolved by ``sweep`` from the queue's state; the others come from devices.
SWEPT = frozenset({AlertKind.TICKET_OVERDUE, AlertKind.WINDOW_PAUSED, AlertKind.OUT_OF_TURN})


@dataclass
class Alert:
    kind: AlertKind
    key: str
    raised_at: float
    source: str
    message: str = ""
    window: int | None = None
    ticket_id: int | None = None
    label: str | None = None
    data: dict[str, object] = field(default_factory=dict)
    id: int | None = None
    acked_at: float | None = None
    acked_by: str | None = None
    resolved_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.acked_at is None and self.resolved_at is None

    @property
    def response_time(self) -> float | None:
        """Seconds from raising to a person's acknowledgement (None if nobody acknowledged)."""
        return None if self.acked_at is None else self.acked_at - self.raised_at

    def acknowledge(self, user: str, now: float) -> None:
        if not self.is_open:
            raise InvalidTransition(
                f"alert {self.id} is already {'acknowledged' if self.acked_at else 'resolved'}",
                alert=self.id,
            )
        self.acked_at, self.acked_by = now, user

    def resolve(self, now: float) -> None:
        if not self.is_open:
            raise InvalidTransition(f"alert {self.id} is no longer open", alert=self.id)
        self.resolved_at = now


def staff_call_key(source: str, button: str | None, window: int | None = None) -> str:
    """One cause per device, button and desk: a bridge serving several windows raises one
    alert per window, not one for all of them."""
    key = f"{source}/{button}" if button else source
    return f"{key}@{window}" if window is not None else key


def device_fault_key(source: str, code: str) -> str:
    return f"{source}/{code}"


@dataclass(frozen=True)
class Sweep:
    """What a sweep found: alerts to raise and open alerts whose cause has gone."""

    raise_: list[Alert]
    resolve: list[Alert]

    @property
    def empty(self) -> bool:
        return not self.raise_ and not self.resolve


def sweep(
    *,
    waiting: Iterable[Ticket],
    windows: Iterable[Window],
    open_alerts: Iterable[Alert],
    known: set[tuple[AlertKind, str]],
    now: float,
    pause_limit: float,
    lunch_limit: float | None = None,
) -> Sweep:
    """Alerts the queue's state calls for now. ``known`` holds the ``(kind, key)`` of every
    recent alert, open or not, so a cause is alerted about once."""
    wanted: dict[tuple[AlertKind, str], Alert] = {}
    for ticket in waiting:
        key = f"ticket:{ticket.id}"
        if ticket.category is not None and ticket.source == "kiosk":
            wanted[(AlertKind.OUT_OF_TURN, key)] = Alert(
                AlertKind.OUT_OF_TURN, key, now, "system", ticket_id=ticket.id,
                label=ticket.label, data={"category": ticket.category},
            )
        if ticket.waited(now) > ticket.wait_target:
            wanted[(AlertKind.TICKET_OVERDUE, key)] = Alert(
                AlertKind.TICKET_OVERDUE, key, now, "system", ticket_id=ticket.id,
                label=ticket.label,
                data={"waited": ticket.waited(now), "wait_target": ticket.wait_target},
            )
    for window in windows:
        limit = pause_limit
        if window.pause_reason is PauseReason.LUNCH and lunch_limit is not None:
            limit = lunch_limit
        if window.state is WindowState.PAUSED and now - window.since > limit:
            # One alert per pause: a new pause of the same window is a new cause.
            key = f"window:{window.number}:{window.since:.0f}"
            wanted[(AlertKind.WINDOW_PAUSED, key)] = Alert(
                AlertKind.WINDOW_PAUSED, key, now, "system", window=window.number,
                data={"paused_for": now - window.since,
                      "reason": window.pause_reason.value if window.pause_reason else None},
            )
    to_raise = [alert for ident, alert in wanted.items() if ident not in known]
    to_resolve = [
        alert for alert in open_alerts
        if alert.kind in SWEPT and (alert.kind, alert.key) not in wanted
    ]
    return Sweep(to_raise, to_resolve)
