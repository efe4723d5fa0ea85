"""Alert use cases: a staff-call press, a device fault, acknowledging, and the periodic sweep
that raises and resolves the alerts the queue's state calls for (``server.domain.alerts``).

Alert changes are logged events in the queue's own log (``alert.raised``, ``alert.acked``,
``alert.resolved``), written and published through ``QueueService.transact`` so clients see
one gap-free sequence. The sweep reads first and writes only when something changed, so an
idle office costs no write transactions.
"""

from __future__ import annotations

from dataclasses import dataclass

from server import contract as c
from server.domain import access
from server.domain.access import Actor
from server.domain.alerts import (
    Alert,
    AlertKind,
    Sweep,
    device_fault_key,
    staff_call_key,
    sweep,
)
from server.domain.errors import Forbidden, UnknownAlert, UnknownWindow
from server.domain.events import Event
from server.ports import Unit
from server.queue import QueueService

# Causes alerted about this recently are not alerted about again (see domain.alerts.sweep).
MEMORY = 24 * 3600.0
SWEEP_INTERVAL = 5.0  # seconds between sweeps in ``talon serve``


def alert_payload(alert: Alert) -> c.AlertPayload:
    return {
        "id": alert.id or 0,
        "kind": alert.kind.value,
        "key": alert.key,
        "source": alert.source,
        "message": alert.message,
        "window": alert.window,
        "ticket_id": alert.ticket_id,
        "label": alert.label,
        "data": dict(alert.data),
        "raised_at": alert.raised_at,
        "acked_at": alert.acked_at,
        "acked_by": alert.acked_by,
        "resolved_at": alert.resolved_at,
        "response_time": alert.response_time,
    }


def _event(kind: str, alert: Alert, now: float, user: str | None) -> Event:
    return Event(kind, now, user, data=dict(alert_payload(alert)))


@dataclass(frozen=True)
class Raised:
    alert: Alert
    created: bool  # False: the same cause already had an open alert, which is returned


class AlertService:
    def __init__(self, queue: QueueService) -> None:
        self.queue = queue
        self.office = queue.office
        self.store = queue.store

    def _raise(self, alert: Alert) -> Raised:
        result: list[Raised] = []

        def run(tx: Unit, now: float) -> list[Event]:
            existing = tx.open_alert(alert.kind, alert.key)
            if existing is not None:
                result.append(Raised(existing, created=False))
                return []
            alert.raised_at = now
            alert.id = tx.insert_alert(alert)
            result.append(Raised(alert, created=True))
            return [_event(c.ALERT_RAISED, alert, now, alert.source)]

        self.queue.transact(run)
        return result[0]

    def staff_call(
        self, actor: Actor, button: str | None = None, window: int | None = None
    ) -> Raised:
        """A «Вызов персонала» press (``button`` names one of the device's buttons, ``window``
        the desk it hangs at). Pressing again while the alert is open changes nothing."""
        actor.require(access.ALERT_RAISE)
        if window is not None and self.office.window(window) is None:
            raise UnknownWindow(f"no window {window}", window=window)
        if window is not None and actor.windows is not None and window not in actor.windows:
            raise Forbidden(f"device {actor.name!r} is not bound to window {window}",
                            window=window)
        return self._raise(Alert(
            AlertKind.STAFF_CALL, staff_call_key(actor.name, button, window), 0.0, actor.name,
            window=window, data={"button": button} if button else {},
        ))

    def report_fault(self, actor: Actor, code: str, message: str) -> Raised:
        """A device reports a fault (a printer out of paper, a silent board)."""
        actor.require(access.ALERT_RAISE)
        return self._raise(Alert(
            AlertKind.DEVICE_FAULT, device_fault_key(actor.name, code), 0.0, actor.name,
            message=message, data={"code": code},
        ))

    def clear_fault(self, actor: Actor, code: str) -> Alert | None:
        """The device says the fault is gone: its open alert is resolved (None if none)."""
        actor.require(access.ALERT_RAISE)
        result: list[Alert | None] = []

        def run(tx: Unit, now: float) -> list[Event]:
            alert = tx.open_alert(AlertKind.DEVICE_FAULT, device_fault_key(actor.name, code))
            result.append(alert)
            if alert is None:
                return []
            alert.resolve(now)
            tx.update_alert(alert)
            return [_event(c.ALERT_RESOLVED, alert, now, actor.name)]

        self.queue.transact(run)
        return result[0]

    def acknowledge(self, actor: Actor, alert_id: int) -> Alert:
        """A person has seen to it; the response time is kept with the alert."""
        actor.require(access.ALERT_ACK)  # staff roles only: no device may acknowledge
        result: list[Alert] = []

        def run(tx: Unit, now: float) -> list[Event]:
            alert = tx.alert(alert_id)
            if alert is None:
                raise UnknownAlert(f"no alert {alert_id}", alert=alert_id)
            alert.acknowledge(actor.name, now)
            tx.update_alert(alert)
            result.append(alert)
            return [_event(c.ALERT_ACKED, alert, now, actor.name)]

        self.queue.transact(run)
        return result[0]

    def alerts(self, actor: Actor, *, include_closed: bool = False) -> list[Alert]:
        """Open alerts, oldest first; with ``include_closed`` the last day's, newest first."""
        actor.require(access.ALERT_ACK)
        with self.store.read() as tx:
            if include_closed:
                return tx.alerts_since(self.queue.clock() - MEMORY)
            return tx.open_alerts()

    def sweep(self) -> int:
        """Raise and resolve the alerts the queue's state calls for; returns the changes."""
        with self.store.read() as tx:
            if self._found(tx, self.queue.clock()).empty:
                return 0
        changes: list[int] = []

        def run(tx: Unit, now: float) -> list[Event]:
            found = self._found(tx, now)  # again: the state may have moved since the read
            events = []
            for alert in found.resolve:
                alert.resolve(now)
                tx.update_alert(alert)
                events.append(_event(c.ALERT_RESOLVED, alert, now, None))
            for alert in found.raise_:
                alert.id = tx.insert_alert(alert)
                events.append(_event(c.ALERT_RAISED, alert, now, None))
            changes.append(len(events))
            return events

        self.queue.transact(run)
        return changes[0]

    def _found(self, tx: Unit, now: float) -> Sweep:
        return sweep(
            waiting=tx.waiting(self.office.day_of(now)),
            windows=tx.windows(),
            open_alerts=tx.open_alerts(),
            known=tx.alert_causes_since(now - MEMORY),
            now=now,
            pause_limit=60.0 * self.office.alerts.pause_max_min,
            lunch_limit=60.0 * self.office.alerts.lunch_max_min,
        )
