"""Alert rules: when the queue's state calls for an alert, and when an alert is over."""

from __future__ import annotations

import pytest

from server.domain.alerts import Alert, AlertKind, staff_call_key, sweep
from server.domain.errors import InvalidTransition
from server.domain.windows import PauseReason, Window, WindowState
from tests.server.domain.factories import MINUTE, T0, make_ticket

PAUSE_LIMIT = 15 * MINUTE
LUNCH_LIMIT = 60 * MINUTE


def found(*, waiting=(), windows=(), open_alerts=(), known=None, now=T0):  # type: ignore[no-untyped-def]
    return sweep(waiting=waiting, windows=windows, open_alerts=open_alerts,
                 known=known or set(), now=now, pause_limit=PAUSE_LIMIT,
                 lunch_limit=LUNCH_LIMIT)


def test_a_ticket_past_its_own_target_is_alerted_once() -> None:
    ticket = make_ticket(wait_target=10 * MINUTE)
    assert found(waiting=[ticket], now=T0 + 10 * MINUTE).empty  # exactly at target: not past
    raised = found(waiting=[ticket], now=T0 + 10 * MINUTE + 1).raise_
    assert [(a.kind, a.key, a.label) for a in raised] == [
        (AlertKind.TICKET_OVERDUE, f"ticket:{ticket.id}", ticket.label)
    ]
    # Already alerted about (acknowledged or not): not raised again.
    known = {(AlertKind.TICKET_OVERDUE, f"ticket:{ticket.id}")}
    assert found(waiting=[ticket], known=known, now=T0 + 30 * MINUTE).empty


def test_an_overdue_alert_is_resolved_when_the_visitor_is_called() -> None:
    alert = Alert(AlertKind.TICKET_OVERDUE, "ticket:7", T0, "system", id=1)
    result = found(waiting=[], open_alerts=[alert], known={(alert.kind, alert.key)})
    assert result.resolve == [alert] and result.raise_ == []


def test_a_lunch_break_has_its_own_longer_limit() -> None:
    lunch = Window(3, WindowState.PAUSED, "ivanova", None, PauseReason.LUNCH, since=T0)
    assert found(windows=[lunch], now=T0 + LUNCH_LIMIT).empty
    assert [a.window for a in found(windows=[lunch], now=T0 + LUNCH_LIMIT + 1).raise_] == [3]


def test_a_window_paused_too_long_is_alerted_per_pause() -> None:
    window = Window(3, WindowState.PAUSED, "ivanova", None, PauseReason.TECHNICAL, since=T0)
    assert found(windows=[window], now=T0 + PAUSE_LIMIT).empty
    [alert] = found(windows=[window], now=T0 + PAUSE_LIMIT + 1).raise_
    assert (alert.kind, alert.window, alert.data["reason"]) == (
        AlertKind.WINDOW_PAUSED, 3, "technical")
    # The next pause of the same window is a new cause.
    later = Window(3, WindowState.PAUSED, "ivanova", None, PauseReason.BREAK, since=T0 + 3600)
    [again] = found(windows=[later], known={(alert.kind, alert.key)},
                    now=T0 + 3600 + PAUSE_LIMIT + 1).raise_
    assert again.key != alert.key
    # Resumed: the open alert is resolved.
    alert.id = 5
    open_ = Window(3, WindowState.OPEN, "ivanova", since=T0 + PAUSE_LIMIT + 2)
    assert found(windows=[open_], open_alerts=[alert], known={(alert.kind, alert.key)},
                 now=T0 + PAUSE_LIMIT + 3).resolve == [alert]


def test_an_out_of_turn_ticket_from_a_kiosk_calls_the_hall_consultant() -> None:
    kiosk = make_ticket(category="disability", source="kiosk")
    by_hall = make_ticket(category="disability", source="hall")  # the consultant is there
    plain = make_ticket(source="kiosk")
    raised = found(waiting=[kiosk, by_hall, plain]).raise_
    assert [(a.kind, a.ticket_id, a.data) for a in raised] == [
        (AlertKind.OUT_OF_TURN, kiosk.id, {"category": "disability"})
    ]


def test_device_alerts_are_never_resolved_by_a_sweep() -> None:
    call = Alert(AlertKind.STAFF_CALL, staff_call_key("kiosk-1", None), T0, "kiosk-1", id=1)
    fault = Alert(AlertKind.DEVICE_FAULT, "kiosk-1/paper_out", T0, "kiosk-1", id=2)
    assert found(open_alerts=[call, fault]).empty


def test_acknowledging_records_the_response_time_and_only_once() -> None:
    alert = Alert(AlertKind.STAFF_CALL, "kiosk-1", T0, "kiosk-1", id=1)
    assert alert.is_open and alert.response_time is None
    alert.acknowledge("hall", T0 + 42.5)
    assert not alert.is_open
    assert (alert.acked_by, alert.response_time) == ("hall", 42.5)
    with pytest.raises(InvalidTransition):
        alert.acknowledge("head", T0 + 50)
    with pytest.raises(InvalidTransition):
        alert.resolve(T0 + 50)
