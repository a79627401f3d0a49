"""A printed slip that is not a numbered ticket — a service guide (办事指南), a receipt — and the
exact ESC/POS bytes that print it, in the same way as :mod:`devices.printer.ticket`: Chinese in
GB 18030 after ``FS &``, every line laid out in the paper's columns, a native QR code.

A slip is a title (double height), a subtitle, sections of lines under a bold heading, an
optional QR code with its caption, and small lines at the foot. Deterministic: the same
:class:`SlipContent` always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from escpos.constants import HW_INIT

from devices.printer import layout
from devices.printer.errors import TicketContentError
from devices.printer.ticket import (
    ALIGN_CENTER,
    ALIGN_LEFT,
    BOLD_OFF,
    BOLD_ON,
    CHINESE_ON,
    FULL_ID_NUMBER,
    LF,
    QR_MAX_BYTES,
    char_size,
    cut,
    native_qr,
    text_lines,
)

#: The most lines a slip may hold (about 70 cm of paper): a guide, not a book.
MAX_LINES = 160


@dataclass(frozen=True)
class SlipSection:
    """A heading and the lines under it (each laid out for the paper; "" for a blank line)."""

    heading: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlipContent:
    """Everything printed on one slip. No personal data beyond masked forms."""

    title: str
    subtitle: str = ""
    sections: tuple[SlipSection, ...] = field(default_factory=tuple)
    qr_url: str = ""
    qr_caption: str = ""
    footer: tuple[str, ...] = ()

    def texts(self) -> list[str]:
        """Every text of the slip, in print order."""
        out = [self.title, self.subtitle]
        for section in self.sections:
            out += [section.heading, *section.lines]
        return [*out, self.qr_caption, *self.footer]

    def validate(self) -> None:
        """Raise :class:`TicketContentError` when the slip cannot be printed as given."""
        if not self.title.strip():
            raise TicketContentError("a slip needs a title")
        if len(self.qr_url.encode("utf-8")) > QR_MAX_BYTES:
            raise TicketContentError(f"qr_url must be at most {QR_MAX_BYTES} bytes")
        texts = self.texts()
        if len(texts) > MAX_LINES:
            raise TicketContentError(f"a slip holds at most {MAX_LINES} lines")
        if any(FULL_ID_NUMBER.search(text) for text in texts + [self.qr_url]):
            raise TicketContentError("a text line holds an unmasked ID number")


def render_slip(content: SlipContent, paper_dots: int = layout.PAPER_80MM_DOTS) -> bytes:
    """The exact ESC/POS byte stream of one slip on paper ``paper_dots`` wide."""
    content.validate()
    width = layout.paper_columns(paper_dots)
    out = bytearray(HW_INIT + CHINESE_ON + ALIGN_CENTER)
    out += BOLD_ON + char_size(1, 2) + text_lines(content.title, width)
    out += char_size(1, 1) + BOLD_OFF
    if content.subtitle:
        out += text_lines(content.subtitle, width)
    out += ALIGN_LEFT
    for section in content.sections:
        out += LF + BOLD_ON + text_lines(section.heading, width) + BOLD_OFF
        for line in section.lines:
            out += text_lines(line, width) if line.strip() else LF
    if content.qr_url:
        out += LF + ALIGN_CENTER + native_qr(content.qr_url) + LF
        if content.qr_caption:
            out += text_lines(content.qr_caption, width)
    if content.footer:
        out += LF + ALIGN_CENTER
        for line in content.footer:
            out += text_lines(line, width)
    out += cut()
    return bytes(out)
