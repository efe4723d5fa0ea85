"""Socket.IO listeners: board clients in child processes that time ``ticket.called`` events.

Each listener is a ``socketio.Client`` connected over WebSocket with a board token, like a
hall board. They live in child processes (``multiprocessing`` spawn), not in the process that
sends HTTP requests and times them: 100 clients reading events in one interpreter would
compete for its GIL with the HTTP driver and probes, and the benchmark would time itself.

A child reports once per ticket, when all its listeners have that ticket's call, so the
driver can pace itself; at the end it hands over every receive time it recorded.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import engineio
import socketio

from benchmarks.harness import BenchError

CONNECT_WORKERS = 10
CONNECT_TIMEOUT = 120.0
EVENT_TIMEOUT = 5.0
STOP_TIMEOUT = 30.0


class _InlineEngineIO(engineio.Client):  # type: ignore[misc]
    """Runs message handlers on the read thread instead of starting a thread per message.

    With 50-100 stock clients in one process, one new thread per received message costs more
    CPU than the server spends on them: the benchmark would measure its own clients.
    """

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class BoardClient(socketio.Client):  # type: ignore[misc]
    """A ``socketio.Client`` with inline handlers (see ``_InlineEngineIO``) that skips
    websocket-client's pure-Python UTF-8 check of every frame (a per-byte Python loop when
    the optional ``wsaccel`` is missing; decoding the text still rejects bad UTF-8)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("websocket_extra_options", {"skip_utf8_validation": True})
        super().__init__(**kwargs)

    def _engineio_client_class(self) -> type[engineio.Client]:
        return _InlineEngineIO


class _Recorder:
    """In the child: what its listeners received."""

    def __init__(self, count: int, out: Any) -> None:
        self.count = count
        self.out = out
        self.lock = threading.Lock()
        self.snapshots: set[int] = set()
        self.called: dict[int, list[float]] = defaultdict(list)  # ticket id -> receive times
        self.disconnects = 0

    def on_called(self, received: float, data: Any) -> None:
        ticket = data.get("ticket") if isinstance(data, dict) else None
        ticket_id = int(ticket.get("id", -1)) if isinstance(ticket, dict) else -1
        with self.lock:
            times = self.called[ticket_id]
            times.append(received)
            complete = len(times) == self.count
        if complete:
            self.out.put(("called", ticket_id))

    def on_snapshot(self, index: int) -> None:
        with self.lock:
            self.snapshots.add(index)

    def on_disconnect(self) -> None:
        with self.lock:
            self.disconnects += 1


def _connect(url: str, token: str, index: int, recorder: _Recorder) -> BoardClient:
    client = BoardClient(reconnection=False)
    client.on("ticket.called", lambda data: recorder.on_called(time.time(), data))
    client.on("snapshot", lambda data: recorder.on_snapshot(index))
    client.on("disconnect", lambda *reason: recorder.on_disconnect())
    client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return client


def _child(url: str, token: str, count: int, out: Any, commands: Any) -> None:
    """A listener process: connect ``count`` clients, report, wait for "stop", hand over."""
    recorder = _Recorder(count, out)
    clients: list[BoardClient] = []
    errors: list[str] = []
    begin = time.perf_counter()
    with ThreadPoolExecutor(CONNECT_WORKERS) as pool:
        futures = [pool.submit(_connect, url, token, i, recorder) for i in range(count)]
        for future in futures:
            try:
                clients.append(future.result())
            except Exception as exc:  # noqa: BLE001 - sent to the parent, which stops
                errors.append(repr(exc))
    seconds = time.perf_counter() - begin
    deadline = time.monotonic() + EVENT_TIMEOUT
    while len(recorder.snapshots) < len(clients) and time.monotonic() < deadline:
        time.sleep(0.01)
    out.put(("ready", seconds, errors, len(recorder.snapshots)))
    commands.get()  # "stop"
    with recorder.lock:
        called = {k: list(v) for k, v in recorder.called.items()}
        connected = sum(1 for c in clients if c.connected)
        disconnects = recorder.disconnects
    out.put(("final", called, connected, disconnects))
    # In parallel: a client's disconnect may wait seconds for the server's close frame.
    with ThreadPoolExecutor(max(1, len(clients))) as pool:
        list(pool.map(lambda c: c.disconnect(), clients))


