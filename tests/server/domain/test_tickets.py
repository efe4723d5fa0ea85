"""Tickets: labels and the life cycle of one visit (waiting → called → serving → done)."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.errors import InvalidInput, InvalidTransition
from server.domain.tickets import FINAL, Ticket, TicketStatus, format_label
from tests.server.domain.factories import MINUTE, T0, make_ticket

S = TicketStatus


def ticket_in(status: TicketStatus) -> Ticket:
    """A ticket brought to ``status`` by legal moves only."""
    ticket = make_ticket()
    if status is S.WAITING:
        return ticket
    if status is S.CANCELLED:
        ticket.cancel(T0 + 60, "left")
        return ticket
    ticket.call(2, "ivanova", T0 + 60)
    if status is S.CALLED:
        return ticket
    if status is S.NO_SHOW:
        ticket.mark_no_show(T0 + 120)
        return ticket
    ticket.start(T0 + 90)
    if status is S.SERVING:
        return ticket
    ticket.finish(T0 + 600, "resolved", [])
    assert status is S.DONE
    return ticket


# --- labels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "label"),
    [(1, "А-001"), (17, "А-017"), (999, "А-999"), (1000, "А-1000"), (12345, "А-12345")],
)
def test_label_has_prefix_hyphen_and_at_least_three_digits(number: int, label: str) -> None:
    assert format_label("А", number) == label


def test_label_keeps_the_cyrillic_prefix() -> None:
    label = format_label("Ю", 7)
    assert label == "Ю-007"
    assert label[0] == "\u042e"  # Cyrillic capital Yu, not a look-alike Latin letter
    assert format_label("А", 17)[0] == "\u0410"  # Cyrillic А, not Latin A


# --- the ordinary visit -------------------------------------------------------------------


def test_new_ticket_waits_with_its_place_in_queue_at_issue_time() -> None:
    ticket = make_ticket(issued_at=T0)
    assert ticket.status is S.WAITING
    assert ticket.queue_since == T0
    assert ticket.topics == []
    assert not ticket.is_out_of_turn


def test_ticket_with_a_category_is_out_of_turn() -> None:
    assert make_ticket(category="disability").is_out_of_turn


def test_visit_goes_waiting_called_serving_done() -> None:
    ticket = make_ticket()
    ticket.call(3, "ivanova", T0 + 5 * MINUTE)
    assert ticket.status is S.CALLED
    assert (ticket.window, ticket.user) == (3, "ivanova")
    assert ticket.called_at == ticket.first_called_at == T0 + 5 * MINUTE

    ticket.start(T0 + 6 * MINUTE)
    assert ticket.status is S.SERVING
    assert ticket.started_at == T0 + 6 * MINUTE

    ticket.finish(T0 + 15 * MINUTE, "resolved", [])
    assert ticket.status is S.DONE
    assert ticket.finished_at == T0 + 15 * MINUTE
    assert ticket.outcome == "resolved"
    assert ticket.status in FINAL


def test_wait_is_measured_from_issue_to_first_call() -> None:
    ticket = make_ticket(issued_at=T0)
    assert ticket.waited(T0 + 4 * MINUTE) == 4 * MINUTE
    ticket.call(2, None, T0 + 7 * MINUTE)
    assert ticket.waited(T0 + 60 * MINUTE) == 7 * MINUTE


def test_wait_is_never_negative() -> None:
    assert make_ticket(issued_at=T0).waited(T0 - 30) == 0.0


def test_recall_is_counted_and_keeps_the_first_call_time() -> None:
    ticket = ticket_in(S.CALLED)
    first = ticket.first_called_at
    ticket.recall(T0 + 200)
    ticket.recall(T0 + 260)
    assert ticket.recalls == 2
    assert ticket.called_at == T0 + 260
    assert ticket.first_called_at == first
    assert ticket.status is S.CALLED


def test_visitor_who_does_not_come_is_a_no_show() -> None:
    ticket = ticket_in(S.CALLED)
    ticket.mark_no_show(T0 + 300)
    assert ticket.status is S.NO_SHOW
    assert ticket.finished_at == T0 + 300
    assert ticket.status in FINAL


def test_waiting_ticket_can_be_cancelled_with_a_reason() -> None:
    ticket = make_ticket()
    ticket.cancel(T0 + 100, "visitor left")
    assert ticket.status is S.CANCELLED
    assert ticket.finished_at == T0 + 100
    assert ticket.note == "visitor left"
    assert ticket.status in FINAL


# --- several topics on one visit ----------------------------------------------------------


def test_start_records_the_main_service_as_the_first_topic() -> None:
    ticket = ticket_in(S.SERVING)
    assert ticket.topics == ["consult"]


def test_several_topics_are_recorded_once_each_without_requeueing() -> None:
    ticket = ticket_in(S.SERVING)
    ticket.add_topic("billing")
    ticket.add_topic("metering")
    ticket.add_topic("billing")
    ticket.add_topic("consult")
    assert ticket.topics == ["consult", "billing", "metering"]
    assert ticket.status is S.SERVING


def test_finish_adds_the_reported_topics_without_duplicates() -> None:
    ticket = ticket_in(S.SERVING)
    ticket.add_topic("billing")
    ticket.finish(T0 + 900, "resolved", ["billing", "contract", "contract", "consult"])
    assert ticket.topics == ["consult", "billing", "contract"]
    assert ticket.status is S.DONE


def test_restart_after_postponement_does_not_repeat_the_main_topic() -> None:
    ticket = ticket_in(S.SERVING)
    ticket.postpone(T0 + 200, "fetching passport")
    ticket.call(2, "ivanova", T0 + 400)
    ticket.start(T0 + 420)
    assert ticket.topics == ["consult"]


# --- postpone -----------------------------------------------------------------------------


def test_postponed_ticket_goes_to_the_back() -> None:
    ticket = ticket_in(S.CALLED)
    assert ticket.queue_since == T0
    ticket.postpone(T0 + 5 * MINUTE, "fetching a document")
    assert ticket.status is S.WAITING
    assert ticket.queue_since == T0 + 5 * MINUTE
    assert ticket.note == "fetching a document"
    assert ticket.postponements == 1
    assert (ticket.window, ticket.user, ticket.called_at) == (None, None, None)


def test_ticket_can_be_postponed_while_being_served() -> None:
    ticket = ticket_in(S.SERVING)
    ticket.postpone(T0 + 10 * MINUTE, "copy of the contract")
    assert ticket.status is S.WAITING
    assert ticket.started_at is None
    assert ticket.queue_since == T0 + 10 * MINUTE


def test_postponement_keeps_label_and_the_measured_wait() -> None:
    ticket = ticket_in(S.CALLED)
    label, waited = ticket.label, ticket.waited(T0 + 60)
    ticket.postpone(T0 + 30 * MINUTE, "stepped out")
    ticket.call(3, "petrov", T0 + 40 * MINUTE)
    assert ticket.label == label
    assert ticket.waited(T0 + 40 * MINUTE) == waited
    assert ticket.first_called_at == T0 + 60


def test_postponements_are_counted() -> None:
    ticket = ticket_in(S.CALLED)
    ticket.postpone(T0 + 100, "one")
    ticket.call(2, None, T0 + 200)
    ticket.postpone(T0 + 300, "two")
    assert ticket.postponements == 2
    assert ticket.note == "two"


# --- transfer -----------------------------------------------------------------------------


def test_transfer_to_another_service_keeps_label_and_place_in_queue() -> None:
    ticket = ticket_in(S.SERVING)
    ticket.transfer(
        T0 + 20 * MINUTE,
        service="billing",
        window=None,
        user=None,
        comment="needs recalculation",
        to_back=False,
    )
    assert ticket.status is S.WAITING
    assert ticket.service == "billing"
    assert ticket.label == format_label("К", ticket.number)
    assert ticket.queue_since == T0
    assert ticket.note == "needs recalculation"
    assert ticket.transfers == 1
    assert (ticket.window, ticket.user, ticket.started_at) == (None, None, None)


def test_transfer_to_the_back_resets_the_place_in_queue() -> None:
    ticket = ticket_in(S.CALLED)
    ticket.transfer(
        T0 + 20 * MINUTE, service="billing", window=None, user=None, comment="c", to_back=True
    )
    assert ticket.queue_since == T0 + 20 * MINUTE


def test_transfer_to_a_window_routes_the_ticket_there() -> None:
    ticket = ticket_in(S.SERVING)
    ticket.transfer(T0 + 600, service=None, window=5, user=None, comment="to 5", to_back=False)
    assert ticket.routed_window == 5
    assert ticket.routed_user is None
    assert ticket.service == "consult"


def test_transfer_to_a_colleague_routes_the_ticket_to_them() -> None:
    ticket = ticket_in(S.CALLED)
    ticket.transfer(T0 + 600, service=None, window=None, user="petrov", comment="ask P.",
                    to_back=False)
    assert ticket.routed_user == "petrov"
    assert ticket.routed_window is None


def test_waiting_ticket_can_be_transferred_by_the_hall() -> None:
    ticket = make_ticket()
    ticket.transfer(T0 + 60, service="legal", window=None, user=None, comment="is a company",
                    to_back=False)
    assert ticket.status is S.WAITING
    assert ticket.service == "legal"
    assert ticket.transfers == 1
    assert ticket.queue_since == T0


def test_calling_a_routed_ticket_clears_the_routing() -> None:
    ticket = ticket_in(S.SERVING)
    ticket.transfer(T0 + 600, service=None, window=5, user="petrov", comment="c", to_back=False)
    ticket.call(5, "petrov", T0 + 700)
    assert (ticket.routed_window, ticket.routed_user) == (None, None)
    assert ticket.first_called_at == T0 + 60


def test_transfers_are_counted() -> None:
    ticket = ticket_in(S.SERVING)
    ticket.transfer(T0 + 600, service="billing", window=None, user=None, comment="a",
                    to_back=False)
    ticket.call(3, None, T0 + 700)
    ticket.transfer(T0 + 800, service="contract", window=None, user=None, comment="b",
                    to_back=False)
    assert ticket.transfers == 2


# --- illegal moves ------------------------------------------------------------------------

Move = Callable[[Ticket], None]
MOVES: dict[str, tuple[Move, frozenset[TicketStatus]]] = {
    "call": (lambda t: t.call(4, "petrov", T0 + 999), frozenset({S.WAITING})),
    "recall": (lambda t: t.recall(T0 + 999), frozenset({S.CALLED})),
    "start": (lambda t: t.start(T0 + 999), frozenset({S.CALLED})),
    "add_topic": (lambda t: t.add_topic("billing"), frozenset({S.SERVING})),
    "finish": (lambda t: t.finish(T0 + 999, "ok", ["billing"]), frozenset({S.SERVING})),
    "no_show": (lambda t: t.mark_no_show(T0 + 999), frozenset({S.CALLED})),
    "postpone": (lambda t: t.postpone(T0 + 999, "why"), frozenset({S.CALLED, S.SERVING})),
    "transfer": (
        lambda t: t.transfer(T0 + 999, service="billing", window=3, user="petrov",
                             comment="c", to_back=True),
        frozenset({S.WAITING, S.CALLED, S.SERVING}),
    ),
    "cancel": (lambda t: t.cancel(T0 + 999, "why"), frozenset({S.WAITING})),
}
ILLEGAL = [
    (name, status)
    for name, (_, allowed) in MOVES.items()
    for status in TicketStatus
    if status not in allowed
]


@pytest.mark.parametrize(("move", "status"), ILLEGAL, ids=[f"{m}-{s.value}" for m, s in ILLEGAL])
def test_illegal_move_raises_and_changes_nothing(move: str, status: TicketStatus) -> None:
    ticket = ticket_in(status)
    before = copy.deepcopy(ticket)
    with pytest.raises(InvalidTransition):
        MOVES[move][0](ticket)
    assert ticket == before


def test_final_tickets_allow_no_move_at_all() -> None:
    for status in FINAL:
        for name, (move, allowed) in MOVES.items():
            assert status not in allowed, name
            ticket = ticket_in(status)
            with pytest.raises(InvalidTransition):
                move(ticket)


def test_invalid_transition_names_ticket_status_and_action() -> None:
    ticket = ticket_in(S.DONE)
    with pytest.raises(InvalidTransition) as caught:
        ticket.call(2, None, T0 + 999)
    assert caught.value.code == "invalid_transition"
    assert caught.value.details == {"ticket": ticket.label, "status": "done", "action": "call"}
    assert ticket.label in str(caught.value)


# --- property: any sequence of moves follows the state table ------------------------------

NEXT: dict[str, Callable[[TicketStatus], TicketStatus]] = {
    "call": lambda s: S.CALLED,
    "recall": lambda s: S.CALLED,
    "start": lambda s: S.SERVING,
    "add_topic": lambda s: S.SERVING,
    "finish": lambda s: S.DONE,
    "no_show": lambda s: S.NO_SHOW,
    "postpone": lambda s: S.WAITING,
    "transfer": lambda s: S.WAITING,
    "cancel": lambda s: S.CANCELLED,
}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(MOVES)), max_size=25))
def test_any_sequence_of_moves_follows_the_state_table_or_changes_nothing(
    moves: list[str],
) -> None:
    ticket = make_ticket()
    for name in moves:
        move, allowed = MOVES[name]
        before = copy.deepcopy(ticket)
        if before.status in allowed:
            move(ticket)
            assert ticket.status is NEXT[name](before.status)
        else:
            with pytest.raises(InvalidTransition):
                move(ticket)
            assert ticket == before
        # invariants that hold after every move
        if ticket.status in (S.CALLED, S.SERVING):
            assert ticket.window is not None
        if ticket.status in (S.WAITING, S.CANCELLED):
            assert ticket.window is None and ticket.started_at is None
        assert len(ticket.topics) == len(set(ticket.topics))
        assert ticket.label == before.label
        assert ticket.queue_since >= before.queue_since
        if before.first_called_at is not None:
            assert ticket.first_called_at == before.first_called_at


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("К-017", "К-017"),
        ("к17", "К-017"),
        (" к - 017 ", "К-017"),
        ("K-017", "К-017"),  # Latin K
        ("ab-5", "АВ-005"),
        ("Ю-1000", "Ю-1000"),
    ],
)
def test_label_candidates_find_what_was_meant(typed: str, expected: str) -> None:
    from server.domain.tickets import label_candidates

    assert expected in label_candidates(typed)


def test_a_visit_is_rated_once_while_served_or_after() -> None:
    ticket = make_ticket()
    with pytest.raises(InvalidTransition):
        ticket.rate(5)  # still waiting: nothing to rate yet
    ticket.call(2, "ivanova", 1.0)
    ticket.start(2.0)
    with pytest.raises(InvalidInput):
        ticket.rate(6)
    ticket.rate(4)
    assert ticket.rating == 4
    with pytest.raises(InvalidTransition):
        ticket.rate(1)
    assert ticket.rating == 4
