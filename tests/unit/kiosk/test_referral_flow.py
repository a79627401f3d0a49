"""The referral flow's rules alone (kiosk/referral_flow.py): when to ask about a referral, when
to give up, and what each answer of ``GET /referrals/{id}`` means; and the kiosk's screens as
an enum that the views may still compare with plain names."""

from __future__ import annotations

from kiosk.offer import OfferedHall
from kiosk.referral_flow import REFERRAL_GIVE_UP_S, REFERRAL_POLL_S, ReferralFlow, Step
from kiosk.screens import sample_referral
from kiosk.viewmodel import Screen

NANSHAN = OfferedHall("GD-SZ-NS-002", "南山区政务服务中心",
                      "Nanshan District Government Service Center", 1200, 300, 1500, 1980)


def started(now: float = 100.0) -> ReferralFlow:
    flow = ReferralFlow()
    flow.hall = NANSHAN
    flow.started(sample_referral()["id"], now)
    return flow


def test_screens_equal_their_old_names() -> None:
    assert Screen.REFERRAL_FAILED == "referral_failed" and Screen("ticket") is Screen.TICKET
    assert {"attract": 1}[Screen.ATTRACT] == 1


def test_the_first_question_comes_a_poll_after_the_start_and_one_at_a_time() -> None:
    flow = started(100.0)
    assert flow.next_step(100.0 + REFERRAL_POLL_S / 2) is Step.WAIT
    assert flow.next_step(100.0 + REFERRAL_POLL_S) is Step.ASK
    assert flow.next_step(100.0 + 3 * REFERRAL_POLL_S) is Step.WAIT, "one under way"
    flow.polling = False
    assert flow.next_step(100.0 + 3 * REFERRAL_POLL_S) is Step.ASK
    flow.polling = False
    assert flow.next_step(100.0 + REFERRAL_GIVE_UP_S) is Step.GIVE_UP


def test_what_an_answer_means() -> None:
    flow = started()
    issued = sample_referral()
    assert flow.issued_ticket(issued) == issued["ticket"] and flow.failure(issued) is None
    assert flow.issued_ticket(dict(issued, id="another")) is None
    assert flow.failure(dict(issued, state="withdrawn", ticket=None)) == flow.too_slow()
    refused = dict(issued, state="refused", ticket=None, error={"code": "quota_reached"})
    assert flow.failure(refused) == flow.too_slow(), "no sentence given: the plain one"
    pending = dict(issued, state="pending", ticket=None)
    assert flow.issued_ticket(pending) is None and flow.failure(pending) is None
    assert flow.too_slow()[0] == "暂时无法在南山区政务服务中心取号，请在本大厅取号"
