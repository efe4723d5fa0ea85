"""Socket.IO: call→event latency seen by connected boards, and HTTP while many stay connected.

The listeners (``benchmarks.listeners``) run in child processes. Latency of one call for one
listener = the time its ``ticket.called`` handler runs minus the time this process sent the
HTTP call-next request (both ``time.time()`` on this machine).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from benchmarks.cycles import Desk
from benchmarks.harness import BenchError, Server
from benchmarks.listeners import Listeners

HTTP_TIMEOUT = 10.0
LISTENER_PROCESSES = max(2, min(4, os.cpu_count() or 2))


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


def measure_call_latency(server: Server, listeners: int, calls: int, *, warmup: int = 10,
                         processes: int = LISTENER_PROCESSES) -> LatencyResult:
    """One desk runs ``warmup + calls`` full cycles; every call is timed at every listener."""
    result = LatencyResult(listeners)
    sent: dict[int, float] = {}
    with Listeners(server.url, server.board_token, listeners, processes) as boards:
        result.connect_seconds = boards.connect_seconds
        result.snapshots = boards.snapshots
        desk = Desk(server, 0)
        desk.open()
        try:
            for i in range(warmup + calls):
                desk.issue()
                begin = time.time()
                body = desk.call_next()
                answered = time.time()
                ticket_id = int(body["ticket"]["id"])  # type: ignore[index]
                boards.wait_for(ticket_id)
                desk.serve()
                if i >= warmup:
                    sent[ticket_id] = begin
                    result.http_call.append(answered - begin)
        except (BenchError, requests.RequestException) as exc:
            result.errors.append(str(exc))
        finally:
            desk.close()
        final = boards.stop()
    for ticket_id, begin in sent.items():
        times = final.called.get(ticket_id, [])
        result.calls += 1
        result.latencies.extend(t - begin for t in times)
        result.missing += listeners - len(times)
        if times:
            result.last_arrival.append(max(times) - begin)
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
                     cycle_interval: float = 0.2,
                     processes: int = LISTENER_PROCESSES) -> HoldResult:
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
            with Listeners(server.url, server.board_token, listeners, processes) as boards:
                result.connect_seconds = boards.connect_seconds
                result.snapshots = boards.snapshots
                driver.start()
                result.probes = _probe_http(server, seconds, probe_interval)
                stop.set()
                driver.join(HTTP_TIMEOUT * 4)
                # Still there and still listening: one more call must reach every client.
                desk.issue()
                body = desk.call_next()
                ticket_id = int(body["ticket"]["id"])  # type: ignore[index]
                boards.wait_for(ticket_id)
                desk.serve()
                final = boards.stop()
                result.last_call_received = len(final.called.get(ticket_id, []))
                result.connected_after = final.connected
                result.disconnects = final.disconnects
    except (BenchError, requests.RequestException) as exc:
        result.errors.append(str(exc))
    finally:
        desk.close()
    return result
