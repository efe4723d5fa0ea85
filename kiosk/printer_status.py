"""What an ESC/POS printer says about itself, reduced to one state the kiosk can act on.

Pure: it interprets the one-byte replies to the real-time status requests DLE EOT n
(``0x10 0x04 n``), it does not talk to the printer (``kiosk.printer`` does). The bits, as in
the Epson ESC/POS reference (Chinese clones follow it):

* n=1, printer status: bit 3 set = offline.
* n=2, offline cause: bit 2 = cover open, bit 5 = printing stopped at paper end,
  bit 6 = an error occurred.
* n=4, roll paper sensor: bits 2-3 = paper near end, bits 5-6 = paper out. Printers differ
  in whether they set one or both bits of a pair, so either bit counts.

Every reply has bit 0 = 0, bit 1 = 1, bit 4 = 1 and bit 7 = 0; a byte that does not is
not a status reply (noise, or a printer that does not implement the request) and makes the
state unknown rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The real-time status requests, n = 1, 2, 4.
DLE_EOT = b"\x10\x04"
PRINTER_STATUS = 1
OFFLINE_CAUSE = 2
PAPER_SENSOR = 4

_FIXED_MASK = 0b1001_0011
_FIXED_BITS = 0b0001_0010


class PrinterState(StrEnum):
    OK = "ok"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    # The printer cannot tell (a file or dummy printer, status checks off, no reply).
    UNKNOWN = "unknown"


# States in which a ticket must not be sent: it would not come out (or not completely).
BLOCKING = frozenset({PrinterState.PAPER_OUT, PrinterState.COVER_OPEN, PrinterState.OFFLINE})


@dataclass(frozen=True)
class PrinterStatus:
    state: PrinterState
    detail: str = ""

    @property
    def blocks_printing(self) -> bool:
        return self.state in BLOCKING


def status_request(n: int) -> bytes:
    """The bytes of DLE EOT ``n``."""
    return DLE_EOT + bytes((n,))


def is_status_byte(value: int) -> bool:
    """Whether ``value`` has the fixed bits every DLE EOT reply has."""
    return 0 <= value <= 0xFF and value & _FIXED_MASK == _FIXED_BITS


def interpret_status(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """One state from the replies to DLE EOT 1, 2 and 4, the most serious first: cover open,
    paper out, offline (for any other reason), paper near end, ok."""
    for name, value in (("printer", printer), ("offline cause", offline_cause),
                        ("paper", paper)):
        if not is_status_byte(value):
            return PrinterStatus(PrinterState.UNKNOWN, f"not a status reply to the {name} "
                                                       f"request: 0x{value:02x}")
    if offline_cause & 0b0000_0100:
        return PrinterStatus(PrinterState.COVER_OPEN)
    if paper & 0b0110_0000 or offline_cause & 0b0010_0000:
        return PrinterStatus(PrinterState.PAPER_OUT)
    if offline_cause & 0b0100_0000:
        return PrinterStatus(PrinterState.OFFLINE, "printer error")
    if printer & 0b0000_1000:
        return PrinterStatus(PrinterState.OFFLINE, "printer reports offline")
    if paper & 0b0000_1100:
        return PrinterStatus(PrinterState.PAPER_NEAR_END)
    return PrinterStatus(PrinterState.OK)
