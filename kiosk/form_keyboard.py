"""The self-service form's touch keyboard: the keys each kind of field needs, on the screen (a
kiosk has no physical keyboard, and the system's on-screen one would cover the form).

What it can type, by field kind: a phone number, a number or a date — digits (a date's dashes
come by themselves, a number may have a point, a landline a dash); an ID number typed instead
of read from the card — digits and X; text and addresses — digits, Latin letters and whole-word
keys. A name or an address the card would have given, typed without the card, is typed by
pinyin: the letters offer the characters read so in a row above the keys
(:mod:`kiosk.hanzi_input`), ‹ and › page through them. Other free text has no pinyin and no
handwriting input: Chinese is entered as whole words, which covers what a form at a kiosk asks
in free text (a building and room number after the card's address, a district, a relation
such as 配偶). An address starts from the card's address ("使用身份证住址") and is edited from
there. The word keys of an address are the example hall's city (深圳); a hall elsewhere lists
its own (:data:`ADDRESS_WORDS`). What the keys cannot write is said on the screen: ask at the
desk.

Object names: ``fkey-<text>`` (a key), ``ferase``, ``fclear``, ``card_address``,
``choice-<n>`` (the options of a choice field), ``pinyin`` (the letters typed), ``hanzi-<n>``
(a character offered), ``hanzi_prev``, ``hanzi_next``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hall.guide import FormField
from ui.look import Look, button, label
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
#: Characters offered at a time for the pinyin typed (elderly mode and portrait: fewer).
OFFERED_PER_ROW = 10
SMALL_OFFERED_PER_ROW = 6


def typed_wide(field: FormField) -> bool:
    """Whether ``field`` is typed on the wide keyboard of letters and words (text and
    addresses; not an ID number, which has its digit keys)."""
    return field.kind in ("text", "address") and field.from_card != "id_number"


def key_rows(field: FormField, words_per_row: int = WORDS_PER_ROW) -> list[tuple[str, ...]]:
    """The rows of character keys for a field (none for a choice: its options are buttons)."""
    if field.kind == "choice":
        return []
    if field.from_card == "id_number":
        return [tuple("123"), tuple("456"), tuple("789"), ("X", "0")]
    if field.kind in ("date", "number"):
        return [tuple("123"), tuple("456"), tuple("789"),
                ("0", ".") if field.kind == "number" else ("0",)]
    if field.kind == "phone":
        return [tuple("123"), tuple("456"), tuple("789"), ("0", "-")]
    rows = [tuple(DIGITS)] + [tuple(row) for row in LETTER_ROWS]
    words = ADDRESS_WORDS if field.kind == "address" or field.from_card == "address" else \
        ("·",) if field.from_card == "name" else TEXT_WORDS
    rows += [words[i:i + words_per_row] for i in range(0, len(words), words_per_row)]
    return rows


class FormKeys:
    """What the keyboard's keys do (the form's methods)."""

    def __init__(self, type_text: Callable[[str], None], erase: Callable[[], None],
                 clear: Callable[[], None], choose: Callable[[str], None],
                 card_address: Callable[[], None] | None = None,
                 pick: Callable[[str], None] | None = None,
                 page: Callable[[int], None] | None = None) -> None:
        self.type_text, self.erase, self.clear, self.choose = type_text, erase, clear, choose
        self.card_address = card_address
        self.pick, self.page = pick, page


class Offered:
    """The pinyin typed and the characters it reads as, and which of them are shown."""

    def __init__(self, letters: str, characters: list[str], page: int) -> None:
        self.letters, self.characters, self.page = letters, characters, page


def form_keyboard(look: Look, field: FormField, keys: FormKeys, value: str,
                  offered: Offered | None = None) -> QWidget:
    """The keys for ``field``: character keys and 删除/清空, or its options as buttons. For
    text and addresses 删除/清空 end the last row of letters and "使用身份证住址" the words, so
    that the keyboard stays short enough for elderly mode's large type. With ``offered`` (a
    field typed by pinyin), the row of characters the letters read as comes first."""
    board = QWidget()
    board.setObjectName("form_keyboard")
    column = QVBoxLayout(board)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(look.big(10))
    if field.kind == "choice":
        _choices(look, field, keys, value, column)
        return board
    wide = typed_wide(field)
    height = look.big(54 if wide else 76)
    if offered is not None:
        column.addLayout(_offered_row(look, keys, offered, height))
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


def _offered_row(look: Look, keys: FormKeys, offered: Offered, height: int) -> QHBoxLayout:
    """The pinyin typed, the characters it reads as (a page of them) and ‹ ›."""
    pick, turn_page = keys.pick, keys.page
    assert pick is not None and turn_page is not None
    line = QHBoxLayout()
    line.setSpacing(look.big(8))
    line.addWidget(label(look, offered.letters or look.t("输入拼音，点选汉字",
                                                         "Type the pinyin, touch a character"),
                         28, bold=bool(offered.letters), color=look.palette.title,
                         name="pinyin"), 3)
    per_row = SMALL_OFFERED_PER_ROW if look.elderly or look.portrait else OFFERED_PER_ROW
    pages = max(1, -(-len(offered.characters) // per_row))
    page = min(offered.page, pages - 1)
    shown = offered.characters[page * per_row:(page + 1) * per_row]
    for index, text in enumerate(shown):
        key = _slim(look, button(look, text, partial(pick, text), kind="accent",
                                 name=f"hanzi-{index}", size=36), height)
        line.addWidget(key, 2)
    if len(shown) < per_row:
        line.addStretch(2 * (per_row - len(shown)))
    for text, step, name in (("‹", -1, "hanzi_prev"), ("›", 1, "hanzi_next")):
        turn = _slim(look, button(look, text, partial(turn_page, step), kind="plain",
                                  name=name, size=36), height)
        turn.setEnabled(0 <= page + step < pages and bool(shown))
        line.addWidget(turn, 1)
    return line


def _slim(look: Look, key: QPushButton, height: int) -> QPushButton:
    """A key as narrow as the row needs (no padding), ``height`` high."""
    key.setFont(font(look.big(38), True))
    key.setStyleSheet(key.styleSheet() + "QPushButton { padding: 0px; }")
    key.setFixedHeight(height)
    key.setMinimumWidth(look.big(56))
    key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return key


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
