"""GET /api/v1/staffing: the head's staffing advice for next week from the office history
(``server.staffing``), for head and admin (EVENTS_READ)."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from server.contract import API_PREFIX
from server.domain.access import EVENTS_READ
from server.domain.errors import InvalidInput
from server.staffing import staffing_payload
from server.web.auth import current_actor

staffing_api = Blueprint("staffing_api", __name__, url_prefix=API_PREFIX)
WEEKS = (1, 26)
TARGET = (0.5, 0.99)


def _number(name: str, default: float, low: float, high: float, kind: type) -> float:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise InvalidInput(f"query parameter {name!r} must be a number",
                           parameter=name) from None
    if not low <= value <= high:  # also refuses nan
        raise InvalidInput(f"query parameter {name!r} must be between {low} and {high}",
                           parameter=name)
    return value


@staffing_api.get("/staffing")
def staffing() -> ResponseReturnValue:
    """Windows to open per hour of next week, next to the actual staffing of past weeks."""
    current_actor().require(EVENTS_READ)
    weeks = int(_number("weeks", 8, *WEEKS, int))
    target = _number("target", 0.8, *TARGET, float)
    talon = current_app.extensions["talon"]
    return staffing_payload(talon.store, talon.reader.office, talon.queue.clock(), weeks, target)
