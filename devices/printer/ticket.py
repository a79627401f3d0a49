"""What a hall ticket says, and the exact ESC/POS bytes that print it.

Chinese is sent in GB 18030 after ``FS &`` (Chinese mode): python-escpos's own text encoders
pick a Western code page and garble Chinese (python-escpos issue #491), so this module encodes
text itself and hands the printer raw bytes. The QR code is the printer's native one
(``GS ( k``), so it is sharp at any module size and costs ~100 bytes instead of an image.

Every line is laid out for the paper (:mod:`devices.printer.layout`): its columns counted as
the printer counts them, wrapped Chinese first, never past the edge.

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

from devices.printer import layout
from devices.printer.errors import TicketContentError

ENCODING = layout.ENCODING
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
#: A whole resident ID number (18 characters): never printed.
FULL_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
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
    waiting_area_zh: str = ""
    waiting_area_en: str = ""
    windows: tuple[str, ...] = ()
    """The numbers of the windows that serve the ticket's theme."""
    wait_line: str = ""
    """The wait as the hall's screens word it (the kiosk gives it, from ``hall.wait_text``);
    when empty, ``expected_wait_s`` in minutes."""

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
        texts = (self.privacy_line, self.hall_name, self.theme_name, *self.notices, self.wait_line,
                 self.waiting_area_zh, self.waiting_area_en)
        for text in texts:
            if FULL_ID_NUMBER.search(text):
                # Never print a full ID number; the detail must not contain it either.
                raise TicketContentError("a text line holds an unmasked ID number")


def clean_text(text: str) -> str:
    """The text as one printable line: control characters (ESC, LF…) become spaces."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).strip()


def text_line(text: str) -> bytes:
    """One line of text in GB 18030, ended by LF."""
    return layout.encode(clean_text(text)) + LF


def laid_out(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` columns. A bilingual "中文 / English" line too
    long for one line goes on two, Chinese first; a part still too long breaks at its " · "
    first, then wherever :func:`layout.wrap` may."""
    text = clean_text(text)
    if layout.columns(text) <= width:
        return [text] if text else []
    zh, slash, en = text.partition(" / ")
    return _packed(zh, width) + (_packed(en, width) if slash else [])


def _packed(text: str, width: int, sep: str = " · ") -> list[str]:
    """The ``sep``-separated pieces of ``text`` packed into lines of ``width`` columns."""
    lines: list[str] = []
    for piece in text.split(sep):
        joined = f"{lines[-1]}{sep}{piece}" if lines else piece
        if lines and layout.columns(joined) <= width:
            lines[-1] = joined
        else:
            lines += layout.wrap(piece, width)
    return lines


def text_lines(text: str, width: int) -> bytes:
    """``text`` laid out in ``width`` columns, each line in GB 18030 ended by LF."""
    return b"".join(layout.encode(line) + LF for line in laid_out(text, width))


def where_line(content: TicketContent) -> str:
    """"请在 A 区等候 · 1、2、5 号窗口办理 / Wait in area A · windows 1, 2, 5" (the parts
    known; "" when neither the area nor the windows are)."""
    zh: list[str] = []
    en: list[str] = []
    if content.waiting_area_zh:
        area = content.waiting_area_zh
        zh.append(f"请在{' ' if area[0].isascii() else ''}{area}等候")
        en.append(f"Wait in {content.waiting_area_en or content.waiting_area_zh}")
    if content.windows:
        ranges = window_ranges(content.windows)
        zh.append(f"{'、'.join(ranges)} 号窗口办理")
        en.append(("window " if len(content.windows) == 1 else "windows ") + ", ".join(ranges))
    return f"{' · '.join(zh)} / {' · '.join(en)}" if zh else ""


def window_ranges(numbers: tuple[str, ...]) -> list[str]:
    """Window numbers with runs of three or more consecutive ones as "3-9"."""
    out: list[str] = []
    run: list[int] = []

    def close_run() -> None:
        if len(run) >= 3:
            out.append(f"{run[0]}-{run[-1]}")
        else:
            out.extend(str(n) for n in run)
        run.clear()

    for number in numbers:
        if number.isdigit() and run and int(number) == run[-1] + 1:
            run.append(int(number))
            continue
        close_run()
        if number.isdigit() and str(int(number)) == number:
            run.append(int(number))
        else:
            out.append(number)
    close_run()
    return out


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


def render_ticket(content: TicketContent, paper_dots: int = layout.PAPER_80MM_DOTS) -> bytes:
    """The exact ESC/POS byte stream of one hall ticket on paper ``paper_dots`` wide: every
    line laid out in the columns of its character size, none past the paper."""
    content.validate()
    width = layout.paper_columns(paper_dots)
    minutes = content.wait_minutes
    # the number as large as fits: 5 x 5, smaller for a long number on narrow paper
    number_size = max(1, min(NUMBER_SIZE[0], paper_dots // (layout.DOTS_PER_COLUMN
                                                            * len(content.number))))
    out = bytearray(HW_INIT + CHINESE_ON + ALIGN_CENTER)
    # the hall's name double size, or only double height where that keeps it on one line
    hall_width = HALL_SIZE[0] if layout.columns(clean_text(content.hall_name)) \
        <= layout.paper_columns(paper_dots, HALL_SIZE[0]) else 1
    out += BOLD_ON + char_size(hall_width, HALL_SIZE[1])
    out += text_lines(content.hall_name, layout.paper_columns(paper_dots, hall_width))
    out += char_size(1, 1) + BOLD_OFF
    out += text_lines(content.theme_name, width)
    if content.theme_name_en:
        out += text_lines(content.theme_name_en, width)
    out += LF + BOLD_ON + char_size(number_size, number_size) + text_line(content.number)
    out += char_size(1, 1) + BOLD_OFF + LF
    lines = [f"前面还有 {content.ahead} 人 / {content.ahead} ahead",
             content.wait_line or f"预计等待 约 {minutes} 分钟 / about {minutes} min",
             where_line(content),
             f"取号时间 {content.issued_at:%Y-%m-%d %H:%M}",
             content.privacy_line, *content.notices]
    for line in lines:
        out += text_lines(line, width)
    out += LF + native_qr(content.qr_url) + LF
    out += text_lines("扫码查看进度 / Scan to follow your turn", width)
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
