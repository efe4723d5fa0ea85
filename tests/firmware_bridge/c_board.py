"""The C board end (firmware/protocol, through firmware/tests/board_shim.c) behind the same
interface as link.BoardLink, so the lossy bus can put Python's host in front of C boards."""

from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path

from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from firmware_bridge.errors import LinkError, QueueFull

FIRMWARE = Path(p.__file__).resolve().parent / "firmware"
CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
SESSION_FULL, SESSION_INVALID = 1, 2
NOTE_UP, NOTE_REFUSED, NOTE_UNRESPONSIVE = 0x01, 0x02, 0x10


def compile_c(output: Path, *sources: str, shared: bool = False) -> None:
    """Compiles firmware sources (paths relative to firmware/) with the project's flags."""
    command = ["gcc", *CFLAGS, f"-I{FIRMWARE / 'protocol'}"]
    command += ["-shared", "-fPIC"] if shared else []
    command += [str(FIRMWARE / source) for source in sources] + ["-o", str(output)]
    subprocess.run(command, check=True, capture_output=True, text=True)


def load_library(directory: Path) -> ctypes.CDLL:
    library_path = directory / "libboard.so"
    compile_c(library_path, "tests/board_shim.c", "protocol/codec.c", "protocol/session.c",
              shared=True)
    library = ctypes.CDLL(str(library_path))
    library.shim_feed.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                                  ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
                                  ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
    library.shim_queue.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    return library


class CBoardLink:
    """One C board. ``index`` picks its slot in the shim's static storage (0..7)."""

    def __init__(self, library: ctypes.CDLL, index: int, address: int, kind: p.BoardKind,
                 boot_id: int, config: lk.LinkConfig) -> None:
        self.library, self.index, self.address, self.kind = library, index, address, kind
        self.config = config
        self._last_byte_at = 0.0
        if library.shim_init(index, address, int(kind), boot_id) != 0:
            raise LinkError(f"no C board slot {index}")

    @property
    def queued(self) -> int:
        return self.library.shim_queued(self.index)

    @property
    def identified(self) -> bool:
        return bool(self.library.shim_identified(self.index))

    def send(self, message: p.Message) -> None:
        data = p.encode(message, dst=p.HOST, src=self.address, seq=1)
        status = self.library.shim_queue(self.index, data, len(data))
        if status == SESSION_FULL:
            raise QueueFull("C board queue full")
        if status != 0:
            raise LinkError(f"C board refused to queue {message!r}")

    def feed(self, data: bytes, now: float) -> lk.Step:
        step = self._call(data, self._idle(now))
        if data:
            self._last_byte_at = now
        return step

    def poll(self, now: float) -> lk.Step:
        return self._call(b"", True) if self._idle(now) else lk.Step()

    def _idle(self, now: float) -> bool:
        return bool(self.library.shim_pending(self.index)) and (
            now - self._last_byte_at >= self.config.idle_gap)

    def _call(self, data: bytes, idle: bool) -> lk.Step:
        room = (len(data) // p.HEADER_SIZE + 2) * p.MAX_FRAME
        out, deliver = ctypes.create_string_buffer(room), ctypes.create_string_buffer(room)
        out_length, deliver_length = ctypes.c_int(), ctypes.c_int()
        notes = self.library.shim_feed(self.index, data, len(data), int(idle), out,
                                       ctypes.byref(out_length), deliver,
                                       ctypes.byref(deliver_length))
        replies = p.FrameDecoder().feed(out.raw[:out_length.value])
        events: list[lk.Event] = []
        if notes & NOTE_UP:
            events.append(lk.PeerUp(p.HOST, None, False))
        if notes & NOTE_REFUSED:
            events.append(lk.Refused(p.HOST, ("refused by the C board",)))
        if notes & NOTE_UNRESPONSIVE:
            events.append(lk.PeerDown(p.HOST, "unacknowledged"))
        for frame in p.FrameDecoder().feed(deliver.raw[:deliver_length.value]):
            events.append(lk.Delivered(p.HOST, p.unpack(frame), frame.seq))
        return lk.Step(tuple(p.encode_frame(f) for f in replies), tuple(events))
