"""Text in the printer's columns: widths as GB 18030 prints them, and wrapping to the paper."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.printer import layout
from devices.printer.layout import CLOSING, char_columns, columns, paper_columns, wrap

MISSED = "过号请到服务台重新签到 / Missed your call? Ask at the desk"


@pytest.mark.parametrize("ch, width", [
    ("A", 1), (" ", 1), ("1", 1), ("?", 1),
    ("企", 2), ("，", 2), ("、", 2), ("）", 2),
    ("·", 2), ("—", 2), ("…", 2), ("“", 2), ("é", 2),   # two-byte codes, "ambiguous" in Unicode
    ("𠀀", 2), ("Ä", 2), ("😀", 2),                      # four-byte codes: one full-width cell
    ("\ud800", 1),                                        # no GB 18030 code: sent as "?"
])
def test_a_character_is_as_wide_as_its_gb18030_code_capped_at_two(ch: str, width: int) -> None:
    assert char_columns(ch) == width
    assert len(layout.encode(ch)) in ((1,) if width == 1 else (2, 4))


def test_the_missed_call_notice_is_58_columns_as_the_finding_measured() -> None:
    assert columns(MISSED) == 58
    assert columns("企业设立登记") == 12 and columns("商事登记 · 企业设立登记") == 24


def test_paper_columns_of_80_and_58_mm_at_single_and_double_width() -> None:
    assert paper_columns(layout.PAPER_80MM_DOTS) == 48
    assert paper_columns(layout.PAPER_58MM_DOTS) == 32
    assert paper_columns(layout.PAPER_80MM_DOTS, 2) == 24
    assert paper_columns(layout.PAPER_58MM_DOTS, 2) == 16


def test_english_breaks_at_spaces_never_inside_a_word() -> None:
    assert wrap("Missed your call? Ask at the desk", 20) == ["Missed your call?", "Ask at the desk"]
    assert wrap(MISSED, 48) == ["过号请到服务台重新签到 / Missed your call? Ask", "at the desk"]


def test_a_word_longer_than_the_line_is_split() -> None:
    assert wrap("see http://hallq.local/t/X", 10) == ["see", "http://hal", "lq.local/t", "/X"]


def test_chinese_breaks_anywhere_but_not_before_closing_punctuation() -> None:
    lines = wrap("请到服务台，重新签到。", 10)
    assert lines == ["请到服务", "台，重新签", "到。"]
    assert not any(line[0] in CLOSING for line in lines)
    assert wrap("1、2、5 号窗口办理", 8) == ["1、2、5", "号窗口办", "理"]


def test_a_line_that_fits_is_left_alone() -> None:
    assert wrap("  前面还有 6 人  ", 48) == ["前面还有 6 人"]
    assert wrap("", 48) == []


def test_a_line_narrower_than_one_chinese_character_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one full-width"):
        wrap("企业", 1)


_TEXT = st.text(st.sampled_from(list("ab cdefXYZ0123 ,.?") + list("企业设立登记窗口")
                                + list("，。）、·—…“") + ["𠀀", "😀", "\t"]), max_size=120)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, width=st.integers(2, 60))
def test_wrapping_never_exceeds_the_width_and_loses_no_character(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(0 < columns(line) <= width for line in lines)
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", text)
