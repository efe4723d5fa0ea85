"""The bridge's decisions with fake boards, outbox and server: what goes to which board and
when, what becomes a request or a fault."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from firmware_bridge import config as cfg
from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from firmware_bridge.board_actions import ServerRequest
from firmware_bridge.bridge import Bridge
from firmware_bridge.bus import PortLost, PortOpened
from firmware_bridge.errors import ServerUnavailable
from server import contract as c
from tests.firmware_bridge.payloads import event, snapshot, window

CONFIG = cfg.parse({
    "server": {"url": "http://127.0.0.1:5000", "token": "t"},
    "serial": {"port": "/dev/ttyAMA0"},
    "boards": [
        {"address": 2, "kind": "window_board", "window": 2, "brightness": 5},
        {"address": 3, "kind": "window_board", "window": 3},
        {"address": 0x33, "kind": "window_board", "window": 3, "name": "hall"},
        {"address": 0x13, "kind": "keypad", "window": 3},
        {"address": 0x23, "kind": "rating_pad", "window": 3},
        {"address": 0x30, "kind": "staff_call"},
    ],
    "timings": {"blink": 7},
})
IDENTITY = lk.Identity(p.BoardKind.WINDOW_BOARD, (1, 2, 3), 9, 1, p.TABLE_CHECKSUM)


class FakeBoards:
    def __init__(self) -> None:
        self.sent: list[tuple[int, p.Message]] = []

    def send(self, address: int, message: p.Message) -> None:
        self.sent.append((address, message))

    def to(self, address: int) -> list[p.Message]:
        return [m for a, m in self.sent if a == address]


class FakeRequests:
    def __init__(self) -> None:
        self.requests: list[ServerRequest] = []
        self.faults: dict[str, str | None] = {}

    def put(self, request: ServerRequest) -> None:
        self.requests.append(request)

    def set_fault(self, code: str, message: str | None) -> None:
        self.faults[code] = message


class FakeSnapshots:
    def __init__(self) -> None:
        self.snapshots: list[Any] = []
        self.asked = 0

    def snapshot(self) -> object:
        self.asked += 1
        if not self.snapshots:
            raise ServerUnavailable("down")
        return self.snapshots.pop(0)


@pytest.fixture
def rig() -> tuple[Bridge, FakeBoards, FakeRequests, FakeSnapshots]:
    boards, requests, snapshots = FakeBoards(), FakeRequests(), FakeSnapshots()
    return Bridge(CONFIG, boards, requests, snapshots), boards, requests, snapshots


Rig = tuple[Bridge, FakeBoards, FakeRequests, FakeSnapshots]
OPEN_DAY = snapshot(10, window(2, "closed"), window(3, "open"))


def test_start_clears_faults_a_previous_run_left(rig: Rig) -> None:
    bridge, _, requests, _ = rig
    bridge.start()
    assert requests.faults["serial_port_lost"] is None
    assert requests.faults["board_2_silent"] is None
    assert requests.faults["board_48_refused"] is None


def test_a_snapshot_sets_every_window_board(rig: Rig) -> None:
    bridge, boards, _, _ = rig
    bridge.on_snapshot(OPEN_DAY)
    assert boards.sent == [(2, p.ShowClosed(p.ClosedReason.CLOSED)), (3, p.Clear()),
                           (0x33, p.Clear())]
    bridge.on_snapshot(OPEN_DAY)  # the same truth again (a reconnect): sent again
    assert len(boards.sent) == 6


def test_a_call_shows_the_label_and_blinks_on_every_board_of_that_window(rig: Rig) -> None:
    bridge, boards, _, _ = rig
    bridge.on_snapshot(OPEN_DAY)
    boards.sent.clear()
    bridge.on_event(event(11, c.TICKET_CALLED, window(3, "calling", "К-017")))
    assert boards.sent == [(3, p.ShowLabel(3, "К-017")), (3, p.Blink(7)),
                           (0x33, p.ShowLabel(3, "К-017")), (0x33, p.Blink(7))]
    boards.sent.clear()
    bridge.on_event(event(12, c.TICKET_STARTED, window(3, "serving", "К-017")))
    assert boards.sent == []  # the same label: nothing to send
    bridge.on_event(event(13, c.WINDOW_CHANGED, window(2, "paused", reason="technical")))
    assert boards.sent == [(2, p.ShowClosed(p.ClosedReason.TECHNICAL))]


def test_missed_events_reload_the_snapshot(rig: Rig) -> None:
    bridge, boards, _, snapshots = rig
    bridge.on_snapshot(OPEN_DAY)
    boards.sent.clear()
    snapshots.snapshots.append(snapshot(15, window(2, "open"), window(3, "calling", "А-2")))
    bridge.on_event(event(15, c.TICKET_CALLED, window(3, "calling", "А-2")))
    assert snapshots.asked == 1
    assert (2, p.Clear()) in boards.sent and boards.to(3)[-1] == p.ShowLabel(3, "А-2")


def test_a_server_that_cannot_give_a_snapshot_leaves_the_boards_as_they_are(rig: Rig) -> None:
    bridge, boards, _, snapshots = rig
    bridge.on_snapshot(OPEN_DAY)
    boards.sent.clear()
    bridge.on_event(event(20, c.TICKET_ISSUED))  # a gap, and the server is gone
    assert snapshots.asked == 1 and boards.sent == []


def test_after_a_disconnect_the_next_snapshot_is_the_truth_whatever_its_seq(rig: Rig) -> None:
    bridge, boards, _, _ = rig
    bridge.on_snapshot(OPEN_DAY)
    bridge.on_snapshot(snapshot(3, window(2, "open"), window(3, "open")))
    assert boards.to(2) == [p.ShowClosed(p.ClosedReason.CLOSED)]  # older: ignored
    bridge.on_disconnect()  # the server restarted on a new database
    bridge.on_snapshot(snapshot(3, window(2, "open"), window(3, "open")))
    assert boards.to(2)[-1] == p.Clear()


def test_a_board_that_comes_up_gets_its_whole_state(rig: Rig) -> None:
    bridge, boards, requests, _ = rig
    bridge.on_bus_event(lk.PeerUp(2, IDENTITY, False))
    assert boards.to(2) == [p.Brightness(5)]  # nothing known yet: the display is left alone
    bridge.on_snapshot(OPEN_DAY)
    bridge.on_bus_event(lk.PeerUp(2, IDENTITY, True))
    assert boards.to(2)[-2:] == [p.Brightness(5), p.ShowClosed(p.ClosedReason.CLOSED)]
    assert requests.faults["board_2_silent"] is None


def test_silent_refused_and_faulty_boards_become_faults_until_they_are_back(rig: Rig) -> None:
    bridge, _, requests, _ = rig
    bridge.on_bus_event(lk.PeerDown(3, "unresponsive"))
    assert requests.faults["board_3_silent"] == "window board 0x03 at window 3 does not answer"
    bridge.on_bus_event(lk.Refused(0x33, ("message table checksum 0xB668, expected 0xB669",)))
    assert requests.faults["board_51_refused"] == (
        "window board 0x33 «hall» at window 3 refused: message table checksum 0xB668, "
        "expected 0xB669")
    bridge.on_bus_event(lk.Delivered(0x13, p.Fault(p.FaultCode.STUCK_KEY, "key 4"), 1))
    assert requests.faults["board_19_fault_2"] == "keypad 0x13 at window 3: stuck key: key 4"
    bridge.on_bus_event(lk.PeerUp(3, IDENTITY, False))
    bridge.on_bus_event(lk.PeerUp(0x33, IDENTITY, False))
    assert requests.faults["board_3_silent"] is None
    assert requests.faults["board_51_refused"] is None
    bridge.on_bus_event(lk.PeerUp(0x13, IDENTITY, False))
    assert requests.faults["board_19_fault_2"] is not None  # the same boot: still faulty
    bridge.on_bus_event(lk.PeerUp(0x13, IDENTITY, True))
    assert requests.faults["board_19_fault_2"] is None  # restarted: cleared


def test_the_port_coming_and_going_is_a_fault(rig: Rig) -> None:
    bridge, _, requests, _ = rig
    bridge.on_bus_event(PortLost("/dev/serial/by-id/usb-x", "No such file or directory"))
    assert requests.faults["serial_port_lost"] == (
        "serial port /dev/serial/by-id/usb-x: No such file or directory")
    bridge.on_bus_event(PortOpened("/dev/serial/by-id/usb-x"))
    assert requests.faults["serial_port_lost"] is None


def test_presses_become_requests_for_their_window(rig: Rig) -> None:
    bridge, _, requests, _ = rig
    bridge.on_snapshot(snapshot(10, window(2, "closed"), window(3, "paused", reason="break")))
    bridge.on_bus_event(lk.Delivered(0x13, p.KeyPress(p.Key.PAUSE), 1))
    bridge.on_bus_event(lk.Delivered(0x13, p.KeyPress(p.Key.CALL_NEXT), 2))
    bridge.on_bus_event(lk.Delivered(0x23, p.Rating(3), 1))
    bridge.on_bus_event(lk.Delivered(0x30, p.StaffCall(), 1))
    bridge.on_bus_event(lk.Delivered(0x23, p.KeyPress(p.Key.START), 2))  # not a keypad
    assert [(r.path, r.body) for r in requests.requests] == [
        ("/api/v1/windows/3/resume", {}),
        ("/api/v1/windows/3/call-next", {}),
        ("/api/v1/windows/3/rating", {"rating": 3}),
        ("/api/v1/alerts/staff-call", {"button": "board_48"}),
    ]


def test_a_gap_found_during_a_reload_reloads_once_more() -> None:
    boards = FakeBoards()

    class Racing(FakeSnapshots):
        def snapshot(self) -> object:
            self.asked += 1
            if self.asked == 1:  # another handler thread finds a gap meanwhile
                bridge.on_event(event(30, c.TICKET_ISSUED))
                return snapshot(20, window(2, "open"), window(3, "open"))
            return snapshot(30, window(2, "open"), window(3, "calling", "А-9"))

    racing = Racing()
    bridge = Bridge(CONFIG, boards, FakeRequests(), racing)
    bridge.on_snapshot(OPEN_DAY)
    bridge.on_event(event(20, c.TICKET_ISSUED))
    assert racing.asked == 2
    assert boards.to(3)[-1] == p.ShowLabel(3, "А-9")


def deliver(bridge: Bridge, events: list[dict[str, Any]]) -> None:
    for ev in events:
        bridge.on_event(ev)


def test_events_handled_on_many_threads_leave_every_board_at_the_truth() -> None:
    history = [window(3, "open"), window(3, "calling", "А-1"), window(3, "serving", "А-1"),
               window(3, "open"), window(3, "calling", "А-2"), window(3, "serving", "А-2"),
               window(3, "open"), window(3, "paused", reason="lunch")] * 5
    events = [event(11 + n, c.WINDOW_CHANGED, w) for n, w in enumerate(history)]
    final = snapshot(10 + len(history), window(2, "closed"), history[-1])
    for seed in range(20):
        boards, requests, snapshots = FakeBoards(), FakeRequests(), FakeSnapshots()
        snapshots.snapshots = [final] * len(events)
        bridge = Bridge(CONFIG, boards, requests, snapshots)
        bridge.on_snapshot(OPEN_DAY)
        shuffled = random.Random(seed).sample(events, len(events))
        workers = [threading.Thread(target=deliver, args=(bridge, shuffled[n::8]))
                   for n in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        for address in (3, 0x33):
            assert boards.to(address)[-1] == p.ShowClosed(p.ClosedReason.LUNCH), seed
