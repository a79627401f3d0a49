"""A screenshot of every calling-console screen, in Chinese and English, on a landscape and a
portrait screen. Each must fit its screen (nothing clipped) and show something."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPushButton

from caller.screens import SCENARIOS, render_scenario
from ui.qt import LANDSCAPE, PORTRAIT, screenshot


def distinct_colours(image: QImage, step: int = 16) -> int:
    """How many colours a grid of sample points shows (a blank page shows one or two)."""
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("state", SCENARIOS)
def test_caller_screen(qtbot, tmp_path: Path, state: str, lang: str) -> None:
    for size, orientation in ((LANDSCAPE, "landscape"), (PORTRAIT, "portrait")):
        view = render_scenario(state, lang, size)
        qtbot.addWidget(view)
        name = f"caller-{state}-{lang}-{orientation}.png"
        path = screenshot(view, tmp_path / name, size)
        image = QImage(str(path))
        assert (image.width(), image.height()) == (size.width(), size.height()), name
        needed = view._page.minimumSizeHint()
        assert needed.width() <= size.width() and needed.height() <= size.height(), \
            f"{name}: the page needs {needed.width()}x{needed.height()}"
        assert distinct_colours(image) > 8, f"{name} looks blank"
        view.close()


def test_console_documents_the_keys(qtbot) -> None:
    view = render_scenario("serving", "zh", LANDSCAPE)
    qtbot.addWidget(view)
    keys = view.findChild(QLabel, "keys")
    assert keys is not None
    shown = keys.text()
    for expected in ("F1 叫号", "F2 重呼", "F4 办结", "F5 过号", "F6 转移", "F7 暂停", "F8 恢复"):
        assert expected in shown
    assert "F9" not in shown, "a window without video has no remote call"
    assert view.findChild(QLabel, "current_number").text() == "A018"


@pytest.mark.parametrize(("lang", "status", "finish"), [
    ("zh", "远程办理中", "F11  完成"), ("en", "Serving by video", "F11  Finish")],
    ids=["zh", "en"])
def test_remote_serving_shows_the_number_and_the_finish(qtbot, lang: str, status: str,
                                                        finish: str) -> None:
    view = render_scenario("remote_serving", lang, LANDSCAPE)
    qtbot.addWidget(view)
    assert view.findChild(QLabel, "current_number").text() == "B012"
    assert view.findChild(QLabel, "remote_status").text() == status
    assert view.findChild(QLabel, "remote_heading").text().endswith(
        "南山区政务服务中心" if lang == "zh" else "Nanshan District Government Service Center")
    finish_button = view.findChild(QPushButton, "action-remote_finish")
    assert finish_button.text() == finish and finish_button.isEnabled()
    assert not view.findChild(QPushButton, "action-call").isEnabled()
    assert not view.findChild(QPushButton, "action-remote_cancel").isEnabled()
    assert "F12" in view.findChild(QLabel, "keys").text()
