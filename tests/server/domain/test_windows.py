"""Windows: closed / open / calling / serving / paused (with a reason)."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.errors import InvalidTransition
from server.domain.windows import PauseReason, Window, WindowState
from tests.server.domain.factories import T0

W = WindowState


def window_in(state: WindowState) -> Window:
    """Window 3, brought to ``state`` by legal moves only."""
    window = Window(3)
    if state is W.CLOSED:
        return window
    window.open("ivanova", T0)
    if state is W.PAUSED:
        window.pause(PauseReason.LUNCH, T0 + 60)
    elif state in (W.CALLING, W.SERVING):
        window.begin_call(42, T0 + 60)
        if state is W.SERVING:
            window.start(T0 + 120)
    assert window.state is state
    return window


def test_new_window_is_closed() -> None:
    window = Window(1)
    assert window.state is W.CLOSED
    assert (window.user, window.ticket_id, window.pause_reason) == (None, None, None)


def test_opening_records_the_consultant_and_the_time() -> None:
    window = Window(2)
    window.open("ivanova", T0)
    assert window.state is W.OPEN
    assert window.user == "ivanova"
    assert window.since == T0


def test_call_start_release_cycle_returns_the_window_to_open() -> None:
    window = window_in(W.OPEN)
    window.begin_call(17, T0 + 10)
    assert (window.state, window.ticket_id, window.since) == (W.CALLING, 17, T0 + 10)
    window.start(T0 + 20)
    assert (window.state, window.ticket_id, window.since) == (W.SERVING, 17, T0 + 20)
    window.release(T0 + 30)
    assert (window.state, window.ticket_id, window.since) == (W.OPEN, None, T0 + 30)
    assert window.user == "ivanova"


def test_calling_window_may_release_a_no_show() -> None:
    window = window_in(W.CALLING)
    window.release(T0 + 300)
    assert window.state is W.OPEN
    assert window.ticket_id is None


@pytest.mark.parametrize("reason", list(PauseReason))
def test_pause_records_its_reason_and_resume_clears_it(reason: PauseReason) -> None:
    window = window_in(W.OPEN)
    window.pause(reason, T0 + 100)
    assert (window.state, window.pause_reason, window.since) == (W.PAUSED, reason, T0 + 100)
    window.resume(T0 + 200)
    assert (window.state, window.pause_reason, window.since) == (W.OPEN, None, T0 + 200)


def test_open_window_closes_and_forgets_its_consultant() -> None:
    window = window_in(W.OPEN)
    window.close(T0 + 500)
    assert window.state is W.CLOSED
    assert window.user is None
    assert window.since == T0 + 500


def test_paused_window_may_close_and_loses_its_pause_reason() -> None:
    window = window_in(W.PAUSED)
    window.close(T0 + 500)
    assert window.state is W.CLOSED
    assert (window.user, window.pause_reason) == (None, None)


@pytest.mark.parametrize("state", [W.CALLING, W.SERVING])
def test_window_cannot_close_while_a_visitor_is_at_it(state: WindowState) -> None:
    window = window_in(state)
    before = copy.deepcopy(window)
    with pytest.raises(InvalidTransition):
        window.close(T0 + 999)
    assert window == before


def test_paused_window_cannot_call() -> None:
    window = window_in(W.PAUSED)
    before = copy.deepcopy(window)
    with pytest.raises(InvalidTransition):
        window.begin_call(7, T0 + 999)
    assert window == before


def test_closed_window_cannot_call() -> None:
    window = window_in(W.CLOSED)
    with pytest.raises(InvalidTransition):
        window.begin_call(7, T0 + 999)
    assert window.state is W.CLOSED


def test_busy_window_cannot_pause_or_call_another_visitor() -> None:
    for state in (W.CALLING, W.SERVING):
        window = window_in(state)
        before = copy.deepcopy(window)
        with pytest.raises(InvalidTransition):
            window.pause(PauseReason.BREAK, T0 + 999)
        with pytest.raises(InvalidTransition):
            window.begin_call(99, T0 + 999)
        assert window == before


def test_invalid_transition_names_window_state_and_action() -> None:
    window = window_in(W.SERVING)
    with pytest.raises(InvalidTransition) as caught:
        window.close(T0 + 999)
    assert caught.value.details == {"window": 3, "state": "serving", "action": "close"}
    assert "window 3" in str(caught.value)


@pytest.mark.parametrize(
    ("check", "allowed"),
    [
        ("require_idle", {W.OPEN}),
        ("require_calling", {W.CALLING}),
        ("require_busy", {W.CALLING, W.SERVING}),
    ],
)
def test_state_checks_pass_only_in_their_states_and_never_change_the_window(
    check: str, allowed: set[WindowState]
) -> None:
    for state in WindowState:
        window = window_in(state)
        before = copy.deepcopy(window)
        if state in allowed:
            getattr(window, check)("recall")
        else:
            with pytest.raises(InvalidTransition) as caught:
                getattr(window, check)("recall")
            assert caught.value.details["action"] == "recall"
        assert window == before


# --- the state table, every move from every state -----------------------------------------

Move = Callable[[Window], None]
MOVES: dict[str, tuple[Move, dict[WindowState, WindowState]]] = {
    "open": (lambda w: w.open("petrov", T0 + 999), {W.CLOSED: W.OPEN}),
    "close": (lambda w: w.close(T0 + 999), {W.OPEN: W.CLOSED, W.PAUSED: W.CLOSED}),
    "pause": (lambda w: w.pause(PauseReason.TECHNICAL, T0 + 999), {W.OPEN: W.PAUSED}),
    "resume": (lambda w: w.resume(T0 + 999), {W.PAUSED: W.OPEN}),
    "call": (lambda w: w.begin_call(7, T0 + 999), {W.OPEN: W.CALLING}),
    "start": (lambda w: w.start(T0 + 999), {W.CALLING: W.SERVING}),
    "release": (lambda w: w.release(T0 + 999), {W.CALLING: W.OPEN, W.SERVING: W.OPEN}),
}
ILLEGAL = [
    (name, state) for name, (_, table) in MOVES.items() for state in WindowState
    if state not in table
]


@pytest.mark.parametrize(("move", "state"), ILLEGAL, ids=[f"{m}-{s.value}" for m, s in ILLEGAL])
def test_illegal_window_move_raises_and_changes_nothing(move: str, state: WindowState) -> None:
    window = window_in(state)
    before = copy.deepcopy(window)
    with pytest.raises(InvalidTransition):
        MOVES[move][0](window)
    assert window == before


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(MOVES)), max_size=30))
def test_any_sequence_of_window_moves_follows_the_state_table_or_changes_nothing(
    moves: list[str],
) -> None:
    window = Window(3)
    for name in moves:
        move, table = MOVES[name]
        before = copy.deepcopy(window)
        if before.state in table:
            move(window)
            assert window.state is table[before.state]
            assert window.since == T0 + 999
        else:
            with pytest.raises(InvalidTransition):
                move(window)
            assert window == before
        # invariants after every move
        assert (window.ticket_id is not None) == (window.state in (W.CALLING, W.SERVING))
        assert (window.pause_reason is not None) == (window.state is W.PAUSED)
        assert (window.user is None) == (window.state is W.CLOSED)
