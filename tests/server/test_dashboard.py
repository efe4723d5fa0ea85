"""GET /api/v1/dashboard on the FakeClock: every figure of a hand-computed day, the alerts,
and who may read it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import FakeClock
from tests.server.conftest import BOARD_TOKEN, BRIDGE_TOKEN, KIOSK_TOKEN, device, login

MIN = 60.0


def issue(kiosk: FlaskClient, service: str = "consult") -> str:
    response = kiosk.post("/api/v1/tickets", json={"service": service})
    assert response.status_code == 201, response.json
    return response.json["ticket"]["label"]


def move(client: FlaskClient, window: int, action: str, body: dict | None = None) -> None:
    response = client.post(f"/api/v1/windows/{window}/{action}", json=body or {})
    assert response.status_code == 200, response.json


def read(app: Flask) -> dict:
    response = login(app, "head").get("/api/v1/dashboard")
    assert response.status_code == 200, response.json
    return response.json


def alerts_of(data: dict, kind: str) -> list[dict]:
    return [a for a in data["alerts"] if a["kind"] == kind]


def test_an_empty_day(app: Flask) -> None:
    data = read(app)
    assert data["today"] == {
        "issued": 0, "served": 0, "no_show": 0, "cancelled": 0, "waiting": 0, "called": 0,
        "mean_wait": None, "within_wait_target": None, "mean_service": None,
        "within_service_target": None, "longest_wait": None,
    }
    assert data["alerts"] == [] and data["longest"] == [] and data["hall_alerts"] == 0
    assert [w["state"] for w in data["windows"]] == ["closed"] * 5
    assert all(q["waiting"] == 0 and q["oldest_wait"] is None for q in data["queues"])


def test_every_figure_of_a_hand_computed_day(app: Flask, clock: FakeClock) -> None:
    kiosk = device(app, KIOSK_TOKEN)
    ivanova = login(app, "ivanova")
    start = clock.now
    assert issue(kiosk) == "К-001"                     # t = 0
    clock.advance(60)
    assert issue(kiosk, "payment") == "О-001"          # t = 60
    clock.advance(60)
    assert issue(kiosk) == "К-002"                     # t = 120
    clock.advance(180)
    move(ivanova, 2, "open")                           # t = 300
    move(ivanova, 2, "call", {"label": "К-001"})       # wait 300 s
    clock.advance(60)
    move(ivanova, 2, "start")                          # t = 360
    clock.advance(480)
    move(ivanova, 2, "finish")                         # t = 840: service 480 s ≤ 600
    clock.advance(60)
    move(ivanova, 2, "call", {"label": "О-001"})       # t = 900: wait 840 s
    clock.advance(30)
    move(ivanova, 2, "recall")                         # a recall is not a new first call
    clock.advance(30)
    move(ivanova, 2, "no-show")                        # t = 960
    clock.advance(440)
    move(ivanova, 2, "call", {"label": "К-002"})       # t = 1400: wait 1280 s > 1200
    move(ivanova, 2, "start")
    clock.advance(700)
    move(ivanova, 2, "finish")                         # t = 2100: service 700 s > 600
    assert issue(kiosk) == "К-003"                     # t = 2100
    clock.advance(1500)                                # t = 3600: К-003 waited 1500 s
    assert clock.now - start == 3600

    data = read(app)
    assert data["at"] == clock.now and data["day"] == "2026-11-23"
    assert data["today"] == {
        "issued": 4, "served": 2, "no_show": 1, "cancelled": 0, "waiting": 1, "called": 3,
        "mean_wait": pytest.approx((300 + 840 + 1280) / 3),
        "within_wait_target": pytest.approx(2 / 3),
        "mean_service": pytest.approx((480 + 700) / 2),
        "within_service_target": pytest.approx(1 / 2),
        "longest_wait": 1500.0,
    }
    consult = next(q for q in data["queues"] if q["service"] == "consult")
    assert consult["waiting"] == 1 and consult["oldest_wait"] == 1500.0
    assert consult["overdue"] == 1 and consult["wait_target"] == 20 * MIN
    assert consult["prefix"] == "К"
    [longest] = data["longest"]
    assert (longest["label"], longest["waited"], longest["ticking"]) == ("К-003", 1500.0, True)
    assert longest["issued_at"] == start + 2100
    window = data["windows"][1]
    assert (window["number"], window["state"], window["user"], window["label"]) == (
        2, "open", "ivanova", None)
    assert window["in_state"] == 1500.0  # open again since К-002 left
    assert data["alerts"] == [{"kind": "overdue", "count": 1, "labels": ["К-003"]}]

    # The current visitor shows at the window; a pause past 15 min is alerted about.
    move(ivanova, 2, "call", {"label": "К-003"})
    assert read(app)["windows"][1]["label"] == "К-003"
    assert read(app)["windows"][1]["state"] == "calling"
    move(ivanova, 2, "start")
    move(ivanova, 2, "finish")
    move(ivanova, 2, "pause", {"reason": "break"})
    clock.advance(15 * MIN)
    assert read(app)["alerts"] == []  # exactly the limit is not past it
    clock.advance(1)
    data = read(app)
    assert data["alerts"] == [{"kind": "paused", "window": 2, "reason": "break",
                               "paused_for": 15 * MIN + 1, "limit": 15 * MIN}]
    assert data["windows"][1]["state"] == "paused"
    assert data["windows"][1]["pause_reason"] == "break"
    assert data["today"]["served"] == 3


def test_a_service_predicted_to_breach(app: Flask, clock: FakeClock) -> None:
    kiosk = device(app, KIOSK_TOKEN)
    move(login(app, "ivanova"), 2, "open")
    labels = [issue(kiosk) for _ in range(2)]
    clock.advance(9 * MIN)
    assert alerts_of(read(app), "predicted") == []  # 11 min of slack: beyond the horizon
    clock.advance(2 * MIN)
    # 9 min of slack; К-002 has one visitor ahead at one window: 10 min (the 10 min service
    # target, no service history yet) — it is expected to miss its target.
    [predicted] = alerts_of(read(app), "predicted")
    assert predicted == {"kind": "predicted", "service": "consult", "label": labels[1],
                         "waited": 11 * MIN, "wait_target": 20 * MIN, "breach_in": 9 * MIN,
                         "expected": 10 * MIN}


def test_nobody_to_call_many_waiting_and_closed_windows(app: Flask, clock: FakeClock) -> None:
    kiosk = device(app, KIOSK_TOKEN)
    for service in ["consult"] * 3 + ["payment"] * 2 + ["contract"] * 5:
        issue(kiosk, service)
    clock.advance(11 * MIN)
    data = read(app)
    unserved = {a["service"]: a["waiting"] for a in alerts_of(data, "unserved")}
    assert unserved == {"consult": 3, "contract": 5}  # payment: only 2
    assert alerts_of(data, "crowded") == [{"kind": "crowded", "waiting": 10,
                                           "closed": [1, 2, 3, 4, 5]}]
    # Nobody can call them: every service with a ticket within 10 min of its target.
    predicted = {a["service"]: a["expected"] for a in alerts_of(data, "predicted")}
    assert predicted == {"consult": None, "payment": None, "contract": None}
    # Window 3 serves contract, metering, billing and consult.
    move(login(app, "petrov"), 3, "open")
    data = read(app)
    assert alerts_of(data, "unserved") == []
    assert alerts_of(data, "crowded")[0]["closed"] == [1, 2, 4, 5]


def test_open_hall_alerts_are_counted(app: Flask) -> None:
    device(app, KIOSK_TOKEN).post("/api/v1/alerts/staff-call", json={})
    assert read(app)["hall_alerts"] == 1


def test_yesterdays_tickets_are_not_today(app: Flask, clock: FakeClock) -> None:
    issue(device(app, KIOSK_TOKEN))
    clock.advance(24 * 3600)
    assert read(app)["today"]["issued"] == 0


@pytest.mark.parametrize("who,status", [
    ("head", 200), ("admin", 200), ("hall", 403), ("ivanova", 403),
])
def test_staff_permissions(app: Flask, who: str, status: int) -> None:
    assert login(app, who).get("/api/v1/dashboard").status_code == status


@pytest.mark.parametrize("token", [KIOSK_TOKEN, BOARD_TOKEN, BRIDGE_TOKEN])
def test_devices_may_not_read_it(app: Flask, token: str) -> None:
    assert device(app, token).get("/api/v1/dashboard").status_code == 403


def test_anonymous_must_log_in(app: Flask) -> None:
    response = app.test_client().get("/api/v1/dashboard")
    assert response.status_code == 401
    assert response.json["error"]["code"]
