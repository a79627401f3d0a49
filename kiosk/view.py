"""The kiosk's screens: a view over :class:`~kiosk.viewmodel.KioskModel`.

The view only renders the model and forwards touches to it. After each change of the model it
rebuilds the page (header, the screen of the moment, footer); pages are small, and rebuilding
keeps every screen a plain function of the model. Widgets a test or a technician looks for
carry object names (``number``, ``ahead``, ``wait``, ``qr``, ``print_status``, ``error_text``,
``theme-A``, ``item-A01``, ``guide_link-A01``, ``walk_in``, ``lang``, ``elderly``, ``back``,
``home``, ``done``, ``cancel_ticket``, ``confirm_cancel``, ``keep_ticket``, ``go_to``,
``search``; the home screen and the card guide are in :mod:`kiosk.attractview`, the search in
:mod:`kiosk.searchview`, the "need more time?" question in :mod:`kiosk.idleview`, the screens
for other halls in :mod:`kiosk.offerview`, the service guide in :mod:`kiosk.guideview`, the
progress lookup in :mod:`kiosk.progressview`). Times are the hall's
(:meth:`~kiosk.viewmodel.KioskModel.local_now`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hall.schemas import ServiceBody, ServiceItemBody
from hall.wait_text import wait_sentence
from kiosk.attractview import attract_screen, card_guide_screen
from kiosk.guideview import add_guide_link, guide_item_screen, guide_screen
from kiosk.idleview import countdown_overlay
from kiosk.item_text import department
from kiosk.offerview import offer_screen, referral_failed_screen, referring_screen
from kiosk.progressview import progress_screen
from kiosk.searchview import search_screen
from kiosk.submission_view import submission_screen
from kiosk.viewmodel import KioskModel, Screen
from ui.look import Look, Tile, button, fit_text, label, qr_pixmap
from ui.pageview import PageView
from ui.qt import font


def wait_text(look: Look, kind: str | None, seconds: float | None) -> str:
    """The wait of a theme or a ticket as every screen says it (``hall.wait_text``)."""
    return look.t(*wait_sentence(kind, seconds))


def waiting_text(look: Look, count: int) -> str:
    """"等候 5 人" / "5 waiting"."""
    return look.t(f"等候 {count} 人", f"{count} waiting")


def theme_name(look: Look, entry: ServiceBody | ServiceItemBody) -> str:
    """A theme's or item's name in the look's language."""
    return look.t(entry.get("name_zh", ""), entry.get("name_en") or entry.get("name_zh", ""))


