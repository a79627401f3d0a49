"""The wall display's panels that tell what became of each number and where each window
stands: the earlier calls (one column, no-shows and transfers marked), the window board
(open and idle, calling, serving, paused with its reason) and the missed numbers with the
way back (过号请到服务台重新签到)."""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent

from display.paint import (
    ALERT,
    ARROW,
    BACKGROUND,
    IDLE,
    MIN_TEXT_PX,
    MUTED,
    NUMBER,
    PANEL,
    PAUSED,
    TEXT,
    Panel,
    fitted_font,
)
from display.viewmodel import NO_SHOW, RECHECKED, TRANSFERRED, Call, WindowTile, pause_reason
from ui.qt import font

#: The history's tag for each outcome: (Chinese, English, colour); a plain call has none.
TAGS = {NO_SHOW: ("过号", "Missed", ALERT), TRANSFERRED: ("转至", "Moved", ARROW),
        RECHECKED: ("已重新签到", "Back in line", MUTED)}
#: The window board's words for each state, and the tile's colour.
STATES = {"idle": ("空闲", "Open", IDLE), "called": ("叫号", "Calling", PANEL),
          "serving": ("办理中", "Serving", PANEL), "remote": ("远程办理", "Video service", PANEL),
          "paused": ("暂停", "Paused", PAUSED)}
#: The most earlier calls listed.
HISTORY_ROWS = 8


