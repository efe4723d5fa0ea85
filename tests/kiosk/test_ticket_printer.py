"""TicketPrinter against a scripted device: status replies, timeouts, failures, reconnects;
and which python-escpos class each kind builds."""

from __future__ import annotations

import errno
from collections.abc import Callable

import escpos.printer
import escpos.printer.usb
import pytest
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, File, Serial

from kiosk.errors import PrinterFault, PrinterSetupError
from kiosk.printed_ticket import PrintedTicket
from kiosk.printer import TicketPrinter, build_device
from kiosk.printer_config import PrinterConfig
from kiosk.printer_status import PrinterState, PrinterStatus


class ScriptedDevice:
    """A readable printer connection whose replies and failures the test decides."""

    def __init__(self, replies: dict[int, bytes | BaseException] | None = None) -> None:
        self.replies: dict[int, bytes | BaseException] = {1: b"\x12", 2: b"\x12", 4: b"\x12",
                                                         **(replies or {})}
        self.sent: list[bytes] = []
        self.opened = 0
        self.closed = 0
        self.fail_open: BaseException | None = None
        self.fail_send: BaseException | None = None

    def open(self) -> None:
        if self.fail_open is not None:
            raise self.fail_open
        self.opened += 1

    def close(self) -> None:
        self.closed += 1

    def query_status(self, mode: bytes) -> bytes:
        self.sent.append(mode)
        reply = self.replies[mode[2]]
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def _raw(self, msg: bytes) -> None:
        if self.fail_send is not None:
            raise self.fail_send
        self.sent.append(msg)


@pytest.fixture
def scripted(printer_config: Callable[..., PrinterConfig]):
    def build(kind: str = "serial", **replies: bytes | BaseException
              ) -> tuple[TicketPrinter, ScriptedDevice]:
        device = ScriptedDevice({int(n[1:]): r for n, r in replies.items()})
        extra = {"serial": {"device": "/dev/ttyUSB0"},
                 "usb": {"vendor_id": 1, "product_id": 2},
                 "network": {"host": "printer.local"}}.get(kind, {})
        return TicketPrinter(device, printer_config(kind=kind, **extra)), device

    return build


def test_a_status_request_that_times_out_means_unknown_and_the_ticket_is_sent(
        scripted, ticket: PrintedTicket) -> None:
    printer, device = scripted("usb", n1=OSError(errno.ETIMEDOUT, "Operation timed out"))
    report = printer.print_ticket(ticket)
    assert report.before.state is PrinterState.UNKNOWN
    assert "no reply" in report.before.detail
    assert any("А-017".encode("cp866") in chunk for chunk in device.sent)
    # one unanswered request is enough: the others are not asked
    assert device.sent.count(b"\x10\x04\x02") == 0


def test_a_socket_timeout_means_unknown(scripted) -> None:
    printer, _ = scripted("network", n1=TimeoutError("timed out"))
    assert printer.read_status().state is PrinterState.UNKNOWN


def test_a_serial_port_that_reads_nothing_means_unknown(scripted) -> None:
    printer, _ = scripted("serial", n2=b"")
    status = printer.read_status()
    assert status.state is PrinterState.UNKNOWN
    assert "DLE EOT 2" in status.detail


def test_a_network_printer_that_closed_the_connection_is_offline(scripted) -> None:
    printer, device = scripted("network", n1=b"")
    assert printer.read_status().state is PrinterState.OFFLINE
    assert device.closed == 1


def test_a_garbled_reply_means_unknown(scripted) -> None:
    printer, _ = scripted("serial", n4=b"\xff")
    assert printer.read_status().state is PrinterState.UNKNOWN


def test_the_latest_reply_byte_counts(scripted) -> None:
    printer, _ = scripted("serial", n4=b"\x12\x72")
    assert printer.read_status().state is PrinterState.PAPER_OUT


def test_a_usb_error_while_reading_is_offline(scripted, ticket: PrintedTicket) -> None:
    printer, device = scripted("usb", n1=OSError(errno.EIO, "Input/Output Error"))
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.status.state is PrinterState.OFFLINE
    assert isinstance(caught.value.__cause__, OSError)
    assert device.sent == [b"\x10\x04\x01"]


def test_a_failed_send_is_a_fault_with_its_cause_and_the_next_ticket_reconnects(
        scripted, ticket: PrintedTicket) -> None:
    printer, device = scripted("serial")
    device.fail_send = OSError(errno.EIO, "write failed")
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.status.state is PrinterState.OFFLINE
    assert caught.value.__cause__ is device.fail_send
    assert (device.opened, device.closed) == (1, 1)
    device.fail_send = None
    assert printer.print_ticket(ticket).after.state is PrinterState.OK
    assert device.opened == 2


def test_a_printer_that_cannot_be_opened_is_offline(scripted, ticket: PrintedTicket) -> None:
    printer, device = scripted("usb")
    device.fail_open = DeviceNotFoundError("Unable to open USB printer on (1, 2)")
    status = printer.read_status()
    assert status.state is PrinterState.OFFLINE
    assert "Unable to open USB printer" in status.detail
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(ticket)
    assert caught.value.__cause__ is device.fail_open
    assert device.sent == []


def test_status_checks_can_be_turned_off(printer_config: Callable[..., PrinterConfig]) -> None:
    device = ScriptedDevice()
    printer = TicketPrinter(device, printer_config(kind="serial", device="/dev/ttyS0",
                                                   status_checks=False))
    status = printer.read_status()
    assert status == PrinterStatus(PrinterState.UNKNOWN, "status checks are off")
    assert device.sent == []


def test_each_kind_builds_its_python_escpos_class(
        printer_config: Callable[..., PrinterConfig], tmp_path) -> None:
    serial = build_device(printer_config(kind="serial", device="/dev/ttyS3", baudrate=38400))
    assert isinstance(serial, Serial)
    assert (serial.devfile, serial.baudrate, serial.timeout) == ("/dev/ttyS3", 38400, 2.0)
    file = build_device(printer_config(kind="file", path=str(tmp_path / "lp0")))
    assert isinstance(file, File)
    assert file.devfile == str(tmp_path / "lp0")
    assert isinstance(build_device(printer_config()), Dummy)
    assert not (tmp_path / "lp0").exists()  # built, not yet opened


def test_usb_needs_pyusb(printer_config: Callable[..., PrinterConfig],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(escpos.printer.usb, "is_usable", lambda: False)
    with pytest.raises(PrinterSetupError, match=r"python-escpos\[usb\]"):
        build_device(printer_config(kind="usb", vendor_id="0x04b8", product_id="0x0e28"))


class RecordingUsb:
    """Stands in for escpos.printer.Usb, whose objects outlive a test (python-escpos makes a
    reference cycle) and then need pyusb to be garbage-collected."""

    @staticmethod
    def is_usable() -> bool:
        return True

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs


def test_usb_gets_its_ids_endpoints_and_timeout_in_milliseconds(
        printer_config: Callable[..., PrinterConfig], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(escpos.printer, "Usb", RecordingUsb)
    device = build_device(printer_config(kind="usb", vendor_id="0x04b8", product_id="0x0e28",
                                         out_endpoint=3, timeout=2.5))
    assert isinstance(device, RecordingUsb)
    assert device.kwargs == {"idVendor": 0x04B8, "idProduct": 0x0E28, "timeout": 2500,
                             "in_ep": 0x82, "out_ep": 3}
