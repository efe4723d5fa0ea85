"""text_mode = false: the ticket goes out as one picture, with no text bytes at all."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from kiosk.printed_ticket import PrintedTicket, lay_out_ticket
from kiosk.printer import open_printer
from kiosk.printer_config import DEFAULT_RASTER_FONT, PrinterConfig
from kiosk.ticket_image import draw_qr, render_ticket_image
from tests.kiosk.conftest import sample_ticket

RASTER = b"\x1dv0"  # GS v 0


def test_the_ticket_is_a_raster_image_without_cp866_text(
        printer_config: Callable[..., PrinterConfig], ticket: PrintedTicket) -> None:
    printer = open_printer(printer_config(text_mode=False))
    printer.print_ticket(ticket)
    output = printer.device.output
    header = output.index(RASTER)
    assert output[header + 4:header + 6] == (576 // 8).to_bytes(2, "little")
    for text in ("Ваш талон", "Пенсии и пособия", "Перед вами", "А-017"):
        assert text.encode("cp866") not in output
    assert b"\x1bt" not in output  # no code table is selected
    assert b"\x1d(k" not in output  # the QR code is in the picture, not a printer command
    assert output.endswith(b"\x1dV\x00")


def test_58_mm_paper_gives_a_384_dot_image(printer_config: Callable[..., PrinterConfig],
                                           ticket: PrintedTicket) -> None:
    printer = open_printer(printer_config(text_mode=False, dots=384, width_chars=32))
    printer.print_ticket(ticket)
    output = printer.device.output
    assert output[output.index(RASTER) + 4:][:2] == (384 // 8).to_bytes(2, "little")


def black_rows(image: Image.Image) -> int:
    return sum(1 for y in range(image.height)
               if any(image.getpixel((x, y)) == 0 for x in range(image.width)))


def test_the_picture_is_one_bit_paper_wide_and_holds_every_line() -> None:
    blocks = lay_out_ticket(sample_ticket(), 42)
    image = render_ticket_image(blocks, dots=576, width_chars=42, font_path=DEFAULT_RASTER_FONT)
    assert (image.mode, image.width) == ("1", 576)
    short = render_ticket_image(blocks[:3], dots=576, width_chars=42,
                                font_path=DEFAULT_RASTER_FONT)
    assert image.height > short.height > 0
    assert black_rows(image) > black_rows(short) > 0


def test_an_overlong_line_is_drawn_smaller_not_clipped() -> None:
    ticket = sample_ticket(office_name="Ш" * 42)
    image = render_ticket_image(lay_out_ticket(ticket, 42)[:1], dots=576, width_chars=42,
                                font_path=DEFAULT_RASTER_FONT)
    columns = [x for x in range(image.width)
               if any(image.getpixel((x, y)) == 0 for y in range(image.height))]
    assert columns and columns[-1] < 576 - 1  # the last letter ends inside the paper


def test_the_qr_code_is_drawn_with_whole_modules() -> None:
    qr = draw_qr("http://192.168.1.10:5000/t/12345", 6)
    assert qr.width == qr.height
    assert qr.width % 6 == 0
    # the top-left finder pattern starts after the 2-module quiet zone
    assert qr.getpixel((11, 11)) == 1 and qr.getpixel((12, 12)) == 0
