"""The wall display's widgets (综合屏): they paint a :class:`~display.viewmodel.DisplayModel`.

Landscape (1920x1080) puts the current calls on the left and the earlier calls and waiting
counts on the right; portrait (1080x1920) stacks them. The layout follows the widget's shape,
and every size is scaled from those two reference sizes, so any window size works. Read from
3 m: numbers are ~110 px high on a 1080p wall screen, white and gold on dark blue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QPushButton, QWidget

from display.viewmodel import Call, DisplayModel, wait_text
from ui.qt import font, pick

BACKGROUND = QColor("#0b1f3a")
PANEL = QColor("#12305a")
TEXT = QColor("#ffffff")
MUTED = QColor("#a9bcd6")
NUMBER = QColor("#ffd23f")
HIGHLIGHT = QColor("#d62828")
ALERT = QColor("#ff6b6b")
ARROW = QColor("#4cc9f0")

WEEKDAYS_ZH = "一二三四五六日"
DEFAULT_NOTICE_ZH = ("欢迎来到{hall}！请凭号码留意叫号，过号请到服务台重新签到；"
                     "办事请携带有效身份证件；可在网上预约或用手机取号，"
                     "办理完毕请对我们的服务作出评价。")
DEFAULT_NOTICE_EN = ("Welcome to {hall}. Please watch for your number; if you missed it, check in "
                     "again at the service desk. Bring a valid ID. Book online or take a number "
                     "by phone, and please rate our service.")


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


class HeaderBar(Panel):
    """The hall's name, the date and the clock; a warning while the link is down."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the header."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), PANEL)
        now = self.screen_.now()
        margin = self.px(32)
        inner = self.rect().adjusted(margin, 0, -margin - self.px(120), 0)
        date = self._date(now)
        clock = now.strftime("%H:%M:%S")
        if self.screen_.portrait:
            top = QRect(inner.x(), 0, inner.width(), self.height() * 55 // 100)
            bottom = QRect(inner.x(), top.bottom(), inner.width(), self.height() - top.height())
            self._name(painter, top, Qt.AlignmentFlag.AlignVCenter)
            painter.setFont(font(self.px(36)))
            painter.setPen(MUTED)
            painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, date)
            painter.setFont(font(self.px(52), True))
            painter.setPen(TEXT)
            painter.drawText(bottom.adjusted(0, -self.px(10), 0, 0),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, clock)
        else:
            right = self.px(440)
            name_rect = QRect(inner.x(), 0, inner.width() - right, self.height())
            self._name(painter, name_rect, Qt.AlignmentFlag.AlignVCenter)
            painter.setFont(font(self.px(56), True))
            painter.setPen(TEXT)
            painter.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                             clock)
            painter.setFont(font(self.px(28)))
            painter.setPen(MUTED)
            painter.drawText(inner.adjusted(0, 0, 0, -self.px(10)),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, date)
        painter.end()

    def _name(self, painter: QPainter, rect: QRect, align: Qt.AlignmentFlag) -> None:
        name = self.model.hall_name(self.screen_.lang) or self.text("政务服务中心",
                                                                    "Government Service Center")
        painter.setPen(TEXT)
        painter.setFont(fitted_font(name, self.px(52), rect.width(), True))
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | align, name)

    def _date(self, now: datetime) -> str:
        if self.screen_.lang == "en":
            return now.strftime("%A %d %B %Y")
        return f"{now.year}年{now.month}月{now.day}日 星期{WEEKDAYS_ZH[now.weekday()]}"


