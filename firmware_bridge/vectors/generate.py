"""Writes ``frames.txt``, the test vectors that the Python protocol and the C codec both pass.

    python -m firmware_bridge.vectors.generate      # rewrites frames.txt next to this file

The frames are encoded by ``firmware_bridge.protocol``; the hand-checked ones (HAND_CHECKED)
carry bytes worked out independently from PROTOCOL.md, with a bit-by-bit CRC, and generation
stops if the codec disagrees with them. Streams mix those frames with noise, truncation and
corruption; generation stops unless the Python decoder finds exactly the expected frames.
tests/firmware_bridge/test_protocol.py checks that the committed file is what this writes.

File format (one record per line, ``#`` starts a comment line):

    crc <data hex or -> <crc hex>               CRC-16/CCITT-FALSE of the data (- is none)
    table <checksum hex>                        the message table checksum
    frame <name> <dst> <src> <seq> <MESSAGE> [field=value ...]
    bytes <hex>                                 the frame's exact bytes
    reject <name> <unknown|invalid>             a frame with a good CRC whose message must be
    bytes <hex>                                 refused: unknown id, or anything else wrong
    stream <name>                               bytes fed to a fresh decoder, in order:
    bytes <hex> | idle                          data, or "the line went idle"
    expect [<frame name> ...]                   every frame decoded, in order, after a final idle
    end

dst, src and seq are two hex digits; field values are decimal integers or "quoted text" (UTF-8
here, CP866 on the wire; no quotes or backslashes inside). Fields come in table order.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

from firmware_bridge import protocol as p
from firmware_bridge.errors import BridgeError

HERE = Path(__file__).resolve().parent
VECTORS = HERE / "frames.txt"

# (name, dst, src, seq, message, frame bytes worked out by hand from PROTOCOL.md).
HAND_CHECKED: list[tuple[str, int, int, int, p.Message, str]] = [
    ("example_show_label", 0x03, 0x00, 0x01, p.ShowLabel(3, "А-017"),
     "A5 06 03 00 01 10 03 80 2D 30 31 37 B3 D1"),
    ("example_ack_from_board", 0x00, 0x03, 0x00, p.Ack(1), "A5 01 00 03 00 01 01 F3 7C"),
    ("example_poll", 0x05, 0x00, 0x00, p.Heartbeat(), "A5 00 05 00 00 03 9D 2A"),
    ("example_key", 0x00, 0x05, 0x01, p.KeyPress(p.Key.CALL_NEXT), "A5 01 00 05 01 20 01 D6 02"),
    ("example_ack_from_host", 0x05, 0x00, 0x00, p.Ack(1), "A5 01 05 00 00 01 01 4B F7"),
    ("example_nothing_more", 0x00, 0x05, 0x00, p.Heartbeat(), "A5 00 00 05 00 03 CA 9F"),
]

# The catalogue check value of CRC-16/CCITT-FALSE, and two more worked out bit by bit.
HAND_CHECKED_CRCS = [(b"123456789", 0x29B1), (b"", 0xFFFF), (bytes.fromhex("00"), 0xE1F0)]

GENERATED: list[tuple[str, int, int, int, p.Message]] = [
    ("show_label_cyrillic", 0x07, 0x00, 0x2A, p.ShowLabel(12, "Ж-105")),
    ("show_label_latin", 0x01, 0x00, 0xFF, p.ShowLabel(1, "VIP-3")),
    ("show_label_longest", 0xF7, 0x00, 0x00, p.ShowLabel(255, "ЁЩЯ-999 окно №12")),
    ("show_label_one_char", 0x02, 0x00, 0x80, p.ShowLabel(2, "А")),
    ("blink", 0x03, 0x00, 0x02, p.Blink(10)),
    ("clear", 0x03, 0x00, 0x03, p.Clear()),
    ("show_closed_lunch", 0x03, 0x00, 0x04, p.ShowClosed(p.ClosedReason.LUNCH)),
    ("show_closed", 0x03, 0x00, 0x05, p.ShowClosed(p.ClosedReason.CLOSED)),
    ("brightness_max", 0x03, 0x00, 0x06, p.Brightness(15)),
    ("brightness_min", 0x03, 0x00, 0x07, p.Brightness(0)),
    ("key_recall", 0x00, 0x05, 0x02, p.KeyPress(p.Key.RECALL)),
    ("key_pause", 0x00, 0x05, 0xFE, p.KeyPress(p.Key.PAUSE)),
    ("staff_call", 0x00, 0x20, 0x11, p.StaffCall()),
    ("rating_five", 0x00, 0x21, 0x09, p.Rating(5)),
    ("rating_one", 0x00, 0x21, 0x0A, p.Rating(1)),
    ("fault", 0x00, 0x03, 0x0C, p.Fault(p.FaultCode.DISPLAY, "матрица 2: нет ответа")),
    ("fault_no_text", 0x00, 0x03, 0x0D, p.Fault(200, "")),
    ("nak", 0x00, 0x03, 0x00, p.Nak(0x2A, p.NakReason.NOT_IDENTIFIED)),
    ("identify", 0x03, 0x00, 0x00, p.Identify(1, p.TABLE_CHECKSUM, 0xBEEF, 7, 0x2B)),
    ("identify_reply", 0x00, 0x03, 0x00,
     p.IdentifyReply(1, p.BoardKind.WINDOW_BOARD, 1, 4, 2, p.TABLE_CHECKSUM, 513, 7, 1)),
    ("identify_reply_keypad", 0x00, 0x05, 0x00,
     p.IdentifyReply(1, p.BoardKind.KEYPAD, 2, 0, 0, p.TABLE_CHECKSUM, 0xFFFF, 7, 0xC0)),
    ("payload_with_sync_byte", 0x00, 0xA5, 0xA5, p.Fault(0xA5, "е")),
]

# Frames with a good CRC that carry no valid message: (name, expected error, dst, src, seq, id,
# payload). "unknown" is an id not in the table; "invalid" is anything else wrong.
REJECTS: list[tuple[str, str, int, int, int, int, bytes]] = [
    ("unknown_id", "unknown", 0x03, 0x00, 0x01, 0x7F, b""),
    ("rating_six", "invalid", 0x00, 0x21, 0x01, 0x22, b"\x06"),
    ("rating_zero", "invalid", 0x00, 0x21, 0x01, 0x22, b"\x00"),
    ("key_seven", "invalid", 0x00, 0x05, 0x01, 0x20, b"\x07"),
    ("key_missing", "invalid", 0x00, 0x05, 0x01, 0x20, b""),
    ("key_extra_byte", "invalid", 0x00, 0x05, 0x01, 0x20, b"\x01\x01"),
    ("label_empty", "invalid", 0x03, 0x00, 0x01, 0x10, b"\x03"),
    ("label_too_long", "invalid", 0x03, 0x00, 0x01, 0x10, b"\x03" + b"A" * 17),
    ("label_control_char", "invalid", 0x03, 0x00, 0x01, 0x10, b"\x03A\x0017"),
    ("label_delete_char", "invalid", 0x03, 0x00, 0x01, 0x10, b"\x03A\x7F"),
    ("window_zero", "invalid", 0x03, 0x00, 0x01, 0x10, b"\x00A"),
    ("blink_too_long", "invalid", 0x03, 0x00, 0x01, 0x11, b"\x3D"),
    ("brightness_sixteen", "invalid", 0x03, 0x00, 0x01, 0x14, b"\x10"),
    ("closed_reason_five", "invalid", 0x03, 0x00, 0x01, 0x13, b"\x05"),
    ("key_from_host", "invalid", 0x05, 0x00, 0x01, 0x20, b"\x01"),
    ("label_from_board", "invalid", 0x00, 0x03, 0x01, 0x10, b"\x03A"),
    ("ack_with_seq", "invalid", 0x00, 0x03, 0x01, 0x01, b"\x01"),
    ("show_label_broadcast", "invalid", 0xFF, 0x00, 0x01, 0x10, b"\x03A"),
    ("nak_reason_zero", "invalid", 0x00, 0x03, 0x00, 0x02, b"\x01\x00"),
    ("identify_reply_kind_zero", "invalid", 0x00, 0x03, 0x00, 0x05, bytes(12)),
]


def bitwise_crc(data: bytes) -> int:
    """CRC-16/CCITT-FALSE one bit at a time, straight from its definition (no table, no
    binascii): the independent check on the hand-checked vectors."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def hex_bytes(data: bytes) -> str:
    return data.hex(" ").upper()


