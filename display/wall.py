"""The wall display's widgets (综合屏): they paint a :class:`~display.viewmodel.DisplayModel`.

Landscape (1920x1080) puts the current calls on the left half; on the right, the people
waiting per theme (with the QR code for taking a number by phone) above the earlier calls, the
window board and the missed numbers. Portrait (1080x1920) stacks the calls, the waiting and
those three. The layout follows the widget's shape, and every size is scaled from those two
reference sizes, so any window size works. Read from 3 m: numbers are ~100 px high on a 1080p
wall screen, no text under 24 px, white and gold on dark blue.

Nobody touches a wall screen: it has no buttons. Its language alternates by itself (Chinese,
then English, every ``alternate_s`` seconds, never while a call is highlighted) or stays.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QWidget

from display.paint import (
    ALERT,
    ARROW,
    BACKGROUND,
    HIGHLIGHT,
    MUTED,
    NOTICE_BG,
    NOTICE_TEXT,
    NUMBER,
    PANEL,
    TEXT,
    Panel,
    TextCache,
    fitted_font,
)
from display.story import HistoryPanel, MissedPanel, WindowsPanel
from display.viewmodel import Call, DisplayModel, wait_text
from ui.look import qr_pixmap
from ui.qt import font

__all__ = ["ALERT", "ARROW", "BACKGROUND", "HIGHLIGHT", "MUTED", "NUMBER", "PANEL", "TEXT",
           "DisplayWindow"]

WEEKDAYS_ZH = "一二三四五六日"
DEFAULT_NOTICE_ZH = ("欢迎来到{hall}！请凭号码留意叫号，过号请到服务台重新签到；"
                     "办事请携带有效身份证件；可在网上预约或用手机取号，"
                     "办理完毕请对我们的服务作出评价。")
DEFAULT_NOTICE_EN = ("Welcome to {hall}. Please watch for your number; if you missed it, check in "
                     "again at the service desk. Bring a valid ID. Book online or take a number "
                     "by phone, and please rate our service.")


class HeaderBar(Panel):
    """The hall's name, the date and the clock; a warning while the link is down."""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the header."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), PANEL)
        now = self.screen_.now()
        margin = self.px(32)
        inner = self.rect().adjusted(margin, 0, -margin, 0)
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
        return 5

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


