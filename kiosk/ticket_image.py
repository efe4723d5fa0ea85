"""The ticket drawn as a 1-bit picture ``dots`` wide (Pillow): the raster fallback for
printers without a Cyrillic code page, and the preview of a printed ticket.

Text is drawn with a TrueType font (DejaVu Sans by default) without anti-aliasing, at a size
that fits ``width_chars`` characters in the width; a line that would still overflow is drawn
smaller rather than clipped. Bold is a one-dot stroke, so any single TTF will do. The QR code
is drawn from the ``qrcode`` package's module matrix (no printer QR support needed). Black
is 0, white is 1, as Pillow's mode "1" has it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import qrcode
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from kiosk.printed_ticket import Block, Cut, Logo, Qr, Text

log = logging.getLogger(__name__)

WHITE = 1
BLACK = 0
_LINE_GAP = 4  # dots between text lines
_BLOCK_GAP = 12  # dots around pictures
# Average advance of a DejaVu Sans character, in ems (Cyrillic capitals are wider).
_EM_PER_CHAR = 0.62
# Pillow refuses to open images beyond this many pixels; a logo is far smaller.
_MAX_LOGO_PIXELS = 4_000_000


def qr_module_dots(dots: int) -> int:
    """Dots per QR module: larger on 80 mm paper, still scannable on 58 mm."""
    return 6 if dots >= 512 else 4


def load_logo(path: str, max_width: int) -> Image.Image | None:
    """The logo as a 1-bit image at most ``max_width`` wide, or None (logged) when the file
    cannot be read: a ticket without its logo is better than no ticket."""
    try:
        with Image.open(path) as source:
            if source.width * source.height > _MAX_LOGO_PIXELS:
                log.warning("logo %s is too large (%dx%d), not printed", path, source.width,
                            source.height)
                return None
            rgba = source.convert("RGBA")
    except (OSError, UnidentifiedImageError) as exc:
        log.warning("logo %s cannot be read, not printed: %s", path, exc)
        return None
    flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    grey = flat.convert("L")
    if grey.width > max_width:
        height = max(1, round(grey.height * max_width / grey.width))
        grey = grey.resize((max_width, height), Image.Resampling.LANCZOS)
    return grey.convert("1")


def draw_qr(data: str, module: int) -> Image.Image:
    """A QR code (error correction M, quiet zone of 2 modules) with ``module`` dots per
    module."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix) * module
    image = Image.new("1", (side, side), WHITE)
    draw = ImageDraw.Draw(image)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                x, y = col * module, row * module
                draw.rectangle((x, y, x + module - 1, y + module - 1), fill=BLACK)
    return image


class _Fonts:
    def __init__(self, font_path: str, dots: int, width_chars: int) -> None:
        self.path = font_path
        self.dots = dots
        self.base_size = max(10, int(dots / width_chars / _EM_PER_CHAR))
        self._cache: dict[int, ImageFont.FreeTypeFont] = {}

    def get(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._cache:
            self._cache[size] = ImageFont.truetype(self.path, size)
        return self._cache[size]

    def fitting(self, line: Text) -> tuple[ImageFont.FreeTypeFont, int]:
        """The font for ``line`` and its stroke width, shrunk until the line fits."""
        size = self.base_size * (2 if line.style == "large" else 1)
        stroke = 1 if line.style in ("bold", "large") else 0
        while size > 8:
            font = self.get(size)
            if font.getlength(line.text) + 2 * stroke <= self.dots:
                return font, stroke
            size -= 1
        return self.get(size), stroke


def _draw_text(line: Text, fonts: _Fonts) -> Image.Image:
    font, stroke = fonts.fitting(line)
    ascent, descent = font.getmetrics()
    image = Image.new("1", (fonts.dots, ascent + descent + _LINE_GAP + 2 * stroke), WHITE)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"  # no anti-aliasing: grey would dither into specks on paper
    if set(line.text) == {"-"}:  # a rule: a line across the paper, not a row of dashes
        middle = image.height // 2
        draw.line((0, middle, fonts.dots - 1, middle), fill=BLACK, width=2)
        return image
    width = font.getlength(line.text) + 2 * stroke
    x = (fonts.dots - width) / 2 if line.align == "center" else 0
    draw.text((x + stroke, stroke), line.text, font=font, fill=BLACK, stroke_width=stroke,
              stroke_fill=BLACK)
    return image


def _centered(picture: Image.Image, dots: int) -> Image.Image:
    row = Image.new("1", (dots, picture.height + 2 * _BLOCK_GAP), WHITE)
    row.paste(picture, ((dots - picture.width) // 2, _BLOCK_GAP))
    return row


def render_ticket_image(blocks: Sequence[Block], *, dots: int, width_chars: int,
                        font_path: str) -> Image.Image:
    """The blocks up to the first cut, top to bottom, as one mode "1" image ``dots`` wide.
    OSError when the font cannot be read."""
    fonts = _Fonts(font_path, dots, width_chars)
    rows: list[Image.Image] = []
    for block in blocks:
        match block:
            case Text():
                rows.append(_draw_text(block, fonts))
            case Logo(path=path):
                logo = load_logo(path, dots)
                if logo is not None:
                    rows.append(_centered(logo, dots))
            case Qr(data=data):
                rows.append(_centered(draw_qr(data, qr_module_dots(dots)), dots))
            case Cut():
                break
    height = max(1, sum(row.height for row in rows))
    ticket = Image.new("1", (dots, height), WHITE)
    top = 0
    for row in rows:
        ticket.paste(row, (0, top))
        top += row.height
    return ticket
