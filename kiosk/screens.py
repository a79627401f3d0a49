"""Every kiosk screen rendered from fixed data, for screenshots and docs (no hall, no network).

:func:`render_scenario` fills a real :class:`~kiosk.viewmodel.KioskModel` with data shaped exactly
as the hall API returns it (the example hall's catalog, a few people waiting, a sample card and
ticket) and returns the real :class:`~kiosk.view.KioskView` over it.
"""

from __future__ import annotations

import time
from datetime import date

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

from devices.printer.errors import PrinterPaperOut
from hall.client import HallApiError
from hall.errors import ErrorCode
from hall.schemas import RecommendBody, ReferralBody, SubmissionProgressBody, TicketBody
from kiosk.citizen import Citizen
from kiosk.submission_screens import SUBMISSION_SCENARIOS, submission_model
from kiosk.view import KioskView
from kiosk.viewmodel import KioskModel, Screen
from ui.qt import ensure_app
from ui.samples import sample_hall, sample_services

SCENARIOS = ("attract", "choose", "items", "ticket", "cancel_confirm", "printer_fault", "error",
             "elderly", "offer", "referral", "referral_failed", "health", "desk", "search",
             "card_guide", "countdown", "guide", "guide_search", "guide_item", "guide_materials",
             "progress", "progress_result", "progress_rejected", "notice",
             *SUBMISSION_SCENARIOS)
#: The supervisor's notice of the "notice" scenario.
NOTICE_ZH = "今日 15:00 起工程建设业务暂停取号，请谅解"
NOTICE_EN = "Construction projects stop issuing numbers at 15:00 today"


def sample_citizen() -> Citizen:
    """A fictitious card holder (the textbook 张三), masked as screens show it."""
    return Citizen(masked_id="4403**********1230", masked_name="张*",
                   birth_date=date(1990, 3, 7), id_number="440304199003071230", name="张三",
                   address="广东省深圳市福田区样例路1号测试小区2栋101房")


def sample_ticket() -> TicketBody:
    """``POST /tickets`` for item A01 with six people ahead."""
    return {"id": "20250314-A018", "number": "A018", "service": "A", "item": "A01",
            "service_name_zh": "商事登记", "service_name_en": "Business registration",
            "item_name_zh": "企业设立登记", "item_name_en": "Company registration",
            "status": "waiting", "channel": "kiosk", "ahead": 6, "expected_wait_s": 1320,
            "wait_kind": "about",
            "window": None, "issued_at": time.time(), "called_at": None, "finished_at": None,
            "recalls": 0, "appointment_id": None, "id_masked": "4403**********1230",
            "elderly": False, "green": False, "rating": None,
            "url": "http://hallq.local:8470/t/20250314-A018.3f9a1c07be52d4e8a6017c2b",
            "booth": None, "cancel_token": "5b1e0c9d7a3f42e68c1d0b97",
            "windows": ["1", "2", "5"], "waiting_area_zh": "A 区", "waiting_area_en": "area A"}


def sample_recommend() -> RecommendBody:
    """``GET /recommend?item=A02`` when two other halls would do it sooner (an hour's wait
    here)."""
    return {"item": "A02", "here": {"hall": "GD-SZ-FT-001", "wait_s": 3480},
            "halls": [{"hall": "GD-SZ-NS-002", "name_zh": "南山区政务服务中心",
                       "name_en": "Nanshan District Government Service Center",
                       "expected_total_s": 1500.0, "wait_s": 300.0, "travel_s": 1200.0},
                      {"hall": "GD-SZ-LH-003", "name_zh": "罗湖区政务服务中心",
                       "name_en": "Luohu District Government Service Center",
                       "expected_total_s": 2280.0, "wait_s": 780.0, "travel_s": 1500.0},
                      {"hall": "GD-SZ-FT-XL-01", "name_zh": "香蜜湖街道便民服务中心",
                       "name_en": "Xiangmihu Subdistrict Service Center",
                       "expected_total_s": 2640.0, "wait_s": 2040.0, "travel_s": 600.0}],
            "at": time.time() - 8, "stale": False}


def sample_referral() -> ReferralBody:
    """``GET /referrals/{id}`` once Nanshan issued the ticket."""
    masked = sample_citizen().masked_id
    return {"id": "GD-SZ-FT-001-20250314-R0007", "item": "A02", "hall": "GD-SZ-NS-002",
            "created_at": time.time() - 12, "state": "issued", "error": None,
            "id_masked": masked,
            "ticket": {"id": "20250314-A031", "number": "A031", "hall": "GD-SZ-NS-002",
                       "name_zh": "南山区政务服务中心",
                       "name_en": "Nanshan District Government Service Center", "ahead": 2,
                       "expected_wait_s": 300, "url": "http://ns.hallq.local:8470/t/20250314-A031",
                       "id_masked": masked, "elderly": False}}


def sample_progress(status: str = "in_progress") -> SubmissionProgressBody:
    """``GET /submissions/7KQ2MX9P4T/progress`` of a housing-fund withdrawal (C07); with the
    reason when ``status`` is ``rejected``."""
    zh, en = {"in_progress": ("办理中", "In progress"),
              "rejected": ("不予受理", "Not accepted")}.get(status, (status, status))
    rejected = status == "rejected"
    return {"receipt_code": "7KQ2MX9P4T", "item_name_zh": "住房公积金提取",
            "item_name_en": "Housing fund withdrawal", "status": status, "status_zh": zh,
            "status_en": en,
            "reason_zh": "购房合同照片不清晰，请重新拍摄后再次申报" if rejected else "",
            "reason_en": "The photo of the purchase contract is not legible: please apply "
                         "again with a clear one" if rejected else "",
            "updated_at": "2025-03-14T10:42:00+08:00"}


