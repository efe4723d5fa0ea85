"""HTML pages: the public ones (start page, a ticket's status page: the QR target) and the
shells of the staff screens and boards, whose behaviour lives in ``static/*.js``.

Public pages show no personal data: a ticket is found by its unguessable public id and shows
only its label, place in the queue and expected wait. Staff pages need a login session and
send the browser to /login without one; boards authenticate with a device token given in the
URL fragment, so they never meet a login that expires.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from server import contract
from server.domain.access import (
    ALERT_ACK,
    BOOKING_MANAGE,
    EVENTS_READ,
    TICKET_ISSUE_SPECIAL,
    WINDOW_ACT,
    Actor,
)
from server.domain.errors import UnknownTicket
from server.domain.office import Office
from server.web.auth import resolve_actor
from server.web.i18n import catalog_for

pages = Blueprint("pages", __name__, template_folder="templates")


def render_page(template: str, page: str, *, device: bool = False, **context: Any) -> str:
    """A page of the app shell: its translations and wire names go in as JSON config."""
    reader = current_app.extensions["talon"].reader
    config = {
        "page": page,
        "api": contract.API_PREFIX,
        "events": list(contract.EVENTS),
        "catalog": catalog_for(page),
        "device": device,
        **context.pop("config", {}),
    }
    return render_template(template, office=reader.office, config=config, **context)


def staff_or_login(permission: str) -> Actor | ResponseReturnValue:
    """The logged-in staff member allowed ``permission``, else a redirect or a 403 page."""
    actor = resolve_actor(None)
    if actor is None:
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
    if not actor.can(permission):
        return render_page("forbidden.html", "login", role=actor.role), 403
    return actor


@pages.get("/")
def index() -> ResponseReturnValue:
    return render_template("index.html", office=current_app.extensions["talon"].reader.office)


@pages.get("/login")
def login() -> ResponseReturnValue:
    target = local_path(request.args.get("next"))
    return render_page("login.html", "login", config={"next": target})


def local_path(target: str | None) -> str:
    """``target`` if it is a path on this server, else "/": never an open redirect. Browsers
    read "/\\host" and "/<tab>/host" as "//host", so backslashes and control characters
    are refused along with anything that has a scheme or a host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


@pages.get("/t/<public_id>")
def ticket_status(public_id: str) -> ResponseReturnValue:
    reader = current_app.extensions["talon"].reader
    if not 8 <= len(public_id) <= 64:
        abort(404)
    try:
        status = reader.public_status(public_id)
    except UnknownTicket:
        return render_template("ticket_missing.html", office=reader.office), 404
    return render_template("ticket.html", office=reader.office, ticket=status)


# Staff screens ---------------------------------------------------------------------------


def staff_page(permission: str, template: str, page: str,
               config: Callable[[Actor], dict[str, Any]] | None = None) -> ResponseReturnValue:
    """A staff screen: the login/403 guard, then the page with who is logged in and whatever
    ``config(actor)`` adds."""
    actor = staff_or_login(permission)
    if not isinstance(actor, Actor):
        return actor
    extra = config(actor) if config is not None else {}
    return render_page(template, page,
                       config={"user": actor.name, "role": actor.role, **extra})


def _office() -> Office:
    return current_app.extensions["talon"].reader.office


def _today() -> str:
    return _office().day_of(current_app.extensions["talon"].queue.clock())


def _services(office: Office) -> list[dict[str, str]]:
    return [{"code": s.code, "name": s.name, "name_en": s.name_en, "prefix": s.prefix}
            for s in office.services]


@pages.get("/desk")
@pages.get("/desk/<int:number>")
def desk(number: int | None = None) -> ResponseReturnValue:
    """The consultant's desk: without a number, the choice of window."""
    if number is not None and _office().window(number) is None:
        # After the login guard: a stranger is sent to log in, not told what exists.
        guard = staff_or_login(WINDOW_ACT)
        if isinstance(guard, Actor):
            abort(404)
        return guard
    return staff_page(WINDOW_ACT, "desk.html", "desk", lambda actor: {"window": number})


@pages.get("/console")
def console() -> ResponseReturnValue:
    """The hall consultant's console: issue on a visitor's behalf, the queue, alerts."""
    return staff_page(ALERT_ACK, "console.html", "console",
                      lambda actor: {"may_issue": actor.can(TICKET_ISSUE_SPECIAL)})


@pages.get("/dashboard")
def dashboard() -> ResponseReturnValue:
    """The office head's live dashboard: queues, windows, today's figures, alerts."""
    return staff_page(EVENTS_READ, "dashboard.html", "dashboard",
                      lambda actor: {"services": _services(_office())})


@pages.get("/staffing")
def staffing() -> ResponseReturnValue:
    """The office head's staffing advice: windows per hour of next week, advised and actual."""
    return staff_page(EVENTS_READ, "staffing.html", "staffing",
                      lambda actor: {"wait_target_min": _office().targets.wait_min})


def _booking_config() -> dict[str, Any]:
    office = _office()
    return {
        "services": [
            {"code": s.code, "name": s.name, "name_en": s.name_en}
            for s in office.services if office.bookings and office.booking.service(s.code)
        ],
        "horizon_days": office.booking.horizon_days,
        "today": _today(),
    }


@pages.get("/book")
def book() -> ResponseReturnValue:
    """The public booking page: choose a topic, day and time; book with consent; cancel."""
    return render_page("book.html", "book", config=_booking_config())


@pages.get("/bookings")
def bookings() -> ResponseReturnValue:
    """Contact-centre operators: book on a caller's behalf, the day's bookings."""
    return staff_page(BOOKING_MANAGE, "bookings.html", "bookings",
                      lambda actor: _booking_config())


@pages.get("/reports")
def reports() -> ResponseReturnValue:
    """The office head's reports: a day or period, figures, charts, exports."""
    return staff_page(EVENTS_READ, "reports.html", "reports", lambda actor: {"today": _today()})


# Boards ----------------------------------------------------------------------------------


def _board_config() -> dict[str, Any]:
    office = _office()
    return {
        "board": office.board.model_dump(),
        "services": _services(office),
        "windows": [{"number": w.number, "name": w.name} for w in office.windows],
        "voice": "/voice/call.wav",
    }


@pages.get("/board")
def board() -> ResponseReturnValue:
    """The hall board (TV, landscape or portrait): calls, queues, voice announcements."""
    return render_page("board.html", "board", device=True, body_class="board",
                       config=_board_config())


@pages.get("/board/window/<int:number>")
def window_screen(number: int) -> ResponseReturnValue:
    """The small screen above a window: its number and current label, or «closed»."""
    if current_app.extensions["talon"].reader.office.window(number) is None:
        abort(404)
    return render_page("window_screen.html", "board", device=True, body_class="board",
                       config={**_board_config(), "window": number})
