"""The wire format: CRC, frames, messages, the stream decoder, the shared vectors."""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_bridge import protocol as p
from firmware_bridge.errors import FrameError, MessageError, UnknownMessage
from firmware_bridge.vectors import generate
from tests.firmware_bridge.vector_file import VECTORS, FrameVector, load

PROTOCOL_MD = Path(p.__file__).resolve().parent / "PROTOCOL.md"
# Corruption properties hold unless a garbled candidate passes the CRC by chance (2^-16 per
# candidate, PROTOCOL.md "What the CRC guarantees"): a fixed seed keeps CI reproducible.
STREAMS = settings(derandomize=True, max_examples=300, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])

# Printable CP866 text: every character whose byte is 0x20..0x7E or 0x80..0xFF.
CP866 = "".join(bytes([b]).decode("cp866") for b in [*range(0x20, 0x7F), *range(0x80, 0x100)])


def text_for(spec: p.Text) -> st.SearchStrategy[str]:
    return st.text(alphabet=CP866, min_size=spec.lo, max_size=spec.hi)


def value_for(spec: p.Field) -> st.SearchStrategy[object]:
    if isinstance(spec, p.Text):
        return text_for(spec)
    if spec.kind is not None:
        return st.sampled_from(list(spec.kind))
    return st.integers(spec.lo, spec.hi)


def message_of(cls: type[p.Message]) -> st.SearchStrategy[p.Message]:
    return st.tuples(*(value_for(spec) for spec in cls.SPEC)).map(lambda values: cls(*values))


messages = st.sampled_from(sorted(p.MESSAGES.values(), key=lambda c: c.ID)).flatmap(message_of)
boards = st.integers(p.FIRST_BOARD, p.LAST_BOARD)


@st.composite
def framed(draw: st.DrawFn) -> p.Frame:
    """A frame carrying a valid message on a route it may travel."""
    message = draw(messages)
    board = draw(boards)
    if message.DIRECTION is p.Direction.BOARD_TO_HOST or (
            message.DIRECTION is p.Direction.ANY and draw(st.booleans())):
        dst, src = p.HOST, board
    else:
        dst, src = board, p.HOST
    seq = draw(st.integers(0, 255)) if message.SEQUENCED else 0
    return p.pack(message, dst=dst, src=src, seq=seq)


def bitwise_crc(data: bytes) -> int:
    return generate.bitwise_crc(data)


def build(vector: FrameVector) -> p.Message:
    cls = next(c for c in p.MESSAGES.values() if c.NAME == vector.message)
    names = [f.name for f in dataclasses.fields(cls)]
    assert list(vector.fields) == names, vector.name
    return cls(*vector.fields.values())


# --- CRC -------------------------------------------------------------------------------------


def test_crc_check_value() -> None:
    assert p.crc16(b"123456789") == 0x29B1


@given(st.binary(max_size=100))
def test_crc_matches_bitwise_definition(data: bytes) -> None:
    assert p.crc16(data) == bitwise_crc(data)


@given(st.binary(max_size=50), st.binary(max_size=50))
def test_crc_continues(first: bytes, second: bytes) -> None:
    assert p.crc16(second, p.crc16(first)) == p.crc16(first + second)


# --- frames and messages ---------------------------------------------------------------------


def test_example_frame_byte_by_byte() -> None:
    data = p.encode(p.ShowLabel(3, "А-017"), dst=3, src=p.HOST, seq=1)
    assert data == bytes.fromhex("A5 06 03 00 01 10 03 80 2D 30 31 37 B3 D1")


@given(framed())
def test_frame_round_trip(frame: p.Frame) -> None:
    data = p.encode_frame(frame)
    assert len(data) == p.HEADER_SIZE + len(frame.payload) + p.CRC_SIZE <= p.MAX_FRAME
    assert p.FrameDecoder().feed(data) == [frame]
    message = p.unpack(frame)
    assert p.pack(message, dst=frame.dst, src=frame.src, seq=frame.seq) == frame


@given(messages)
def test_payload_round_trip(message: p.Message) -> None:
    payload = p.encode_payload(message)
    assert len(payload) <= p.MAX_PAYLOAD
    assert p.decode_payload(message.ID, payload) == message


@given(st.sampled_from(sorted(p.MESSAGES)), st.binary(max_size=p.MAX_PAYLOAD))
def test_any_payload_decodes_to_its_one_message_or_fails_clearly(msg_id: int,
                                                                  payload: bytes) -> None:
    try:
        message = p.decode_payload(msg_id, payload)
    except MessageError:
        return
    assert message.ID == msg_id
    assert p.encode_payload(message) == payload  # one message, one encoding


