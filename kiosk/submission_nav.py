"""What every screen of a self-service submission has: a compact title (the item, the masked
ID of the card read) with the step strip (①身份 ②填表 ③材料 ④确认提交 ⑤回执), and at the bottom
"取消办理" and "返回" with the step's own buttons (in portrait, those above the two).

Object names: ``sub_title``, ``masked_id``, ``steps``, ``sub_cancel``, ``sub_back``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.submission import Step, SubmissionFlow
from ui.look import Look, button, fit_text, label
from ui.qt import font

if TYPE_CHECKING:
    from kiosk.view import KioskView

STRIP = ((("身份", "ID"), (Step.IDENTIFY,)), (("填表", "Form"), (Step.FORM,)),
         (("材料", "Documents"), (Step.REUSE, Step.PHOTOS)),
         (("确认提交", "Review"), (Step.REVIEW, Step.CONSENT, Step.SUBMITTING,
                                                 Step.FAILED)),
         (("回执", "Receipt"), (Step.RECEIPT,)))


def step_strip(look: Look, flow: SubmissionFlow) -> QWidget:
    """①身份 ②填表 ③材料 ④确认提交 ⑤回执, the current one marked."""
    strip = QWidget()
    strip.setObjectName("steps")
    row = QHBoxLayout(strip)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(look.px(12))
    current = next(i for i, (_, steps) in enumerate(STRIP) if flow.step in steps)
    for index, ((zh, en), _) in enumerate(STRIP):
        here = index == current
        color = look.palette.accent if here else (look.palette.good if index < current
                                                  else look.palette.muted)
        mark = "✓ " if index < current else f"{index + 1} "
        row.addWidget(label(look, mark + look.t(zh, en), 26, bold=here, color=color))
        if index + 1 < len(STRIP):
            row.addWidget(label(look, "›", 26, color=look.palette.muted))
    row.addStretch(1)
    return strip


def title_row(view: KioskView, look: Look, flow: SubmissionFlow) -> QWidget:
    """The item and "自助申报", the masked ID of the card read, and the step strip."""
    box = QWidget()
    rows = QVBoxLayout(box)
    rows.setContentsMargins(0, 0, 0, 0)
    rows.setSpacing(look.px(6))
    top = QHBoxLayout()
    citizen = view.model.citizen
    beside = citizen is not None and not look.portrait  # the masked ID beside the title
    title = look.t(flow.item_name_zh, flow.item_name_en) + look.t(" · 自助申报", " · Apply here")
    room = view.body_width(look) - (look.px(380) if beside else 0)
    top.addWidget(label(look, fit_text(title, font(look.px(40), True), room, 1), 40, bold=True,
                        color=look.palette.title, name="sub_title"), 1)
    rows.addLayout(top)
    if citizen is not None:
        chip = label(look, look.t("证件 ", "ID ") + citizen.masked_id, 24, bold=True,
                     color=look.palette.muted, name="masked_id")
        if beside:
            top.addWidget(chip, 0, Qt.AlignmentFlag.AlignVCenter)
        else:
            rows.addWidget(chip)
    rows.addWidget(step_strip(look, flow))
    return box


def nav_row(view: KioskView, look: Look, actions: list[tuple[QWidget, int]] | None = None,
            back: bool = True) -> QBoxLayout:
    """"取消办理" and "返回", then the step's ``actions`` (a button and its stretch)."""
    flow = view.model.submission
    assert flow is not None
    row = QHBoxLayout()
    row.setSpacing(look.px(20))
    row.addWidget(button(look, look.t("取消办理", "Cancel"), flow.cancel, kind="plain",
                         name="sub_cancel", min_height=88))
    if back:
        row.addWidget(button(look, look.t("返回", "Back"), flow.back, kind="plain",
                             name="sub_back", min_height=88))
    row.addStretch(1)
    step_row = row
    both: QBoxLayout = row
    if look.portrait and actions:
        step_row = QHBoxLayout()
        step_row.setSpacing(look.px(20))
        both = QVBoxLayout()
        both.setSpacing(look.px(16))
        both.addLayout(step_row)
        both.addLayout(row)
    for widget, stretch in actions or []:
        step_row.addWidget(widget, stretch)
    return both
