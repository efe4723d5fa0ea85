"""Small builders for domain objects, so each test states only what matters to it."""

from __future__ import annotations

from itertools import count

from server.domain.tickets import Ticket, format_label
from tests.conftest import MONDAY_10AM

T0 = MONDAY_10AM
MINUTE = 60.0
_numbers = count(1)


def make_ticket(**fields: object) -> Ticket:
    """A waiting ordinary ticket for «Консультация», issued at T0, with a 20-minute target."""
    number = int(fields.pop("number", next(_numbers)))  # type: ignore[call-overload]
    values: dict[str, object] = {
        "day": "2026-11-23",
        "number": number,
        "label": format_label("К", number),
        "service": "consult",
        "segment": "individual",
        "issued_at": T0,
        "wait_target": 20 * MINUTE,
        "service_target": 10 * MINUTE,
        "public_id": f"pub-{number}",
        "id": number,
    }
    values.update(fields)
    return Ticket(**values)  # type: ignore[arg-type]