@pytest.mark.parametrize("build_bad", [
    lambda: p.ShowLabel(0, "А-017"),
    lambda: p.ShowLabel(256, "А-017"),
    lambda: p.ShowLabel(3, ""),
    lambda: p.ShowLabel(3, "А" * 17),
    lambda: p.ShowLabel(3, "«А-017»"),
    lambda: p.ShowLabel(3, "А\n017"),
    lambda: p.ShowLabel(3, 17),
    lambda: p.ShowLabel(True, "А"),
    lambda: p.KeyPress(7),
    lambda: p.KeyPress("CALL_NEXT"),
    lambda: p.KeyPress(p.BoardKind.KEYPAD),
    lambda: p.Rating(0),
    lambda: p.Rating(6),
    lambda: p.Blink(0),
    lambda: p.Brightness(16),
    lambda: p.ShowClosed(5),
    lambda: p.Fault(0, "x"),
    lambda: p.Fault(1, "x" * 49),
    lambda: p.Nak(1, 0),
    lambda: p.Identify(1, 0x10000, 0, 0, 0),
])
def test_invalid_messages_cannot_be_built(build_bad) -> None:
    with pytest.raises(MessageError):
        build_bad()


def test_enum_fields_are_typed() -> None:
    assert p.KeyPress(1).key is p.Key.CALL_NEXT
    assert p.decode_payload(p.ShowClosed.ID, b"\x02") == p.ShowClosed(p.ClosedReason.LUNCH)


@pytest.mark.parametrize("dst, src, seq, msg_id, payload", [
    (0x00, 0x00, 0, 1, b""),        # host to host
    (0x03, 0x05, 0, 1, b""),        # board to board
    (0x00, 0xF8, 0, 1, b""),        # reserved address
    (0x00, 0xFF, 0, 1, b""),        # broadcast as a source
    (0x03, 0x00, 256, 1, b""),
    (0x03, 0x00, 0, -1, b""),
    (0x03, 0x00, 0, 1, bytes(65)),
    (0x03, 0x00, 0, 1, "text"),
])
def test_impossible_frames_cannot_be_built(dst, src, seq, msg_id, payload) -> None:
    with pytest.raises(FrameError):
        p.Frame(dst, src, seq, msg_id, payload)


@pytest.mark.parametrize("message, dst, src, seq", [
    (p.ShowLabel(3, "А"), p.HOST, 3, 1),          # board → host, but it is host → board
    (p.KeyPress(p.Key.START), 5, p.HOST, 1),      # host → board, but it is board → host
    (p.Ack(1), p.HOST, 3, 1),                     # unsequenced with a seq
    (p.Clear(), p.BROADCAST, p.HOST, 1),          # no broadcast messages in version 1
])
def test_messages_travel_only_their_way(message, dst, src, seq) -> None:
    with pytest.raises(MessageError):
        p.pack(message, dst=dst, src=src, seq=seq)


def test_unknown_id_is_its_own_error() -> None:
    with pytest.raises(UnknownMessage):
        p.unpack(p.Frame(3, p.HOST, 1, 0x7F, b""))


# --- the message table -----------------------------------------------------------------------


def test_table_checksum_is_the_crc_of_the_table_text() -> None:
    text = p.table_text()
    assert text.endswith("\n") and text.isascii()
    assert p.TABLE_CHECKSUM == p.crc16(text.encode("ascii"))
    assert len(text.splitlines()) == len(p.MESSAGES)


def test_protocol_md_spells_out_the_table_and_its_checksum() -> None:
    spec = PROTOCOL_MD.read_text(encoding="utf-8")
    assert p.table_text() in spec
    assert f"0x{p.TABLE_CHECKSUM:04X}" in spec


def test_protocol_md_lists_every_message() -> None:
    spec = PROTOCOL_MD.read_text(encoding="utf-8")
    for msg_id, cls in p.MESSAGES.items():
        assert re.search(rf"0x{msg_id:02X}\s*\|\s*`?{cls.NAME}`?", spec), cls.NAME


def test_every_kind_handles_only_sequenced_messages_of_its_own() -> None:
    for kind, handled in p.KIND_MESSAGES.items():
        assert all(cls.SEQUENCED for cls in handled), kind


# --- the stream decoder ----------------------------------------------------------------------


