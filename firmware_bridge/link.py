"""The reliable link over the bus: sessions, acknowledgement, retransmission with back-off,
duplicate suppression and the identify handshake (PROTOCOL.md, "Reliability" and "Sessions").

Sans-IO: no threads, no sleeping, no serial port. The owner feeds received bytes with
``feed(data, now)``, calls ``poll(now)`` when time passes, writes ``Step.frames`` to the port in
order and acts on ``Step.events``. Tests drive time by hand.

Two ends:

* ``HostLink``: one per bus (serial port), holding per-board state. One per bus rather than one
  per board because the bus is half-duplex and the host is its only master: whose turn it is
  (one exchange at a time, then a turnaround gap), which board to serve next, and the decoder
  for the one byte stream on which every board's replies arrive are shared by all boards.
* ``BoardLink``: the board's end, one per board. It speaks only when spoken to: every unicast
  frame from the host gets exactly one reply, so the host knows when an exchange is over.

Guarantees (under the bus model of PROTOCOL.md: frames may be lost, garbled or duplicated, and
a frame is received within its frame time or never):

* a board→host event (key press, staff call, rating, fault) is delivered to the host exactly
  once and in order, including across re-identification, as long as the board does not restart
  with it unsent (a restart loses the board's RAM, and with it the queue);
* a board applies host→board commands in the order the host queued them, never an older one
  after a newer one; queued commands of one SLOT replace each other, so a board catches up to
  the newest state instead of replaying every stale label.
"""

from __future__ import annotations

import enum
import secrets
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from firmware_bridge import protocol as p
from firmware_bridge.errors import LinkError, MessageError, QueueFull, UnknownMessage

SEQ_SPACE = 256
HALF_SEQ_SPACE = SEQ_SPACE // 2
NONCE_SPACE = 1 << 16


@dataclass(frozen=True)
class LinkConfig:
    """Timings in seconds. Defaults suit 38400 baud: a 72-byte frame takes 19 ms."""

    reply_timeout: float = 0.08  # a board's whole reply must arrive within this
    turnaround: float = 0.002  # bus silence after a reply before the host speaks again
    retry_base: float = 0.05  # first back-off after an unanswered exchange; doubles each time
    retry_max: float = 1.0  # back-off cap while the board is up
    retry_limit: int = 5  # unanswered exchanges in a row before the board is reported down
    reconnect_max: float = 10.0  # back-off cap for identifying a board that is down or refused
    poll_interval: float = 0.2  # a keypad, button or rating pad is asked for events this often
    display_poll_interval: float = 1.0  # a window board (only faults to tell) this often
    idle_gap: float = 0.005  # line silence that ends any partial frame
    host_timeout: float = 2.0  # board: host silence before the board reports it lost
    queue_limit: int = 8  # board: events waiting for their turn

    def __post_init__(self) -> None:
        if self.retry_limit < 1 or self.queue_limit < 1:
            raise LinkError("retry_limit and queue_limit must be at least 1")
        if min(self.reply_timeout, self.retry_base, self.poll_interval,
               self.display_poll_interval, self.idle_gap) <= 0:
            raise LinkError("timings must be positive")


# --- events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What a board said about itself in IDENTIFY_REPLY."""

    kind: p.BoardKind
    firmware: tuple[int, int, int]
    boot_id: int
    version: int
    table_checksum: int


@dataclass(frozen=True)
class Delivered:
    """A new message from the peer, delivered exactly once."""

    address: int
    message: p.Message
    seq: int


@dataclass(frozen=True)
class Acknowledged:
    """The peer acknowledged a message this end sent."""

    address: int
    message: p.Message


@dataclass(frozen=True)
class Rejected:
    """The peer refused a message for good (NAK with a reason that forbids resending)."""

    address: int
    message: p.Message
    reason: p.NakReason


@dataclass(frozen=True)
class PeerUp:
    """A session started. The host side should now (re)send the board's whole state."""

    address: int
    identity: Identity | None  # None on the board side
    rebooted: bool  # host side: the board restarted since the last session


@dataclass(frozen=True)
class PeerDown:
    address: int
    reason: str


@dataclass(frozen=True)
class Refused:
    """The handshake found a mismatch; no session, nothing is sent until it is resolved."""

    address: int
    problems: tuple[str, ...]
    identity: Identity | None = None


