"""The expected-wait prediction on small queues whose answers are worked out by hand."""

from __future__ import annotations

import pytest

from server.domain import dispatch, prediction
from server.domain.prediction import DeskState, Stream
from tests.server.domain.factories import MINUTE, T0, make_ticket

POLICY = dispatch.TargetPolicy()
NOW = T0 + 10 * MINUTE
TIMES = {"consult": 10 * MINUTE, "billing": 15 * MINUTE}


def desk(number: int, *services: str, free_at: float = NOW, **kw: object) -> DeskState:
    weights = {s: 1.0 for s in services}
    return DeskState(dispatch.Desk(number, f"user{number}", weights), free_at, **kw)  # type: ignore[arg-type]


def waits(calls: dict[int, float]) -> dict[int, float]:
    return {ident: (at - NOW) / MINUTE for ident, at in calls.items()}


def test_two_free_desks_take_the_two_oldest_and_the_third_waits_one_visit() -> None:
    queue = [make_ticket(id=i, issued_at=T0 + i * MINUTE) for i in (1, 2, 3)]
    calls = prediction.predict_calls(POLICY, [desk(1, "consult"), desk(2, "consult")],
                                     queue, NOW, TIMES)
    assert waits(calls) == {1: 0.0, 2: 0.0, 3: 10.0}


def test_a_shared_window_serves_both_topics_and_the_busy_one_joins_later() -> None:
    # Window 1: consult only, busy for 5 more minutes. Window 2: consult and billing, free.
    # At NOW window 2 takes the older billing ticket (15 min); window 1 takes К-2 at +5 and
    # К-3 at +15 (5 + 10), before window 2 is free again at +15: the tie goes to window 1,
    # which frees first in the replay order.
    queue = [make_ticket(id=1, service="billing", issued_at=T0),
             make_ticket(id=2, issued_at=T0 + MINUTE),
             make_ticket(id=3, issued_at=T0 + 2 * MINUTE)]
    desks = [desk(1, "consult", free_at=NOW + 5 * MINUTE), desk(2, "consult", "billing")]
    assert waits(prediction.predict_calls(POLICY, desks, queue, NOW, TIMES)) == {
        1: 0.0, 2: 5.0, 3: 15.0}


def test_an_out_of_turn_visitor_goes_ahead_and_delays_the_rest_by_one_visit() -> None:
    queue = [make_ticket(id=1, issued_at=T0), make_ticket(id=2, issued_at=T0 + MINUTE),
             make_ticket(id=3, issued_at=NOW, category="disability")]
    calls = prediction.predict_calls(POLICY, [desk(1, "consult")], queue, NOW, TIMES)
    # At +10 К-1 has waited his whole 20-min target; the policy then calls К-2, who can
    # still make his, first (the naive «people ahead» order would say К-1): К-1 at +20.
    assert waits(calls) == {3: 0.0, 2: 10.0, 1: 20.0}


def test_expected_out_of_turn_arrivals_push_the_queue_back() -> None:
    # One out-of-turn visitor every 20 min, the first half-way (at +10): he goes before К-2
    # at +10, so К-2 is called at +20 and К-3 at +30 — where the next one arrives first.
    queue = [make_ticket(id=i, issued_at=T0 + i * MINUTE) for i in (1, 2, 3)]
    oot = Stream(make_ticket(id=0, category="disability"), rate=1 / (20 * MINUTE))
    calls = prediction.predict_calls(POLICY, [desk(1, "consult")], queue, NOW, TIMES,
                                     streams=[oot])
    assert waits(calls) == {1: 0.0, 2: 20.0, 3: 40.0}
    plain = prediction.predict_calls(POLICY, [desk(1, "consult")], queue, NOW, TIMES)
    assert waits(plain) == {1: 0.0, 2: 10.0, 3: 20.0}


def test_a_booking_due_soon_is_served_at_its_slot_ahead_of_walk_ins() -> None:
    queue = [make_ticket(id=1, issued_at=T0), make_ticket(id=2, issued_at=T0 + MINUTE),
             make_ticket(id=3, issued_at=NOW, appointment_at=NOW + 5 * MINUTE)]
    calls = prediction.predict_calls(POLICY, [desk(1, "consult")], queue, NOW, TIMES)
    # К-1 at NOW; at +10 the booking is due (tier 1) and goes before К-2.
    assert waits(calls) == {1: 0.0, 3: 10.0, 2: 20.0}


def test_a_probe_takes_no_time_and_a_planned_lunch_delays_the_desk() -> None:
    queue = [make_ticket(id=1, issued_at=T0)]
    probe = make_ticket(id=-5, issued_at=NOW)
    lunch = desk(1, "consult", away=((NOW + 5 * MINUTE, NOW + 50 * MINUTE),))
    calls = prediction.predict_calls(POLICY, [lunch], queue, NOW, TIMES, probes=[probe])
    assert waits(calls) == {1: 0.0, -5: 50.0}  # К-1 ends at +10, inside the lunch
    gone = desk(1, "consult", leaves=NOW + 5 * MINUTE)
    calls = prediction.predict_calls(POLICY, [gone], queue, NOW, TIMES, probes=[probe])
    assert waits(calls) == {1: 0.0}  # nobody calls the probe: no prediction


def test_remaining_time_of_the_current_visit() -> None:
    assert prediction.remaining(600.0, 200.0) == 400.0
    assert prediction.remaining(600.0, 900.0) == pytest.approx(0.3 * 600.0)


def test_hourly_streams_follow_the_day_profile_and_skip_hours_gone_by() -> None:
    proto = make_ticket(id=0)
    hour = 3600.0
    rates = [(NOW - hour, NOW, 6 / hour), (NOW, NOW + hour, 2 / hour),
             (NOW + hour, NOW + 2 * hour, 4 / hour)]
    streams = prediction.hourly_streams(proto, rates, NOW + 30 * MINUTE)
    assert [(s.start, s.end) for s in streams] == [(NOW, NOW + hour),
                                                  (NOW + hour, NOW + 2 * hour)]
    moments = [t.issued_at - NOW for t in prediction.arrivals(streams, NOW + 30 * MINUTE,
                                                               NOW + 3 * hour)]
    # Half of the current hour at 2 an hour (one, mid-way), then 4 in the next hour only.
    assert moments == [45 * MINUTE, 67.5 * MINUTE, 82.5 * MINUTE, 97.5 * MINUTE,
                       112.5 * MINUTE]
