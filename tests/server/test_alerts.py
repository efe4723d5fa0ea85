"""Hall alerts over HTTP and Socket.IO: staff-call presses, faults, the sweep, acknowledging,
and printing a hall-issued ticket on a chosen kiosk."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import FakeClock
from tests.server.conftest import BOARD_TOKEN, BRIDGE_TOKEN, KIOSK_TOKEN, PASSWORD, device, login
from tests.server.test_realtime import Listener, connect, listeners  # noqa: F401 - fixture


@pytest.fixture
def kiosk(app: Flask) -> FlaskClient:
    return device(app, KIOSK_TOKEN)


@pytest.fixture
def hall(app: Flask) -> FlaskClient:
    return login(app, "hall")


def open_alerts(hall: FlaskClient) -> list[dict]:
    response = hall.get("/api/v1/alerts")
    assert response.status_code == 200
    return response.json["alerts"]


def logged(app: Flask, kind: str) -> list[dict]:
    events = login(app, "head").get("/api/v1/events").json["events"]
    return [e for e in events if e["kind"] == kind]


def test_a_hammered_staff_call_button_raises_one_alert(
    app: Flask, kiosk: FlaskClient, hall: FlaskClient
) -> None:
    first = kiosk.post("/api/v1/alerts/staff-call", json={})
    assert first.status_code == 201 and first.json["created"] is True
    for _ in range(9):
        again = kiosk.post("/api/v1/alerts/staff-call", json={})
        assert again.status_code == 200 and again.json["created"] is False
        assert again.json["alert"]["id"] == first.json["alert"]["id"]
    [alert] = open_alerts(hall)
    assert (alert["kind"], alert["source"]) == ("staff_call", "kiosk-1")
    assert len(logged(app, "alert.raised")) == 1


def test_concurrent_presses_still_raise_one_alert(app: Flask) -> None:
    barrier = threading.Barrier(8)
    codes: list[int] = []

    def press() -> None:
        client = device(app, BRIDGE_TOKEN)
        barrier.wait()
        codes.append(client.post("/api/v1/alerts/staff-call", json={"window": 2}).status_code)

    threads = [threading.Thread(target=press) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200] * 7 + [201]
    assert len(open_alerts(login(app, "hall"))) == 1


def test_acknowledging_records_who_and_the_response_time(
    app: Flask, kiosk: FlaskClient, hall: FlaskClient, clock: FakeClock
) -> None:
    alert = kiosk.post("/api/v1/alerts/staff-call", json={"button": "hall"}).json["alert"]
    clock.advance(37.0)
    acked = hall.post(f"/api/v1/alerts/{alert['id']}/ack").json["alert"]
    assert (acked["acked_by"], acked["response_time"]) == ("hall", 37.0)
    assert open_alerts(hall) == []
    assert hall.post(f"/api/v1/alerts/{alert['id']}/ack").status_code == 409
    [event] = logged(app, "alert.acked")
    assert event["user"] == "hall" and event["data"]["response_time"] == 37.0
    # The same button pressed again after the acknowledgement is a new alert.
    assert kiosk.post("/api/v1/alerts/staff-call", json={"button": "hall"}).status_code == 201
    closed = hall.get("/api/v1/alerts?all=1").json["alerts"]
    assert [a["acked_by"] for a in closed] == [None, "hall"]  # newest first


def test_who_may_raise_see_and_acknowledge(app: Flask, kiosk: FlaskClient) -> None:
    alert = kiosk.post("/api/v1/alerts/staff-call", json={}).json["alert"]
    ivanova = login(app, "ivanova")
    assert ivanova.post("/api/v1/alerts/staff-call", json={}).status_code == 403
    assert ivanova.get("/api/v1/alerts").status_code == 403
    assert kiosk.get("/api/v1/alerts").status_code == 403
    assert kiosk.post(f"/api/v1/alerts/{alert['id']}/ack").status_code == 403
    assert login(app, "head").post(f"/api/v1/alerts/{alert['id']}/ack").status_code == 200


def test_bad_alert_requests_change_nothing(kiosk: FlaskClient, hall: FlaskClient) -> None:
    for body in ({"window": 99}, {"window": "2"}, {"button": "a b"}, {"extra": 1}):
        response = kiosk.post("/api/v1/alerts/staff-call", json=body)
        assert response.status_code in (400, 404), body
        assert response.json["error"]["message"]
    assert kiosk.post("/api/v1/alerts/faults", json={"code": "Paper Out"}).status_code == 400
    assert hall.post("/api/v1/alerts/12345/ack").status_code == 404
    assert open_alerts(hall) == []


def test_a_device_fault_is_raised_once_and_cleared_by_the_device(
    kiosk: FlaskClient, hall: FlaskClient
) -> None:
    body = {"code": "paper_out", "message": "Нет бумаги"}
    assert kiosk.post("/api/v1/alerts/faults", json=body).status_code == 201
    assert kiosk.post("/api/v1/alerts/faults", json=body).status_code == 200
    [alert] = open_alerts(hall)
    assert (alert["kind"], alert["message"]) == ("device_fault", "Нет бумаги")
    cleared = kiosk.post("/api/v1/alerts/faults/clear", json={"code": "paper_out"}).json
    assert cleared["alert"]["resolved_at"] is not None
    assert cleared["alert"]["response_time"] is None  # nobody acknowledged it
    assert open_alerts(hall) == []
    assert kiosk.post("/api/v1/alerts/faults/clear", json={"code": "paper_out"}).json == {
        "alert": None}


def test_the_sweep_raises_overdue_and_long_pauses_and_resolves_them(
    app: Flask, kiosk: FlaskClient, hall: FlaskClient, clock: FakeClock
) -> None:
    alerts = app.extensions["talon"].alerts
    ticket = kiosk.post("/api/v1/tickets", json={"service": "consult"}).json["ticket"]
    petrov = login(app, "petrov")
    petrov.post("/api/v1/windows/3/open")
    petrov.post("/api/v1/windows/3/pause", json={"reason": "technical"})
    assert alerts.sweep() == 0  # nothing is late yet: no write at all
    clock.advance(ticket["wait_target"] + 1)
    assert alerts.sweep() == 2
    assert alerts.sweep() == 0  # raised once
    found = {a["kind"]: a for a in open_alerts(hall)}
    assert found["ticket_overdue"]["label"] == ticket["label"]
    assert found["window_paused"]["window"] == 3
    assert found["window_paused"]["data"]["reason"] == "technical"
    ivanova = login(app, "ivanova")
    ivanova.post("/api/v1/windows/2/open")
    ivanova.post("/api/v1/windows/2/call-next")
    petrov.post("/api/v1/windows/3/resume")
    assert alerts.sweep() == 2
    assert open_alerts(hall) == []
    resolved = logged(app, "alert.resolved")
    assert {e["data"]["kind"] for e in resolved} == {"ticket_overdue", "window_paused"}


def test_an_out_of_turn_kiosk_ticket_alerts_the_hall(
    app: Flask, kiosk: FlaskClient, hall: FlaskClient
) -> None:
    ticket = kiosk.post("/api/v1/tickets", json={"service": "consult",
                                                  "category": "disability"}).json["ticket"]
    assert app.extensions["talon"].alerts.sweep() == 1
    [alert] = open_alerts(hall)
    assert (alert["kind"], alert["label"]) == ("out_of_turn", ticket["label"])


# Printing on a chosen kiosk ----------------------------------------------------------------


@pytest.fixture
def hall_http(live_url: str) -> Iterator[requests.Session]:
    session = requests.Session()
    session.post(f"{live_url}/api/v1/auth/login",
                 json={"username": "hall", "password": PASSWORD})
    yield session
    session.close()


def test_a_hall_ticket_is_printed_on_the_chosen_connected_kiosk(
    live_url: str, listeners: list[Listener], hall_http: requests.Session  # noqa: F811
) -> None:
    assert hall_http.get(f"{live_url}/api/v1/kiosks").json() == {
        "kiosks": [{"name": "kiosk-1", "connected": False}]}
    offline = hall_http.post(f"{live_url}/api/v1/tickets",
                             json={"service": "consult", "print_on": "kiosk-1"}).json()
    assert offline["print"] == {"kiosk": "kiosk-1", "sent": False}

    stale = connect(live_url, listeners, token=KIOSK_TOKEN)  # e.g. before a network blip
    kiosk = connect(live_url, listeners, token=KIOSK_TOKEN)
    board = connect(live_url, listeners, token=BOARD_TOKEN)
    assert hall_http.get(f"{live_url}/api/v1/kiosks").json()["kiosks"][0]["connected"] is True
    issued = hall_http.post(f"{live_url}/api/v1/tickets", json={
        "service": "consult", "segment": "vip", "print_on": "kiosk-1"}).json()
    assert issued["print"] == {"kiosk": "kiosk-1", "sent": True}
    request = kiosk.next("print.requested")
    assert request["ticket"]["label"] == issued["ticket"]["label"]
    assert request["public_id"] == issued["ticket"]["public_id"]
    assert request["service_name"] == "Консультация"
    assert request["requested_by"] == "hall"
    # Only the kiosk's newest connection hears it: everything the board and the older
    # connection got, up to a later event.
    marker = hall_http.post(f"{live_url}/api/v1/tickets", json={"service": "payment"}).json()
    for other in (board, stale):
        seen = []
        while True:
            event, data = other.inbox.get(timeout=10)
            seen.append(event)
            if event == "ticket.issued" and data["ticket"]["label"] == marker["ticket"]["label"]:
                break
        assert "ticket.issued" in seen and "print.requested" not in seen


def test_an_unknown_kiosk_is_refused_before_anything_is_issued(
    live_url: str, hall_http: requests.Session
) -> None:
    response = hall_http.post(f"{live_url}/api/v1/tickets",
                              json={"service": "consult", "print_on": "kiosk-9"})
    assert response.status_code == 400
    assert "kiosk-9" in response.json()["error"]["message"]
    assert hall_http.get(f"{live_url}/api/v1/snapshot").json()["waiting"] == []


def test_staff_calls_from_two_desks_of_one_bridge_are_two_alerts(
    app: Flask, hall: FlaskClient
) -> None:
    bridge = device(app, BRIDGE_TOKEN)  # bound to windows 2 and 3
    assert bridge.post("/api/v1/alerts/staff-call", json={"window": 2}).status_code == 201
    assert bridge.post("/api/v1/alerts/staff-call", json={"window": 3}).status_code == 201
    assert bridge.post("/api/v1/alerts/staff-call", json={"window": 3}).status_code == 200
    assert sorted(a["window"] for a in open_alerts(hall)) == [2, 3]
    # A window the bridge does not serve is refused and raises nothing.
    assert bridge.post("/api/v1/alerts/staff-call", json={"window": 5}).status_code == 403
    assert len(open_alerts(hall)) == 2
