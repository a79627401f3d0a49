"""What a self-service submission's receipt (回执) says, and the exact ESC/POS bytes that print it.

The same printer language and layout as the hall ticket (:mod:`devices.printer.ticket`): Chinese
in GB 18030 after ``FS &``, every line laid out in the paper's columns Chinese first, the
printer's native QR code. The receipt code is printed large: it is what the citizen quotes at a
desk or types on the progress page; the QR code opens that page on a phone. No personal data:
the receipt names the item, the materials and the time, never the citizen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from escpos.constants import HW_INIT

from devices.printer import layout
from devices.printer.errors import TicketContentError
from devices.printer.ticket import (
    ALIGN_CENTER,
    ALIGN_LEFT,
    BOLD_OFF,
    BOLD_ON,
    CHINESE_ON,
    HALL_SIZE,
    LF,
    QR_MAX_BYTES,
    char_size,
    clean_text,
    cut,
    native_qr,
    text_line,
    text_lines,
)

#: Character size of the receipt code (10 characters fit 58 mm paper at double width).
CODE_SIZE = (2, 2)
_CODE = re.compile(r"[A-Z0-9]{6,16}")
_FULL_ID = re.compile(r"\d{17}[\dXx]")
QUEUED_LINE = "材料将在网络恢复后自动上传 / will be sent when the network is back"


@dataclass(frozen=True)
class ReceiptMaterial:
    """One material received: its name and how (pages photographed, or reused)."""

    name_zh: str
    name_en: str
    pages: int
    reused: bool


@dataclass(frozen=True)
class ReceiptContent:
    """Everything printed on one submission receipt (no personal data)."""

    hall_name: str
    item_name_zh: str
    item_name_en: str
    receipt_code: str
    submitted_at: datetime
    progress_url: str
    materials: tuple[ReceiptMaterial, ...] = ()
    queued: bool = False

    def validate(self) -> None:
        """Raise :class:`TicketContentError` when the receipt cannot be printed as given."""
        if not _CODE.fullmatch(self.receipt_code):
            raise TicketContentError(f"receipt code {self.receipt_code!r} is not 6-16 "
                                     "capital letters/digits")
        if not self.hall_name.strip() or not self.item_name_zh.strip():
            raise TicketContentError("hall name and item name are required")
        if not self.progress_url or len(self.progress_url.encode("utf-8")) > QR_MAX_BYTES:
            raise TicketContentError(f"progress_url must be 1-{QR_MAX_BYTES} bytes")
        texts = [self.hall_name, self.item_name_zh, self.item_name_en]
        texts += [m.name_zh + m.name_en for m in self.materials]
        if any(_FULL_ID.search(text) for text in texts):
            raise TicketContentError("a text line holds an unmasked ID number")


def material_line(material: ReceiptMaterial) -> str:
    """"· 购房合同 1 页 / Home purchase contract, 1 p." or, reused, "（复用）" / "(reused)"."""
    if material.reused:
        return f"· {material.name_zh}（复用已有材料） / {material.name_en} (reused)"
    return f"· {material.name_zh} {material.pages} 页 / {material.name_en}, {material.pages} p."


def render_receipt(content: ReceiptContent, paper_dots: int = layout.PAPER_80MM_DOTS) -> bytes:
    """The exact ESC/POS byte stream of one receipt on paper ``paper_dots`` wide."""
    content.validate()
    width = layout.paper_columns(paper_dots)
    out = bytearray(HW_INIT + CHINESE_ON + ALIGN_CENTER)
    hall_width = HALL_SIZE[0] if layout.columns(clean_text(content.hall_name)) \
        <= layout.paper_columns(paper_dots, HALL_SIZE[0]) else 1
    out += BOLD_ON + char_size(hall_width, HALL_SIZE[1])
    out += text_lines(content.hall_name, layout.paper_columns(paper_dots, hall_width))
    out += char_size(1, 1)
    out += text_line("自助申报回执") + BOLD_OFF + text_line("Submission receipt")
    out += LF + text_lines(content.item_name_zh, width)
    if content.item_name_en:
        out += text_lines(content.item_name_en, width)
    out += LF + text_line("回执编号 / Receipt code")
    code_width = CODE_SIZE[0] if len(content.receipt_code) \
        <= layout.paper_columns(paper_dots, CODE_SIZE[0]) else 1
    out += BOLD_ON + char_size(code_width, CODE_SIZE[1]) + text_line(content.receipt_code)
    out += char_size(1, 1) + BOLD_OFF + LF + ALIGN_LEFT
    out += text_lines("已收材料 / Materials received", width)
    for material in content.materials:
        out += text_lines(material_line(material), width)
    out += text_lines(f"提交时间 {content.submitted_at:%Y-%m-%d %H:%M}", width)
    if content.queued:
        out += BOLD_ON + text_lines(QUEUED_LINE, width) + BOLD_OFF
    out += ALIGN_CENTER + LF + native_qr(content.progress_url) + LF
    out += text_lines("扫码查看办理进度 / Scan to follow your application", width)
    out += text_lines("请妥善保管本回执 / Please keep this receipt", width)
    out += cut()
    return bytes(out)
