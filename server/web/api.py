"""JSON HTTP API under /api/v1 for kiosks, staff pages, boards and the bridge.

Every request body is validated against its schema in ``openapi.yaml`` before a use case runs,
so the document and the checks cannot drift apart. Errors are translated to JSON in
``server.web.errors``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from server import contract as c
from server.alerts import AlertService, alert_payload
from server.contract import API_PREFIX
from server.dashboard import Dashboard
from server.domain.access import QUEUE_READ, TICKET_ISSUE_SPECIAL, Actor
from server.domain.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from server.domain.tickets import Ticket
from server.domain.windows import Window
from server.payloads import staff_ticket_payload, ticket_payload, window_payload
from server.queue import Issued, QueueService
from server.snapshots import QueueReader
from server.web.auth import current_actor, login_user, logout_user
from server.web.openapi import validate_body

api = Blueprint("api", __name__, url_prefix=API_PREFIX)
MAX_ID = 2**63 - 1  # SQLite's largest integer; a larger id is simply not found


def _queue() -> QueueService:
    return current_app.extensions["talon"].queue


def _reader() -> QueueReader:
    return current_app.extensions["talon"].reader


def _alerts() -> AlertService:
    return current_app.extensions["talon"].alerts


def _body(schema: str) -> dict[str, Any]:
    # Not request.content_length: a chunked body has none, and must not be read as empty.
    data = request.get_json(silent=True) if request.get_data(cache=True) else {}
    if data is None:
        raise InvalidInput("the request body must be JSON (Content-Type: application/json)")
    validate_body(schema, data)
    return data


def _actor(permission: str | None = None) -> Actor:
    actor = current_actor()
    if permission is not None:
        actor.require(permission)
    return actor


@api.before_request
def refuse_cross_origin_writes() -> None:
    """Staff pages authenticate with a cookie, and SameSite does not separate two ports of one
    host: a page served elsewhere must not be able to post to the API with that cookie.
    Browsers send Origin (and Sec-Fetch-Site) with every POST; curl and devices send neither."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.host_url.rstrip("/"):
        raise Forbidden("cross-origin request refused", origin=origin)
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        raise Forbidden("cross-site request refused")


# Public ----------------------------------------------------------------------------------


@api.get("/health")
def health() -> ResponseReturnValue:
    return {"status": "ok", "office": _reader().office.name}


@api.get("/public/tickets/<public_id>")
def public_ticket(public_id: str) -> ResponseReturnValue:
    if not 8 <= len(public_id) <= 64:
        raise InvalidInput("malformed ticket reference")
    return _reader().public_status(public_id)


# Sessions --------------------------------------------------------------------------------


@api.post("/auth/login")
def login() -> ResponseReturnValue:
    body = _body("LoginRequest")
    actor = current_app.extensions["talon"].accounts.authenticate(
        body["username"], body["password"]
    )
    if actor is None:
        raise Unauthorized("wrong username or password")
    login_user(actor)
    return {"username": actor.name, "role": actor.role}


@api.post("/auth/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    return {"ok": True}


@api.get("/auth/me")
def me() -> ResponseReturnValue:
    actor = _actor()
    return {"username": actor.name, "role": actor.role, "device": actor.is_device,
            "windows": sorted(actor.windows) if actor.windows is not None else None}


@api.get("/me/day")
def my_day() -> ResponseReturnValue:
    actor = _actor()
    if actor.is_device:
        raise InvalidInput("a device has no working day; log in as a consultant")
    return _reader().consultant_day(actor)


@api.get("/staff")
def staff() -> ResponseReturnValue:
    return {"staff": _reader().staff(_actor())}


# Office and queue ------------------------------------------------------------------------


@api.get("/office")
def office() -> ResponseReturnValue:
    _actor(QUEUE_READ)
    model = _reader().office
    return model.model_dump(mode="json", exclude={"schedule", "server"}) | {
        "schedule": {"enforce": model.schedule.enforce}
    }


@api.get("/snapshot")
def snapshot() -> ResponseReturnValue:
    _actor(QUEUE_READ)
    return dict(_reader().snapshot())


@api.get("/events")
def events() -> ResponseReturnValue:
    actor = _actor()
    since = _int_arg("since", 0, 0, 2**62)
    limit = _int_arg("limit", 1000, 1, 10_000)
    return {"events": _reader().events(actor, since, limit)}


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"query parameter {name!r} must be an integer") from None
    if not low <= value <= high:
        raise InvalidInput(f"query parameter {name!r} must be between {low} and {high}")
    return value


