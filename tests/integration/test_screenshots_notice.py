"""A supervisor's notice on the wall display, against a real hall node: posted through the
API, the wall following the stream shows it on an amber marquee in the language shown, and
goes back to the hall's greeting when it is taken down or runs out."""

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from display.paint import NOTICE_BG
from display.viewmodel import DisplayModel
from display.wall import DisplayWindow
from hall.events import EventKind
from hallq.display_scenarios import NOTICE_EN, NOTICE_ZH, render_scenario
from tests.helpers.events import event
from ui.qt import LANDSCAPE, screenshot


def colour_share(image: QImage, colour: QColor) -> float:
    """The share of sampled pixels with exactly this colour."""
    samples = [image.pixelColor(x, y) == colour for x in range(0, image.width(), 8)
               for y in range(0, image.height(), 8)]
    return sum(samples) / len(samples)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_notice_posted_by_the_supervisor_is_on_the_wall(lang: str, tmp_path: Path,
                                                          qtbot: QtBot) -> None:
    window = render_scenario("notice", lang, LANDSCAPE)
    qtbot.addWidget(window)
    path = screenshot(window, tmp_path / f"display-notice-{lang}.png", LANDSCAPE)
    assert colour_share(QImage(str(path)), NOTICE_BG) > 0.02, "the marquee is amber"
    expected = f"通知：{NOTICE_ZH}" if lang == "zh" else f"Notice: {NOTICE_EN}"
    assert window.notice_text() == expected


def test_the_greeting_comes_back_when_the_notice_is_cleared_or_runs_out(qtbot: QtBot) -> None:
    model = DisplayModel(timezone="Asia/Shanghai")
    window = DisplayWindow(model, lang="zh", animate=False)
    qtbot.addWidget(window)
    greeting = window.notice_text()
    now = window.now().timestamp()
    model.apply(event(EventKind.NOTICE_POSTED, 1, text_zh="午间暂停", text_en="",
                      until=now + 60, by="S009"))
    assert window.notice_text() == "通知：午间暂停"
    window.lang = "en"
    assert window.notice_text() == "通知：午间暂停", "no English text: the Chinese is shown"
    model.apply(event(EventKind.NOTICE_CLEARED, 2, by="S009"))
    assert window.notice_text() != "通知：午间暂停"
    window.lang = "zh"
    assert window.notice_text() == greeting
    model.apply(event(EventKind.NOTICE_POSTED, 3, text_zh="已过期", text_en="", until=now - 1,
                      by="S009"))
    assert window.notice_text() == greeting