def field_values(message: p.Message) -> str:
    parts = []
    for field in dataclasses.fields(message):
        value = getattr(message, field.name)
        if isinstance(value, str):
            if '"' in value or "\\" in value:
                raise BridgeError(f"vector text may not hold quotes or backslashes: {value!r}")
            parts.append(f'{field.name}="{value}"')
        else:
            parts.append(f"{field.name}={int(value)}")
    return " ".join(parts)


def frame_record(name: str, dst: int, src: int, seq: int, message: p.Message) -> list[str]:
    head = f"frame {name} {dst:02X} {src:02X} {seq:02X} {message.NAME}"
    values = field_values(message)
    data = p.encode(message, dst=dst, src=src, seq=seq)
    return [f"{head} {values}".rstrip(), f"bytes {hex_bytes(data)}"]


class Streams:
    """Builds noisy streams out of named frames and checks them against the Python decoder."""

    def __init__(self, frames: dict[str, bytes]) -> None:
        self.frames = frames
        self.lines: list[str] = []

    def add(self, name: str, parts: list[bytes | str], expect: list[str]) -> None:
        """``parts``: bytes to feed, "idle", or the name of a frame (its bytes)."""
        decoder, found = p.FrameDecoder(), []
        self.lines.append(f"stream {name}")
        for part in parts:
            if part == "idle":
                found += decoder.idle()
                self.lines.append("idle")
                continue
            data = self.frames[part] if isinstance(part, str) else part
            found += decoder.feed(data)
            self.lines.append(f"bytes {hex_bytes(data)}")
        found += decoder.idle()
        wanted = [p.FrameDecoder().feed(self.frames[n])[0] for n in expect]
        if found != wanted:
            raise BridgeError(f"stream {name}: decoded {found}, expected {wanted}")
        self.lines += [f"expect {' '.join(expect)}".rstrip(), "end"]


