"""The form step of a self-service submission: the item's fields on the left (the card's
filled in, masked and locked; a touch on another makes it the one typed into; what is wrong
said under it in red), the form keyboard for the active field on the right.

In elderly mode the fields show four at a time, the page following the active field.

Object names: ``field-<key>`` (a field's value), ``field_error-<key>``, ``prev_field``,
``next_field``, ``form_done``, ``keys_note``; the keyboard's in :mod:`kiosk.form_keyboard`.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.form_keyboard import FormKeys, Offered, form_keyboard, typed_wide
from kiosk.submission import SubmissionFlow
from kiosk.submission_form import ELDERLY_FIELDS_PER_PAGE, FIELDS_PER_PAGE
from kiosk.submission_nav import nav_row
from ui.look import Look, button, label
from ui.qt import font

if TYPE_CHECKING:
    from kiosk.view import KioskView


def form_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """The fields and the keyboard, with 上一项 / 下一项 and 下一步. A text or address field,
    whose keyboard has letters and words, is typed into alone over a keyboard as wide as the
    screen."""
    flow = view.model.submission
    assert flow is not None
    active = flow.form.field(flow.form.active)
    wide = active is not None and typed_wide(active)
    body = QVBoxLayout() if look.portrait or wide else QHBoxLayout()
    body.setSpacing(look.px(16 if wide else 32))
    room = view.body_width(look) * (1 if wide or look.portrait else 5 / 11) - look.px(260)
    body.addWidget(_fields(look, flow, int(room), only_active=wide), 0 if wide else 5)
    body.addLayout(_keys(look, flow), 6)
    layout.addLayout(body, 1)
    actions: list[tuple[QWidget, int]] = []
    if flow.form.field(flow.form.active) is not None:
        actions.append((button(look, look.t("上一项", "Previous"), flow.prev_field, kind="plain",
                             name="prev_field", min_height=88), 0))
        actions.append((button(look, look.t("下一项", "Next field"), flow.field_done,
                             kind="plain", name="next_field", min_height=88), 1))
    actions.append((button(look, look.t("下一步", "Next step"), flow.form_done, name="form_done",
                         min_height=88), 1))
    layout.addLayout(nav_row(view, look, actions))


def _fields(look: Look, flow: SubmissionFlow, room: int, only_active: bool = False) -> QWidget:
    """The fields (``room``: the width of a value box), or only the active one."""
    form, pal = flow.form, look.palette
    per_page = 1 if only_active else ELDERLY_FIELDS_PER_PAGE if look.elderly \
        else FIELDS_PER_PAGE
    page = form.page_of(form.active, per_page)
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(look.px(16))
    grid.setVerticalSpacing(look.px(4))
    shown = form.fields[page * per_page:(page + 1) * per_page]
    for row, field in enumerate(shown):
        locked = field.key in form.locked
        name = look.t(field.label_zh, field.label_en or field.label_zh)
        mark = "" if field.required else look.t("（选填）", " (optional)")
        grid.addWidget(label(look, name + mark, 26, bold=True, wrap=True), 2 * row, 0)
        value = form.shown(field.key) or (look.t(field.hint_zh, field.hint_en) if field.hint_zh
                                          else "")
        cell: QWidget
        if locked:
            text = f"{value}   " + look.t("（已从身份证读取）", "(from your ID card)")
            cell = label(look, text, 26, color=pal.muted, name=f"field-{field.key}")
        else:
            active = field.key == form.active
            typed = QFontMetrics(font(look.px(28), True)).elidedText(
                value, Qt.TextElideMode.ElideLeft, max(80, room))   # the end, where one types
            cell = button(look, typed or " ", partial(flow.activate, field.key),
                          kind="accent" if active else "plain", name=f"field-{field.key}",
                          size=28, min_height=64)
            cell.setStyleSheet(cell.styleSheet() + "QPushButton { text-align: left; }")
        grid.addWidget(cell, 2 * row, 1)
        if field.key in form.errors:
            grid.addWidget(label(look, look.t(*form.errors[field.key]), 22, bold=True,
                                 color=pal.bad, wrap=True, name=f"field_error-{field.key}"),
                           2 * row + 1, 1)
    grid.setColumnStretch(1, 1)
    grid.setRowStretch(2 * len(shown), 1)
    pages = -(-len(form.fields) // per_page)
    if pages > 1 and not only_active:
        grid.addWidget(label(look, look.t(f"第 {page + 1}/{pages} 页", f"Page {page + 1} of "
                                          f"{pages}"), 22, color=pal.muted),
                       2 * len(shown) + 1, 0)
    return box


def _keys(look: Look, flow: SubmissionFlow) -> QVBoxLayout:
    form = flow.form
    column = QVBoxLayout()
    column.setSpacing(look.px(12))
    field = form.field(form.active)
    if field is None:
        column.addWidget(label(look, look.t("信息已从身份证读取，请点“下一步”",
                                            "Your details come from the card: touch Next step"),
                               30, wrap=True))
        column.addStretch(1)
        return column
    wide = typed_wide(field)
    if not wide:
        booked = field.from_card == "id_number" and flow.appointment_id is not None
        column.addWidget(label(look, look.t(
            f"正在填写：{field.label_zh}" + ("（预约时登记的号码）" if booked else ""),
            f"Filling in: {field.label_en or field.label_zh}" + (" (as booked)" if booked
                                                                  else "")),
            28, bold=True, color=look.palette.title, name="filling_in"))
    card_address = flow.use_card_address if flow.host.citizen is not None and \
        flow.host.citizen.address else None
    keys = FormKeys(flow.type_key, flow.erase_key, flow.clear_key, flow.choose, card_address,
                    flow.pick_character, flow.more_characters)
    offered = Offered(form.composing, form.offered(), form.offer_page) \
        if form.composes(field) else None
    column.addWidget(form_keyboard(look, field, keys, form.values[field.key], offered))
    if wide and not look.elderly and offered is None:
        column.addWidget(label(look, look.t("本机不支持拼音和手写输入；"
                                            "无法输入的内容请咨询工作人员",
                                            "No pinyin or handwriting here: for words the keys "
                                            "lack, please ask the staff"), 22,
                               color=look.palette.muted, wrap=True, name="keys_note"))
    column.addStretch(1)
    return column
