"""The service guide's screens (办事指南): the items by theme, and one item's guide — what it
is, who may apply, fee, time limit, where and how, then its materials — with "print", "take a
number" and, for an item handed in here, "自助申报". Built by :class:`~kiosk.view.KioskView`
from :class:`~kiosk.viewmodel.KioskModel` only (the guide's search is
:func:`kiosk.searchview.search_screen` with ``for_guide``).

Object names: ``guide-theme-<prefix>``, ``guide-<code>`` (the item tiles), ``guide_search``,
``guide_prev``, ``guide_next``, ``section-overview``, ``section-materials``, ``summary``,
``conditions``, ``fee``, ``time_limit``, ``where``, ``ways``, ``material-<id>``,
``materials_prev``, ``materials_next``, ``print_guide``, ``guide_take``, ``apply_here``,
``guide_print_status``, ``back``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
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

from hall.schemas import GuideBody, MaterialBody, ServiceBody, ServiceItemBody
from kiosk import guide_text
from kiosk.guide import DETAILS, MATERIALS, OVERVIEW
from kiosk.item_text import department
from ui.look import Look, Tile, button, fit_text, label
from ui.qt import font

if TYPE_CHECKING:
    from kiosk.view import KioskView

#: Pixels kept free beside fitted text (rounding of the layout's sizes).
SAFETY = 8
#: The labels of the tags an item's tile and guide carry.
SELF_SERVICE = ("可自助申报", "Apply here")


def item_tags(look: Look, item: ServiceItemBody) -> str:
    """"可自助申报 · 通办 · 可远程" as far as they apply."""
    tags = []
    guide = item.get("guide")
    if guide is not None and guide["self_service"]:
        tags.append(look.t(*SELF_SERVICE))
    if item["anywhere"]:
        tags.append(look.t("通办", "Any hall"))
    if item["remote"]:
        tags.append(look.t("可远程", "Remote"))
    return " · ".join(tags)


def add_guide_link(look: Look, tile: QWidget, width: int, on_touch: Callable[[], None],
                   code: str) -> None:
    """A small "办事指南 ›" button at the right of the last line of an item tile ``width``
    wide (a touch on the tile itself takes a number); the line gives it room."""
    link = button(look, look.t("办事指南 ›", "Guide ›"), on_touch, kind="plain", size=20,
                  name=f"guide_link-{code}", min_height=34)
    edge = look.palette.tile_muted if look.elderly else look.palette.tile_border  # seen on black
    link.setStyleSheet(link.styleSheet() + f"QPushButton {{ padding: 0 {look.px(10)}px; "
                       f"border-color: {edge}; }}")
    layout = tile.layout()
    if not isinstance(layout, QBoxLayout) or layout.count() < 2:
        return
    last = layout.takeAt(layout.count() - 2)   # the line above the closing stretch
    row = QHBoxLayout()
    row.setSpacing(look.px(8))
    line = last.widget() if last is not None else None
    if isinstance(line, QLabel):
        room = width - 2 * look.px(22) - 2 * look.px(3) - link.sizeHint().width() \
            - look.px(8) - SAFETY
        line.setText(fit_text(line.text(), line.font(), max(room, 1), 1))
        line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(line, 1)
    row.addWidget(link, 0, Qt.AlignmentFlag.AlignBottom)
    layout.insertLayout(layout.count() - 1, row)


def guide_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """The items of one theme (a tab per theme), paged; a touch opens an item's guide."""
    model = view.model
    view._title(look, layout, look.t("办事指南", "Service guide"),
                "" if look.elderly else look.t("选择事项，查看所需材料、收费和办理时限",
                                               "Choose a service to see what to bring, the fee "
                                               "and the time limit"))
    tabs = QHBoxLayout()
    tabs.setSpacing(look.px(16))
    count = max(1, len(model.services))
    room = (view.body_width(look) - look.px(16) * (count - 1)) // count - 2 * look.px(28)
    for theme in model.services:
        chosen = theme["prefix"] == model.guide.theme
        name = ("● " if chosen else "") + look.t(theme["name_zh"],
                                                theme["name_en"] or theme["name_zh"])
        tabs.addWidget(button(look, fit_text(name, font(look.px(30), True), room),
                              partial(model.guide_theme, theme["prefix"]),
                              kind="primary" if chosen else "plain", size=30,
                              name=f"guide-theme-{theme['prefix']}", min_height=80), 1)
    layout.addLayout(tabs)
    columns = 1 if look.portrait and look.elderly else 2 if look.portrait or look.elderly else 3
    grid = QGridLayout()
    grid.setSpacing(look.px(16))
    width = (view.body_width(look) - look.px(16) * (columns - 1)) // columns
    items = model.guide_items_page()
    for index in range(model.guide_page_size()):
        cell: QWidget
        if index < len(items):
            item = items[index]
            tags = item_tags(look, item)
            # elderly mode: one line under the name, what it can be done as, else who does it
            lines = [tags or department(look, item)] if look.elderly else \
                [department(look, item), *([tags] if tags else [])]
            cell = Tile(look, look.t(item["name_zh"], item["name_en"] or item["name_zh"]),
                        lines, partial(model.open_guide_item, item["code"]), title_size=30,
                        line_size=22, spacing=2, name=f"guide-{item['code']}", width=width)
        else:
            cell = QWidget()
            cell.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        grid.addWidget(cell, index // columns, index % columns)
    layout.addLayout(grid, 1)
    row = QHBoxLayout()
    row.setSpacing(look.px(20))
    row.addWidget(button(look, look.t("返回", "Back"), model.back, kind="plain", name="back",
                         min_height=84))
    row.addWidget(button(look, look.t("搜索（拼音首字母）", "Search"), model.open_guide_search,
                         kind="primary", name="guide_search", min_height=84), 1)
    if look.portrait:  # the pager on a line of its own
        layout.addLayout(row)
        row = QHBoxLayout()
        row.setSpacing(look.px(20))
    if model.guide_page_count() > 1:
        row.addWidget(button(look, look.t("上一页", "Previous"), partial(model.guide_turn, -1),
                             kind="plain", name="guide_prev", min_height=84,
                             enabled=model.guide.page > 0))
        row.addWidget(label(look, f"{model.guide.page + 1} / {model.guide_page_count()}", 34,
                            bold=True, name="page", align=Qt.AlignmentFlag.AlignCenter))
        row.addWidget(button(look, look.t("下一页", "Next"), partial(model.guide_turn, 1),
                             kind="plain", name="guide_next", min_height=84,
                             enabled=model.guide.page + 1 < model.guide_page_count()))
    layout.addLayout(row)


def guide_item_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """One item's guide: its name, a tab per part (what it is; the materials), the actions."""
    model = view.model
    code = model.guide.item or ""
    item, guide = model.item(code), model.item_guide(code)
    if item is None or guide is None:
        return
    theme = model.theme_of(code)
    sub = department(look, item)
    if theme is not None:
        sub += " · " + look.t(theme["name_zh"], theme["name_en"] or theme["name_zh"])
    view._title(look, layout, look.t(item["name_zh"], item["name_en"] or item["name_zh"]),
                "" if look.elderly else sub)
    count = len(guide["materials"])
    words = {OVERVIEW: look.t("办事须知", "About it"), DETAILS: look.t("收费与地点", "Fee, where"),
             MATERIALS: look.t(f"申请材料（{count} 项）", f"What to bring ({count})")}
    sections = model.guide_sections()
    shown = model.guide.section if model.guide.section in sections else OVERVIEW
    tabs = QHBoxLayout()
    tabs.setSpacing(look.px(16))
    room = (view.body_width(look) - look.px(16) * (len(sections) - 1)) // len(sections) \
        - 2 * look.px(28)
    for section in sections:
        text = ("● " if shown == section else "") + words[section]
        tabs.addWidget(button(look, fit_text(text, font(look.px(30), True), room),
                              partial(model.guide_section, section),
                              size=30, kind="primary" if shown == section else "plain",
                              name=f"section-{section}", min_height=72), 1)
    layout.addLayout(tabs)
    body = view.body_width(look)
    if shown == MATERIALS:
        _materials(view, look, layout, guide, body)
    elif look.elderly:  # one part a tab; side by side on a landscape screen
        columns = 1 if look.portrait else 2
        layout.addWidget(_about(look, guide, body, columns) if shown == OVERVIEW
                         else _facts(look, item, guide, theme, body, columns))
    else:
        wide = not look.portrait
        half = (body - look.px(16)) // 2 if wide else body
        both: QBoxLayout = QHBoxLayout() if wide else QVBoxLayout()
        both.setSpacing(look.px(16))
        both.addWidget(_about(look, guide, half), 1)
        both.addWidget(_facts(look, item, guide, theme, half), 1)
        layout.addLayout(both)
    layout.addStretch(1)
    status = _print_status(look, model.print_state)
    if status is not None:
        layout.addWidget(status)
    layout.addLayout(_actions(view, look, guide))


def _frame(look: Look, name: str) -> tuple[QFrame, QGridLayout]:
    """A white framed box of the guide, and the grid inside it."""
    box = QFrame()
    box.setObjectName(f"box-{name}")
    box.setStyleSheet(f"QFrame#box-{name} {{ background: #ffffff; border: {look.px(2)}px solid "
                      f"{look.palette.tile_border}; border-radius: {look.px(16)}px; }}")
    grid = QGridLayout(box)
    grid.setContentsMargins(look.px(20), look.px(12), look.px(20), look.px(12))
    grid.setHorizontalSpacing(look.px(16))
    grid.setVerticalSpacing(look.px(6))
    return box, grid


def text_size(look: Look) -> int:
    """The design size of the guide's text (a little smaller in elderly mode, which enlarges
    it by a third anyway)."""
    return 26 if look.elderly else 28


def _about(look: Look, guide: GuideBody, width: int, columns: int = 1) -> QFrame:
    """What it is, and who may apply (each condition fitted to its lines); side by side with
    two ``columns``."""
    box, grid = _frame(look, "about")
    room = (width - 2 * look.px(20) - 2 * look.px(2) - look.px(16) * (columns - 1)) \
        // columns - SAFETY
    size = text_size(look)
    text_font = font(look.px(size))
    summary = look.t(guide["summary_zh"], guide["summary_en"] or guide["summary_zh"])
    conditions = guide["conditions_zh"] if look.lang == "zh" or not guide["conditions_en"] \
        else guide["conditions_en"]
    each = 1 if look.elderly and columns == 1 else 2
    lines = [fit_text(f"{n}. {c}", text_font, room, each)
             for n, c in enumerate(conditions[:3 if look.elderly else 4], 1)]
    parts = [(look.t("事项说明", "What it is"),
              fit_text(summary, text_font, room, 2 if look.elderly and columns == 1 else 3),
              "summary"),
             (look.t("申请条件", "Who may apply"), "\n".join(lines) or look.t("无", "None"),
              "conditions")]
    for index, (heading, text, name) in enumerate(parts):
        row, column = (0, index) if columns == 2 else (2 * index, 0)
        grid.addWidget(label(look, heading, 24, bold=True, color=look.palette.title),
                       row, column)
        grid.addWidget(label(look, text, size, name=name), row + 1, column,
                       Qt.AlignmentFlag.AlignTop)
    grid.setRowStretch(4, 1)
    return box


def _facts(look: Look, item: ServiceItemBody, guide: GuideBody, theme: ServiceBody | None,
           width: int, columns: int = 1) -> QFrame:
    """Fee, the legal time limit, where it is served and how else it can be done: a heading
    and its value on each row (two pairs a row with two ``columns``)."""
    box, grid = _frame(look, "facts")
    heading_width = look.px(150 if look.lang == "zh" else 170)
    room = (width - 2 * look.px(20) - 2 * look.px(2)) // columns - heading_width \
        - 2 * look.px(16) - SAFETY
    size = text_size(look)
    text_font = font(look.px(size))
    rows = [(look.t("收费标准", "Fee"), look.t(*guide_text.fee(guide)), "fee", 2),
            (look.t("法定时限", "Time limit"), look.t(*guide_text.time_limit(guide)),
             "time_limit", 1),
            (look.t("办理地点", "Where"), look.t(*guide_text.where(theme, item)), "where", 2),
            (look.t("办理方式", "How"),
             "\n".join(fit_text("✓ " + look.t(*way), text_font, room, 1)
                       for way in guide_text.ways(item, guide)), "ways", 3)]
    for index, (heading, value, name, lines) in enumerate(rows):
        row, column = divmod(index, columns)
        title = label(look, heading, 26, bold=True, color=look.palette.title,
                      align=Qt.AlignmentFlag.AlignTop)
        title.setFixedWidth(heading_width)
        grid.addWidget(title, row, 2 * column, Qt.AlignmentFlag.AlignTop)
        shown = value if name == "ways" else fit_text(value, text_font, room, lines)
        grid.addWidget(label(look, shown, size, name=name), row, 2 * column + 1,
                       Qt.AlignmentFlag.AlignTop)
    grid.setRowStretch(len(rows), 1)
    return box


def _materials(view: KioskView, look: Look, layout: QVBoxLayout, guide: GuideBody,
               body: int) -> None:
    """The materials, a row each (paged): name, original or copy and how many, a note, and
    for self-service whether the kiosk photographs it."""
    model = view.model
    per_page = model.materials_per_page()
    start = model.guide.materials_page * per_page
    rows = QVBoxLayout()
    rows.setSpacing(look.px(12))
    for number, material in enumerate(guide["materials"][start:start + per_page], start + 1):
        rows.addWidget(_material_row(look, number, material, guide["self_service"], body))
    if not guide["materials"]:
        rows.addWidget(label(look, look.t("无需提交材料", "Nothing to bring"), 32, bold=True))
    layout.addLayout(rows)
    pages = model.materials_page_count()
    if pages > 1:
        pager = QHBoxLayout()
        pager.setSpacing(look.px(20))
        pager.addStretch(1)
        pager.addWidget(button(look, look.t("上一页", "Previous"),
                               partial(model.materials_turn, -1), kind="plain",
                               name="materials_prev", min_height=72,
                               enabled=model.guide.materials_page > 0))
        pager.addWidget(label(look, f"{model.guide.materials_page + 1} / {pages}", 30,
                              bold=True, align=Qt.AlignmentFlag.AlignCenter))
        pager.addWidget(button(look, look.t("下一页", "Next"), partial(model.materials_turn, 1),
                               kind="plain", name="materials_next", min_height=72,
                               enabled=model.guide.materials_page + 1 < pages))
        layout.addLayout(pager)


def _material_row(look: Look, number: int, material: MaterialBody, self_service: bool,
                  body: int) -> QFrame:
    row = QFrame()
    name = f"material-{material['id']}"
    row.setObjectName(name)
    row.setStyleSheet(f"QFrame#{name} {{ background: #ffffff; border: {look.px(2)}px solid "
                      f"{look.palette.tile_border}; border-radius: {look.px(16)}px; }}")
    line = QHBoxLayout(row)
    pad = look.px(18)
    line.setContentsMargins(pad, look.px(8), pad, look.px(8))
    line.setSpacing(look.px(16))
    mark = label(look, str(number), 30, bold=True, color="#ffffff",
                 align=Qt.AlignmentFlag.AlignCenter)
    side = look.px(52)
    mark.setFixedSize(side, side)
    mark.setStyleSheet(mark.styleSheet() + f"background: {look.palette.primary};"
                       f"border-radius: {side // 2}px;")
    line.addWidget(mark)
    form = look.t(*guide_text.material_form(material))
    chip_text = form + (look.t(" · 本机拍照", " · photo here")
                        if self_service and material["photo"] else "")
    chip_width = look.px(330)
    room = body - 2 * pad - side - chip_width - 2 * look.px(16) - 2 * look.px(2) - SAFETY
    text = QVBoxLayout()
    text.setSpacing(look.px(2))
    text.addWidget(label(look, fit_text(look.t(*guide_text.material_name(material)),
                                        font(look.px(30), True), room, 1), 30, bold=True,
                         color=look.palette.title))
    note = look.t(material["note_zh"], material["note_en"] or material["note_zh"])
    if note:
        text.addWidget(label(look, fit_text(note, font(look.px(22)), room, 1), 22,
                             color=look.palette.muted))
    line.addLayout(text, 1)
    chip = label(look, fit_text(chip_text, font(look.px(24), True), chip_width, 2), 24,
                 bold=True, color=look.palette.accent, align=Qt.AlignmentFlag.AlignRight,
                 name="material_form")
    chip.setFixedWidth(chip_width)
    line.addWidget(chip)
    return row


def _print_status(look: Look, state: str) -> QLabel | None:
    pal = look.palette
    words = {"printing": (look.t("正在打印办事指南…", "Printing the guide…"), pal.muted),
             "printed": (look.t("请取走打印的办事指南", "Please take the printed guide"), pal.good),
             "failed": (look.t("打印机故障，请拍照保存或到服务台咨询",
                               "Printer fault: take a photo or ask at the desk"), pal.bad),
             "no_printer": (look.t("本机不能打印，请拍照保存", "This kiosk cannot print: take a "
                                   "photo"), pal.bad)}
    if state not in words:
        return None
    text, color = words[state]
    return label(look, text, 30, bold=True, color=color, name="guide_print_status",
                 align=Qt.AlignmentFlag.AlignCenter)


def _actions(view: KioskView, look: Look, guide: GuideBody) -> QBoxLayout:
    """Back, print, take a number, and for self-service "自助申报" (two rows on a portrait
    screen)."""
    model = view.model
    buttons = [button(look, look.t("返回", "Back"), model.back, kind="plain", name="back",
                      min_height=80),
               button(look, look.t("打印指南", "Print"), model.print_guide, kind="plain",
                      name="print_guide", min_height=80,
                      enabled=model.print_state != "printing"),
               button(look, look.t("取号办理", "Take a number"), model.take_number_for_guide,
                      kind="primary", name="guide_take", min_height=80,
                      enabled=not model.busy)]
    if guide["self_service"]:
        buttons.append(button(look, look.t("自助申报", "Apply here"),
                              partial(model.start_submission, model.guide.item or ""),
                              kind="accent", name="apply_here", min_height=80))
    rows: QBoxLayout = QVBoxLayout()
    rows.setSpacing(look.px(16))
    per_row = 2 if look.portrait else len(buttons)
    for start in range(0, len(buttons), per_row):
        row = QHBoxLayout()
        row.setSpacing(look.px(20))
        for index, widget in enumerate(buttons[start:start + per_row], start):
            row.addWidget(widget, 0 if index == 0 and not look.portrait else 1)
        rows.addLayout(row)
    return rows