class WaitingPanel(Panel):
    """People waiting and the expected wait per theme; at the right, the QR code of the
    hall's phone ticketing (手机取号) when the hall has one."""

    def __init__(self, screen: DisplayWindow) -> None:
        super().__init__(screen)
        self._qr: tuple[str, int, QPixmap] | None = None

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt)
        """Paint the waiting table and the QR code."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        area = self.rect().adjusted(self.px(16), self.px(12), -self.px(16), -self.px(12))
        if self.model.phone_ticketing_url:
            area.setRight(area.right() - self._phone(painter, area) - self.px(24))
        area.setTop(area.top() + self.title(painter, area, "等候情况", "People waiting"))
        lang = self.screen_.lang
        themes = self.model.themes
        row_h = min(self.px(70), area.height() // max(1, len(themes)))
        # English says the count alone: the title says "People waiting"
        counts = [f"{line.waiting}" + self.text(" 人", "") for line in themes]
        waits = [wait_text(line, lang) for line in themes]
        count_font, wait_font = font(self.px(34), True), font(self.px(30))
        count_w = max((QFontMetrics(count_font).horizontalAdvance(c) for c in counts),
                      default=0) + self.px(24)
        wait_w = max((QFontMetrics(wait_font).horizontalAdvance(w) for w in waits),
                     default=0) + self.px(24)
        for index, line in enumerate(themes):
            y = area.y() + index * row_h
            row = QRect(area.x(), y, area.width(), row_h - self.px(8))
            painter.fillRect(row, PANEL)
            name = f"{line.prefix}  {line.name_en if lang == 'en' else line.name_zh}"
            name_w = row.width() - wait_w - count_w - self.px(40)
            painter.setPen(TEXT)
            self.fit(painter, QRect(row.x() + self.px(20), y, name_w, row.height()), name,
                     self.px(34), True)
            painter.setPen(NUMBER)
            painter.setFont(count_font)
            painter.drawText(QRect(row.right() - wait_w - count_w - self.px(20), y, count_w,
                                   row.height()),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             counts[index])
            painter.setPen(TEXT)
            painter.setFont(wait_font)
            painter.drawText(row.adjusted(0, 0, -self.px(20), 0),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             waits[index])
        painter.end()

    def _phone(self, painter: QPainter, area: QRect) -> int:
        """The QR code at the right of ``area`` with what it is for; returns its width."""
        width = self.px(220)
        caption_h = self.px(40)
        side = min(width, area.height() - caption_h)
        url = self.model.phone_ticketing_url
        if self._qr is None or self._qr[:2] != (url, side):
            self._qr = (url, side, qr_pixmap(url, side))
        pixmap = self._qr[2]
        left = area.right() - width
        painter.drawPixmap(left + (width - pixmap.width()) // 2, area.y(), pixmap)
        caption = self.text("扫码手机取号", "Number by phone")
        painter.setPen(TEXT)
        painter.setFont(fitted_font(caption, self.px(28), width, True))
        painter.drawText(QRect(left, area.y() + pixmap.height(), width, caption_h),
                         Qt.AlignmentFlag.AlignCenter, caption)
        return width


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
        urgent = bool(self.screen_.supervisor_notice())     # stands out from the greeting
        painter.fillRect(self.rect(), NOTICE_BG if urgent else PANEL)
        painter.setFont(font(self.px(36), bold=urgent))
        painter.setPen(NOTICE_TEXT if urgent else TEXT)
        text = self.screen_.notice_text()
        width = QFontMetrics(painter.font()).horizontalAdvance(text) + self.px(200)
        start = self.width() - self.px(40) - int(self.offset) % (width + self.width())
        if not self._timer.isActive():
            start = self.px(32)
        painter.drawText(QRect(start, 0, width, self.height()), Qt.AlignmentFlag.AlignVCenter,
                         text)
        painter.end()


class DisplayWindow(QWidget):
    """The whole wall screen. ``lang`` is ``zh`` or ``en``: the language shown first, and
    kept when ``alternate_s`` is 0, else the languages take turns every ``alternate_s``
    seconds. The layout is portrait when the widget is taller than wide. ``paint_listeners``
    are told the model revision each time the calls board is painted (the benchmark measures
    call → repaint with it)."""

    def __init__(self, model: DisplayModel, lang: str = "zh", notice_zh: str | None = None,
                 notice_en: str | None = None, animate: bool = True,
                 parent: QWidget | None = None, alternate_s: float = 0.0) -> None:
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
        self.recent = HistoryPanel(self)
        self.waiting = WaitingPanel(self)
        self.windows = WindowsPanel(self)
        self.missed = MissedPanel(self)
        self.marquee = Marquee(self)
        self._blink = QTimer(self)
        self._blink.setInterval(500)
        self._blink.timeout.connect(self._blink_step)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self.header.update)
        self._alternate = QTimer(self)
        self._alternate.setInterval(max(1, round(alternate_s * 1000)))
        self._alternate.timeout.connect(self.alternate)
        self.alternate_s = alternate_s
        self._arrange()
        self.set_animated(animate)

    @property
    def panels(self) -> tuple[Panel, ...]:
        """Every part of the screen."""
        return (self.header, self.board, self.recent, self.waiting, self.windows, self.missed,
                self.marquee)

    # ------------------------------------------------------------------ state
    def set_animated(self, animate: bool) -> None:
        """Clock, marquee, blinking and the languages' turns run (on a wall) or stand still
        (screenshots)."""
        self.animated = animate
        self.marquee.set_running(animate)
        if animate:
            self._clock.start()
            if self.alternate_s > 0:
                self._alternate.start()
        else:
            self._clock.stop()
            self._blink.stop()
            self._alternate.stop()
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
            self.windows.update()
            self.missed.update()
        if waiting:
            self.waiting.update()
            self.windows.update()
        self.header.update()

    def toggle_language(self) -> None:
        """Chinese ⇄ English."""
        self.lang = "en" if self.lang == "zh" else "zh"
        self.update()
        for panel in self.panels:
            panel.update()

    def alternate(self) -> None:
        """The languages' turn: switch, unless a call is highlighted (its citizen is reading
        it), then try again a second later."""
        if self.model.any_highlighted():
            QTimer.singleShot(1000, self._alternate_later)
            return
        self.toggle_language()

    def _alternate_later(self) -> None:
        if self.animated and self._alternate.isActive():
            self.alternate()

    def supervisor_notice(self) -> str:
        """A supervisor's notice up now, in the current language ("" when none)."""
        notice = self.model.live_notice(self.now().timestamp())
        if notice is None:
            return ""
        if self.lang == "en" and notice["text_en"]:
            return f"Notice: {notice['text_en']}"
        return f"通知：{notice['text_zh']}"

    def notice_text(self) -> str:
        """The scrolling notice in the current language: a supervisor's notice while one is
        up, else the hall's greeting."""
        if supervisor := self.supervisor_notice():
            return supervisor
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
            board_h = body.height() * 46 // 100
            waiting_h = body.height() * 16 // 100
            self.board.setGeometry(0, body.y(), width, board_h)
            self.waiting.setGeometry(0, body.y() + board_h, width, waiting_h)
            rest = QRect(0, body.y() + board_h + waiting_h, width,
                         body.height() - board_h - waiting_h)
        else:
            board_w = width // 2
            waiting_h = body.height() * 30 // 100
            self.board.setGeometry(0, body.y(), board_w, body.height())
            self.waiting.setGeometry(board_w, body.y(), width - board_w, waiting_h)
            rest = QRect(board_w, body.y() + waiting_h, width - board_w,
                         body.height() - waiting_h)
        history_w = rest.width() // 2
        windows_h = rest.height() * 55 // 100
        self.recent.setGeometry(rest.x(), rest.y(), history_w, rest.height())
        self.windows.setGeometry(rest.x() + history_w, rest.y(), rest.width() - history_w,
                                 windows_h)
        self.missed.setGeometry(rest.x() + history_w, rest.y() + windows_h,
                                rest.width() - history_w, rest.height() - windows_h)
