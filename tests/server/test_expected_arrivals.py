"""The live expected wait counts visitors still to come: out-of-turn walk-ins at the rates
of the same weekday in past weeks, and bookings not checked in yet (docs/prediction.md)."""

from __future__ import annotations

from flask import Flask

from server.ports import Notifier
from server.queue import QueueService
from server.snapshots import ForecastInputs, queue_summaries
from tests.conftest import FakeClock
from tests.server.conftest import HALL, KIOSK, consultant

MINUTE = 60.0
WEEK = 7 * 24 * 3600.0


class Recording:
    """The app's notifier, keeping a copy of what it publishes."""

    def __init__(self, inner: Notifier, into: list[dict[str, object]]) -> None:
        self.inner, self.into = inner, into

    def publish(self, events: list[dict[str, object]]) -> None:
        self.into.extend(events)
        self.inner.publish(events)


def queue_of(app: Flask) -> QueueService:
    return app.extensions["talon"].queue


def wait_of_third_walk_in(app: Flask) -> float:
    """One window (2) open for consultations, three visitors take tickets at 10:00: the third
    waits two visits (10 min each: no recent visit, so the service target) with nobody
    else expected."""
    queue = queue_of(app)
    queue.open_window(consultant(), 2)
    issued = [queue.issue(KIOSK, "consult") for _ in range(3)]
    return issued[-1].expected_wait


def test_with_no_history_and_no_bookings_the_third_waits_two_visits(app: Flask) -> None:
    assert wait_of_third_walk_in(app) == 20 * MINUTE


def test_out_of_turn_visitors_seen_on_past_mondays_are_expected_to_go_ahead(
        app: Flask, clock: FakeClock) -> None:
    queue, today = queue_of(app), clock.now
    # Two Mondays ago and last Monday, 10:00-11:00: 2 and 4 visitors with disabilities, so
    # 3 an hour are expected today: at 10:10, 10:30 and 10:50 by the evenly spaced replay.
    for weeks, count in ((2, 2), (1, 4)):
        clock.now = today - weeks * WEEK + 5 * MINUTE
        for _ in range(count):
            queue.issue(HALL, "consult", category="disability")
            clock.advance(MINUTE)
    clock.now = today
    # К-1 at 10:00, the out-of-turn visitor due at 10:10 goes next, К-2 at 10:20, the one
    # due at 10:30 next, so К-3 at 10:40 instead of 10:20.
    assert wait_of_third_walk_in(app) == 40 * MINUTE


def test_a_booking_not_checked_in_is_expected_at_its_slot_and_counted_once(
        app: Flask, clock: FakeClock) -> None:
    response = app.test_client().post("/api/v1/bookings", json={
        "service": "consult", "date": "2026-11-23", "time": "10:15", "name": "Иван",
        "phone": "+79123456789", "consent": True})
    assert response.status_code == 201, response.json
    # К-1 at 10:00, К-2 at 10:10; the booked visitor, due at 10:15, goes next at 10:20; К-3
    # at 10:30.
    assert wait_of_third_walk_in(app) == 30 * MINUTE
    bookings = app.extensions["talon.bookings"]
    checked = bookings.check_in(KIOSK, response.json["code"])
    assert checked.issued.ticket.appointment_at is not None
    # Checked in, the booking is a ticket in the queue and no longer an expected arrival:
    # a fourth walk-in waits the same three visits plus one, not two more.
    fourth = queue_of(app).issue(KIOSK, "consult")
    assert fourth.expected_wait == 40 * MINUTE


def test_booked_tickets_of_past_weeks_are_not_expected_again_as_walk_ins(
        app: Flask, clock: FakeClock) -> None:
    queue, today = queue_of(app), clock.now
    clock.now = today - WEEK + 5 * MINUTE
    for _ in range(6):  # six booked visitors last Monday at 10:xx, none walked in
        queue.issue(KIOSK, "consult", appointment_at=clock.now)
        clock.advance(MINUTE)
    clock.now = today
    assert wait_of_third_walk_in(app) == 20 * MINUTE


def test_an_issue_predicts_its_wait_and_the_queues_in_one_replay_as_separately(
        app: Flask, clock: FakeClock) -> None:
    """The issue computes the ticket's wait and the summaries it publishes from one replay;
    both must equal what the separate reads give for the same moment."""
    queue, today = queue_of(app), clock.now
    clock.now = today - WEEK  # some history: out-of-turn and VIP visitors go ahead
    for service, category in [("consult", "disability"), ("billing", None), ("payment", None),
                              ("consult", "veteran"), ("metering", None)]:
        queue.issue(HALL, service, category=category)
        clock.advance(7 * MINUTE)
    clock.now = today
    for number in (2, 3, 4):
        queue.open_window(consultant(f"staff-{number}"), number)
    services = ["consult", "billing", "metering", "payment", "docs_out", "contract"]
    for k in range(14):
        queue.issue(KIOSK, services[k % len(services)])
        clock.advance(20.0)
    queue.call_next(consultant("staff-2"), 2)
    queue.call_next(consultant("staff-3"), 3)
    clock.advance(3 * MINUTE)
    reader = app.extensions["talon"].reader
    published: list[dict[str, object]] = []
    queue.notifier = Recording(queue.notifier, published)
    for service in ("consult", "docs_in", "metering"):
        issued = queue.issue(KIOSK, service)
        status = reader.public_status(issued.ticket.public_id)
        assert (issued.ahead, issued.expected_wait) == (status["ahead"], status["expected_wait"])
        assert issued.expected_wait > 0
        changed = [e for e in published if e["kind"] == "queue.changed"]
        with app.extensions["talon"].store.read() as tx:
            separately = queue_summaries(queue.office, tx, clock.now, ForecastInputs())
        assert changed[-1]["data"]["queues"] == separately
        clock.advance(MINUTE)
