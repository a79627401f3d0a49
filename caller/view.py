"""The calling console's screens: a view over :class:`~caller.viewmodel.CallerModel`.

Two screens: sign-in (staff ID + PIN on an on-screen keypad, or a staff badge) and the console
(the current ticket in large type, the eight actions with their function keys, the waiting
numbers for this window's skills, today's figures, the rating, and a status bar with the hall
connection). A window with video has four more actions, F9…F12, for calling another hall
(远程叫号); during such a call the current-ticket card shows it. The page is rebuilt after each
change of the model. Widgets tests look for carry object names: ``current_number``,
``status``, ``message``, ``queue``, ``served``, ``rating``, ``connection``, ``keys``,
``action-call`` … ``action-resume``, ``action-remote_call`` … ``action-remote_cancel``,
``remote_heading``, ``remote_status``, ``remote_hint``, ``key-1`` … ``key-⌫``,
``staff_field``, ``pin_field``, ``sign_in``, ``sign_out``, ``lang``, ``no_show_wait`` (how
long before F5 is allowed), ``undo_no_show`` (the undo button with its countdown).
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import partial

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from caller.pause import PAUSE_KEYS
from caller.remote_panel import REMOTE_ACTIONS, RemotePanel
from caller.texts import (
    clock_text,
    department_of,
    hall_zone,
    mean_text,
    updated_text,
    window_state,
)
from caller.transfer_dialog import TransferDialog, no_focus
from caller.viewmodel import ACTIONS, KEYPAD_KEYS, CallerModel
from hall.schemas import ServiceBody
from hall.wait_text import wait_words
from hall.window_states import PAUSE_LABELS, PauseReason, activity_label
from ui.look import CJK_START, Look, button, fit_text, label
from ui.pageview import PageView
from ui.qt import font
from ui.tasks import weak_slot

PRIORITY_TAGS = {0: ("绿色通道", "Green", "#2b8a3e"), 1: ("预约", "Booked", "#1864ab"),
                 2: ("老人", "Elderly", "#d9480f")}
#: The colour of the window's state chip (names: ``hall.window_states.WindowActivity``).
STATE_COLOURS = {"idle": "#2b8a3e", "calling": "#1864ab", "serving": "#2b8a3e",
                 "paused": "#d9480f"}
TICKET_STATUS = {"called": ("已叫号，等候到窗", "Called, waiting for the citizen"),
                 "serving": ("办理中", "Being served")}


def theme_waits(look: Look, services: list[ServiceBody], skills: list[str]) -> str:
    """The wait a new ticket of each of the window's themes would get, as every screen says
    it (``hall.wait_text``): "商事登记 约 12 分钟 · 社保医保 马上办理"."""
    shown = [s for s in services if s["prefix"] in skills]
    return " · ".join(look.t(f"{s['name_zh']} {zh}", f"{s['name_en']}: {en}")
                      for s in shown
                      for zh, en in [wait_words(s["wait_kind"], s["expected_wait_s"])])


def minutes(seconds: float | None) -> str:
    """Whole minutes, at least 1 (for display)."""
    return str(max(1, round((seconds or 0) / 60)))


def card(look: Look, name: str) -> tuple[QFrame, QVBoxLayout]:
    """A white panel with rounded corners and its layout."""
    frame = QFrame()
    frame.setObjectName(name)
    frame.setStyleSheet(f"QFrame#{name} {{ background: {look.palette.tile}; border: "
                        f"{look.px(2)}px solid {look.palette.tile_border}; border-radius: "
                        f"{look.px(18)}px; }}")
    layout = QVBoxLayout(frame)
    pad = look.px(24)
    layout.setContentsMargins(pad, pad, pad, pad)
    layout.setSpacing(look.px(10))
    return frame, layout


def pack_lines(entries: list[str], qfont: QFont, width: int, sep: str = "  ") -> str:
    """``entries`` joined by ``sep`` into lines of at most ``width`` px, never breaking one."""
    metrics = QFontMetrics(qfont)
    lines: list[str] = []
    for entry in entries:
        if lines and metrics.horizontalAdvance(lines[-1] + sep + entry) <= width:
            lines[-1] += sep + entry
        else:
            lines.append(entry)
    return "\n".join(lines)


def key_label(key: str, text: str, qfont: QFont, width: int) -> str:
    """"F10  视频已接通" on one line when it fits, else on two: broken between words
    ("F10 Video" / "connected"), or the key above Chinese words."""
    whole = f"{key}  {text}"
    if QFontMetrics(qfont).horizontalAdvance(whole) <= width:
        return whole
    if not any(ord(c) >= CJK_START for c in text):
        return fit_text(whole, qfont, width, 2)
    return f"{key}\n{fit_text(text, qfont, width, 1)}"


class CallerView(PageView[CallerModel]):
    """Renders a :class:`CallerModel`; rebuilt after each change of the model."""

    BODY_MARGINS = (32, 24, 16)
    BODY_SPACING = 18

    def __init__(self, model: CallerModel, parent: QWidget | None = None) -> None:
        self.transfer_dialog: TransferDialog | None = None
        self._clock: QLabel | None = None
        self._elapsed: QLabel | None = None
        self._no_show_wait: QLabel | None = None
        self._undo: QPushButton | None = None
        super().__init__(model, parent)

    def look(self) -> Look:
        """The look for the current size and language (designed for a 1080 px short side)."""
        size = self.size() if self.width() > 10 else QSize(1920, 1080)
        return Look.for_size(size, self.model.lang)

    def fill(self, look: Look, layout: QVBoxLayout) -> None:
        """The console once signed in, else the sign-in form."""
        if self.model.signed_in:
            self._console(look, layout)
        else:
            self._sign_in(look, layout)

    def tick(self, now: datetime) -> None:
        """Update the clock and the time spent on the current ticket."""
        if self._clock is not None:      # in the hall's time zone, whatever the machine's
            self._clock.setText(clock_text(now.timestamp(), hall_zone(self.model.hall)))
        if self._elapsed is not None:
            self._elapsed.setText(self._elapsed_text(self.look()))
        self.model.tick()
        look = self.look()
        if self._no_show_wait is not None:
            self._no_show_wait.setText(look.t(*(self.model.no_show.wait_text() or ("", ""))))
        if self._undo is not None:
            self._undo.setText(self._undo_text(look))

    # ------------------------------------------------------------------ frame
    def header(self, look: Look) -> QWidget:
        """The window, its state and staff, the hall, the clock, language and sign-out."""
        pal = look.palette
        model = self.model
        bar = QFrame()
        bar.setObjectName("header")
        bar.setStyleSheet(f"QFrame#header {{ background: {pal.header}; }}")
        row = QHBoxLayout(bar)
        row.setContentsMargins(look.px(32), look.px(12), look.px(24), look.px(12))
        row.setSpacing(look.px(18))
        row.addWidget(label(look, model.window_name(), 44, bold=True, color=pal.header_text,
                            name="window_name"))
        info = model.window_info
        if model.signed_in and info is not None:
            state, text = window_state(info)   # why paused: in the card below when narrow
            text = activity_label(state) if look.portrait else text
            color = STATE_COLOURS.get(state, "#868e96")
            chip = label(look, look.t(*text), 26, bold=True, color="#ffffff", name="status")
            chip.setStyleSheet(chip.styleSheet() + f"background: {color}; border-radius: "
                               f"{look.px(10)}px; padding: {look.px(4)}px {look.px(14)}px;")
            row.addWidget(chip)
            staff = " ".join(filter(None, (info.get("staff_name_zh"), info.get("staff_id"))))
            row.addWidget(label(look, staff, 28, color=pal.header_text, name="staff"))
        hall = look.t(model.hall.get("name_zh") or "", model.hall.get("name_en") or "") \
            if model.hall else ""
        width = (self.width() if self.width() > 10 else 1920) - look.px(1250)
        if width > look.px(200):
            hall_label = label(look, fit_text(hall, font(look.px(26)), width, 1), 26,
                               color=pal.header_text)
            hall_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            row.addWidget(hall_label, 1)
        else:
            row.addStretch(1)
        self._clock = label(look, clock_text(time.time(), hall_zone(model.hall)), 34,
                            bold=True, color=pal.header_text, name="clock")
        row.addWidget(self._clock)
        row.addWidget(no_focus(button(look, "English" if look.lang == "zh" else "中文",
                                      model.toggle_lang, size=24, kind="header", name="lang",
                                      min_height=64)))
        if model.signed_in:
            row.addWidget(no_focus(button(look, look.t("签退", "Sign out"),
                                          partial(model.act, "sign_out"), size=24,
                                          kind="header", name="sign_out", min_height=64)))
        return bar

    def footer(self, look: Look) -> QWidget:
        """The status bar."""
        pal = look.palette
        model = self.model
        bar = QFrame()
        bar.setObjectName("statusbar")
        bar.setStyleSheet("QFrame#statusbar { background: #dde5ef; }")
        column = QVBoxLayout(bar)
        column.setContentsMargins(look.px(32), look.px(8), look.px(32), look.px(8))
        column.setSpacing(look.px(4))
        row = QHBoxLayout()
        row.setSpacing(look.px(24))
        column.addLayout(row)
        if model.connected is None:
            text, color = look.t("正在连接大厅…", "Connecting to the hall…"), pal.muted
        elif model.connected:
            text, color = look.t("● 已连接大厅", "● Hall connected"), pal.good
        else:
            text, color = look.t("● 与大厅断开，正在重连", "● Hall disconnected, reconnecting"), \
                pal.bad
        row.addWidget(label(look, text, 22, bold=True, color=color, name="connection"))
        if model.refreshed_at is not None:
            synced = updated_text(model.refreshed_at, time.time(), hall_zone(model.hall))
            row.addWidget(label(look, look.t(*synced), 22, color=pal.muted, name="synced"))
        faults = [look.t(*fault.text()) for fault in model.faults.faults()]
        if faults:      # on a line of their own, until each device is fine again
            column.addWidget(label(look, "⚠ " + look.t("；", "; ").join(faults), 22, bold=True,
                                   color=pal.bad, wrap=True, name="faults"))
        row.addStretch(1)
        if model.signed_in:
            actions = model.key_actions()
            entries = [look.t("快捷键", "Keys")] + [f"{key} {look.t(zh, en)}"
                                                    for _, key, zh, en in actions]
            if look.portrait or len(actions) > len(ACTIONS):
                room = (self.width() if self.width() > 10 else 1920) - 2 * look.px(32)
                column.addWidget(label(look, pack_lines(entries, font(look.px(22)), room), 22,
                                       color=pal.muted, name="keys"))
            else:
                row.addWidget(label(look, "  ".join(entries), 22, color=pal.muted, name="keys"))
        return bar

    def _message(self, look: Look) -> QLabel:
        zh, en = self.model.message or ("", "")
        color = look.palette.bad if self.model.message_is_error else look.palette.good
        text = look.t(zh, en)
        return label(look, text, 30, bold=True, color=color, wrap=True, name="message")

    # ------------------------------------------------------------------ sign-in
    def _sign_in(self, look: Look, layout: QVBoxLayout) -> None:
        model = self.model
        pal = look.palette
        layout.addStretch(1)
        row = QVBoxLayout() if look.portrait else QHBoxLayout()
        row.setSpacing(look.px(32))
        row.addStretch(1)
        form, form_layout = card(look, "signin_card")
        form.setMinimumWidth(look.px(620))
        form_layout.addWidget(label(look, look.t("工作人员签到", "Staff sign-in"), 52,
                                    bold=True, color=pal.tile_text))
        form_layout.addWidget(label(look, look.t(f"签到后开启{model.window_name()}",
                                                 f"Signing in opens {model.window_name()}"),
                                    26, color=pal.muted))
        form_layout.addSpacing(look.px(12))
        for field, title in (("staff", look.t("工号", "Staff ID")),
                             ("pin", look.t("密码", "PIN"))):
            value = model.staff_entry if field == "staff" else "●" * len(model.pin_entry)
            form_layout.addWidget(label(look, title, 26, color=pal.muted))
            active = model.active_field == field
            box = no_focus(button(look, value or " ", partial(model.select_field, field),
                                  size=40, kind="plain", name=f"{field}_field", min_height=88))
            box.setStyleSheet(box.styleSheet() + "QPushButton { text-align: left; "
                              f"border-color: {pal.accent if active else pal.tile_border}; }}")
            form_layout.addWidget(box)
        form_layout.addSpacing(look.px(8))
        form_layout.addWidget(no_focus(button(look, look.t("登录", "Sign in"),
                                              model.sign_in_pin, size=40, name="sign_in",
                                              enabled=not model.busy, min_height=96)))
        form_layout.addWidget(self._message(look))
        form_layout.addStretch(1)
        row.addWidget(form)
        pad, pad_layout = card(look, "keypad")
        grid = QGridLayout()
        grid.setSpacing(look.px(14))
        for index, key in enumerate(KEYPAD_KEYS):
            grid.addWidget(no_focus(button(look, key, partial(model.keypad, key), size=48,
                                           kind="plain", name=f"key-{key}", min_height=104)),
                           index // 3, index % 3)
        pad_layout.addLayout(grid)
        pad_layout.addWidget(no_focus(button(look, look.t("清除", "Clear"),
                                             partial(model.keypad, "clear"), size=32,
                                             kind="plain", name="key-clear", min_height=80)))
        pad_layout.addWidget(label(look, look.t("或将工作证放在读卡器上",
                                                "Or lay your staff badge on the reader"),
                                   28, bold=True, color=pal.tile_text,
                                   align=Qt.AlignmentFlag.AlignCenter, name="badge_hint"))
        pad.setMinimumWidth(look.px(520))
        row.addWidget(pad)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    # ------------------------------------------------------------------ console
    def _console(self, look: Look, layout: QVBoxLayout) -> None:
        main = QVBoxLayout() if look.portrait else QHBoxLayout()
        main.setSpacing(look.px(24))
        left = QVBoxLayout()
        left.setSpacing(look.px(18))
        left.addWidget(self._current(look), 1)
        left.addLayout(self._actions(look))
        left.addWidget(self._message(look))
        main.addLayout(left, 3)
        right = QVBoxLayout()
        right.setSpacing(look.px(18))
        right.addWidget(self._figures(look))
        right.addWidget(self._queue(look), 1)
        main.addLayout(right, 2)
        layout.addLayout(main, 1)

    def _current(self, look: Look) -> QWidget:
        model = self.model
        pal = look.palette
        frame, box = card(look, "current")
        center = Qt.AlignmentFlag.AlignCenter
        self._elapsed = self._no_show_wait = self._undo = None
        if model.status == "paused":
            box.addStretch(1)
            box.addWidget(label(look, look.t("暂停服务", "Paused"), 120, bold=True,
                                color=pal.accent, align=center, name="current_number"))
            reason = model.window_info.get("pause_reason") if model.window_info else None
            if reason in PAUSE_LABELS:
                box.addWidget(label(look, look.t(*PAUSE_LABELS[PauseReason(reason)]), 48,
                                    bold=True, color=pal.tile_text, align=center,
                                    name="pause_reason"))
            box.addWidget(label(look, look.t("按 F8 恢复服务", "Press F8 to resume"), 34,
                                color=pal.muted, align=center))
            box.addStretch(1)
            return frame
        panel = model.remote_panel()
        if panel is not None:
            self._remote(look, box, panel)
            return frame
        info = model.window_info
        ticket = model.current if info and info.get("current") else None
        box.addWidget(label(look, look.t("当前号码", "Current ticket"), 30, color=pal.muted,
                            align=center))
        if ticket is None and model.pause_asked:
            self._pause_reasons(look, box)
            return frame
        if ticket is None:
            box.addWidget(label(look, "—", 180, bold=True, color=pal.disabled, align=center,
                                name="current_number"))
            waiting = len(model.queue)
            hint = look.t(f"按 F1 叫下一位（等候 {waiting} 人）",
                          f"Press F1 to call the next ({waiting} waiting)")
            if model.video_booth and not waiting:
                hint += look.t("，或按 F9 远程叫号", "; F9 calls another hall")
            box.addWidget(label(look, hint, 34, color=pal.muted, align=center, wrap=True,
                                name="current_hint"))
            if model.can_undo():
                self._undo = no_focus(button(look, self._undo_text(look), model.undo_no_show,
                                             size=32, kind="plain", name="undo_no_show",
                                             min_height=88))
                box.addWidget(self._undo)
            return frame
        box.addWidget(label(look, ticket["number"], 150, bold=True, color=pal.accent,
                            align=center, name="current_number"))
        service = look.t(ticket.get("service_name_zh", ""), ticket.get("service_name_en", ""))
        item = look.t(ticket.get("item_name_zh") or "", ticket.get("item_name_en") or "")
        box.addWidget(label(look, f"{service} · {item}" if item else service, 36, bold=True,
                            align=center, wrap=True, name="current_service"))
        department = department_of(model.services, ticket.get("item"))
        if department is not None:
            box.addWidget(label(look, look.t(*department), 28, color=pal.muted, align=center,
                                wrap=True, name="department"))
        zh, en = TICKET_STATUS.get(ticket["status"], (ticket["status"], ticket["status"]))
        state = look.t(zh, en)
        if ticket.get("recalls"):
            recalls = ticket['recalls']
            state += look.t(f" · 已重呼 {recalls} 次", f" · recalled {recalls}×")
        tags = [look.t(z, e) for rank, (z, e, _) in PRIORITY_TAGS.items()
                if (rank == 0 and ticket.get("green")) or (rank == 1 and ticket.get(
                    "appointment_id")) or (rank == 2 and ticket.get("elderly"))]
        if tags:
            state += " · " + " ".join(tags)
        box.addWidget(label(look, state, 32, align=center, name="current_state"))
        self._elapsed = label(look, self._elapsed_text(look), 28, color=pal.muted, align=center,
                              name="elapsed")
        box.addWidget(self._elapsed)
        wait = model.no_show.wait_text() if ticket["status"] == "called" else None
        if wait is not None:
            self._no_show_wait = label(look, look.t(*wait), 26, color=pal.muted, align=center,
                                       name="no_show_wait")
            box.addWidget(self._no_show_wait)
        return frame

    def _pause_reasons(self, look: Look, box: QVBoxLayout) -> None:
        """After F7: why pause? 1 午休 2 暂离 3 会议 4 其他, as keys and buttons."""
        model = self.model
        box.addWidget(label(look, look.t("请选择暂停原因", "Why pause?"), 48, bold=True,
                            color=look.palette.tile_text, align=Qt.AlignmentFlag.AlignCenter,
                            name="pause_prompt"))
        grid = QGridLayout()
        grid.setSpacing(look.px(14))
        for index, (key, reason) in enumerate(PAUSE_KEYS.items()):
            grid.addWidget(no_focus(button(look, f"{key}  {look.t(*PAUSE_LABELS[reason])}",
                                           partial(model.act, "pause", reason), size=34,
                                           name=f"pause-{reason.value}", min_height=104)),
                           index // 2, index % 2)
        box.addLayout(grid)

        def cancel() -> None:
            model.press_key("Esc")
        box.addWidget(no_focus(button(look, look.t("Esc  取消", "Esc  Cancel"), cancel, size=28,
                                      kind="plain", name="pause-cancel", min_height=80)))

    def _undo_text(self, look: Look) -> str:
        """"撤销过号 A018（25 秒）" / "Undo no-show A018 (25 s)"."""
        offer, left = self.model.no_show.undo, self.model.no_show.undo_left()
        number = offer.number if offer else ""
        return look.t(f"撤销过号 {number}（{left} 秒）", f"Undo no-show {number} ({left} s)")

    def _remote(self, look: Look, box: QVBoxLayout, panel: RemotePanel) -> None:
        """The current-ticket card during a remote call (远程叫号)."""
        pal = look.palette
        center = Qt.AlignmentFlag.AlignCenter
        colour = {"call": pal.accent, "serve": pal.good, "over": pal.muted}.get(panel.tone,
                                                                               pal.primary)
        heading = label(look, look.t(*panel.heading), 30, bold=True, color=pal.primary,
                        align=center, wrap=True, name="remote_heading")
        box.addWidget(heading)
        if panel.number:
            box.addWidget(label(look, panel.number, 150, bold=True, color=pal.accent,
                                align=center, name="current_number"))
        else:
            box.addStretch(1)
        box.addWidget(label(look, look.t(*panel.status), 40, bold=True, color=colour,
                            align=center, wrap=True, name="remote_status"))
        if panel.hint is not None:
            box.addWidget(label(look, look.t(*panel.hint), 28, color=pal.muted, align=center,
                                wrap=True, name="remote_hint"))
        if not panel.number:
            box.addStretch(1)

    def _elapsed_text(self, look: Look) -> str:
        ticket = self.model.current
        if not ticket:
            return ""
        started = ticket.get("called_at") or ticket.get("issued_at")
        waited = (ticket.get("called_at") or 0) - (ticket.get("issued_at") or 0)
        spent = time.time() - (started or time.time())
        return look.t(f"已等候 {minutes(waited)} 分钟 · 叫号后 {minutes(spent)} 分钟",
                      f"Waited {minutes(waited)} min · {minutes(spent)} min since the call")

    def _actions(self, look: Look) -> QGridLayout:
        model = self.model
        grid = QGridLayout()
        grid.setSpacing(look.px(14))
        available = model.available()
        columns = 4
        actions = ACTIONS + REMOTE_ACTIONS if model.video_booth else ACTIONS
        # The cell's width is known before layout: a label too long for it takes two lines.
        width = (self.width() if self.width() > 10 else 1920) - 2 * look.px(32)
        if not look.portrait:
            width = (width - look.px(24)) * 3 // 5
        room = (width - (columns - 1) * look.px(14)) // columns - look.px(20)
        for index, (name, key, zh, en) in enumerate(actions):
            on_click = weak_slot(self.open_transfer) if name == "transfer" \
                else partial(model.act, name)
            kind = "accent" if name in ("call", "finish", "remote_start", "remote_finish") \
                else "primary"
            if name == "no_show" and model.no_show.confirming:
                kind, zh, en = "accent", "确认过号", "Confirm no-show"
            text = key_label(key, look.t(zh, en), font(look.px(32), True), room)
            widget = no_focus(button(look, text, on_click, size=32, kind=kind,
                                     name=f"action-{name}", enabled=name in available,
                                     min_height=104))
            widget.setStyleSheet(widget.styleSheet() + "QPushButton { padding: 0 4px; }")
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            grid.addWidget(widget, index // columns, index % columns)
        for column in range(columns):
            grid.setColumnStretch(column, 1)
        return grid

    def _figures(self, look: Look) -> QWidget:
        model = self.model
        pal = look.palette
        info = model.window_info
        frame, box = card(look, "figures")
        served = (info.get("served_today") if info else None) or 0
        mean = info.get("mean_service_s") if info else None
        mean_line = look.t(*mean_text(mean))
        box.addWidget(label(look, look.t(f"今日办结 {served} 件", f"{served} served today"), 34,
                            bold=True, color=pal.tile_text, name="served"))
        box.addWidget(label(look, mean_line, 28, color=pal.muted, name="mean"))
        rating = model.rating
        if rating is not None:
            if rating.waiting:
                text = look.t(f"{rating.number} 请评价…", f"{rating.number}: waiting for rating…")
                color = pal.muted
            elif rating.level is None:
                text, color = look.t(f"{rating.number} 未评价", f"{rating.number}: not rated"), \
                    pal.muted
            else:
                text = look.t(f"{rating.number} 评价：{model.rating_label()}",
                              f"{rating.number} rated: {model.rating_label()}")
                color = pal.good if rating.level >= 4 else pal.bad
            box.addWidget(label(look, text, 28, bold=True, color=color, name="rating"))
        return frame

    def _queue(self, look: Look) -> QWidget:
        model = self.model
        pal = look.palette
        frame, box = card(look, "queue_card")
        box.addWidget(label(look, look.t(f"等候 {len(model.queue)} 人", f"{len(model.queue)}"
                                         " waiting"), 34, bold=True, color=pal.tile_text,
                            name="queue_title"))
        skills = model.window_info.get("skills", []) if model.window_info else []
        box.addWidget(label(look, theme_waits(look, model.services, skills), 24,
                            color=pal.muted, wrap=True, name="queue_waits"))
        names = {t["prefix"]: look.t(t.get("name_zh", t["prefix"]), t.get("name_en", t["prefix"]))
                 for t in model.services}
        rows = QGridLayout()
        rows.setHorizontalSpacing(look.px(16))
        rows.setVerticalSpacing(look.px(6))
        shown = (7 if look.portrait else 8) - bool(model.faults.faults())  # a fault: a line
        for row, entry in enumerate(model.queue[:shown]):
            rows.addWidget(label(look, entry["number"], 34, bold=True, color=pal.tile_text,
                                 name="queue_number"), row, 0)
            rows.addWidget(label(look, names.get(entry["service"], entry["service"]),
                                 24, color=pal.muted), row, 1)
            tag = PRIORITY_TAGS.get(entry["priority"])
            text = look.t(tag[0], tag[1]) if tag else ""
            if entry.get("transferred"):
                text = (text + " " + look.t("转入", "Transferred")).strip()
            chip = label(look, text, 22, bold=True, color=tag[2] if tag else pal.muted)
            rows.addWidget(chip, row, 2)
            rows.addWidget(label(look, look.t(f"{minutes(entry['waited_s'])} 分钟",
                                              f"{minutes(entry['waited_s'])} min"), 24,
                                 color=pal.muted, align=Qt.AlignmentFlag.AlignRight), row, 3)
        rows.setColumnStretch(1, 1)
        box.addLayout(rows)
        if len(model.queue) > shown:
            box.addWidget(label(look, look.t(f"另有 {len(model.queue) - shown} 人…",
                                             f"and {len(model.queue) - shown} more…"), 24,
                                color=pal.muted))
        if not model.queue:
            box.addWidget(label(look, look.t("暂无等候", "Nobody is waiting"), 30,
                                color=pal.muted))
        box.addStretch(1)
        return frame

    # ------------------------------------------------------------------ transfer
    def open_transfer(self) -> None:
        """Show the transfer dialog (F6)."""
        if "transfer" not in self.model.available():
            return
        if self.transfer_dialog is not None:
            self.transfer_dialog.close()
        self.transfer_dialog = TransferDialog(self.model, self.look(), self)
        self.transfer_dialog.open()