def test_decoder_waits_for_the_rest_of_a_frame() -> None:
    data = p.encode(p.KeyPress(p.Key.FINISH), dst=p.HOST, src=5, seq=9)
    decoder = p.FrameDecoder()
    assert decoder.feed(data[:5]) == []
    assert decoder.pending == 5
    assert decoder.feed(data[5:]) == [p.FrameDecoder().feed(data)[0]]
    assert decoder.pending == 0


def test_false_sync_holds_a_frame_back_until_idle() -> None:
    frame = p.encode(p.KeyPress(p.Key.FINISH), dst=p.HOST, src=5, seq=9)
    decoder = p.FrameDecoder()
    # A5 40 03 00: a possible header (64 bytes, host to board 3) that will never complete.
    assert decoder.feed(b"\xA5\x40\x03\x00" + frame) == []
    [found] = decoder.idle()
    assert p.unpack(found) == p.KeyPress(p.Key.FINISH)
    assert decoder.pending == 0 and decoder.stats.abandoned == 1


def test_decoder_counts_what_it_throws_away() -> None:
    frame = p.encode(p.Heartbeat(), dst=3, src=p.HOST)
    bad = bytearray(frame)
    bad[-1] ^= 1
    decoder = p.FrameDecoder()
    assert len(decoder.feed(b"\x00\x01" + bytes(bad) + b"\xA5\x50\x00\x00" + frame)) == 1
    assert decoder.stats.skipped_bytes >= 2
    assert decoder.stats.bad_crcs == 1 and decoder.stats.bad_headers == 1


