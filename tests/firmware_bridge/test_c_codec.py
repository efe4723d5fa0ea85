"""The C codec and board session: compiled with gcc, run against the shared vectors, and put
on the lossy bus behind Python's HostLink."""

from __future__ import annotations

import ctypes
import re
import subprocess
from pathlib import Path

import pytest

from firmware_bridge import link as lk
from firmware_bridge import protocol as p
from tests.firmware_bridge import office_bus
from tests.firmware_bridge.c_board import CBoardLink, compile_c, load_library
from tests.firmware_bridge.lossy_bus import Faults
from tests.firmware_bridge.vector_file import VECTORS, load


@pytest.fixture(scope="module")
def codec_tests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The C unit tests, compiled with -std=c99 -Wall -Wextra -Werror -pedantic."""
    binary = tmp_path_factory.mktemp("firmware") / "test_codec"
    compile_c(binary, "tests/test_codec.c", "protocol/codec.c", "protocol/session.c")
    return binary


@pytest.fixture(scope="module")
def c_library(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    return load_library(tmp_path_factory.mktemp("board"))


def test_c_codec_passes_the_shared_vectors(codec_tests: Path) -> None:
    run = subprocess.run([str(codec_tests), str(VECTORS)], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    vectors = load()
    records = (len(vectors.crcs) + 1 + len(vectors.frames) + len(vectors.rejects)
               + len(vectors.streams))
    match = re.fullmatch(r"(\d+) vectors passed, (\d+) session checks passed\n", run.stdout)
    assert match, run.stdout
    assert int(match[1]) == records
    assert int(match[2]) >= 15


def test_c_codec_fails_on_a_wrong_vector(codec_tests: Path, tmp_path: Path) -> None:
    """The C test really compares: one changed byte makes it fail."""
    text = VECTORS.read_text(encoding="utf-8")
    wrong = tmp_path / "frames.txt"
    wrong.write_text(text.replace("bytes A5 01 00 05 01 20 01 D6 02",
                                  "bytes A5 01 00 05 01 20 01 D6 03", 1), encoding="utf-8")
    run = subprocess.run([str(codec_tests), str(wrong)], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 1
    assert "example_key: encoded bytes differ" in run.stderr


@pytest.mark.parametrize("seed", range(3))
def test_python_host_and_c_boards_deliver_exactly_once_under_loss(c_library: ctypes.CDLL,
                                                                  seed: int) -> None:
    def make_board(address: int, kind: p.BoardKind, boot_id: int,
                   config: lk.LinkConfig) -> CBoardLink:
        index = sorted(office_bus.KINDS).index(address)
        return CBoardLink(c_library, index, address, kind, boot_id, config)

    faults = Faults(loss=0.2, duplicate=0.05, bit_error=0.02, noise=0.02, late=0.02)
    sim, pressed, sent = office_bus.run_office(seed, faults, presses=12, label_count=20,
                                              make_board=make_board)
    office_bus.assert_exactly_once_in_order(sim, pressed)
    office_bus.assert_labels_never_go_back(sim, sent)
    ups = [e for e in sim.host_events if isinstance(e, lk.PeerUp)]
    assert {e.address for e in ups} == set(office_bus.KINDS)


def test_c_board_refuses_a_host_with_another_table(c_library: ctypes.CDLL) -> None:
    board = CBoardLink(c_library, 7, 0x03, p.BoardKind.WINDOW_BOARD, 1, office_bus.FAST)
    identify = p.Identify(1, p.TABLE_CHECKSUM ^ 0x0F0F, 1, 1, 1)
    step = board.feed(p.encode(identify, dst=0x03, src=p.HOST), 0.0)
    assert any(isinstance(e, lk.Refused) for e in step.events)
    [reply] = p.FrameDecoder().feed(step.data)
    assert p.unpack(reply).table_checksum == p.TABLE_CHECKSUM
    assert not board.identified
