"""The kiosk's view-model without Qt: sessions, errors, appointments, printing, idle reset."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from devices.idcard.samples import RESIDENT
from devices.printer.errors import PrinterPaperOut
from hall.client import HallApiError
from kiosk.citizen import Citizen, parse_appointment_code
from kiosk.devices import KioskDevices, OncePerPresence
from kiosk.ticketprint import ticket_content
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.clocks import SecondsClock
from tests.helpers.fake_devices import FakeTicketPrinter
from tests.helpers.fake_halls import FakeKioskHall
from tests.helpers.runners import Later
from ui.samples import sample_hall

MISMATCH_THEME = HallApiError(422, "appointment_mismatch", "预约事项与所选业务不符",
                              "The appointment is for another service")


def make(answers: dict | None = None, printer: FakeTicketPrinter | None = None,
         **settings: Any) -> tuple[KioskModel, FakeKioskHall, SecondsClock]:
    hall, clock = FakeKioskHall(answers), SecondsClock()
    devices = KioskDevices(printer=printer or FakeTicketPrinter())
    model = KioskModel(hall, devices,  # type: ignore[arg-type]
                       KioskSettings(name="kiosk-1", **settings), clock=clock)
    model.start()
    return model, hall, clock


def test_card_starts_a_real_name_session_and_reset_forgets_it() -> None:
    model, hall, _ = make()
    model.card_read(RESIDENT)
    assert model.screen == "themes"
    assert model.citizen is not None and model.citizen.masked_id == "4403**********123X"
    assert RESIDENT.id_number not in repr(model.citizen)
    model.choose_theme("A")
    model.take_number("A01")
    assert hall.issued[-1] == {"service": "A01", "id_number": RESIDENT.id_number,
                               "channel": "kiosk", "appointment_id": None}
    assert model.screen == "ticket" and model.print_state == "printed"
    model.reset()
    assert (model.screen, model.citizen, model.ticket) == ("attract", None, None)


def test_elderly_card_holder_gets_elderly_mode() -> None:
    model, _, _ = make()
    old = Citizen(masked_id="4403**********0011", masked_name="李*",
                  birth_date=date(1940, 1, 1), id_number="x")
    model.card_read(old)
    assert model.elderly
    model.reset()
    assert not model.elderly


def test_walk_in_only_where_the_hall_allows_it() -> None:
    model, _, _ = make(walk_in=False)
    model.walk_in()
    assert model.screen == "attract"
    model, _, _ = make()
    model.walk_in()
    assert model.screen == "themes" and model.citizen is None


def test_refusal_is_the_halls_sentence_and_back_returns_to_the_themes() -> None:
    refused = HallApiError(409, "id_limit_reached", "同一证件今日在商事登记最多取号2次",
                           "One ID may take at most 2 tickets a day")
    model, _, _ = make({"A02": refused})
    model.card_read(RESIDENT)
    model.take_number("A02")
    assert (model.screen, model.error) == ("error", (refused.message_zh, refused.message_en))
    model.back()
    assert model.screen == "themes" and model.citizen is not None


@pytest.mark.allow_log("unexpected error")
def test_a_bug_is_never_shown_as_a_trace(caplog: pytest.LogCaptureFixture) -> None:
    model, _, _ = make({"A": KeyError("number")})
    model.walk_in()
    model.take_number("A")
    assert model.error is not None and "KeyError" not in model.error[0]
    assert model.error[0].startswith("系统暂时无法办理")


def test_idle_timeout_clears_the_session() -> None:
    model, _, clock = make(idle_timeout_s=60)
    assert not model.check_idle()
    model.card_read(RESIDENT)
    clock.now += 59
    assert not model.check_idle()
    model.touch()
    clock.now += 59
    assert not model.check_idle()
    clock.now += 2
    assert model.check_idle()
    assert model.citizen is None and model.screen == "attract"


def test_a_late_answer_of_an_ended_session_is_dropped() -> None:
    later = Later()
    devices = KioskDevices(printer=FakeTicketPrinter())
    model = KioskModel(FakeKioskHall(), devices, run=later)  # type: ignore[arg-type]
    later.run_all()  # hall and services
    model.card_read(RESIDENT)
    model.take_number("A")
    model.reset()
    later.run_all()
    assert model.screen == "attract" and model.ticket is None


def test_appointment_code_finds_its_theme() -> None:
    model, hall, _ = make({"A": MISMATCH_THEME, "B": MISMATCH_THEME})
    model.qr_scanned("hallq:appt:AP123")
    assert [i["service"] for i in hall.issued] == ["A", "B", "C"]
    assert hall.issued[-1]["channel"] == "appointment"
    assert model.ticket is not None and model.ticket["appointment_id"] == "AP123"
    assert model.devices.printer.printed[0].notices[0].startswith("预约签到")


def test_appointment_refusal_says_the_real_reason() -> None:
    wrong_person = HallApiError(422, "appointment_mismatch", "证件与预约人不符",
                                "The ID card does not match the appointment")
    model, _, _ = make({"A": MISMATCH_THEME, "B": wrong_person, "C": MISMATCH_THEME})
    model.card_read(RESIDENT)
    model.qr_scanned("hallq:appt:AP123")
    assert model.error == ("证件与预约人不符", "The ID card does not match the appointment")


def test_other_codes_are_explained() -> None:
    model, hall, _ = make()
    model.qr_scanned("hallq:ticket:20250314-A001")
    assert model.error is not None and model.error[0].startswith("这是已取的号码")
    model.qr_scanned("https://example.com/")
    assert model.error is not None and model.error[0] == "无法识别该二维码，请扫描预约二维码"
    assert hall.issued == []


def test_printer_fault_is_shown_and_told_to_staff_once_per_ticket() -> None:
    model, hall, _ = make(printer=FakeTicketPrinter(PrinterPaperOut("refused before printing")))
    model.walk_in()
    model.take_number("C")
    assert model.screen == "ticket" and model.print_state == "failed"
    assert hall.statuses == [("printer", "paper_out", "kiosk-1", "printer.paper_out")]


def test_items_come_in_pages_fewer_in_elderly_mode() -> None:
    model, _, _ = make()
    model.walk_in()
    model.choose_theme("C")  # 14 items
    assert (model.page_count(), len(model.items_page())) == (2, 12)
    model.next_page()
    assert [i["code"] for i in model.items_page()] == ["C13", "C14"]
    model.toggle_elderly()
    assert (model.page, model.page_count(), len(model.items_page())) == (0, 3, 6)


def test_once_per_presence_counts_a_card_once_until_it_leaves() -> None:
    polls = iter([None, RESIDENT, RESIDENT, RESIDENT, None, RESIDENT])
    once = OncePerPresence(lambda: next(polls))
    assert [once() for _ in range(6)] == [None, RESIDENT, None, None, None, RESIDENT]


def test_appointment_codes() -> None:
    assert parse_appointment_code("hallq:appt:AP123") == ("AP123", None)
    assert parse_appointment_code("hallq:appt:AP123:C05") == ("AP123", "C05")
    assert parse_appointment_code("hallq:appt:") is None
    assert parse_appointment_code("hallq:ticket:1") is None


def test_printed_ticket_shows_only_the_masked_id() -> None:
    citizen = Citizen.from_card(RESIDENT)
    ticket = FakeKioskHall().issue("A01", id_number=RESIDENT.id_number)
    content = ticket_content(ticket, sample_hall(), citizen.masked_id)
    content.validate()
    assert content.privacy_line == "证件 4403**********123X"
    assert content.qr_url == ticket["url"]
    assert content.issued_at.tzinfo is not None
    assert ticket_content(ticket, sample_hall(), None).privacy_line.startswith("未实名")
