"""A supervisor's notice on the kiosk's home screen, against a real hall node: the notice up
when the kiosk starts comes with ``GET /api/v1/hall``; one posted or taken down while it runs
comes with the event stream (``notice.posted`` / ``notice.cleared``), and the home screen
shows it on an amber banner in the language shown — or shows none once it is down or over."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from hall.client import EventStream
from kiosk.notice_banner import BANNER_BG
from kiosk.screens import NOTICE_EN, NOTICE_ZH, render_scenario
from kiosk.view import KioskView
from kiosk.viewmodel import KioskModel
from tests.helpers.hall_servers import Hall
from ui.qt import LANDSCAPE, screenshot
from ui.samples import sample_hall


def banner_texts(view: QWidget) -> dict[str, str]:
    """The notice banner's labels on the kiosk's page now (none: {})."""
    assert isinstance(view, KioskView)
    page = view._page           # the page drawn last (an old one may await deletion)
    assert page is not None
    return {w.objectName(): w.text() for w in page.findChildren(QLabel)
            if w.objectName() in ("notice_text", "notice_other")}


def post_notice(hall: Hall, text_zh: str, text_en: str = "", minutes: int = 30) -> None:
    """Post a notice as the supervisor's page does (the node's same operation)."""
    answer = hall.http("supervisor").post("/api/v1/notice", json={
        "text_zh": text_zh, "text_en": text_en, "minutes": minutes})
    assert answer.status_code == 201, answer.text


def test_the_kiosk_follows_the_notice_from_the_hall_and_the_stream(hall: Hall, qtbot: QtBot
                                                                   ) -> None:
    post_notice(hall, "系统维护，请到服务台取号", "Maintenance: ask at the desk")
    client = hall.client("kiosk")
    model = KioskModel(client)
    model.hall_loaded(client.hall())                  # the kiosk starts: GET /api/v1/hall
    view = KioskView(model)
    qtbot.addWidget(view)
    view.resize(LANDSCAPE)
    view.rebuild()
    assert banner_texts(view) == {"notice_text": "通知：系统维护，请到服务台取号",
                                  "notice_other": "Maintenance: ask at the desk"}
    received: list[dict] = []
    stream = EventStream(hall.url, hall.tokens["kiosk"], received.append,
                         after=client.events()["last_seq"]).start()
    try:
        assert stream.wait_connected()
        hall.http("supervisor").delete("/api/v1/notice").raise_for_status()
        qtbot.waitUntil(lambda: any(e["kind"] == "notice.cleared" for e in received))
        for event in received:
            model.on_event(event)
        view.rebuild()
        assert banner_texts(view) == {}
        post_notice(hall, "午间暂停取号")                 # no English text: Chinese alone
        qtbot.waitUntil(lambda: any(e["kind"] == "notice.posted" for e in received))
        model.on_event(received[-1])
        model.lang = "en"
        view.rebuild()
        assert banner_texts(view) == {"notice_text": "通知：午间暂停取号"}
    finally:
        stream.stop()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_notice_is_an_amber_banner_on_the_home_screen(lang: str, tmp_path: Path,
                                                          qtbot: QtBot) -> None:
    view = render_scenario("notice", lang, False, LANDSCAPE)
    qtbot.addWidget(view)
    path = screenshot(view, tmp_path / f"kiosk-notice-{lang}.png", LANDSCAPE)
    image = QImage(str(path))
    amber = QColor(BANNER_BG)
    samples = [image.pixelColor(x, y) == amber for x in range(0, image.width(), 8)
               for y in range(0, image.height(), 8)]
    assert sum(samples) / len(samples) > 0.02
    main, other = (f"Notice: {NOTICE_EN}", NOTICE_ZH) if lang == "en" else (
        f"通知：{NOTICE_ZH}", NOTICE_EN)
    assert banner_texts(view) == {"notice_text": main, "notice_other": other}


def test_a_notice_that_runs_out_leaves_the_home_screen(qtbot: QtBot) -> None:
    wall = [1_700_000_000.0]
    model = KioskModel(None, wall=lambda: wall[0])
    hall = sample_hall()
    hall["notice"] = {"text_zh": "午间暂停取号", "text_en": "", "by": "S002",
                      "posted_at": wall[0], "until": wall[0] + 60}
    model.hall_loaded(hall)
    view = KioskView(model)
    qtbot.addWidget(view)
    view.resize(LANDSCAPE)
    view.rebuild()
    assert banner_texts(view) == {"notice_text": "通知：午间暂停取号"}
    model.check_idle()                                  # the kiosk asks every second
    assert banner_texts(view) == {"notice_text": "通知：午间暂停取号"}
    wall[0] += 61
    model.check_idle()
    qtbot.waitUntil(lambda: banner_texts(view) == {})   # redrawn without it