Event = Delivered | Acknowledged | Rejected | PeerUp | PeerDown | Refused


@dataclass(frozen=True)
class Step:
    """What one call produced: frames to write to the port, in order, and events."""

    frames: tuple[bytes, ...] = ()
    events: tuple[Event, ...] = ()

    @property
    def data(self) -> bytes:
        return b"".join(self.frames)


@dataclass
class _Output:
    frames: list[bytes] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def step(self) -> Step:
        return Step(tuple(self.frames), tuple(self.events))


def seq_distance(seq: int, expected: int) -> int:
    """How far ``seq`` is ahead of ``expected``; HALF_SEQ_SPACE or more means behind."""
    return (seq - expected) % SEQ_SPACE


def mismatches(version: int, table_checksum: int) -> list[str]:
    problems = []
    if version != p.PROTOCOL_VERSION:
        problems.append(f"protocol version {version}, expected {p.PROTOCOL_VERSION}")
    if table_checksum != p.TABLE_CHECKSUM:
        problems.append(f"message table checksum 0x{table_checksum:04X}, "
                        f"expected 0x{p.TABLE_CHECKSUM:04X}")
    return problems


def nak_reason(error: MessageError) -> p.NakReason:
    return p.NakReason.UNKNOWN_MESSAGE if isinstance(error, UnknownMessage) else (
        p.NakReason.BAD_PAYLOAD)


class _Decoding:
    """A frame decoder that gives up partial frames after ``idle_gap`` of line silence."""

    def __init__(self, idle_gap: float) -> None:
        self.decoder = p.FrameDecoder()
        self.idle_gap = idle_gap
        self.last_byte_at = 0.0

    def feed(self, data: bytes, now: float) -> list[p.Frame]:
        frames = self._expire(now)
        if data:
            self.last_byte_at = now
        return frames + self.decoder.feed(data)

    def poll(self, now: float) -> list[p.Frame]:
        return self._expire(now)

    def _expire(self, now: float) -> list[p.Frame]:
        if self.decoder.pending and now - self.last_byte_at >= self.idle_gap:
            return self.decoder.idle()
        return []


# --- the host's end --------------------------------------------------------------------------


class PeerState(enum.Enum):
    CONNECTING = "connecting"  # identifying; no session yet
    UP = "up"
    DOWN = "down"  # stopped answering; still identified now and then
    REFUSED = "refused"  # answered the handshake with a mismatch


@dataclass
class _Exchange:
    """The one host frame on the bus awaiting its reply."""

    address: int
    deadline: float
    ack_seq: int | None = None  # a sequenced frame: ends on ACK/NAK of this seq
    nonce: int | None = None  # an IDENTIFY: ends on the reply with this nonce
    # otherwise (poll, ACK, NAK): ends on any frame from the board


@dataclass
class _Board:
    """The host's state for one board address."""

    address: int
    expected_kind: p.BoardKind | None
    state: PeerState = PeerState.CONNECTING
    identity: Identity | None = None
    refused: tuple[str, ...] = ()
    nonce: int | None = None  # of the IDENTIFY awaiting its reply; None once answered
    tx_seq: int = 1  # seq of the next new sequenced frame to the board
    in_flight: tuple[int, p.Message] | None = None
    queue: list[p.Message] = field(default_factory=list)
    rx_expected: int | None = None  # seq of the board's next new frame
    owed: p.Message | None = None  # ACK or NAK to send the board
    failures: int = 0  # unanswered exchanges in a row
    not_before: float = 0.0
    last_exchange: float = float("-inf")