@st.composite
def noisy_streams(draw: st.DrawFn) -> tuple[list[p.Frame], bytes, list[p.Frame]]:
    """Frames, then a stream made of them: noise between, some frames truncated, corrupted,
    duplicated or swapped with their neighbour. Returns (sent, stream, intact in order)."""
    frames = draw(st.lists(framed(), min_size=1, max_size=8))
    order = list(frames)
    for i in range(len(order) - 1):  # reordering
        if draw(st.booleans()) and draw(st.booleans()):
            order[i], order[i + 1] = order[i + 1], order[i]
    stream, intact = b"", []
    for frame in order:
        stream += draw(st.binary(max_size=12))  # noise (may hold sync bytes)
        data = p.encode_frame(frame)
        fate = draw(st.sampled_from(["intact", "intact", "twice", "truncated", "flipped",
                                     "byte", "burst"]))
        if fate == "truncated":
            stream += data[:draw(st.integers(1, len(data) - 1))]
            continue
        if fate in ("flipped", "byte", "burst"):
            data = bytearray(data)
            at = draw(st.integers(0, len(data) - 1))
            # Up to three bit errors, or a burst of up to 16 bits, are always detected when
            # they spare the length byte; a corrupted length is as good as a truncation.
            if fate == "flipped":
                for _ in range(draw(st.integers(1, 3))):
                    bit = draw(st.integers(0, len(data) * 8 - 1))
                    data[bit // 8] ^= 1 << bit % 8
            elif fate == "byte":
                data[at] = draw(st.integers(0, 255).filter(lambda b, old=data[at]: b != old))
            else:
                span = data[at:at + 2]
                mask = draw(st.integers(1, 0xFFFF if len(span) == 2 else 0xFF))
                for k in range(len(span)):
                    data[at + k] ^= (mask >> (8 * k)) & 0xFF
            if bytes(data) != p.encode_frame(frame):  # two flips of one bit cancel out
                stream += bytes(data)
                continue
            data = p.encode_frame(frame)
        stream += data
        intact.append(frame)
        if fate == "twice":
            stream += data
            intact.append(frame)
    stream += draw(st.binary(max_size=12))
    return frames, stream, intact


def is_subsequence(wanted: list[p.Frame], found: list[p.Frame]) -> bool:
    rest = iter(found)
    return all(any(frame == f for f in rest) for frame in wanted)


def decode_in_chunks(stream: bytes, cuts: list[int]) -> list[p.Frame]:
    decoder, found, start = p.FrameDecoder(), [], 0
    for cut in sorted(set(c % (len(stream) + 1) for c in cuts)) + [len(stream)]:
        found += decoder.feed(stream[start:cut])
        start = cut
    return found + decoder.idle()


@STREAMS
@given(noisy_streams(), st.lists(st.integers(0, 10_000), max_size=6))
def test_noise_never_yields_a_wrong_frame_and_every_intact_frame_comes_through(
        case: tuple[list[p.Frame], bytes, list[p.Frame]], cuts: list[int]) -> None:
    sent, stream, intact = case
    found = decode_in_chunks(stream, cuts)
    assert all(frame in sent for frame in found)
    # Noise may happen to complete a truncated frame: then it is rightly decoded as well.
    assert is_subsequence(intact, found)


@STREAMS
@given(st.lists(framed(), min_size=1, max_size=5), st.binary(max_size=200),
       st.lists(st.integers(0, 10_000), max_size=6))
def test_garbage_yields_nothing_wrong_and_the_decoder_resyncs(
        frames: list[p.Frame], garbage: bytes, cuts: list[int]) -> None:
    stream = garbage + b"".join(p.encode_frame(f) for f in frames)
    found = decode_in_chunks(stream, cuts)
    assert found[-len(frames):] == frames
    assert all(frame in frames for frame in found)


@STREAMS
@given(st.lists(framed(), min_size=1, max_size=5), st.data())
def test_idle_at_any_point_loses_at_most_the_frames_it_cuts(frames: list[p.Frame],
                                                            data: st.DataObject) -> None:
    encoded = [p.encode_frame(f) for f in frames]
    stream = b"".join(encoded)
    cut = data.draw(st.integers(0, len(stream)))
    decoder = p.FrameDecoder()
    found = decoder.feed(stream[:cut]) + decoder.idle() + decoder.feed(stream[cut:])
    found += decoder.idle()
    boundaries = [sum(len(e) for e in encoded[:i]) for i in range(len(encoded) + 1)]
    cut_frame = [i for i in range(len(frames)) if boundaries[i] < cut < boundaries[i + 1]]
    assert found == [f for i, f in enumerate(frames) if i not in cut_frame]


def test_messages_from_a_random_bus_capture_are_all_real() -> None:
    """Ten thousand random bytes: nothing comes out, or only frames whose message is valid."""
    rng = random.Random(485)
    decoder = p.FrameDecoder()
    found = decoder.feed(bytes(rng.randrange(256) for _ in range(10_000))) + decoder.idle()
    assert found == []
    assert decoder.stats.skipped_bytes + decoder.stats.bad_headers > 9000


# --- the shared vectors ----------------------------------------------------------------------


def test_vector_file_is_what_the_generator_writes() -> None:
    assert VECTORS.read_text(encoding="utf-8") == generate.render(), (
        "run: python -m firmware_bridge.vectors.generate")


def test_vectors_crc_and_table() -> None:
    vectors = load()
    assert (b"123456789", 0x29B1) in vectors.crcs
    for data, crc in vectors.crcs:
        assert p.crc16(data) == crc
    assert vectors.table == p.TABLE_CHECKSUM


VECTOR_SET = load()


@pytest.mark.parametrize("vector", VECTOR_SET.frames.values(), ids=lambda v: v.name)
def test_vector_frames_byte_for_byte(vector: FrameVector) -> None:
    message = build(vector)
    assert p.encode(message, dst=vector.dst, src=vector.src, seq=vector.seq) == vector.data
    [frame] = p.FrameDecoder().feed(vector.data)
    assert (frame.dst, frame.src, frame.seq) == (vector.dst, vector.src, vector.seq)
    assert p.unpack(frame) == message


@pytest.mark.parametrize("vector", VECTOR_SET.rejects, ids=lambda v: v.name)
def test_vector_rejects(vector) -> None:
    [frame] = p.FrameDecoder().feed(vector.data)
    expected = UnknownMessage if vector.error == "unknown" else MessageError
    with pytest.raises(expected) as raised:
        p.unpack(frame)
    assert (type(raised.value) is UnknownMessage) == (vector.error == "unknown")


@pytest.mark.parametrize("vector", VECTOR_SET.streams, ids=lambda v: v.name)
@pytest.mark.parametrize("chunking", ["as_written", "byte_by_byte"])
def test_vector_streams(vector, chunking: str) -> None:
    decoder, found = p.FrameDecoder(), []
    for part in vector.parts:
        if part is None:
            found += decoder.idle()
        elif chunking == "as_written":
            found += decoder.feed(part)
        else:
            for byte in part:
                found += decoder.feed(bytes([byte]))
    found += decoder.idle()
    expected = [p.FrameDecoder().feed(VECTOR_SET.frames[name].data)[0] for name in vector.expect]
    assert found == expected


def test_vectors_cover_every_message_and_the_hand_checked_example() -> None:
    names = {v.message for v in VECTOR_SET.frames.values()}
    assert names == {cls.NAME for cls in p.MESSAGES.values()}
    for name, *_rest, expected in generate.HAND_CHECKED:
        assert VECTOR_SET.frames[name].data == bytes.fromhex(expected)
