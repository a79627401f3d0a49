"""What a hall ticket says, and the exact ESC/POS bytes that print it.

Chinese is sent in GB 18030 after ``FS &`` (Chinese mode): python-escpos's own text encoders
pick a Western code page and garble Chinese (python-escpos issue #491), so this module encodes
text itself and hands the printer raw bytes. The QR code is the printer's native one
(``GS ( k``), so it is sharp at any module size and costs ~100 bytes instead of an image.

The byte building is deterministic: the same :class:`TicketContent` always gives the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from escpos.constants import (
    CTL_LF,
    ESC,
    FS,
    GS,
    HW_INIT,
    PAPER_PART_CUT,
    QR_ECLEVEL_M,
    QR_MODEL_2,
    TXT_SIZE,
    TXT_STYLE,
)

from devices.printer.errors import TicketContentError

ENCODING = "gb18030"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
ALIGN_LEFT = TXT_STYLE["align"]["left"]
ALIGN_CENTER = TXT_STYLE["align"]["center"]
BOLD_ON = TXT_STYLE["bold"][True]
BOLD_OFF = TXT_STYLE["bold"][False]
LF = CTL_LF

#: Character size (width, height multipliers) of the ticket parts.
HALL_SIZE = (2, 2)
NUMBER_SIZE = (5, 5)
#: QR module size in dots and error-correction level (M: survives a smudge or a fold).
QR_MODULE_DOTS = 6
QR_EC_LEVEL = QR_ECLEVEL_M
#: Byte-mode capacity of a version-40 QR code at level M.
QR_MAX_BYTES = 2331
#: Lines fed before the cut so the last printed line clears the cutter.
FEED_BEFORE_CUT = 4

_QR_CN = b"1"  # GS ( k symbol type 49: QR code
_FULL_ID = re.compile(r"\d{17}[\dXx]")
_NUMBER = re.compile(r"[A-Za-z0-9-]{1,8}")


@dataclass(frozen=True)
class TicketContent:
    """Everything printed on one hall ticket (no personal data beyond the privacy line)."""

    hall_name: str
    theme_name: str
    number: str
    ahead: int
    expected_wait_s: int
    issued_at: datetime
    privacy_line: str
    qr_url: str
    theme_name_en: str = ""
    notices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def wait_minutes(self) -> int:
        """The expected wait rounded up to whole minutes."""
        return -(-self.expected_wait_s // 60)

    def validate(self) -> None:
        """Raise :class:`TicketContentError` when the ticket cannot be printed as given."""
        if not _NUMBER.fullmatch(self.number):
            raise TicketContentError(f"ticket number {self.number!r} is not 1-8 letters/digits")
        if not self.hall_name.strip() or not self.theme_name.strip():
            raise TicketContentError("hall name and theme name are required")
        if self.ahead < 0 or self.expected_wait_s < 0:
            raise TicketContentError("ahead and expected wait must not be negative")
        if not self.qr_url or len(self.qr_url.encode("utf-8")) > QR_MAX_BYTES:
            raise TicketContentError(f"qr_url must be 1-{QR_MAX_BYTES} bytes")
        for text in (self.privacy_line, self.hall_name, self.theme_name, *self.notices):
            if _FULL_ID.search(text):
                # Never print a full ID number; the detail must not contain it either.
                raise TicketContentError("a text line holds an unmasked ID number")


def clean_text(text: str) -> str:
    """The text as one printable line: control characters (ESC, LF…) become spaces."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).strip()


def text_line(text: str) -> bytes:
    """One line of text in GB 18030, ended by LF."""
    return clean_text(text).encode(ENCODING) + LF


def char_size(width: int, height: int) -> bytes:
    """``GS ! n``: character size as width and height multipliers (1-8 each)."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError("character size multipliers must be 1-8")
    return TXT_SIZE + bytes([(width - 1) << 4 | (height - 1)])


def feed_lines(n: int) -> bytes:
    """``ESC d n``: print the buffer and feed n lines."""
    return ESC + b"d" + bytes([n])


def _gs_k(fn: int, data: bytes, m: bytes = b"") -> bytes:
    """One ``GS ( k`` QR function: length (pL pH) counts cn, fn, m and the data."""
    size = len(data) + len(m) + 2
    return GS + b"(k" + size.to_bytes(2, "little") + _QR_CN + bytes([fn]) + m + data


def native_qr(payload: str, module_dots: int = QR_MODULE_DOTS, ec: int = QR_EC_LEVEL) -> bytes:
    """The ``GS ( k`` sequence that stores and prints a model-2 QR code of ``payload``."""
    return (
        _gs_k(65, bytes([48 + QR_MODEL_2, 0]))  # select model 2
        + _gs_k(67, bytes([module_dots]))  # module size in dots
        + _gs_k(69, bytes([48 + ec]))  # error-correction level
        + _gs_k(80, payload.encode("utf-8"), m=b"0")  # store the data
        + _gs_k(81, b"", m=b"0")  # print the stored symbol
    )


def cut() -> bytes:
    """Feed the last line past the cutter, then a partial cut (the ticket stays easy to tear)."""
    return feed_lines(FEED_BEFORE_CUT) + PAPER_PART_CUT


def render_ticket(content: TicketContent) -> bytes:
    """The exact ESC/POS byte stream of one hall ticket."""
    content.validate()
    minutes = content.wait_minutes
    out = bytearray(HW_INIT + CHINESE_ON + ALIGN_CENTER)
    out += BOLD_ON + char_size(*HALL_SIZE) + text_line(content.hall_name)
    out += char_size(1, 1) + BOLD_OFF
    out += text_line(content.theme_name)
    if content.theme_name_en:
        out += text_line(content.theme_name_en)
    out += LF + BOLD_ON + char_size(*NUMBER_SIZE) + text_line(content.number)
    out += char_size(1, 1) + BOLD_OFF + LF
    out += text_line(f"前面还有 {content.ahead} 人 / {content.ahead} ahead")
    out += text_line(f"预计等待 约 {minutes} 分钟 / about {minutes} min")
    out += text_line(f"取号时间 {content.issued_at:%Y-%m-%d %H:%M}")
    out += text_line(content.privacy_line)
    for notice in content.notices:
        out += text_line(notice)
    out += LF + native_qr(content.qr_url) + LF
    out += text_line("扫码查看进度 / Scan to follow your turn")
    out += cut()
    return bytes(out)


def render_test_page(printer_url: str, when: datetime) -> bytes:
    """A technician's test page: sizes, bold, alignment, Chinese text and a native QR code."""
    out = bytearray(HW_INIT + CHINESE_ON + ALIGN_CENTER)
    out += BOLD_ON + char_size(2, 2) + text_line("打印测试页") + char_size(1, 1) + BOLD_OFF
    out += text_line("Printer test page")
    out += text_line(f"{when:%Y-%m-%d %H:%M:%S}")
    out += ALIGN_LEFT + text_line("中文 GB18030：政务服务 取号 叫号 办理")
    out += text_line("ASCII: 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    out += text_line(f"设备 Device: {printer_url}")
    out += ALIGN_CENTER
    for size in (1, 2, 3):
        out += char_size(size, size) + text_line(f"A00{size}")
    out += char_size(1, 1) + native_qr("hallq printer test") + LF
    out += cut()
    return bytes(out)
