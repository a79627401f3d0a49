"""The kiosk's item search: what was typed, the items found, and a letter keyboard of its own
(:mod:`kiosk.touch_keyboard`). Built by
:class:`~kiosk.view.KioskView` from :class:`~kiosk.viewmodel.KioskModel` only.

Object names: ``query``, ``result-<code>`` (the items found, a touch takes a number or, in
the service guide's search, opens the item's guide),
``no_result``, ``key-<letter>``, ``erase``, ``clear_query``, ``back``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.item_text import department
from kiosk.touch_keyboard import touch_keyboard
from ui.look import Look, Tile, button, label

if TYPE_CHECKING:
    from kiosk.view import KioskView

def search_screen(view: KioskView, look: Look, layout: QVBoxLayout,
                  for_guide: bool = False) -> None:
    """The query with "back", the items found (two rows), and the keyboard; ``for_guide``:
    the service guide's search, where an item found opens its guide."""
    model = view.model
    theme = model.theme() if model.search.scope else None
    title = look.t("搜索办事指南", "Find a service guide") if for_guide \
        else look.t("搜索事项", "Find a service")
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
    layout.addLayout(_results(view, look, for_guide), 1)
    layout.addWidget(touch_keyboard(look, model.type_key, model.erase_key,
                                    model.clear_search))


def _results(view: KioskView, look: Look, for_guide: bool) -> QGridLayout:
    model = view.model
    pick = model.open_guide_item if for_guide else model.take_number
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
                            partial(pick, item["code"]), title_size=30,
                            line_size=21, spacing=2, name=f"result-{item['code']}", width=width,
                            enabled=for_guide or not model.busy),
                     index // columns, index % columns)
    for index in range(len(found), 2 * columns):  # keep the two rows' room
        filler = QWidget()
        filler.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        grid.addWidget(filler, index // columns, index % columns)
    return grid