class HostLink:
    """The host's end of every board on one bus. See the module docstring.

    ``boards`` maps each address to the kind of board expected there (None: any kind).
    ``session`` identifies this host process to the boards (random unless given).
    """

    def __init__(self, boards: Mapping[int, p.BoardKind | None],
                 config: LinkConfig | None = None, *, session: int | None = None) -> None:
        self.config = config or LinkConfig()
        self.session = secrets.randbits(16) if session is None else session
        self._boards: dict[int, _Board] = {}
        for address, kind in boards.items():
            if not p.is_board(address):
                raise LinkError(f"0x{address:02X} is not a board address (0x01-0xF7)",
                                address=address)
            self._boards[address] = _Board(address, kind)
        self._order = sorted(self._boards)
        self._turn = 0  # index into _order of the board served next
        self._nonce = 0
        self._decoding = _Decoding(self.config.idle_gap)
        self._exchange: _Exchange | None = None
        self._bus_free_at = float("-inf")

    # --- queries

    def state(self, address: int) -> PeerState:
        return self._board(address).state

    def identity(self, address: int) -> Identity | None:
        return self._board(address).identity

    def pending(self, address: int) -> list[p.Message]:
        """Messages not yet acknowledged by the board, oldest first."""
        board = self._board(address)
        return ([board.in_flight[1]] if board.in_flight else []) + list(board.queue)

    @property
    def decoder_stats(self) -> p.DecoderStats:
        return self._decoding.decoder.stats

    def _board(self, address: int) -> _Board:
        try:
            return self._boards[address]
        except KeyError:
            raise LinkError(f"no board 0x{address:02X} on this bus", address=address) from None

    # --- the owner's calls

    def send(self, address: int, message: p.Message) -> None:
        """Queue ``message`` for the board at ``address``; it goes out after any earlier ones.

        A queued (not yet sent) message of the same SLOT is replaced: only the newest label,
        closed sign or brightness is worth sending. Messages are kept while the board is down
        or refused and sent after the next handshake; the owner also resends the board's whole
        state on every PeerUp, which replaces them.
        """
        board = self._board(address)
        cls = type(message)
        if not isinstance(message, p.Message) or cls.DIRECTION is not p.Direction.HOST_TO_BOARD:
            raise LinkError(f"{message!r} is not a host-to-board message")
        kind = board.expected_kind or (board.identity.kind if board.identity else None)
        if kind is not None and cls not in p.KIND_MESSAGES.get(kind, ()):
            raise LinkError(f"a {p.BoardKind(kind).name} does not handle {cls.NAME}",
                            address=address, name=cls.NAME)
        if cls.SLOT is not None:
            board.queue = [m for m in board.queue if m.SLOT != cls.SLOT]
        board.queue.append(message)

    def feed(self, data: bytes, now: float) -> Step:
        out = _Output()
        for frame in self._decoding.feed(data, now):
            self._receive(frame, now, out)
        self._advance(now, out)
        return out.step()

    def poll(self, now: float) -> Step:
        out = _Output()
        for frame in self._decoding.poll(now):
            self._receive(frame, now, out)
        self._advance(now, out)
        return out.step()

    def restart(self, now: float) -> None:
        """The port was (re)opened, e.g. a USB adapter unplugged and plugged back: whatever
        was on the line is gone. Forget the exchange in progress and any partial frame, and
        identify every board again, now.

        Sessions, sequence counts and queued commands are kept, so the handshake neither
        applies a command twice nor delivers an event twice, and each board's PeerUp tells the
        owner to put its whole state back. A board already reported down stays down (no second
        PeerDown) until it answers.
        """
        self._exchange = None
        self._bus_free_at = now
        self._decoding = _Decoding(self.config.idle_gap)
        for board in self._boards.values():
            if board.state is PeerState.UP:
                board.state = PeerState.CONNECTING
            board.failures = 0
            board.not_before = now

    def next_deadline(self) -> float | None:
        """The latest time by which ``poll`` should be called again (None: only on input).

        An upper bound: calling earlier is harmless."""
        if self._exchange is not None:
            return self._exchange.deadline
        times = [max(self._bus_free_at, b.not_before, b.last_exchange + self._poll_interval(b))
                 for b in self._boards.values()]
        if self._decoding.decoder.pending:
            times.append(self._decoding.last_byte_at + self.config.idle_gap)
        return min(times, default=None)

    # --- exchanges

    def _advance(self, now: float, out: _Output) -> None:
        exchange = self._exchange
        if exchange is not None and now >= exchange.deadline:
            self._exchange = None
            self._bus_free_at = now
            self._fail(self._boards[exchange.address], now, out)
        if self._exchange is None and now >= self._bus_free_at:
            self._start_exchange(now, out)

    def _start_exchange(self, now: float, out: _Output) -> None:
        # An owed ACK/NAK goes first: that board is waiting to send its next event.
        candidates = [b for b in self._boards.values()
                      if b.owed is not None and now >= b.not_before]
        count = len(self._order)
        candidates += [self._boards[self._order[(self._turn + i) % count]] for i in range(count)]
        for board in candidates:
            if self._try_board(board, now, out):
                self._turn = (self._order.index(board.address) + 1) % count
                return

    def _try_board(self, board: _Board, now: float, out: _Output) -> bool:
        if now < board.not_before:
            return False
        exchange = _Exchange(board.address, now + self.config.reply_timeout)
        if board.owed is not None:
            message, seq, board.owed = board.owed, 0, None
        elif board.state is not PeerState.UP:
            self._nonce = (self._nonce + 1) % NONCE_SPACE
            board.nonce = exchange.nonce = self._nonce
            seq, message = 0, p.Identify(p.PROTOCOL_VERSION, p.TABLE_CHECKSUM, self.session,
                                         self._nonce, self._next_seq(board))
        elif board.in_flight is not None or board.queue:
            if board.in_flight is None:
                board.in_flight = (board.tx_seq, board.queue.pop(0))
                board.tx_seq = (board.tx_seq + 1) % SEQ_SPACE
            seq, message = board.in_flight
            exchange.ack_seq = seq
        elif now >= board.last_exchange + self._poll_interval(board):
            seq, message = 0, p.Heartbeat()
        else:
            return False
        out.frames.append(p.encode(message, dst=board.address, src=p.HOST, seq=seq))
        self._exchange = exchange
        return True

    def _poll_interval(self, board: _Board) -> float:
        kind = board.identity.kind if board.identity else board.expected_kind
        if kind == p.BoardKind.WINDOW_BOARD:
            return self.config.display_poll_interval
        return self.config.poll_interval

    @staticmethod
    def _next_seq(board: _Board) -> int:
        return board.in_flight[0] if board.in_flight else board.tx_seq

    def _fail(self, board: _Board, now: float, out: _Output) -> None:
        """An exchange with ``board`` went unanswered: back off, maybe report it down."""
        board.failures += 1
        cap = self.config.retry_max if board.state is PeerState.UP else self.config.reconnect_max
        backoff = self.config.retry_base * 2 ** min(board.failures - 1, 30)
        board.not_before = now + min(backoff, cap)
        if board.failures >= self.config.retry_limit and board.state is not PeerState.DOWN:
            board.state = PeerState.DOWN
            out.events.append(PeerDown(board.address, "unresponsive"))

    def _complete(self, board: _Board, now: float) -> None:
        self._exchange = None
        self._bus_free_at = now + self.config.turnaround
        board.failures = 0
        board.not_before = now
        board.last_exchange = now

    # --- what the boards say

    def _receive(self, frame: p.Frame, now: float, out: _Output) -> None:
        if frame.dst != p.HOST or frame.src not in self._boards:
            return  # our own echo, or a board this bus does not drive
        board = self._boards[frame.src]
        exchange = self._exchange
        if exchange is not None and exchange.address != board.address:
            exchange = None
        try:
            message = p.unpack(frame)
        except MessageError as error:
            self._receive_bad(board, frame, error, exchange, now, out)
            return
        if exchange is not None and self._answers(exchange, message):
            self._complete(board, now)
        if isinstance(message, p.IdentifyReply):
            self._identified(board, message, now, out)
        elif isinstance(message, p.Ack):
            self._acknowledged(board, message.seq, out)
        elif isinstance(message, p.Nak):
            self._refused(board, message, out)
        elif message.SEQUENCED:
            self._event(board, frame.seq, message, out)

    @staticmethod
    def _answers(exchange: _Exchange, message: p.Message) -> bool:
        if exchange.nonce is not None:
            return isinstance(message, p.IdentifyReply) and message.nonce == exchange.nonce
        if exchange.ack_seq is not None:
            return isinstance(message, (p.Ack, p.Nak)) and message.seq == exchange.ack_seq
        return True

    def _receive_bad(self, board: _Board, frame: p.Frame, error: MessageError,
                     exchange: _Exchange | None, now: float, out: _Output) -> None:
        identifying = exchange is not None and exchange.nonce is not None
        other_version = frame.payload[:1] != bytes([p.PROTOCOL_VERSION])
        if identifying and frame.msg_id == p.IdentifyReply.ID and other_version:
            # Another protocol version: the rest of its reply may be laid out differently.
            self._complete(board, now)
            version = frame.payload[0] if frame.payload else 0
            self._refuse(board, tuple(mismatches(version, p.TABLE_CHECKSUM)), None, now, out)
            return
        if exchange is not None and exchange.nonce is None and exchange.ack_seq is None:
            self._complete(board, now)  # a poll's answer, if a bad one: the board is alive
        cls = p.MESSAGES.get(frame.msg_id)
        if board.state is PeerState.UP and (cls is None or cls.SEQUENCED):
            # Refuse it so that the board drops it instead of resending it forever.
            board.owed = p.Nak(frame.seq, nak_reason(error))

    def _identified(self, board: _Board, reply: p.IdentifyReply, now: float,
                    out: _Output) -> None:
        if reply.nonce != board.nonce:
            return  # a late or repeated reply to an earlier IDENTIFY
        board.nonce = None  # answered: a copy arriving later must not redo the handshake
        identity = Identity(reply.kind, (reply.firmware_major, reply.firmware_minor,
                                         reply.firmware_patch),
                            reply.boot_id, reply.version, reply.table_checksum)
        problems = mismatches(reply.version, reply.table_checksum)
        if board.expected_kind is not None and reply.kind != board.expected_kind:
            problems.append(f"a {p.BoardKind(reply.kind).name}, expected a "
                            f"{board.expected_kind.name}")
        if problems:
            self._refuse(board, tuple(problems), identity, now, out)
            return
        rebooted = board.identity is not None and board.identity.boot_id != reply.boot_id
        if board.identity is None or rebooted or board.rx_expected is None:
            board.rx_expected = reply.next_seq
        elif seq_distance(reply.next_seq, board.rx_expected) not in (0, SEQ_SPACE - 1):
            # The same boot, yet neither its next frame nor a repeat of the last one delivered:
            # believe the board (this cannot happen while both ends keep to the protocol).
            board.rx_expected = reply.next_seq
        board.identity, board.state, board.refused = identity, PeerState.UP, ()
        out.events.append(PeerUp(board.address, identity, rebooted))

    def _refuse(self, board: _Board, problems: tuple[str, ...], identity: Identity | None,
                now: float, out: _Output) -> None:
        if board.state is not PeerState.REFUSED or board.refused != problems:
            out.events.append(Refused(board.address, problems, identity))
        board.state, board.refused = PeerState.REFUSED, problems
        board.identity = identity if identity is not None else board.identity
        # Ask again now and then: someone may swap the board or flash its firmware.
        board.not_before = now + self.config.reconnect_max

    def _acknowledged(self, board: _Board, seq: int, out: _Output) -> None:
        if board.in_flight is not None and board.in_flight[0] == seq:
            out.events.append(Acknowledged(board.address, board.in_flight[1]))
            board.in_flight = None

    def _refused(self, board: _Board, nak: p.Nak, out: _Output) -> None:
        if nak.reason in (p.NakReason.NOT_IDENTIFIED, p.NakReason.OUT_OF_SEQUENCE):
            # The board lost the session (it restarted) or the ends disagree on seqs:
            # identify again; anything in flight is resent afterwards.
            if board.state is PeerState.UP:
                board.state = PeerState.CONNECTING
            return
        if board.in_flight is not None and board.in_flight[0] == nak.seq:
            out.events.append(Rejected(board.address, board.in_flight[1], nak.reason))
            board.in_flight = None

    def _event(self, board: _Board, seq: int, message: p.Message, out: _Output) -> None:
        if board.state is not PeerState.UP or board.rx_expected is None:
            return  # no session: the board will resend it after the handshake
        kind = board.identity.kind if board.identity else None
        if kind is not None and type(message) not in p.KIND_MESSAGES.get(kind, ()):
            board.owed = p.Nak(seq, p.NakReason.UNSUPPORTED)
            return
        distance = seq_distance(seq, board.rx_expected)
        if distance == 0:
            board.rx_expected = (seq + 1) % SEQ_SPACE
            out.events.append(Delivered(board.address, message, seq))
            board.owed = p.Ack(seq)
        elif distance >= HALF_SEQ_SPACE:
            board.owed = p.Ack(seq)  # a repeat of one delivered before: acknowledge it again
        else:
            board.owed = p.Nak(seq, p.NakReason.OUT_OF_SEQUENCE)
            board.state = PeerState.CONNECTING


