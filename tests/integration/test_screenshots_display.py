"""Screenshots of the wall display against a real hall node, in Chinese and English, landscape
(1920x1080) and portrait (1080x1920). The PNGs land in the test's tmp folder; the copies in
docs/screenshots/ are made by ``hallq screenshot --all docs/screenshots --role display``."""

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from display.paint import IDLE, PAUSED
from display.viewmodel import DisplayModel
from display.wall import HIGHLIGHT, NUMBER, DisplayWindow
from hall.events import EventKind
from hallq.display_scenarios import NO_SHOW_WINDOWS, PAUSED_WINDOW, TRANSFER_WINDOW, render_scenario
from tests.helpers.events import called, event
from ui.qt import LANDSCAPE, PORTRAIT, screenshot


def colour_share(image: QImage, colour: QColor) -> float:
    """The share of sampled pixels with exactly this colour."""
    samples = [image.pixelColor(x, y) == colour for x in range(0, image.width(), 10)
               for y in range(0, image.height(), 10)]
    return sum(samples) / len(samples)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_calls(lang: str, orientation: str, tmp_path: Path, qtbot: QtBot) -> None:
    size = PORTRAIT if orientation == "portrait" else LANDSCAPE
    window = render_scenario("calls", lang, size)
    qtbot.addWidget(window)
    path = screenshot(window, tmp_path / f"display-calls-{lang}-{orientation}.png", size)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (size.width(), size.height())
    assert colour_share(image, HIGHLIGHT) > 0.01, "the newest call is highlighted"
    assert colour_share(image, NUMBER) > 0.005, "ticket numbers in gold"
    model = window.model
    assert len(model.current_calls(window.board.rows())) == window.board.rows()
    newest = model.current_calls(1)[0]
    assert (newest.number, newest.window) == ("C004", "25") and model.highlighted(newest)
    assert {t.prefix for t in model.themes} == {"A", "B", "C"}
    assert model.paused == {"9"}
    assert model.recent and model.connected
    assert colour_share(image, IDLE) > 0.002, "open windows with nobody at them in green"
    assert colour_share(image, PAUSED) > 0.001, "the paused window in grey"
    assert not window.findChildren(QPushButton), "no touch control on the wall"
    the_whole_story(window)


def the_whole_story(window: DisplayWindow) -> None:
    """What the wall tells of the "calls" scenario beyond the current calls."""
    model = window.model
    history = {c.number: c for c in window.recent.calls()}
    missed = [c for c in history.values() if c.outcome == "no_show"]
    assert {c.window for c in missed} == set(NO_SHOW_WINDOWS), "both no-shows marked 过号"
    assert {m.number for m in model.missed} == {c.number for c in missed}
    [moved] = [c for c in history.values() if c.outcome == "transferred"]
    assert moved.window == TRANSFER_WINDOW and moved.to_theme == "B"
    board = {t.window: t.state for t in model.window_board()}
    assert board[PAUSED_WINDOW] == "paused"
    assert {board[w] for w in (*NO_SHOW_WINDOWS, TRANSFER_WINDOW)} == {"idle"}
    assert model.phone_ticketing_url.startswith("https://")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_booth_call(lang: str, orientation: str, tmp_path: Path, qtbot: QtBot) -> None:
    size = PORTRAIT if orientation == "portrait" else LANDSCAPE
    window = render_scenario("booth", lang, size)
    qtbot.addWidget(window)
    path = screenshot(window, tmp_path / f"display-booth-{lang}-{orientation}.png", size)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (size.width(), size.height())
    assert colour_share(image, HIGHLIGHT) > 0.01, "the call to the booth is highlighted"
    model = window.model
    newest = model.current_calls(1)[0]
    assert newest.booth == "V1" and model.highlighted(newest)
    assert model.place_name(newest, lang) == {"zh": "视频服务区1号", "en": "Video booth 1"}[lang]
    waiting_b = next(t.waiting for t in model.themes if t.prefix == "B")
    assert waiting_b == 3, "the number lent to the booth no longer waits (A003 moved to B does)"


def busy_hall_model() -> DisplayModel:
    """A hall of 16 open windows as the stream tells it: two paused with their reasons (as
    window.paused events carry them), one serving another hall by video, many missed numbers."""
    model = DisplayModel(timezone="Asia/Shanghai")
    model.load_hall({"name_zh": "福田区政务服务中心",
                     "name_en": "Futian District Government Service Center",
                     "timezone": "Asia/Shanghai", "max_recheckins": 1,
                     "phone_ticketing_url": "https://zwfw.example.gov.cn/qh"})
    themes = (("A", "商事登记", "Business registration", 12),
              ("B", "工程建设", "Construction projects", 3),
              ("C", "综合服务", "General services", 0))
    model.load_services([{"prefix": p, "name_zh": zh, "name_en": en, "waiting": n,
                          "expected_wait_s": n * 120} for p, zh, en, n in themes])
    seq = iter(range(1, 1000))
    for window in range(1, 17):
        model.apply(event(EventKind.WINDOW_OPENED, next(seq), window=str(window), status="open"))
    for window, reason in (("5", "lunch"), ("12", "meeting")):
        model.apply(event(EventKind.WINDOW_PAUSED, next(seq), window=window, status="paused",
                          reason=reason))
    model.apply(event(EventKind.WINDOW_REMOTE, next(seq), window="16", lease="L", home="H2",
                      ticket="x", number="B101", theme="B", state="serving"))
    for index in range(1, 10):
        number, window = f"A{index:03d}", str(index % 4 + 1)
        model.apply(called(number, window, next(seq)), live=False)
        model.apply(event(EventKind.TICKET_NO_SHOW, next(seq), ticket=f"t-{number}",
                          number=number, window=window))
    for number, window in (("A010", "1"), ("A011", "2"), ("B004", "13")):
        model.apply(called(number, window, next(seq)), live=False)
    model.apply(event(EventKind.TICKET_SERVING, next(seq), ticket="t-A010", number="A010",
                      window="1"))
    return model


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_a_busy_hall_with_pause_reasons(lang: str, orientation: str, tmp_path: Path,
                                        qtbot: QtBot) -> None:
    size = PORTRAIT if orientation == "portrait" else LANDSCAPE
    window = DisplayWindow(busy_hall_model(), lang=lang, animate=False)
    qtbot.addWidget(window)
    path = screenshot(window, tmp_path / f"display-busy-{lang}-{orientation}.png", size)
    image = QImage(str(path))
    assert colour_share(image, PAUSED) > 0.001 and colour_share(image, IDLE) > 0.003
    tiles = {t.window: t for t in window.model.window_board()}
    assert len(tiles) == 16
    assert (tiles["5"].state, tiles["5"].reason) == ("paused", "lunch")
    assert (tiles["1"].state, tiles["1"].number) == ("serving", "A010")
    assert tiles["16"].state == "remote" and tiles["3"].state == "idle"
    assert len(window.model.missed) == 9
