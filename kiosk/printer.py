"""The ticket printer: the adapter between a laid-out ticket and python-escpos.

``open_printer(config)`` builds the python-escpos connection for the configured kind and
wraps it in a ``TicketPrinter``. A print job is first rendered completely into a python-escpos
``Dummy`` (so a rendering problem never leaves half a ticket on the paper) and then sent in
one write.

Text mode does its own encoding: ESC @, then ESC t n with the configured number, then every
line encoded with the configured codec as raw bytes. python-escpos's ``text()`` is never
used: its automatic encoding search picks the first table in its generic profile that has a
character (not necessarily the printer's Cyrillic one) and would emit its own ESC t. Sizes
and bold go through ``set()``, the QR code through the printer's own QR command (``qr()``
native, GS ( k) and the cut through ``cut()`` (GS V). Raster mode sends the whole ticket as
one picture (``kiosk.ticket_image``) with ``image()`` (GS v 0) and no text at all.

Status is read before and after each ticket with the real-time requests DLE EOT 1, 2 and 4
(``kiosk.printer_status`` interprets them), sent with python-escpos's ``query_status()``.
Its ``paper_status()`` and ``is_online()`` are not used: they read a missing reply as
"paper adequate" and "offline" respectively, and there is no cover-open request at all.
USB, serial and network printers can answer; file and dummy printers cannot and report
``unknown``, as does a printer that does not reply in time (many print servers never do).
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from escpos import printer as escpos_printer
from escpos.capabilities import BaseProfile, get_profile
from escpos.constants import QR_ECLEVEL_M
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError

from kiosk.errors import PrinterFault, PrinterSetupError
from kiosk.printed_ticket import Block, Cut, Logo, PrintedTicket, Qr, Text, lay_out_ticket
from kiosk.printer_config import (
    DummyPrinter,
    FilePrinter,
    NetworkPrinter,
    PrinterConfig,
    SerialPrinter,
    UsbPrinter,
)
from kiosk.printer_status import (
    OFFLINE_CAUSE,
    PAPER_SENSOR,
    PRINTER_STATUS,
    PrinterState,
    PrinterStatus,
    interpret_status,
    status_request,
)
from kiosk.ticket_image import load_logo, qr_module_dots, render_ticket_image

log = logging.getLogger(__name__)

ESC_INIT = b"\x1b@"
SELECT_CODE_TABLE = b"\x1bt"
# The kinds whose connection can carry a reply back.
READABLE_KINDS = frozenset({"usb", "serial", "network"})
# Stand-ins for typography that some code pages lack (CP866 has no « » — …; CP1251 has).
_FALLBACK = {"«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "—": "-", "–": "-", "‑": "-",
             "…": "...", "\u00a0": " "}


class EscposDevice(Protocol):
    """What TicketPrinter needs of a python-escpos printer (every ``escpos.printer`` class
    has it). ``_raw`` is python-escpos's only way to send bytes as they are."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def query_status(self, mode: bytes) -> bytes: ...

    def _raw(self, msg: bytes) -> None: ...


@dataclass(frozen=True)
class PrintReport:
    """The printer's status before and after a ticket was sent. ``after`` in a blocking
    state means the ticket may not have come out completely."""

    before: PrinterStatus
    after: PrinterStatus


class _NoReply(Exception):
    """The printer did not answer a status request (in time, or in a form we know)."""


def encode_text(text: str, codec: str) -> bytes:
    """``text`` in the printer's code page. A character the page lacks becomes its ASCII
    stand-in (quotes, dashes, ellipsis) or "?"."""
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for char in text:
        try:
            out += char.encode(codec)
        except UnicodeEncodeError:
            out += _FALLBACK.get(char, "?").encode(codec, errors="replace")
    return bytes(out)


def _profile_for(dots: int) -> BaseProfile:
    """python-escpos's generic profile with the paper width set: ``image()`` checks and
    centres against it (and prints a notice to stdout when it is unknown)."""
    profile = get_profile("default")
    media = {**profile.profile_data["media"], "width": {"mm": "Unknown", "pixels": dots}}
    profile.profile_data = {**profile.profile_data, "media": media}
    return profile


def render_job(blocks: Sequence[Block], config: PrinterConfig) -> bytes:
    """The complete ESC/POS byte stream for a laid-out ticket."""
    job = escpos_printer.Dummy()
    # Dummy(profile=) takes a profile name or a Profile object (which has no features).
    job.profile = _profile_for(config.dots)
    job._raw(ESC_INIT)
    if config.text_mode:
        _render_text_mode(job, blocks, config)
    else:
        job.image(render_ticket_image(blocks, dots=config.dots, width_chars=config.width_chars,
                                      font_path=config.raster_font))
        _finish(job, config)
    return job.output


def _render_text_mode(job: escpos_printer.Dummy, blocks: Sequence[Block],
                      config: PrinterConfig) -> None:
    job._raw(SELECT_CODE_TABLE + bytes((config.codepage_number,)))
    for block in blocks:
        match block:
            case Text(text=text, style=style, align=align):
                job.set(align=align, bold=style != "normal",
                        double_width=style == "large", double_height=style == "large",
                        normal_textsize=style != "large")
                job._raw(encode_text(text, config.codepage) + b"\n")
            case Logo(path=path):
                logo = load_logo(path, config.dots)
                if logo is not None:
                    job.set(align="center")
                    job.image(logo, center=True)
            case Qr(data=data):
                job.set(align="center")
                job.qr(data, ec=QR_ECLEVEL_M, size=qr_module_dots(config.dots), native=True)
                job.print_and_feed(1)
            case Cut():
                break
    job.set(align="left", bold=False, normal_textsize=True)
    _finish(job, config)


