"""A screenshot of every kiosk screen, in Chinese and English, in normal and elderly mode, on a
landscape and a portrait screen. Each must fit its screen (nothing clipped) and show something.

The PNGs go to the test's temporary folder (``hallq screenshot --all docs/screenshots`` makes
the copies the README shows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.screens import SCENARIOS, render_scenario
from ui.qt import LANDSCAPE, PORTRAIT, screenshot


def distinct_colours(image: QImage, step: int = 16) -> int:
    """How many colours a grid of sample points shows (a blank page shows one or two)."""
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("state", SCENARIOS)
def test_kiosk_screen(qtbot, tmp_path: Path, state: str, lang: str) -> None:
    for size, orientation in ((LANDSCAPE, "landscape"), (PORTRAIT, "portrait")):
        for elderly in (False, True):
            view = render_scenario(state, lang, elderly, size)
            qtbot.addWidget(view)
            name = f"kiosk-{state}-{lang}-{orientation}{'-elderly' if elderly else ''}.png"
            path = screenshot(view, tmp_path / name, size)
            image = QImage(str(path))
            assert (image.width(), image.height()) == (size.width(), size.height()), name
            needed = view._page.minimumSizeHint()
            assert needed.width() <= size.width() and needed.height() <= size.height(), \
                f"{name}: the page needs {needed.width()}x{needed.height()}"
            assert distinct_colours(image) > 8, f"{name} looks blank"
            view.close()


def test_attract_screen_says_what_to_do(qtbot) -> None:
    view = render_scenario("attract", "zh", False, LANDSCAPE)
    qtbot.addWidget(view)
    texts = {w.objectName(): w.text() for w in view.findChildren(type(view._clock)) if
             w.objectName()}
    assert texts["attract_title"] == "请刷身份证或扫描预约码"
    assert "Swipe your ID card or scan your appointment code" in \
        [w.text() for w in view.findChildren(type(view._clock))]


def labels(view) -> dict[str, str]:
    """The texts of the named labels on the page."""
    return {w.objectName(): w.text() for w in view.findChildren(QLabel) if w.objectName()}


def test_the_offer_names_the_best_hall_and_a_button_for_each(qtbot) -> None:
    view = render_scenario("offer", "zh", False, LANDSCAPE)
    qtbot.addWidget(view)
    assert labels(view)["title"] == "去南山区政务服务中心可节省约 33 分钟"
    buttons = {w.objectName(): w.text() for w in view.findChildren(QPushButton)}
    assert buttons["take_here"] == "在本大厅取号"
    assert [buttons[f"go-{hall}"] for hall in ("GD-SZ-NS-002", "GD-SZ-LH-003",
                                               "GD-SZ-FT-XL-01")] == ["去该大厅取号"] * 3


def test_the_referral_ticket_says_where_to_go(qtbot) -> None:
    view = render_scenario("referral", "en", False, LANDSCAPE)
    qtbot.addWidget(view)
    shown = labels(view)
    assert shown["go_to"] == "Please go to Nanshan District Government Service Center"
    assert (shown["number"], shown["ahead"]) == ("A031", "2 people ahead of you")
    assert "ticket_id" not in shown, "the other hall's ticket is not a real-name one"


@pytest.mark.parametrize(("lang", "offer", "question", "yes"), [
    ("zh", "取错了？取消此号", "确定取消 A018 号吗？取消后需重新取号", "确定取消"),
    ("en", "Wrong number? Cancel it", "Cancel number A018? You would need a new one",
     "Yes, cancel it")])
def test_the_ticket_offers_to_give_a_wrong_number_back(qtbot, lang: str, offer: str,
                                                       question: str, yes: str) -> None:
    view = render_scenario("ticket", lang, False, LANDSCAPE)
    qtbot.addWidget(view)
    buttons = {w.objectName(): w.text() for w in view.findChildren(QPushButton)}
    assert buttons["cancel_ticket"] == offer and "confirm_cancel" not in buttons
    confirm = render_scenario("cancel_confirm", lang, False, LANDSCAPE)
    qtbot.addWidget(confirm)
    buttons = {w.objectName(): w.text() for w in confirm.findChildren(QPushButton)}
    assert buttons["confirm_cancel"] == yes and "done" not in buttons
    assert labels(confirm)["cancel_question"] == question
