"""The demo's window on the paper: every ticket printed, as text and as a picture.

``RecordingPrinter`` wraps the real printer and keeps the last tickets it printed; the touch
page serves them at ``/printed`` when ``[kiosk] preview = true``. The picture is the same
raster rendering a printer without a Cyrillic code page receives (``kiosk.ticket_image``).
"""

from __future__ import annotations

import io
import threading
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from kiosk.printed_ticket import PrintedTicket, lay_out_ticket, render_ticket_text
from kiosk.printer import PrintReport
from kiosk.printer_config import PrinterConfig
from kiosk.printer_status import PrinterStatus
from kiosk.ticket_image import render_ticket_image


@dataclass(frozen=True)
class PrintedCopy:
    number: int  # 1, 2, ... in printing order since the agent started
    ticket: PrintedTicket


class PrinterLike(Protocol):
    """What RecordingPrinter wraps (``kiosk.printer.TicketPrinter`` or a test double)."""

    def read_status(self) -> PrinterStatus: ...

    def print_ticket(self, ticket: PrintedTicket) -> PrintReport: ...

    def close(self) -> None: ...


class RecordingPrinter:
    def __init__(self, printer: PrinterLike, config: PrinterConfig, keep: int = 50) -> None:
        self.printer = printer
        self.config = config
        self._copies: deque[PrintedCopy] = deque(maxlen=keep)
        self._count = 0
        self._lock = threading.Lock()

    def read_status(self) -> PrinterStatus:
        return self.printer.read_status()

    def print_ticket(self, ticket: PrintedTicket) -> PrintReport:
        report = self.printer.print_ticket(ticket)
        with self._lock:
            self._count += 1
            self._copies.append(PrintedCopy(self._count, ticket))
        return report

    def close(self) -> None:
        self.printer.close()

    def copies(self) -> list[PrintedCopy]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._copies))

    def copy(self, number: int) -> PrintedCopy | None:
        with self._lock:
            return next((c for c in self._copies if c.number == number), None)

    def text(self, copy: PrintedCopy) -> str:
        blocks = lay_out_ticket(copy.ticket, self.config.width_chars)
        return render_ticket_text(blocks, self.config.width_chars)

    def png(self, copy: PrintedCopy) -> bytes:
        blocks = lay_out_ticket(copy.ticket, self.config.width_chars)
        image = render_ticket_image(blocks, dots=self.config.dots,
                                    width_chars=self.config.width_chars,
                                    font_path=self.config.raster_font)
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()
