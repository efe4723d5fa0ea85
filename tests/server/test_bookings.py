"""Pre-booking use cases through the API: book, cancel, check in, no-shows, reminders, purge,
concurrency, and that public answers carry no personal data."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.app import create_app
from server.bookings import BookingService
from server.domain.booking import BookingStatus
from server.reminders import FileReminders, Reminder
from tests.conftest import FakeClock
from tests.server.conftest import KIOSK_TOKEN, device, login, settings_for

TODAY, TOMORROW = "2026-11-23", "2026-11-24"
NAME, PHONE = "Иван Петров", "+7 912 345-67-89"


def booking(time: str = "10:15", day: str = TODAY, **over: object) -> dict[str, object]:
    return {"service": "consult", "date": day, "time": time, "name": NAME, "phone": PHONE,
            "consent": True, **over}


def service_of(app: Flask) -> BookingService:
    return app.extensions["talon.bookings"]


def book(app: Flask, **over: object) -> str:
    response = app.test_client().post("/api/v1/bookings", json=booking(**over))
    assert response.status_code == 201, response.json
    return response.json["code"]


def free(app: Flask, time: str, day: str = TODAY, service: str = "consult") -> int:
    slots = app.test_client().get(f"/api/v1/bookings/slots?service={service}&date={day}").json
    return next(s["free"] for s in slots["slots"] if s["time"] == time)


def no_personal_data(payload: object) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    assert NAME not in text and "912" not in text and "phone" not in text


def test_a_booking_takes_the_place_and_cancelling_frees_it(app: Flask) -> None:
    assert free(app, "10:30") == 1
    anonymous = app.test_client()
    response = anonymous.post("/api/v1/bookings", json=booking("10:30"))
    assert response.status_code == 201
    no_personal_data(response.json)
    code = response.json["code"]
    assert len(code) == 9 and code[4] == "-"
    assert free(app, "10:30") == 0
    again = anonymous.post("/api/v1/bookings", json=booking("10:30", phone="+79000000000"))
    assert again.status_code == 409 and again.json["error"]["details"]["reason"] == "slot_full"
    looked = anonymous.get(f"/api/v1/bookings/{code.lower()}")
    assert looked.json["status"] == "booked" and looked.json["time"] == "10:30"
    no_personal_data(looked.json)
    cancelled = anonymous.post(f"/api/v1/bookings/{code}/cancel")
    assert cancelled.json["status"] == "cancelled"
    assert free(app, "10:30") == 1
    assert anonymous.post(f"/api/v1/bookings/{code}/cancel").status_code == 409


@pytest.mark.parametrize("change,field", [
    ({"consent": False}, "consent"),
    ({"phone": "12"}, "phone"),
    ({"phone": "+7 912 abc"}, "phone"),
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"time": "10:10"}, "time"),
    ({"time": "12:15"}, "time"),  # lunch
    ({"time": "09:00"}, "time"),  # already over
    ({"day": "2026-11-29"}, "time"),  # Sunday: no slots
    ({"day": "2027-01-20"}, "date"),  # beyond the horizon
    ({"day": "2026-11-22"}, "date"),  # yesterday
    ({"service": "payment"}, None),  # takes no bookings
    ({"day": "23.11.2026"}, None),
])
def test_bad_input_is_refused_and_changes_nothing(
    app: Flask, change: dict[str, object], field: str | None,
) -> None:
    response = app.test_client().post("/api/v1/bookings", json=booking(**change))
    assert response.status_code == 400, response.json
    if field is not None:
        assert response.json["error"]["details"].get("field") == field
    assert login(app, "hall").get(f"/api/v1/bookings?date={TODAY}").json["bookings"] == []


def test_unknown_service_and_missing_consent_field(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/api/v1/bookings", json=booking(service="nope")).status_code == 404
    body = booking()
    del body["consent"]
    assert client.post("/api/v1/bookings", json=body).status_code == 400


def test_operators_see_personal_data_and_others_do_not(app: Flask) -> None:
    hall = login(app, "hall")
    made = hall.post("/api/v1/bookings", json=booking("11:00"))
    assert made.status_code == 201
    assert made.json["name"] == NAME and made.json["phone"] == "+79123456789"
    assert made.json["channel"] == "staff:hall"
    day = hall.get(f"/api/v1/bookings?date={TODAY}").json
    assert [b["name"] for b in day["bookings"]] == [NAME] and day["counts"] == {"booked": 1}
    assert login(app, "ivanova").get("/api/v1/bookings").status_code == 403
    assert app.test_client().get("/api/v1/bookings").status_code == 401
    assert device(app, KIOSK_TOKEN).get("/api/v1/bookings").status_code == 403
    # A booking never shows on the board's snapshot or the printed ticket.
    code = made.json["code"]
    checked = device(app, KIOSK_TOKEN).post("/api/v1/bookings/check-in", json={"code": code})
    no_personal_data(checked.json)
    no_personal_data(login(app, "head").get("/api/v1/snapshot").json)


def test_one_phone_holds_a_limited_number_of_bookings(app: Flask) -> None:
    for time in ("10:15", "10:30", "10:45"):
        book(app, time=time)
    refused = app.test_client().post("/api/v1/bookings", json=booking("11:00"))
    assert refused.status_code == 409
    assert free(app, "11:00") == 1


def test_check_in_on_time_gives_a_ticket_served_at_the_slot(app: Flask, clock: FakeClock) -> None:
    code = book(app, time="10:15")
    kiosk = device(app, KIOSK_TOKEN)
    response = kiosk.post("/api/v1/bookings/check-in", json={"code": code})
    assert response.status_code == 201, response.json
    assert response.json["late"] is False
    ticket = response.json["ticket"]
    assert ticket["appointment_at"] == response.json["booking"]["start"]
    assert ticket["label"].startswith("К-")
    assert response.json["booking"]["status"] == "checked_in"
    again = kiosk.post("/api/v1/bookings/check-in", json={"code": code})
    assert again.status_code == 200 and again.json["replayed"] is True
    assert again.json["ticket"]["id"] == ticket["id"]
    # Dispatch serves the booked visitor ahead of a walk-in who came earlier.
    kiosk.post("/api/v1/tickets", json={"service": "consult"})
    clock.advance(15 * 60)
    staff = login(app, "ivanova")
    staff.post("/api/v1/windows/2/open")
    called = staff.post("/api/v1/windows/2/call-next")
    assert called.status_code == 200, called.json
    assert called.json["ticket"]["id"] == ticket["id"]


def test_the_kiosk_and_the_hall_checking_in_at_once_get_one_ticket(app: Flask) -> None:
    code = book(app, time="10:15")
    callers = [device(app, KIOSK_TOKEN), login(app, "hall")] * 3
    barrier = threading.Barrier(len(callers))
    answers: list[tuple[int, int]] = []

    def check_in(client: FlaskClient) -> None:
        barrier.wait()
        response = client.post("/api/v1/bookings/check-in", json={"code": code})
        answers.append((response.status_code, response.json["ticket"]["id"]))

    threads = [threading.Thread(target=check_in, args=(c,)) for c in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({ticket for _, ticket in answers}) == 1  # one ticket, whoever asked
    assert all(status in (200, 201) for status, _ in answers)
    assert len(login(app, "head").get("/api/v1/snapshot").json["waiting"]) == 1


def test_check_in_too_early_is_refused_and_changes_nothing(app: Flask) -> None:
    code = book(app, time="11:00")
    kiosk = device(app, KIOSK_TOKEN)
    response = kiosk.post("/api/v1/bookings/check-in", json={"code": code})
    assert response.status_code == 409
    assert response.json["error"]["details"]["reason"] == "too_early"
    assert app.test_client().get(f"/api/v1/bookings/{code}").json["status"] == "booked"
    assert login(app, "head").get("/api/v1/snapshot").json["queues"] is not None
    assert login(app, "head").get("/api/v1/tickets/1").status_code == 404


def test_late_arrival_becomes_a_walk_in(app: Flask, clock: FakeClock) -> None:
    code = book(app, time="10:15")
    clock.advance(26 * 60)  # 10:26: past the 10 min late window
    response = device(app, KIOSK_TOKEN).post("/api/v1/bookings/check-in", json={"code": code})
    assert response.status_code == 201
    assert response.json["late"] is True
    assert response.json["ticket"]["appointment_at"] is None
    assert response.json["booking"]["status"] == "late"


def test_check_in_needs_the_day_and_a_live_booking(app: Flask) -> None:
    kiosk = device(app, KIOSK_TOKEN)
    tomorrow = book(app, time="10:15", day=TOMORROW)
    assert kiosk.post("/api/v1/bookings/check-in", json={"code": tomorrow}).status_code == 409
    app.test_client().post(f"/api/v1/bookings/{tomorrow}/cancel")
    assert kiosk.post("/api/v1/bookings/check-in", json={"code": tomorrow}).status_code == 409
    assert kiosk.post("/api/v1/bookings/check-in", json={"code": "AAAAAAAA"}).status_code == 404
    assert app.test_client().post("/api/v1/bookings/check-in",
                                  json={"code": tomorrow}).status_code == 401


def test_no_shows_are_marked_counted_and_free_the_slot(app: Flask, clock: FakeClock) -> None:
    code = book(app, time="10:15")
    service = service_of(app)
    clock.advance(25 * 60)  # 10:25: still within the late window
    assert service.sweep().no_shows == 0
    clock.advance(60)
    assert service.sweep().no_shows == 1
    assert app.test_client().get(f"/api/v1/bookings/{code}").json["status"] == "no_show"
    with app.extensions["talon"].store.read() as tx:
        assert tx.places_taken("consult", TODAY) == {}
    day = login(app, "hall").get(f"/api/v1/bookings?date={TODAY}").json
    assert day["counts"] == {"no_show": 1}
    assert service.sweep().no_shows == 0  # counted once
    # Arriving after all: an ordinary ticket, the booking marked late.
    late = device(app, KIOSK_TOKEN).post("/api/v1/bookings/check-in", json={"code": code})
    assert late.json["late"] is True and late.json["booking"]["status"] == "late"


def test_personal_data_is_purged_after_the_retention(app: Flask, clock: FakeClock) -> None:
    code = book(app, time="10:15")
    service = service_of(app)
    clock.advance(30 * 86_400 - 16 * 60)
    assert service.sweep().purged == 0
    clock.advance(32 * 60)
    assert service.sweep().purged == 1
    with app.extensions["talon"].store.read() as tx:
        kept = tx.booking_by_code(code.replace("-", ""))
    assert kept is not None and kept.name is None and kept.phone is None
    assert kept.status is BookingStatus.NO_SHOW  # the count outlives the personal data


class Recording:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[Reminder] = []
        self.fail = fail

    def remind(self, reminder: Reminder) -> None:
        if self.fail:
            raise OSError("gateway down")
        self.sent.append(reminder)


def test_reminders_are_sent_once_and_retried_after_a_failure(
    app: Flask, clock: FakeClock, caplog: pytest.LogCaptureFixture,
) -> None:
    book(app, time="09:45", day=TOMORROW)  # within the next 24 h
    far = book(app, time="16:00", day="2026-11-25")
    service = service_of(app)
    failing = Recording(fail=True)
    service.reminders = failing
    with caplog.at_level("ERROR"):
        assert service.sweep().reminded == 0
    recording = Recording()
    service.reminders = recording
    assert service.sweep().reminded == 1
    assert service.sweep().reminded == 0
    assert [r.local_time for r in recording.sent] == ["2026-11-24 09:45"]
    assert recording.sent[0].phone == "+79123456789"
    clock.advance(86_400 + 6 * 3600 + 60)  # Tuesday 16:01: the second is within 24 h
    assert service.sweep().reminded == 1
    assert recording.sent[-1].code == far


def test_the_file_notifier_appends_one_line_per_reminder(tmp_path: Path) -> None:
    out = FileReminders(tmp_path / "outbox" / "reminders.jsonl")
    reminder = Reminder("KCX7-9ARM", NAME, "+79123456789", "consult", "Консультация",
                        "2026-11-24 10:15", 0.0)
    out.remind(reminder)
    out.remind(reminder)
    lines = (tmp_path / "outbox" / "reminders.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["name"] == NAME


def test_threads_racing_for_the_last_place_get_exactly_one(app: Flask) -> None:
    # contract takes two per slot: one is taken, eight threads race for the other.
    book(app, service="contract", time="11:00", phone="+79000000099")
    results: list[int] = []
    barrier = threading.Barrier(8)

    def attempt(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/bookings", json=booking(
            "11:00", service="contract", phone=f"+7900000{n:04d}"))
        results.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201] + [409] * 7
    assert free(app, "11:00", service="contract") == 0


def test_guessing_codes_in_bulk_is_refused(app: Flask) -> None:
    code = book(app)
    client = app.test_client()
    for _ in range(20):
        assert client.get("/api/v1/bookings/AAAA-AAAA").status_code == 404
    assert client.get("/api/v1/bookings/AAAA-AAAA").status_code == 429
    assert client.get(f"/api/v1/bookings/{code}").status_code == 429  # even a right one


def test_bookings_are_refused_when_switched_off(tmp_path: Path, clock: FakeClock) -> None:
    settings = settings_for(tmp_path, TALON_BOOKING__ENABLED="false")
    app = create_app(settings, clock=clock)
    client: FlaskClient = app.test_client()
    assert client.post("/api/v1/bookings", json=booking()).status_code == 400
    assert app.extensions["talon"].reader.office.bookings is False
    app.extensions["talon"].store.close()
