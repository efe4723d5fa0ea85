"""The pure rules: the journal's states, the button gate, the staff-call guard, the menu,
what the screen and the LEDs show, and the paper ticket made from a server answer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.cooldown import ButtonGate
from kiosk.errors import InvalidTicket
from kiosk.issued_ticket import TicketLook, answer_from_print_request, printed_ticket
from kiosk.journal import TRANSITIONS, Entry, EntryKind, EntryState, Step, can_move, next_step
from kiosk.menu import Group, Topic, build_menu, menu_json
from kiosk.printer_status import PrinterState, PrinterStatus
from kiosk.screen import KioskStatus, Leds, Link, Mode, job_view, led_states, mode_of
from kiosk.staff_call import StaffCallGuard
from server import config

OK = PrinterStatus(PrinterState.OK)


def entry(state: EntryState, created_at: float = 1000.0, **changes: object) -> Entry:
    base = Entry(id=1, key="k", kind=EntryKind.VISITOR, service="consult", category=None,
                 source="screen", state=state, created_at=created_at, updated_at=created_at)
    for name, value in changes.items():
        setattr(base, name, value)
    return base


# Journal ------------------------------------------------------------------------------------

def test_final_states_have_no_way_out_and_printed_is_never_left() -> None:
    for state in (EntryState.PRINTED, EntryState.UNPRINTED, EntryState.REFUSED):
        assert TRANSITIONS[state] == frozenset()
    assert not can_move(EntryState.PENDING, EntryState.PRINTING)  # never print unanswered
    assert not can_move(EntryState.REFUSED, EntryState.ISSUED)
    assert can_move(EntryState.PRINTING, EntryState.PRINTING)  # printed again after a restart


@pytest.mark.parametrize(("state", "age", "step"), [
    (EntryState.PENDING, 5.0, Step.SEND),
    (EntryState.PENDING, 99999.0, Step.SEND),  # always settled with the server
    (EntryState.ISSUED, 5.0, Step.PRINT),
    (EntryState.PRINTING, 5.0, Step.PRINT),
    (EntryState.ISSUED, 601.0, Step.GIVE_UP),
    (EntryState.PRINTING, 601.0, Step.GIVE_UP),
    (EntryState.PRINTED, 5.0, Step.NOTHING),
    (EntryState.UNPRINTED, 5.0, Step.NOTHING),
    (EntryState.REFUSED, 5.0, Step.NOTHING),
])
def test_next_step(state: EntryState, age: float, step: Step) -> None:
    assert next_step(entry(state), 1000.0 + age, print_within=600.0) is step


# Button gate and staff-call guard -------------------------------------------------------------

def test_a_button_gate_accepts_one_press_per_job_and_cool_down() -> None:
    gate = ButtonGate(cooldown=5.0)
    assert gate.press(100.0)
    assert not gate.press(100.1)  # the job is in flight
    gate.done()
    assert not gate.press(104.9)  # cooling down
    assert gate.press(105.0)
    assert not gate.press(200.0)  # in flight again, however long after
    with pytest.raises(ValueError):
        ButtonGate(-1.0)


def test_the_staff_call_guard_holds_while_the_alert_is_open() -> None:
    guard = StaffCallGuard(recheck=120.0)
    assert guard.should_send("b", 0.0)
    guard.sent("b", {"id": 7, "acked_at": None, "resolved_at": None}, 0.0)
    assert not guard.should_send("b", 60.0)
    assert guard.should_send("other", 60.0)
    guard.closed(7)
    assert guard.should_send("b", 61.0)
    guard.sent("b", {"id": 8, "acked_at": None, "resolved_at": None}, 100.0)
    assert guard.should_send("b", 220.0)  # an acknowledgement may have been missed
    guard.sent("b", {"id": 9, "acked_at": 5.0, "resolved_at": None}, 230.0)
    assert guard.should_send("b", 231.0)
    guard.sent("b", {"id": 10, "acked_at": None, "resolved_at": None}, 240.0)
    guard.closed(11)  # another alert
    assert not guard.should_send("b", 241.0)
    guard.closed(None)  # some alert, the event does not say which
    assert guard.should_send("b", 241.0)


# Menu ---------------------------------------------------------------------------------------

def demo_office_document() -> dict:
    office = config.load(None, {})
    return office.model_dump(mode="json", exclude={"schedule", "server"})


def test_the_demo_menu_has_groups_where_the_office_groups_services() -> None:
    menu = build_menu(demo_office_document())
    kinds = [(type(i).__name__, i.name if isinstance(i, Group) else i.code) for i in menu.items]
    assert kinds == [("Topic", "consult"), ("Topic", "payment"), ("Group", "Договор и учёт"),
                     ("Group", "Документы"), ("Topic", "complaint"), ("Topic", "paid"),
                     ("Topic", "legal")]
    group = menu.items[2]
    assert [t.code for t in group.topics] == ["contract", "metering", "billing"]
    assert menu.topic("billing") == Topic("billing", "Р", "Счета, начисления, перерасчёт",
                                          "Bills, charges, recalculation")
    assert [c.code for c in menu.categories] == ["disability", "veteran"]
    assert menu.check_in is True  # the demo office takes bookings (/office: bookings)
    assert menu_json(menu)["items"][2]["topics"][0]["prefix"] == "Д"


def test_a_group_of_one_is_its_service_and_bookings_show_check_in() -> None:
    menu = build_menu({"name": "O", "services": [
        {"code": "a", "prefix": "А", "name": "A", "group": "Solo"},
        {"code": "b", "prefix": "Б", "name": "B"}], "out_of_turn": [], "bookings": True})
    assert menu.items == (Topic("a", "А", "A", ""), Topic("b", "Б", "B", ""))
    assert menu.check_in is True and menu.categories == ()


# Screen and LEDs ----------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "mode"), [
    (KioskStatus(Link.UP, OK, True), Mode.READY),
    (KioskStatus(Link.UNKNOWN, OK, False), Mode.STARTING),
    (KioskStatus(Link.DOWN, PrinterStatus(PrinterState.PAPER_OUT), True), Mode.OFFLINE),
    (KioskStatus(Link.UNAUTHORIZED, OK, True), Mode.UNAUTHORIZED),
    (KioskStatus(Link.UP, PrinterStatus(PrinterState.COVER_OPEN), True, "cutoff"), Mode.PRINTER),
    (KioskStatus(Link.UP, PrinterStatus(PrinterState.PAPER_NEAR_END), True), Mode.READY),
    (KioskStatus(Link.UP, PrinterStatus(PrinterState.UNKNOWN), True), Mode.READY),
    (KioskStatus(Link.UP, OK, True, "cutoff"), Mode.CLOSED),
])
def test_the_mode_most_important_first(status: KioskStatus, mode: Mode) -> None:
    assert mode_of(status) is mode


def test_leds() -> None:
    assert led_states(Mode.READY, False) == Leds(ready=True, printing=False, fault=False)
    assert led_states(Mode.READY, True) == Leds(ready=False, printing=True, fault=False)
    assert led_states(Mode.PRINTER, False) == Leds(ready=False, printing=False, fault=True)
    assert led_states(Mode.OFFLINE, False).fault
    assert led_states(Mode.CLOSED, False) == Leds(ready=False, printing=False, fault=False)


def test_job_view_phases() -> None:
    answer = {"ticket": {"label": "К-001"}, "ahead": 2, "expected_wait": 300.0}
    assert job_view(entry(EntryState.PENDING), Link.UP, "К")["phase"] == "sending"
    assert job_view(entry(EntryState.PENDING), Link.DOWN, "К")["phase"] == "waiting_link"
    printed = job_view(entry(EntryState.PRINTED, answer=answer), Link.UP, "Консультация")
    assert (printed["phase"], printed["label"], printed["ahead"]) == ("printed", "К-001", 2)
    assert printed["service_name"] == "Консультация"
    refused = job_view(entry(EntryState.REFUSED, error={"code": "office_closed",
                                                        "details": {"reason": "cutoff"}}),
                       Link.UP, "")
    assert (refused["phase"], refused["reason"], refused["details"]) == (
        "refused", "office_closed", {"reason": "cutoff"})


# The paper ticket from the server's answer ---------------------------------------------------

LOOK = TicketLook("ЦОК", "Europe/Moscow", "http://talon.local:5000/", "Спасибо!")
ANSWER = {"ticket": {"label": "К-017", "issued_at": 1795417200.0, "wait_target": 1200.0,
                     "public_id": "abcdefgh123", "service": "consult"},
          "ahead": 3, "expected_wait": 660.0, "replayed": False}


def test_a_printed_ticket_from_an_issue_answer() -> None:
    ticket = printed_ticket(ANSWER, "Консультация", LOOK)
    assert ticket.issued_at == datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert ticket.status_url == "http://talon.local:5000/t/abcdefgh123"
    assert (ticket.label, ticket.people_ahead, ticket.service_name) == ("К-017", 3,
                                                                       "Консультация")
    with pytest.raises(InvalidTicket):
        printed_ticket({"ticket": {"label": "К-1"}}, "x", LOOK)


def test_a_print_request_becomes_the_same_shape() -> None:
    request = {"ticket": {k: v for k, v in ANSWER["ticket"].items() if k != "public_id"},
               "public_id": "abcdefgh123", "service_name": "Консультация", "ahead": 0,
               "expected_wait": 0.0, "requested_by": "hall"}
    answer = answer_from_print_request(request)
    assert answer["ticket"]["public_id"] == "abcdefgh123"
    assert printed_ticket(answer, "ignored", LOOK).service_name == "Консультация"
