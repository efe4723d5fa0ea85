"""End to end over a real pty: the server (``live_url``), the bridge, and simulated boards the
bridge drives through ``os.openpty`` like a serial adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from firmware_bridge import protocol as p
from firmware_bridge.simulator import BoardSimulator
from tests.firmware_bridge.office_rig import (
    KEYPAD_3,
    RATING_3,
    STAFF_CALL,
    TIMEOUT,
    WINDOW_2,
    WINDOW_3,
    OfficeRig,
    running_rig,
)
from tests.server.conftest import PASSWORD


@pytest.fixture
def rig(live_url: str, tmp_path: Path) -> Iterator[OfficeRig]:
    yield from running_rig(live_url, tmp_path)


def test_closed_windows_show_closed_at_start(rig: OfficeRig) -> None:
    assert rig.shows(WINDOW_2, "ЗАКРЫТО") and rig.shows(WINDOW_3, "ЗАКРЫТО")
    assert rig.simulator.wait_for(lambda s: (s.view(WINDOW_2).brightness,
                                             s.view(WINDOW_3).brightness) == (9, 8), TIMEOUT)


def test_a_keypad_next_calls_the_next_ticket_at_its_window(rig: OfficeRig) -> None:
    petrov = rig.session("petrov")
    assert petrov.post(f"{rig.url}/api/v1/windows/3/open", timeout=TIMEOUT).ok
    assert rig.shows(WINDOW_3, "")
    label = rig.issue()
    rig.simulator.press(KEYPAD_3, p.Key.CALL_NEXT)
    assert rig.outcome("call next at window 3").status == 200
    window = rig.window(3)
    assert (window["state"], window["ticket"]["label"]) == ("calling", label)
    assert rig.shows(WINDOW_3, label)
    assert rig.simulator.view(WINDOW_2).text == "ЗАКРЫТО"


def test_a_call_on_the_desk_page_lights_the_right_board(rig: OfficeRig, browser: Browser,
                                                        contexts: list[BrowserContext]) -> None:
    assert rig.shows(WINDOW_2, "ЗАКРЫТО")
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    contexts.append(context)
    desk = context.new_page()
    desk.goto(f"{rig.url}/desk/2")
    expect(desk).to_have_url(f"{rig.url}/login?next=/desk/2")
    desk.fill("#username", "ivanova")
    desk.fill("#password", PASSWORD)
    desk.click("#login button[type=submit]")
    expect(desk).to_have_url(f"{rig.url}/desk/2")
    desk.click("#open")
    assert rig.shows(WINDOW_2, "")  # open, nobody called: dark
    label = rig.issue()
    call_next = desk.locator("[data-move=call-next]")
    expect(call_next).to_be_enabled()
    call_next.click()
    expect(desk.locator("#current-label")).to_have_text(label)
    assert rig.shows(WINDOW_2, label)
    assert rig.simulator.wait_for(lambda s: s.view(WINDOW_2).blinking, TIMEOUT)
    assert rig.simulator.view(WINDOW_3).text == "ЗАКРЫТО"
    applied = rig.simulator.board(WINDOW_2).delivered
    assert applied[-2:] == [p.ShowLabel(2, label), p.Blink(5)]
    assert not any(isinstance(m, p.ShowLabel) for m in rig.simulator.board(WINDOW_3).delivered)


def test_keypad_keys_walk_a_visit_and_pause_toggles(rig: OfficeRig) -> None:
    petrov = rig.session("petrov")
    assert petrov.post(f"{rig.url}/api/v1/windows/3/open", timeout=TIMEOUT).ok
    label = rig.issue()
    # key, the move it asks for, the window's state after it, the board's text, blinks so far
    steps = [(p.Key.CALL_NEXT, "call next", "calling", label, 1),
             (p.Key.RECALL, "recall", "calling", label, 2),
             (p.Key.START, "start", "serving", label, 2),
             (p.Key.FINISH, "finish", "open", "", 2),
             (p.Key.PAUSE, "pause", "paused", "ОБЕД", 2),
             (p.Key.PAUSE, "resume", "open", "", 2)]

    def blinks(simulator: BoardSimulator) -> int:
        return sum(isinstance(m, p.Blink) for m in simulator.board(WINDOW_3).delivered)

    for key, what, state, shown, blinked in steps:
        rig.simulator.press(KEYPAD_3, key)
        assert rig.outcome(f"{what} at window 3").status == 200
        assert rig.window(3)["state"] == state
        assert rig.shows(WINDOW_3, shown), (what, rig.simulator.view(WINDOW_3))
        assert rig.simulator.wait_for(lambda s, n=blinked: blinks(s) == n, TIMEOUT), what


def test_a_key_the_window_cannot_take_is_refused_and_not_retried(rig: OfficeRig) -> None:
    rig.simulator.press(KEYPAD_3, p.Key.CALL_NEXT)  # window 3 is closed
    assert rig.outcome("call next at window 3").status == 409
    assert rig.window(3)["state"] == "closed"
    assert rig.bridge.outbox.wait_idle(TIMEOUT)


def test_a_staff_call_press_raises_one_open_alert(rig: OfficeRig) -> None:
    rig.simulator.staff_call(STAFF_CALL)
    assert rig.outcome("staff call").status == 201
    rig.simulator.staff_call(STAFF_CALL)
    assert rig.outcome("staff call").status == 200  # the same alert, still open
    calls = [a for a in rig.alerts() if a["kind"] == "staff_call"]
    assert len(calls) == 1
    assert (calls[0]["window"], calls[0]["data"]) == (3, {"button": "desk_3"})


def test_a_rating_press_rates_the_visit_that_just_ended(rig: OfficeRig) -> None:
    petrov = rig.session("petrov")
    rig.issue()
    for move in ("open", "call-next", "start", "finish"):
        response = petrov.post(f"{rig.url}/api/v1/windows/3/{move}", json={}, timeout=TIMEOUT)
        assert response.ok, response.text
    ticket_id = response.json()["ticket"]["id"]
    rig.simulator.rate(RATING_3, 4)
    assert rig.outcome("rating 4 at window 3").status == 200
    ticket = petrov.get(f"{rig.url}/api/v1/tickets/{ticket_id}", timeout=TIMEOUT).json()
    assert ticket["rating"] == 4


def test_unplugged_adapter_is_reopened_and_the_boards_get_their_state_back(
        rig: OfficeRig) -> None:
    ivanova = rig.session("ivanova")
    label = rig.issue()
    for move in ("open", "call-next"):
        assert ivanova.post(f"{rig.url}/api/v1/windows/2/{move}", timeout=TIMEOUT).ok
    assert rig.shows(WINDOW_2, label)
    rig.line.unplug()
    lost = rig.outcome("fault serial_port_lost raised")
    assert lost.status == 201
    assert any(a["data"].get("code") == "serial_port_lost" for a in rig.alerts())
    # The boards lost power with the adapter: they come back dark, with new boot ids.
    rig.simulator.restart(WINDOW_2)
    rig.simulator.restart(WINDOW_3)
    assert rig.simulator.view(WINDOW_2).text == ""
    rig.line.plug()
    assert rig.shows(WINDOW_2, label)
    assert rig.shows(WINDOW_3, "ЗАКРЫТО")
    assert rig.simulator.wait_for(lambda s: s.view(WINDOW_2).brightness == 9, TIMEOUT)
    assert rig.outcome("fault serial_port_lost cleared").status == 200
    assert not any(a["data"].get("code") == "serial_port_lost" for a in rig.alerts())
    assert rig.bridge.bus.opened == 2


def test_a_board_that_stops_answering_is_reported_and_cleared_when_it_answers(
        rig: OfficeRig) -> None:
    assert rig.shows(WINDOW_3, "ЗАКРЫТО")
    rig.simulator.silence(WINDOW_3)
    assert rig.outcome("fault board_3_silent raised").status == 201
    [alert] = [a for a in rig.alerts() if a["kind"] == "device_fault"]
    assert alert["data"]["code"] == "board_3_silent"
    assert "window board 0x03 at window 3 does not answer" in alert["message"]
    rig.simulator.silence(WINDOW_3, False)
    assert rig.outcome("fault board_3_silent cleared").status == 200
    assert not [a for a in rig.alerts() if a["kind"] == "device_fault"]
    resolved = [a for a in rig.alerts(closed=True) if a["id"] == alert["id"]]
    assert resolved[0]["resolved_at"] is not None


def test_a_board_fault_report_reaches_the_hall_console(rig: OfficeRig) -> None:
    rig.simulator.fault(WINDOW_2, p.FaultCode.DISPLAY, "column 7 dark")
    assert rig.outcome("fault board_2_fault_1 raised").status == 201
    [alert] = [a for a in rig.alerts() if a["kind"] == "device_fault"]
    assert alert["message"] == "window board 0x02 at window 2: display: column 7 dark"
