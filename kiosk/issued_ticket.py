"""From the server's answer to the paper ticket.

Pure. Two shapes arrive: the answer to ``POST /tickets`` (``{ticket, ahead, expected_wait,
replayed}``, the ticket carrying its ``public_id``) and the console's ``print.requested``
(``contract.PrintRequest``: ``public_id`` and ``service_name`` beside the ticket).
``answer_from_print_request`` turns the second into the first, so the journal keeps one
shape. The QR code links to the ticket's public status page, ``<public_url>/t/<public_id>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.errors import InvalidTicket
from kiosk.printed_ticket import PrintedTicket
from server.contract import PrintRequest


@dataclass(frozen=True)
class TicketLook:
    """What every ticket of this kiosk shares."""

    office_name: str
    timezone: str
    public_url: str
    footer: str = ""
    logo_path: str | None = None


def answer_from_print_request(request: PrintRequest | Mapping[str, Any]) -> dict[str, Any]:
    ticket = dict(request["ticket"])
    ticket["public_id"] = request["public_id"]
    return {
        "ticket": ticket,
        "ahead": request["ahead"],
        "expected_wait": request["expected_wait"],
        "service_name": request["service_name"],
        "requested_by": request["requested_by"],
        "replayed": False,
    }


def status_url(public_url: str, public_id: str) -> str:
    return f"{public_url.rstrip('/')}/t/{public_id}"


def printed_ticket(answer: Mapping[str, Any], service_name: str, look: TicketLook,
                   ) -> PrintedTicket:
    """The paper ticket for a server answer. InvalidTicket when the answer lacks a field."""
    try:
        ticket = answer["ticket"]
        issued_at = datetime.fromtimestamp(float(ticket["issued_at"]), ZoneInfo(look.timezone))
        return PrintedTicket(
            office_name=look.office_name,
            label=str(ticket["label"]),
            service_name=answer.get("service_name") or service_name,
            issued_at=issued_at,
            people_ahead=int(answer["ahead"]),
            expected_wait=float(answer["expected_wait"]),
            wait_target=float(ticket["wait_target"]),
            status_url=status_url(look.public_url, str(ticket["public_id"])),
            footer=look.footer,
            logo_path=look.logo_path,
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InvalidTicket):
            raise
        raise InvalidTicket(f"the server's answer cannot be printed: {exc!r}") from exc
