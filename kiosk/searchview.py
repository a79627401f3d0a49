"""The kiosk's item search: what was typed, the items found, and a letter keyboard of its own
(the system's on-screen keyboard is not there on a kiosk, and would cover the page). Built by
:class:`~kiosk.view.KioskView` from :class:`~kiosk.viewmodel.KioskModel` only.

Object names: ``query``, ``result-<code>`` (the items found, a touch takes a number),
``no_result``, ``key-<letter>``, ``erase``, ``clear_query``, ``back``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.item_text import department
from ui.look import Look, Tile, button, label
from ui.qt import font

if TYPE_CHECKING:
    from kiosk.view import KioskView

#: The keyboard's rows of letters (QWERTY, as on a phone); "删除" and "清空" make a fourth.
KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def search_screen(view: KioskView, look: Look, layout: QVBoxLayout) -> None:
    """The query with "back", the items found (two rows), and the keyboard."""
    model = view.model
    theme = model.theme() if model.search.scope else None
    title = look.t("搜索事项", "Find a service")
    if theme is not None:
        title += " · " + look.t(theme["name_zh"], theme.get("name_en") or theme["name_zh"])
    view._title(look, layout, title)
    top = QHBoxLayout()
    top.setSpacing(look.px(20))
    top.addWidget(button(look, look.t("返回", "Back"), model.back, kind="plain", name="back",
                         min_height=84))
    query = model.search.query
    shown = query.upper() if query else look.t("输入拼音首字母，如 社保卡 → SBK",
                                              "Type pinyin initials (SBK for 社保卡) or English")
    box = label(look, shown, 44 if query else 30, bold=bool(query), name="query",
                color=look.palette.text if query else look.palette.muted)
    box.setStyleSheet(box.styleSheet() + f"background: #ffffff; border: {look.px(3)}px solid "
                      f"{look.palette.tile_border}; border-radius: {look.px(14)}px;"
                      f"padding: 0 {look.px(20)}px;")
    box.setMinimumHeight(look.px(84))
    top.addWidget(box, 1)
    layout.addLayout(top)
    layout.addLayout(_results(view, look), 1)
    layout.addWidget(_keyboard(view, look))


def _results(view: KioskView, look: Look) -> QGridLayout:
    model = view.model
    columns = 2 if (look.portrait or look.elderly) else 3
    grid = QGridLayout()
    spacing = look.px(16)
    grid.setSpacing(spacing)
    width = (view.body_width(look) - spacing * (columns - 1)) // columns
    found = model.search_results()
    if model.search.query and not found:
        grid.addWidget(label(look, look.t("没有找到，请换个写法，或返回按类别选择",
                                          "Nothing found: try other letters, or go back and "
                                          "choose by category"), 32, bold=True, wrap=True,
                             color=look.palette.bad, align=Qt.AlignmentFlag.AlignCenter,
                             name="no_result"), 0, 0, 1, columns)
        return grid
    for index, item in enumerate(found):
        name = look.t(item["name_zh"], item.get("name_en") or item["name_zh"])
        grid.addWidget(Tile(look, name, [department(look, item)],
                            partial(model.take_number, item["code"]), title_size=30,
                            line_size=21, spacing=2, name=f"result-{item['code']}", width=width,
                            enabled=not model.busy), index // columns, index % columns)
    for index in range(len(found), 2 * columns):  # keep the two rows' room
        filler = QWidget()
        filler.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        grid.addWidget(filler, index // columns, index % columns)
    return grid


def _keyboard(view: KioskView, look: Look) -> QWidget:
    """Letters in three rows; "删除" and "清空" below them."""
    model = view.model
    keys = QWidget()
    keys.setObjectName("keyboard")
    column = QVBoxLayout(keys)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(look.big(10))
    # Keys keep the same size in elderly mode: ten across must fit, and they are large already.
    key_font = font(look.big(40), True)
    key_height = look.big(72 if look.elderly and not look.portrait else 84)
    for letters in KEY_ROWS:
        row = QHBoxLayout()
        row.setSpacing(look.big(10))
        row.addStretch(1)
        for letter in letters:
            key = button(look, letter.upper(), partial(model.type_key, letter), kind="plain",
                         name=f"key-{letter}")
            key.setFont(key_font)
            key.setStyleSheet(key.styleSheet() + "QPushButton { padding: 0px; }")  # narrow keys
            key.setFixedHeight(key_height)
            key.setMinimumWidth(look.big(80))
            key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            row.addWidget(key, 2)
        row.addStretch(1)
        column.addLayout(row)
    row = QHBoxLayout()
    row.setSpacing(look.big(10))
    row.addStretch(2)
    for text, slot, name in ((look.t("⌫ 删除", "⌫ Delete"), model.erase_key, "erase"),
                             (look.t("清空", "Clear"), model.clear_search, "clear_query")):
        key = button(look, text, slot, kind="primary", name=name)
        key.setFont(key_font)
        key.setFixedHeight(key_height)
        key.setMinimumWidth(look.big(240))
        row.addWidget(key, 3)
    row.addStretch(2)
    column.addLayout(row)
    return keys
