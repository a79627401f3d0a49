"""Screenshots of no-shows with care at the console (#19): the wait before F5 is allowed, the
confirmation F5 asks for, the undo with its countdown, and the always-on-top call bar, in
Chinese and English; what each shows is checked by its widgets, and the PNGs are kept in
``HALLQ_SHOTS`` when it is set (to be looked at)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPushButton

from caller.callbar import BAR_SIZE
from caller.screens import render_call_bar, render_scenario
from ui.qt import LANDSCAPE, screenshot


def _folder(tmp_path: Path) -> Path:
    return Path(os.environ.get("HALLQ_SHOTS") or tmp_path)


@pytest.mark.parametrize(("lang", "wait", "confirm", "undo"), [
    ("zh", "过号需再等 38 秒或重呼 1 次", "F5  确认过号", "撤销过号 A018（25 秒）"),
    ("en", "No-show in 38 s or after 1 more recall", "F5  Confirm no-show",
     "Undo no-show A018 (25 s)")], ids=["zh", "en"])
def test_console_no_show_screens(qtbot, tmp_path: Path, lang: str, wait: str, confirm: str,
                                 undo: str) -> None:
    folder = _folder(tmp_path)
    shown = {}
    for state in ("no_show_wait", "no_show_confirm", "no_show_undo"):
        view = render_scenario(state, lang, LANDSCAPE)
        qtbot.addWidget(view)
        path = screenshot(view, folder / f"caller-{state}-{lang}-landscape.png", LANDSCAPE)
        assert QImage(str(path)).width() == LANDSCAPE.width()
        shown[state] = view
    waiting = shown["no_show_wait"].findChild(QLabel, "no_show_wait")
    assert waiting is not None and waiting.text() == wait
    f5 = shown["no_show_confirm"].findChild(QPushButton, "action-no_show")
    assert " ".join(f5.text().split()) == " ".join(confirm.split()) and f5.isEnabled()
    message = shown["no_show_confirm"].findChild(QLabel, "message").text()
    assert message == ("确认过号？再按 F5 确认" if lang == "zh" else
                       "Confirm no-show? Press F5 again")
    assert shown["no_show_confirm"].findChild(QLabel, "no_show_wait") is None   # allowed now
    button = shown["no_show_undo"].findChild(QPushButton, "undo_no_show")
    assert button is not None and button.text() == undo and button.isEnabled()
    assert shown["no_show_undo"].findChild(QLabel, "current_number").text() == "—"


# A window kept on top is raised when shown, which the offscreen platform cannot do.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_call_bar(qtbot, tmp_path: Path, lang: str) -> None:
    folder = _folder(tmp_path)
    for state in ("called", "confirm", "undo"):
        bar = render_call_bar(state, lang)
        qtbot.addWidget(bar)
        flags = bar.windowFlags()
        assert flags & Qt.WindowType.WindowStaysOnTopHint and flags & Qt.WindowType.Tool
        assert flags & Qt.WindowType.FramelessWindowHint
        screenshot(bar, folder / f"caller-callbar-{state}-{lang}.png", BAR_SIZE)
        number = bar.findChild(QLabel, "bar_number").text()
        no_show = bar.findChild(QPushButton, "bar-no_show")
        if state == "undo":
            assert number == "—" and not no_show.isEnabled()
            assert bar.findChild(QPushButton, "bar-undo").text() == \
                ("撤销 25秒" if lang == "zh" else "Undo 25s")
            assert bar.findChild(QPushButton, "bar-call").isEnabled()
        else:
            assert number == "A018" and no_show.isEnabled()
            assert bar.findChild(QPushButton, "bar-undo") is None
            assert bar.findChild(QPushButton, "bar-recall").isEnabled()
        if state == "confirm":
            assert no_show.text() == ("确认过号" if lang == "zh" else "Confirm")
        bar.close()
