"""The kiosk's new screens as a citizen sees them (Qt offscreen): the health banner and greyed
ways in, the card reader's guide on a touch, the "need more time?" dialog and its button, the
search keyboard, and the header clock in the hall's time on a machine in UTC."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from kiosk.screens import scenario_model
from kiosk.view import KioskView
from kiosk.viewmodel import KioskModel
from tests.helpers.clocks import SecondsClock
from ui.qt import LANDSCAPE, ensure_app
from ui.samples import sample_hall, sample_services


def view_of(qtbot, model: KioskModel) -> KioskView:
    ensure_app()
    view = KioskView(model)
    qtbot.addWidget(view)
    view.resize(QSize(LANDSCAPE))
    view.show()
    view.rebuild()
    return view


def named(view: QWidget, name: str) -> QWidget:
    found = [w for w in view.findChildren(QWidget, name) if w.isVisible()]
    assert found, f"nothing visible called {name!r}"
    return found[0]


def texts(view: QWidget, name: str) -> list[str]:
    return [w.text() for w in view.findChildren(QLabel, name) if w.isVisible()]


def touch(qtbot, view: KioskView, name: str) -> None:
    qtbot.mouseClick(named(view, name), Qt.MouseButton.LeftButton)
    view.rebuild()


def test_the_banner_says_what_does_not_work_and_greys_the_card_tile(qtbot) -> None:
    view = view_of(qtbot, scenario_model("health"))
    assert texts(view, "health_line") == ["⚠ 打印机缺纸：仍可取号，请拍照或记下号码",
                                          "⚠ 读卡器暂停使用：请扫描预约码或直接选择业务取号"]
    assert not named(view, "way-card").isEnabled() and named(view, "way-scan").isEnabled()
    assert texts(view, "way_reason") == ["读卡器暂停使用"]
    assert named(view, "walk_in").isEnabled()
    touch(qtbot, view, "way-card")
    assert view.model.screen == "attract", "a greyed tile does nothing"
    view.model.device_states.set("printer", "ready")  # paper back, reader plugged in
    view.model.device_states.set("idcard", "ready")
    view.rebuild()
    assert not [w for w in view.findChildren(QWidget, "health") if w.isVisible()]
    assert named(view, "way-card").isEnabled() and not texts(view, "way_reason")


def test_nothing_to_issue_says_go_to_the_desk(qtbot) -> None:
    view = view_of(qtbot, scenario_model("desk", "en"))
    assert texts(view, "health_line") == [
        "⚠ No numbers from this kiosk for now: please ask at the service desk"]
    assert texts(view, "attract_title") == ["Please take a number at the service desk"]
    assert not named(view, "walk_in").isEnabled()


def test_touching_the_card_tile_shows_the_reader(qtbot) -> None:
    view = view_of(qtbot, scenario_model("attract"))
    touch(qtbot, view, "way-card")
    assert texts(view, "guide_title") == ["请将身份证放在下方读卡区"]
    assert named(view, "guide").isVisible()
    touch(qtbot, view, "back")
    assert view.model.screen == "attract"


def test_the_dialog_counts_down_and_yes_keeps_the_session(qtbot) -> None:
    clock = SecondsClock()
    model = KioskModel(None, clock=clock)
    model.hall_loaded(sample_hall())
    model.services_loaded(sample_services())
    model.walk_in()
    view = view_of(qtbot, model)
    assert not view.findChildren(QWidget, "more_time_dialog")
    clock.now += 50
    model.check_idle()
    view.rebuild()
    assert texts(view, "countdown") == ["10"]
    yes = named(view, "more_time")
    assert isinstance(yes, QPushButton) and yes.text() == "需要 / Yes"
    touch(qtbot, view, "more_time")
    assert model.screen == "themes" and model.countdown() is None
    assert not [w for w in view.findChildren(QWidget, "more_time_dialog") if w.isVisible()]


def test_the_footer_tells_the_elderly_timeout(qtbot) -> None:
    model = scenario_model("choose", elderly=True)
    view = view_of(qtbot, model)
    assert any(t.startswith("120 秒无操作") for t in
               (w.text() for w in view.findChildren(QLabel) if w.isVisible()))


def test_typing_on_the_kiosk_keyboard_finds_the_item(qtbot) -> None:
    model = scenario_model("items")
    model.choose_theme("C")
    view = view_of(qtbot, model)
    touch(qtbot, view, "search")
    for key in "sbk":
        touch(qtbot, view, f"key-{key}")
    assert texts(view, "query") == ["SBK"]
    assert named(view, "result-C04").isVisible()
    touch(qtbot, view, "erase")
    touch(qtbot, view, "erase")
    touch(qtbot, view, "erase")
    assert texts(view, "query")[0].startswith("输入拼音首字母")
    for key in "xyz":
        touch(qtbot, view, f"key-{key}")
    assert texts(view, "no_result")[0].startswith("没有找到")


@pytest.fixture
def machine_in_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_header_clock_is_in_the_halls_time_zone(qtbot, machine_in_utc: None) -> None:
    model = KioskModel(None, wall=lambda: 1710244800.0)  # 2024-03-12 12:00 UTC
    model.hall_loaded(sample_hall())  # the example hall: Asia/Shanghai
    view = view_of(qtbot, model)
    assert texts(view, "clock") == ["20:00"]
    view.set_clock(model.local_now())
    assert texts(view, "clock") == ["20:00"]


def test_an_items_department_is_said_in_the_screens_language(qtbot) -> None:
    english = view_of(qtbot, scenario_model("items", lang="en"))
    # A07 (公安局): short enough to be whole beside the tile's "Guide ›" link
    tile = next(w for w in english.findChildren(QWidget) if w.objectName() == "item-A07"
                and w.isVisible())
    said = " ".join(label.text() for label in tile.findChildren(QLabel))
    item = next(i for t in english.model.services for i in t["items"]
                if f"item-{i['code']}" == tile.objectName())
    assert item["department_en"] and item["department_en"] in said
    assert item["department"] not in said
    chinese = view_of(qtbot, scenario_model("items", lang="zh"))
    tile = next(w for w in chinese.findChildren(QWidget) if w.objectName() == tile.objectName())
    assert item["department"] in " ".join(label.text() for label in tile.findChildren(QLabel))
