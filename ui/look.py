"""How hallq's touch screens look: colours, sizes and a few touch-sized widgets.

A :class:`Look` carries the language, the scale (screens are designed for a short side of
1080 px) and the palette, so every widget of a page is built the same way. Elderly mode
(适老化) is a larger scale and a high-contrast palette. The calling console uses it too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import qrcode
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.qt import font, pick


@dataclass(frozen=True)
class Palette:
    """The colours of one mode."""

    background: str
    text: str
    title: str
    muted: str
    header: str
    header_text: str
    tile: str
    tile_text: str
    tile_muted: str
    tile_border: str
    primary: str
    primary_text: str
    accent: str
    good: str
    bad: str
    disabled: str


NORMAL = Palette(
    background="#eef3f9", text="#15202e", title="#0b3d73", muted="#4b5a6b", header="#0b5cab",
    header_text="#ffffff", tile="#ffffff", tile_text="#0b3d73", tile_muted="#4b5a6b",
    tile_border="#9db8d9", primary="#0b5cab", primary_text="#ffffff", accent="#d9480f",
    good="#2b8a3e", bad="#c92a2a", disabled="#c5ccd5")
#: High contrast for elderly mode: black tiles with white and yellow text on white.
HIGH_CONTRAST = Palette(
    background="#ffffff", text="#000000", title="#000000", muted="#000000", header="#000000",
    header_text="#ffffff", tile="#000000", tile_text="#ffffff", tile_muted="#ffe066",
    tile_border="#000000", primary="#000000", primary_text="#ffe066", accent="#b00000",
    good="#006400", bad="#b00000", disabled="#9a9a9a")


@dataclass(frozen=True)
class Look:
    """Language, scale and palette of the page being built."""

    lang: str = "zh"
    scale: float = 1.0
    palette: Palette = NORMAL
    portrait: bool = False
    #: The scale without elderly mode's enlargement (for things already huge: a ticket number).
    base: float = 1.0
    elderly: bool = False

    @classmethod
    def for_size(cls, size: QSize, lang: str, elderly: bool = False) -> Look:
        """The look for a screen of ``size`` (elderly: 1.35× type, high contrast)."""
        short = max(1, min(size.width(), size.height()))
        base = min(2.0, max(0.5, short / 1080))
        scale = base * 1.35 if elderly else base
        return cls(lang=lang, scale=scale, palette=HIGH_CONTRAST if elderly else NORMAL,
                   portrait=size.height() > size.width(), base=base, elderly=elderly)

    def px(self, size: float) -> int:
        """A design size (for a 1080 px short side) at this scale."""
        return max(1, round(size * self.scale))

    def big(self, size: float) -> int:
        """A design size that elderly mode does not enlarge (it is large already)."""
        return max(1, round(size * self.base))

    def t(self, zh: str, en: str) -> str:
        """The text in this look's language."""
        return pick(self.lang, zh, en)


#: The first code point of the CJK scripts (text with any of them breaks between characters).
CJK_START = 0x2E80


