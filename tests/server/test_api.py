"""The HTTP API: authentication, roles, the ticket life cycle over HTTP, validation, errors."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import FakeClock
from tests.server.conftest import (
    BOARD_TOKEN,
    BRIDGE_TOKEN,
    KIOSK_TOKEN,
    PASSWORD,
    device,
    login,
)


@pytest.fixture
def kiosk(app: Flask) -> FlaskClient:
    return device(app, KIOSK_TOKEN)


@pytest.fixture
def ivanova(app: Flask) -> FlaskClient:
    return login(app, "ivanova")


def issue(kiosk: FlaskClient, service: str = "consult", **extra: object) -> dict:
    response = kiosk.post("/api/v1/tickets", json={"service": service, **extra})
    assert response.status_code == 201, response.json
    return response.json


def test_health_and_openapi_are_public(client: FlaskClient) -> None:
    assert client.get("/api/v1/health").json["status"] == "ok"
    assert client.get("/api/v1/openapi.json").json["openapi"].startswith("3.")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/snapshot"),
        ("get", "/api/v1/office"),
        ("get", "/api/v1/windows"),
        ("get", "/api/v1/events"),
        ("post", "/api/v1/tickets"),
        ("post", "/api/v1/windows/2/open"),
        ("post", "/api/v1/windows/2/call-next"),
        ("get", "/api/v1/auth/me"),
    ],
)
def test_everything_else_needs_credentials(client: FlaskClient, method: str, path: str) -> None:
    response = getattr(client, method)(path, json={"service": "consult"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_wrong_token_and_malformed_header_are_refused(app: Flask) -> None:
    assert device(app, "nope").get("/api/v1/snapshot").status_code == 401
    client = app.test_client()
    response = client.get("/api/v1/snapshot", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert "Bearer" in response.json["error"]["message"]


def test_login_with_wrong_password_fails(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "ivanova", "password": "x"})
    assert response.status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401


def test_login_me_logout(app: Flask) -> None:
    client = login(app, "ivanova")
    assert client.get("/api/v1/auth/me").json == {
        "username": "ivanova", "role": "consultant", "device": False, "windows": None,
    }
    client.post("/api/v1/auth/logout")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_session_expires(app: Flask, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    client = login(app, "ivanova")
    import server.web.auth as auth

    monkeypatch.setattr(auth.time, "time", lambda: 10**12)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_full_cycle_over_http(kiosk: FlaskClient, ivanova: FlaskClient) -> None:
    issued = issue(kiosk)
    assert issued["ticket"]["label"] == "К-001"
    assert issued["ahead"] == 0
    assert ivanova.post("/api/v1/windows/2/open").json["window"]["state"] == "open"
    called = ivanova.post("/api/v1/windows/2/call-next").json["ticket"]
    assert (called["label"], called["status"], called["window"]) == ("К-001", "called", 2)
    assert ivanova.post("/api/v1/windows/2/recall").json["ticket"]["recalls"] == 1
    assert ivanova.post("/api/v1/windows/2/start").json["ticket"]["status"] == "serving"
    topic = ivanova.post("/api/v1/windows/2/topics", json={"service": "billing"})
    assert topic.json["ticket"]["topics"] == ["consult", "billing"]
    done = ivanova.post(
        "/api/v1/windows/2/finish", json={"outcome": "answered", "topics": ["metering"]}
    ).json["ticket"]
    assert done["status"] == "done"
    assert done["topics"] == ["consult", "billing", "metering"]
    assert done["outcome"] == "answered"
    windows = {w["number"]: w for w in ivanova.get("/api/v1/windows").json["windows"]}
    assert windows[2]["state"] == "open" and windows[2]["ticket"] is None


def test_illegal_move_is_409_and_changes_nothing(
    kiosk: FlaskClient, ivanova: FlaskClient
) -> None:
    issue(kiosk)
    ivanova.post("/api/v1/windows/2/open")
    before = ivanova.get("/api/v1/snapshot").json
    response = ivanova.post("/api/v1/windows/2/start")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "invalid_transition"
    assert "window 2 is open" in response.json["error"]["message"]
    after = ivanova.get("/api/v1/snapshot").json
    assert after["seq"] == before["seq"]
    assert after["windows"] == before["windows"]


def test_call_next_on_empty_queue(ivanova: FlaskClient) -> None:
    ivanova.post("/api/v1/windows/2/open")
    response = ivanova.post("/api/v1/windows/2/call-next")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "queue_empty"


def test_call_specific_ticket(kiosk: FlaskClient, ivanova: FlaskClient) -> None:
    issue(kiosk)
    issue(kiosk)
    ivanova.post("/api/v1/windows/2/open")
    response = ivanova.post("/api/v1/windows/2/call", json={"label": "к-002"})
    assert response.json["ticket"]["label"] == "К-002"
    missing = ivanova.post("/api/v1/windows/2/call", json={"label": "Z-999"})
    assert missing.status_code == 409  # window busy now: the state check comes first


def test_consultant_cannot_act_at_a_colleagues_window(app: Flask, kiosk: FlaskClient) -> None:
    ivanova, petrov = login(app, "ivanova"), login(app, "petrov")
    ivanova.post("/api/v1/windows/2/open")
    issue(kiosk)
    response = petrov.post("/api/v1/windows/2/call-next")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_consultant_holds_one_window(ivanova: FlaskClient) -> None:
    ivanova.post("/api/v1/windows/2/open")
    response = ivanova.post("/api/v1/windows/3/open")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"


def test_roles_are_limited(app: Flask, kiosk: FlaskClient) -> None:
    board = device(app, BOARD_TOKEN)
    assert board.get("/api/v1/snapshot").status_code == 200
    assert board.post("/api/v1/tickets", json={"service": "consult"}).status_code == 403
    assert kiosk.post("/api/v1/windows/2/open").status_code == 403
    assert kiosk.get("/api/v1/events").status_code == 403
    ticket = issue(kiosk)["ticket"]
    consultant = login(app, "ivanova")
    cancel = consultant.post(f"/api/v1/tickets/{ticket['id']}/cancel", json={"reason": "x"})
    assert cancel.status_code == 403
    segment = kiosk.post("/api/v1/tickets", json={"service": "consult", "segment": "vip"})
    assert segment.status_code == 403


def test_bridge_acts_only_for_its_windows(app: Flask, kiosk: FlaskClient) -> None:
    bridge = device(app, BRIDGE_TOKEN)
    issue(kiosk)
    assert bridge.post("/api/v1/windows/2/open").status_code == 200
    assert bridge.post("/api/v1/windows/2/call-next").json["ticket"]["label"] == "К-001"
    assert bridge.post("/api/v1/windows/4/open").status_code == 403


def test_hall_issues_vip_and_out_of_turn_and_cancels(app: Flask, kiosk: FlaskClient) -> None:
    hall = login(app, "hall")
    vip = hall.post("/api/v1/tickets", json={"service": "consult", "segment": "vip"}).json
    assert vip["ticket"]["segment"] == "vip"
    assert vip["ticket"]["wait_target"] == 600.0
    oot = hall.post("/api/v1/tickets", json={"service": "consult", "category": "disability"})
    assert oot.json["ticket"]["category"] == "disability"
    cancelled = hall.post(f"/api/v1/tickets/{vip['ticket']['id']}/cancel",
                          json={"reason": "ушёл"})
    assert cancelled.json["status"] == "cancelled"
    again = hall.post(f"/api/v1/tickets/{vip['ticket']['id']}/cancel", json={"reason": "x"})
    assert again.status_code == 409


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, "'service' is a required property"),
        ({"service": "nope"}, "unknown service"),
        ({"service": "consult", "colour": "red"}, "Additional properties"),
        ({"service": 5}, "not of type 'string'"),
        ({"service": "consult", "category": "pensioner"}, "out-of-turn category"),
    ],
)
def test_bad_issue_requests_are_refused_and_change_nothing(
    kiosk: FlaskClient, body: dict, fragment: str
) -> None:
    before = kiosk.get("/api/v1/snapshot").json["seq"]
    response = kiosk.post("/api/v1/tickets", json=body)
    assert response.status_code in (400, 404)
    assert fragment in response.json["error"]["message"]
    assert kiosk.get("/api/v1/snapshot").json["seq"] == before


def test_non_json_body_is_refused(kiosk: FlaskClient) -> None:
    response = kiosk.post("/api/v1/tickets", data="service=consult",
                          content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "JSON" in response.json["error"]["message"]


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/windows/2/pause", {"reason": "coffee"}),
        ("/api/v1/windows/2/transfer", {"comment": "no destination"}),
        ("/api/v1/windows/2/finish", {"topics": "consult"}),
        ("/api/v1/windows/2/call", {"label": ""}),
        ("/api/v1/windows/2/open", {"unexpected": 1}),
    ],
)
def test_bad_window_requests_are_refused(ivanova: FlaskClient, path: str, body: dict) -> None:
    response = ivanova.post(path, json=body)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"


def test_unknown_window_is_404(ivanova: FlaskClient) -> None:
    response = ivanova.post("/api/v1/windows/42/open")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_window"


def test_unknown_route_gives_json_error(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_idempotent_issue_returns_the_same_ticket(kiosk: FlaskClient) -> None:
    first = kiosk.post("/api/v1/tickets", json={"service": "consult"},
                       headers={"Idempotency-Key": "press-17"})
    again = kiosk.post("/api/v1/tickets", json={"service": "consult"},
                       headers={"Idempotency-Key": "press-17"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["ticket"]["label"] == first.json["ticket"]["label"]
    assert again.json["replayed"] is True
    other = kiosk.post("/api/v1/tickets", json={"service": "billing"},
                       headers={"Idempotency-Key": "press-17"})
    assert other.status_code == 409
    waiting = kiosk.get("/api/v1/snapshot").json["waiting"]
    assert [t["label"] for t in waiting] == ["К-001"]


def test_transfer_keeps_label_and_place(
    app: Flask, kiosk: FlaskClient, clock: FakeClock
) -> None:
    ivanova = login(app, "ivanova")
    petrov = login(app, "petrov")
    issue(kiosk, "consult")
    clock.advance(300)
    ivanova.post("/api/v1/windows/2/open")
    ivanova.post("/api/v1/windows/2/call-next")
    ivanova.post("/api/v1/windows/2/start")
    clock.advance(60)
    issue(kiosk, "contract")  # joins the contract queue before К-001 is sent there
    clock.advance(120)
    moved = ivanova.post(
        "/api/v1/windows/2/transfer", json={"service": "contract", "comment": "договор"}
    ).json["ticket"]
    assert (moved["label"], moved["status"], moved["service"]) == ("К-001", "waiting", "contract")
    assert moved["transfers"] == 1 and moved["note"] == "договор"
    petrov.post("/api/v1/windows/3/open")
    assert petrov.post("/api/v1/windows/3/call-next").json["ticket"]["label"] == "К-001"


def test_transfer_to_colleague_goes_only_to_them(app: Flask, kiosk: FlaskClient) -> None:
    ivanova, petrov = login(app, "ivanova"), login(app, "petrov")
    admin = login(app, "admin")
    issue(kiosk, "consult")
    ivanova.post("/api/v1/windows/2/open")
    ivanova.post("/api/v1/windows/2/call-next")
    refused = ivanova.post("/api/v1/windows/2/transfer", json={"user": "petrov"})
    assert "not at an open window" in refused.json["error"]["message"]
    petrov.post("/api/v1/windows/3/open")
    ivanova.post("/api/v1/windows/2/transfer", json={"user": "petrov", "comment": "к Петрову"})
    admin.post("/api/v1/windows/4/open")
    assert admin.post("/api/v1/windows/4/call-next").json["error"]["code"] == "queue_empty"
    assert petrov.post("/api/v1/windows/3/call-next").json["ticket"]["label"] == "К-001"


def test_postpone_and_no_show(kiosk: FlaskClient, ivanova: FlaskClient, clock: FakeClock) -> None:
    issue(kiosk)
    clock.advance(60)
    issue(kiosk)
    ivanova.post("/api/v1/windows/2/open")
    ivanova.post("/api/v1/windows/2/call-next")
    clock.advance(60)
    postponed = ivanova.post("/api/v1/windows/2/postpone", json={"reason": "за паспортом"})
    assert postponed.json["ticket"]["status"] == "waiting"
    assert postponed.json["ticket"]["postponements"] == 1
    nxt = ivanova.post("/api/v1/windows/2/call-next").json["ticket"]
    assert nxt["label"] == "К-002"
    assert ivanova.post("/api/v1/windows/2/no-show").json["ticket"]["status"] == "no_show"
    assert ivanova.post("/api/v1/windows/2/call-next").json["ticket"]["label"] == "К-001"


def test_pause_resume_close(ivanova: FlaskClient, kiosk: FlaskClient) -> None:
    ivanova.post("/api/v1/windows/2/open")
    paused = ivanova.post("/api/v1/windows/2/pause", json={"reason": "lunch"}).json["window"]
    assert (paused["state"], paused["pause_reason"]) == ("paused", "lunch")
    issue(kiosk)
    assert ivanova.post("/api/v1/windows/2/call-next").status_code == 409
    assert ivanova.post("/api/v1/windows/2/resume").json["window"]["state"] == "open"
    ivanova.post("/api/v1/windows/2/call-next")
    assert ivanova.post("/api/v1/windows/2/close").status_code == 409  # visitor at the window
    ivanova.post("/api/v1/windows/2/no-show")
    assert ivanova.post("/api/v1/windows/2/close").json["window"]["state"] == "closed"


def test_event_log_records_every_move_with_window_and_user(
    app: Flask, kiosk: FlaskClient, ivanova: FlaskClient
) -> None:
    issue(kiosk)
    ivanova.post("/api/v1/windows/2/open")
    ivanova.post("/api/v1/windows/2/call-next")
    ivanova.post("/api/v1/windows/2/start")
    ivanova.post("/api/v1/windows/2/finish")
    head = login(app, "head")
    events = head.get("/api/v1/events").json["events"]
    kinds = [e["kind"] for e in events]
    assert kinds == ["ticket.issued", "window.changed", "ticket.called", "ticket.started",
                     "ticket.finished"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert events[0]["user"] == "kiosk-1"
    assert all(e["user"] == "ivanova" and e["window"] == 2 for e in events[1:])
    assert head.get("/api/v1/events?since=3").json["events"][0]["seq"] == 4
    assert head.get("/api/v1/events?limit=0").status_code == 400
    assert head.get("/api/v1/events?since=abc").status_code == 400


def test_office_closed_refuses_tickets(tmp_path, clock: FakeClock) -> None:
    from server.app import create_app
    from tests.server.conftest import settings_for

    app = create_app(settings_for(tmp_path, TALON_SCHEDULE__ENFORCE="true"), clock=clock)
    app.extensions["talon"].accounts.add_token("k", "kiosk", token=KIOSK_TOKEN)
    kiosk = device(app, KIOSK_TOKEN)
    assert kiosk.post("/api/v1/tickets", json={"service": "consult"}).status_code == 201
    clock.advance(8 * 3600)  # 18:00 on Monday: closed
    response = kiosk.post("/api/v1/tickets", json={"service": "consult"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "office_closed"
    assert response.json["error"]["details"]["reason"] == "closed"
    app.extensions["talon"].store.close()


def test_public_status_shows_numbers_only(client: FlaskClient, kiosk: FlaskClient) -> None:
    issue(kiosk)
    second = issue(kiosk)["ticket"]
    status = client.get(f"/api/v1/public/tickets/{second['public_id']}").json
    assert status["label"] == "К-002"
    assert status["ahead"] == 1
    assert set(status) == {"label", "service", "service_name", "status", "window",
                           "issued_at", "ahead", "expected_wait"}
    assert client.get("/api/v1/public/tickets/doesnotexist").status_code == 404


def test_labels_restart_next_office_day(kiosk: FlaskClient, clock: FakeClock) -> None:
    assert issue(kiosk)["ticket"]["label"] == "К-001"
    assert issue(kiosk)["ticket"]["label"] == "К-002"
    clock.advance(24 * 3600)
    assert issue(kiosk)["ticket"]["label"] == "К-001"


def test_password_is_stored_hashed(app: Flask) -> None:
    with app.extensions["talon"].store.read() as tx:
        user = tx.user("ivanova")
    assert user is not None
    assert PASSWORD not in str(user["password_hash"])
    assert str(user["password_hash"]).startswith(("scrypt:", "pbkdf2:"))


def test_unknown_window_action_is_404(ivanova: FlaskClient) -> None:
    response = ivanova.post("/api/v1/windows/2/dance")
    assert response.status_code == 404
    assert "call-next" in response.json["error"]["details"]["allowed"]


def test_a_tampered_session_cookie_is_refused(app: Flask) -> None:
    client = login(app, "ivanova")
    assert client.get("/api/v1/auth/me").status_code == 200  # the cookie is now remembered
    cookie = client.get_cookie("session")
    assert cookie is not None
    forged = app.test_client()
    forged.set_cookie("session", cookie.value[:-2] + ("AA" if cookie.value[-2:] != "AA" else "BB"))
    assert forged.get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"user": "ghost"}, "no colleague 'ghost'"),
        ({"user": "ivanova"}, "to yourself"),
        ({"user": "head"}, "does not serve at a window"),
        ({"service": "consult"}, "already in service"),
        ({"window": 2}, "same window"),
        ({"window": 42}, "no window 42"),
    ],
)
def test_transfers_that_would_lose_or_favour_the_visitor_are_refused(
    kiosk: FlaskClient, ivanova: FlaskClient, body: dict, fragment: str
) -> None:
    issue(kiosk)
    ivanova.post("/api/v1/windows/2/open")
    ivanova.post("/api/v1/windows/2/call-next")
    before = ivanova.get("/api/v1/snapshot").json["seq"]
    response = ivanova.post("/api/v1/windows/2/transfer", json=body)
    assert response.status_code in (400, 404)
    assert fragment in response.json["error"]["message"]
    assert ivanova.get("/api/v1/snapshot").json["seq"] == before
    assert ivanova.get("/api/v1/tickets/1").json["status"] == "called"


def test_devices_cannot_read_staff_detail_of_tickets(app: Flask, kiosk: FlaskClient) -> None:
    issue(kiosk)
    board = device(app, BOARD_TOKEN)
    for client in (kiosk, board, device(app, BRIDGE_TOKEN)):
        assert client.get("/api/v1/tickets/1").status_code == 403
        assert client.get("/api/v1/windows/2/queue").status_code == 403
    assert login(app, "hall").get("/api/v1/tickets/1").json["label"] == "К-001"


def test_a_ticket_id_beyond_sqlite_integers_is_simply_not_found(ivanova: FlaskClient) -> None:
    assert ivanova.get(f"/api/v1/tickets/{2**63}").status_code == 404
    response = ivanova.post(f"/api/v1/tickets/{10**30}/cancel", json={"reason": "x"})
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_a_chunked_body_is_read(ivanova: FlaskClient, kiosk: FlaskClient) -> None:
    issue(kiosk)
    ivanova.post("/api/v1/windows/2/open")
    ivanova.post("/api/v1/windows/2/call-next")
    ivanova.post("/api/v1/windows/2/start")

    # No Content-Length, as a chunked request arrives from the WSGI server.
    body = io.BytesIO(b'{"outcome": "answered", "topics": ["billing"]}')
    response = ivanova.post("/api/v1/windows/2/finish", input_stream=body,
                            headers={"Content-Type": "application/json",
                                     "Transfer-Encoding": "chunked"},
                            environ_overrides={"wsgi.input_terminated": True})
    assert response.json["ticket"]["outcome"] == "answered"
    assert response.json["ticket"]["topics"] == ["consult", "billing"]


def test_an_oversized_body_is_refused(kiosk: FlaskClient) -> None:
    response = kiosk.post("/api/v1/tickets", data=b"{" + b" " * 70_000 + b"}",
                          content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "request_entity_too_large"


def test_idempotency_header_and_field_must_agree(kiosk: FlaskClient) -> None:
    response = kiosk.post("/api/v1/tickets", json={"service": "consult", "idempotency_key": "a"},
                          headers={"Idempotency-Key": "b"})
    assert response.status_code == 400
    assert "differ" in response.json["error"]["message"]


def test_a_consultant_sees_their_own_day(
    app: Flask, kiosk: FlaskClient, ivanova: FlaskClient, clock: FakeClock
) -> None:
    empty = ivanova.get("/api/v1/me/day").json
    assert empty == {"served": 0, "no_show": 0, "mean_service": None, "within_target": None}
    ivanova.post("/api/v1/windows/2/open")
    target = issue(kiosk)["ticket"]["service_target"]
    for service_time in (120.0, target + 60.0):  # one within its target, one past it
        issue(kiosk)
        ivanova.post("/api/v1/windows/2/call-next")
        ivanova.post("/api/v1/windows/2/start")
        clock.advance(service_time)
        ivanova.post("/api/v1/windows/2/finish", json={})
    ivanova.post("/api/v1/windows/2/call-next")
    ivanova.post("/api/v1/windows/2/no-show")
    # A colleague's visits are not in ivanova's day.
    petrov = login(app, "petrov")
    petrov.post("/api/v1/windows/3/open")
    issue(kiosk)
    petrov.post("/api/v1/windows/3/call-next")
    petrov.post("/api/v1/windows/3/start")
    petrov.post("/api/v1/windows/3/finish", json={})
    day = ivanova.get("/api/v1/me/day").json
    assert day["served"] == 2 and day["no_show"] == 1
    assert day["mean_service"] == pytest.approx((120.0 + target + 60.0) / 2)
    assert day["within_target"] == pytest.approx(0.5)
    assert login(app, "petrov").get("/api/v1/me/day").json["served"] == 1
    assert device(app, BRIDGE_TOKEN).get("/api/v1/me/day").status_code == 400


def test_staff_list_shows_where_colleagues_work(app: Flask, ivanova: FlaskClient) -> None:
    ivanova.post("/api/v1/windows/2/open")
    staff = {s["username"]: s for s in ivanova.get("/api/v1/staff").json["staff"]}
    assert set(staff) == {"ivanova", "petrov", "admin"}  # consultants and admins only
    assert staff["ivanova"]["window"] == 2
    assert staff["petrov"]["window"] is None
    ivanova.post("/api/v1/windows/2/close")
    staff = {s["username"]: s for s in ivanova.get("/api/v1/staff").json["staff"]}
    assert staff["ivanova"]["window"] is None
    assert device(app, KIOSK_TOKEN).get("/api/v1/staff").status_code == 403


def test_the_office_document_hides_the_server_settings(ivanova: FlaskClient) -> None:
    office = ivanova.get("/api/v1/office").json
    assert "server" not in office  # host, port and the database path are nobody's business
    assert office["services"] and office["board"]["history"] >= 1


def test_a_rating_pad_rates_the_visit_at_its_window_once(
    app: Flask, kiosk: FlaskClient, ivanova: FlaskClient, clock: FakeClock
) -> None:
    bridge = device(app, BRIDGE_TOKEN)
    nothing = bridge.post("/api/v1/windows/2/rating", json={"rating": 5})
    assert nothing.status_code == 409  # no visit at window 2 yet
    ivanova.post("/api/v1/windows/2/open")
    issue(kiosk)
    issue(kiosk)
    ivanova.post("/api/v1/windows/2/call-next")
    ivanova.post("/api/v1/windows/2/start")
    serving = bridge.post("/api/v1/windows/2/rating", json={"rating": 4}).json["ticket"]
    assert (serving["label"], serving["rating"]) == ("К-001", 4)
    again = bridge.post("/api/v1/windows/2/rating", json={"rating": 1})
    assert again.status_code == 409  # the first press counts
    ivanova.post("/api/v1/windows/2/finish", json={})
    ivanova.post("/api/v1/windows/2/call-next")  # К-002 called: the pad still rates К-001's
    assert bridge.post("/api/v1/windows/2/rating", json={"rating": 2}).status_code == 409
    ivanova.post("/api/v1/windows/2/start")
    ivanova.post("/api/v1/windows/2/finish", json={})
    clock.advance(60)
    done = bridge.post("/api/v1/windows/2/rating", json={"rating": 5}).json["ticket"]
    assert (done["label"], done["rating"], done["status"]) == ("К-002", 5, "done")
    # Too late: a visit that ended long ago is not rated by a press now.
    issue(kiosk)
    ivanova.post("/api/v1/windows/2/call-next")
    ivanova.post("/api/v1/windows/2/start")
    ivanova.post("/api/v1/windows/2/finish", json={})
    clock.advance(600)
    assert bridge.post("/api/v1/windows/2/rating", json={"rating": 3}).status_code == 409
    # Bad values, other windows and staff are refused.
    assert bridge.post("/api/v1/windows/2/rating", json={"rating": 0}).status_code == 400
    assert bridge.post("/api/v1/windows/4/rating", json={"rating": 3}).status_code == 403
    assert ivanova.post("/api/v1/windows/2/rating", json={"rating": 5}).status_code == 403
    rated = [e for e in login(app, "head").get("/api/v1/events").json["events"]
             if e["kind"] == "ticket.rated"]
    assert [(e["label"], e["data"]["rating"]) for e in rated] == [("К-001", 4), ("К-002", 5)]


def test_writes_from_another_origin_are_refused(app: Flask, ivanova: FlaskClient) -> None:
    """A page on another port of the same host must not drive a logged-in desk."""
    foreign = {"Origin": "http://localhost:8080"}
    response = ivanova.post("/api/v1/windows/2/open", headers=foreign)
    assert response.status_code == 403
    assert response.json["error"]["message"] == "cross-origin request refused"
    sibling = {"Sec-Fetch-Site": "same-site"}
    assert ivanova.post("/api/v1/windows/2/open", headers=sibling).status_code == 403
    assert ivanova.get("/api/v1/windows").json["windows"][1]["state"] == "closed"
    # The page's own origin, and clients that send no Origin (curl, devices), still work.
    own = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    assert ivanova.post("/api/v1/windows/2/open", headers=own).status_code == 200
    assert ivanova.post("/api/v1/windows/2/close").status_code == 200
