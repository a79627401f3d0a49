"""Other halls at the kiosk (跨厅推荐, 云叫号), without Qt: the offer, the referral to another
hall and its ticket, and every way it can fail. The hall node's answers are recorded JSON as
in the contract (``GET /recommend``, ``POST /referrals``, ``GET /referrals/{id}``)."""

from __future__ import annotations

from typing import Any

import pytest

from devices.idcard.samples import RESIDENT
from hall.client import HallApiError
from kiosk.devices import KioskDevices
from kiosk.offer import figures_text, here_text, offer_from, saving_text
from kiosk.referral_flow import REFERRAL_GIVE_UP_S
from kiosk.screens import sample_recommend, sample_referral
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.clocks import SecondsClock
from tests.helpers.fake_devices import FakeTicketPrinter
from tests.helpers.fake_halls import REFERRAL_PENDING, FakeCloudKioskHall, FakeKioskHall
from tests.helpers.runners import Later

HERE = "GD-SZ-FT-001"


def make(printer: FakeTicketPrinter | None = None
         ) -> tuple[KioskModel, FakeCloudKioskHall, SecondsClock, FakeTicketPrinter]:
    hall, clock, printer = FakeCloudKioskHall(), SecondsClock(), printer or FakeTicketPrinter()
    model = KioskModel(hall, KioskDevices(printer=printer),  # type: ignore[arg-type]
                       KioskSettings(name="kiosk-1", idle_timeout_s=60), clock=clock)
    model.start()
    model.card_read(RESIDENT)
    model.choose_theme("A")
    return model, hall, clock, printer


def offered(model: KioskModel, lang: int = 0) -> list[str]:
    """The offer as the citizen reads it: the headline, this hall, then each other hall."""
    offer = model.referral.offer
    assert offer is not None and model.screen == "offer"
    return [saving_text(offer.halls[0])[lang], here_text(offer.here_wait_s)[lang]] + [
        f"{h.name('en' if lang else 'zh')}: {figures_text(h)[lang]}" for h in offer.halls]


def wait_for_ticket(model: KioskModel, clock: SecondsClock, seconds: int) -> None:
    for _ in range(seconds):
        clock.now += 1.0
        model.tick()


# ---------------------------------------------------------------------- the offer
def test_an_item_served_anywhere_is_offered_elsewhere_when_that_saves_time() -> None:
    model, hall, _, _ = make()
    model.take_number("A02")
    assert hall.calls == [("recommend", "A02")] and hall.issued == []
    assert offered(model) == [
        "去南山区政务服务中心可节省约 33 分钟", "在本大厅等候约 58 分钟",
        "南山区政务服务中心: 路程约 20 分钟 · 等候约 5 分钟 · 共约 25 分钟",
        "罗湖区政务服务中心: 路程约 25 分钟 · 等候约 13 分钟 · 共约 38 分钟",
        "香蜜湖街道便民服务中心: 路程约 10 分钟 · 等候约 34 分钟 · 共约 44 分钟"]
    assert offered(model, 1)[:3] == [
        "Save about 33 min at Nanshan District Government Service Center",
        "About 58 min wait here",
        "Nanshan District Government Service Center: 20 min travel · 5 min wait · "
        "25 min in all"]
    assert not model.busy


def test_only_the_best_three_other_halls_that_save_time() -> None:
    answer = sample_recommend()
    answer["halls"] = answer["halls"] + [
        {"hall": HERE, "name_zh": "福田", "expected_total_s": 10, "wait_s": 10, "travel_s": 0},
        {"hall": "SLOW", "name_zh": "慢", "expected_total_s": 4000, "wait_s": 3000,
         "travel_s": 1000},
        {"hall": "GD-SZ-BA-004", "name_zh": "宝安", "expected_total_s": 1200, "wait_s": 0,
         "travel_s": 1200}]
    offer = offer_from(answer, HERE)
    assert offer is not None
    assert [h.hall for h in offer.halls] == ["GD-SZ-BA-004", "GD-SZ-NS-002", "GD-SZ-LH-003"]
    assert figures_text(offer.halls[0])[0] == "路程约 20 分钟 · 无需等待 · 共约 20 分钟"


