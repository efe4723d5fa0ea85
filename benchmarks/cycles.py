"""Full ticket cycles per second over HTTP: issue → call-next → start → finish.

Each client is a thread with two keep-alive connections: a kiosk (bearer token)
that issues a consultation ticket, and a consultant (session cookie) who works at their own
window. Every window serves "consult", so a call may take another client's ticket; each
client issues before it calls, so a call never finds the queue empty.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

from benchmarks import harness
from benchmarks.harness import BenchError, Server

TIMEOUT = 10.0
WARMUP_CYCLES = 3
MAX_ERRORS = 20


@dataclass
class CycleResult:
    clients: int
    cycles: int = 0
    elapsed: float = 0.0
    cycle_times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    server_cpu: float | None = None  # server CPU seconds during the measured run
    client_cpu: float = 0.0  # this process's CPU seconds during the measured run

    @property
    def rate(self) -> float:
        return self.cycles / self.elapsed if self.elapsed else 0.0


class Connection:
    """One keep-alive HTTP/1.1 connection speaking JSON, with a bearer token or a cookie.

    Plain ``http.client`` rather than ``requests``: the desks and kiosks of a real office are
    other machines, so the load generator should take as little of this machine's two cores
    as it can (``requests`` took more CPU per request than the server's own Flask stack).
    """

    def __init__(self, server: Server, bearer: str | None = None) -> None:
        self.connection = http.client.HTTPConnection(harness.HOST, server.port, timeout=TIMEOUT)
        self.headers = {"Content-Type": "application/json"}
        if bearer:
            self.headers["Authorization"] = f"Bearer {bearer}"

    def post(self, path: str, expect: int, body: dict[str, object] | None = None) -> dict:
        self.connection.request("POST", f"/api/v1{path}", json.dumps(body or {}), self.headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != expect:
            raise BenchError(f"POST {path}: {response.status} {data[:200]!r}")
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.headers["Cookie"] = cookie.split(";", 1)[0]
        return json.loads(data)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.connection.close()


class Desk:
    """One benchmark client: a kiosk and a consultant at window ``harness.window(index)``."""

    def __init__(self, server: Server, index: int) -> None:
        self.window = harness.window(index)
        self.user = harness.consultant(index)
        self.kiosk = Connection(server, bearer=server.kiosk_token)
        self.staff = Connection(server)

    def open(self) -> None:
        self.staff.post("/auth/login", 200, {"username": self.user, "password": harness.PASSWORD})
        self.staff.post(f"/windows/{self.window}/open", 200)

    def close(self) -> None:
        try:
            self.staff.post(f"/windows/{self.window}/close", 200)
        finally:
            self.kiosk.close()
            self.staff.close()

    def issue(self) -> dict[str, object]:
        return self.kiosk.post("/tickets", 201, {"service": harness.SERVICE})

    def call_next(self) -> dict[str, object]:
        return self.staff.post(f"/windows/{self.window}/call-next", 200)

    def serve(self) -> None:
        """Start and finish the visit of the ticket just called."""
        self.staff.post(f"/windows/{self.window}/start", 200)
        self.staff.post(f"/windows/{self.window}/finish", 200)

    def cycle(self) -> None:
        self.issue()
        self.call_next()
        self.serve()


def run_cycles(server: Server, clients: int, duration: float, max_cycles: int) -> CycleResult:
    """Run ``clients`` desks for ``duration`` seconds or ``max_cycles`` cycles in all."""
    result = CycleResult(clients)
    desks = [Desk(server, i) for i in range(clients)]
    for desk in desks:
        desk.open()
    per_client = max(1, max_cycles // clients)
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    ends: list[float] = []

    def work(desk: Desk) -> None:
        times: list[float] = []
        errors: list[str] = []
        try:
            for _ in range(WARMUP_CYCLES):
                desk.cycle()
        except (BenchError, OSError, http.client.HTTPException) as exc:
            errors.append(f"warm-up: {exc}")
        barrier.wait()
        deadline = time.perf_counter() + duration
        while len(times) < per_client and len(errors) < MAX_ERRORS:
            begin = time.perf_counter()
            if begin >= deadline:
                break
            try:
                desk.cycle()
            except (BenchError, OSError, http.client.HTTPException) as exc:
                errors.append(f"window {desk.window}: {exc}")
                continue
            times.append(time.perf_counter() - begin)
        end = time.perf_counter()
        with lock:
            result.cycle_times.extend(times)
            result.errors.extend(errors)
            ends.append(end)

    threads = [threading.Thread(target=work, args=(d,), daemon=True) for d in desks]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=120)
    start = time.perf_counter()
    cpu0, client0 = server.cpu_seconds(), time.process_time()
    for thread in threads:
        thread.join(timeout=duration + 60.0)
    cpu1, client1 = server.cpu_seconds(), time.process_time()
    if any(t.is_alive() for t in threads):
        result.errors.append("a client thread did not finish in time")
    result.elapsed = (max(ends) if ends else time.perf_counter()) - start
    result.cycles = len(result.cycle_times)
    result.server_cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    result.client_cpu = client1 - client0
    for desk in desks:
        try:
            desk.close()
        except (BenchError, OSError, http.client.HTTPException) as exc:
            result.errors.append(f"closing window {desk.window}: {exc}")
    return result
