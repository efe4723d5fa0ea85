"""The ``[printer]`` section of kiosk.toml: which printer, how to reach it, how to print.

``kind`` is required and has no default: a kiosk whose section was forgotten must refuse
to start rather than silently "print" to a dummy. Per kind::

    kind = "usb"      vendor_id, product_id (ints or hex strings "0x04b8" / "04b8" as lsusb
                      prints them); in_endpoint = 0x82, out_endpoint = 0x01; timeout
    kind = "serial"   device = "/dev/ttyUSB0", baudrate = 9600 (or 19200, 38400, 115200...)
    kind = "network"  host, port = 9100, timeout
    kind = "file"     path = "/dev/usb/lp0" (a printer device file; cannot report status)
    kind = "dummy"    nothing is printed (demo and tests; cannot report status)

Common keys: ``codepage`` is the Python codec of the printer's Cyrillic table (CP866 by
default) and ``codepage_number`` the n of ESC t n that selects that table on *this printer
model*. For CP866 it is 17 on Epson (TM-T20, TM-T88) and most Chinese 58/80 mm printers
(Xprinter, Zjiang POS-5890, Netum; some of these also accept 59), 7 on Rongta RP326 and
Wincor Nixdorf TH230, 10 on Star, 11 on Aures: check the self-test printout of the printer
(python-escpos's ``capabilities.json`` lists the tables of many models). ``text_mode =
false`` prints the whole ticket as a picture drawn with ``raster_font``, for printers without
a Cyrillic table. ``width_chars`` is the line width of font A (42 for 80 mm paper, 32 for
58 mm); ``dots`` the printable width in dots (576 for 80 mm, 512 on some Epson models, 384
for 58 mm). ``status_checks = false`` skips the DLE EOT status requests, for printers (or
print servers) that never answer them.

Unknown keys and wrong types are refused, not converted.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from kiosk.errors import KioskConfigError

DEFAULT_RASTER_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
KINDS = ("usb", "serial", "network", "file", "dummy")
# What a Cyrillic code page must encode, one byte per character, to print a Russian ticket.
_RUSSIAN = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя№"
_KIND_ERROR = "printer_kind"


def _parse_hex_id(value: object) -> object:
    """USB ids and endpoints: an int, or a hexadecimal string with or without "0x"."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower().removeprefix("0x")
    try:
        return int(text, 16)
    except ValueError:
        raise ValueError(f"{value!r} is not a hexadecimal number like \"0x04b8\"") from None


UsbId = Annotated[int, BeforeValidator(_parse_hex_id), Field(ge=0, le=0xFFFF)]
Endpoint = Annotated[int, BeforeValidator(_parse_hex_id), Field(ge=0, le=0xFF)]
Seconds = Annotated[float, Field(gt=0, le=120)]


class PrinterSettings(BaseModel):
    """The keys every kind shares."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    # text_mode comes first: the checks of codepage and raster_font depend on it.
    text_mode: bool = True
    codepage: str = "CP866"
    codepage_number: Annotated[int, Field(ge=0, le=255)] = 17
    width_chars: Annotated[int, Field(ge=16, le=96)] = 42
    dots: Annotated[int, Field(ge=128, le=2048, multiple_of=8)] = 576
    raster_font: str = DEFAULT_RASTER_FONT
    cut: bool = True
    status_checks: bool = True

    @field_validator("codepage")
    @classmethod
    def _usable_codec(cls, value: str, info: ValidationInfo) -> str:
        try:
            codecs.lookup(value)
            encoded = _RUSSIAN.encode(value, errors="ignore")
        except LookupError:
            raise ValueError(f"unknown code page {value!r} (a Python codec name such as "
                             "\"CP866\" or \"CP1251\")") from None
        if info.data.get("text_mode", True) and len(encoded) != len(_RUSSIAN):
            raise ValueError(f"code page {value!r} cannot print Russian text: use a "
                             "Cyrillic code page (CP866, CP1251) or text_mode = false")
        return value

    @field_validator("raster_font")
    @classmethod
    def _font_exists(cls, value: str, info: ValidationInfo) -> str:
        if not info.data.get("text_mode", True) and not Path(value).is_file():
            raise ValueError(f"{value!r} is not a file (text_mode = false draws the ticket "
                             "with it; a TTF font with Cyrillic is needed)")
        return value


class UsbPrinter(PrinterSettings):
    kind: Literal["usb"]
    vendor_id: UsbId
    product_id: UsbId
    in_endpoint: Endpoint = 0x82
    out_endpoint: Endpoint = 0x01
    timeout: Seconds = 5.0


class SerialPrinter(PrinterSettings):
    kind: Literal["serial"]
    device: Annotated[str, Field(min_length=1)]
    baudrate: Literal[1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] = 9600
    timeout: Seconds = 2.0


class NetworkPrinter(PrinterSettings):
    kind: Literal["network"]
    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] = 9100
    timeout: Seconds = 5.0


class FilePrinter(PrinterSettings):
    kind: Literal["file"]
    path: Annotated[str, Field(min_length=1)]


class DummyPrinter(PrinterSettings):
    kind: Literal["dummy"]


def _kind_of(value: object) -> str | None:
    kind = value.get("kind") if isinstance(value, Mapping) else getattr(value, "kind", None)
    return kind if kind in KINDS else None


PrinterConfig = Annotated[
    Annotated[UsbPrinter, Tag("usb")]
    | Annotated[SerialPrinter, Tag("serial")]
    | Annotated[NetworkPrinter, Tag("network")]
    | Annotated[FilePrinter, Tag("file")]
    | Annotated[DummyPrinter, Tag("dummy")],
    Discriminator(_kind_of, custom_error_type=_KIND_ERROR,
                  custom_error_message="unknown printer kind"),
]

_ADAPTER: TypeAdapter[PrinterConfig] = TypeAdapter(PrinterConfig)


def _describe(source: str, exc: ValidationError) -> str:
    """One line per error: "kiosk.toml: [printer] key 'host': Field required"."""
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"] if part not in KINDS]
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == _KIND_ERROR:
            given = error["input"].get("kind") if isinstance(error["input"], Mapping) else None
            loc = ["kind"]
            expected = ", ".join(KINDS)
            message = (f"unknown printer kind {given!r}, expected one of {expected}"
                       if given is not None else f"required, one of {expected}")
        elif error["type"] == "extra_forbidden":
            message = "unknown key"
        key = f" key {'.'.join(loc)!r}" if loc else ""
        lines.append(f"{source}: [printer]{key}: {message}")
    return "\n".join(lines)


def read_printer_section(section: object, source: str = "kiosk.toml") -> PrinterConfig:
    """Validate the ``[printer]`` table; KioskConfigError names the file, key and problem."""
    if not isinstance(section, Mapping):
        raise KioskConfigError(f"{source}: [printer] must be a table")
    try:
        return _ADAPTER.validate_python(dict(section))
    except ValidationError as exc:
        raise KioskConfigError(_describe(source, exc)) from None
