"""The [printer] section: every kind validates, and mistakes get a clear message."""

from __future__ import annotations

import tomllib

import pytest

from kiosk.errors import KioskConfigError
from kiosk.printer_config import (
    DEFAULT_RASTER_FONT,
    DummyPrinter,
    FilePrinter,
    NetworkPrinter,
    SerialPrinter,
    UsbPrinter,
    read_printer_section,
)


def section(text: str) -> dict:
    return tomllib.loads(text)["printer"]


def test_usb_with_hex_ids_as_lsusb_prints_them() -> None:
    config = read_printer_section(section("""
        [printer]
        kind = "usb"
        vendor_id = "0x04b8"
        product_id = "0e28"
        out_endpoint = "0x02"
    """))
    assert isinstance(config, UsbPrinter)
    assert (config.vendor_id, config.product_id) == (0x04B8, 0x0E28)
    assert (config.in_endpoint, config.out_endpoint) == (0x82, 0x02)
    assert config.timeout == 5.0


def test_usb_with_integer_ids() -> None:
    config = read_printer_section({"kind": "usb", "vendor_id": 1208, "product_id": 3624})
    assert (config.vendor_id, config.product_id) == (0x04B8, 0x0E28)


def test_serial() -> None:
    config = read_printer_section({"kind": "serial", "device": "/dev/ttyUSB0",
                                   "baudrate": 19200})
    assert isinstance(config, SerialPrinter)
    assert (config.device, config.baudrate) == ("/dev/ttyUSB0", 19200)


def test_network_defaults_to_port_9100_and_accepts_an_integer_timeout() -> None:
    config = read_printer_section(section("""
        [printer]
        kind = "network"
        host = "192.168.1.50"
        timeout = 3
    """))
    assert isinstance(config, NetworkPrinter)
    assert (config.host, config.port, config.timeout) == ("192.168.1.50", 9100, 3.0)


def test_file_and_dummy() -> None:
    assert isinstance(read_printer_section({"kind": "file", "path": "/dev/usb/lp0"}),
                      FilePrinter)
    assert isinstance(read_printer_section({"kind": "dummy"}), DummyPrinter)


def test_common_defaults_suit_an_80_mm_epson_compatible_printer() -> None:
    config = read_printer_section({"kind": "dummy"})
    assert (config.codepage, config.codepage_number) == ("CP866", 17)
    assert (config.text_mode, config.width_chars, config.dots) == (True, 42, 576)
    assert (config.cut, config.status_checks) == (True, True)
    assert config.raster_font == DEFAULT_RASTER_FONT


def test_a_58_mm_printer_with_another_table_number() -> None:
    config = read_printer_section({"kind": "dummy", "codepage": "cp1251",
                                   "codepage_number": 46, "width_chars": 32, "dots": 384})
    assert (config.codepage, config.codepage_number, config.dots) == ("cp1251", 46, 384)


@pytest.mark.parametrize(("data", "message"), [
    ({}, "[printer] key 'kind': required, one of usb, serial, network, file, dummy"),
    ({"kind": "bluetooth"},
     "[printer] key 'kind': unknown printer kind 'bluetooth', expected one of usb, serial"),
    ({"kind": "network"}, "[printer] key 'host': Field required"),
    ({"kind": "network", "host": ""}, "[printer] key 'host': String should have at least 1"),
    ({"kind": "network", "host": "p", "port": 70000},
     "[printer] key 'port': Input should be less than or equal to 65535"),
    ({"kind": "network", "host": "p", "port": 0},
     "[printer] key 'port': Input should be greater than or equal to 1"),
    ({"kind": "network", "host": "p", "port": "9100"},
     "[printer] key 'port': Input should be a valid integer"),
    ({"kind": "network", "host": "p", "vendor_id": 1}, "[printer] key 'vendor_id': unknown key"),
    ({"kind": "usb", "product_id": 1}, "[printer] key 'vendor_id': Field required"),
    ({"kind": "usb", "vendor_id": "epson", "product_id": 1},
     "[printer] key 'vendor_id': 'epson' is not a hexadecimal number"),
    ({"kind": "usb", "vendor_id": 0x10000, "product_id": 1},
     "[printer] key 'vendor_id': Input should be less than or equal to 65535"),
    ({"kind": "serial"}, "[printer] key 'device': Field required"),
    ({"kind": "serial", "device": "/dev/ttyS0", "baudrate": 9601},
     "[printer] key 'baudrate': Input should be 1200, 2400"),
    ({"kind": "file"}, "[printer] key 'path': Field required"),
    ({"kind": "dummy", "codepage_number": 256},
     "[printer] key 'codepage_number': Input should be less than or equal to 255"),
    ({"kind": "dummy", "codepage_number": -1},
     "[printer] key 'codepage_number': Input should be greater than or equal to 0"),
    ({"kind": "dummy", "codepage": "CP8666"},
     "[printer] key 'codepage': unknown code page 'CP8666'"),
    ({"kind": "dummy", "codepage": "rot13"}, "[printer] key 'codepage': unknown code page"),
    ({"kind": "dummy", "codepage": "cp437"},
     "[printer] key 'codepage': code page 'cp437' cannot print Russian text"),
    ({"kind": "dummy", "codepage": "utf-8"},
     "[printer] key 'codepage': code page 'utf-8' cannot print Russian text"),
    ({"kind": "dummy", "text_mode": False, "raster_font": "/nonexistent/font.ttf"},
     "[printer] key 'raster_font': '/nonexistent/font.ttf' is not a file"),
    ({"kind": "dummy", "text_mode": "yes"},
     "[printer] key 'text_mode': Input should be a valid boolean"),
    ({"kind": "dummy", "dots": 500}, "[printer] key 'dots': Input should be a multiple of 8"),
    ({"kind": "dummy", "width_chars": 8},
     "[printer] key 'width_chars': Input should be greater than or equal to 16"),
    ({"kind": "dummy", "cutter": True}, "[printer] key 'cutter': unknown key"),
])
def test_mistakes_are_refused_with_the_key_and_the_reason(data: dict, message: str) -> None:
    with pytest.raises(KioskConfigError) as caught:
        read_printer_section(data, "/etc/talon/kiosk.toml")
    assert str(caught.value).startswith("/etc/talon/kiosk.toml: ")
    assert message in str(caught.value)


def test_a_latin_code_page_is_accepted_for_raster_printing() -> None:
    config = read_printer_section({"kind": "dummy", "codepage": "cp437", "text_mode": False})
    assert config.codepage == "cp437"


def test_the_section_must_be_a_table() -> None:
    with pytest.raises(KioskConfigError, match=r"\[printer\] must be a table"):
        read_printer_section("usb")


def test_every_error_is_listed() -> None:
    with pytest.raises(KioskConfigError) as caught:
        read_printer_section({"kind": "network", "port": 0, "extra": 1})
    assert len(str(caught.value).splitlines()) == 3
