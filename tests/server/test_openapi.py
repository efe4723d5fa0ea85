"""The OpenAPI document matches the routes, and real responses match the document."""

from __future__ import annotations

import re

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from server.web.api import WINDOW_MOVES
from server.web.openapi import document
from tests.server.conftest import BRIDGE_TOKEN, KIOSK_TOKEN, device, login

METHODS = {"get", "post", "put", "patch", "delete"}


def documented_operations() -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, item in document()["paths"].items()
        for method in item
        if method in METHODS
    }


def routed_operations(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        # One Flask rule serves every window move; each move is its own documented path.
        paths = ([path.replace("{move}", m) for m in WINDOW_MOVES] if "{move}" in path
                 else [path])
        for method in rule.methods or ():
            if method.lower() in METHODS:
                found.update((method.lower(), p) for p in paths)
    return found


def test_document_is_valid_openapi() -> None:
    validate(document())


def test_every_route_is_documented_and_every_documented_route_exists(app: Flask) -> None:
    assert routed_operations(app) == documented_operations()


def check_response(method: str, path_template: str, response) -> None:  # type: ignore[no-untyped-def]
    operation = document()["paths"][path_template][method]
    spec = operation["responses"].get(str(response.status_code))
    assert spec is not None, f"{method} {path_template} {response.status_code} undocumented"
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        spec = document()["components"]["responses"][name]
    schema = spec.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    validator = jsonschema.Draft202012Validator({**document(), **schema})
    validator.validate(response.get_json())


@pytest.fixture
def kiosk(app: Flask) -> FlaskClient:
    return device(app, KIOSK_TOKEN)


def test_responses_of_a_working_day_match_the_document(app: Flask, kiosk: FlaskClient) -> None:
    staff = login(app, "ivanova")
    head = login(app, "head")
    hall = login(app, "hall")
    anonymous = app.test_client()
    calls = [
        (anonymous, "get", "/health", "/health", None),
        (kiosk, "post", "/tickets", "/tickets", {"service": "consult"}),
        (kiosk, "post", "/tickets", "/tickets", {"service": "nope"}),
        (kiosk, "post", "/tickets", "/tickets", {}),
        (staff, "get", "/auth/me", "/auth/me", None),
        (staff, "get", "/snapshot", "/snapshot", None),
        (staff, "get", "/windows", "/windows", None),
        (staff, "post", "/windows/2/open", "/windows/{number}/open", None),
        (staff, "get", "/windows/2/queue", "/windows/{number}/queue", None),
        (staff, "post", "/windows/2/start", "/windows/{number}/start", None),
        (staff, "post", "/windows/2/call-next", "/windows/{number}/call-next", None),
        (staff, "post", "/windows/2/recall", "/windows/{number}/recall", None),
        (staff, "post", "/windows/2/start", "/windows/{number}/start", None),
        (staff, "post", "/windows/2/topics", "/windows/{number}/topics", {"service": "billing"}),
        (staff, "post", "/windows/2/finish", "/windows/{number}/finish", {"outcome": "ok"}),
        (staff, "get", "/me/day", "/me/day", None),
        (kiosk, "get", "/me/day", "/me/day", None),
        (staff, "get", "/staff", "/staff", None),
        (kiosk, "get", "/staff", "/staff", None),
        (staff, "post", "/windows/2/pause", "/windows/{number}/pause", {"reason": "break"}),
        (staff, "post", "/windows/2/resume", "/windows/{number}/resume", None),
        (staff, "get", "/tickets/1", "/tickets/{ticket_id}", None),
        (staff, "post", "/windows/9/open", "/windows/{number}/open", None),
        (head, "get", "/events", "/events", None),
        (head, "get", "/events?since=x", "/events", None),
        (anonymous, "get", "/snapshot", "/snapshot", None),
        (anonymous, "get", "/office", "/office", None),
        (staff, "get", "/office", "/office", None),
        (anonymous, "get", "/windows", "/windows", None),
        (anonymous, "get", "/events", "/events", None),
        (staff, "get", "/events", "/events", None),
        (anonymous, "get", "/tickets/1", "/tickets/{ticket_id}", None),
        (kiosk, "get", "/tickets/1", "/tickets/{ticket_id}", None),
        (staff, "get", "/tickets/99", "/tickets/{ticket_id}", None),
        (kiosk, "get", "/windows/2/queue", "/windows/{number}/queue", None),
        (staff, "get", "/windows/9/queue", "/windows/{number}/queue", None),
        (anonymous, "get", "/windows/2/queue", "/windows/{number}/queue", None),
        (anonymous, "post", "/tickets", "/tickets", {"service": "consult"}),
        (kiosk, "post", "/tickets", "/tickets", {"service": "consult", "segment": "vip"}),
        (staff, "post", "/tickets/1/cancel", "/tickets/{ticket_id}/cancel", {"reason": "x"}),
        (hall, "post", "/tickets/1/cancel", "/tickets/{ticket_id}/cancel", {"reason": "x"}),
        (hall, "post", "/tickets/99/cancel", "/tickets/{ticket_id}/cancel", {"reason": "x"}),
        (hall, "post", "/tickets/1/cancel", "/tickets/{ticket_id}/cancel", {}),
        (staff, "post", "/windows/2/pause", "/windows/{number}/pause", {"reason": "nap"}),
        (anonymous, "post", "/windows/2/open", "/windows/{number}/open", None),
        (kiosk, "post", "/windows/2/open", "/windows/{number}/open", None),
        (staff, "post", "/windows/2/no-show", "/windows/{number}/no-show", None),
        (anonymous, "post", "/auth/login", "/auth/login", {"username": "x", "password": "y"}),
        (anonymous, "post", "/auth/login", "/auth/login", {}),
        (staff, "post", "/auth/logout", "/auth/logout", None),
        (staff, "get", "/auth/me", "/auth/me", None),
        (anonymous, "get", "/openapi.json", "/openapi.json", None),
        (kiosk, "post", "/alerts/staff-call", "/alerts/staff-call", None),
        (kiosk, "post", "/alerts/staff-call", "/alerts/staff-call", {}),
        (kiosk, "post", "/alerts/staff-call", "/alerts/staff-call", {"window": 99}),
        (staff, "post", "/alerts/staff-call", "/alerts/staff-call", {"button": "a b"}),
        (head, "get", "/dashboard", "/dashboard", None),
        (hall, "get", "/dashboard", "/dashboard", None),
        (anonymous, "get", "/dashboard", "/dashboard", None),
        (head, "get", "/staffing?weeks=2&target=0.9", "/staffing", None),
        (hall, "get", "/staffing", "/staffing", None),
        (head, "get", "/staffing?target=0.3", "/staffing", None),
        (hall, "get", "/alerts", "/alerts", None),
        (hall, "get", "/alerts?all=1", "/alerts", None),
        (staff, "get", "/alerts", "/alerts", None),
        (hall, "post", "/alerts/1/ack", "/alerts/{alert_id}/ack", None),
        (hall, "post", "/alerts/1/ack", "/alerts/{alert_id}/ack", None),
        (hall, "post", "/alerts/99/ack", "/alerts/{alert_id}/ack", None),
        (kiosk, "post", "/alerts/faults", "/alerts/faults", {"code": "paper_out",
                                                            "message": "Нет бумаги"}),
        (kiosk, "post", "/alerts/faults", "/alerts/faults", {"code": "Paper Out"}),
        (kiosk, "post", "/alerts/faults/clear", "/alerts/faults/clear", {"code": "paper_out"}),
        (kiosk, "post", "/alerts/faults/clear", "/alerts/faults/clear", {"code": "paper_out"}),
        (head, "get", "/reports?from=2026-11-23", "/reports", None),
        (head, "get", "/reports?from=2026-11-23&to=2026-11-01", "/reports", None),
        (staff, "get", "/reports?from=2026-11-23", "/reports", None),
        (anonymous, "get", "/reports?from=2026-11-23", "/reports", None),
        (head, "get", "/reports/export.csv?from=2026-11-23", "/reports/export.csv", None),
        (head, "get", "/reports/export.xlsx?from=2026-11-23", "/reports/export.xlsx", None),
        (head, "get", "/reports/visits.csv?from=2026-11-23", "/reports/visits.csv", None),
        (head, "get", "/reports/visits.xlsx?from=x", "/reports/visits.xlsx", None),
        (head, "get", "/reports/monthly.xlsx?month=2026-11", "/reports/monthly.xlsx", None),
        (head, "get", "/reports/charts/waits.svg?from=2026-11-23", "/reports/charts/{name}.svg",
         None),
        (head, "get", "/reports/charts/pie.svg?from=2026-11-23", "/reports/charts/{name}.svg",
         None),
        (hall, "get", "/kiosks", "/kiosks", None),
        (kiosk, "get", "/kiosks", "/kiosks", None),
        (hall, "post", "/tickets", "/tickets", {"service": "consult", "print_on": "kiosk-1"}),
        (hall, "post", "/tickets", "/tickets", {"service": "consult", "print_on": "nope"}),
    ]
    staff = login(app, "ivanova")
    bridge = device(app, BRIDGE_TOKEN)
    kiosk.post("/api/v1/tickets", json={"service": "consult"})
    calls += [
        (staff, "post", "/windows/2/call", "/windows/{number}/call", {"label": "К-002"}),
        (staff, "post", "/windows/2/postpone", "/windows/{number}/postpone", {"reason": "паспорт"}),
        (staff, "post", "/windows/2/call-next", "/windows/{number}/call-next", None),
        (staff, "post", "/windows/2/transfer", "/windows/{number}/transfer", {"window": 3}),
        (staff, "post", "/windows/2/close", "/windows/{number}/close", None),
        (bridge, "post", "/windows/2/rating", "/windows/{number}/rating", {"rating": 5}),
        (bridge, "post", "/windows/2/rating", "/windows/{number}/rating", {"rating": 6}),
    ]
    # Pre-booking: today (Monday) at 10:15, so that the kiosk may check in at 10:00.
    booking = {"service": "consult", "date": "2026-11-23", "time": "10:15",
               "name": "Иван Петров", "phone": "+7 912 345-67-89", "consent": True}
    code = anonymous.post("/api/v1/bookings", json=booking).json["code"]
    calls += [
        (anonymous, "get", "/bookings/slots?service=consult&date=2026-11-24", "/bookings/slots",
         None),
        (anonymous, "get", "/bookings/slots?service=nope&date=2026-11-24", "/bookings/slots",
         None),
        (anonymous, "get", "/bookings/slots?service=consult&date=x", "/bookings/slots", None),
        (anonymous, "post", "/bookings", "/bookings", {**booking, "time": "10:30"}),
        (anonymous, "post", "/bookings", "/bookings", {**booking, "consent": False}),
        (anonymous, "post", "/bookings", "/bookings", {**booking, "service": "nope"}),
        (anonymous, "post", "/bookings", "/bookings", {**booking, "time": "10:30"}),
        (hall, "post", "/bookings", "/bookings", {**booking, "time": "10:45"}),
        (hall, "get", "/bookings", "/bookings", None),
        (hall, "get", "/bookings?date=x", "/bookings", None),
        (staff, "get", "/bookings", "/bookings", None),
        (anonymous, "get", "/bookings", "/bookings", None),
        (anonymous, "get", f"/bookings/{code}", "/bookings/{code}", None),
        (anonymous, "get", "/bookings/AAAA-AAAA", "/bookings/{code}", None),
        (anonymous, "get", "/bookings/0", "/bookings/{code}", None),
        (staff, "post", "/bookings/check-in", "/bookings/check-in", {"code": code}),
        (anonymous, "post", "/bookings/check-in", "/bookings/check-in", {"code": code}),
        (kiosk, "post", "/bookings/check-in", "/bookings/check-in", {"code": "AAAAAAAA"}),
        (kiosk, "post", "/bookings/check-in", "/bookings/check-in", {"code": code}),
        (kiosk, "post", "/bookings/check-in", "/bookings/check-in", {"code": code}),
        (kiosk, "post", "/bookings/check-in", "/bookings/check-in", {}),
        (anonymous, "post", f"/bookings/{code}/cancel", "/bookings/{code}/cancel", None),
        (anonymous, "post", "/bookings/AAAA-AAAA/cancel", "/bookings/{code}/cancel", None),
        (anonymous, "post", "/bookings/0/cancel", "/bookings/{code}/cancel", None),
    ]
    for client, method, path, template, body in calls:
        kwargs = {"json": body} if body is not None else {}
        response = getattr(client, method)(f"/api/v1{path}", **kwargs)
        check_response(method, template, response)
    public_id = head.get("/api/v1/tickets/1").json["public_id"]
    check_response("get", "/public/tickets/{public_id}",
                   anonymous.get(f"/api/v1/public/tickets/{public_id}"))
    exercised = {(method, template) for _, method, _, template, _ in calls}
    exercised.add(("get", "/public/tickets/{public_id}"))
    assert exercised == documented_operations()


def test_every_window_move_validates_with_a_documented_schema() -> None:
    schemas = document()["components"]["schemas"]
    for move, (schema, _) in WINDOW_MOVES.items():
        assert schema in schemas, move
        operation = document()["paths"][f"/windows/{{number}}/{move}"]["post"]
        documented = operation.get("requestBody", {}).get("content", {})
        ref = documented.get("application/json", {}).get("schema", {}).get("$ref", "")
        assert ref.endswith(f"/{schema}") or (schema == "Empty" and not ref), move
