"""The bytes on the RS-485 bus between the bridge (the host) and its boards. PROTOCOL.md is the
specification; this module is its Python implementation and ``firmware/protocol/codec.c`` the C
one. Both pass ``vectors/frames.txt`` byte for byte.

Owns:

* frames: ``SYNC LEN DST SRC SEQ ID PAYLOAD CRC`` (``Frame``, ``encode_frame``) and the stream
  decoder that finds them in noisy input (``FrameDecoder``);
* the CRC (CRC-16/CCITT-FALSE, ``crc16``);
* messages: one frozen dataclass per message id, validated on construction, with their payload
  layout declared once (``SPEC``) and used for encoding, decoding and the message table;
* the message table and its checksum (``table_text``, ``TABLE_CHECKSUM``), which the identify
  handshake compares so that a host and a board that disagree on any payload layout refuse each
  other instead of half-working.

Not here: acknowledgement, retransmission and sessions (``link``), serial ports (the bridge).
Standard library only.
"""

from __future__ import annotations

import binascii
import dataclasses
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from firmware_bridge.errors import FrameError, MessageError, UnknownMessage

SYNC = 0xA5
HOST = 0x00
FIRST_BOARD = 0x01
LAST_BOARD = 0xF7
BROADCAST = 0xFF
MAX_PAYLOAD = 64
HEADER_SIZE = 6  # SYNC LEN DST SRC SEQ ID
CRC_SIZE = 2
MAX_FRAME = HEADER_SIZE + MAX_PAYLOAD + CRC_SIZE
PROTOCOL_VERSION = 1
TEXT_ENCODING = "cp866"
CRC_INIT = 0xFFFF


