"""Public HTML pages: the office's start page and a ticket's status page (the QR target).

Neither shows personal data: a ticket is found by its unguessable public id and shows only
its label, place in the queue and expected wait.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask.typing import ResponseReturnValue

from server.domain.errors import UnknownTicket

pages = Blueprint("pages", __name__, template_folder="templates")


@pages.get("/")
def index() -> ResponseReturnValue:
    return render_template("index.html", office=current_app.extensions["talon"].reader.office)


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
