"""Screenshots of the wait figures, in Chinese and English: the kiosk's home screen with a theme
served now, one waiting minutes and one no window serves; its ticket screen with nobody ahead;
the wall with the same figures. Each PNG is checked for its texts and looked at."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from display.viewmodel import DisplayModel
from display.wall import DisplayWindow
from kiosk.screens import scenario_model
from kiosk.view import KioskView
from ui.qt import LANDSCAPE, PORTRAIT, screenshot
from ui.samples import sample_services

FIGURES = {"A": (0, 0, "now"), "B": (3, 2700, "about"), "C": (0, None, "no_window")}
WORDS = {"zh": ("马上办理", "预计等待约 45 分钟", "暂无窗口办理此业务"),
         "en": ("now", "About 45 min wait", "no window serving this now")}


def services() -> list:
    """The sample hall's themes with the three kinds of figure."""
    shown = sample_services()
    for body in shown:
        body["waiting"], body["expected_wait_s"], body["wait_kind"] = FIGURES[body["prefix"]]
    return shown


def texts(view: KioskView) -> str:
    return "\n".join(w.text() for w in view.findChildren(QLabel))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kiosk_home_and_ticket(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    for state in ("choose", "ticket"):
        model = scenario_model(state, lang)
        model.services_loaded(services())
        if state == "ticket":
            assert model.ticket is not None
            model.ticket.update(ahead=0, expected_wait_s=0, wait_kind="now")
        view = KioskView(model)
        qtbot.addWidget(view)
        view.resize(LANDSCAPE)
        view.rebuild()
        screenshot(view, tmp_path / f"kiosk-wait-{state}-{lang}.png", LANDSCAPE)
        shown = texts(view)
        if state == "choose":
            assert all(words in shown for words in WORDS[lang])
        else:
            assert WORDS[lang][0] in shown and ("前面还有 0 人" in shown or "0 people" in shown)
            assert "分钟" not in shown and " min" not in shown
        view.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wall_waiting_panel(qtbot: QtBot, tmp_path: Path, lang: str) -> None:
    for size, name in ((LANDSCAPE, "landscape"), (PORTRAIT, "portrait")):
        model = DisplayModel()
        model.load_services(services())
        window = DisplayWindow(model, lang=lang, animate=False)
        qtbot.addWidget(window)
        window.resize(size)
        path = screenshot(window, tmp_path / f"wall-wait-{lang}-{name}.png", size)
        assert path.is_file()
        window.close()
