"""GPIO buttons (gpiozero's MockFactory) driving the kiosk agent against the live server: a
press becomes a ticket the server issued and the printer printed; a hammered button gives
one ticket; a staff call pressed again while open gives one alert."""

from __future__ import annotations

from pathlib import Path

import requests
from gpiozero.pins.mock import MockFactory

from kiosk.journal import EntryState
from kiosk.screen import Mode
from tests.kiosk.live_kiosk import (
    TIMEOUT,
    Kiosks,
    cp866,
    kiosk_config,
    open_alerts,
    printed_bytes,
    staff,
    until,
    wait_idle,
    waiting,
)

BUTTONS = [
    {"pin": 17, "action": "issue", "service": "consult"},
    {"pin": 27, "action": "out_of_turn", "service": "payment", "category": "disability"},
    {"pin": 22, "action": "staff_call", "name": "hall-button", "cooldown": 0.0},
]
LEDS = {"ready": 5, "printing": 6, "fault": 13}


def press(pins: MockFactory, pin: int) -> None:
    """Push and let go (the buttons pull up: pressed is low)."""
    pins.pin(pin).drive_low()
    pins.pin(pin).drive_high()


def test_a_button_press_prints_the_ticket_the_server_issued(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    pins = MockFactory()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path, buttons=BUTTONS, leds=LEDS),
                         pin_factory=pins)
    assert kiosk.agent.mode() is Mode.READY
    assert pins.pin(5).state and not pins.pin(13).state  # ready on, fault off

    press(pins, 17)
    kiosk.buttons.last.result(TIMEOUT)
    wait_idle(kiosk)

    [ticket] = waiting(live_url)
    assert (ticket["label"], ticket["service"], ticket["category"]) == ("К-001", "consult", None)
    output = printed_bytes(kiosk)
    assert cp866("К-001") in output
    assert cp866("Консультация") in output
    assert cp866("ЦОК") in output  # the office's name from the server
    assert b"\x1dV" in output  # cut
    [entry] = kiosk.journal.recent()
    assert entry.state is EntryState.PRINTED
    assert entry.source == "button:17"
    assert pins.pin(5).state and not pins.pin(6).state


def test_the_out_of_turn_button_issues_with_its_category(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    pins = MockFactory()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path, buttons=BUTTONS), pin_factory=pins)
    press(pins, 27)
    kiosk.buttons.last.result(TIMEOUT)
    wait_idle(kiosk)
    [ticket] = waiting(live_url)
    assert (ticket["label"], ticket["category"]) == ("О-001", "disability")
    assert cp866("О-001") in printed_bytes(kiosk)


def test_a_hammered_button_issues_one_ticket(live_url: str, tmp_path: Path,
                                             kiosks: Kiosks) -> None:
    pins = MockFactory()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path, buttons=BUTTONS), pin_factory=pins)
    for _ in range(10):
        press(pins, 17)
    kiosk.buttons.last.result(TIMEOUT)
    wait_idle(kiosk)
    # Held down: gpiozero reports one press however long it is held.
    pins.pin(17).drive_low()
    wait_idle(kiosk)
    pins.pin(17).drive_high()

    assert [t["label"] for t in waiting(live_url)] == ["К-001"]
    assert len(kiosk.journal.recent()) == 1
    assert printed_bytes(kiosk).count(cp866("К-001")) == 1


def test_staff_call_pressed_again_while_open_raises_one_alert(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    pins = MockFactory()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path, buttons=BUTTONS), pin_factory=pins)
    assert kiosk.realtime.connected.wait(TIMEOUT)

    press(pins, 22)
    first = kiosk.buttons.last.result(TIMEOUT)
    press(pins, 22)  # no cool-down on this button: the kiosk knows the alert is open
    second = kiosk.buttons.last.result(TIMEOUT)
    assert (first["sent"], first["created"]) == (True, True)
    assert (second["sent"], second["open"]) == (False, True)
    [alert] = open_alerts(live_url, "staff_call")
    assert alert["source"] == "kiosk-1"
    assert alert["data"] == {"button": "hall-button"}

    # The hall consultant acknowledges; the kiosk hears it and the next press calls again.
    with staff(live_url) as hall:
        response = hall.post(f"{live_url}/api/v1/alerts/{alert['id']}/ack", timeout=TIMEOUT)
    assert response.status_code == 200
    assert until(lambda: not kiosk.agent.staff_call_open("hall-button"), kiosk)
    press(pins, 22)
    third = kiosk.buttons.last.result(TIMEOUT)
    assert (third["sent"], third["created"]) == (True, True)
    [again] = open_alerts(live_url, "staff_call")
    assert again["id"] != alert["id"]


def test_the_server_dedupes_a_staff_call_the_kiosk_sends_twice(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    """Belt and braces: even a second request (another kiosk process, a lost answer) does not
    open a second alert."""
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path), realtime=False)
    assert kiosk.agent.staff_call("door")["created"] is True
    assert kiosk.server.staff_call("door")["created"] is False
    assert len(open_alerts(live_url, "staff_call")) == 1


def test_a_press_while_the_server_is_unreachable_issues_nothing(
        live_url: str, tmp_path: Path, kiosks: Kiosks) -> None:
    pins = MockFactory()
    kiosk = kiosks.start(kiosk_config(live_url, tmp_path, buttons=BUTTONS, leds=LEDS),
                         pin_factory=pins, realtime=False)
    live = kiosk.server.base_url
    kiosk.server.base_url = "http://127.0.0.1:9"  # discard port: nothing listens
    kiosk.agent.retry_now()
    assert until(lambda: kiosk.agent.mode() is Mode.OFFLINE, kiosk)
    assert pins.pin(13).state and not pins.pin(5).state  # fault on, ready off
    press(pins, 17)
    refused = kiosk.buttons.last.result(TIMEOUT)
    assert refused.reason == "offline"
    assert kiosk.journal.recent() == []
    kiosk.server.base_url = live
    kiosk.agent.retry_now()
    assert until(lambda: kiosk.agent.mode() is Mode.READY, kiosk)
    assert waiting(live_url) == []
    assert requests.get(f"{live_url}/api/v1/health", timeout=TIMEOUT).ok
