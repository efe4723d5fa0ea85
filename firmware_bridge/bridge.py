"""The bridge: the server's windows onto the boards, the boards' presses onto the server.

Owns the decisions, not the I/O: the server's snapshot and events go into the ``OfficeMirror``
and every window board that follows a changed window gets its new display (``board_display``);
a board's key press, staff call or rating becomes a server request (``board_actions``) queued
in the outbox; a board that falls silent, is refused or reports a fault, and a serial port that
vanishes, become fault alerts for the hall console, cleared when it is over.

State goes back on a board whenever it may have lost it: on its PeerUp (the board restarted,
the port was reopened, the bridge started) and on every snapshot (the server restarted or the
connection came back: the snapshot is the source of truth). While the server is unreachable the
boards go on showing the last state the bridge knew.

The adapters are behind the small protocols below; ``cli`` wires the real ones.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from firmware_bridge import board_actions as actions
from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from firmware_bridge.board_display import board_state, display_message
from firmware_bridge.bus import BusEvent, PortLost, PortOpened
from firmware_bridge.config import BridgeConfig, Keypad, RatingPad, StaffCallButton, WindowBoard
from firmware_bridge.errors import LinkError, ServerUnavailable
from firmware_bridge.office_mirror import OfficeMirror, Update

log = logging.getLogger(__name__)


class Boards(Protocol):
    """Where board commands go (``bus.Bus``)."""

    def send(self, address: int, message: p.Message) -> None: ...


class Requests(Protocol):
    """Where server requests and fault states go (``outbox.Outbox``)."""

    def put(self, request: actions.ServerRequest) -> None: ...

    def set_fault(self, code: str, message: str | None) -> None: ...


class Snapshots(Protocol):
    """A fresh snapshot when events were missed (``server_client.HttpServer``)."""

    def snapshot(self) -> object: ...


class Bridge:
    def __init__(self, config: BridgeConfig, boards: Boards, requests: Requests,
                 snapshots: Snapshots) -> None:
        self.config = config
        self._boards = boards
        self._requests = requests
        self._snapshots = snapshots
        self._window_boards = [b for b in config.boards if isinstance(b, WindowBoard)]
        self._mirror = OfficeMirror({b.window for b in self._window_boards}
                                    | {b.window for b in config.boards
                                       if isinstance(b, (Keypad, RatingPad))})
        # Guards the mirror and the order of display commands: a command is queued on the bus
        # under the same lock as the mirror change it follows, so no older label can overtake
        # a newer one.
        self._lock = threading.RLock()
        self._shown: dict[int, p.Message] = {}  # address -> the display command last queued
        self._board_faults: dict[int, set[str]] = {}  # address -> fault codes it raised
        self._resyncing = False  # a snapshot is being reloaded
        self._resync_wanted = False  # ... and another reload was asked for meanwhile

    def start(self) -> None:
        """Clear the faults a previous run may have left open; they are raised again if they
        still hold (a silent board is found silent within a few seconds)."""
        self._requests.set_fault(actions.PORT_LOST, None)
        for board in self.config.boards:
            self._requests.set_fault(actions.silent_code(board.address), None)
            self._requests.set_fault(actions.refused_code(board.address), None)

    # --- the server's side (any thread)

    def on_snapshot(self, snapshot: object) -> None:
        with self._lock:
            if not self._mirror.load(snapshot).loaded:
                return  # older than what the mirror holds
            # The snapshot is the truth: every window board gets its display again.
            for board in self._window_boards:
                self._show(board, force=True)

    def on_event(self, event: object) -> None:
        with self._lock:
            update = self._mirror.apply(event)
            self._follow(update)
        if update.resync:
            self._resync()

    def on_disconnect(self) -> None:
        with self._lock:
            self._mirror.forget()

    def _resync(self) -> None:
        """Reload the snapshot; one reload at a time, and one more if more was missed while
        it ran (its snapshot may predate the gap that asked again)."""
        with self._lock:
            self._resync_wanted = True
            if self._resyncing:
                return  # the reload under way goes round once more
            self._resyncing = True
        while True:
            with self._lock:
                if not self._resync_wanted:
                    self._resyncing = False
                    return
                self._resync_wanted = False
            try:
                snapshot = self._snapshots.snapshot()
            except ServerUnavailable as error:
                log.warning("missed events, and cannot reload the snapshot: %s", error.message)
                with self._lock:
                    self._resyncing = False
                return
            self.on_snapshot(snapshot)

    def _follow(self, update: Update) -> None:
        for board in self._window_boards:
            if board.window in update.changed:
                self._show(board)
            if board.window in update.blink:
                self._send(board.address, p.Blink(self.config.timings.blink))

    def _show(self, board: WindowBoard, force: bool = False) -> None:
        message = display_message(board.window, self._mirror.view(board.window))
        if message is None or (not force and self._shown.get(board.address) == message):
            return
        self._shown[board.address] = message
        self._send(board.address, message)

    def _send(self, address: int, message: p.Message) -> None:
        try:
            self._boards.send(address, message)
        except LinkError as error:
            log.error("cannot send %r to board 0x%02X: %s", message, address, error.message)

    # --- the boards' side (the bus thread)

    def on_bus_event(self, event: BusEvent) -> None:
        if isinstance(event, PortOpened):
            self._requests.set_fault(actions.PORT_LOST, None)
        elif isinstance(event, PortLost):
            self._requests.set_fault(actions.PORT_LOST,
                                     f"serial port {event.path}: {event.reason}")
        elif isinstance(event, lk.PeerUp):
            self._peer_up(event)
        elif isinstance(event, lk.PeerDown):
            board = self.config.board(event.address)
            log.warning("%s stopped answering", board.label)
            self._requests.set_fault(actions.silent_code(event.address),
                                     f"{self._describe(event.address)} does not answer")
        elif isinstance(event, lk.Refused):
            problems = "; ".join(event.problems)
            log.error("%s refused: %s", self._describe(event.address), problems)
            self._requests.set_fault(actions.refused_code(event.address),
                                     f"{self._describe(event.address)} refused: {problems}")
        elif isinstance(event, lk.Delivered):
            self._delivered(event.address, event.message)
        elif isinstance(event, lk.Rejected):
            log.error("%s refused %s (%s)", self._describe(event.address), event.message.NAME,
                      event.reason.name)

    def _peer_up(self, event: lk.PeerUp) -> None:
        board = self.config.board(event.address)
        identity = event.identity
        log.info("%s up%s%s", board.label,
                 f", firmware {'.'.join(map(str, identity.firmware))}" if identity else "",
                 " (restarted)" if event.rebooted else "")
        self._requests.set_fault(actions.silent_code(board.address), None)
        self._requests.set_fault(actions.refused_code(board.address), None)
        if event.rebooted:
            for code in self._board_faults.pop(board.address, set()):
                self._requests.set_fault(code, None)
        if isinstance(board, WindowBoard):
            with self._lock:
                view = self._mirror.view(board.window)
                for message in board_state(board.window, view, board.brightness):
                    self._send(board.address, message)
                shown = display_message(board.window, view)
                if shown is not None:
                    self._shown[board.address] = shown

    def _delivered(self, address: int, message: p.Message) -> None:
        board = self.config.board(address)
        if isinstance(message, p.Fault):
            code = actions.board_fault_code(address, message.code)
            self._board_faults.setdefault(address, set()).add(code)
            self._requests.set_fault(code, actions.fault_text(self._describe(address), message))
        elif isinstance(message, p.KeyPress) and isinstance(board, Keypad):
            with self._lock:
                view = self._mirror.view(board.window)
            self._requests.put(actions.key_request(board, message.key, view))
        elif isinstance(message, p.StaffCall) and isinstance(board, StaffCallButton):
            self._requests.put(actions.staff_call_request(board))
        elif isinstance(message, p.Rating) and isinstance(board, RatingPad):
            self._requests.put(actions.rating_request(board, message.score))
        else:
            log.warning("%s sent %s, which it should not", board.label, message.NAME)

    def _describe(self, address: int) -> str:
        board = self.config.board(address)
        window = getattr(board, "window", None)
        kind = board.kind.replace("_", " ")
        where = f" at window {window}" if window is not None else ""
        return f"{kind} 0x{address:02X}{' «' + board.name + '»' if board.name else ''}{where}"
