"""Socket.IO: call→event latency seen by connected boards, and HTTP while many stay connected.

Every listener is a ``socketio.Client`` in this process, connected over WebSocket with a board
token, like a hall board. Latency of one call for one listener = the time its
``ticket.called`` handler runs minus the time the HTTP call-next request was sent (both
``time.time()`` on this machine).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import engineio
import requests
import socketio

from benchmarks.cycles import Desk
from benchmarks.harness import BenchError, Server

CONNECT_WORKERS = 10
EVENT_TIMEOUT = 5.0
HTTP_TIMEOUT = 10.0


class Arrivals:
    """What the listeners received: snapshots, ``ticket.called`` times, disconnects."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.snapshots: set[int] = set()
        self.called: dict[int, list[float]] = defaultdict(list)  # ticket id -> receive times
        self.disconnects = 0

    def on_snapshot(self, index: int) -> None:
        with self.cond:
            self.snapshots.add(index)

    def on_called(self, received: float, data: dict[str, Any]) -> None:
        ticket = data.get("ticket") or {}
        with self.cond:
            self.called[int(ticket.get("id", -1))].append(received)
            self.cond.notify_all()

    def on_disconnect(self) -> None:
        with self.cond:
            self.disconnects += 1

    def wait_for(self, ticket_id: int, count: int, timeout: float = EVENT_TIMEOUT) -> list[float]:
        """The receive times of ``ticket_id``'s call once ``count`` listeners have it."""
        with self.cond:
            self.cond.wait_for(lambda: len(self.called[ticket_id]) >= count, timeout)
            return list(self.called[ticket_id])