@dataclass
class Final:
    """What all listeners recorded, collected when they stop."""

    called: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    connected: int = 0
    disconnects: int = 0


class Listeners:
    """``with Listeners(url, token, 100, processes=2) as boards:`` — connected board clients,
    split over ``processes`` child processes."""

    def __init__(self, url: str, token: str, count: int, processes: int = 2) -> None:
        self.url = url
        self.token = token
        self.count = count
        self.parts = [count // processes + (1 if i < count % processes else 0)
                      for i in range(processes)]
        self.parts = [p for p in self.parts if p]
        context = multiprocessing.get_context("spawn")
        self.out = context.Queue()
        self.commands = [context.Queue() for _ in self.parts]
        self.children = [
            context.Process(target=_child, args=(url, token, n, self.out, cmd), daemon=True)
            for n, cmd in zip(self.parts, self.commands, strict=True)
        ]
        self.connect_seconds = 0.0
        self.snapshots = 0
        self.final: Final | None = None
        self._complete: dict[int, int] = defaultdict(int)  # ticket id -> children complete

    def _next(self, timeout: float) -> tuple[Any, ...] | None:
        try:
            return self.out.get(timeout=max(0.0, timeout))  # type: ignore[no-any-return]
        except queue.Empty:
            return None

    def __enter__(self) -> Listeners:
        begin = time.perf_counter()
        for child in self.children:
            child.start()
        errors: list[str] = []
        ready = 0
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while ready < len(self.children):
            message = self._next(min(1.0, deadline - time.monotonic()))
            if message is None:
                dead = [c.exitcode for c in self.children if c.exitcode is not None]
                if dead:
                    errors.append(f"a listener process exited with {dead[0]}")
                    break
                if time.monotonic() >= deadline:
                    errors.append(f"listeners not ready in {CONNECT_TIMEOUT:.0f} s")
                    break
                continue
            if message[0] == "ready":
                ready += 1
                errors += message[2]
                self.snapshots += message[3]
        self.connect_seconds = time.perf_counter() - begin
        if errors:
            self.__exit__()
            raise BenchError(f"{len(errors)} of {self.count} Socket.IO clients could not "
                             f"connect; first: {errors[0]}")
        return self

    def wait_for(self, ticket_id: int, timeout: float = EVENT_TIMEOUT) -> bool:
        """Wait until every listener has received the call of ``ticket_id``."""
        deadline = time.monotonic() + timeout
        while self._complete[ticket_id] < len(self.children):
            message = self._next(deadline - time.monotonic())
            if message is None:
                return False
            if message[0] == "called":
                self._complete[message[1]] += 1
        return True

    def stop(self) -> Final:
        """Stop listening; every receive time, and how many were still connected."""
        if self.final is not None:
            return self.final
        final = Final()
        for commands in self.commands:
            commands.put("stop")
        deadline = time.monotonic() + STOP_TIMEOUT
        finals = 0
        while finals < len(self.children):
            message = self._next(deadline - time.monotonic())
            if message is None:
                break
            if message[0] == "final":
                finals += 1
                for ticket_id, times in message[1].items():
                    final.called[ticket_id].extend(times)
                final.connected += message[2]
                final.disconnects += message[3]
        for child in self.children:
            child.join(STOP_TIMEOUT)
            if child.is_alive():
                child.terminate()
                child.join(STOP_TIMEOUT)
        self.final = final
        return final

    def __exit__(self, *exc: object) -> None:
        self.stop()
