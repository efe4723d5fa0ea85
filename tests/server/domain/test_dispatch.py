"""Dispatch: which waiting ticket a desk calls next, under each policy."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.dispatch import (
    Desk,
    FifoPolicy,
    Policy,
    StrictPolicy,
    TargetPolicy,
    choose,
    may_serve,
    rank,
)
from server.domain.tickets import Ticket, TicketStatus
from tests.server.domain.factories import MINUTE, T0, make_ticket

NOW = T0 + 3 * 60 * MINUTE  # three hours after T0: room for old tickets
TARGET = TargetPolicy()
STRICT = StrictPolicy()
FIFO = FifoPolicy()
ALL_POLICIES = [TARGET, STRICT, FIFO]

DESK = Desk(number=2, user="ivanova", weights={"consult": 1.0, "billing": 1.0, "paid": 1.0})


def waited(minutes: float, **fields: object) -> Ticket:
    """A waiting ticket that has been in the queue for ``minutes`` at NOW."""
    since = NOW - minutes * MINUTE
    return make_ticket(issued_at=since, **fields)


def vip(minutes: float, **fields: object) -> Ticket:
    return waited(minutes, segment="vip", wait_target=10 * MINUTE, **fields)


def ids(tickets: Sequence[Ticket]) -> list[int | None]:
    return [t.id for t in tickets]


# --- who may serve whom -------------------------------------------------------------------


def test_window_serves_only_its_services() -> None:
    cash_desk = Desk(number=1, user="petrova", weights={"payment": 1.0})
    consult = waited(60, service="consult")
    assert not may_serve(cash_desk, consult)
    assert choose(TARGET, cash_desk, [consult], NOW) is None
    payment = waited(1, service="payment")
    assert choose(TARGET, cash_desk, [consult, payment], NOW) is payment


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_no_waiting_ticket_means_nobody_is_called(policy: Policy) -> None:
    assert choose(policy, DESK, [], NOW) is None
    assert rank(policy, DESK, [], NOW) == []


def test_only_waiting_tickets_are_called() -> None:
    called = waited(90)
    called.call(4, "petrov", NOW - 60)
    done = waited(80)
    done.call(4, "petrov", NOW - 50)
    done.start(NOW - 40)
    done.finish(NOW - 30, "ok", [])
    cancelled = waited(70)
    cancelled.cancel(NOW - 20, "left")
    assert [may_serve(DESK, t) for t in (called, done, cancelled)] == [False, False, False]
    fresh = waited(1)
    assert choose(TARGET, DESK, [called, done, cancelled, fresh], NOW) is fresh


def test_ticket_routed_to_a_window_goes_only_there() -> None:
    routed = waited(100, routed_window=3)
    assert not may_serve(DESK, routed)  # desk 2 serves consult, but the ticket is for 3
    window_3 = Desk(number=3, user="petrov", weights={"contract": 1.0})
    assert may_serve(window_3, routed)  # even though window 3 does not list the service
    assert choose(TARGET, window_3, [routed], NOW) is routed
    assert choose(TARGET, DESK, [routed], NOW) is None


def test_ticket_routed_to_a_colleague_goes_only_to_them() -> None:
    routed = waited(100, routed_user="petrov")
    assert not may_serve(DESK, routed)
    assert may_serve(Desk(number=5, user="petrov", weights={}), routed)
    assert not may_serve(Desk(number=5, user=None, weights={"consult": 1.0}), routed)


def test_ticket_routed_to_a_colleague_at_a_window_needs_both() -> None:
    routed = waited(100, routed_window=3, routed_user="petrov")
    assert may_serve(Desk(number=3, user="petrov", weights={}), routed)
    assert not may_serve(Desk(number=3, user="ivanova", weights={"consult": 1.0}), routed)
    assert not may_serve(Desk(number=4, user="petrov", weights={"consult": 1.0}), routed)


def test_transferred_ticket_is_routed_by_its_transfer() -> None:
    ticket = waited(30)
    ticket.call(2, "ivanova", NOW - 60)
    ticket.transfer(NOW - 30, service=None, window=None, user="petrov", comment="c",
                    to_back=False)
    assert not may_serve(DESK, ticket)
    assert may_serve(Desk(number=4, user="petrov", weights={}), ticket)


# --- target policy: out of turn, bookings, urgency ----------------------------------------


@pytest.mark.parametrize("policy", [TARGET, STRICT], ids=lambda p: p.name)
def test_out_of_turn_visitor_is_called_before_very_old_ordinary_tickets(policy: Policy) -> None:
    ancient = waited(180)
    old_vip = vip(120)
    booked = waited(10, appointment_at=NOW - 5 * MINUTE)
    out_of_turn = waited(0.5, category="disability")
    assert choose(policy, DESK, [ancient, old_vip, booked, out_of_turn], NOW) is out_of_turn


@pytest.mark.parametrize("policy", [TARGET, STRICT], ids=lambda p: p.name)
def test_out_of_turn_visitors_are_called_in_arrival_order(policy: Policy) -> None:
    first = waited(3, category="veteran", id=900)
    second = waited(2, category="disability", segment="vip", wait_target=10 * MINUTE,
                    priority=True, id=1)
    third = waited(1, category="disability", id=2)
    assert rank(policy, DESK, [third, second, first], NOW) == [first, second, third]


@pytest.mark.parametrize("policy", [TARGET, STRICT], ids=lambda p: p.name)
def test_due_booking_comes_after_out_of_turn_and_before_everyone_else(policy: Policy) -> None:
    ordinary = waited(150)
    old_vip = vip(100)
    booked = waited(2, appointment_at=NOW - 1 * MINUTE)
    out_of_turn = waited(1, category="disability")
    order = rank(policy, DESK, [ordinary, old_vip, booked, out_of_turn], NOW)
    assert order[:2] == [out_of_turn, booked]


def test_booking_whose_slot_is_exactly_now_is_due() -> None:
    booked = waited(1, appointment_at=NOW)
    assert choose(TARGET, DESK, [waited(100), booked], NOW) is booked


@pytest.mark.parametrize("policy", [TARGET, STRICT], ids=lambda p: p.name)
def test_due_bookings_are_called_in_slot_order(policy: Policy) -> None:
    later_slot = waited(30, appointment_at=NOW - 2 * MINUTE)
    earlier_slot = waited(1, appointment_at=NOW - 10 * MINUTE)
    assert rank(policy, DESK, [later_slot, earlier_slot], NOW) == [earlier_slot, later_slot]


def test_booking_not_yet_due_waits_like_an_ordinary_ticket() -> None:
    early_bird = waited(5, appointment_at=NOW + 30 * MINUTE)
    ordinary = waited(10)
    assert choose(TARGET, DESK, [early_bird, ordinary], NOW) is ordinary
    # ... and is not put behind everyone either: it competes by its own wait
    long_early_bird = waited(50, appointment_at=NOW + 30 * MINUTE)
    assert choose(TARGET, DESK, [ordinary, long_early_bird], NOW) is long_early_bird


def test_booking_not_yet_due_is_ordinary_under_strict_policy_too() -> None:
    early_bird = waited(5, appointment_at=NOW + 30 * MINUTE)
    ordinary = waited(10)
    assert rank(STRICT, DESK, [early_bird, ordinary], NOW) == [ordinary, early_bird]


def test_vip_with_a_ten_minute_target_overtakes_an_ordinary_ticket_that_waited_longer() -> None:
    ordinary = waited(10)  # 10 of 20 min: 0.5
    newer_vip = vip(8)  # 8 of 10 min: 0.8
    assert choose(TARGET, DESK, [ordinary, newer_vip], NOW) is newer_vip


def test_ordinary_ticket_that_waited_long_enough_overtakes_a_newer_vip() -> None:
    ordinary = waited(45)  # more than twice its 20-minute target
    newer_vip = vip(9)  # 9 of 10 min
    assert choose(TARGET, DESK, [newer_vip, ordinary], NOW) is ordinary


def test_strict_policy_lets_vip_go_first_however_long_others_waited() -> None:
    ordinary = waited(170)
    newer_vip = vip(1)
    assert choose(STRICT, DESK, [ordinary, newer_vip], NOW) is newer_vip


def test_priority_topic_gets_the_boost() -> None:
    ordinary = waited(10, service="consult")  # 0.5
    priority = waited(8, service="paid", priority=True)  # 0.4 × 1.5 = 0.6
    assert choose(TargetPolicy(priority_boost=1.5), DESK, [ordinary, priority], NOW) is priority
    # without the boost the longer wait wins
    assert choose(TargetPolicy(priority_boost=1.0), DESK, [ordinary, priority], NOW) is ordinary


def test_priority_topic_keeps_its_boost_when_both_waited_far_too_long() -> None:
    ordinary = waited(50, service="consult")  # 2.5 times the target
    priority = waited(40, service="paid", priority=True)  # 2 times, × 1.5 = 3
    assert choose(TargetPolicy(priority_boost=1.5), DESK, [ordinary, priority], NOW) is priority
    assert choose(TargetPolicy(priority_boost=1.0), DESK, [ordinary, priority], NOW) is ordinary


def test_priority_topic_does_not_starve_ordinary_tickets() -> None:
    ordinary = waited(45)  # more than twice its 20-minute target
    priority = waited(12, service="paid", priority=True)  # 12 of 20 min, boosted
    assert choose(TARGET, DESK, [priority, ordinary], NOW) is ordinary


def test_desk_weights_change_which_service_a_window_prefers() -> None:
    consult = waited(10, service="consult")
    billing = waited(12, service="billing")
    neutral = Desk(number=2, user=None, weights={"consult": 1.0, "billing": 1.0})
    consult_desk = Desk(number=2, user=None, weights={"consult": 2.0, "billing": 1.0})
    billing_desk = Desk(number=3, user=None, weights={"consult": 1.0, "billing": 2.0})
    assert choose(TARGET, neutral, [consult, billing], NOW) is billing  # waited longer
    assert choose(TARGET, consult_desk, [consult, billing], NOW) is consult
    assert choose(TARGET, billing_desk, [consult, billing], NOW) is billing


def test_weighted_desk_still_serves_a_lighter_service_that_waited_long() -> None:
    consult_desk = Desk(number=2, user=None, weights={"consult": 2.0, "billing": 1.0})
    consult = waited(10, service="consult")
    billing = waited(45, service="billing")  # more than twice its target
    assert choose(TARGET, consult_desk, [consult, billing], NOW) is billing


def test_postponed_ticket_is_called_after_those_who_waited_longer() -> None:
    postponed = waited(60, id=1)
    postponed.call(2, "ivanova", NOW - 10 * MINUTE)
    postponed.postpone(NOW - 2 * MINUTE, "fetching a document")
    other = waited(5, id=2)
    assert rank(TARGET, DESK, [postponed, other], NOW) == [other, postponed]


def test_ordinary_visitor_is_not_starved_by_a_stream_of_vips() -> None:
    """Three VIPs already wait, then one arrives every 3 minutes and the desk calls every 4.

    The desk cannot keep up, and VIPs have the tighter target; the target policy still calls
    the ordinary visitor within a bounded time, the strict policy never does, which is why
    it is not the default.
    """

    def minutes_until_called(policy: Policy, horizon_min: int) -> int | None:
        ordinary = make_ticket(issued_at=T0, id=100)
        backlog = [
            make_ticket(issued_at=T0 - m * MINUTE, segment="vip", wait_target=10 * MINUTE,
                        id=m)
            for m in (1, 2, 3)
        ]
        waiting = [ordinary, *backlog]
        next_id = 101
        for minute in range(1, horizon_min + 1):
            now = T0 + minute * MINUTE
            if minute % 3 == 0:
                waiting.append(make_ticket(issued_at=now, segment="vip",
                                           wait_target=10 * MINUTE, id=next_id))
                next_id += 1
            if minute % 4 == 0:
                called = choose(policy, DESK, waiting, now)
                assert called is not None
                if called is ordinary:
                    return minute
                waiting.remove(called)
        return None

    within = minutes_until_called(TARGET, 180)
    assert within is not None
    assert 4 < within <= 60  # the VIPs went first for a while, but not for ever
    assert minutes_until_called(STRICT, 180) is None


# --- ties ---------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_equal_tickets_are_called_by_id(policy: Policy) -> None:
    a, b, c = (waited(10, id=i) for i in (7, 3, 5))
    assert ids(rank(policy, DESK, [a, b, c], NOW)) == [3, 5, 7]


def test_equal_urgency_is_broken_by_arrival_then_id() -> None:
    ordinary = waited(50, id=9)  # 2.5 times its 20-minute target, arrived first
    vip_ticket = vip(25, id=1)  # 2.5 times its 10-minute target, arrived later
    twin = waited(50, id=4)  # same as ordinary, smaller id
    assert rank(TARGET, DESK, [vip_ticket, ordinary, twin], NOW) == [twin, ordinary, vip_ticket]


def test_out_of_turn_tie_is_broken_by_id() -> None:
    a = waited(1, category="disability", id=8)
    b = waited(1, category="veteran", id=6)
    assert rank(TARGET, DESK, [a, b], NOW) == [b, a]


# --- strict and fifo ----------------------------------------------------------------------


def test_strict_policy_orders_out_of_turn_bookings_vip_priority_then_the_rest() -> None:
    rest_old = waited(170, id=1)
    rest_new = waited(2, id=2)
    priority = waited(5, service="paid", priority=True, id=3)
    vip_old = vip(20, id=4)
    booked = waited(1, appointment_at=NOW - MINUTE, id=5)
    out_of_turn = waited(0.5, category="disability", id=6)
    tickets = [rest_old, rest_new, priority, vip_old, booked, out_of_turn]
    assert rank(STRICT, DESK, tickets, NOW) == [
        out_of_turn, booked, vip_old, priority, rest_old, rest_new,
    ]


def test_strict_policy_vip_segments_are_configurable() -> None:
    legal = waited(1, segment="legal", id=1)
    ordinary = waited(50, id=2)
    assert choose(STRICT, DESK, [legal, ordinary], NOW) is ordinary
    legal_first = StrictPolicy(vip_segments=frozenset({"legal"}))
    assert choose(legal_first, DESK, [legal, ordinary], NOW) is legal


def test_fifo_policy_is_plain_arrival_order_ignoring_every_category() -> None:
    first = waited(30, id=4)
    second = waited(20, category="disability", id=1)
    third = vip(10, priority=True, id=2)
    fourth = waited(5, appointment_at=NOW - 30 * MINUTE, id=3)
    assert rank(FIFO, DESK, [fourth, third, second, first], NOW) == [first, second, third, fourth]


def test_fifo_policy_still_respects_services_and_routing() -> None:
    other_service = waited(90, service="payment")
    routed_elsewhere = waited(80, routed_window=5)
    mine = waited(1)
    assert rank(FIFO, DESK, [other_service, routed_elsewhere, mine], NOW) == [mine]


# --- property: rank is the order of repeated choose ---------------------------------------

SERVICES = ["consult", "billing", "paid", "payment"]


@st.composite
def queues(draw: st.DrawFn) -> list[Ticket]:
    count = draw(st.integers(min_value=0, max_value=12))
    tickets = []
    for i in range(count):
        minutes = draw(st.integers(min_value=0, max_value=120))
        booking = draw(st.one_of(st.none(), st.integers(min_value=-60, max_value=60)))
        tickets.append(
            waited(
                minutes,
                id=i + 1,
                service=draw(st.sampled_from(SERVICES)),
                segment=draw(st.sampled_from(["individual", "legal", "vip"])),
                wait_target=draw(st.sampled_from([10, 15, 20, 30])) * MINUTE,
                priority=draw(st.booleans()),
                category=draw(st.sampled_from([None, None, None, "disability"])),
                appointment_at=None if booking is None else NOW + booking * MINUTE,
                routed_window=draw(st.sampled_from([None, None, None, 2, 3])),
                status=draw(st.sampled_from([TicketStatus.WAITING] * 4 + [TicketStatus.CALLED])),
            )
        )
    return tickets


@settings(max_examples=200, deadline=None)
@given(
    queues(),
    st.sampled_from(ALL_POLICIES),
    st.dictionaries(st.sampled_from(SERVICES), st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=1),
)
def test_rank_is_the_order_of_repeated_choose(
    tickets: list[Ticket], policy: Policy, weights: dict[str, float]
) -> None:
    desk = Desk(number=2, user="ivanova", weights=weights)
    ranked = rank(policy, desk, tickets, NOW)
    assert all(may_serve(desk, t) for t in ranked)
    assert {t.id for t in ranked} == {t.id for t in tickets if may_serve(desk, t)}

    remaining = list(tickets)
    chosen = []
    while (ticket := choose(policy, desk, remaining, NOW)) is not None:
        chosen.append(ticket)
        remaining.remove(ticket)
    assert ids(chosen) == ids(ranked)


@settings(max_examples=200, deadline=None)
@given(queues())
def test_target_policy_puts_out_of_turn_then_due_bookings_first(tickets: list[Ticket]) -> None:
    ranked = rank(TARGET, DESK, tickets, NOW)

    def tier(t: Ticket) -> int:
        if t.is_out_of_turn:
            return 0
        if t.appointment_at is not None and t.appointment_at <= NOW:
            return 1
        return 2

    assert [tier(t) for t in ranked] == sorted(tier(t) for t in ranked)


def test_transferred_ticket_keeping_its_place_goes_before_tickets_still_on_time() -> None:
    moved = waited(25, id=1)
    moved.call(3, "petrov", NOW - 20 * MINUTE)
    moved.start(NOW - 19 * MINUTE)
    moved.transfer(NOW - MINUTE, service="billing", window=None, user=None, comment="",
                   to_back=False)
    on_time = waited(19, id=2)  # one minute left
    late = waited(30, id=3)  # missed its target, not overdue
    overdue = waited(60, id=4)  # three times its target
    ranked = rank(TargetPolicy(), DESK, [late, on_time, moved, overdue], NOW)
    assert ranked == [overdue, moved, on_time, late]


def test_postponed_and_sent_to_the_back_rank_as_new() -> None:
    back = waited(25, id=1)
    back.call(3, "petrov", NOW - 20 * MINUTE)
    back.transfer(NOW - MINUTE, service=None, window=None, user=None, comment="", to_back=True)
    postponed = waited(25, id=2)
    postponed.call(3, "petrov", NOW - 20 * MINUTE)
    postponed.postpone(NOW - 2 * MINUTE, "document")
    on_time = waited(10, id=3)
    assert rank(TargetPolicy(), DESK, [back, postponed, on_time], NOW) == [on_time, postponed, back]


def test_the_office_file_chooses_the_policy_and_its_knobs() -> None:
    from server import config
    from server.domain.dispatch import StrictPolicy, policy_for

    tuned = config.load(None, {"TALON_DISPATCH__OVERDUE_FACTOR": "3",
                               "TALON_DISPATCH__PRIORITY_BOOST": "2"})
    assert policy_for(tuned) == TargetPolicy(priority_boost=2.0, overdue_factor=3.0)
    strict = config.load(None, {"TALON_DISPATCH__POLICY": '"strict"'})
    assert isinstance(policy_for(strict), StrictPolicy)
    fifo = "TALON_DISPATCH__POLICY"
    with pytest.raises(config.ConfigError, match=fifo):
        config.load(None, {fifo: '"fifo"'})
