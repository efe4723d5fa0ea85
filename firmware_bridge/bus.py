"""The bus: one ``HostLink`` driven over a serial port that may vanish and come back.

Owns the serial I/O loop (``run``, one thread): it feeds received bytes and the passing time to
the link, writes the link's frames to the port, and hands the link's events to its owner. When
the port fails (unplugged adapter: OSError, pyserial's SerialException) it closes it and keeps
trying to open it again, waiting ``reopen_base`` doubling up to ``reopen_max`` between attempts;
on every (re)open the link identifies every board again (``HostLink.restart``), and the PeerUp
that follows makes the owner put each board's state back.

``send`` may be called from any thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from firmware_bridge import link as lk
from firmware_bridge import protocol as p

log = logging.getLogger(__name__)

MAX_WAIT = 0.02  # the longest the loop sleeps in a read: how soon a new command starts out


class Port(Protocol):
    """A byte pipe to the bus. Every method raises OSError once the port is gone."""

    def read(self, timeout: float) -> bytes:
        """What arrived, waiting up to ``timeout`` seconds for the first byte; b"" if none."""
        ...

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PortOpened:
    path: str


@dataclass(frozen=True)
class PortLost:
    """The port could not be opened, or failed while open; the bus keeps trying."""

    path: str
    reason: str


BusEvent = lk.Event | PortOpened | PortLost


class Bus:
    def __init__(self, link: lk.HostLink, open_port: Callable[[], Port], *, path: str,
                 on_event: Callable[[BusEvent], None], reopen_base: float = 0.5,
                 reopen_max: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 max_wait: float = MAX_WAIT) -> None:
        self._link = link
        self._open_port = open_port
        self.path = path
        self._on_event = on_event
        self._reopen_base, self._reopen_max = reopen_base, reopen_max
        self._clock = clock
        self._max_wait = max_wait
        self._lock = threading.Lock()  # guards the link: the loop and send() share it
        self.opened = 0  # times the port was opened (for tests and the log)

    def send(self, address: int, message: p.Message) -> None:
        """Queue ``message`` for the board at ``address`` (see ``HostLink.send``)."""
        with self._lock:
            self._link.send(address, message)

    def state(self, address: int) -> lk.PeerState:
        with self._lock:
            return self._link.state(address)

    def run(self, stop: threading.Event) -> None:
        """Serve the bus until ``stop`` is set."""
        backoff = 0.0
        lost = False
        while not stop.is_set():
            try:
                port = self._open_port()
            except OSError as error:
                if not lost:
                    log.error("serial port %s cannot be opened: %s; retrying", self.path, error)
                    self._emit([PortLost(self.path, _reason(error))])
                lost = True
                backoff = min(max(backoff * 2, self._reopen_base), self._reopen_max)
                stop.wait(backoff)
                continue
            self.opened += 1
            log.info("serial port %s open", self.path)
            backoff, lost = 0.0, False
            self._emit([PortOpened(self.path)])
            try:
                self._serve(port, stop)
            except OSError as error:
                log.error("serial port %s failed: %s; reopening", self.path, error)
                self._emit([PortLost(self.path, _reason(error))])
                lost = True
                backoff = self._reopen_base
                stop.wait(backoff)
            finally:
                port.close()

    def _serve(self, port: Port, stop: threading.Event) -> None:
        with self._lock:
            self._link.restart(self._clock())
        while not stop.is_set():
            with self._lock:
                now = self._clock()
                step = self._link.poll(now)
                deadline = self._link.next_deadline()
            self._handle(port, step)
            wait = self._max_wait if deadline is None else min(self._max_wait, deadline - now)
            data = port.read(max(wait, 0.0))
            if data:
                with self._lock:
                    step = self._link.feed(data, self._clock())
                self._handle(port, step)

    def _handle(self, port: Port, step: lk.Step) -> None:
        # Events first: a key press delivered by this step must not be lost if the write
        # fails (the board resends it, and the link recognises the repeat).
        self._emit(step.events)
        if step.frames:
            port.write(step.data)

    def _emit(self, events: tuple[BusEvent, ...] | list[BusEvent]) -> None:
        for event in events:
            try:
                self._on_event(event)
            except Exception:
                # A bug in a handler must not stop the boards from being served.
                log.exception("error handling %r", event)


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__
