"""Requests to the server that must get through a short outage: the boards' presses, in order,
each with a time to live, and the fault alerts, latest state wins.

While the server is unreachable (connection refused, timeout, 5xx), the outbox retries with
back-off: ``server_retry_base`` doubling up to ``server_retry_max``. A press older than its time
to live is dropped instead of sent: a «call next» that arrives a minute late would call someone
the consultant no longer expects (``key_ttl``, a few seconds); a staff call or a rating is
still meaningful later (``report_ttl``). An answer of 4xx is final (the window was not in a
state for that move, the queue was empty, the token may not act there): logged and dropped,
never retried.

Why retrying is safe: a request whose answer was lost may have been applied. Window moves are
guarded by the window's state on the server (a repeated «call next», «start», «finish»,
«no-show» or «pause» finds the window in the wrong state and gets 409), a staff call keeps one
open alert per button, and a fault raise or clear is idempotent; only a repeated «recall» could
count a recall twice.

A fault is a desired state per code (raised with a message, or cleared): only the newest state
of each code is sent, once, and sent again after a failure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from firmware_bridge.board_actions import ServerRequest, Urgency
from firmware_bridge.errors import ServerUnavailable
from server import contract as c

log = logging.getLogger(__name__)

FAULTS_PATH = f"{c.API_PREFIX}/alerts/faults"
FAULTS_CLEAR_PATH = f"{c.API_PREFIX}/alerts/faults/clear"
_UNSENT = object()  # a fault code whose state the server has not been told


class Poster(Protocol):
    """POST JSON to the server; the HTTP status (and body) of any answer below 500.

    Raises ServerUnavailable when the server cannot be reached, times out or answers 5xx."""

    def post(self, path: str, body: Mapping[str, object]) -> tuple[int, object]: ...


@dataclass(frozen=True)
class Outcome:
    """What became of one request, a fault's raise or clear included (for tests and logs)."""

    request: ServerRequest
    status: int | None  # the HTTP status; None when dropped unsent (expired)
    body: object = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Queued:
    request: ServerRequest
    expires: float


class Outbox:
    def __init__(self, poster: Poster, *, key_ttl: float, report_ttl: float,
                 retry_base: float, retry_max: float,
                 clock: Callable[[], float] = time.monotonic,
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self._poster = poster
        self._ttl = {Urgency.KEY: key_ttl, Urgency.REPORT: report_ttl}
        self._retry_base, self._retry_max = retry_base, retry_max
        self._clock = clock
        self._on_outcome = on_outcome
        self._cond = threading.Condition()
        self._queue: deque[_Queued] = deque()
        self._faults: dict[str, str | None] = {}  # code -> message (None: cleared)
        self._told: dict[str, object] = {}  # what the server was last told, per code
        self._backoff = 0.0
        self._not_before = float("-inf")
        self._busy = False
        self.reachable: bool | None = None  # None until the first request

    # --- producers (any thread)

    def put(self, request: ServerRequest) -> None:
        with self._cond:
            self._queue.append(_Queued(request, self._clock() + self._ttl[request.urgency]))
            self._cond.notify_all()

    def set_fault(self, code: str, message: str | None) -> None:
        """Raise fault ``code`` with ``message``, or clear it (None)."""
        with self._cond:
            self._faults[code] = message
            self._cond.notify_all()

    def fault(self, code: str) -> str | None:
        """The desired state of ``code``: its message while raised, else None."""
        with self._cond:
            return self._faults.get(code)

    def wake(self) -> None:
        """Make a waiting ``step`` return now (after setting the stop event of ``run``)."""
        with self._cond:
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is left to send (tests; shutting down)."""
        return self.wait_for(lambda outbox: not outbox._pending() and not outbox._busy, timeout)

    def wait_for(self, condition: Callable[[Outbox], bool], timeout: float) -> bool:
        """Wait until ``condition(self)`` holds, checked after every attempt (tests)."""
        with self._cond:
            return self._cond.wait_for(lambda: condition(self), timeout)

    # --- the worker

    def run(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set (call from one thread only)."""
        while not stop.is_set():
            self.step()

    def step(self, wait: float = 0.5) -> None:
        """Send what is due now, or wait up to ``wait`` seconds for something to be due."""
        with self._cond:
            expired = self._expire()
            now = self._clock()
            job = self._next_job() if now >= self._not_before else None
            if expired:
                self._cond.notify_all()
            elif job is None:
                delay = wait if not self._pending() else min(wait, self._not_before - now)
                self._cond.wait(max(delay, 0.0))
            self._busy = job is not None
        for request in expired:
            log.warning("dropped %s: the server was unreachable for too long", request.what)
            self._report(Outcome(request, None))
        if job is None:
            return
        try:
            self._send(job)
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _pending(self) -> bool:
        return bool(self._queue) or any(self._told.get(code, _UNSENT) != message
                                        for code, message in self._faults.items())

    def _expire(self) -> list[ServerRequest]:
        now, expired = self._clock(), []
        while self._queue and self._queue[0].expires <= now:
            expired.append(self._queue.popleft().request)
        return expired

    def _next_job(self) -> _Job | None:
        if self._queue:
            return _Job(self._queue[0].request)
        for code, message in self._faults.items():
            if self._told.get(code, _UNSENT) != message:
                return _Job(None, code, message)
        return None

    def _send(self, job: _Job) -> None:
        try:
            status, answer = self._poster.post(job.path, job.body)
        except ServerUnavailable as error:
            with self._cond:
                self._backoff = min(max(self._backoff * 2, self._retry_base), self._retry_max)
                self._not_before = self._clock() + self._backoff
                if self.reachable is not False:
                    log.warning("server unreachable (%s); retrying", error.message)
                self.reachable = False
                self._cond.notify_all()
            return
        with self._cond:
            if self.reachable is False:
                log.info("server reachable again")
            self.reachable, self._backoff, self._not_before = True, 0.0, float("-inf")
            if job.request is None:
                self._told[job.code] = job.message
            elif self._queue and self._queue[0].request is job.request:
                self._queue.popleft()
        if not 200 <= status < 300:
            log.warning("%s: refused by the server (%s): %s", job.what, status, answer)
        self._report(Outcome(job.as_request(), status, answer))

    def _report(self, outcome: Outcome) -> None:
        if self._on_outcome is not None:
            self._on_outcome(outcome)


@dataclass(frozen=True)
class _Job:
    """One POST: a queued request, or telling the server the state of one fault code."""

    request: ServerRequest | None
    code: str = ""
    message: str | None = None

    @property
    def path(self) -> str:
        if self.request is not None:
            return self.request.path
        return FAULTS_PATH if self.message is not None else FAULTS_CLEAR_PATH

    @property
    def body(self) -> dict[str, object]:
        if self.request is not None:
            return self.request.body
        if self.message is not None:
            return {"code": self.code, "message": self.message[:500]}
        return {"code": self.code}

    @property
    def what(self) -> str:
        if self.request is not None:
            return self.request.what
        return f"fault {self.code} {'raised' if self.message is not None else 'cleared'}"

    def as_request(self) -> ServerRequest:
        if self.request is not None:
            return self.request
        return ServerRequest(self.path, self.body, Urgency.REPORT, self.what)
