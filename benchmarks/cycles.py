"""Full ticket cycles per second over HTTP: issue → call-next → start → finish.

Each client is a thread with two keep-alive ``requests.Session``s: a kiosk (bearer token)
that issues a consultation ticket, and a consultant (session cookie) who works at their own
window. Every window serves "consult", so a call may take another client's ticket; each
client issues before it calls, so a call never finds the queue empty.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests

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


class Desk:
    """One benchmark client: a kiosk and a consultant at window ``harness.window(index)``."""

    def __init__(self, server: Server, index: int) -> None:
        self.url = f"{server.url}/api/v1"
        self.window = harness.window(index)
        self.user = harness.consultant(index)
        self.kiosk = requests.Session()
        self.kiosk.headers["Authorization"] = f"Bearer {server.kiosk_token}"
        self.staff = requests.Session()

    def _post(self, session: requests.Session, path: str, expect: int,
              json: dict[str, object] | None = None) -> dict[str, object]:
        response = session.post(f"{self.url}{path}", json=json, timeout=TIMEOUT)
        if response.status_code != expect:
            raise BenchError(f"POST {path}: {response.status_code} {response.text[:200]}")
        return response.json()  # type: ignore[no-any-return]

    def open(self) -> None:
        self._post(self.staff, "/auth/login", 200,
                   {"username": self.user, "password": harness.PASSWORD})
        self._post(self.staff, f"/windows/{self.window}/open", 200)

    def close(self) -> None:
        try:
            self._post(self.staff, f"/windows/{self.window}/close", 200)
        finally:
            self.kiosk.close()
            self.staff.close()

    def issue(self) -> dict[str, object]:
        return self._post(self.kiosk, "/tickets", 201, {"service": harness.SERVICE})

    def call_next(self) -> dict[str, object]:
        return self._post(self.staff, f"/windows/{self.window}/call-next", 200)

    def serve(self) -> None:
        """Start and finish the visit of the ticket just called."""
        self._post(self.staff, f"/windows/{self.window}/start", 200)
        self._post(self.staff, f"/windows/{self.window}/finish", 200)

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
        except (BenchError, requests.RequestException) as exc:
            errors.append(f"warm-up: {exc}")
        barrier.wait()
        deadline = time.perf_counter() + duration
        while len(times) < per_client and len(errors) < MAX_ERRORS:
            begin = time.perf_counter()
            if begin >= deadline:
                break
            try:
                desk.cycle()
            except (BenchError, requests.RequestException) as exc:
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
        except (BenchError, requests.RequestException) as exc:
            result.errors.append(f"closing window {desk.window}: {exc}")
    return result
