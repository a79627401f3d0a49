"""What a thermal printer puts on paper, and how the simulator draws it as a PNG.

A page is a list of blocks (text lines, QR codes, feeds) in print order. Text is laid out in
ESC/POS font A cells: 12 x 24 dots for a one-byte code, 24 x 24 for every multi-byte GB 18030
code in Chinese mode (the width rule of :mod:`devices.printer.layout`), times the character
size; a line longer than the paper wraps, as on the printer. Each character is drawn in its
own cell with Noto Sans Mono CJK SC, so a glyph narrower than its cell ("·") cannot shift or
clip the characters after it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np
import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from devices.printer import layout

FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_INDEX = 7  # Noto Sans Mono CJK SC in the collection
#: Printable width of 80 mm paper at 203 dpi.
PAPER_80MM = layout.PAPER_80MM_DOTS
CELL = 2 * layout.DOTS_PER_COLUMN
#: Default line spacing (ESC 2): about 1/6 inch.
LINE_SPACING = 30
MARGIN = 16
_QR_EC = {
    0: qrcode.constants.ERROR_CORRECT_L,
    1: qrcode.constants.ERROR_CORRECT_M,
    2: qrcode.constants.ERROR_CORRECT_Q,
    3: qrcode.constants.ERROR_CORRECT_H,
}


@dataclass(frozen=True)
class Segment:
    """A run of text with one set of attributes."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    chinese: bool = True
    """Printed in Chinese mode (``FS &``): multi-byte codes take full-width cells."""

    def cells(self) -> list[int]:
        """Each character's width in dots at size 1."""
        return [cell_width(ch, self.chinese) for ch in self.text]


@dataclass
class TextLine:
    """One printed line (it may wrap into several rows on paper)."""

    segments: list[Segment] = field(default_factory=list)
    align: int = 0  # 0 left, 1 centre, 2 right

    @property
    def text(self) -> str:
        """The line's text without attributes."""
        return "".join(s.text for s in self.segments)


@dataclass(frozen=True)
class QrBlock:
    """A native QR symbol: the image of ``payload`` at ``module`` dots per module."""

    image: Image.Image
    payload: bytes
    align: int = 0


@dataclass(frozen=True)
class Feed:
    """Blank paper, in dots."""

    dots: int


Block = TextLine | QrBlock | Feed


class QrTooLarge(ValueError):
    """The QR data does not fit a QR code, or the symbol is wider than the paper."""


def make_qr(payload: bytes, module: int, ec: int, paper_width: int) -> Image.Image:
    """Render a model-2 QR symbol the way the printer does (byte mode, 4-module quiet zone)."""
    code = qrcode.QRCode(error_correction=_QR_EC[ec], box_size=1, border=4)
    code.add_data(payload)
    try:
        code.make(fit=True)
    except (qrcode.exceptions.DataOverflowError, ValueError) as exc:
        raise QrTooLarge(f"{len(payload)} bytes do not fit a QR code") from exc
    matrix = np.array(code.get_matrix(), dtype=bool)
    if matrix.shape[1] * module > paper_width:
        raise QrTooLarge(f"QR symbol {matrix.shape[1] * module} dots wide > paper")
    pixels = np.where(matrix, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, mode="L").resize(
        (matrix.shape[1] * module, matrix.shape[0] * module), Image.Resampling.NEAREST
    )


def cell_width(ch: str, chinese: bool = True) -> int:
    """Width in dots of one character at size 1: in Chinese mode its GB 18030 columns
    (:func:`layout.char_columns`), otherwise one column."""
    return layout.DOTS_PER_COLUMN * (layout.char_columns(ch) if chinese else 1)


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATH, size, index=FONT_INDEX)


@functools.lru_cache(maxsize=4096)
def _advance(ch: str, size: int) -> int:
    """The font's advance width of ``ch`` at ``size``, in dots."""
    return round(_font(size).getlength(ch))


Row = list[Segment]


def wrap(line: TextLine, paper_width: int) -> list[Row]:
    """Split a line into rows that fit the paper, as the printer wraps."""
    rows: list[Row] = [[]]
    used = 0
    for seg in line.segments:
        start = 0
        for i, cell in enumerate(seg.cells()):
            w = cell * seg.width
            if used + w > paper_width and used > 0:
                if i > start:
                    rows[-1].append(replace(seg, text=seg.text[start:i]))
                rows.append([])
                used, start = 0, i
            used += w
        if start < len(seg.text):
            rows[-1].append(replace(seg, text=seg.text[start:]))
    return rows


def _row_size(row: Row) -> tuple[int, int]:
    width = sum(sum(s.cells()) * s.width for s in row)
    height = max([s.height for s in row], default=1) * CELL
    return width, max(LINE_SPACING, height + 6)


def _x(align: int, content_width: int, paper_width: int) -> int:
    if align == 1:
        return (paper_width - content_width) // 2
    if align == 2:
        return paper_width - content_width
    return 0


def _draw_segment(page: Image.Image, seg: Segment, x: int, baseline: int) -> int:
    """Draw a segment with its left end at x, each character centred in its own cell;
    return its width in dots."""
    cells = seg.cells()
    base_width = sum(cells)
    size = CELL * seg.height
    ascent = round(size * 0.88)
    font = _font(size)
    # Room below the baseline for Latin descenders, which go lower than the CJK em box.
    tile = Image.new("L", (max(1, base_width * seg.height), round(size * 1.15)), 255)
    draw = ImageDraw.Draw(tile)
    left = 0
    for ch, cell in zip(seg.text, cells, strict=True):
        room = cell * seg.height
        if not ch.isspace():
            advance = _advance(ch, size)
            draw.text((left + max(0, (room - advance) // 2), ascent), ch, font=font, fill=0,
                      anchor="ls", stroke_width=1 if seg.bold else 0, stroke_fill=0)
        left += room
    width = base_width * seg.width
    if tile.width != width:
        tile = tile.resize((max(1, width), tile.height))
    page.paste(tile, (x, baseline - ascent))
    return width


def render_page(blocks: list[Block], paper_width: int = PAPER_80MM) -> Image.Image:
    """Draw the blocks on a white strip of paper ``paper_width`` dots wide."""
    laid_out: list[tuple[Block | Row, int, int]] = []  # (item, align, height)
    for block in blocks:
        if isinstance(block, TextLine):
            for row in wrap(block, paper_width):
                laid_out.append((row, block.align, _row_size(row)[1]))
        elif isinstance(block, QrBlock):
            laid_out.append((block, block.align, block.image.height))
        else:
            laid_out.append((block, 0, block.dots))
    height = 2 * MARGIN + sum(h for _, _, h in laid_out)
    page = Image.new("L", (paper_width, height), 255)
    y = MARGIN
    for item, align, h in laid_out:
        if isinstance(item, list):
            x = _x(align, _row_size(item)[0], paper_width)
            for seg in item:
                x += _draw_segment(page, seg, x, y + h - 6)
        elif isinstance(item, QrBlock):
            page.paste(item.image, (_x(align, item.image.width, paper_width), y))
        y += h
    return page
