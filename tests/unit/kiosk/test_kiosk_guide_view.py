"""The service guide and progress screens as a citizen sees and touches them (Qt offscreen):
the ways in from the home screen and an item tile, what an item's guide says, printing it,
the touch keyboard of the progress lookup, a refusal with its reason; and every page of the
longest guides fits the screen in elderly mode, landscape and portrait."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from kiosk.devices import KioskDevices
from kiosk.screens import sample_progress, scenario_model
from kiosk.view import KioskView
from kiosk.viewmodel import KioskModel
from tests.helpers.fake_devices import FakeTicketPrinter
from ui.qt import LANDSCAPE, PORTRAIT, ensure_app


def view_of(qtbot, model: KioskModel, size: QSize = LANDSCAPE) -> KioskView:
    ensure_app()
    view = KioskView(model)
    qtbot.addWidget(view)
    view.resize(QSize(size))
    view.show()
    view.rebuild()
    return view


def touch(qtbot, view: KioskView, name: str) -> None:
    found = [w for w in view.findChildren(QWidget, name) if w.isVisible()]
    assert found, f"nothing visible called {name!r}"
    qtbot.mouseClick(found[0], Qt.MouseButton.LeftButton)
    view.rebuild()


def text(view: KioskView, name: str) -> str:
    found = [w.text() for w in view.findChildren(QLabel, name) if w.isVisible()]
    assert found, f"no label {name!r}"
    return found[0]


def test_from_the_home_screen_to_an_items_guide_and_its_slip(qtbot) -> None:
    model = scenario_model("attract")
    printer = FakeTicketPrinter()
    model.devices = KioskDevices(printer=printer)
    view = view_of(qtbot, model)
    touch(qtbot, view, "open_guide")
    touch(qtbot, view, "guide-theme-C")
    touch(qtbot, view, "guide-C07")
    assert model.screen == "guide_item"
    assert text(view, "fee") == "免费" and text(view, "time_limit") == "3 个工作日"
    assert text(view, "where").replace("\n", "") == \
        "住房公积金管理中心 · 综合服务 · C 区 · 12、13、20-30 号窗口"
    assert text(view, "ways").splitlines() == ["✓ 可在本机自助申报", "✓ 全市通办：可到任一大厅办理",
                                               "✓ 可远程视频或网上办理"]
    touch(qtbot, view, "section-materials")
    forms = [w.text() for w in view.findChildren(QLabel, "material_form") if w.isVisible()]
    assert forms == ["原件 1 份 · 本机拍照", "原件 1 份 · 本机拍照", "复印件 1 份 · 本机拍照"]
    touch(qtbot, view, "print_guide")
    assert text(view, "guide_print_status") == "请取走打印的办事指南"
    assert printer.printed[0].title == "办事指南 · 住房公积金提取"


def test_an_item_tile_has_its_guide_and_still_takes_a_number(qtbot) -> None:
    model = scenario_model("items", lang="en")
    view = view_of(qtbot, model)
    touch(qtbot, view, "guide_link-A05")
    assert (model.screen, model.guide.item) == ("guide_item", "A05")
    assert text(view, "time_limit") == "10 working days"
    assert not [w for w in view.findChildren(QPushButton, "apply_here") if w.isVisible()]
    touch(qtbot, view, "back")
    assert model.screen == "items"


def test_the_guide_search_opens_the_guide_of_what_it_finds(qtbot) -> None:
    model = scenario_model("guide_search", lang="en")
    view = view_of(qtbot, model)
    assert text(view, "title") == "Find a service guide"
    touch(qtbot, view, "result-C04")
    assert (model.screen, model.guide.item) == ("guide_item", "C04")
    assert model.ticket is None, "a guide search takes no number"


def test_a_receipt_code_typed_on_the_touch_keyboard(qtbot) -> None:
    model = scenario_model("progress")
    model.progress_clear()
    view = view_of(qtbot, model)
    for key in "7kq2mx9p4t":
        touch(qtbot, view, f"key-{key}")
    assert text(view, "receipt_code") == "7 K Q 2 M X 9 P 4 T"
    model.progress_answered(sample_progress("rejected"))
    view.rebuild()
    assert text(view, "progress_status") == "不予受理"
    assert text(view, "progress_reason") == "原因：购房合同照片不清晰，请重新拍摄后再次申报"
    assert text(view, "progress_updated") == "更新时间 2025-03-14 10:42"
    touch(qtbot, view, "another")
    assert model.progress.answer is None and model.screen == "progress"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_part_of_the_longest_guides_fits_in_elderly_mode(qtbot, lang: str) -> None:
    for size in (LANDSCAPE, PORTRAIT):
        model = scenario_model("guide", lang, elderly=True)
        view = view_of(qtbot, model, size)
        for code in ("A01", "B10", "C07", "C10", "C13"):     # most materials, longest texts
            model.open_guide_item(code)
            for section in model.guide_sections():
                model.guide_section(section)
                pages = model.materials_page_count() if section == "materials" else 1
                for page in range(pages):
                    model.guide.materials_page = page
                    view.rebuild()
                    needed = view._page.minimumSizeHint()
                    assert needed.width() <= size.width() and needed.height() <= size.height(), \
                        (code, section, page, size)