# --- the board's end -------------------------------------------------------------------------


class BoardLink:
    """One board's end of the link: answers every unicast host frame with exactly one frame.

    ``version`` and ``table_checksum`` default to this protocol's; tests change them to play a
    board with other firmware. ``boot_id`` must change on every start of the board.
    """

    def __init__(self, address: int, kind: p.BoardKind, *,
                 firmware: tuple[int, int, int] = (1, 0, 0), boot_id: int = 0,
                 config: LinkConfig | None = None, version: int = p.PROTOCOL_VERSION,
                 table_checksum: int = p.TABLE_CHECKSUM) -> None:
        if not p.is_board(address):
            raise LinkError(f"0x{address:02X} is not a board address (0x01-0xF7)")
        self.address, self.kind, self.firmware, self.boot_id = address, kind, firmware, boot_id
        self.version, self.table_checksum = version, table_checksum
        self.config = config or LinkConfig()
        self.identified = False
        self._session: int | None = None
        self._nonce = 0
        self._rx_expected = 0
        self._tx_seq = 1
        self._in_flight: tuple[int, p.Message] | None = None
        self._sends = 0  # times the frame in flight went out
        self._queue: deque[p.Message] = deque()
        self._decoding = _Decoding(self.config.idle_gap)
        self._heard_at: float | None = None
        self._host_lost = False
        self._refused: tuple[str, ...] = ()

    @property
    def queued(self) -> int:
        """Events not yet acknowledged by the host."""
        return len(self._queue) + (self._in_flight is not None)

    def send(self, message: p.Message) -> None:
        """Queue an event for the host; it goes out when the host next polls this board."""
        cls = type(message)
        is_event = isinstance(message, p.Message) and cls.SEQUENCED and (
            cls.DIRECTION is p.Direction.BOARD_TO_HOST)
        if not is_event:
            raise LinkError(f"{message!r} is not an event a board sends")
        if cls not in p.KIND_MESSAGES[self.kind]:
            raise LinkError(f"a {self.kind.name} does not send {cls.NAME}")
        if self.queued >= self.config.queue_limit:
            raise QueueFull(f"{self.queued} events are waiting for the host", queued=self.queued)
        self._queue.append(message)

    def feed(self, data: bytes, now: float) -> Step:
        out = _Output()
        for frame in self._decoding.feed(data, now):
            self._receive(frame, now, out)
        return out.step()

    def poll(self, now: float) -> Step:
        """Never transmits (a board speaks only when spoken to); reports a silent host."""
        out = _Output()
        for frame in self._decoding.poll(now):
            self._receive(frame, now, out)
        silent = self._heard_at is not None and now - self._heard_at >= self.config.host_timeout
        if silent and not self._host_lost:
            self._host_lost = True
            out.events.append(PeerDown(p.HOST, "silent"))
        return out.step()

    def _receive(self, frame: p.Frame, now: float, out: _Output) -> None:
        if frame.dst != self.address or frame.src != p.HOST:
            return  # another board's frame or reply, or a broadcast (none in version 1)
        self._heard_at, self._host_lost = now, False
        reply, seq = self._answer(frame, out)
        out.frames.append(p.encode(reply, dst=p.HOST, src=self.address, seq=seq))

    def _answer(self, frame: p.Frame, out: _Output) -> tuple[p.Message, int]:
        try:
            message = p.unpack(frame)
        except MessageError as error:
            if frame.msg_id == p.Identify.ID and frame.payload[:1] != bytes([self.version]):
                version = frame.payload[0] if frame.payload else 0
                return self._refuse_host([f"protocol version {version}, expected "
                                          f"{self.version}"], 0, out), 0
            return p.Nak(frame.seq, nak_reason(error)), 0
        if isinstance(message, p.Identify):
            return self._identify(message, out), 0
        if not self.identified:
            return p.Nak(frame.seq, p.NakReason.NOT_IDENTIFIED), 0
        if isinstance(message, p.Ack):
            if self._in_flight is not None and self._in_flight[0] == message.seq:
                out.events.append(Acknowledged(p.HOST, self._in_flight[1]))
                self._in_flight = None
            return self._next_event(out)
        if isinstance(message, p.Nak):
            if message.reason in (p.NakReason.NOT_IDENTIFIED, p.NakReason.OUT_OF_SEQUENCE):
                return p.Heartbeat(), 0  # the host identifies next; the event waits for that
            if self._in_flight is not None and self._in_flight[0] == message.seq:
                out.events.append(Rejected(p.HOST, self._in_flight[1], message.reason))
                self._in_flight = None
            return self._next_event(out)
        if isinstance(message, p.Heartbeat):
            return self._next_event(out)
        if type(message) not in p.KIND_MESSAGES[self.kind]:
            return p.Nak(frame.seq, p.NakReason.UNSUPPORTED), 0
        distance = seq_distance(frame.seq, self._rx_expected)
        if distance == 0:
            self._rx_expected = (frame.seq + 1) % SEQ_SPACE
            out.events.append(Delivered(p.HOST, message, frame.seq))
        elif distance < HALF_SEQ_SPACE:
            return p.Nak(frame.seq, p.NakReason.OUT_OF_SEQUENCE), 0
        return p.Ack(frame.seq), 0  # new, or a repeat of one applied before

    def _identify(self, identify: p.Identify, out: _Output) -> p.Message:
        problems = []
        if identify.version != self.version:
            problems.append(f"protocol version {identify.version}, expected {self.version}")
        if identify.table_checksum != self.table_checksum:
            problems.append(f"message table checksum 0x{identify.table_checksum:04X}, "
                            f"expected 0x{self.table_checksum:04X}")
        if problems:
            return self._refuse_host(problems, identify.nonce, out)
        same_host = identify.session == self._session
        newer = (identify.nonce - self._nonce) % NONCE_SPACE
        if same_host and (newer == 0 or newer >= NONCE_SPACE // 2):
            # The same IDENTIFY again, or an older one: the session stands. Resetting the
            # expected seq now could let an old frame be applied after a newer one.
            return self._identify_reply(identify.nonce)
        if not same_host or seq_distance(identify.next_seq, self._rx_expected) not in (
                0, SEQ_SPACE - 1):
            # A new host process (or seqs that disagree): start where the host says. The same
            # host re-identifying keeps the count, so its frame in flight, if already applied,
            # is acknowledged as a repeat instead of being applied twice.
            self._rx_expected = identify.next_seq
        self._session, self._nonce = identify.session, identify.nonce
        self.identified, self._refused = True, ()
        self._sends = 0
        out.events.append(PeerUp(p.HOST, None, False))
        return self._identify_reply(identify.nonce)

    def _identify_reply(self, nonce: int) -> p.Message:
        major, minor, patch = self.firmware
        next_seq = self._in_flight[0] if self._in_flight else self._tx_seq
        return p.IdentifyReply(self.version, self.kind, major, minor, patch,
                               self.table_checksum, self.boot_id, nonce, next_seq)

    def _refuse_host(self, problems: list[str], nonce: int, out: _Output) -> p.Message:
        self.identified = False
        if tuple(problems) != self._refused:
            self._refused = tuple(problems)
            out.events.append(Refused(p.HOST, self._refused))
        return self._identify_reply(nonce)

    def _next_event(self, out: _Output) -> tuple[p.Message, int]:
        """The reply to a poll: the event in flight (again), the next one, or nothing."""
        if self._in_flight is None and self._queue:
            self._in_flight = (self._tx_seq, self._queue.popleft())
            self._tx_seq = (self._tx_seq + 1) % SEQ_SPACE
            self._sends = 0
        if self._in_flight is None:
            return p.Heartbeat(), 0
        self._sends += 1
        if self._sends == self.config.retry_limit + 1:
            # Sent retry_limit times without an ACK: the host's replies are not getting
            # through. Report it once; the event stays: a key press is never dropped.
            out.events.append(PeerDown(p.HOST, "unacknowledged"))
        seq, message = self._in_flight
        return message, seq

