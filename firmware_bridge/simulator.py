"""Simulated boards: window boards, keypads, staff-call buttons and rating pads that speak the
protocol (through ``link.BoardLink``) on one simulated bus, for tests and the demo.

``BoardSimulator`` holds the boards and is thread-safe: bytes from the host go in with
``receive`` and the boards' replies come out; ``press``, ``staff_call``, ``rate`` and ``fault``
play a person at a board; ``silence`` and ``restart`` play a broken or power-cycled board;
``view`` says what each board shows now (text, blink, brightness) and ``wait_for`` waits until
something holds. Two ways to connect it to a bridge:

* ``PtyLine``: a real pty (``os.openpty``); the bridge opens the pty's slave like a serial
  device, under a stable symlink (as ``/dev/serial/by-id`` names are) that ``unplug`` removes and
  ``plug`` puts back on a fresh pty;
* ``SimulatedPort``: an in-process port for ``[serial] port = "sim://"`` (the demo).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from firmware_bridge.errors import LinkError

log = logging.getLogger(__name__)

# The texts of SHOW_CLOSED, as the reference firmware has them in its font.
CLOSED_TEXTS = {
    p.ClosedReason.CLOSED: "ЗАКРЫТО",
    p.ClosedReason.BREAK: "ПЕРЕРЫВ",
    p.ClosedReason.LUNCH: "ОБЕД",
    p.ClosedReason.TECHNICAL: "ТЕХ.ПЕРЕРЫВ",
    p.ClosedReason.OTHER: "НЕ РАБОТАЕТ",
}
KIND_NAMES = {
    p.BoardKind.WINDOW_BOARD: "window_board",
    p.BoardKind.KEYPAD: "keypad",
    p.BoardKind.STAFF_CALL: "staff_call",
    p.BoardKind.RATING_PAD: "rating_pad",
}


@dataclass(frozen=True)
class BoardView:
    """What a simulated board is doing now."""

    address: int
    kind: str  # window_board, keypad, staff_call, rating_pad
    name: str
    text: str  # what the LED matrix shows ("" dark); window boards only
    closed: bool  # the text is a SHOW_CLOSED text, not a ticket label
    blinking: bool
    brightness: int | None  # None until the host set it
    identified: bool  # has a session with the host
    host_lost: bool  # nothing heard from the host for host_timeout (the corner dot)
    silent: bool  # the test or demo cut it off the bus
    boot_id: int
    queued: int  # events waiting for the host
    shown: int  # display commands applied since the board started

    def as_json(self) -> dict[str, object]:
        return asdict(self)


class SimulatedBoard:
    """One board: its link end and what its display or keys are doing."""

    def __init__(self, address: int, kind: p.BoardKind, *, name: str = "", boot_id: int = 1,
                 config: lk.LinkConfig | None = None) -> None:
        self.address, self.kind, self.name = address, kind, name
        self.config = config or lk.LinkConfig()
        self.link = lk.BoardLink(address, kind, boot_id=boot_id, config=self.config)
        self.text, self.closed, self.brightness = "", False, None
        self.blink_until = float("-inf")
        self.silent = False
        self.heard_at: float | None = None
        self.shown = 0
        self.delivered: list[p.Message] = []  # every command applied, oldest first

    def receive(self, data: bytes, now: float) -> bytes:
        step = self.link.feed(data, now)
        if step.frames:
            self.heard_at = now
        for event in step.events:
            if isinstance(event, lk.Delivered):
                self._apply(event.message, now)
        return b"" if self.silent else step.data

    def _apply(self, message: p.Message, now: float) -> None:
        self.delivered.append(message)
        if isinstance(message, p.ShowLabel):
            self.text, self.closed = message.label, False
        elif isinstance(message, p.ShowClosed):
            self.text, self.closed = CLOSED_TEXTS[message.reason], True
        elif isinstance(message, p.Clear):
            self.text, self.closed = "", False
        elif isinstance(message, p.Blink):
            self.blink_until = now + message.seconds
        elif isinstance(message, p.Brightness):
            self.brightness = message.level
        if isinstance(message, (p.ShowLabel, p.ShowClosed, p.Clear)):
            self.shown += 1

    def view(self, now: float) -> BoardView:
        host_lost = self.heard_at is not None and now - self.heard_at >= self.config.host_timeout
        return BoardView(self.address, KIND_NAMES[self.kind], self.name, self.text, self.closed,
                         now < self.blink_until, self.brightness, self.link.identified,
                         host_lost, self.silent, self.link.boot_id, self.link.queued, self.shown)


class BoardSimulator:
    """Boards on one simulated bus. ``boards``: (address, kind, name) triples."""

    def __init__(self, boards: Iterable[tuple[int, p.BoardKind, str]],
                 config: lk.LinkConfig | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config or lk.LinkConfig()
        self._clock = clock
        self._cond = threading.Condition()
        self._boots = 0
        self._boards: dict[int, SimulatedBoard] = {}
        for address, kind, name in boards:
            self._boards[address] = self._start(address, kind, name)

    def _start(self, address: int, kind: p.BoardKind, name: str) -> SimulatedBoard:
        self._boots += 1
        return SimulatedBoard(address, kind, name=name, boot_id=self._boots, config=self.config)

    @property
    def addresses(self) -> list[int]:
        return sorted(self._boards)

    # --- the bus

    def receive(self, data: bytes) -> bytes:
        """Bytes the host sent (every board hears them); the boards' replies."""
        with self._cond:
            now = self._clock()
            replies = b"".join(board.receive(data, now) for board in self._boards.values())
            self._cond.notify_all()
            return replies

    # --- people at the boards

    def press(self, address: int, key: p.Key) -> None:
        """A keypad key; QueueFull if the keypad's queue is full (it beeps, the press is lost)."""
        self._send(address, p.KeyPress(key))

    def staff_call(self, address: int) -> None:
        self._send(address, p.StaffCall())

    def rate(self, address: int, score: int) -> None:
        self._send(address, p.Rating(score))

    def fault(self, address: int, code: int, text: str = "") -> None:
        self._send(address, p.Fault(code, text))

    def _send(self, address: int, message: p.Message) -> None:
        with self._cond:
            self._board(address).link.send(message)
            self._cond.notify_all()

    # --- trouble

    def silence(self, address: int, silent: bool = True) -> None:
        """The board stops answering (a cut wire, a dead transceiver), or answers again."""
        with self._cond:
            self._board(address).silent = silent
            self._cond.notify_all()

    def restart(self, address: int) -> None:
        """Power-cycle the board: a new boot id, a dark display, unsent events lost."""
        with self._cond:
            old = self._board(address)
            board = self._start(address, old.kind, old.name)
            board.silent = old.silent
            self._boards[address] = board
            self._cond.notify_all()

    # --- looking at the boards

    def board(self, address: int) -> SimulatedBoard:
        """The board itself (tests read ``delivered``); hold no reference across a restart."""
        with self._cond:
            return self._board(address)

    def view(self, address: int) -> BoardView:
        with self._cond:
            return self._board(address).view(self._clock())

    def views(self) -> list[BoardView]:
        with self._cond:
            now = self._clock()
            return [self._boards[a].view(now) for a in sorted(self._boards)]

    def wait_for(self, condition: Callable[[BoardSimulator], bool], timeout: float) -> bool:
        """Wait until ``condition(self)`` holds (checked after every change); False on timeout.

        ``condition`` may call ``view`` and ``board`` (the lock is re-entrant for them)."""
        with self._cond:
            return self._cond.wait_for(lambda: condition(self), timeout)

    def _board(self, address: int) -> SimulatedBoard:
        try:
            return self._boards[address]
        except KeyError:
            raise LinkError(f"no simulated board 0x{address:02X}", address=address) from None


