"""What a visitor is told about the wait: people ahead, expected wait, per-service queues.

The people ahead are those that a window able to serve the ticket would, under the live
dispatch policy, call before it. The expected wait is predicted by ``prediction``: a replay of
the queue on the open windows (see docs/prediction.md); this module turns windows, their
current visitors and the office into its inputs. ``expected_wait`` is the naive baseline
(people ahead × mean service time ÷ serving windows). Pure: works on domain objects only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from server.domain import dispatch, prediction
from server.domain.office import MINUTE, Office
from server.domain.tickets import Ticket, TicketStatus
from server.domain.windows import PauseReason, Window, WindowState

# How long a pause usually lasts: a paused window is expected back this long after it paused.
PAUSES = {PauseReason.LUNCH: 45 * MINUTE, PauseReason.BREAK: 15 * MINUTE,
          PauseReason.TECHNICAL: 15 * MINUTE, PauseReason.OTHER: 15 * MINUTE}
PROBE_ID = -1_000_000  # probes (newcomers not yet issued) get ids from here down


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
    office: Office, windows: Sequence[Window], counts: Mapping[str, int],
    known: Mapping[str, float] | None = None,
) -> list[dict[str, object]]:
    """Per service: how many wait, and the expected wait of a newcomer: from ``known`` (the
    prediction) where given, else the naive estimate (everyone the serving windows may take,
    at the service's target time each)."""
    summaries: list[dict[str, object]] = []
    known = known or {}
    configured = [(w, c) for w in windows if (c := office.window(w.number)) is not None]
    for service in office.services:
        expected = known.get(service.code)
        if expected is None:
            able = [(w, c) for w, c in configured if service.code in c.weights]
            serving = [c for w, c in able if w.state is not WindowState.CLOSED] or [
                c for _, c in able]
            shared = {code for config in serving for code in config.weights}
            minutes = service.service_min or office.targets.service_min
            expected = expected_wait(sum(counts.get(code, 0) for code in shared),
                                     MINUTE * minutes, len(serving))
        summaries.append({"service": service.code, "waiting": counts.get(service.code, 0),
                          "expected_wait": expected})
    return summaries


def service_times(office: Office, means: Mapping[str, float | None]) -> dict[str, float]:
    """Mean visit per topic: the recent mean where known, else the topic's service target."""
    return {
        service.code: means.get(service.code)
        or MINUTE * (service.service_min or office.targets.service_min)
        for service in office.services
    }


def desk_states(
    office: Office,
    windows: Sequence[Window],
    currents: Mapping[int, Ticket],
    times: Mapping[str, float],
    now: float,
) -> list[prediction.DeskState]:
    """Every window that is not closed, free when its current visitor is expected to leave
    (``currents``: the ticket at each window) or, if paused, when its pause usually ends."""
    states = []
    for window in windows:
        if window.state is WindowState.CLOSED or office.window(window.number) is None:
            continue
        free_at = now
        current = currents.get(window.number)
        if window.state is WindowState.PAUSED:
            usual = PAUSES.get(window.pause_reason or PauseReason.OTHER, 15 * MINUTE)
            free_at = max(now, window.since + usual)
        elif current is not None:
            began = current.started_at or current.called_at or now
            mean = times.get(current.service, current.service_target)
            free_at = now + prediction.remaining(mean, now - began)
        states.append(prediction.DeskState(desk_for(office, window), free_at))
    return states


def predicted_wait(
    policy: dispatch.Policy,
    desks: Sequence[prediction.DeskState],
    waiting: Sequence[Ticket],
    ticket: Ticket,
    times: Mapping[str, float],
    now: float,
    streams: Sequence[prediction.Stream] = (),
) -> float | None:
    """Seconds until ``ticket`` is expected to be called; None if no open window will."""
    if ticket.status is not TicketStatus.WAITING:
        return 0.0
    queue = list(waiting) if any(t.id == ticket.id for t in waiting) else [*waiting, ticket]
    calls = prediction.predict_calls(policy, desks, queue, now, times, streams=streams,
                                     wanted=[ticket.id or 0])
    called = calls.get(ticket.id or 0)
    return None if called is None else max(0.0, called - now)


def newcomer_waits(
    office: Office,
    policy: dispatch.Policy,
    desks: Sequence[prediction.DeskState],
    waiting: Sequence[Ticket],
    times: Mapping[str, float],
    now: float,
    streams: Sequence[prediction.Stream] = (),
) -> dict[str, float]:
    """Per service: the expected wait of an ordinary visitor taking a ticket now (one replay
    with a probe per service; probes take no time, so they do not delay each other)."""
    return queue_waits(office, policy, desks, waiting, times, now, streams)[0]


def queue_waits(
    office: Office,
    policy: dispatch.Policy,
    desks: Sequence[prediction.DeskState],
    waiting: Sequence[Ticket],
    times: Mapping[str, float],
    now: float,
    streams: Sequence[prediction.Stream] = (),
    ticket: Ticket | None = None,
) -> tuple[dict[str, float], float | None]:
    """``newcomer_waits``, and from the same replay the expected wait of ``ticket`` (one of
    ``waiting``; None if no open window will call it): a ticket just issued costs one
    replay, not two. The probes take no time, so the ticket is called when it would be
    without them."""
    probes = {}
    for i, service in enumerate(office.services):
        segment = office.segment(service.segment or office.default_segment)
        if segment is None:
            continue
        probes[PROBE_ID - i] = (service.code, Ticket(
            day="", number=0, label="", service=service.code, segment=segment.code,
            issued_at=now, wait_target=office.wait_target(service, segment),
            service_target=office.service_target(service, segment), public_id="",
            priority=service.priority, id=PROBE_ID - i))
    wanted = [*probes, ticket.id or 0] if ticket is not None else list(probes)
    calls = prediction.predict_calls(policy, desks, waiting, now, times, streams=streams,
                                     probes=[t for _, t in probes.values()], wanted=wanted)
    per_service = {code: max(0.0, calls[i] - now)
                   for i, (code, _) in probes.items() if i in calls}
    if ticket is None or ticket.status is not TicketStatus.WAITING:
        return per_service, None if ticket is None else 0.0
    called = calls.get(ticket.id or 0)
    return per_service, None if called is None else max(0.0, called - now)
