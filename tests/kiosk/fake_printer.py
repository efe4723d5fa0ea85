"""A printer connection whose status the test sets (paper out, cover open...), behind the
real ``kiosk.printer.TicketPrinter``: the agent reads status and prints as on a USB
printer, and the bytes it printed are kept."""

from __future__ import annotations

import threading

from kiosk.printer import TicketPrinter
from kiosk.printer_config import read_printer_section

OK = 0x12  # a DLE EOT reply with nothing to report
PAPER_OUT = 0x72  # DLE EOT 4: paper end bits set
COVER_OPEN = 0x16  # DLE EOT 2: cover open bit set


class StatusDevice:
    """Answers DLE EOT 1, 2 and 4 with the bytes in ``replies``; records what is sent."""

    def __init__(self) -> None:
        self.replies = {1: OK, 2: OK, 4: OK}
        self.output = bytearray()
        self._lock = threading.Lock()

    def paper_out(self) -> None:
        self.replies = {1: OK, 2: OK, 4: PAPER_OUT}

    def paper_back(self) -> None:
        self.replies = {1: OK, 2: OK, 4: OK}

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def query_status(self, mode: bytes) -> bytes:
        return bytes((self.replies[mode[2]],))

    def _raw(self, msg: bytes) -> None:
        with self._lock:
            self.output += msg


def status_printer() -> tuple[TicketPrinter, StatusDevice]:
    """A TicketPrinter that reads status (configured as a network printer) on a StatusDevice."""
    device = StatusDevice()
    config = read_printer_section({"kind": "network", "host": "printer.test"})
    return TicketPrinter(device, config), device
