"""What the kiosk puts on paper from the hall's ticket: where to wait and the windows that serve
it for this hall's tickets, nothing of the kind for another hall's, and every line laid out for
the paper by the printer."""

from __future__ import annotations

from devices.printer.ticket import render_ticket, where_line
from kiosk.ticketprint import referral_content, ticket_content
from tests.helpers.fake_halls import FakeKioskHall
from ui.samples import sample_hall

WHERE = {"windows": ["1", "2", "5"], "waiting_area_zh": "A 区", "waiting_area_en": "area A",
         "item_name_zh": "企业设立登记", "item_name_en": "Company registration"}


def test_this_halls_ticket_says_where_to_wait_and_which_windows() -> None:
    ticket = FakeKioskHall({"A01": WHERE}).issue("A01")
    content = ticket_content(ticket, sample_hall(), "4403**********1230")
    assert where_line(content) == ("请在 A 区等候 · 1、2、5 号窗口办理 / "
                                   "Wait in area A · windows 1, 2, 5")
    assert content.theme_name == "商事登记 · 企业设立登记"
    assert "过号请到服务台重新签到 / Missed the call? Ask at the desk" in content.notices
    assert "\n请在 A 区等候 · 1、2、5 号窗口办理\n".encode("gb18030") in render_ticket(content)
    stream = render_ticket(content, 384)     # 58 mm: 35 columns > 32, broken at its " · "
    assert "\n请在 A 区等候\n1、2、5 号窗口办理\n".encode("gb18030") in stream
    assert b"\nMissed the call? Ask at the desk\n" in stream


def test_a_ticket_without_those_fields_prints_without_the_line() -> None:
    ticket = FakeKioskHall().issue("A01")
    assert where_line(ticket_content(ticket, sample_hall(), None)) == ""


def test_another_halls_ticket_names_no_windows_of_this_hall() -> None:
    ticket = FakeKioskHall().issue("A01")
    content = referral_content(ticket, sample_hall(), "南山区政务服务中心", "Nanshan Center")
    assert content.windows == () and content.waiting_area_zh == ""
    assert content.notices[0] == "请前往 南山区政务服务中心 办理 / Please go to Nanshan Center"