# Tickets ---------------------------------------------------------------------------------


def _issued_payload(issued: Issued, now: float) -> dict[str, object]:
    return {
        "ticket": staff_ticket_payload(issued.ticket, now),
        "ahead": issued.ahead,
        "expected_wait": issued.expected_wait,
        "replayed": issued.replayed,
    }


@api.post("/tickets")
def issue_ticket() -> ResponseReturnValue:
    actor = _actor()
    body = _body("IssueRequest")
    header = request.headers.get("Idempotency-Key")
    key = body.get("idempotency_key", header)
    if header is not None and key != header:
        raise InvalidInput("Idempotency-Key header and idempotency_key field differ")
    if key is not None and not 1 <= len(key) <= 100:
        raise InvalidInput("Idempotency-Key must have 1 to 100 characters")
    kiosk = body.get("print_on")
    if kiosk is not None:
        # Checked before issuing: a bad request changes nothing.
        actor.require(TICKET_ISSUE_SPECIAL)
        if kiosk not in current_app.extensions["talon"].accounts.device_names(c.ROLE_KIOSK):
            raise InvalidInput(f"no kiosk named {kiosk!r}", kiosk=kiosk)
    queue = _queue()
    issued = queue.issue(
        actor,
        body["service"],
        segment=body.get("segment"),
        category=body.get("category"),
        idempotency_key=key,
    )
    payload = _issued_payload(issued, queue.clock())
    if kiosk is not None:
        payload["print"] = {"kiosk": kiosk, "sent": _request_print(kiosk, issued, actor)}
    return payload, 200 if issued.replayed else 201


def _request_print(kiosk: str, issued: Issued, actor: Actor) -> bool:
    """Ask kiosk ``kiosk`` to print the ticket; False when it is not connected (the console
    then shows the label to write down)."""
    services = current_app.extensions["talon"]
    connection = services.presence.newest(kiosk)
    if connection is None:
        return False
    ticket = issued.ticket
    service = services.reader.office.service(ticket.service)
    request_: c.PrintRequest = {
        "ticket": ticket_payload(ticket, services.queue.clock()),
        "public_id": ticket.public_id,
        "service_name": service.name if service else ticket.service,
        "ahead": issued.ahead,
        "expected_wait": issued.expected_wait,
        "requested_by": actor.name,
    }
    # One connection only; a kiosk also ignores a ticket id it has printed already, so a
    # replayed request (same idempotency key) cannot print twice.
    services.socketio.emit(c.PRINT_REQUESTED, request_, to=connection)
    return True


@api.get("/kiosks")
def kiosks() -> ResponseReturnValue:
    _actor(TICKET_ISSUE_SPECIAL)
    services = current_app.extensions["talon"]
    return {"kiosks": [
        {"name": name, "connected": services.presence.connected(name)}
        for name in services.accounts.device_names(c.ROLE_KIOSK)
    ]}


@api.get(f"/tickets/<int(max={MAX_ID}):ticket_id>")
def get_ticket(ticket_id: int) -> ResponseReturnValue:
    reader = _reader()
    return staff_ticket_payload(reader.ticket(_actor(), ticket_id), reader.clock())


@api.post(f"/tickets/<int(max={MAX_ID}):ticket_id>/cancel")
def cancel_ticket(ticket_id: int) -> ResponseReturnValue:
    actor = _actor()
    body = _body("ReasonRequest")
    queue = _queue()
    ticket = queue.cancel(actor, ticket_id, body["reason"])
    return staff_ticket_payload(ticket, queue.clock())


# Windows ---------------------------------------------------------------------------------


@api.get("/windows")
def list_windows() -> ResponseReturnValue:
    _actor(QUEUE_READ)
    return {"windows": _reader().snapshot()["windows"]}


@api.get("/windows/<int:number>/queue")
def window_queue(number: int) -> ResponseReturnValue:
    reader = _reader()
    tickets = reader.window_queue(_actor(), number)
    now = reader.clock()
    return {"window": number, "tickets": [staff_ticket_payload(t, now) for t in tickets]}


