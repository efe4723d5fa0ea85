"""The dashboard's alert rules on hand-made inputs (``server.domain.breach``)."""

from __future__ import annotations

import math

from server.domain.breach import (
    Desk,
    Waiter,
    find_crowding,
    find_long_pauses,
    find_overdue,
    find_unserved,
    predict_breaches,
    remaining_wait,
    will_breach,
)
from server.domain.windows import PauseReason, WindowState

MIN = 60.0


def waiter(label: str, waited_min: float, expected_min: float, target_min: float = 20,
           service: str = "consult") -> Waiter:
    return Waiter(label, service, waited_min * MIN, target_min * MIN, expected_min * MIN)


def desk(number: int, state: WindowState, services: set[str], since: float = 0.0,
         reason: PauseReason | None = None) -> Desk:
    return Desk(number, state, since, frozenset(services), reason)


def test_overdue_tickets_are_those_past_their_own_target_longest_first() -> None:
    found = find_overdue([waiter("К-001", 21, 0), waiter("К-002", 20, 0),
                          waiter("К-003", 11, 0, target_min=10), waiter("К-004", 25, 0)])
    assert [w.label for w in found] == ["К-004", "К-001", "К-003"]  # exactly 20 is on target


def test_a_breach_is_predicted_when_the_target_falls_within_ten_minutes_and_the_call_after_it(
) -> None:
    # 15 min waited of 20: 5 min of slack; expected to wait 6 more → breach in 5 min.
    assert will_breach(waiter("К-001", 15, 6))
    # Expected to be called in 4 min: within target.
    assert not will_breach(waiter("К-001", 15, 4))
    # Exactly on the slack: called right at the target, which is within it.
    assert not will_breach(waiter("К-001", 15, 5))
    # 9 min waited: the target is 11 min away, beyond the horizon, however long the queue.
    assert not will_breach(waiter("К-001", 9, 60))
    # 10 min waited: exactly 10 min of slack is within the horizon.
    assert will_breach(waiter("К-001", 10, 11))
    # Already past the target: that is the overdue alert, not a prediction.
    assert not will_breach(waiter("К-001", 21, 60))
    # Nobody can call it: any ticket within the horizon will breach.
    assert will_breach(waiter("К-001", 12, math.inf))


def test_a_service_is_named_once_with_its_ticket_closest_to_breaching() -> None:
    found = predict_breaches([
        waiter("К-001", 14, 7),  # 6 min slack, will breach
        waiter("К-002", 4, 3, target_min=10),  # VIP: 6 min slack... 3 min expected: fine
        waiter("К-003", 17, 5),  # 3 min slack, will breach: the closest
        waiter("О-001", 12, 9, service="payment"),  # 8 min slack, will breach
        waiter("Д-001", 12, 7, service="contract"),  # 8 min slack, called in time
    ])
    assert {s: w.label for s, w in found.items()} == {"consult": "К-003", "payment": "О-001"}
    assert predict_breaches([]) == {}


def test_the_horizon_may_be_given() -> None:
    assert predict_breaches([waiter("К-001", 12, 9)], horizon=5 * MIN) == {}


def test_remaining_wait_is_infinite_when_nobody_can_call() -> None:
    assert remaining_wait(120.0, True) == 120.0
    assert remaining_wait(120.0, False) == math.inf


def test_long_pauses_with_the_lunch_limit_for_lunch() -> None:
    now = 10_000.0
    desks = [
        desk(1, WindowState.PAUSED, {"payment"}, now - 16 * MIN, PauseReason.BREAK),  # > 15
        desk(2, WindowState.PAUSED, {"consult"}, now - 15 * MIN, PauseReason.BREAK),  # = 15
        desk(3, WindowState.PAUSED, {"consult"}, now - 50 * MIN, PauseReason.LUNCH),  # < 60
        desk(4, WindowState.PAUSED, {"consult"}, now - 61 * MIN, PauseReason.LUNCH),  # > 60
        desk(5, WindowState.OPEN, {"consult"}, now - 99 * MIN),  # open is no pause
    ]
    found = find_long_pauses(desks, now, 15 * MIN, 60 * MIN)
    assert [d.number for d in found] == [1, 4]
    # Without a lunch limit, lunch is a pause like any other.
    assert [d.number for d in find_long_pauses(desks, now, 15 * MIN)] == [1, 3, 4]


def test_a_service_nobody_working_can_serve_is_unserved_from_three_waiting() -> None:
    desks = [
        desk(1, WindowState.PAUSED, {"payment"}),  # paused: calls nobody
        desk(2, WindowState.SERVING, {"consult", "billing"}),
        desk(3, WindowState.CLOSED, {"contract"}),
    ]
    waiting = {"payment": 3, "consult": 9, "contract": 2, "billing": 4}
    assert find_unserved(waiting, desks) == [("payment", 3)]  # contract: only 2
    assert find_unserved(waiting, desks, minimum=2) == [("payment", 3), ("contract", 2)]
    desks.append(desk(4, WindowState.CALLING, {"payment"}))
    assert find_unserved(waiting, desks) == []


def test_crowding_is_ten_waiting_in_all_while_a_window_is_closed() -> None:
    desks = [desk(1, WindowState.OPEN, {"payment"}), desk(2, WindowState.CLOSED, {"consult"}),
             desk(3, WindowState.CLOSED, {"consult"}), desk(4, WindowState.PAUSED, {"consult"})]
    assert find_crowding({"payment": 4, "consult": 6}, desks) == [2, 3]
    assert find_crowding({"payment": 4, "consult": 5}, desks) is None  # 9 < 10
    every_window_working = [desk(1, WindowState.OPEN, {"payment"}),
                            desk(4, WindowState.PAUSED, {"consult"})]
    assert find_crowding({"consult": 30}, every_window_working) is None