def scenario_model(state: str, lang: str = "zh", elderly: bool = False) -> KioskModel:
    """A model showing ``state`` (see :data:`SCENARIOS`; "elderly" is the item list in
    elderly mode; "health": the home screen with the printer out of paper and the card reader
    offline; "desk": nothing can issue; "search": "sbk" typed in 综合服务; "countdown": the
    themes 9 s before the idle reset; "guide": the guide's list of 综合服务; "guide_search":
    "sbk" typed there; "guide_item" and "guide_materials": the two parts of C07's guide;
    "progress": a receipt code being typed; "progress_result" and "progress_rejected": its
    answer; "notice": the home screen with a supervisor's notice)."""
    if state not in SCENARIOS:
        raise ValueError(f"unknown kiosk scenario {state!r}; known: {', '.join(SCENARIOS)}")
    seconds = [1000.0]  # the idle clock, moved for "countdown"
    model = KioskModel(None, lang=lang, clock=lambda: seconds[0])
    hall = sample_hall()
    if state == "notice":
        hall["notice"] = {"text_zh": NOTICE_ZH, "text_en": NOTICE_EN, "by": "S002",
                          "posted_at": time.time(), "until": time.time() + 3600}
    model.hall_loaded(hall)
    model.services_loaded(sample_services(guide=True))
    if state in ("health", "desk"):
        _break_devices(model, desk=state == "desk")
    elif state == "card_guide":
        model.show_card_guide()
    elif state not in ("attract", "notice"):
        model.citizen = sample_citizen()
        model.screen = Screen.THEMES
    if state in ("items", "elderly", "offer", "referral"):
        model.choose_theme("A")
    if state in ("offer", "referral", "referral_failed"):
        model.recommended("A02", sample_recommend())
    if state in ("referral", "referral_failed"):
        assert model.referral.offer is not None
        model.referral.hall = model.referral.offer.halls[0]
        model.referral_started({**sample_referral(), "state": "pending", "ticket": None})
    if state == "referral":
        model.referral_polled(sample_referral())
        model.printed("ready")
    if state == "referral_failed":
        model.referral_polled({**sample_referral(), "state": "refused", "ticket": None,
                               "error": {
            "code": ErrorCode.QUOTA_REACHED,
            "message_zh": "南山区政务服务中心今日商事登记号源已发完",
            "message_en": "Nanshan has no Business registration tickets left today"}})
    if state in ("ticket", "cancel_confirm", "printer_fault"):
        model.ticket_issued(sample_ticket())
        if state == "printer_fault":
            model.print_failed(_paper_out())
        else:
            model.printed("ready")
    if state == "cancel_confirm":
        model.ask_cancel()
    if state == "error":
        model.failed(HallApiError(409, ErrorCode.ID_LIMIT_REACHED,
                                  "同一证件今日在商事登记最多取号2次",
                                  "One ID may take at most 2 tickets a day for "
                                  "Business registration"))
    _guide_and_progress(model, state)
    if state == "search":
        model.choose_theme("C")
        model.open_search()
        for key in "sbk":
            model.type_key(key)
    if state in SUBMISSION_SCENARIOS:
        submission_model(model, state)
    model.elderly = elderly or state == "elderly"
    if state == "countdown":
        seconds[0] += model.idle_timeout() - 9
    return model


def _guide_and_progress(model: KioskModel, state: str) -> None:
    """The service guide's and the progress lookup's scenarios, from the start screen."""
    if state.startswith("guide"):
        model.citizen = None
        model.screen = Screen.ATTRACT
        model.open_guide()
        model.guide_theme("C")
    if state == "guide_search":
        model.open_guide_search()
        for key in "sbk":
            model.type_key(key)
    if state in ("guide_item", "guide_materials"):
        model.open_guide_item("C07")
    if state == "guide_materials":
        model.guide_section("materials")
    if state.startswith("progress"):
        model.citizen = None
        model.screen = Screen.ATTRACT
        model.open_progress()
        for key in "7KQ2MX9P":
            model.progress_key(key)
    if state == "progress_result":
        model.progress_answered(sample_progress())
    if state == "progress_rejected":
        model.progress_answered(sample_progress("rejected"))


def _break_devices(model: KioskModel, desk: bool) -> None:
    """Paper out and the card reader unplugged (``desk``: the hall unreachable too)."""
    model.device_states.set("printer", "paper_out", "printer.paper_out")
    model.device_states.set("idcard", "disconnected", "idcard.disconnected")
    model.device_states.set("camera", "ready")
    if desk:
        model.connected = False


def _paper_out() -> Exception:
    return PrinterPaperOut("refused before printing")


def render_scenario(state: str, lang: str = "zh", elderly: bool = False,
                    size: QSize | None = None) -> QWidget:
    """The kiosk view showing ``state`` at ``size`` (not shown; screenshot it)."""
    ensure_app()
    view = KioskView(scenario_model(state, lang, elderly))
    view.resize(size or QSize(1920, 1080))
    view.rebuild()
    return view