def pill(painter: QPainter, rect: QRect, text: str, colour: QColor, size: int) -> int:
    """A rounded tag with ``text`` at the left of ``rect``; returns its width."""
    qfont = font(size, True)
    width = QFontMetrics(qfont).horizontalAdvance(text) + size
    height = min(rect.height(), size * 3 // 2)
    box = QRectF(rect.x(), rect.y() + (rect.height() - height) / 2, width, height)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(box, height / 4, height / 4)
    painter.setPen(BACKGROUND if colour != PANEL else TEXT)
    painter.setFont(qfont)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    return width


class HistoryPanel(Panel):
    """Calls made earlier that are no longer on the board, one column, the latest first: a
    call reads "A002 → 3号窗口", a no-show "A002 [过号] 3号窗口", a transfer
    "A003 [转至] B 工程建设" (or the window it was sent to)."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the earlier calls."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        area = self.rect().adjusted(self.px(16), self.px(12), -self.px(16), -self.px(12))
        area.setTop(area.top() + self.title(painter, area, "已叫号码", "Called earlier"))
        calls = self.calls()
        row_h = self.px(62)
        fit = max(1, area.height() // row_h)
        for index, call in enumerate(calls[:fit]):
            self._row(painter, QRect(area.x() + self.px(24), area.y() + index * row_h,
                                     area.width() - self.px(24), row_h), call)
        if not calls:
            painter.setPen(MUTED)
            painter.setFont(font(self.px(30)))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.text("暂无", "None yet"))
        painter.end()

    def calls(self) -> list[Call]:
        """The earlier calls listed: not those on the board now."""
        shown = {c.ticket for c in self.model.current_calls(self.screen_.board.rows())}
        return [c for c in self.model.recent if c.ticket not in shown][:HISTORY_ROWS]

    def _row(self, painter: QPainter, row: QRect, call: Call) -> None:
        lang = self.screen_.lang
        size = self.px(36)
        painter.setPen(MUTED if call.outcome else NUMBER)
        painter.setFont(font(size, True))
        number_w = self.px(118)
        painter.drawText(QRect(row.x(), row.y(), number_w, row.height()),
                         Qt.AlignmentFlag.AlignVCenter, call.number)
        left = row.x() + number_w
        tag = TAGS.get(call.outcome)
        if tag is None:
            place, colour = "→ " + self.model.place_name(call, lang), TEXT
        else:
            tag_rect = QRect(left, row.y(), row.right() - left, row.height())
            left += pill(painter, tag_rect, self.text(tag[0], tag[1]), tag[2],
                         self.px(MIN_TEXT_PX + 2)) + self.px(10)
            colour = TEXT if call.outcome == TRANSFERRED else MUTED
            place = (self.model.transfer_to(call, lang) if call.outcome == TRANSFERRED
                     else self.model.place_name(call, lang))
        painter.setPen(colour)
        self.fit(painter, QRect(left, row.y(), row.right() - left, row.height()), place,
                 self.px(32), True)


class WindowsPanel(Panel):
    """The window board: every window open or paused, in number order, as a tile coloured
    by what it does (green: open and free; blue: calling or serving a number; grey: paused,
    with the reason when the window gave one). Closed windows are not listed."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the tiles."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        area = self.rect().adjusted(self.px(16), self.px(12), -self.px(16), -self.px(12))
        area.setTop(area.top() + self.title(painter, area, "窗口状态", "Windows"))
        tiles = self.model.window_board()
        if not tiles:
            painter.setPen(MUTED)
            painter.setFont(font(self.px(30)))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter,
                             self.text("窗口尚未开放", "No window open yet"))
        columns, rows = grid(len(tiles), area.width(), area.height(), self.px(40),
                             self.px(140))
        if tiles:
            cell_w, cell_h = area.width() // columns, min(area.height() // rows, self.px(76))
            for index, tile in enumerate(tiles):
                cell = QRect(area.x() + (index // rows) * cell_w,
                             area.y() + (index % rows) * cell_h, cell_w, cell_h)
                self._tile(painter, cell.adjusted(self.px(5), self.px(5), -self.px(5),
                                                  -self.px(5)), tile)
        painter.end()

    def _tile(self, painter: QPainter, rect: QRect, tile: WindowTile) -> None:
        """One line: "3  空闲", "1  叫号 A004", "9  暂停 · 午休"."""
        zh, en, colour = STATES[tile.state]
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(rect), self.px(10), self.px(10))
        size = max(self.px(MIN_TEXT_PX), min(self.px(34), rect.height() * 7 // 10))
        inner = rect.adjusted(self.px(14), 0, -self.px(10), 0)
        number_w = QFontMetrics(font(size, True)).horizontalAdvance("00") + self.px(14)
        painter.setPen(TEXT)
        painter.setFont(font(size, True))
        painter.drawText(QRect(inner.x(), inner.y(), number_w, inner.height()),
                         Qt.AlignmentFlag.AlignVCenter, tile.window)
        state = self.text(zh, en)
        reason = pause_reason(tile.reason, self.screen_.lang)
        if reason:
            state = self.text(f"{state}·{reason}", f"{state} · {reason}")
        left = inner.x() + max(number_w, QFontMetrics(font(size, True)).horizontalAdvance(
            tile.window) + self.px(14))
        line = QRect(left, inner.y(), inner.right() - left, inner.height())
        if tile.number:
            painter.setPen(NUMBER)
            painter.setFont(font(size, True))
            painter.drawText(line, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             tile.number)
            line.setRight(line.right() - QFontMetrics(font(size, True)).horizontalAdvance(
                tile.number) - self.px(10))
        smallest = QFontMetrics(font(self.px(MIN_TEXT_PX))).horizontalAdvance(state)
        if tile.number and smallest > line.width():
            return      # a narrow tile: the number in gold says the window is busy
        if reason and smallest > line.width():
            state = reason      # grey says paused; the reason says for how long
        painter.setPen(TEXT)
        self.fit(painter, line, state, size * 85 // 100, not tile.number)


def grid(count: int, width: int, height: int, min_h: int, min_w: int) -> tuple[int, int]:
    """Columns and rows for ``count`` tiles in ``width`` × ``height``, filled column by
    column: the fewest columns whose rows are at least ``min_h`` high, as long as the
    columns stay ``min_w`` wide; else as many columns as fit that wide."""
    count = max(1, count)
    most = max(1, width // max(1, min_w))
    for columns in range(1, most + 1):
        rows = math.ceil(count / columns)
        if height // rows >= min_h:
            return columns, rows
    return most, math.ceil(count / most)


class MissedPanel(Panel):
    """Today's no-shows that may still check in again, and how: "请到服务台重新签到 /
    Please re-check in at the desk"."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the missed numbers."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        area = self.rect().adjusted(self.px(16), self.px(12), -self.px(16), -self.px(12))
        area.setTop(area.top() + self.title(painter, area, "过号号码", "Missed numbers"))
        hint_h = self.px(88) if self.screen_.lang == "zh" else self.px(48)
        hint = QRect(area.x() + self.px(24), area.bottom() - hint_h, area.width() - self.px(24),
                     hint_h)
        chips = QRect(area.x() + self.px(24), area.y(), area.width() - self.px(24),
                      hint.top() - area.y())
        self._numbers(painter, chips)
        painter.setPen(TEXT)
        if self.screen_.lang == "zh":
            painter.setFont(fitted_font("请到服务台重新签到", self.px(34), hint.width(), True))
            painter.drawText(hint.adjusted(0, 0, 0, -self.px(40)),
                             Qt.AlignmentFlag.AlignBottom, "请到服务台重新签到")
            painter.setPen(MUTED)
        english = "Please re-check in at the desk"
        only = self.screen_.lang == "en"
        painter.setFont(fitted_font(english, self.px(34 if only else 28), hint.width(), only))
        painter.drawText(hint, Qt.AlignmentFlag.AlignBottom, english)
        painter.end()

    def _numbers(self, painter: QPainter, rect: QRect) -> None:
        missed = self.model.missed
        if not missed:
            painter.setPen(MUTED)
            painter.setFont(font(self.px(30)))
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter, self.text("暂无", "None"))
            return
        size = self.px(36)
        chip_h = self.px(58)
        qfont = font(size, True)
        x, y = rect.x(), rect.y() + self.px(4)
        for index, entry in enumerate(missed):
            width = QFontMetrics(qfont).horizontalAdvance(entry.number) + self.px(28)
            if x + width > rect.right():
                x, y = rect.x(), y + chip_h + self.px(8)
            if y + chip_h > rect.bottom():
                more = f"+{len(missed) - index}"
                painter.setPen(MUTED)
                painter.setFont(qfont)
                painter.drawText(QRect(rect.right() - self.px(90), y - chip_h - self.px(8),
                                       self.px(90), chip_h),
                                 Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                                 more)
                return
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(ALERT)
            painter.setBrush(PANEL)
            painter.drawRoundedRect(QRectF(x, y, width, chip_h), self.px(10), self.px(10))
            painter.setPen(NUMBER)
            painter.setFont(qfont)
            painter.drawText(QRect(x, y, width, chip_h), Qt.AlignmentFlag.AlignCenter,
                             entry.number)
            x += width + self.px(12)
