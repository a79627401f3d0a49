"""The progress lookup's screen (进度查询): scan the receipt's QR code or type its code on the
touch keyboard; then where the submission stands — the five steps with the current one marked,
or 不予受理 with the reason. Built by :class:`~kiosk.view.KioskView` from
:class:`~kiosk.viewmodel.KioskModel` only; nothing personal is shown.

Object names: ``receipt_code``, ``look_up``, ``progress_error``, ``progress_item``,
``step-<status>``, ``progress_status``, ``progress_reason``, ``progress_updated``,
``another``, ``home``, ``back`` (and the keyboard's, :mod:`kiosk.touch_keyboard`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QSizePolicy, QVBoxLayout

from hall.schemas import SubmissionProgressBody
from kiosk.progress import STATUS_TEXT, STEPS
from kiosk.touch_keyboard import touch_keyboard
from ui.look import Look, button, fit_text, label
from ui.qt import font

if TYPE_CHECKING:
    from kiosk.view import KioskView


def progress_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """The answer when there is one; else the code box, the keyboard and "查询"."""
    model = view.model
    answer = model.progress.answer
    if answer is not None:
        _answer(view, look, layout, answer)
        return
    view._title(look, layout, look.t("进度查询", "Check progress"),
                look.t("请将回执上的二维码对准摄像头，或输入回执编号",
                       "Hold your receipt's QR code to the camera, or type its code"))
    top = QHBoxLayout()
    top.setSpacing(look.px(20))
    top.addWidget(button(look, look.t("返回", "Back"), model.back, kind="plain", name="back",
                         min_height=84))
    code = model.progress.code
    shown = " ".join(code) if code else look.t("回执编号（10 位）", "Receipt code")
    box = label(look, shown, 44 if code else 30, bold=bool(code), name="receipt_code",
                color=look.palette.text if code else look.palette.muted)
    box.setStyleSheet(box.styleSheet() + f"background: #ffffff; border: {look.px(3)}px solid "
                      f"{look.palette.tile_border}; border-radius: {look.px(14)}px;"
                      f"padding: 0 {look.px(20)}px;")
    box.setMinimumHeight(look.px(84))
    box.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    top.addWidget(box, 1)
    asking = model.progress.asking
    top.addWidget(button(look, look.t("正在查询…", "Looking…") if asking else
                         look.t("查询", "Look up"), model.look_up_progress, kind="accent",
                         name="look_up", min_height=84, enabled=bool(code) and not asking))
    layout.addLayout(top)
    error = model.progress.error
    if error is not None:
        layout.addWidget(label(look, look.t(*error), 30, bold=True, color=look.palette.bad,
                               wrap=True, name="progress_error"))
    layout.addStretch(1)
    layout.addWidget(touch_keyboard(look, model.progress_key, model.progress_erase,
                                    model.progress_clear, digits=True))


def _answer(view: KioskView, look: Look, layout: QVBoxLayout,
            answer: SubmissionProgressBody) -> None:
    """The item, the receipt code, the steps (or the refusal and its reason), the time."""
    model, pal = view.model, look.palette
    center = Qt.AlignmentFlag.AlignCenter
    item = look.t(answer["item_name_zh"], answer["item_name_en"] or answer["item_name_zh"])
    view._title(look, layout, look.t("办理进度", "Progress"),
                look.t(f"回执编号 {answer['receipt_code']}",
                       f"Receipt {answer['receipt_code']}"))
    body = view.body_width(look)
    layout.addWidget(label(look, fit_text(item, font(look.px(44), True), body), 44, bold=True,
                           color=pal.title, name="progress_item"))
    layout.addStretch(1)
    status = answer["status"]
    words = STATUS_TEXT.get(status, (answer.get("status_zh") or status,
                                     answer.get("status_en") or status))
    if status == "rejected":
        layout.addWidget(label(look, look.t(*words), 72, bold=True, color=pal.bad, align=center,
                               name="progress_status", big=True))
        reason = look.t(answer.get("reason_zh") or "",
                        answer.get("reason_en") or answer.get("reason_zh") or "")
        if reason:
            layout.addWidget(label(look, look.t("原因：", "Why: ") + reason, 34, wrap=True,
                                   align=center, name="progress_reason"))
    else:
        layout.addLayout(_steps(look, status))
        layout.addWidget(label(look, look.t(f"当前状态：{words[0]}", f"Now: {words[1]}"), 44,
                               bold=True, color=pal.accent, align=center,
                               name="progress_status", big=True))
    updated = model.progress_updated_at()
    if updated is not None:
        layout.addWidget(label(look, look.t("更新时间 ", "Updated ")
                               + updated.strftime("%Y-%m-%d %H:%M"), 30, color=pal.muted,
                               align=center, name="progress_updated"))
    layout.addStretch(1)
    row = QHBoxLayout()
    row.setSpacing(look.px(24))
    row.addWidget(button(look, look.t("返回首页", "Back to start"), model.reset, kind="plain",
                         name="home", min_height=96), 1)
    row.addWidget(button(look, look.t("查询其他回执", "Another receipt"), model.progress_clear,
                         kind="primary", name="another", min_height=96), 1)
    layout.addLayout(row)


def _steps(look: Look, status: str) -> QBoxLayout:
    """The five steps in a row (a column on a portrait screen): done, now, still to come."""
    pal = look.palette
    now = STEPS.index(status) if status in STEPS else -1
    row: QBoxLayout = QVBoxLayout() if look.portrait else QHBoxLayout()
    row.setSpacing(look.px(12))
    for index, step in enumerate(STEPS):
        done, current = index < now, index == now
        back = pal.good if done else pal.accent if current else "#ffffff"
        fore = "#ffffff" if done or current else pal.muted
        box = QFrame()
        box.setObjectName(f"step-{step}")
        box.setStyleSheet(f"QFrame#step-{step} {{ background: {back}; border: {look.px(3)}px "
                          f"solid {pal.tile_border}; border-radius: {look.px(18)}px; }}")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(look.px(12), look.px(14), look.px(12), look.px(14))
        mark = "✓ " if done else "● " if current else ""
        inner.addWidget(label(look, mark + look.t(*STATUS_TEXT[step]), 34, bold=True,
                              color=fore, align=Qt.AlignmentFlag.AlignCenter))
        row.addWidget(box, 1)
    return row
