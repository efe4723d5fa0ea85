"""GET /api/v1/staffing: who may read it, its parameters, and advice from a history played
through the HTTP API on the fake clock."""

from __future__ import annotations

import pytest
from flask import Flask

from server.domain import erlang
from tests.conftest import FakeClock
from tests.server.conftest import BOARD_TOKEN, BRIDGE_TOKEN, KIOSK_TOKEN, device, login

WEEK = 7 * 24 * 3600.0


@pytest.mark.parametrize("user", ["head", "admin"])
def test_head_and_admin_read_the_advice(app: Flask, user: str) -> None:
    response = login(app, user).get("/api/v1/staffing")
    assert response.status_code == 200
    body = response.json
    assert (body["target"], body["weeks"], body["wait_target"]) == (0.8, 8, 20 * 60.0)
    assert body["service_time_measured"] is False and body["service_time"] == 600.0
    assert {h["weekday"] for h in body["hours"]} == {0, 1, 2, 3, 4, 5}


@pytest.mark.parametrize("user", ["hall", "ivanova"])
def test_other_staff_may_not(app: Flask, user: str) -> None:
    response = login(app, user).get("/api/v1/staffing")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("token", [KIOSK_TOKEN, BOARD_TOKEN, BRIDGE_TOKEN])
def test_devices_may_not(app: Flask, token: str) -> None:
    assert device(app, token).get("/api/v1/staffing").status_code == 403


def test_strangers_must_log_in(app: Flask) -> None:
    assert app.test_client().get("/api/v1/staffing").status_code == 401


@pytest.mark.parametrize("query", ["target=0.3", "target=1", "target=x", "target=nan",
                                   "weeks=0", "weeks=27", "weeks=2.5", "weeks=x"])
def test_bad_parameters_are_refused(app: Flask, query: str) -> None:
    response = login(app, "head").get(f"/api/v1/staffing?{query}")
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid_input"
    assert error["details"]["parameter"] == query.split("=")[0]


def test_advice_from_a_busy_monday(app: Flask, clock: FakeClock) -> None:
    kiosk, staff = device(app, KIOSK_TOKEN), login(app, "petrov")
    assert staff.post("/api/v1/windows/2/open").status_code == 200
    for _ in range(20):  # 20 arrivals in the 10 o'clock hour, 3 min apart
        assert kiosk.post("/api/v1/tickets", json={"service": "consult"}).status_code == 201
        clock.advance(180)
    for _ in range(4):  # 15-minute visits
        assert staff.post("/api/v1/windows/2/call-next").status_code == 200
        assert staff.post("/api/v1/windows/2/start").status_code == 200
        clock.advance(15 * 60)
        assert staff.post("/api/v1/windows/2/finish", json={}).status_code == 200
    clock.advance(WEEK)
    head = login(app, "head")
    body = head.get("/api/v1/staffing?target=0.9").json
    assert body["service_time"] == 900.0 and body["service_time_measured"] is True
    ten = next(h for h in body["hours"] if h["weekday"] == 0 and h["hour"] == 10)
    assert ten["arrivals"] == 20.0 and ten["actual_windows"] == 1.0
    assert ten["actual_share"] == 0.0  # 5 erlangs on one window: the queue never clears
    assert ten["recommended_windows"] == erlang.agents_needed(5.0, 1200.0, 0.9, 900.0) == 7
    assert ten["recommended_share"] >= 0.9 and ten["simulated_share"] > 0.8
    lower = head.get("/api/v1/staffing?target=0.5").json
    ten_lower = next(h for h in lower["hours"] if h["weekday"] == 0 and h["hour"] == 10)
    assert ten_lower["recommended_windows"] < ten["recommended_windows"]