def fit_text(text: str, qfont: QFont, width: int, max_lines: int = 2) -> str:
    """``text`` broken into at most ``max_lines`` lines of ``width`` px (the last one elided).

    Latin text breaks at spaces; Chinese breaks between characters.
    """
    metrics = QFontMetrics(qfont)
    sep = " " if not any(ord(c) >= CJK_START for c in text) else ""
    words = text.split(" ") if sep else list(text)
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current}{sep}{word}" if current else word
        if current and metrics.horizontalAdvance(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    if len(lines) > max_lines:
        rest = sep.join(lines[max_lines - 1:])
        lines = lines[:max_lines - 1] + [rest]
    elide = Qt.TextElideMode.ElideRight
    return "\n".join(metrics.elidedText(line, elide, width) for line in lines)


def label(look: Look, text: str, size: float, *, bold: bool = False, color: str | None = None,
          align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft, wrap: bool = False,
          name: str = "", big: bool = False) -> QLabel:
    """A label in the CJK font at a design size (``big``: not enlarged in elderly mode)."""
    widget = QLabel(text)
    widget.setFont(font(look.big(size) if big else look.px(size), bold))
    widget.setStyleSheet(f"color: {color or look.palette.text}; background: transparent;")
    widget.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    widget.setWordWrap(wrap)
    if name:
        widget.setObjectName(name)
    return widget


def button(look: Look, text: str, on_click: Callable[[], None], *, size: float = 34,
           kind: str = "primary", name: str = "", enabled: bool = True,
           min_height: float = 96) -> QPushButton:
    """A touch-sized push button (``kind``: primary, accent, plain, header)."""
    pal = look.palette
    back, fore = {"primary": (pal.primary, pal.primary_text), "accent": (pal.accent, "#ffffff"),
                  "plain": (pal.tile, pal.tile_text),
                  "header": ("transparent", pal.header_text)}[kind]
    border = pal.header_text if kind == "header" else pal.tile_border
    widget = QPushButton(text)
    widget.setFont(font(look.px(size), True))
    widget.setMinimumHeight(look.px(min_height))
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    widget.setStyleSheet(
        f"QPushButton {{ background: {back}; color: {fore}; border: {look.px(3)}px solid "
        f"{border}; border-radius: {look.px(16)}px; padding: 0 {look.px(28)}px; }}"
        f"QPushButton:disabled {{ background: {pal.disabled}; color: #555555; }}")
    # not the bound method itself: PySide6 keeps a weak reference for each connection to a
    # bound method after the button is gone (one per button of every page drawn), and would
    # pass ``checked``
    widget.clicked.connect(lambda: on_click())
    widget.setEnabled(enabled)
    if name:
        widget.setObjectName(name)
    return widget


class Tile(QFrame):
    """A large touch tile with a title and lines below it (themes, items); emits ``clicked``.

    A frame rather than a push button, so that its layout's size is respected.
    """

    clicked = Signal()

    def __init__(self, look: Look, title: str, lines: list[str], on_click: Callable[[], None],
                 *, title_size: float = 48, line_size: float = 28, name: str = "",
                 enabled: bool = True, spacing: float = 6, width: int = 0,
                 big_title: bool = False) -> None:
        super().__init__()
        pal = look.palette
        self.setObjectName(name or "tile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet(
            f"QFrame#{self.objectName()} {{ background: {pal.tile if enabled else pal.disabled};"
            f" border: {look.px(3)}px solid {pal.tile_border}; border-radius: {look.px(20)}px; }}")
        layout = QVBoxLayout(self)
        pad = look.px(22)
        layout.setContentsMargins(pad, look.px(12), pad, look.px(12))
        layout.setSpacing(look.px(spacing))
        color = pal.tile_text if enabled else "#444444"
        room = width - 2 * pad - 2 * look.px(3)
        title_px = look.big(title_size) if big_title else look.px(title_size)
        if room > 0:
            title = fit_text(title, font(title_px, True), room)
            lines = [fit_text(line, font(look.px(line_size)), room, 1) for line in lines]
        self.title = label(look, title, title_size, bold=True, color=color, big=big_title)
        layout.addWidget(self.title)
        for line in lines:
            layout.addWidget(label(look, line, line_size, color=pal.tile_muted if enabled
                                   else "#444444"))
        layout.addStretch(1)
        self.setEnabled(enabled)
        self.clicked.connect(lambda: on_click())  # as in button(): no reference left behind

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        """A touch released on the tile is a click."""
        if self.isEnabled() and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


@functools.lru_cache(maxsize=32)
def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of a QR code of ``text`` (error correction M, a 2-module quiet zone)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def qr_pixmap(text: str, size_px: int) -> QPixmap:
    """A QR code of ``text`` as a square pixmap of about ``size_px`` pixels."""
    matrix = qr_matrix(text)
    modules = len(matrix)
    cell = max(1, size_px // modules)
    image = QImage(cell * modules, cell * modules, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(x * cell, y * cell, cell, cell, QColor("black"))
    painter.end()
    return QPixmap.fromImage(image)


def clear_layout_widget(widget: QWidget | None) -> None:
    """Hide and delete a page once Qt is done with it."""
    if widget is not None:
        widget.hide()
        widget.deleteLater()