def crc16(data: bytes, crc: int = CRC_INIT) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor.

    ``binascii.crc_hqx`` is exactly this CRC with a caller-chosen initial value; passing the
    previous result as ``crc`` continues a running CRC.
    """
    return binascii.crc_hqx(data, crc)


def is_board(address: int) -> bool:
    return FIRST_BOARD <= address <= LAST_BOARD


def is_route(dst: int, src: int) -> bool:
    """Every frame goes between the host and one board (or, host to all boards, broadcast)."""
    if src == HOST:
        return is_board(dst) or dst == BROADCAST
    return dst == HOST and is_board(src)


# ---------------------------------------------------------------------------------------------
# Frames


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame as it travels, payload still undecoded. Valid by construction."""

    dst: int
    src: int
    seq: int
    msg_id: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        for name in ("dst", "src", "seq", "msg_id"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 0xFF:
                raise FrameError(f"frame {name} must be a byte, got {value!r}", field=name)
        if not is_route(self.dst, self.src):
            raise FrameError(
                f"no route from 0x{self.src:02X} to 0x{self.dst:02X}: frames go between the "
                "host (0x00) and a board (0x01-0xF7)", dst=self.dst, src=self.src)
        if not isinstance(self.payload, bytes) or len(self.payload) > MAX_PAYLOAD:
            raise FrameError(f"payload must be at most {MAX_PAYLOAD} bytes",
                             length=len(self.payload))


def encode_frame(frame: Frame) -> bytes:
    body = bytes((len(frame.payload), frame.dst, frame.src, frame.seq, frame.msg_id))
    body += frame.payload
    return bytes((SYNC,)) + body + crc16(body).to_bytes(2, "big")


@dataclass
class DecoderStats:
    """What the decoder threw away, for diagnostics ("bus noisy on port X")."""

    frames: int = 0
    skipped_bytes: int = 0  # bytes before a sync byte
    bad_headers: int = 0  # sync found, but length or addresses impossible
    bad_crcs: int = 0
    abandoned: int = 0  # candidates given up when the line went idle


class FrameDecoder:
    """Finds frames in a byte stream that may hold noise, truncated frames and garbage.

    A candidate starts at a sync byte. Its header must be possible (length at most MAX_PAYLOAD,
    a host↔board route) and its CRC must match; if either fails, the decoder drops that ONE
    sync byte and rescans from the next byte, so a genuine frame hidden behind a false sync is
    still found. A candidate whose length runs past the bytes received so far waits for more;
    ``idle()`` (the line went quiet) gives such candidates up, since a sender never pauses
    inside a frame. The decoder never raises: bad input only shows in ``stats``.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.stats = DecoderStats()

    @property
    def pending(self) -> int:
        """Bytes held back, waiting to complete a candidate frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        return self._scan(idle=False)

    def idle(self) -> list[Frame]:
        """The line went quiet: abandon incomplete candidates and rescan what follows them."""
        return self._scan(idle=True)

    def _scan(self, idle: bool) -> list[Frame]:
        buffer, stats, frames = self._buffer, self.stats, []
        start = 0
        while True:
            sync = buffer.find(SYNC, start)
            if sync < 0:
                stats.skipped_bytes += len(buffer) - start
                start = len(buffer)
                break
            stats.skipped_bytes += sync - start
            start = sync
            if len(buffer) - start < 4:  # SYNC LEN DST SRC: enough to judge the header
                if idle:
                    stats.abandoned += 1
                    start += 1
                    continue
                break
            length, dst, src = buffer[start + 1], buffer[start + 2], buffer[start + 3]
            if length > MAX_PAYLOAD or not is_route(dst, src):
                stats.bad_headers += 1
                start += 1
                continue
            end = start + HEADER_SIZE + length + CRC_SIZE
            if end > len(buffer):
                if idle:
                    stats.abandoned += 1
                    start += 1
                    continue
                break
            body = bytes(buffer[start + 1:end - CRC_SIZE])
            if crc16(body) != int.from_bytes(buffer[end - CRC_SIZE:end], "big"):
                stats.bad_crcs += 1
                start += 1
                continue
            frames.append(Frame(dst, src, body[3], body[4], body[5:]))
            stats.frames += 1
            start = end
        del buffer[:start]
        return frames


# ---------------------------------------------------------------------------------------------
# Payload fields


@dataclass(frozen=True)
class U8:
    """One unsigned byte in ``lo..hi``; with ``kind``, decoded to that IntEnum."""

    lo: int = 0
    hi: int = 0xFF
    kind: type[enum.IntEnum] | None = None
    size: ClassVar[int] = 1
    wire_type: ClassVar[str] = "u8"

    def wire(self) -> str:
        return f"{self.wire_type}[{self.lo}..{self.hi}]"

    def check(self, where: str, value: object) -> object:
        if self.kind is not None and type(value) is int:
            value = self._member(where, value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise MessageError(f"{where} must be an integer, got {value!r}")
        if not self.lo <= value <= self.hi:
            raise MessageError(f"{where} must be in {self.lo}..{self.hi}, got {value}",
                               value=int(value))
        if self.kind is not None and not isinstance(value, self.kind):
            raise MessageError(f"{where} must be a {self.kind.__name__}, got {value!r}")
        return value

    def _member(self, where: str, value: int) -> object:
        try:
            return self.kind(value) if self.kind is not None else value
        except ValueError:
            raise MessageError(f"{where}: {value} is not a {self.kind.__name__}",
                               value=value) from None

    def pack(self, value: int) -> bytes:
        return int(value).to_bytes(self.size, "big")

    def unpack(self, where: str, data: bytes, offset: int) -> tuple[object, int]:
        end = offset + self.size
        if end > len(data):
            raise MessageError(f"{where}: payload ends after {len(data)} bytes", length=len(data))
        return self.check(where, int.from_bytes(data[offset:end], "big")), end


@dataclass(frozen=True)
class U16(U8):
    """Two bytes, big-endian (most significant first, like the CRC)."""

    hi: int = 0xFFFF
    size: ClassVar[int] = 2
    wire_type: ClassVar[str] = "u16"


@dataclass(frozen=True)
class Text:
    """CP866 text, ``lo..hi`` bytes (one byte is one character), printable characters only.

    Always the last field of a payload: it runs to the payload's end, so it needs no length
    byte of its own.
    """

    lo: int
    hi: int

    def wire(self) -> str:
        return f"cp866[{self.lo}..{self.hi}]"

    def check(self, where: str, value: object) -> str:
        if not isinstance(value, str):
            raise MessageError(f"{where} must be text, got {value!r}")
        try:
            data = value.encode(TEXT_ENCODING)
        except UnicodeEncodeError as error:
            bad = value[error.start:error.end]
            raise MessageError(f"{where} {value!r}: {bad!r} is not in CP866", text=value) from None
        self._check_bytes(where, data)
        return value

    def _check_bytes(self, where: str, data: bytes) -> None:
        if not self.lo <= len(data) <= self.hi:
            raise MessageError(f"{where} must be {self.lo}..{self.hi} characters, "
                               f"got {len(data)}", length=len(data))
        for byte in data:
            if byte < 0x20 or byte == 0x7F:
                raise MessageError(f"{where}: control character 0x{byte:02X}", byte=byte)

    def pack(self, value: str) -> bytes:
        return value.encode(TEXT_ENCODING)

    def unpack(self, where: str, data: bytes, offset: int) -> tuple[object, int]:
        text = data[offset:]
        self._check_bytes(where, text)
        return text.decode(TEXT_ENCODING), len(data)


Field = U8 | U16 | Text


# ---------------------------------------------------------------------------------------------
# Enumerations carried in payloads


class Direction(enum.Enum):
    HOST_TO_BOARD = "h>b"
    BOARD_TO_HOST = "b>h"
    ANY = "any"


class BoardKind(enum.IntEnum):
    WINDOW_BOARD = 1
    KEYPAD = 2
    STAFF_CALL = 3
    RATING_PAD = 4


class Key(enum.IntEnum):
    CALL_NEXT = 1
    RECALL = 2
    START = 3
    FINISH = 4
    NO_SHOW = 5
    PAUSE = 6


class ClosedReason(enum.IntEnum):
    """What a window board shows instead of a label; the pause reasons of the server."""

    CLOSED = 0
    BREAK = 1
    LUNCH = 2
    TECHNICAL = 3
    OTHER = 4


class NakReason(enum.IntEnum):
    BAD_PAYLOAD = 1  # the payload failed validation: do not resend it
    UNKNOWN_MESSAGE = 2  # the id is not in the receiver's table: do not resend it
    NOT_IDENTIFIED = 3  # no session (the board restarted): identify, then resend
    OUT_OF_SEQUENCE = 4  # the seq is ahead of what the receiver expects: identify, then resend
    UNSUPPORTED = 5  # valid, but this kind of board does not handle it: do not resend it


class FaultCode(enum.IntEnum):
    """Well-known FAULT codes; a board may report others (1..255) with a text."""

    DISPLAY = 1
    STUCK_KEY = 2
    BROWN_OUT = 3
    WATCHDOG = 4
    STORAGE = 5
    BUS = 6


# ---------------------------------------------------------------------------------------------
# Messages


class Message:
    """Base of the message dataclasses. Subclasses declare their wire shape in class variables;
    ``SPEC`` lists one field layout per dataclass field, in order."""

    ID: ClassVar[int]
    NAME: ClassVar[str]
    DIRECTION: ClassVar[Direction]
    SEQUENCED: ClassVar[bool]
    SPEC: ClassVar[tuple[Field, ...]] = ()
    # Queued messages with the same SLOT replace each other: only the newest state is worth
    # sending to a board (see link.HostLink.send). None: every message is sent.
    SLOT: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        for field, spec in zip(dataclasses.fields(self), self.SPEC, strict=True):
            value = spec.check(f"{self.NAME}.{field.name}", getattr(self, field.name))
            object.__setattr__(self, field.name, value)


MESSAGES: dict[int, type[Message]] = {}


def register(cls: type[Message]) -> type[Message]:
    """Add a message class to the table; its dataclass fields must match its SPEC."""
    if not dataclasses.is_dataclass(cls) or len(dataclasses.fields(cls)) != len(cls.SPEC):
        raise TypeError(f"{cls.__name__}: one SPEC entry per dataclass field")
    if any(isinstance(spec, Text) for spec in cls.SPEC[:-1]):
        raise TypeError(f"{cls.__name__}: a text field must come last")
    for spec in cls.SPEC:
        kind = getattr(spec, "kind", None)
        if kind is not None and {int(m) for m in kind} != set(range(spec.lo, spec.hi + 1)):
            raise TypeError(f"{cls.__name__}: {kind.__name__} must be exactly {spec.wire()}")
    if cls.ID in MESSAGES:
        raise TypeError(f"{cls.__name__}: id 0x{cls.ID:02X} taken by {MESSAGES[cls.ID].NAME}")
    MESSAGES[cls.ID] = cls
    return cls


@register
@dataclass(frozen=True)
class Ack(Message):
    """The frame with sequence number ``seq`` was received (delivered now or before)."""

    ID = 0x01
    NAME = "ACK"
    DIRECTION = Direction.ANY
    SEQUENCED = False
    SPEC = (U8(),)
    seq: int


@register
@dataclass(frozen=True)
class Nak(Message):
    """The frame with sequence number ``seq`` (0 for an unsequenced one) was refused."""

    ID = 0x02
    NAME = "NAK"
    DIRECTION = Direction.ANY
    SEQUENCED = False
    SPEC = (U8(), U8(1, 5, NakReason))
    seq: int
    reason: NakReason


@register
@dataclass(frozen=True)
class Heartbeat(Message):
    """From the host: "anything for me?" (a poll). From a board: "nothing to report"."""

    ID = 0x03
    NAME = "HEARTBEAT"
    DIRECTION = Direction.ANY
    SEQUENCED = False


@register
@dataclass(frozen=True)
class Identify(Message):
    """Starts a session. ``version`` stays the first byte in every protocol version, so a peer
    of another version can be refused on that byte alone."""

    ID = 0x04
    NAME = "IDENTIFY"
    DIRECTION = Direction.HOST_TO_BOARD
    SEQUENCED = False
    SPEC = (U8(), U16(), U16(), U16(), U8())
    version: int
    table_checksum: int
    session: int  # random per host process: tells a host restart from a repeated IDENTIFY
    nonce: int  # counts IDENTIFYs within a session; echoed by the reply
    next_seq: int  # the seq of the host's next sequenced frame to this board


@register
@dataclass(frozen=True)
class IdentifyReply(Message):
    ID = 0x05
    NAME = "IDENTIFY_REPLY"
    DIRECTION = Direction.BOARD_TO_HOST
    SEQUENCED = False
    SPEC = (U8(), U8(1, 4, BoardKind), U8(), U8(), U8(), U16(), U16(), U16(), U8())
    version: int
    kind: BoardKind
    firmware_major: int
    firmware_minor: int
    firmware_patch: int
    table_checksum: int
    boot_id: int  # changes on every start of the board: tells a reboot from a reconnect
    nonce: int
    next_seq: int  # the seq of the board's unacknowledged or next sequenced frame


@register
@dataclass(frozen=True)
class ShowLabel(Message):
    ID = 0x10
    NAME = "SHOW_LABEL"
    DIRECTION = Direction.HOST_TO_BOARD
    SEQUENCED = True
    SLOT = "display"
    SPEC = (U8(1, 255), Text(1, 16))
    window: int
    label: str


@register
@dataclass(frozen=True)
class Blink(Message):
    """Blink whatever the board shows for ``seconds`` (a recall)."""

    ID = 0x11
    NAME = "BLINK"
    DIRECTION = Direction.HOST_TO_BOARD
    SEQUENCED = True
    SLOT = "blink"
    SPEC = (U8(1, 60),)
    seconds: int


@register
@dataclass(frozen=True)
class Clear(Message):
    ID = 0x12
    NAME = "CLEAR"
    DIRECTION = Direction.HOST_TO_BOARD
    SEQUENCED = True
    SLOT = "display"


@register
@dataclass(frozen=True)
class ShowClosed(Message):
    """«ЗАКРЫТО», «ПЕРЕРЫВ», «ОБЕД», … : the texts live in the firmware, in its font."""

    ID = 0x13
    NAME = "SHOW_CLOSED"
    DIRECTION = Direction.HOST_TO_BOARD
    SEQUENCED = True
    SLOT = "display"
    SPEC = (U8(0, 4, ClosedReason),)
    reason: ClosedReason


@register
@dataclass(frozen=True)
class Brightness(Message):
    """0 (dimmest, not off) .. 15: the sixteen steps of a MAX7219."""

    ID = 0x14
    NAME = "BRIGHTNESS"
    DIRECTION = Direction.HOST_TO_BOARD
    SEQUENCED = True
    SLOT = "brightness"
    SPEC = (U8(0, 15),)
    level: int


@register
@dataclass(frozen=True)
class KeyPress(Message):
    ID = 0x20
    NAME = "KEY"
    DIRECTION = Direction.BOARD_TO_HOST
    SEQUENCED = True
    SPEC = (U8(1, 6, Key),)
    key: Key


@register
@dataclass(frozen=True)
class StaffCall(Message):
    ID = 0x21
    NAME = "STAFF_CALL"
    DIRECTION = Direction.BOARD_TO_HOST
    SEQUENCED = True


@register
@dataclass(frozen=True)
class Rating(Message):
    ID = 0x22
    NAME = "RATING"
    DIRECTION = Direction.BOARD_TO_HOST
    SEQUENCED = True
    SPEC = (U8(1, 5),)
    score: int


@register
@dataclass(frozen=True)
class Fault(Message):
    """``code``: a FaultCode or a board-specific code; ``text`` for the hall console."""

    ID = 0x30
    NAME = "FAULT"
    DIRECTION = Direction.BOARD_TO_HOST
    SEQUENCED = True
    SPEC = (U8(1, 255), Text(0, 48))
    code: int
    text: str


# The sequenced messages each kind of board handles (host→board) or sends (board→host).
KIND_MESSAGES: dict[BoardKind, frozenset[type[Message]]] = {
    BoardKind.WINDOW_BOARD: frozenset({ShowLabel, Blink, Clear, ShowClosed, Brightness, Fault}),
    BoardKind.KEYPAD: frozenset({KeyPress, Fault}),
    BoardKind.STAFF_CALL: frozenset({StaffCall, Fault}),
    BoardKind.RATING_PAD: frozenset({Rating, Fault}),
}


def encode_payload(message: Message) -> bytes:
    return b"".join(spec.pack(getattr(message, field.name))
                    for field, spec in zip(dataclasses.fields(message), message.SPEC, strict=True))


def decode_payload(msg_id: int, payload: bytes) -> Message:
    """The message that ``payload`` encodes; MessageError if it is not exactly one."""
    cls = MESSAGES.get(msg_id)
    if cls is None:
        raise UnknownMessage(f"unknown message id 0x{msg_id:02X}", msg_id=msg_id)
    values, offset = [], 0
    for field, spec in zip(dataclasses.fields(cls), cls.SPEC, strict=True):
        value, offset = spec.unpack(f"{cls.NAME}.{field.name}", payload, offset)
        values.append(value)
    if offset != len(payload):
        raise MessageError(f"{cls.NAME}: {len(payload) - offset} bytes after the last field",
                           length=len(payload))
    return cls(*values)


def _check_route(cls: type[Message], dst: int, src: int, seq: int) -> None:
    if dst == BROADCAST:
        raise MessageError(f"{cls.NAME} cannot be broadcast: protocol version 1 has no "
                           "broadcast messages", dst=dst)
    if cls.DIRECTION is Direction.HOST_TO_BOARD and src != HOST:
        raise MessageError(f"{cls.NAME} goes from the host to a board", src=src)
    if cls.DIRECTION is Direction.BOARD_TO_HOST and dst != HOST:
        raise MessageError(f"{cls.NAME} goes from a board to the host", dst=dst)
    if not cls.SEQUENCED and seq != 0:
        raise MessageError(f"{cls.NAME} is unsequenced: its seq must be 0, got {seq}", seq=seq)


def pack(message: Message, *, dst: int, src: int, seq: int = 0) -> Frame:
    """The frame carrying ``message``; MessageError if it may not travel that way."""
    if not isinstance(message, Message):
        raise MessageError(f"not a message: {message!r}")
    frame = Frame(dst, src, seq, message.ID, encode_payload(message))
    _check_route(type(message), dst, src, seq)
    return frame


def unpack(frame: Frame) -> Message:
    """The message ``frame`` carries; MessageError (UnknownMessage for an unknown id) if the
    payload, direction or sequencing is wrong. Never a wrong message."""
    message = decode_payload(frame.msg_id, frame.payload)
    _check_route(type(message), frame.dst, frame.src, frame.seq)
    return message


def encode(message: Message, *, dst: int, src: int, seq: int = 0) -> bytes:
    """The bytes of the frame carrying ``message``."""
    return encode_frame(pack(message, dst=dst, src=src, seq=seq))


# ---------------------------------------------------------------------------------------------
# The message table


def table_lines() -> Iterator[str]:
    """One line per message, by id: ``ID DIRECTION SEQUENCING FIELD...``; see PROTOCOL.md.

    Only what shapes the bytes on the wire is in it (names are not), so a renamed field keeps
    the checksum and a changed range or layout changes it.
    """
    for msg_id in sorted(MESSAGES):
        cls = MESSAGES[msg_id]
        parts = [f"{msg_id:02X}", cls.DIRECTION.value, "seq" if cls.SEQUENCED else "unseq"]
        parts += [spec.wire() for spec in cls.SPEC]
        yield " ".join(parts) + "\n"


def table_text() -> str:
    return "".join(table_lines())


TABLE_CHECKSUM = crc16(table_text().encode("ascii"))
