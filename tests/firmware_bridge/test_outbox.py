"""The outbox on a hand-driven clock: order, back-off while the server is away, time to live,
final refusals, and fault states where only the newest counts."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from firmware_bridge.board_actions import ServerRequest, Urgency
from firmware_bridge.errors import ServerUnavailable
from firmware_bridge.outbox import Outbox, Outcome
from tests.conftest import FakeClock


class FakeServer:
    """Answers POSTs with ``status`` while up; records what it was sent."""

    def __init__(self) -> None:
        self.up = True
        self.status = 200
        self.received: list[tuple[str, dict[str, object]]] = []
        self.attempts = 0

    def post(self, path: str, body: Mapping[str, object]) -> tuple[int, object]:
        self.attempts += 1
        if not self.up:
            raise ServerUnavailable("connection refused")
        self.received.append((path, dict(body)))
        return self.status, {}


def outbox(server: FakeServer, clock: FakeClock, outcomes: list[Outcome]) -> Outbox:
    return Outbox(server, key_ttl=10.0, report_ttl=120.0, retry_base=0.5, retry_max=4.0,
                  clock=clock, on_outcome=outcomes.append)


def drain(box: Outbox, steps: int = 50) -> None:
    for _ in range(steps):
        box.step(wait=0)


KEY = ServerRequest("/api/v1/windows/3/call-next", {}, Urgency.KEY, "call next")
START = ServerRequest("/api/v1/windows/3/start", {}, Urgency.KEY, "start")
RATING = ServerRequest("/api/v1/windows/3/rating", {"rating": 5}, Urgency.REPORT, "rating")


def test_requests_go_out_in_order_once() -> None:
    server, clock, outcomes = FakeServer(), FakeClock(0.0), []
    box = outbox(server, clock, outcomes)
    box.put(KEY)
    box.put(START)
    drain(box)
    assert [path for path, _ in server.received] == [KEY.path, START.path]
    assert [(o.request, o.status, o.ok) for o in outcomes] == [(KEY, 200, True),
                                                              (START, 200, True)]
    assert box.wait_idle(0)


def test_an_unreachable_server_is_retried_with_doubling_back_off() -> None:
    server, clock, outcomes = FakeServer(), FakeClock(0.0), []
    box = outbox(server, clock, outcomes)
    server.up = False
    box.put(KEY)
    attempts_at = []
    while clock.now < 9.0:
        before = server.attempts
        box.step(wait=0)
        if server.attempts > before:
            attempts_at.append(clock.now)
        clock.advance(0.25)
    assert attempts_at == [0.0, 0.5, 1.5, 3.5, 7.5]  # back-off 0.5, 1, 2, 4 (the cap)
    assert box.reachable is False and outcomes == []
    server.up = True
    clock.now = 11.5
    drain(box)
    assert [(o.request, o.status) for o in outcomes] == [(KEY, None)]  # dropped after 10 s
    assert server.received == []


def test_a_key_press_expires_but_a_rating_waits_longer() -> None:
    server, clock, outcomes = FakeServer(), FakeClock(0.0), []
    box = outbox(server, clock, outcomes)
    server.up = False
    box.put(KEY)
    box.put(RATING)
    drain(box, 1)
    clock.advance(30.0)
    server.up = True
    drain(box)
    assert [(o.request, o.status) for o in outcomes] == [(KEY, None), (RATING, 200)]
    assert server.received == [(RATING.path, {"rating": 5})]
    assert box.reachable is True


def test_a_refusal_is_final() -> None:
    server, clock, outcomes = FakeServer(), FakeClock(0.0), []
    box = outbox(server, clock, outcomes)
    server.status = 409
    box.put(KEY)
    drain(box)
    assert server.attempts == 1
    assert [(o.status, o.ok) for o in outcomes] == [(409, False)]


def test_only_the_newest_state_of_a_fault_is_sent() -> None:
    server, clock, outcomes = FakeServer(), FakeClock(0.0), []
    box = outbox(server, clock, outcomes)
    server.up = False
    box.set_fault("board_3_silent", "board 3 does not answer")
    drain(box, 1)
    box.set_fault("board_3_silent", None)
    box.set_fault("board_3_silent", "board 3 does not answer again")
    box.set_fault("serial_port_lost", None)
    server.up = True
    clock.advance(1.0)
    drain(box)
    assert server.received == [
        ("/api/v1/alerts/faults", {"code": "board_3_silent",
                                   "message": "board 3 does not answer again"}),
        ("/api/v1/alerts/faults/clear", {"code": "serial_port_lost"})]
    assert [o.request.what for o in outcomes] == ["fault board_3_silent raised",
                                                  "fault serial_port_lost cleared"]
    box.set_fault("board_3_silent", "board 3 does not answer again")  # no change: not resent
    drain(box)
    assert len(server.received) == 2
    assert box.fault("board_3_silent") == "board 3 does not answer again"


def test_the_worker_thread_sends_until_stopped() -> None:
    server, outcomes = FakeServer(), []
    done = threading.Event()
    box = Outbox(server, key_ttl=10.0, report_ttl=10.0, retry_base=0.01, retry_max=0.1,
                 on_outcome=lambda o: (outcomes.append(o), done.set()))
    stop = threading.Event()
    worker = threading.Thread(target=box.run, args=(stop,))
    worker.start()
    try:
        box.put(KEY)
        assert done.wait(5)
        assert box.wait_idle(5)
    finally:
        stop.set()
        box.wake()
        worker.join(5)
    assert not worker.is_alive()
    assert [o.request for o in outcomes] == [KEY]