@pytest.mark.parametrize("answer", [
    dict(sample_recommend(), halls=[]),
    dict(sample_recommend(), stale=True),
    HallApiError(0, "unreachable", "无法连接大厅服务器", "Cannot reach the hall node"),
    HallApiError(404, "unknown_service", "没有该业务", "No such service: A02"),
], ids=["empty", "stale", "unreachable", "refused"])
def test_no_offer_means_a_number_here_without_a_word(answer: Any) -> None:
    model, hall, _, printer = make()
    hall.recommendation = answer
    model.take_number("A02")
    assert model.screen == "ticket" and model.error is None and model.referral.offer is None
    assert [i["service"] for i in hall.issued] == ["A02"]
    assert model.referral.hall is None and len(printer.printed) == 1


@pytest.mark.parametrize("service", ["A12", "A"], ids=["only-here", "theme"])
def test_items_served_only_here_and_themes_are_not_offered_elsewhere(service: str) -> None:
    model, hall, _, _ = make()
    model.take_number(service)
    assert hall.calls == [] and model.screen == "ticket"


def test_a_plain_hall_client_issues_here() -> None:
    hall = FakeKioskHall()
    model = KioskModel(hall, KioskDevices(printer=FakeTicketPrinter()))  # type: ignore[arg-type]
    model.take_number("A02")
    assert model.screen == "ticket" and [i["service"] for i in hall.issued] == ["A02"]


def test_taking_the_number_here_after_all() -> None:
    model, hall, _, printer = make()
    model.take_number("A02")
    model.take_here()
    assert model.screen == "ticket" and [i["service"] for i in hall.issued] == ["A02"]
    assert hall.issued[0]["id_number"] == RESIDENT.id_number, "still a real-name ticket"
    assert model.referral.hall is None
    assert printer.printed[0].hall_name == "福田区政务服务中心"


def test_back_from_the_offer_returns_to_the_items() -> None:
    model, _, _, _ = make()
    model.take_number("A02")
    model.back()
    assert model.screen == "items" and model.referral.offer is None


# ---------------------------------------------------------------------- a referral
def test_choosing_another_hall_shows_and_prints_its_ticket() -> None:
    model, hall, clock, printer = make()
    model.take_number("A02")
    model.go_to("GD-SZ-NS-002")
    assert hall.calls[-1] == ("refer", "A02", "GD-SZ-NS-002")
    assert hall.referred_id_numbers == [RESIDENT.id_number], "a real-name ticket there"
    assert model.screen == "referring"
    model.tick()
    assert hall.calls[-1][0] == "refer", "the first question comes after about a second"
    issued = sample_referral()
    issued["ticket"]["id_masked"] = "4403**********123X"     # the card's holder, at Nanshan
    hall.referrals = [REFERRAL_PENDING, issued]
    wait_for_ticket(model, clock, 2)
    assert [c[0] for c in hall.calls].count("referral") == 2
    assert model.screen == "ticket" and hall.issued == []
    ticket = model.ticket or {}
    assert (ticket["number"], ticket["ahead"], ticket["expected_wait_s"]) == ("A031", 2, 300)
    assert ticket["item_name_zh"] == "企业变更登记" and ticket["service_name_zh"] == "商事登记"
    other = model.referral.hall
    assert other is not None and other.name("zh") == "南山区政务服务中心"
    [paper] = printer.printed
    assert paper.hall_name == "南山区政务服务中心" and paper.number == "A031"
    assert paper.notices[0] == ("请前往 南山区政务服务中心 办理 / Please go to Nanshan District "
                                "Government Service Center")
    assert paper.qr_url == "http://ns.hallq.local:8470/t/20250314-A031"
    assert paper.privacy_line == "证件 4403**********123X", "as the other hall issued it"
    assert model.print_state == "printed"


def test_a_ticket_the_other_hall_issued_without_a_name_says_so_on_paper() -> None:
    model, hall, clock, printer = make()
    model.take_number("A02")
    model.go_to("GD-SZ-NS-002")
    issued = sample_referral()
    del issued["ticket"]["id_masked"]
    hall.referrals = [issued]
    wait_for_ticket(model, clock, 1)
    assert printer.printed[0].privacy_line == "未实名取号 / Ticket without ID"