def add_streams(streams: Streams) -> None:
    f = streams.frames
    label, ack, key = f["example_show_label"], f["example_ack_from_board"], f["example_key"]
    streams.add("one_frame", ["example_show_label"], ["example_show_label"])
    streams.add("back_to_back", ["example_show_label", "example_ack_from_board", "example_key"],
                ["example_show_label", "example_ack_from_board", "example_key"])
    streams.add("noise_around", [b"\x00\xFF\x13\x37", "example_key", b"\xFF\xFF\x00"],
                ["example_key"])
    streams.add("sync_in_noise", [b"\xA5\xA5\xA5", "example_key", b"\xA5"], ["example_key"])
    # A false sync whose header looks possible (length 64, host to board 3) swallows the real
    # frame behind it until its CRC fails or the line goes idle; neither may lose the frame.
    streams.add("false_sync_long_length", [b"\xA5\x40\x03\x00", "example_key", "idle"],
                ["example_key"])
    streams.add("false_sync_bad_crc", [b"\xA5\x02\x03\x00\x01\x10", "example_key", bytes(60)],
                ["example_key"])
    streams.add("truncated_then_whole", [label[:9], "example_show_label"],
                ["example_show_label"])
    streams.add("truncated_at_end", ["example_key", label[:9]], ["example_key"])
    streams.add("truncated_then_idle_then_frame", [label[:5], "idle", "example_key"],
                ["example_key"])
    streams.add("bit_flip_in_payload", [label[:8] + bytes([label[8] ^ 0x04]) + label[9:],
                                         "example_key"], ["example_key"])
    streams.add("crc_corrupted", [ack[:-1] + bytes([ack[-1] ^ 0xFF]), "example_key"],
                ["example_key"])
    streams.add("length_corrupted", [bytes([label[0], label[1] + 1]) + label[2:],
                                     "example_show_label"], ["example_show_label"])
    streams.add("duplicate", ["example_key", "example_key"], ["example_key", "example_key"])
    streams.add("sync_inside_payload", ["payload_with_sync_byte", "example_key"],
                ["payload_with_sync_byte", "example_key"])
    streams.add("split_by_byte", [bytes([b]) for b in key], ["example_key"])
    streams.add("idle_inside_frame", [label[:6], "idle", label[6:], "example_key"],
                ["example_key"])
    streams.add("nothing_but_noise", [bytes(range(256))], [])
    streams.add("empty", [], [])
    # Seeded random mixes: many frames, noise between, some truncated or corrupted copies.
    names = sorted(f)
    for number in range(1, 4):
        rng = random.Random(number)
        parts: list[bytes | str] = []
        expect: list[str] = []
        for _ in range(40):
            name = rng.choice(names)
            roll = rng.random()
            if roll < 0.15:
                parts.append(f[name][:rng.randrange(1, len(f[name]))])  # truncated
            elif roll < 0.3:
                data = bytearray(f[name])
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)  # one bit flipped
                parts.append(bytes(data))
            else:
                parts.append(name)
                expect.append(name)
            if rng.random() < 0.4:
                parts.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12))))
        streams.add(f"random_mix_{number}", parts, expect)


