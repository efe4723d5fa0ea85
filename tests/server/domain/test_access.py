"""Who may do what: the permissions of each role."""

from __future__ import annotations

import pytest

from server import contract
from server.domain import access
from server.domain.access import (
    ALERT_ACK,
    ALERT_RAISE,
    BOOKING_CHECK_IN,
    BOOKING_MANAGE,
    EVENTS_READ,
    PERMISSIONS,
    QUEUE_READ,
    TICKET_CANCEL,
    TICKET_ISSUE,
    TICKET_ISSUE_SPECIAL,
    TICKET_READ,
    VISIT_RATE,
    WINDOW_ACT,
    WINDOW_ANY,
    Actor,
)
from server.domain.errors import Forbidden

EVERY_PERMISSION = frozenset(
    value
    for name, value in vars(access).items()
    if name.isupper() and isinstance(value, str) and "." in value
)

EXPECTED = {
    "kiosk": {QUEUE_READ, TICKET_ISSUE, ALERT_RAISE, BOOKING_CHECK_IN},
    "board": {QUEUE_READ},
    "bridge": {QUEUE_READ, WINDOW_ACT, ALERT_RAISE, VISIT_RATE},
    "consultant": {QUEUE_READ, TICKET_READ, WINDOW_ACT},
    "hall": {QUEUE_READ, TICKET_READ, TICKET_ISSUE, TICKET_ISSUE_SPECIAL, TICKET_CANCEL,
             ALERT_ACK, BOOKING_MANAGE, BOOKING_CHECK_IN},
    "head": {QUEUE_READ, TICKET_READ, EVENTS_READ, ALERT_ACK},
    "admin": set(EVERY_PERMISSION),
}


def test_every_permission_constant_is_found() -> None:
    assert EVERY_PERMISSION == {
        QUEUE_READ, TICKET_ISSUE, TICKET_ISSUE_SPECIAL, TICKET_CANCEL, WINDOW_ACT, WINDOW_ANY,
        EVENTS_READ, TICKET_READ, ALERT_RAISE, ALERT_ACK, VISIT_RATE, BOOKING_MANAGE,
        BOOKING_CHECK_IN,
    }


def test_every_role_of_the_contract_has_permissions() -> None:
    assert set(PERMISSIONS) == {*contract.DEVICE_ROLES, *contract.STAFF_ROLES}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_role_has_exactly_its_permissions(role: str) -> None:
    actor = Actor("someone", role)
    granted = {p for p in EVERY_PERMISSION if actor.can(p)}
    assert granted == EXPECTED[role]


def test_devices_never_read_staff_ticket_detail() -> None:
    for role in contract.DEVICE_ROLES:
        assert not Actor("device", role, is_device=True).can(TICKET_READ)


def test_kiosk_may_issue_but_not_act_at_windows() -> None:
    kiosk = Actor("kiosk-1", "kiosk", is_device=True)
    assert kiosk.can(TICKET_ISSUE)
    assert not kiosk.can(WINDOW_ACT)
    assert not kiosk.can(TICKET_ISSUE_SPECIAL)  # a kiosk cannot make anyone VIP
    assert not kiosk.can(TICKET_CANCEL)
    assert kiosk.can(BOOKING_CHECK_IN)  # a booked visitor checks in by code
    assert not kiosk.can(BOOKING_MANAGE)  # but a kiosk never sees names and phones


def test_board_only_reads_the_queue() -> None:
    board = Actor("board-1", "board", is_device=True)
    assert board.can(QUEUE_READ)
    assert [p for p in EVERY_PERMISSION if p != QUEUE_READ and board.can(p)] == []


def test_consultant_acts_at_windows_but_cannot_cancel_or_issue() -> None:
    consultant = Actor("ivanova", "consultant")
    assert consultant.can(WINDOW_ACT)
    assert not consultant.can(WINDOW_ANY)  # only one's own window
    assert not consultant.can(TICKET_CANCEL)
    assert not consultant.can(TICKET_ISSUE)


def test_hall_consultant_issues_special_tickets_and_cancels_but_not_at_windows() -> None:
    hall = Actor("hall", "hall")
    assert hall.can(TICKET_ISSUE_SPECIAL) and hall.can(TICKET_CANCEL)
    assert not hall.can(WINDOW_ACT)


def test_head_reads_events_but_changes_nothing() -> None:
    head = Actor("head", "head")
    assert head.can(EVENTS_READ)
    assert not any(head.can(p) for p in (TICKET_ISSUE, TICKET_CANCEL, WINDOW_ACT))


def test_admin_may_do_everything() -> None:
    admin = Actor("admin", "admin")
    assert all(admin.can(p) for p in EVERY_PERMISSION)


def test_unknown_role_may_do_nothing() -> None:
    stranger = Actor("mallory", "superuser")
    assert not any(stranger.can(p) for p in EVERY_PERMISSION)


def test_unknown_permission_is_granted_to_nobody() -> None:
    assert not any(Actor("x", role).can("queue.delete_everything") for role in PERMISSIONS)


def test_require_passes_silently_when_allowed() -> None:
    assert Actor("ivanova", "consultant").require(WINDOW_ACT) is None


def test_require_raises_forbidden_naming_role_and_permission() -> None:
    with pytest.raises(Forbidden) as caught:
        Actor("board-1", "board", is_device=True).require(TICKET_ISSUE)
    assert caught.value.code == "forbidden"
    assert caught.value.details == {"role": "board", "permission": TICKET_ISSUE}
    assert "board-1" in str(caught.value)


def test_actor_is_immutable() -> None:
    actor = Actor("ivanova", "consultant")
    with pytest.raises(AttributeError):
        actor.role = "admin"  # type: ignore[misc]
    assert not actor.can(WINDOW_ANY)
