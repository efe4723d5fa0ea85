"""The board simulator: what its boards show, its pty line (opened with pyserial like a real
adapter, unplugged and plugged back) and its status page."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from firmware_bridge.errors import LinkError, QueueFull
from firmware_bridge.serial_port import open_serial
from firmware_bridge.simulator import BoardSimulator, PtyLine, SimulatedPort
from firmware_bridge.status_page import StatusPage
from tests.firmware_bridge.office_bus import FAST

WINDOW, KEYPAD, RATING, BUTTON = 0x03, 0x13, 0x23, 0x30
TIMEOUT = 10.0


def office() -> BoardSimulator:
    return BoardSimulator([(WINDOW, p.BoardKind.WINDOW_BOARD, "Окно 3"),
                           (KEYPAD, p.BoardKind.KEYPAD, ""),
                           (RATING, p.BoardKind.RATING_PAD, ""),
                           (BUTTON, p.BoardKind.STAFF_CALL, "")], FAST)


def exchange(host: lk.HostLink, port: SimulatedPort, now: float) -> lk.Step:
    """Let the host speak once and hear the reply."""
    step = host.poll(now)
    for frame in step.frames:
        port.write(frame)
    reply = port.read(0.0)
    return host.feed(reply, now) if reply else step


def test_window_boards_show_what_they_are_told() -> None:
    simulator = office()
    port = SimulatedPort(simulator)
    host = lk.HostLink({WINDOW: p.BoardKind.WINDOW_BOARD}, FAST, session=1)
    exchange(host, port, 0.0)  # identify
    view = simulator.view(WINDOW)
    assert view.identified and view.text == "" and view.brightness is None
    for message in (p.Brightness(4), p.ShowLabel(3, "А-017"), p.Blink(60),
                    p.ShowClosed(p.ClosedReason.LUNCH)):
        host.send(WINDOW, message)
        exchange(host, port, 0.0)
    view = simulator.view(WINDOW)
    assert (view.text, view.closed, view.blinking, view.brightness) == ("ОБЕД", True, True, 4)
    host.send(WINDOW, p.Clear())
    exchange(host, port, 0.0)
    assert simulator.view(WINDOW).text == "" and simulator.view(WINDOW).shown == 3
    assert simulator.view(WINDOW).as_json()["name"] == "Окно 3"


def test_presses_wait_on_the_board_and_a_restart_loses_them() -> None:
    simulator = office()
    simulator.press(KEYPAD, p.Key.START)
    simulator.rate(RATING, 5)
    assert simulator.view(KEYPAD).queued == 1
    with pytest.raises(LinkError):
        simulator.rate(KEYPAD, 5)  # a keypad has no rating key
    with pytest.raises(LinkError):
        simulator.press(0x77, p.Key.START)
    boot = simulator.view(KEYPAD).boot_id
    simulator.restart(KEYPAD)
    assert simulator.view(KEYPAD).queued == 0 and simulator.view(KEYPAD).boot_id != boot
    for _ in range(FAST.queue_limit):
        simulator.press(KEYPAD, p.Key.RECALL)
    with pytest.raises(QueueFull):
        simulator.press(KEYPAD, p.Key.RECALL)


def test_a_silenced_board_hears_but_does_not_answer() -> None:
    simulator = office()
    poll = p.encode(p.Identify(1, p.TABLE_CHECKSUM, 1, 1, 1), dst=WINDOW, src=p.HOST)
    simulator.silence(WINDOW)
    assert simulator.receive(poll) == b""
    assert simulator.view(WINDOW).silent and simulator.view(WINDOW).identified
    simulator.silence(WINDOW, False)
    assert p.FrameDecoder().feed(simulator.receive(poll))[0].msg_id == p.IdentifyReply.ID


@pytest.fixture
def line(tmp_path: Path) -> Iterator[PtyLine]:
    line = PtyLine(office(), tmp_path / "ttyBUS").start()
    yield line
    line.close()


def test_the_pty_line_is_a_serial_port_that_can_be_unplugged(line: PtyLine) -> None:
    assert line.path.is_symlink() and line.path.resolve().as_posix().startswith("/dev/pts/")
    port = open_serial(str(line.path), 38400)
    try:
        identify = p.encode(p.Identify(1, p.TABLE_CHECKSUM, 9, 1, 1), dst=WINDOW, src=p.HOST)
        port.write(identify)
        decoder = p.FrameDecoder()
        frames: list[p.Frame] = []
        deadline = time.monotonic() + TIMEOUT
        while not frames and time.monotonic() < deadline:
            frames += decoder.feed(port.read(0.5))
        assert isinstance(p.unpack(frames[0]), p.IdentifyReply)
        line.unplug()
        assert not line.path.exists()
        with pytest.raises(OSError):
            for _ in range(100):  # the pty hung up: reading fails at once
                port.read(TIMEOUT)
    finally:
        port.close()
    with pytest.raises(OSError):
        open_serial(str(line.path), 38400)
    line.plug()
    again = open_serial(str(line.path), 38400)
    again.close()
    assert line.plugs == 2


@pytest.fixture
def page() -> Iterator[StatusPage]:
    page = StatusPage(office()).start()
    yield page
    page.close()


def test_the_status_page_shows_the_boards_and_presses_their_keys(page: StatusPage) -> None:
    with requests.Session() as http:
        html = http.get(page.url, timeout=TIMEOUT)
        assert html.status_code == 200 and "simulated boards" in html.text
        state = http.get(page.url + "state.json", timeout=TIMEOUT).json()
        assert [b["kind"] for b in state["boards"]] == [
            "window_board", "keypad", "rating_pad", "staff_call"]
        for body in ({"address": KEYPAD, "key": "call_next"}, {"address": RATING, "rating": 4},
                     {"address": BUTTON, "staff_call": True}):
            assert http.post(page.url + "press", json=body, timeout=TIMEOUT).json() == {
                "ok": True}
        queued = {b["address"]: b["queued"] for b in
                  http.get(page.url + "state.json", timeout=TIMEOUT).json()["boards"]}
        assert queued == {WINDOW: 0, KEYPAD: 1, RATING: 1, BUTTON: 1}
        for bad in ({"address": KEYPAD, "key": "dance"}, {"address": KEYPAD, "rating": 4},
                    {"address": 0x77, "staff_call": True}, {"key": "call_next"}, [1]):
            response = http.post(page.url + "press", data=json.dumps(bad), timeout=TIMEOUT)
            assert response.status_code == 400, bad
        assert http.get(page.url + "nothing", timeout=TIMEOUT).status_code == 404
