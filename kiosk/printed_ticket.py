"""What goes on the paper ticket, and its layout as lines and blocks in Russian.

Pure (standard library only): ``lay_out_ticket`` turns a ``PrintedTicket`` into a list of
blocks (``Text``, ``Logo``, ``Qr``, ``Cut``) that ``kiosk.printer`` sends as ESC/POS text and
``kiosk.ticket_image`` draws as a picture. Every text line fits in ``width_chars`` columns of
the printer's normal font; a ``large`` line (double width and height) counts each character
twice. The public status page behind the QR code shows numbers only, so the ticket carries
no personal data at all.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kiosk.errors import InvalidTicket

Style = Literal["normal", "bold", "large"]
Align = Literal["left", "center"]

# Glues a number to its unit so that wrapping never separates them; printed as a space.
_GLUE = "\u00a0"
MIN_WIDTH_CHARS = 16


@dataclass(frozen=True)
class PrintedTicket:
    office_name: str
    label: str  # «А-017»
    service_name: str
    issued_at: datetime  # timezone-aware, in the office's time zone: printed as it is
    people_ahead: int
    expected_wait: float  # seconds
    wait_target: float  # seconds
    status_url: str  # the public status page (numbers only), encoded in the QR code
    footer: str = ""
    logo_path: str | None = None

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise InvalidTicket("issued_at must be timezone-aware")
        if not self.label.strip():
            raise InvalidTicket("the label is empty")
        if isinstance(self.people_ahead, bool) or self.people_ahead < 0:
            raise InvalidTicket(f"people_ahead must be a count >= 0, not {self.people_ahead!r}")
        for name in ("expected_wait", "wait_target"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InvalidTicket(f"{name} must be a finite number of seconds >= 0")
        if not self.status_url.strip():
            raise InvalidTicket("the status URL is empty")


@dataclass(frozen=True)
class Text:
    text: str
    style: Style = "normal"
    align: Align = "left"


@dataclass(frozen=True)
class Logo:
    path: str


@dataclass(frozen=True)
class Qr:
    data: str


@dataclass(frozen=True)
class Cut:
    pass


Block = Text | Logo | Qr | Cut


def columns(line: Text) -> int:
    """How many normal-font columns ``line`` takes on the paper."""
    return len(line.text) * (2 if line.style == "large" else 1)


def format_minutes(seconds: float) -> str:
    """Whole minutes, rounded up: "20 мин", "1 ч 5 мин", "2 ч"."""
    # round() first so that 1200.0000001 s (float noise) is 20 minutes, not 21.
    minutes = max(1, math.ceil(round(seconds / 60, 6)))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes}{_GLUE}мин"
    if not rest:
        return f"{hours}{_GLUE}ч"
    return f"{hours}{_GLUE}ч {rest}{_GLUE}мин"


def format_expected_wait(seconds: float) -> str:
    """The expected wait, rounded up to whole minutes: "~12 мин"; under a minute,
    "менее минуты"."""
    if seconds < 60:
        return "менее минуты"
    return "~" + format_minutes(seconds)


def format_issued_at(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y %H:%M")


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        wrapped = textwrap.wrap(paragraph, width, break_long_words=True,
                                break_on_hyphens=False)
        lines.extend(line.replace(_GLUE, " ") for line in wrapped)
    return lines


def _lines(text: str, width: int, style: Style = "normal", align: Align = "left") -> list[Text]:
    return [Text(line, style, align) for line in _wrap(text, width)]


def _pair(key: str, value: str, width: int) -> list[Text]:
    """"Key: value" on one line, or the key and then the value when that is too wide."""
    one_line = f"{key}: {value}"
    if len(one_line.replace(_GLUE, " ")) <= width:
        return _lines(one_line, width)
    return _lines(f"{key}:", width) + _lines(value, width)


def _label_lines(label: str, width: int) -> list[Text]:
    if len(label) * 2 <= width:
        return [Text(label, "large", "center")]
    return _lines(label, width, "bold", "center")


def lay_out_ticket(ticket: PrintedTicket, width_chars: int) -> list[Block]:
    """The ticket as blocks, top to bottom, ending with a cut."""
    if width_chars < MIN_WIDTH_CHARS:
        raise InvalidTicket(f"a ticket needs at least {MIN_WIDTH_CHARS} columns")
    width = width_chars
    blocks: list[Block] = []
    if ticket.logo_path:
        blocks.append(Logo(ticket.logo_path))
    blocks += _lines(ticket.office_name, width, "bold", "center")
    blocks.append(Text("Ваш талон", "normal", "center"))
    blocks += _label_lines(ticket.label.strip(), width)
    blocks += _lines(ticket.service_name, width, "bold", "center")
    blocks.append(Text("-" * width))
    blocks += _pair("Выдан", format_issued_at(ticket.issued_at), width)
    blocks += _pair("Перед вами", f"{ticket.people_ahead}{_GLUE}чел.", width)
    blocks += _pair("Ожидаемое время ожидания", format_expected_wait(ticket.expected_wait),
                    width)
    blocks += _pair("Норматив ожидания", format_minutes(ticket.wait_target), width)
    blocks.append(Text("-" * width))
    blocks.append(Qr(ticket.status_url))
    blocks += _lines("Следите за очередью по QR-коду", width, "normal", "center")
    if ticket.footer.strip():
        blocks += _lines(ticket.footer, width, "normal", "center")
    blocks.append(Cut())
    return blocks


def render_ticket_text(blocks: Sequence[Block], width_chars: int) -> str:
    """A plain-text picture of the ticket, for logs and previews."""
    out: list[str] = []
    for block in blocks:
        match block:
            case Text(text=text, style=style, align=align):
                shown = " ".join(text) if style == "large" else text
                out.append(shown.center(width_chars).rstrip() if align == "center" else shown)
            case Logo(path=path):
                out.append(f"[логотип {path}]")
            case Qr(data=data):
                out.append(f"[QR {data}]")
            case Cut():
                out.append("-" * width_chars + " ✂")
    return "\n".join(out) + "\n"
