"""The kiosk's own on-screen keyboard: letters (QWERTY, as on a phone), digits when asked, and
"删除" and "清空". A kiosk has no physical keyboard, and the system's on-screen one is not there
and would cover the page. Used by the item search, the service guide's search and the progress
lookup's receipt code.

Object names: ``keyboard``, ``key-<letter or digit>``, ``erase``, ``clear_query``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from ui.look import Look, button
from ui.qt import font

#: The keyboard's rows of letters; digits make a row above them when asked for.
KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
DIGIT_ROW = "1234567890"


def touch_keyboard(look: Look, on_key: Callable[[str], None], on_erase: Callable[[], None],
                   on_clear: Callable[[], None], digits: bool = False) -> QWidget:
    """Letters in three rows (digits above them with ``digits``); "删除" and "清空" below.
    A key calls ``on_key`` with its lower-case letter or digit."""
    keys = QWidget()
    keys.setObjectName("keyboard")
    column = QVBoxLayout(keys)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(look.big(10))
    # Keys keep the same size in elderly mode: ten across must fit, and they are large already.
    key_font = font(look.big(40), True)
    tall = 72 if (look.elderly and not look.portrait) or digits else 84
    key_height = look.big(tall)
    for letters in (DIGIT_ROW, *KEY_ROWS) if digits else KEY_ROWS:
        row = QHBoxLayout()
        row.setSpacing(look.big(10))
        row.addStretch(1)
        for letter in letters:
            key = button(look, letter.upper(), partial(on_key, letter), kind="plain",
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
    for text, slot, name in ((look.t("⌫ 删除", "⌫ Delete"), on_erase, "erase"),
                             (look.t("清空", "Clear"), on_clear, "clear_query")):
        key = button(look, text, slot, kind="primary", name=name)
        key.setFont(key_font)
        key.setFixedHeight(key_height)
        key.setMinimumWidth(look.big(240))
        row.addWidget(key, 3)
    row.addStretch(2)
    column.addLayout(row)
    return keys
