"""The bus driver over an in-process port that can vanish: reopening with back-off,
re-identifying the boards, and key presses arriving exactly once across it all."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from firmware_bridge.bus import Bus, BusEvent, PortLost, PortOpened
from firmware_bridge.simulator import BoardSimulator, SimulatedPort
from tests.firmware_bridge.office_bus import FAST

WINDOW, KEYPAD = 0x02, 0x13
TIMEOUT = 10.0


class Adapter:
    """A USB adapter the test plugs and unplugs: opening fails while it is out."""

    def __init__(self, simulator: BoardSimulator) -> None:
        self.simulator = simulator
        self.plugged = False
        self.port: SimulatedPort | None = None
        self.attempts: list[float] = []
        self.tried = threading.Condition()

    def open(self) -> SimulatedPort:
        with self.tried:
            self.attempts.append(time.monotonic())
            self.tried.notify_all()
        if not self.plugged:
            raise FileNotFoundError(2, "No such file or directory")
        self.port = SimulatedPort(self.simulator)
        return self.port

    def wait_attempts(self, count: int) -> bool:
        with self.tried:
            return self.tried.wait_for(lambda: len(self.attempts) >= count, TIMEOUT)

    def unplug(self) -> None:
        self.plugged = False
        if self.port is not None:
            self.port.close()


class Rig:
    def __init__(self) -> None:
        self.simulator = BoardSimulator([(WINDOW, p.BoardKind.WINDOW_BOARD, ""),
                                         (KEYPAD, p.BoardKind.KEYPAD, "")], FAST)
        self.adapter = Adapter(self.simulator)
        self.log: list[BusEvent] = []  # every event, in order
        self._seen = 0
        self._cond = threading.Condition()
        host = lk.HostLink({WINDOW: p.BoardKind.WINDOW_BOARD, KEYPAD: p.BoardKind.KEYPAD},
                           FAST)
        self.bus = Bus(host, self.adapter.open, path="/dev/serial/by-id/test",
                       on_event=self._record, reopen_base=0.02, reopen_max=0.08)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.bus.run, args=(self.stop,))

    def _record(self, event: BusEvent) -> None:
        with self._cond:
            self.log.append(event)
            self._cond.notify_all()

    def next(self, kind: type, address: int | None = None) -> BusEvent:
        """The next event of ``kind`` (for ``address``) after the last one returned."""

        def found() -> int | None:
            for index in range(self._seen, len(self.log)):
                event = self.log[index]
                if isinstance(event, kind) and getattr(event, "address", address) == address:
                    return index
            return None

        with self._cond:
            assert self._cond.wait_for(lambda: found() is not None, TIMEOUT), kind
            index = found()
            assert index is not None
            self._seen = index + 1
            return self.log[index]

    def delivered(self, address: int) -> list[p.Message]:
        with self._cond:
            return [e.message for e in self.log
                    if isinstance(e, lk.Delivered) and e.address == address]


@pytest.fixture
def rig() -> Iterator[Rig]:
    rig = Rig()
    rig.thread.start()
    yield rig
    rig.stop.set()
    rig.thread.join(TIMEOUT)
    assert not rig.thread.is_alive()


def test_a_missing_port_is_reported_once_and_tried_again_with_back_off(rig: Rig) -> None:
    lost = rig.next(PortLost)
    assert lost == PortLost("/dev/serial/by-id/test", "No such file or directory")
    assert rig.adapter.wait_attempts(6)
    attempts = rig.adapter.attempts[:6]
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    assert all(gap >= 0.9 * want for gap, want in zip(gaps, [0.02, 0.04, 0.08, 0.08, 0.08],
                                                        strict=True)), gaps
    rig.adapter.plugged = True
    assert rig.next(PortOpened) == PortOpened("/dev/serial/by-id/test")
    assert isinstance(rig.next(lk.PeerUp, WINDOW), lk.PeerUp)
    assert sum(isinstance(e, PortLost) for e in rig.log) == 1  # reported once, not per try


def test_commands_and_key_presses_cross_the_bus(rig: Rig) -> None:
    rig.adapter.plugged = True
    rig.next(lk.PeerUp, WINDOW)
    rig.bus.send(WINDOW, p.ShowLabel(2, "А-001"))
    assert rig.simulator.wait_for(lambda s: s.view(WINDOW).text == "А-001", TIMEOUT)
    rig.simulator.press(KEYPAD, p.Key.CALL_NEXT)
    delivered = rig.next(lk.Delivered, KEYPAD)
    assert delivered.message == p.KeyPress(p.Key.CALL_NEXT)  # type: ignore[union-attr]
    assert rig.bus.state(KEYPAD) is lk.PeerState.UP


def test_an_unplugged_port_is_reopened_and_every_board_identified_again(rig: Rig) -> None:
    rig.adapter.plugged = True
    first = rig.next(lk.PeerUp, KEYPAD)
    assert isinstance(first, lk.PeerUp)
    presses = [p.Key.CALL_NEXT, p.Key.START, p.Key.FINISH, p.Key.NO_SHOW, p.Key.RECALL]
    for key in presses[:3]:
        rig.simulator.press(KEYPAD, key)
    rig.adapter.unplug()
    rig.next(PortLost)
    for key in presses[3:]:
        rig.simulator.press(KEYPAD, key)  # pressed while the adapter is out
    rig.simulator.restart(WINDOW)  # and the window board lost power
    rig.adapter.plugged = True
    rig.next(PortOpened)
    up = rig.next(lk.PeerUp, WINDOW)
    assert isinstance(up, lk.PeerUp) and up.rebooted
    assert rig.bus.opened == 2
    assert rig.simulator.wait_for(lambda s: s.view(KEYPAD).queued == 0, TIMEOUT)
    rig.stop.set()
    rig.thread.join(TIMEOUT)
    # Every press arrived exactly once, in order, across the unplug.
    assert rig.delivered(KEYPAD) == [p.KeyPress(k) for k in presses]
