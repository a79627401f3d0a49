"""Screenshots of the console's changed screens in Chinese and English: the pause reasons
offered after F7, a paused window saying why, and the status bar with device faults (a
printer out of paper at 1号自助机, this window's rating pad unplugged). The texts a member of
staff reads are checked on the rendered widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPushButton

from caller.screens import render_scenario
from ui.qt import LANDSCAPE, PORTRAIT, screenshot

TEXTS = {
    "zh": {"prompt": "请选择暂停原因", "lunch": "1  午休", "cancel": "Esc  取消",
           "status": "空闲", "paused": "暂停中 · 午休", "reason": "午休",
           "faults": "⚠ 本窗口评价器未连接；1号自助机 打印机缺纸",
           "department": "市场监督管理局", "mean": "平均办理 10.7 分钟"},
    "en": {"prompt": "Why pause?", "lunch": "1  Lunch break", "cancel": "Esc  Cancel",
           "status": "Idle", "paused": "Paused · Lunch break", "reason": "Lunch break",
           "faults": "⚠ This window: rating pad disconnected; Kiosk 1: printer out of paper",
           "department": "Administration for Market Regulation", "mean": "average 10.7 min"},
}


def _text(view: object, kind: type, name: str) -> str:
    widget = view.findChild(kind, name)  # type: ignore[attr-defined]
    assert widget is not None, f"no {name}"
    return widget.text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pause_reasons_are_offered_after_f7(qtbot, tmp_path: Path, lang: str) -> None:
    want = TEXTS[lang]
    for size in (LANDSCAPE, PORTRAIT):
        view = render_scenario("pause_reason", lang, size)
        qtbot.addWidget(view)
        assert _text(view, QLabel, "pause_prompt") == want["prompt"]
        assert _text(view, QPushButton, "pause-lunch") == want["lunch"]
        assert _text(view, QPushButton, "pause-cancel") == want["cancel"]
        assert [view.findChild(QPushButton, f"pause-{r}") is not None
                for r in ("lunch", "away", "meeting", "other")] == [True] * 4
        assert _text(view, QLabel, "status") == want["status"]
        image = QImage(str(screenshot(view, tmp_path / f"pause-{lang}.png", size)))
        assert (image.width(), image.height()) == (size.width(), size.height())
        view.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_paused_window_says_why(qtbot, lang: str) -> None:
    view = render_scenario("paused", lang, LANDSCAPE)
    qtbot.addWidget(view)
    assert _text(view, QLabel, "status") == TEXTS[lang]["paused"]
    assert _text(view, QLabel, "pause_reason") == TEXTS[lang]["reason"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_status_bar_shows_faults(qtbot, tmp_path: Path, lang: str) -> None:
    want = TEXTS[lang]
    for size in (LANDSCAPE, PORTRAIT):
        view = render_scenario("fault", lang, size)
        qtbot.addWidget(view)
        faults = view.findChild(QLabel, "faults")
        assert faults is not None and faults.text() == want["faults"]
        assert faults.width() <= size.width()
        assert _text(view, QLabel, "department") == want["department"]
        assert _text(view, QLabel, "mean") == want["mean"]
        screenshot(view, tmp_path / f"fault-{lang}.png", size)
        view.close()
    quiet = render_scenario("serving", lang, LANDSCAPE)
    qtbot.addWidget(quiet)
    assert quiet.findChild(QLabel, "faults") is None      # no fault, no warning