# --- connecting a simulator to a bridge ------------------------------------------------------


class SimulatedPort:
    """The host's end of an in-process line to ``simulator``: what ``port = "sim://"`` opens.

    A write reaches every board at once and their replies are ready to read."""

    def __init__(self, simulator: BoardSimulator) -> None:
        self._simulator = simulator
        self._cond = threading.Condition()
        self._inbox = bytearray()
        self._closed = False

    def write(self, data: bytes) -> None:
        if self._closed:
            raise OSError("simulated port closed")
        replies = self._simulator.receive(data)
        with self._cond:
            self._inbox += replies
            self._cond.notify_all()

    def read(self, timeout: float) -> bytes:
        with self._cond:
            self._cond.wait_for(lambda: self._inbox or self._closed, timeout)
            if self._closed:
                raise OSError("simulated port closed")
            data = bytes(self._inbox)
            self._inbox.clear()
            return data

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class PtyLine:
    """``simulator`` behind a real pty whose slave is reachable as ``path`` (a symlink).

    ``unplug`` closes the pty and removes the link, as pulling a USB adapter removes its
    ``/dev/serial/by-id`` name; ``plug`` makes a new pty and links ``path`` to it again.
    One thread carries the bytes between the pty and the simulator.
    """

    def __init__(self, simulator: BoardSimulator, path: Path) -> None:
        self.simulator = simulator
        self.path = Path(path)
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._wake_r, self._wake_w = os.pipe()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pty-line", daemon=True)
        self.plugs = 0

    def start(self) -> PtyLine:
        self.plug()
        self._thread.start()
        return self

    def plug(self) -> None:
        with self._lock:
            if self._master is not None:
                return
            master, slave = os.openpty()
            # Raw from the start: no echo, no line discipline, before the bridge opens it.
            tty.setraw(slave)
            # The simulator keeps the slave open too, so the master does not read EIO while
            # the bridge is between closing and reopening the port.
            self._master, self._slave = master, slave
            target = os.ttyname(slave)
            tmp = self.path.with_name(self.path.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(target)
            tmp.replace(self.path)
            self.plugs += 1
        self._wake()

    def unplug(self) -> None:
        with self._lock:
            self.path.unlink(missing_ok=True)
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = None
        self._wake()

    def close(self) -> None:
        self._stop.set()
        self._wake()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.unplug()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            log.debug("pty line: wake pipe closed")

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                master = self._master
            readers = [self._wake_r] + ([master] if master is not None else [])
            try:
                ready, _, _ = select.select(readers, [], [], 0.5)
            except OSError:
                continue  # the pty was closed under the select (unplug)
            if self._wake_r in ready:
                os.read(self._wake_r, 1024)
            if master is None or master not in ready:
                continue
            with self._lock:
                if self._master != master:
                    continue  # unplugged meanwhile
                try:
                    data = os.read(master, 4096)
                except OSError as error:
                    log.debug("pty line: read failed: %s", error)
                    data = b""
            if not data:
                self._stop.wait(0.05)  # a hung-up pty reads nothing: do not spin
                continue
            with self._lock:
                if self._master != master:
                    continue
                replies = self.simulator.receive(data)
                if replies:
                    try:
                        os.write(master, replies)
                    except OSError:
                        log.debug("pty line: reply lost, the line went down")
