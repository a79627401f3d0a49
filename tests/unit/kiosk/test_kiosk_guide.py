"""The service guide at the kiosk, through its view-model with a fake hall and printer: the
guides come with the item list once and stay through refreshes, the list by theme, the pinyin
search, an item's guide and "back" from each screen, the printed slip, "取号办理" and the hand-over
to self-service, and the idle reset."""

from __future__ import annotations

from typing import Any

from devices.printer.slip import SlipContent, render_slip
from kiosk.devices import KioskDevices
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.clocks import SecondsClock
from tests.helpers.fake_devices import FakeTicketPrinter
from tests.helpers.fake_halls import FakeKioskHall


def make(printer: Any = None, **settings: Any
         ) -> tuple[KioskModel, FakeKioskHall, FakeTicketPrinter, SecondsClock]:
    hall, clock = FakeKioskHall(), SecondsClock()
    printer = FakeTicketPrinter() if printer is None else printer
    model = KioskModel(hall, KioskDevices(printer=printer or None),  # type: ignore[arg-type]
                       KioskSettings(name="kiosk-1", **settings), clock=clock,
                       wall=lambda: 1_741_919_400.0)  # 2025-03-14 10:30 in Shanghai
    model.start()
    return model, hall, printer, clock


def test_the_guides_come_once_with_the_items_and_stay_through_refreshes() -> None:
    model, hall, _, _ = make()
    assert hall.guide_asked == [True]
    model.on_event({"kind": "ticket.issued"})      # the waiting counts change
    assert hall.guide_asked == [True, False]
    guide = model.item_guide("C07")
    assert guide is not None and guide["self_service"] and guide["time_limit_days"] == 3
    c07 = model.item("C07")
    assert c07 is not None and c07["guide"] == guide, "kept with the item after the refresh"
    model.set_connected(True)                      # the node may have a new catalog
    assert hall.guide_asked == [True, False, True]


def test_the_list_by_theme_pages_and_back_to_the_start() -> None:
    model, _, _, _ = make()
    model.open_guide()
    assert (model.screen, model.guide.theme) == ("guide", "A")
    model.guide_theme("C")
    assert [i["code"] for i in model.guide_items_page()][:3] == ["C01", "C02", "C03"]
    assert model.guide_page_count() == 2           # 14 items, 9 a page
    model.guide_turn(1)
    assert [i["code"] for i in model.guide_items_page()] == [f"C{n}" for n in range(10, 15)]
    model.guide_turn(1)
    assert model.guide.page == 1                   # no page after the last
    model.toggle_elderly()
    assert model.guide_page_size() == 4
    model.back()
    assert model.screen == "attract"


def test_sbk_finds_the_social_security_card_and_back_retraces_the_way() -> None:
    model, _, _, _ = make()
    model.open_guide()
    model.open_guide_search()
    for key in "sbk":
        model.type_key(key)
    assert model.screen == "guide_search"
    assert [i["code"] for i in model.search_results()][:1] == ["C04"]
    model.open_guide_item("C04")
    assert (model.screen, model.guide.item, model.guide.section) == \
        ("guide_item", "C04", "overview")
    model.guide_section("materials")
    assert model.guide.section == "materials"
    model.back()
    assert model.screen == "guide_search"
    model.back()
    assert model.screen == "guide"
    model.back()
    assert model.screen == "attract"


def test_an_items_guide_from_its_tile_goes_back_to_the_items() -> None:
    model, _, _, _ = make()
    model.walk_in()
    model.choose_theme("B")
    model.open_guide_item("B10")
    assert (model.screen, model.guide.theme) == ("guide_item", "B")
    model.guide_section("materials")
    assert model.materials_page_count() == 2       # six materials: four, then two
    model.materials_turn(1)
    assert model.guide.materials_page == 1
    model.back()
    assert (model.screen, model.theme_prefix) == ("items", "B")


def test_elderly_mode_splits_the_overview_and_pages_fewer_materials() -> None:
    model, _, _, _ = make(start_elderly=True)
    model.open_guide_item("A01")
    assert model.guide_sections() == ("overview", "details", "materials")
    assert model.materials_per_page() == 2 and model.materials_page_count() == 3


def test_print_this_guide_prints_the_items_guide_as_a_slip() -> None:
    model, _, printer, _ = make()
    model.open_guide_item("C07")
    model.print_guide()
    assert model.print_state == "printed"
    (slip,) = printer.printed
    assert isinstance(slip, SlipContent)
    assert (slip.title, slip.subtitle) == ("办事指南 · 住房公积金提取",
                                           "Service guide · Housing fund withdrawal")
    texts = slip.texts()
    assert "1. 购房合同（原件 1 份）" in texts
    assert "Home purchase contract (original, 1)" in texts
    assert "3. 婚姻状况证明（复印件 1 份）" in texts
    assert "* 拍摄卡号一面 / Photograph the side with the card number" in texts
    assert "免费 / Free" in texts and "3 个工作日 / 3 working days" in texts
    assert "住房公积金管理中心 · 综合服务 · C 区 · 12、13、20-30 号窗口" in texts
    assert "可在本机自助申报 / Apply at this kiosk" in texts
    assert slip.footer == ("福田区政务服务中心", "打印时间 2025-03-14 10:30")
    assert render_slip(slip)  # printable as it is


def test_a_guide_without_a_printer_says_so() -> None:
    model, _, _, _ = make(printer=False)
    model.open_guide_item("A05")
    model.print_guide()
    assert model.print_state == "no_printer"


def test_take_a_number_and_apply_here_from_the_guide() -> None:
    model, hall, _, _ = make()
    model.open_guide_item("A01")
    model.take_number_for_guide()
    assert hall.issued[-1]["service"] == "A01" and model.screen == "ticket"
    model.reset()
    model.open_guide_item("C10")
    model.start_submission("C10")
    assert model.screen == "submission" and model.submission is not None
    assert model.submission.item == "C10"
    model.reset()
    model.open_guide_item("A01")
    model.start_submission("A01")         # not handed in at a kiosk: said, and nothing else
    assert model.screen == "error" and model.submission is None


def test_the_guide_resets_to_the_start_when_left_alone() -> None:
    model, _, _, clock = make(idle_timeout_s=60.0)
    model.open_guide_item("C04")
    clock.now += 61
    assert model.check_idle()
    assert (model.screen, model.guide.item) == ("attract", None)