class CallsBoard(Panel):
    """The windows' current calls in large type: "A001 → 3号窗口" (or "B012 → 视频服务区1号"
    for a ticket served by video from another hall); a new call blinks."""

    def rows(self) -> int:
        """How many calls fit."""
        return 6 if self.screen_.portrait else 5

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the board, then tell the listeners which model revision is on screen."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        area = self.rect().adjusted(self.px(16), self.px(12), -self.px(16), -self.px(12))
        top = self.title(painter, area, "正在呼叫", "Now calling")
        if self.model.loaded and not self.model.connected:
            painter.setPen(ALERT)
            painter.setFont(font(self.px(30), True))
            painter.drawText(QRect(area.x(), area.y(), area.width() - self.px(16), top),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             self.text("连接中断，正在重连…", "Connection lost, reconnecting…"))
        area.setTop(area.top() + top + self.px(8))
        calls = self.model.current_calls(self.rows())
        if not calls:
            painter.setPen(MUTED)
            painter.setFont(font(self.px(56)))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter,
                             self.text("请留意叫号", "Please watch for your number"))
        row_h = area.height() // self.rows()
        for index, call in enumerate(calls):
            row = QRect(area.x(), area.y() + index * row_h, area.width(), row_h - self.px(12))
            self._row(painter, row, call)
        painter.end()
        for listener in list(self.screen_.paint_listeners):
            listener(self.model.revision)

    def _row(self, painter: QPainter, row: QRect, call: Call) -> None:
        lit = self.model.highlighted(call) and self.screen_.blink_on
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(HIGHLIGHT if lit else PANEL)
        painter.drawRoundedRect(QRectF(row), self.px(18), self.px(18))
        number_w = row.width() * 40 // 100
        arrow_w = row.width() * 12 // 100
        size = min(self.px(112), row.height() * 82 // 100)
        texts = self.screen_.texts
        texts.draw(painter, QRect(row.x() + self.px(40), row.y(), number_w - self.px(40),
                                  row.height()), Qt.AlignmentFlag.AlignVCenter, call.number,
                   fitted_font(call.number, size, number_w - self.px(40), True),
                   TEXT if lit else NUMBER)
        texts.draw(painter, QRect(row.x() + number_w, row.y(), arrow_w, row.height()),
                   Qt.AlignmentFlag.AlignCenter, "→", font(size * 8 // 10, True),
                   TEXT if lit else ARROW)
        name = self.model.place_name(call, self.screen_.lang)
        left = row.x() + number_w + arrow_w
        width = row.right() - left - self.px(32)
        texts.draw(painter, QRect(left, row.y(), width, row.height()),
                   Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, name,
                   fitted_font(name, size * 85 // 100, width, True), TEXT)


class RecentPanel(Panel):
    """Calls made earlier that are no longer on the board, two columns."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the earlier calls."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        area = self.rect().adjusted(self.px(16), self.px(12), -self.px(16), -self.px(12))
        area.setTop(area.top() + self.title(painter, area, "已叫号码", "Called earlier"))
        shown = {c.ticket for c in self.model.current_calls(self.screen_.board.rows())}
        calls = [c for c in self.model.recent if c.ticket not in shown][:8]
        rows = 4
        row_h = min(area.height() // rows, self.px(72))
        col_w = area.width() // 2
        for index, call in enumerate(calls):
            x = area.x() + (index // rows) * col_w + self.px(24)
            y = area.y() + (index % rows) * row_h
            painter.setPen(NUMBER)
            painter.setFont(font(self.px(36), True))
            painter.drawText(QRect(x, y, col_w, row_h), Qt.AlignmentFlag.AlignVCenter,
                             call.number)
            painter.setPen(TEXT)
            name = "→ " + self.model.place_name(call, self.screen_.lang)
            width = col_w - self.px(24 + 125 + 16)
            painter.setFont(fitted_font(name, self.px(36), width, True))
            painter.drawText(QRect(x + self.px(125), y, width, row_h),
                             Qt.AlignmentFlag.AlignVCenter, name)
        if not calls:
            painter.setPen(MUTED)
            painter.setFont(font(self.px(30)))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.text("暂无", "None yet"))
        painter.end()


class WaitingPanel(Panel):
    """People waiting and the expected wait per theme; the windows paused."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the waiting table."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        area = self.rect().adjusted(self.px(16), self.px(12), -self.px(16), -self.px(12))
        area.setTop(area.top() + self.title(painter, area, "等候情况", "People waiting"))
        lang = self.screen_.lang
        themes = self.model.themes
        row_h = self.px(70)
        wait_w, count_w = self.px(260), self.px(190)
        for index, line in enumerate(themes):
            y = area.y() + index * row_h
            row = QRect(area.x(), y, area.width(), row_h - self.px(8))
            painter.fillRect(row, PANEL)
            name = f"{line.prefix}  {line.name_en if lang == 'en' else line.name_zh}"
            name_w = row.width() - wait_w - count_w - self.px(40)
            painter.setPen(TEXT)
            painter.setFont(fitted_font(name, self.px(34), name_w, True))
            painter.drawText(QRect(row.x() + self.px(20), y, name_w, row.height()),
                             Qt.AlignmentFlag.AlignVCenter, name)
            painter.setPen(NUMBER)
            painter.setFont(font(self.px(34), True))
            count = f"{line.waiting} " + self.text("人", "waiting")
            painter.drawText(QRect(row.right() - wait_w - count_w - self.px(20), y, count_w,
                                   row.height()),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, count)
            painter.setPen(TEXT)
            wait = wait_text(line, lang)
            painter.setFont(fitted_font(wait, self.px(30), wait_w))
            painter.drawText(row.adjusted(0, 0, -self.px(20), 0),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, wait)
        paused = sorted(self.model.paused, key=lambda w: (len(w), w))
        if paused:
            y = area.y() + len(themes) * row_h + self.px(8)
            listed = "、".join(paused) if lang == "zh" else ", ".join(paused)
            text = self.text(f"暂停服务窗口：{listed}", f"Paused windows: {listed}")
            painter.setPen(MUTED)
            painter.setFont(font(self.px(26)))
            painter.drawText(QRect(area.x() + self.px(20), y, area.width() - self.px(40),
                                   area.bottom() - y),
                             Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, text)
        painter.end()


class Marquee(Panel):
    """The scrolling notice (滚动公告), right to left."""

    SPEED_PX_S = 120
    STEP_MS = 33

    def __init__(self, screen: DisplayWindow) -> None:
        super().__init__(screen)
        self.offset = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(self.STEP_MS)
        self._timer.timeout.connect(self._step)

    def set_running(self, running: bool) -> None:
        """Scroll or stand still (screenshots stand still)."""
        if running:
            self._timer.start()
        else:
            self._timer.stop()

    def _step(self) -> None:
        self.offset += self.SPEED_PX_S * self.STEP_MS / 1000 * self.screen_.scale
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the notice at its current offset."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), PANEL)
        painter.setFont(font(self.px(36)))
        painter.setPen(TEXT)
        text = self.screen_.notice_text()
        width = QFontMetrics(painter.font()).horizontalAdvance(text) + self.px(200)
        start = self.width() - self.px(40) - int(self.offset) % (width + self.width())
        if not self._timer.isActive():
            start = self.px(32)
        painter.drawText(QRect(start, 0, width, self.height()), Qt.AlignmentFlag.AlignVCenter,
                         text)
        painter.end()


class DisplayWindow(QWidget):
    """The whole wall screen. ``lang`` is ``zh`` or ``en``; the layout is portrait when the
    widget is taller than wide. ``paint_listeners`` are told the model revision each time the
    calls board is painted (the benchmark measures call → repaint with it)."""

    def __init__(self, model: DisplayModel, lang: str = "zh", notice_zh: str | None = None,
                 notice_en: str | None = None, animate: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.lang = lang
        self.notice_zh, self.notice_en = notice_zh, notice_en
        self.scale = 1.0
        self.portrait = False
        self.blink_on = True
        self.paint_listeners: list[Callable[[int], None]] = []
        self.texts = TextCache()
        self.now: Callable[[], datetime] = self._hall_now
        self.setWindowTitle("hallq 综合屏 / Wall display")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), BACKGROUND)
        self.setPalette(palette)
        self.header = HeaderBar(self)
        self.board = CallsBoard(self)
        self.recent = RecentPanel(self)
        self.waiting = WaitingPanel(self)
        self.marquee = Marquee(self)
        self.toggle = QPushButton(self.header)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.toggle.clicked.connect(self.toggle_language)
        self.toggle.setStyleSheet("QPushButton{color:#a9bcd6;background:transparent;"
                                  "border:1px solid #a9bcd6;border-radius:6px}")
        self._blink = QTimer(self)
        self._blink.setInterval(500)
        self._blink.timeout.connect(self._blink_step)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self.header.update)
        self._arrange()
        self._label_toggle()
        self.set_animated(animate)

    # ------------------------------------------------------------------ state
    def set_animated(self, animate: bool) -> None:
        """Clock, marquee and blinking run (on a wall) or stand still (screenshots)."""
        self.animated = animate
        self.marquee.set_running(animate)
        if animate:
            self._clock.start()
        else:
            self._clock.stop()
            self._blink.stop()
            self.blink_on = True

    def refresh(self, calls: bool = True, waiting: bool = True) -> None:
        """The model changed: repaint what shows it (the calls, the waiting counts, or both);
        blink while a call is new."""
        if self.animated and self.model.any_highlighted() and not self._blink.isActive():
            self.blink_on = True
            self._blink.start()
        if calls:
            self.board.update()
            self.recent.update()
        if waiting:
            self.waiting.update()
        self.header.update()

    def toggle_language(self) -> None:
        """Chinese ⇄ English."""
        self.lang = "en" if self.lang == "zh" else "zh"
        self._label_toggle()
        self.update()
        for panel in (self.header, self.board, self.recent, self.waiting, self.marquee):
            panel.update()

    def notice_text(self) -> str:
        """The scrolling notice in the current language."""
        hall = self.model.hall_name(self.lang) or ""
        if self.lang == "en":
            return (self.notice_en or DEFAULT_NOTICE_EN).format(hall=hall or "the hall")
        return (self.notice_zh or DEFAULT_NOTICE_ZH).format(hall=hall or "政务服务中心")

    def _hall_now(self) -> datetime:
        try:
            zone = ZoneInfo(self.model.timezone) if self.model.timezone else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        return datetime.now(zone)

    def _label_toggle(self) -> None:
        self.toggle.setText("中文" if self.lang == "en" else "EN")

    def _blink_step(self) -> None:
        if not self.model.any_highlighted():
            self._blink.stop()
            self.blink_on = True
        else:
            self.blink_on = not self.blink_on
        self.board.update()

    # ------------------------------------------------------------------ layout
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt)
        """Choose landscape or portrait and the scale for the new size."""
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """Place the panels (plain geometry, no layout: sizes follow the screen's scale)."""
        width, height = max(1, self.width()), max(1, self.height())
        self.portrait = height > width
        self.scale = (min(width / 1080, height / 1920) if self.portrait
                      else min(width / 1920, height / 1080))
        header_h = round((190 if self.portrait else 120) * self.scale)
        marquee_h = round(80 * self.scale)
        body = QRect(0, header_h, width, height - header_h - marquee_h)
        self.header.setGeometry(0, 0, width, header_h)
        self.marquee.setGeometry(0, height - marquee_h, width, marquee_h)
        if self.portrait:
            board_h = body.height() * 56 // 100
            recent_h = body.height() * 20 // 100
            self.board.setGeometry(0, body.y(), width, board_h)
            self.recent.setGeometry(0, body.y() + board_h, width, recent_h)
            self.waiting.setGeometry(0, body.y() + board_h + recent_h, width,
                                     body.height() - board_h - recent_h)
        else:
            board_w = width * 60 // 100
            half = body.height() // 2
            self.board.setGeometry(0, body.y(), board_w, body.height())
            self.recent.setGeometry(board_w, body.y(), width - board_w, half)
            self.waiting.setGeometry(board_w, body.y() + half, width - board_w,
                                     body.height() - half)
        self.toggle.setGeometry(width - round(116 * self.scale), round(14 * self.scale),
                                round(96 * self.scale), round(40 * self.scale))
        self.toggle.setFont(font(max(8, round(22 * self.scale))))
