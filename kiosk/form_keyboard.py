"""The self-service form's touch keyboard: the keys each kind of field needs, on the screen (a
kiosk has no physical keyboard, and the system's on-screen one would cover the form).

What it can type, by field kind: a phone number, a number or a date — digits (a date's dashes
come by themselves, a number may have a point, a landline a dash); text and addresses — digits,
Latin letters and whole-word keys. There is no pinyin and no handwriting input: Chinese is
entered as whole words, which covers what a form at a kiosk asks in free text (a building and
room number after the card's address, a district, a relation such as 配偶). An address starts
from the card's address ("使用身份证住址") and is edited from there. The word keys of an
address are the example hall's city (深圳); a hall elsewhere lists its own
(:data:`ADDRESS_WORDS`). What the keys cannot write is said on the screen: ask at the desk.

Object names: ``fkey-<text>`` (a key), ``ferase``, ``fclear``, ``card_address``,
``choice-<n>`` (the options of a choice field).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from hall.guide import FormField
from ui.look import Look, button
from ui.qt import font

DIGITS = "1234567890"
LETTER_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM-#")
#: Whole words an address is made of, in the example hall's city.
ADDRESS_WORDS = ("广东省", "深圳市", "福田区", "罗湖区", "南山区", "宝安区", "龙岗区", "龙华区",
                 "盐田区", "坪山区", "光明区", "大鹏新区", "街道", "社区", "路", "大道", "街",
                 "号", "栋", "座", "单元", "楼", "室", "房")
#: Whole words a free-text field is commonly filled with.
TEXT_WORDS = ("本人", "配偶", "子女", "父母", "无", "是", "否", "其他")
#: Word keys per row.
WORDS_PER_ROW = 12


def key_rows(field: FormField, words_per_row: int = WORDS_PER_ROW) -> list[tuple[str, ...]]:
    """The rows of character keys for a field (none for a choice: its options are buttons)."""
    if field.kind == "choice":
        return []
    if field.kind in ("date", "number"):
        return [tuple("123"), tuple("456"), tuple("789"),
                ("0", ".") if field.kind == "number" else ("0",)]
    if field.kind == "phone":
        return [tuple("123"), tuple("456"), tuple("789"), ("0", "-")]
    rows = [tuple(DIGITS)] + [tuple(row) for row in LETTER_ROWS]
    words = ADDRESS_WORDS if field.kind == "address" else TEXT_WORDS
    rows += [words[i:i + words_per_row] for i in range(0, len(words), words_per_row)]
    return rows


class FormKeys:
    """What the keyboard's keys do (the form's methods)."""

    def __init__(self, type_text: Callable[[str], None], erase: Callable[[], None],
                 clear: Callable[[], None], choose: Callable[[str], None],
                 card_address: Callable[[], None] | None = None) -> None:
        self.type_text, self.erase, self.clear, self.choose = type_text, erase, clear, choose
        self.card_address = card_address


def form_keyboard(look: Look, field: FormField, keys: FormKeys, value: str) -> QWidget:
    """The keys for ``field``: character keys and 删除/清空, or its options as buttons. For
    text and addresses 删除/清空 end the last row of letters and "使用身份证住址" the words, so
    that the keyboard stays short enough for elderly mode's large type."""
    board = QWidget()
    board.setObjectName("form_keyboard")
    column = QVBoxLayout(board)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(look.big(10))
    if field.kind == "choice":
        _choices(look, field, keys, value, column)
        return board
    wide = field.kind in ("text", "address")
    height = look.big(54 if wide else 76)
    lines: list[QHBoxLayout] = []
    for row in key_rows(field, WORDS_PER_ROW // 2 if look.portrait else WORDS_PER_ROW):
        line = QHBoxLayout()
        line.setSpacing(look.big(8))
        for text in row:
            key = button(look, text, partial(keys.type_text, text), kind="plain",
                         name=f"fkey-{text}", size=30 if len(text) > 1 else 36)
            key.setFont(font(look.big(28 if len(text) > 1 else 38), True))
            key.setStyleSheet(key.styleSheet() + "QPushButton { padding: 0px; }")
            key.setFixedHeight(height)
            key.setMinimumWidth(look.big(56))
            key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            line.addWidget(key, len(text) + 1)
        lines.append(line)
        column.addLayout(line)
    inline = wide and not look.portrait     # 删除/清空 at the end of the letters
    controls = lines[len(LETTER_ROWS)] if inline else QHBoxLayout()
    if not inline:
        controls.setSpacing(look.big(8))
        column.addLayout(controls)
    for text, slot, name in ((look.t("⌫ 删除", "⌫ Delete"), keys.erase, "ferase"),
                             (look.t("清空", "Clear"), keys.clear, "fclear")):
        controls.addWidget(_control(look, text, slot, name, height), 4 if inline else 1)
    if field.kind == "address" and keys.card_address is not None:
        (controls if look.portrait else lines[-1]).addWidget(_control(
            look, look.t("使用身份证住址", "Address on my ID card"), keys.card_address,
            "card_address", height), 8)
    return board


def _control(look: Look, text: str, slot: Callable[[], None], name: str, height: int
             ) -> QWidget:
    key = button(look, text, slot, kind="primary", name=name)
    key.setFont(font(look.big(30), True))
    key.setFixedHeight(height)
    return key


def _choices(look: Look, field: FormField, keys: FormKeys, value: str,
             column: QVBoxLayout) -> None:
    grid = QGridLayout()
    grid.setSpacing(look.big(12))
    for index, option in enumerate(field.choices_zh):
        english = field.choices_en[index] if index < len(field.choices_en) else option
        mark = "● " if option == value else "○ "
        choice = button(look, mark + look.t(option, english), partial(keys.choose, option),
                        kind="accent" if option == value else "plain", name=f"choice-{index}",
                        size=32, min_height=100)
        grid.addWidget(choice, index, 0)
    column.addLayout(grid)
    column.addStretch(1)
