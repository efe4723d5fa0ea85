"""Reads firmware_bridge/vectors/frames.txt (format: the docstring of vectors/generate.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

VECTORS = Path(__file__).resolve().parents[2] / "firmware_bridge" / "vectors" / "frames.txt"


@dataclass
class FrameVector:
    name: str
    dst: int
    src: int
    seq: int
    message: str
    fields: dict[str, int | str]
    data: bytes = b""


@dataclass
class RejectVector:
    name: str
    error: str
    data: bytes = b""


@dataclass
class StreamVector:
    name: str
    parts: list[bytes | None] = field(default_factory=list)  # None: the line went idle
    expect: list[str] = field(default_factory=list)


@dataclass
class Vectors:
    crcs: list[tuple[bytes, int]] = field(default_factory=list)
    table: int | None = None
    frames: dict[str, FrameVector] = field(default_factory=dict)
    rejects: list[RejectVector] = field(default_factory=list)
    streams: list[StreamVector] = field(default_factory=list)


FIELD = re.compile(r'(\w+)=(?:"([^"]*)"|(-?\d+))(?:\s|$)')


def parse_fields(text: str) -> dict[str, int | str]:
    """``window=3 label="А-017"``: quoted values are text, bare ones decimal integers."""
    fields: dict[str, int | str] = {}
    position = 0
    while position < len(text):
        match = FIELD.match(text, position)
        if match is None:
            raise ValueError(f"cannot read fields {text!r} at {position}")
        name, quoted, number = match.groups()
        fields[name] = quoted if quoted is not None else int(number)
        position = match.end()
    return fields


def load(path: Path = VECTORS) -> Vectors:
    vectors = Vectors()
    last: FrameVector | RejectVector | None = None
    stream: StreamVector | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "crc":
            data, crc = rest.split()
            vectors.crcs.append((b"" if data == "-" else bytes.fromhex(data), int(crc, 16)))
        elif word == "table":
            vectors.table = int(rest, 16)
        elif word == "frame":
            name, dst, src, seq, message, *values = rest.split(" ", 5)
            last = FrameVector(name, int(dst, 16), int(src, 16), int(seq, 16), message,
                               parse_fields(values[0] if values else ""))
            vectors.frames[name] = last
        elif word == "reject":
            name, error = rest.split()
            last = RejectVector(name, error)
            vectors.rejects.append(last)
        elif word == "stream":
            stream = StreamVector(rest)
            vectors.streams.append(stream)
        elif word == "bytes":
            if stream is not None:
                stream.parts.append(bytes.fromhex(rest))
            elif last is not None:
                last.data = bytes.fromhex(rest)
        elif word == "idle" and stream is not None:
            stream.parts.append(None)
        elif word == "expect" and stream is not None:
            stream.expect = rest.split()
        elif word == "end":
            stream = None
        else:
            raise ValueError(f"{path.name}: cannot read {line!r}")
    return vectors