def test_a_referral_the_hall_gave_up_on_offers_a_number_here() -> None:
    model, hall, clock, printer = make()
    model.take_number("A02")
    model.go_to("GD-SZ-NS-002")
    hall.referrals = [dict(REFERRAL_PENDING, state="withdrawing",
                           error={"code": "referral_timeout"})]
    wait_for_ticket(model, clock, 1)
    assert model.screen == "referral_failed" and printer.printed == []
    assert model.referral.error is not None and "南山区政务服务中心" in model.referral.error[0]


def test_a_refusal_is_said_plainly_and_a_number_here_is_offered() -> None:
    model, hall, clock, _ = make()
    model.take_number("A02")
    model.go_to("GD-SZ-NS-002")
    hall.referrals = [dict(REFERRAL_PENDING, state="refused", error={
        "code": "quota_reached", "message_zh": "南山区政务服务中心今日号源已发完",
        "message_en": "Nanshan has no tickets left today"})]
    wait_for_ticket(model, clock, 1)
    assert model.screen == "referral_failed"
    assert model.referral.error == ("南山区政务服务中心今日号源已发完",
                                    "Nanshan has no tickets left today")
    model.take_here()
    assert model.screen == "ticket" and [i["service"] for i in hall.issued] == ["A02"]
    assert model.referral.hall is None


def test_no_answer_in_twenty_seconds_gives_up_with_a_plain_sentence() -> None:
    model, hall, clock, _ = make()
    model.take_number("A02")
    model.go_to("GD-SZ-NS-002")
    hall.referrals = [HallApiError(0, "unreachable", "无法连接大厅服务器", "no")] * 3
    wait_for_ticket(model, clock, int(REFERRAL_GIVE_UP_S) - 1)
    assert model.screen == "referring", "errors and pending answers keep it waiting"
    polls = [c[0] for c in hall.calls].count("referral")
    assert 15 <= polls <= 20, "about once a second"
    wait_for_ticket(model, clock, 1)
    assert model.screen == "referral_failed"
    assert model.referral.error == ("暂时无法在南山区政务服务中心取号，请在本大厅取号",
                                    "Could not get a number at Nanshan District Government "
                                    "Service Center just now; please take one here")


def test_a_referral_the_hall_node_refuses_at_once() -> None:
    model, hall, _, _ = make()
    model.take_number("A02")
    hall.refer_error = HallApiError(409, "not_anywhere", "该事项只能在本大厅办理",
                                    "This item can only be handled at this hall")
    model.go_to("GD-SZ-NS-002")
    assert model.screen == "referral_failed"
    assert model.referral.error == ("该事项只能在本大厅办理",
                                    "This item can only be handled at this hall")


def test_idle_timeout_clears_the_offer_and_the_referral() -> None:
    model, hall, clock, _ = make()
    model.take_number("A02")
    clock.now += 61
    assert model.check_idle()
    assert model.screen == "attract" and model.referral.offer is None and model.citizen is None
    model.card_read(RESIDENT)
    model.choose_theme("A")
    model.take_number("A02")
    model.go_to("GD-SZ-NS-002")
    clock.now += 61
    assert model.check_idle()
    assert model.referral.id is None and model.referral.hall is None
    model.tick()
    assert [c[0] for c in hall.calls].count("referral") == 0


def test_an_answer_arriving_after_the_session_ended_is_dropped() -> None:
    later = Later()
    hall, clock = FakeCloudKioskHall(), SecondsClock()
    model = KioskModel(hall, KioskDevices(printer=FakeTicketPrinter()),  # type: ignore[arg-type]
                       run=later, clock=clock)
    model.start()
    later.run_all()
    model.card_read(RESIDENT)
    model.choose_theme("A")
    model.take_number("A02")
    later.run_all()
    assert model.screen == "offer"
    model.go_to("GD-SZ-NS-002")
    later.run_all()
    hall.referrals = [sample_referral()]
    clock.now += 1
    model.tick()
    model.tick()  # a question already under way: not asked twice
    assert len(later.jobs) == 1
    model.reset()
    later.run_all()
    assert model.screen == "attract" and model.ticket is None