def _finish(job: escpos_printer.Dummy, config: PrinterConfig) -> None:
    if config.cut:
        job.cut()
    else:
        job.print_and_feed(6)  # enough to tear the ticket off past the head


class _NetworkDevice(escpos_printer.Network):
    """python-escpos's network printer, closing its socket when connecting fails: the
    original drops it unclosed (a ResourceWarning on every retry while the printer is off).
    Always raises DeviceNotFoundError on failure, whatever ``raise_not_found`` says."""

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = socket.create_connection((self.host, self.port), self.timeout)
        except OSError as exc:
            self.device = None
            raise DeviceNotFoundError(f"{self.host}:{self.port}: {exc}") from exc


def build_device(config: PrinterConfig) -> EscposDevice:
    """The python-escpos printer for ``config``, not yet connected."""
    match config:
        case UsbPrinter():
            if not escpos_printer.Usb.is_usable():
                raise PrinterSetupError(
                    "a USB printer needs pyusb: pip install 'python-escpos[usb]'")
            return escpos_printer.Usb(
                idVendor=config.vendor_id, idProduct=config.product_id,
                timeout=round(config.timeout * 1000),  # pyusb counts milliseconds
                in_ep=config.in_endpoint, out_ep=config.out_endpoint)
        case SerialPrinter():
            if not escpos_printer.Serial.is_usable():
                raise PrinterSetupError(
                    "a serial printer needs pyserial: pip install 'python-escpos[serial]'")
            return escpos_printer.Serial(devfile=config.device, baudrate=config.baudrate,
                                         timeout=config.timeout)
        case NetworkPrinter():
            return _NetworkDevice(host=config.host, port=config.port, timeout=config.timeout)
        case FilePrinter():
            return escpos_printer.File(devfile=config.path)
        case DummyPrinter():
            return escpos_printer.Dummy()
    raise PrinterSetupError(f"unknown printer configuration {config!r}")


def _is_timeout(exc: OSError) -> bool:
    return isinstance(exc, TimeoutError) or exc.errno == errno.ETIMEDOUT


class TicketPrinter:
    """Prints tickets on one printer and reads its status. Safe to share between threads
    (one operation at a time). Connects on first use and again after a failure."""

    def __init__(self, device: EscposDevice, config: PrinterConfig) -> None:
        self.device = device
        self.config = config
        self.reads_status = config.status_checks and config.kind in READABLE_KINDS
        self._connected = False
        self._lock = threading.Lock()
        # Why the last status read failed, chained as the cause of the PrinterFault it causes.
        self._status_error: BaseException | None = None

    def read_status(self) -> PrinterStatus:
        with self._lock:
            return self._read_status()

    def print_ticket(self, ticket: PrintedTicket) -> PrintReport:
        """Print one ticket. PrinterFault, with nothing sent, when the printer reports paper
        out, cover open or offline; PrinterFault (cause chained) when sending fails. Any
        other exception (a bug, a raster font deleted since start-up) comes from rendering,
        before anything is sent: whatever is raised, the ticket was not printed."""
        job = render_job(lay_out_ticket(ticket, self.config.width_chars), self.config)
        with self._lock:
            before = self._read_status()
            if before.blocks_printing:
                log.warning("ticket %s not printed: printer %s", ticket.label, before.state)
                raise PrinterFault(before) from self._status_error
            try:
                self._connect()
                self.device._raw(job)
            except (EscposError, OSError) as exc:
                self._disconnect()
                status = PrinterStatus(PrinterState.OFFLINE, str(exc).strip())
                log.warning("ticket %s not printed: %s", ticket.label, exc)
                raise PrinterFault(status) from exc
            after = self._read_status()
        if after.state is not PrinterState.OK:
            log.info("ticket %s sent; printer now %s", ticket.label, after.state)
        return PrintReport(before, after)

    def close(self) -> None:
        with self._lock:
            self._disconnect()

    def _connect(self) -> None:
        if not self._connected:
            self.device.open()
            self._connected = True

    def _disconnect(self) -> None:
        if self._connected:
            self._connected = False
            try:
                self.device.close()
            except (EscposError, OSError) as exc:
                log.debug("closing the printer connection: %s", exc)

    def _ask(self, n: int) -> int:
        reply = bytes(self.device.query_status(status_request(n)))
        if not reply and self.config.kind == "network":
            # A socket reads b"" only once the peer has closed; serial reads it on timeout.
            raise ConnectionAbortedError("the printer closed the connection")
        if not reply:
            raise _NoReply(f"no reply to DLE EOT {n}")
        return reply[-1]  # the latest byte, should an earlier late reply linger

    def _read_status(self) -> PrinterStatus:
        self._status_error = None
        if not self.reads_status:
            why = ("status checks are off" if not self.config.status_checks
                   else f"a {self.config.kind} printer cannot report status")
            return PrinterStatus(PrinterState.UNKNOWN, why)
        try:
            self._connect()
            replies = [self._ask(n) for n in (PRINTER_STATUS, OFFLINE_CAUSE, PAPER_SENSOR)]
        except _NoReply as exc:
            return PrinterStatus(PrinterState.UNKNOWN, str(exc))
        except OSError as exc:
            self._status_error = exc
            self._disconnect()  # also drops a reply that might still arrive late
            if _is_timeout(exc):
                return PrinterStatus(PrinterState.UNKNOWN, "no reply to a status request")
            return PrinterStatus(PrinterState.OFFLINE, str(exc).strip())
        except EscposError as exc:
            self._status_error = exc
            self._disconnect()
            return PrinterStatus(PrinterState.OFFLINE, str(exc).strip())
        return interpret_status(*replies)


def open_printer(config: PrinterConfig) -> TicketPrinter:
    """A TicketPrinter for the configured printer; it connects when first used."""
    return TicketPrinter(build_device(config), config)