Move = Callable[[QueueService, Actor, int, dict[str, Any]], Ticket | Window]

# POST /windows/<n>/<rule>: (request schema in openapi.yaml, the use case it runs).
WINDOW_MOVES: dict[str, tuple[str, Move]] = {
    "open": ("Empty", lambda q, a, n, b: q.open_window(a, n)),
    "close": ("Empty", lambda q, a, n, b: q.close_window(a, n)),
    "pause": ("PauseRequest", lambda q, a, n, b: q.pause_window(a, n, b["reason"])),
    "resume": ("Empty", lambda q, a, n, b: q.resume_window(a, n)),
    "call-next": ("Empty", lambda q, a, n, b: q.call_next(a, n)),
    "call": ("CallRequest", lambda q, a, n, b: q.call_ticket(a, n, b["label"])),
    "recall": ("Empty", lambda q, a, n, b: q.recall(a, n)),
    "start": ("Empty", lambda q, a, n, b: q.start(a, n)),
    "topics": ("TopicRequest", lambda q, a, n, b: q.add_topic(a, n, b["service"])),
    "finish": (
        "FinishRequest",
        lambda q, a, n, b: q.finish(a, n, b.get("outcome"), b.get("topics")),
    ),
    "no-show": ("Empty", lambda q, a, n, b: q.no_show(a, n)),
    "rating": ("RatingRequest", lambda q, a, n, b: q.rate(a, n, b["rating"])),
    "postpone": ("ReasonRequest", lambda q, a, n, b: q.postpone(a, n, b["reason"])),
    "transfer": (
        "TransferRequest",
        lambda q, a, n, b: q.transfer(
            a, n, service=b.get("service"), window=b.get("window"), user=b.get("user"),
            comment=b.get("comment", ""),
        ),
    ),
}


@api.post("/windows/<int:number>/<move>")
def window_move(number: int, move: str) -> ResponseReturnValue:
    if move not in WINDOW_MOVES:
        raise NotFound(f"no window action {move!r}", allowed=sorted(WINDOW_MOVES))
    schema, run = WINDOW_MOVES[move]
    actor = _actor()
    body = _body(schema)
    queue = _queue()
    result = run(queue, actor, number, body)
    now = queue.clock()
    if isinstance(result, Ticket):
        return {"ticket": staff_ticket_payload(result, now)}
    return {"window": window_payload(result, queue.office, None, now)}


@api.get("/dashboard")
def dashboard() -> ResponseReturnValue:
    """The office head's live dashboard: today's figures, queues, windows, alerts."""
    return Dashboard(_reader()).read(_actor())


# Alerts ----------------------------------------------------------------------------------


@api.get("/alerts")
def list_alerts() -> ResponseReturnValue:
    include_closed = request.args.get("all") in ("1", "true")
    alerts = _alerts().alerts(_actor(), include_closed=include_closed)
    return {"alerts": [alert_payload(a) for a in alerts]}


@api.post("/alerts/staff-call")
def staff_call() -> ResponseReturnValue:
    actor = _actor()
    body = _body("StaffCallRequest")
    raised = _alerts().staff_call(actor, body.get("button"), body.get("window"))
    return {"alert": alert_payload(raised.alert), "created": raised.created}, (
        201 if raised.created else 200
    )


@api.post("/alerts/faults")
def report_fault() -> ResponseReturnValue:
    actor = _actor()
    body = _body("FaultRequest")
    raised = _alerts().report_fault(actor, body["code"], body.get("message", ""))
    return {"alert": alert_payload(raised.alert), "created": raised.created}, (
        201 if raised.created else 200
    )


@api.post("/alerts/faults/clear")
def clear_fault() -> ResponseReturnValue:
    actor = _actor()
    body = _body("FaultClearRequest")
    alert = _alerts().clear_fault(actor, body["code"])
    return {"alert": alert_payload(alert) if alert else None}


@api.post(f"/alerts/<int(max={MAX_ID}):alert_id>/ack")
def acknowledge_alert(alert_id: int) -> ResponseReturnValue:
    return {"alert": alert_payload(_alerts().acknowledge(_actor(), alert_id))}
