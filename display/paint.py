"""What the wall display's panels share: the colours, a cache of large text, a font that fits,
and :class:`Panel`, a part of the screen painting the model at the screen's scale."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap
from PySide6.QtWidgets import QWidget

from ui.qt import font, pick

if TYPE_CHECKING:
    from display.viewmodel import DisplayModel
    from display.wall import DisplayWindow

BACKGROUND = QColor("#0b1f3a")
PANEL = QColor("#12305a")
TEXT = QColor("#ffffff")
MUTED = QColor("#a9bcd6")
NUMBER = QColor("#ffd23f")
HIGHLIGHT = QColor("#d62828")
ALERT = QColor("#ff6b6b")
ARROW = QColor("#4cc9f0")
IDLE = QColor("#2b9348")
"""An open window with nobody at it: green, come forward."""
PAUSED = QColor("#5c677d")
NOTICE_BG = QColor("#ffd23f")
"""A supervisor's notice on the marquee: amber, dark text, so it is not read as the greeting."""
NOTICE_TEXT = QColor("#0b1f3a")
#: The smallest text on the wall (design px at 1080p): still read from 3 m.
MIN_TEXT_PX = 24


class TextCache:
    """Large text drawn once into a pixmap and blitted after: Qt's raster engine caches no
    glyphs above ~64 px, so a 110 px ticket number would be rasterised again on every paint."""

    LIMIT = 512

    def __init__(self) -> None:
        self._pixmaps: dict[tuple, QPixmap] = {}

    def draw(self, painter: QPainter, rect: QRect, align: Qt.AlignmentFlag, text: str,
             qfont: QFont, colour: QColor) -> None:
        """Draw ``text`` in ``rect`` like ``painter.drawText(rect, align, text)``."""
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        key = (text, qfont.key(), colour.rgba(), ratio)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = self._render(text, qfont, colour, ratio)
            if len(self._pixmaps) >= self.LIMIT:
                self._pixmaps.clear()
            self._pixmaps[key] = pixmap
        width = pixmap.width() / ratio
        height = pixmap.height() / ratio
        if align & Qt.AlignmentFlag.AlignRight:
            x = rect.right() + 1 - width
        elif align & Qt.AlignmentFlag.AlignHCenter:
            x = rect.x() + (rect.width() - width) / 2
        else:
            x = rect.x()
        if align & Qt.AlignmentFlag.AlignVCenter:
            y = rect.y() + (rect.height() - height) / 2
        elif align & Qt.AlignmentFlag.AlignBottom:
            y = rect.bottom() + 1 - height
        else:
            y = rect.y()
        painter.drawPixmap(QPointF(x, y), pixmap)

    @staticmethod
    def _render(text: str, qfont: QFont, colour: QColor, ratio: float) -> QPixmap:
        metrics = QFontMetrics(qfont)
        width, height = max(1, metrics.horizontalAdvance(text)), max(1, metrics.height())
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setFont(qfont)
        painter.setPen(colour)
        painter.drawText(0, metrics.ascent(), text)
        painter.end()
        return pixmap


def fitted_font(text: str, size_px: int, max_width: int, bold: bool = False) -> QFont:
    """The CJK font at ``size_px``, smaller if needed so that ``text`` fits in ``max_width``."""
    result = font(size_px, bold)
    width = QFontMetrics(result).horizontalAdvance(text)
    if width > max_width > 0:
        result = font(max(8, int(size_px * max_width / width)), bold)
    return result


class Panel(QWidget):
    """A part of the wall screen painting the shared model at the window's scale."""

    def __init__(self, screen: DisplayWindow) -> None:
        super().__init__(screen)
        self.screen_ = screen
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    @property
    def model(self) -> DisplayModel:
        """The model painted."""
        return self.screen_.model

    def px(self, size: float) -> int:
        """A size designed for the reference screen, scaled to this one."""
        return max(1, round(size * self.screen_.scale))

    def text(self, zh: str, en: str) -> str:
        """The text in the screen's language."""
        return pick(self.screen_.lang, zh, en)

    def fit(self, painter: QPainter, rect: QRect, text: str, size: int, bold: bool = False,
            align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignVCenter) -> None:
        """Draw ``text`` in ``rect`` at ``size`` px, smaller if it is too wide but never under
        the wall's smallest text (:data:`MIN_TEXT_PX`); what still does not fit ends in "…"."""
        smallest = self.px(MIN_TEXT_PX)
        qfont = fitted_font(text, size, rect.width(), bold)
        if qfont.pixelSize() < smallest:
            qfont = font(min(size, smallest), bold)
            text = QFontMetrics(qfont).elidedText(text, Qt.TextElideMode.ElideRight,
                                                   rect.width())
        painter.setFont(qfont)
        painter.drawText(rect, align, text)

    def title(self, painter: QPainter, rect: QRect, zh: str, en: str) -> int:
        """A section title (Chinese with a small English subtitle); returns its height."""
        height = self.px(64)
        painter.setPen(ARROW)
        painter.setFont(font(self.px(40), True))
        main = self.text(zh, en)
        left = rect.x() + self.px(24)
        painter.drawText(left, rect.y(), rect.width(), height, Qt.AlignmentFlag.AlignVCenter, main)
        if self.screen_.lang == "zh":
            offset = left + QFontMetrics(painter.font()).horizontalAdvance(main) + self.px(24)
            painter.setFont(font(self.px(24)))
            painter.setPen(MUTED)
            painter.drawText(offset, rect.y(), rect.right() - offset, height,
                             Qt.AlignmentFlag.AlignVCenter, en)
        return height