class _InlineEngineIO(engineio.Client):  # type: ignore[misc]
    """Runs message handlers on the read thread instead of a new thread per message.

    The stock client starts a thread for every message; with 50-100 clients in one process
    that costs far more CPU than the server spends, starves the HTTP driver of the GIL and
    measures the client instead of the server (a board is a browser, not this client).
    """

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class BoardClient(socketio.Client):  # type: ignore[misc]
    """A ``socketio.Client`` whose handlers run inline (see ``_InlineEngineIO``)."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return _InlineEngineIO


def _listener(url: str, token: str, index: int, arrivals: Arrivals) -> socketio.Client:
    client = BoardClient(reconnection=False)

    def called(data: dict[str, Any]) -> None:
        arrivals.on_called(time.time(), data)

    client.on("ticket.called", called)
    client.on("snapshot", lambda data: arrivals.on_snapshot(index))
    client.on("disconnect", lambda *reason: arrivals.on_disconnect())
    client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return client


class Listeners:
    """``count`` connected board clients; ``with Listeners(server, 50) as boards:``."""

    def __init__(self, server: Server, count: int) -> None:
        self.server = server
        self.count = count
        self.arrivals = Arrivals()
        self.clients: list[socketio.Client] = []
        self.connect_seconds = 0.0

    def __enter__(self) -> Listeners:
        begin = time.perf_counter()
        with ThreadPoolExecutor(CONNECT_WORKERS) as pool:
            futures = [
                pool.submit(_listener, self.server.url, self.server.board_token, i,
                            self.arrivals)
                for i in range(self.count)
            ]
            errors = []
            for future in futures:
                try:
                    self.clients.append(future.result())
                except Exception as exc:  # noqa: BLE001 - reported, then the run stops
                    errors.append(repr(exc))
        self.connect_seconds = time.perf_counter() - begin
        if errors:
            self.__exit__(None, None, None)
            raise BenchError(f"{len(errors)} of {self.count} Socket.IO clients could not "
                             f"connect; first: {errors[0]}")
        deadline = time.monotonic() + EVENT_TIMEOUT
        while len(self.arrivals.snapshots) < self.count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def connected(self) -> int:
        return sum(1 for c in self.clients if c.connected)

    def __exit__(self, *exc: object) -> None:
        with ThreadPoolExecutor(CONNECT_WORKERS) as pool:
            list(pool.map(lambda c: c.disconnect(), self.clients))
        self.clients = []


# Call → event latency ----------------------------------------------------------------------


@dataclass
class LatencyResult:
    listeners: int
    calls: int = 0
    latencies: list[float] = field(default_factory=list)  # one per (call, listener)
    last_arrival: list[float] = field(default_factory=list)  # per call: slowest listener
    http_call: list[float] = field(default_factory=list)  # per call: call-next round trip
    missing: int = 0  # (call, listener) pairs that never arrived within EVENT_TIMEOUT
    snapshots: int = 0
    connect_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def measure_call_latency(server: Server, listeners: int, calls: int,
                         warmup: int = 10) -> LatencyResult:
    """One desk runs ``warmup + calls`` full cycles; every call is timed at every listener."""
    result = LatencyResult(listeners)
    with Listeners(server, listeners) as boards:
        result.connect_seconds = boards.connect_seconds
        result.snapshots = len(boards.arrivals.snapshots)
        desk = Desk(server, 0)
        desk.open()
        try:
            for i in range(warmup + calls):
                desk.issue()
                sent = time.time()
                body = desk.call_next()
                answered = time.time()
                ticket_id = int(body["ticket"]["id"])  # type: ignore[index]
                times = boards.arrivals.wait_for(ticket_id, listeners)
                desk.serve()
                if i < warmup:
                    continue
                result.calls += 1
                result.http_call.append(answered - sent)
                result.latencies.extend(t - sent for t in times)
                result.missing += listeners - len(times)
                if times:
                    result.last_arrival.append(max(times) - sent)
        except (BenchError, requests.RequestException) as exc:
            result.errors.append(str(exc))
        finally:
            desk.close()
    return result


# HTTP while many Socket.IO clients stay connected ------------------------------------------


@dataclass
class Probe:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class HoldResult:
    listeners: int
    duration: float
    probes: dict[str, Probe] = field(default_factory=dict)
    baseline: dict[str, Probe] = field(default_factory=dict)
    connect_seconds: float = 0.0
    snapshots: int = 0
    connected_after: int = 0
    disconnects: int = 0
    last_call_received: int = 0
    cycles: int = 0
    errors: list[str] = field(default_factory=list)


def _paced(deadline: float, interval: float, limit: int, step: Callable[[], None]) -> None:
    tick = time.perf_counter()
    for _ in range(limit):
        if tick >= deadline:
            return
        step()
        tick += interval
        pause = tick - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        else:
            tick = time.perf_counter()


def _probe_http(server: Server, duration: float, interval: float) -> dict[str, Probe]:
    """Paced GETs in three threads: health and snapshot on keep-alive sessions, and health on
    a new TCP connection each time (what a pool exhausted by long-lived connections would
    stall first)."""
    base = f"{server.url}/api/v1"
    probes = {name: Probe(name) for name in ("health", "snapshot", "health, new connection")}
    deadline = time.perf_counter() + duration
    limit = int(duration / interval) + 1

    def run(probe: Probe, get: Callable[[], requests.Response]) -> None:
        def step() -> None:
            begin = time.perf_counter()
            try:
                response = get()
                if response.status_code != 200:
                    probe.errors.append(f"{probe.name}: {response.status_code}")
                    return
            except requests.RequestException as exc:
                probe.errors.append(f"{probe.name}: {exc}")
                return
            probe.latencies.append(time.perf_counter() - begin)

        _paced(deadline, interval, limit, step)

    health = requests.Session()
    board = requests.Session()
    board.headers["Authorization"] = f"Bearer {server.board_token}"
    getters: dict[str, Callable[[], requests.Response]] = {
        "health": lambda: health.get(f"{base}/health", timeout=HTTP_TIMEOUT),
        "snapshot": lambda: board.get(f"{base}/snapshot", timeout=HTTP_TIMEOUT),
        "health, new connection": lambda: requests.get(
            f"{base}/health", headers={"Connection": "close"}, timeout=HTTP_TIMEOUT
        ),
    }
    threads = [threading.Thread(target=run, args=(probes[n], g), daemon=True)
               for n, g in getters.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 2 * HTTP_TIMEOUT)
    health.close()
    board.close()
    return probes


def _drive(desk: Desk, stop: threading.Event, interval: float, result: HoldResult) -> None:
    """Keep events flowing: one full cycle every ``interval`` seconds."""
    while not stop.is_set():
        try:
            desk.cycle()
            result.cycles += 1
        except (BenchError, requests.RequestException) as exc:
            result.errors.append(f"driver: {exc}")
            return
        stop.wait(interval)


def hold_connections(server: Server, listeners: int, duration: float, *,
                     baseline: float = 3.0, probe_interval: float = 0.01,
                     cycle_interval: float = 0.2) -> HoldResult:
    """HTTP latency with no Socket.IO client, then with ``listeners`` connected, while one
    desk keeps calling; then check every listener is still connected and gets a new call."""
    result = HoldResult(listeners, duration)
    desk = Desk(server, 0)
    desk.open()
    try:
        for phase, seconds in (("baseline", baseline), ("held", duration)):
            stop = threading.Event()
            driver = threading.Thread(target=_drive, args=(desk, stop, cycle_interval, result),
                                      daemon=True)
            if phase == "baseline":
                driver.start()
                result.baseline = _probe_http(server, seconds, probe_interval)
                stop.set()
                driver.join(HTTP_TIMEOUT * 4)
                continue
            with Listeners(server, listeners) as boards:
                result.connect_seconds = boards.connect_seconds
                result.snapshots = len(boards.arrivals.snapshots)
                driver.start()
                result.probes = _probe_http(server, seconds, probe_interval)
                stop.set()
                driver.join(HTTP_TIMEOUT * 4)
                # Still there and still listening: one more call must reach every client.
                desk.issue()
                body = desk.call_next()
                times = boards.arrivals.wait_for(int(body["ticket"]["id"]),  # type: ignore[index]
                                                 listeners)
                desk.serve()
                result.last_call_received = len(times)
                result.connected_after = boards.connected()
                result.disconnects = boards.arrivals.disconnects
    except (BenchError, requests.RequestException) as exc:
        result.errors.append(str(exc))
    finally:
        desk.close()
    return result
