"""The bytes of a ticket, as python-escpos's Dummy printer records them."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from kiosk.printed_ticket import PrintedTicket, lay_out_ticket
from kiosk.printer import encode_text, open_printer, render_job
from kiosk.printer_config import PrinterConfig
from kiosk.printer_status import PrinterState
from tests.kiosk.conftest import sample_ticket

SELECT_CP866_ON_EPSON = b"\x1bt\x11"  # ESC t 17
# CP866 written out by hand, so that the test does not trust the codec it checks.
LABEL_CP866 = b"\x80-017"  # «А-017»
SERVICE_CP866 = b"\x8f\xa5\xad\xe1\xa8\xa8 \xa8 \xaf\xae\xe1\xae\xa1\xa8\xef"  # Пенсии и пособия
AHEAD_CP866 = b"\x8f\xa5\xe0\xa5\xa4 \xa2\xa0\xac\xa8: 3 \xe7\xa5\xab."  # Перед вами: 3 чел.
DOUBLE_SIZE = b"\x1b!\x30"  # ESC ! with double width and double height
QR_STORE = b"\x1d(k"  # GS ( k
CUT = b"\x1dV"  # GS V


def printed(config: PrinterConfig, ticket: PrintedTicket) -> bytes:
    printer = open_printer(config)
    printer.print_ticket(ticket)
    return printer.device.output


def test_the_code_table_is_selected_before_any_text(
        printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    output = printed(printer_config(), ticket)
    assert output.startswith(b"\x1b@" + SELECT_CP866_ON_EPSON)
    assert output.count(b"\x1bt") == 1  # no code-page switching behind our back


def test_cyrillic_text_is_cp866_after_the_table_command(
        printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    output = printed(printer_config(), ticket)
    select = output.index(SELECT_CP866_ON_EPSON)
    for text in (LABEL_CP866, SERVICE_CP866, AHEAD_CP866):
        assert output.index(text) > select
    assert "Пенсии".encode() not in output  # not UTF-8


def test_the_configured_table_number_is_sent(
        printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    output = printed(printer_config(codepage_number=7), ticket)
    assert b"\x1bt\x07" in output
    assert SELECT_CP866_ON_EPSON not in output
    assert SERVICE_CP866 in output


def test_another_code_page_encodes_with_its_own_codec(
        printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    output = printed(printer_config(codepage="cp1251", codepage_number=46), ticket)
    assert b"\x1bt\x2e" in output
    assert "Пенсии и пособия".encode("cp1251") in output
    assert SERVICE_CP866 not in output


def test_the_label_is_double_size_and_the_size_is_reset_after_it(
        printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    output = printed(printer_config(), ticket)
    label = output.index(LABEL_CP866 + b"\n")
    assert output.rindex(b"\x1b!", 0, label) == output.rindex(DOUBLE_SIZE, 0, label)
    service = output.index(SERVICE_CP866)
    assert output.rindex(b"\x1b!", 0, service) == output.rindex(b"\x1b!\x00", 0, service)
    assert output.count(DOUBLE_SIZE) == 1


def test_the_qr_code_is_native_and_carries_the_status_url(
        printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    output = printed(printer_config(), ticket)
    url = b"http://192.168.1.10:5000/t/12345"
    store = QR_STORE + (len(url) + 3).to_bytes(2, "little") + b"1P0" + url
    assert store in output
    assert QR_STORE + b"\x03\x001Q0" in output  # print the stored symbol
    assert output.index(store) > output.index(AHEAD_CP866)


def test_the_ticket_ends_with_a_cut(printer_config: Callable[..., PrinterConfig],
                                    ticket: PrintedTicket) -> None:
    output = printed(printer_config(), ticket)
    assert output.rindex(CUT) > output.rindex(QR_STORE)
    assert output.endswith(CUT + b"\x00")


def test_without_a_cutter_the_paper_is_fed_instead(
        printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    output = printed(printer_config(cut=False), ticket)
    assert CUT not in output
    assert output.endswith(b"\x1bd\x06")


def test_a_dummy_printer_reports_unknown_not_ok(
        printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    printer = open_printer(printer_config())
    report = printer.print_ticket(ticket)
    assert report.before.state is PrinterState.UNKNOWN
    assert report.after.state is PrinterState.UNKNOWN
    assert printer.device.output.count(b"\x10\x04") == 0  # no status requests sent


def test_typography_the_code_page_lacks_is_replaced() -> None:
    assert encode_text("«Энергосбыт» — №1…", "cp866") == b'"\x9d\xad\xa5\xe0\xa3\xae\xe1\xa1' \
        b'\xeb\xe2" - \xfc1...'
    assert encode_text("日", "cp866") == b"?"


def test_a_file_printer_writes_the_job_to_its_file(
        tmp_path, printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    target = tmp_path / "lp0"
    config = printer_config(kind="file", path=str(target))
    printer = open_printer(config)
    report = printer.print_ticket(ticket)
    printer.close()
    assert target.read_bytes() == render_job(lay_out_ticket(ticket, 42), config)
    assert report.after.state is PrinterState.UNKNOWN


def test_a_logo_is_printed_as_an_image_before_the_office_name(
        tmp_path, printer_config: Callable[..., PrinterConfig]) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (800, 100), (0, 0, 0, 255)).save(logo)
    output = printed(printer_config(), sample_ticket(logo_path=str(logo)))
    image = output.index(b"\x1dv0")
    assert image < output.index(encode_text("Центральный офис", "cp866"))
    # scaled down to the paper: 576 dots = 72 bytes a row, 800x100 becomes 576x72
    assert output[image + 4:image + 8] == (72).to_bytes(2, "little") + (72).to_bytes(2, "little")


def test_an_unreadable_logo_is_left_out_and_the_ticket_still_printed(
        tmp_path, printer_config: Callable[..., PrinterConfig], caplog) -> None:
    missing = tmp_path / "missing.png"
    output = printed(printer_config(), sample_ticket(logo_path=str(missing)))
    assert b"\x1dv0" not in output
    assert SERVICE_CP866 in output
    assert "cannot be read" in caplog.text


def test_a_code_page_that_has_the_typography_keeps_it() -> None:
    assert encode_text("«Энергосбыт» — №1", "cp1251") == "«Энергосбыт» — №1".encode("cp1251")
