"""Screenshots of the wall display against a real hall node, in Chinese and English, landscape
(1920x1080) and portrait (1080x1920). The PNGs land in the test's tmp folder; the copies in
docs/screenshots/ are made by ``hallq screenshot --all docs/screenshots --role display``."""

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from display.wall import HIGHLIGHT, NUMBER
from hallq.display_scenarios import render_scenario
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
    assert waiting_b == 2, "the number lent to the booth no longer waits"