class KioskView(PageView[KioskModel]):
    """Renders a :class:`KioskModel`; rebuilt after each change of the model."""

    def __init__(self, model: KioskModel, parent: QWidget | None = None) -> None:
        self._clock: QLabel | None = None
        super().__init__(model, parent)

    def look(self) -> Look:
        """The look for the current size, language and mode."""
        size = self.size() if self.width() > 10 else QSize(1920, 1080)
        return Look.for_size(size, self.model.lang, self.model.elderly)

    def fill(self, look: Look, layout: QVBoxLayout) -> None:
        """The current screen."""
        screens: dict[Screen, Callable[[Look, QVBoxLayout], None]] = {
            Screen.ATTRACT: partial(attract_screen, self), Screen.THEMES: self._themes,
            Screen.ITEMS: self._items, Screen.TICKET: self._ticket, Screen.ERROR: self._error,
            Screen.OFFER: partial(offer_screen, self),
            Screen.REFERRING: partial(referring_screen, self),
            Screen.REFERRAL_FAILED: partial(referral_failed_screen, self),
            Screen.SEARCH: partial(search_screen, self),
            Screen.CARD_GUIDE: partial(card_guide_screen, self),
            Screen.GUIDE: partial(guide_screen, self),
            Screen.GUIDE_SEARCH: partial(search_screen, self, for_guide=True),
            Screen.GUIDE_ITEM: partial(guide_item_screen, self),
            Screen.PROGRESS: partial(progress_screen, self),
            Screen.SUBMISSION: partial(submission_screen, self)}

        screens[self.model.screen](look, layout)

    def rebuild(self) -> None:
        """Rebuild the page; in the last seconds before the idle reset, ask over it whether
        the citizen needs more time."""
        super().rebuild()
        seconds = self.model.countdown()
        if seconds is not None and self._page is not None:
            self._page.resize(self.size())
            countdown_overlay(self.look(), self._page, seconds, self.model.more_time)

    def set_clock(self, now: datetime) -> None:
        """Show the time in the header."""
        if self._clock is not None:
            self._clock.setText(now.strftime("%H:%M"))

    # ------------------------------------------------------------------ frame
    def header(self, look: Look) -> QWidget:
        """The hall's name, the clock, and the language and large-text switches."""
        pal = look.palette
        bar = QFrame()
        bar.setObjectName("header")
        bar.setStyleSheet(f"QFrame#header {{ background: {pal.header}; }}")
        column = QVBoxLayout(bar)
        column.setContentsMargins(look.px(40), look.px(14), look.px(28), look.px(14))
        column.setSpacing(look.px(8))
        row = QHBoxLayout()
        row.setSpacing(look.px(20))
        width = (self.width() if self.width() > 10 else 1920) - look.px(80)
        if not look.portrait:
            width -= look.px(600)  # the clock and the two buttons share the row
        hall = self.model.hall_name() or look.t("政务服务中心", "Service Center")
        name = label(look, fit_text(hall, font(look.px(40), True), width, 1), 40, bold=True,
                     color=pal.header_text, name="hall_name")
        if look.portrait:
            column.addWidget(name)
        else:
            row.addWidget(name, 1)
        self._clock = label(look, self.model.local_now().strftime("%H:%M"), 40, bold=True,
                            color=pal.header_text, name="clock")
        row.addWidget(self._clock)
        if look.portrait:
            row.addStretch(1)
        size, height = (26, 76) if not self.model.elderly else (22, 64)
        row.addWidget(button(look, "English" if look.lang == "zh" else "中文",
                             self.model.toggle_lang, size=size, kind="header", name="lang",
                             min_height=height))
        elderly = look.t("标准模式", "Normal text") if self.model.elderly else \
            look.t("适老模式 大字", "Large text")
        row.addWidget(button(look, elderly, self.model.toggle_elderly, size=size, kind="header",
                             name="elderly", min_height=height))
        column.addLayout(row)
        return bar

    def footer(self, look: Look) -> QWidget:
        """The idle-timeout notice and the connection to the hall."""
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(look.px(48), look.px(8), look.px(48), look.px(14))
        hint = ""
        if self.model.screen != Screen.ATTRACT:
            seconds = round(self.model.idle_timeout())
            hint = look.t(f"{seconds} 秒无操作将自动返回首页，并清除您的信息",
                          f"After {seconds} s without a touch the kiosk returns to the start "
                          "and forgets your details")
        room = (self.width() if self.width() > 10 else 1920) - look.px(96)
        if self.model.connected is not None:
            room -= look.px(300)  # the connection state shares the line
        text = label(look, fit_text(hint, font(look.px(24)), room, 2), 24,
                     color=look.palette.muted)
        text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(text, 1)
        if self.model.connected is not None:
            ok = self.model.connected
            row.addWidget(label(look, "● " + (look.t("大厅已连接", "Hall connected") if ok else
                                              look.t("大厅连接中断", "Hall disconnected")),
                                24, color=look.palette.good if ok else look.palette.bad,
                                name="connection"))
        return bar

    def _title(self, look: Look, layout: QVBoxLayout, text: str, sub: str = "",
               wrap: bool = True) -> None:
        row = QHBoxLayout()
        title = label(look, text, 56, bold=True, name="title", wrap=wrap)
        row.addWidget(title, 1)
        chip_row = row
        if look.portrait:
            layout.addLayout(row)
            chip_row = QHBoxLayout()
        citizen = self.model.citizen
        if citizen is not None:
            chip = label(look, look.t("证件 ", "ID ") + citizen.masked_id, 28, bold=True,
                         color=look.palette.tile_text, name="masked_id")
            chip.setStyleSheet(chip.styleSheet() + f"background: {look.palette.tile};"
                               f"border: {look.px(2)}px solid {look.palette.tile_border};"
                               f"border-radius: {look.px(12)}px; padding: {look.px(8)}px "
                               f"{look.px(16)}px;")
            chip_row.addWidget(chip, 0, Qt.AlignmentFlag.AlignTop)
        if look.portrait:
            chip_row.addStretch(1)
        layout.addLayout(chip_row)
        if self.model.busy:
            sub = look.t("正在为您办理，请稍候…", "One moment please…")
        if sub:
            layout.addWidget(label(look, sub, 30, color=look.palette.accent if self.model.busy
                                   else look.palette.muted, name="subtitle", wrap=True))

    # ------------------------------------------------------------------ screens
    def _themes(self, look: Look, layout: QVBoxLayout) -> None:
        self._title(look, layout, look.t("请选择业务类别", "Choose a service"),
                    look.t("有预约？请扫描预约二维码签到，优先办理",
                           "Booked online? Scan your appointment code for priority"))
        grid = QGridLayout()
        grid.setSpacing(look.px(28))
        columns = 1 if look.portrait else 3
        width = self._cell_width(look, columns, look.px(28))
        for index, theme in enumerate(self.model.services):
            left = theme.get("quota_left")
            lines = [waiting_text(look, theme["waiting"]),
                     wait_text(look, theme["wait_kind"], theme["expected_wait_s"])]
            if look.lang == "zh" and not look.elderly:
                lines.insert(0, theme.get("name_en", ""))
            full = left is not None and left <= 0
            if full:
                lines.append(look.t("今日号源已发完", "No tickets left today"))
            elif left is not None and not look.elderly:
                lines.append(look.t(f"今日余号 {left}", f"{left} tickets left today"))
            tile = Tile(look, theme_name(look, theme), lines,
                        partial(self.model.choose_theme, theme["prefix"]),
                        title_size=64, line_size=32, name=f"theme-{theme['prefix']}", width=width,
                        big_title=True,
                        enabled=not full and not self.model.busy)
            grid.addWidget(tile, index // columns, index % columns)
        if not self.model.services:
            grid.addWidget(label(look, look.t("正在读取业务…", "Loading services…"), 40,
                                 align=Qt.AlignmentFlag.AlignCenter), 0, 0)
        layout.addLayout(grid, 1)
        row = QHBoxLayout()
        row.addWidget(button(look, look.t("返回首页", "Back to start"), self.model.reset,
                             kind="plain", name="home"))
        row.addStretch(1)
        row.addWidget(button(look, look.t("搜索事项（拼音首字母）", "Search"),
                             self.model.open_search, kind="primary", name="search"))
        layout.addLayout(row)

    def _items(self, look: Look, layout: QVBoxLayout) -> None:
        theme = self.model.theme()
        if theme is None:
            self._themes(look, layout)
            return
        figures = f"{waiting_text(look, theme['waiting'])} · " \
                  f"{wait_text(look, theme['wait_kind'], theme['expected_wait_s'])}"
        self._title(look, layout, theme_name(look, theme),
                    look.t("请选择办理事项 · ", "Choose what you need · ") + figures, wrap=False)
        elderly = self.model.elderly
        columns = 2 if look.portrait else (3 if elderly else 4)
        size = self.model.page_size()
        grid = QGridLayout()
        grid.setSpacing(look.px(20))
        width = self._cell_width(look, columns, look.px(20))
        items = self.model.items_page()
        for index in range(size):
            if index < len(items):
                item = items[index]
                cell: QWidget = Tile(
                    look, theme_name(look, item), [department(look, item)],
                    partial(self.model.take_number, item["code"]), title_size=30,
                    line_size=21, spacing=2, name=f"item-{item['code']}", width=width,
                    enabled=not self.model.busy)
                add_guide_link(look, cell, width,
                               partial(self.model.open_guide_item, item["code"]), item["code"])
            else:
                cell = QWidget()
                cell.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            grid.addWidget(cell, index // columns, index % columns)
        layout.addLayout(grid, 1)
        actions = QHBoxLayout()
        actions.setSpacing(look.px(20))
        actions.addWidget(button(look, look.t("返回", "Back"), self.model.back, kind="plain",
                                 name="back", min_height=84))
        search = button(look, look.t("搜索", "Search"), self.model.open_search, kind="plain",
                        name="search", min_height=84)
        if not look.portrait:
            actions.addWidget(search)
        actions.addWidget(button(look, look.t("不确定事项，直接取号", "Not sure? Take a number"),
                                 lambda: self.model.take_number(theme["prefix"]),
                                 kind="primary", name="theme_ticket", min_height=84,
                                 enabled=not self.model.busy), 1)
        pager = QHBoxLayout()
        pager.setSpacing(look.px(20))
        if look.portrait:
            pager.addWidget(search, 1)
        if self.model.page_count() > 1:
            pager.addWidget(button(look, look.t("上一页", "Previous"), self.model.prev_page,
                                   kind="plain", name="prev", enabled=self.model.page > 0,
                                   min_height=84), 1)
            pager.addWidget(label(look, f"{self.model.page + 1} / {self.model.page_count()}",
                                  34, bold=True, name="page",
                                  align=Qt.AlignmentFlag.AlignCenter))
            pager.addWidget(button(look, look.t("下一页", "Next"), self.model.next_page,
                                   kind="plain", name="next", min_height=84,
                                   enabled=self.model.page + 1 < self.model.page_count()), 1)
        if look.portrait:
            layout.addLayout(pager)
            layout.addLayout(actions)
        else:
            actions.addLayout(pager)
            layout.addLayout(actions)

    def _cell_width(self, look: Look, columns: int, spacing: int) -> int:
        """The width of one grid cell on a page (known before Qt lays it out)."""
        return (self.body_width(look) - spacing * (columns - 1)) // columns

    def body_width(self, look: Look) -> int:
        """The width of a page's body, inside its margins (known before Qt lays it out)."""
        return self.width() - 2 * look.px(48) if self.width() > 10 else 1920

    def _ticket(self, look: Look, layout: QVBoxLayout) -> None:
        ticket = self.model.ticket
        if ticket is None:
            return  # the model shows this screen with its ticket only
        pal = look.palette
        center = Qt.AlignmentFlag.AlignCenter
        info = QVBoxLayout()
        info.setSpacing(look.px(6))
        other = self.model.referral.hall
        # Type here is large already: elderly mode only makes it bolder in contrast.
        if other is not None:  # a ticket of another hall (跨厅取号): where to go, first
            info.addWidget(label(look, look.t(f"请前往 {other.name('zh')} 办理",
                                              f"Please go to {other.name('en')}"), 44,
                                 bold=True, color=pal.title, align=center, wrap=True,
                                 name="go_to", big=True))
        else:
            info.addWidget(label(look, look.t("您的号码", "Your number"), 40, color=pal.muted,
                                 align=center, big=True))
        info.addWidget(label(look, ticket.get("number", ""), 200, bold=True, color=pal.accent,
                             align=center, name="number", big=True))
        service = look.t(ticket.get("service_name_zh", ""), ticket.get("service_name_en", ""))
        item = look.t(ticket.get("item_name_zh") or "", ticket.get("item_name_en") or "")
        info.addWidget(label(look, f"{service} · {item}" if item else service, 38, bold=True,
                             align=center, wrap=True, name="service", big=True))
        ahead = int(ticket.get("ahead") or 0)
        info.addWidget(label(look, look.t(f"前面还有 {ahead} 人", f"{ahead} people ahead of you"),
                             52, bold=True, align=center, name="ahead", big=True))
        kind = ticket["wait_kind"] if "wait_kind" in ticket else None
        wait = wait_text(look, kind, ticket.get("expected_wait_s"))
        info.addWidget(label(look, wait, 44,
                             align=center, name="wait", big=True))
        if ticket.get("appointment_id"):
            info.addWidget(label(look, look.t("预约签到成功 · 优先办理",
                                              "Appointment checked in: priority"),
                                 34, bold=True, color=pal.good, align=center,
                                 name="appointment", big=True))
        if self.model.citizen is not None and other is None:
            info.addWidget(label(look, look.t("证件 ", "ID ") + self.model.citizen.masked_id,
                                 28, color=pal.muted, align=center, name="ticket_id"))
        card = QFrame()
        card.setObjectName("qr_card")
        card.setStyleSheet(f"QFrame#qr_card {{ background: #ffffff; border: {look.px(3)}px "
                           f"solid {pal.tile_border}; border-radius: {look.px(24)}px; }}")
        qr_box = QVBoxLayout(card)
        qr_box.setContentsMargins(look.px(28), look.px(28), look.px(28), look.px(20))
        qr = QLabel()
        qr.setObjectName("qr")
        pixmap = qr_pixmap(ticket.get("url") or ticket.get("id", ""), look.big(280))
        qr.setPixmap(pixmap)
        qr.setMinimumSize(pixmap.size())
        qr.setAlignment(center)
        qr_box.addWidget(qr)
        qr_box.addWidget(label(look, look.t("手机扫码查看进度", "Scan to follow your turn"), 30,
                               bold=True, color="#0b3d73", align=center, wrap=True, big=True))
        status = self._print_status(look)
        if look.portrait:
            layout.addStretch(1)
            layout.addLayout(info)
            layout.addWidget(card, 0, center)
            layout.addStretch(1)
            layout.addWidget(status)
        else:
            side = QVBoxLayout()
            side.setSpacing(look.px(20))
            side.addStretch(1)
            side.addWidget(card, 0, center)
            side.addWidget(status)
            side.addStretch(1)
            row = QHBoxLayout()
            row.setSpacing(look.px(40))
            row.addLayout(info, 1)
            row.addLayout(side, 1)
            layout.addLayout(row, 1)
        layout.addLayout(self._ticket_actions(look))

    def _ticket_actions(self, look: Look) -> QBoxLayout:
        """"Done", and the small "wrong number?" button; once touched, the question whether
        to give the number back, with "yes" and "keep it"."""
        ticket = self.model.ticket
        cancel, number = self.model.cancel, ticket.get("number", "") if ticket else ""
        row = QHBoxLayout()
        row.setSpacing(look.px(24))
        if not cancel.confirming:
            row.addWidget(button(look, look.t("完成", "Done"), self.model.reset, size=40,
                                 name="done", min_height=100), 1)
            if cancel.possible:
                row.addWidget(button(look, look.t("取错了？取消此号", "Wrong number? Cancel it"),
                                     # not the slot itself: Qt would pass "checked"
                                     lambda: self.model.ask_cancel(), size=26, kind="plain",
                                     name="cancel_ticket", min_height=100))
            return row
        question = label(look, look.t(f"确定取消 {number} 号吗？取消后需重新取号",
                                      f"Cancel number {number}? You would need a new one"),
                         32, bold=True, color=look.palette.bad, wrap=True,
                         name="cancel_question")
        row.addWidget(button(look, look.t("确定取消", "Yes, cancel it"), self.model.cancel_ticket,
                             size=32, kind="plain", name="confirm_cancel", min_height=100,
                             enabled=not self.model.busy))
        row.addWidget(button(look, look.t("保留号码", "Keep my number"),
                             lambda: self.model.ask_cancel(confirming=False), size=36,
                             name="keep_ticket",
                             min_height=100), 1)
        both: QBoxLayout = QVBoxLayout() if look.portrait else QHBoxLayout()
        both.setSpacing(look.px(16))
        both.addWidget(question, 1)
        both.addLayout(row, 0 if look.portrait else 1)
        return both

    def _print_status(self, look: Look) -> QLabel:
        pal = look.palette
        state = self.model.print_state
        if state == "printed":
            text, color = look.t("请取走小票", "Please take your ticket"), pal.good
        elif state == "printing":
            text, color = look.t("正在打印小票…", "Printing your ticket…"), pal.muted
        elif state == "failed":
            text = look.t("打印机故障，请拍照或扫码保存号码",
                          "Printer fault: take a photo or scan the code to keep your number")
            color = pal.bad
        elif state == "no_printer":
            text = look.t("本机不打印小票，请拍照或扫码保存号码",
                          "This kiosk does not print: take a photo or scan the code")
            color = pal.bad
        else:
            text, color = "", pal.muted
        status = label(look, text, 34, bold=True, color=color, wrap=True, name="print_status",
                       align=Qt.AlignmentFlag.AlignCenter)
        if state in ("failed", "no_printer"):
            status.setStyleSheet(status.styleSheet() + f"border: {look.px(4)}px solid {color};"
                                 f"border-radius: {look.px(14)}px; padding: {look.px(14)}px;"
                                 "background: #fff4f4;")
        return status

    def _error(self, look: Look, layout: QVBoxLayout) -> None:
        pal = look.palette
        zh, en = self.model.error or ("", "")
        layout.addStretch(1)
        mark = label(look, "!", 120, bold=True, color="#ffffff",
                     align=Qt.AlignmentFlag.AlignCenter, big=True)
        side = look.big(180)
        mark.setFixedSize(side, side)
        mark.setStyleSheet(mark.styleSheet() + f"background: {pal.bad}; border-radius: "
                           f"{side // 2}px;")
        layout.addWidget(mark, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label(look, zh, 56, bold=True, color=pal.bad,
                               align=Qt.AlignmentFlag.AlignCenter, wrap=True, name="error_text"))
        if look.lang == "en":
            layout.addWidget(label(look, en, 40, align=Qt.AlignmentFlag.AlignCenter, wrap=True,
                                   name="error_text_en"))
        layout.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(look.px(28))
        row.addWidget(button(look, look.t("返回重新选择", "Back"), self.model.back,
                             kind="primary", name="back", size=38))
        row.addWidget(button(look, look.t("返回首页", "Back to start"), self.model.reset,
                             kind="plain", name="home", size=38))
        layout.addLayout(row)
