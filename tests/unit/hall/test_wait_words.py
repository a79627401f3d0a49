"""How every screen words a wait (hall/wait_text.py)."""

from __future__ import annotations

from hall.wait_text import wait_minutes, wait_sentence, wait_word, wait_words


def test_minutes_are_rounded_as_said() -> None:
    # never "0.2 分钟": under a minute is about 1; past an hour to five minutes
    assert [wait_minutes(s) for s in (1, 12, 89, 90, 749, 750, 3571, 3600, 5700)] \
        == [1, 1, 1, 2, 12, 13, 60, 60, 95]
    assert wait_words("about", 12) == ("约 1 分钟", "about 1 min")
    assert wait_words("about", 5700) == ("约 1 小时 35 分钟", "about 1 h 35 min")
    assert wait_words("about", 7200) == ("约 2 小时", "about 2 h")


def test_words_instead_of_numbers() -> None:
    assert wait_words("now", 0) == ("马上办理", "now")
    assert wait_words("next", 400) == ("下一位", "next")
    assert wait_words("no_window", None) == ("暂无窗口办理此业务", "no window serving this now")
    assert wait_word("no_window", None, "zh") == "暂无窗口办理此业务"


def test_a_figure_without_its_kind() -> None:
    # another hall's ticket (a referral) carries seconds only
    assert wait_words(None, 600) == ("约 10 分钟", "about 10 min")
    assert wait_words(None, None) == ("", "")
    assert wait_words("later", 0) == ("", "")


def test_the_sentence_of_a_ticket() -> None:
    assert wait_sentence("about", 720) == ("预计等待约 12 分钟", "About 12 min wait")
    assert wait_sentence("now", 0) == ("马上办理", "now")
