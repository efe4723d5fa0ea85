"""Pre-booking JSON API under /api/v1/bookings, for the public booking page, contact-centre
operators and kiosks alike.

Public endpoints (free slots, book, look up and cancel by code) never return a name or a
phone; the day's list for operators needs BOOKING_MANAGE. Unknown codes are counted per client
address: past ``GUESSES`` misses in ``GUESS_WINDOW`` the client gets 429, so codes cannot be
tried in bulk.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import date, time

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import TooManyRequests

from server.bookings import BookingService, UnknownBooking, public_booking, staff_booking
from server.contract import API_PREFIX
from server.domain.access import BOOKING_MANAGE, Actor
from server.domain.booking import Booking
from server.domain.errors import InvalidInput, Unauthorized
from server.payloads import staff_ticket_payload
from server.web.api import _body
from server.web.auth import current_actor

bookings_api = Blueprint("bookings_api", __name__, url_prefix=f"{API_PREFIX}/bookings")
GUESSES = 20
GUESS_WINDOW = 600.0


class GuessGuard:
    """Counts misses (unknown codes) per client; refuses a client past the limit."""

    def __init__(self, limit: int = GUESSES, window: float = GUESS_WINDOW) -> None:
        self.limit, self.window = limit, window
        self._misses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, now: float) -> None:
        with self._lock:
            misses = self._misses.get(client)
            while misses and misses[0] <= now - self.window:
                misses.popleft()
            if misses is not None and len(misses) >= self.limit:
                raise TooManyRequests("too many unknown booking codes; try again later")

    def miss(self, client: str, now: float) -> None:
        with self._lock:
            self._misses.setdefault(client, deque()).append(now)


def _service() -> BookingService:
    return current_app.extensions["talon.bookings"]


def _guard() -> GuessGuard:
    return current_app.extensions["talon.booking_guard"]


def _date_arg(raw: object, name: str = "date") -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-11-24", field=name) from None


def _time_arg(raw: object) -> time:
    try:
        return time.fromisoformat(str(raw))
    except ValueError:
        raise InvalidInput("time must be like 10:15", field="time") from None


def _optional_actor() -> Actor | None:
    """The logged-in operator, or None on the public page (no session, no token)."""
    try:
        return current_actor()
    except Unauthorized:
        return None


def _guarded(code: str) -> Booking:
    """Look up ``code``, counting unknown ones against the client."""
    service, guard, client = _service(), _guard(), request.remote_addr or "?"
    now = service.clock()
    guard.check(client, now)
    try:
        return service.find(code)
    except UnknownBooking:
        guard.miss(client, now)
        raise


@bookings_api.get("/slots")
def slots() -> ResponseReturnValue:
    service = request.args.get("service", "")
    day = _date_arg(request.args.get("date", ""))
    return {"service": service, "date": day.isoformat(),
            "slots": _service().slots(service, day)}


@bookings_api.post("")
def book() -> ResponseReturnValue:
    body = _body("BookingRequest")
    actor = _optional_actor()
    if actor is not None and not actor.can(BOOKING_MANAGE):
        actor = None  # a consultant or device booking on the public form books as the public
    service = _service()
    booking = service.book(
        actor, body["service"], _date_arg(body["date"]), _time_arg(body["time"]),
        body["name"], body["phone"], consent=body["consent"],
    )
    payload = (staff_booking if actor is not None else public_booking)(booking, service.office)
    return payload, 201


@bookings_api.get("")
def day_list() -> ResponseReturnValue:
    actor = current_actor()
    service = _service()
    day = _date_arg(request.args.get("date", service.office.day_of(service.clock())))
    found = service.day(actor, day, request.args.get("service") or None)
    counts: dict[str, int] = {}
    for booking in found:
        counts[booking.status.value] = counts.get(booking.status.value, 0) + 1
    return {"date": day.isoformat(), "counts": counts,
            "bookings": [staff_booking(b, service.office) for b in found]}


@bookings_api.get("/<code>")
def lookup(code: str) -> ResponseReturnValue:
    booking = _guarded(code)
    return public_booking(booking, _service().office)


@bookings_api.post("/<code>/cancel")
def cancel(code: str) -> ResponseReturnValue:
    _body("Empty")
    _guarded(code)
    service = _service()
    return public_booking(service.cancel(code), service.office)


@bookings_api.post("/check-in")
def check_in() -> ResponseReturnValue:
    actor = current_actor()
    body = _body("CheckInRequest")
    service = _service()
    done = service.check_in(actor, body["code"])
    issued = done.issued
    return {
        "booking": public_booking(done.booking, service.office),
        "late": done.late,
        "ticket": staff_ticket_payload(issued.ticket, service.clock()),
        "ahead": issued.ahead,
        "expected_wait": issued.expected_wait,
        "replayed": issued.replayed,
    }, 200 if issued.replayed else 201
