"""Interpreting the replies to DLE EOT 1, 2 and 4."""

from __future__ import annotations

import pytest

from kiosk.printer_status import (
    PrinterState,
    PrinterStatus,
    interpret_status,
    is_status_byte,
    status_request,
)

IDLE = 0x12  # the fixed bits only: nothing to report


@pytest.mark.parametrize(("printer", "cause", "paper", "state"), [
    (IDLE, IDLE, IDLE, PrinterState.OK),
    (IDLE, IDLE, 0x1E, PrinterState.PAPER_NEAR_END),
    (IDLE, IDLE, 0x16, PrinterState.PAPER_NEAR_END),  # one bit of the pair is enough
    (0x1A, IDLE, 0x72, PrinterState.PAPER_OUT),
    (0x1A, 0x32, 0x7E, PrinterState.PAPER_OUT),
    (IDLE, IDLE, 0x52, PrinterState.PAPER_OUT),
    (0x1A, 0x16, IDLE, PrinterState.COVER_OPEN),
    (0x1A, 0x36, 0x72, PrinterState.COVER_OPEN),  # cover open outranks paper out
    (0x1A, IDLE, IDLE, PrinterState.OFFLINE),
    (IDLE, 0x52, IDLE, PrinterState.OFFLINE),  # an error occurred
    (0x1A, IDLE, 0x1E, PrinterState.OFFLINE),  # offline outranks near end
])
def test_replies_map_to_one_state(printer: int, cause: int, paper: int,
                                  state: PrinterState) -> None:
    assert interpret_status(printer, cause, paper).state is state


@pytest.mark.parametrize("noise", [0x00, 0xFF, 0x13, 0x92, 0x02, 0x10])
def test_a_byte_that_is_not_a_status_reply_means_unknown(noise: int) -> None:
    assert not is_status_byte(noise)
    status = interpret_status(IDLE, noise, IDLE)
    assert status.state is PrinterState.UNKNOWN
    assert f"0x{noise:02x}" in status.detail


def test_requests_and_blocking_states() -> None:
    assert status_request(4) == b"\x10\x04\x04"
    blocking = {s for s in PrinterState if PrinterStatus(s).blocks_printing}
    assert blocking == {PrinterState.PAPER_OUT, PrinterState.COVER_OPEN, PrinterState.OFFLINE}
