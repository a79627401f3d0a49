"""The wall display's widgets paint the model: layout, repaint on change, blink, language."""

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from display.viewmodel import DisplayModel
from display.wall import HIGHLIGHT, DisplayWindow
from tests.helpers.clocks import SecondsClock
from tests.helpers.events import called


def make_window(qtbot: QtBot, model: DisplayModel, size: QSize | None = None,
                animate: bool = False) -> DisplayWindow:
    window = DisplayWindow(model, animate=animate)
    qtbot.addWidget(window)
    window.resize(size or QSize(960, 540))
    window.show()
    qtbot.waitExposed(window)
    return window


def count_colour(window: DisplayWindow, colour: QColor) -> int:
    image = window.board.grab().toImage()
    return sum(1 for x in range(0, image.width(), 8) for y in range(0, image.height(), 8)
               if image.pixelColor(x, y) == colour)


def test_layout_follows_the_shape_of_the_screen(qtbot: QtBot) -> None:
    window = make_window(qtbot, DisplayModel())
    assert not window.portrait and window.scale == 0.5
    assert window.board.width() > window.recent.width()
    assert window.recent.x() == window.waiting.x() == window.board.width()
    assert window.waiting.y() < window.recent.y() == window.windows.y() < window.missed.y()
    assert window.recent.x() < window.windows.x() == window.missed.x()
    window.resize(540, 960)
    assert window.portrait and window.scale == 0.5
    assert window.board.width() == window.waiting.width() == 540
    assert window.board.y() < window.waiting.y() < window.recent.y() < window.marquee.y()
    assert window.recent.y() == window.windows.y() < window.missed.y() < window.marquee.y()
    assert window.recent.width() + window.windows.width() == 540


def test_a_change_repaints_the_board_with_the_new_revision(qtbot: QtBot) -> None:
    model = DisplayModel()
    window = make_window(qtbot, model)
    painted: list[int] = []
    window.paint_listeners.append(painted.append)
    model.apply(called("A001", "3", 1))
    window.refresh()
    qtbot.waitUntil(lambda: bool(painted) and painted[-1] == model.revision, timeout=2000)


def test_a_new_call_is_highlighted_then_calms_down(qtbot: QtBot) -> None:
    clock = SecondsClock()
    model = DisplayModel(clock=clock, highlight_s=8)
    window = make_window(qtbot, model)
    model.apply(called("A001", "3", 1))
    window.refresh()
    assert count_colour(window, HIGHLIGHT) > 0
    clock.now += 9
    window.refresh()
    assert count_colour(window, HIGHLIGHT) == 0


def test_the_highlight_blinks_while_a_call_is_new(qtbot: QtBot) -> None:
    clock = SecondsClock()
    model = DisplayModel(clock=clock, highlight_s=8)
    window = make_window(qtbot, model, animate=True)
    model.apply(called("A001", "3", 1))
    window.refresh()
    seen = set()
    qtbot.waitUntil(lambda: seen.add(window.blink_on) or len(seen) == 2, timeout=3000)
    clock.now += 9
    qtbot.waitUntil(lambda: not window._blink.isActive() and window.blink_on, timeout=3000)


def test_no_buttons_the_languages_take_turns_by_themselves(qtbot: QtBot) -> None:
    model = DisplayModel()
    model.load_hall({"name_zh": "福田区政务服务中心", "name_en": "Futian Service Center"})
    window = DisplayWindow(model, animate=True, alternate_s=0.2)
    qtbot.addWidget(window)
    window.resize(QSize(960, 540))
    window.show()
    assert window.findChildren(QPushButton) == [], "nobody touches a wall screen"
    assert window.lang == "zh" and "福田区政务服务中心" in window.notice_text()
    qtbot.waitUntil(lambda: window.lang == "en", timeout=2000)
    assert "Futian Service Center" in window.notice_text()
    qtbot.waitUntil(lambda: window.lang == "zh", timeout=2000)


def test_the_language_waits_while_a_call_is_highlighted(qtbot: QtBot) -> None:
    clock = SecondsClock()
    model = DisplayModel(clock=clock, highlight_s=8)
    window = DisplayWindow(model, animate=True, alternate_s=0.1)
    qtbot.addWidget(window)
    model.apply(called("A001", "3", 1))
    qtbot.wait(400)
    assert window.lang == "zh", "the citizen called is reading the call"
    clock.now += 9
    qtbot.waitUntil(lambda: window.lang == "en", timeout=3000)


def test_without_turns_the_screen_stays_in_its_language(qtbot: QtBot) -> None:
    window = DisplayWindow(DisplayModel(), lang="en", animate=True)
    qtbot.addWidget(window)
    qtbot.wait(300)
    assert window.lang == "en" and not window._alternate.isActive()


def test_the_marquee_scrolls_only_when_animated(qtbot: QtBot) -> None:
    moving = make_window(qtbot, DisplayModel(), animate=True)
    still = make_window(qtbot, DisplayModel(), animate=False)
    qtbot.waitUntil(lambda: moving.marquee.offset > 10, timeout=2000)
    assert still.marquee.offset == 0
