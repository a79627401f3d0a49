"""Typing a name by pinyin at the kiosk: the characters a syllable offers, common ones and
surnames first, and the committed table is the one its generator makes."""

from __future__ import annotations

import pytest

from kiosk.hanzi_input import TABLE_FILE, candidates, make_table


@pytest.mark.parametrize(("letters", "first"), [
    ("zhang", "张"), ("wang", "王"), ("li", "李"), ("lv", "吕"), ("xiao", "肖小校笑"),
    ("ming", "名明"), ("ZHANG", "张")])
def test_a_syllable_offers_surnames_and_common_characters_first(letters: str,
                                                                first: str) -> None:
    assert "".join(candidates(letters)[:len(first)]) == first


def test_a_beginning_offers_the_syllables_it_begins_and_rare_name_characters_are_there(
        ) -> None:
    assert {"张", "赵", "周"} <= set(candidates("zh"))
    assert "喆" in candidates("zhe") and "堃" in candidates("kun")
    assert candidates("") == [] and candidates("qqq") == []


def test_the_committed_table_is_the_one_the_generator_makes() -> None:
    assert TABLE_FILE.read_text(encoding="utf-8") == make_table()