def render() -> str:
    lines = [
        "# Talon RS-485 protocol test vectors (see PROTOCOL.md). Generated by generate.py from",
        "# firmware_bridge/protocol.py: do not edit by hand. The format is described there.",
        "",
        "# CRC-16/CCITT-FALSE: hand-checked values first.",
    ]
    for data, crc in HAND_CHECKED_CRCS:
        if p.crc16(data) != crc or bitwise_crc(data) != crc:
            raise BridgeError(f"CRC of {data!r}: codec disagrees with the hand-checked value")
        lines.append(f"crc {data.hex().upper() or '-'} {crc:04X}")
    rng = random.Random(866)
    for length in (1, 2, 7, 64, 72):
        data = bytes(rng.randrange(256) for _ in range(length))
        lines.append(f"crc {data.hex().upper()} {p.crc16(data):04X}")
    lines += ["", "# The message table (PROTOCOL.md, 'Message table checksum').",
              f"table {p.TABLE_CHECKSUM:04X}", "", "# Hand-checked frames: the example exchange."]
    frames: dict[str, bytes] = {}
    for name, dst, src, seq, message, expected in HAND_CHECKED:
        data = p.encode(message, dst=dst, src=src, seq=seq)
        body = bytes.fromhex(expected)
        if data != body or bitwise_crc(body[1:-2]) != int.from_bytes(body[-2:], "big"):
            raise BridgeError(f"{name}: codec gives {hex_bytes(data)}, by hand {expected}")
        frames[name] = data
        lines += frame_record(name, dst, src, seq, message)
    lines += ["", "# Every message, with boundary values."]
    for name, dst, src, seq, message in GENERATED:
        frames[name] = p.encode(message, dst=dst, src=src, seq=seq)
        lines += frame_record(name, dst, src, seq, message)
    lines += ["", "# Good CRC, bad message: both codecs must refuse these."]
    for name, error, dst, src, seq, msg_id, payload in REJECTS:
        data = p.encode_frame(p.Frame(dst, src, seq, msg_id, payload))
        lines += [f"reject {name} {error}", f"bytes {hex_bytes(data)}"]
    lines += ["", "# Streams: fed in order to a fresh decoder, then one idle."]
    streams = Streams(frames)
    add_streams(streams)
    lines += streams.lines
    return "\n".join(lines) + "\n"


def main() -> None:
    VECTORS.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
