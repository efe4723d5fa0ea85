"""What a visitor is told about the wait: people ahead, expected wait, per-service queues.

A first, deliberately simple model: the people ahead are those that a window able to serve
the ticket would, under the live dispatch policy, call before it; the expected wait is people
ahead × mean service time ÷ the windows serving the service. (Prediction proper comes with
the booking and prediction issue.) Pure: works on domain objects only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from server.domain import dispatch
from server.domain.office import MINUTE, Office
from server.domain.tickets import Ticket, TicketStatus
from server.domain.windows import Window, WindowState


def desk_for(office: Office, window: Window) -> dispatch.Desk:
    config = office.window(window.number)
    weights = config.weights if config else {}
    return dispatch.Desk(number=window.number, user=window.user, weights=weights)


def serving_desks(office: Office, windows: Sequence[Window], service: str) -> list[dispatch.Desk]:
    """Open windows that serve ``service``; every window that may, if none is open yet."""
    return _serving(service, [(w, desk_for(office, w)) for w in windows])


def _serving(
    service: str, desks: Sequence[tuple[Window, dispatch.Desk]]
) -> list[dispatch.Desk]:
    able = [(w, d) for w, d in desks if service in d.weights]
    open_now = [d for w, d in able if w.state is not WindowState.CLOSED]
    return open_now or [d for _, d in able]


def people_ahead(
    policy: dispatch.Policy,
    desks: Sequence[dispatch.Desk],
    waiting: Sequence[Ticket],
    ticket: Ticket,
    now: float,
) -> int:
    """How many waiting tickets some serving window would call before ``ticket``."""
    if ticket.status is not TicketStatus.WAITING:
        return 0
    ahead: set[int] = set()
    for desk in desks:
        for other in dispatch.rank(policy, desk, waiting, now):
            if other.id == ticket.id:
                break
            ahead.add(other.id or 0)
    return len(ahead)


def expected_wait(ahead: int, per_visitor: float, desks: int) -> float:
    return ahead * per_visitor / max(1, desks)


def queue_summaries(
    office: Office, windows: Sequence[Window], counts: Mapping[str, int]
) -> list[dict[str, object]]:
    """Per service: how many wait, and the expected wait of a newcomer (everyone the serving
    windows may take, at the service's target time each)."""
    summaries: list[dict[str, object]] = []
    all_desks = [(w, desk_for(office, w)) for w in windows if office.window(w.number)]
    for service in office.services:
        desks = _serving(service.code, all_desks)
        shared = {code for desk in desks for code in desk.weights}
        minutes = service.service_min or office.targets.service_min
        summaries.append(
            {
                "service": service.code,
                "waiting": counts.get(service.code, 0),
                "expected_wait": expected_wait(
                    sum(counts.get(code, 0) for code in shared), MINUTE * minutes, len(desks)
                ),
            }
        )
    return summaries
