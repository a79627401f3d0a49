"""The self-service submission's screens rendered from fixed data, for screenshots and docs: the
example hall's C07 住房公积金提取 (three photographed materials, seven fields) applied for by
the sample card holder, with a document given before and a receipt shaped as the hall answers.
:mod:`kiosk.screens` draws them through :func:`submission_model`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from devices.camera.document import capture_document
from devices.camera.simulator import page_frame
from devices.printer.errors import PrinterPaperOut
from hall.client import HallApiError
from hall.errors import ErrorCode
from kiosk.submission import Step
from ui.samples import sample_services

#: The scenarios of the submission, each a screen of it.
SUBMISSION_SCENARIOS = ("sub_identify", "sub_form", "sub_form_error", "sub_form_address",
                        "sub_form_pinyin", "sub_form_typed",
                        "sub_reuse", "sub_photo", "sub_photo_no_reuse",
                        "sub_photo_refused", "sub_review", "sub_consent", "sub_failed",
                        "sub_receipt", "sub_receipt_queued")
ITEM = "C07"


def sample_documents() -> list[dict[str, Any]]:
    """``POST /submissions/reusable``: the purchase contract given in March."""
    return [{"doc_id": "D-7f3a91", "material_id": "purchase_contract", "name_zh": "购房合同",
             "name_en": "Home purchase contract", "given_on": "2026-03-02",
             "valid_until": "2027-03-02"}]


def sample_receipt(queued: bool = False) -> dict[str, Any]:
    """``POST /submissions``: the receipt of C07 with the contract reused."""
    return {"receipt_code": "K7P2QX9M4D", "item": ITEM, "item_name_zh": "住房公积金提取",
            "item_name_en": "Housing fund withdrawal",
            "materials": [{"id": "purchase_contract", "name_zh": "购房合同",
                           "name_en": "Home purchase contract", "pages": 0, "reused": True},
                          {"id": "bank_card", "name_zh": "本人银行卡",
                           "name_en": "Your bank card", "pages": 1, "reused": False},
                          {"id": "marriage_certificate", "name_zh": "婚姻状况证明",
                           "name_en": "Proof of marital status", "pages": 1, "reused": False}],
            "submitted_at": "2026-12-07T10:42:00+08:00",
            "progress_url": "https://zw.futian.example.cn/p/K7P2QX9M4D", "queued": queued}


FILLED = {"phone": "13800138000", "reason": "偿还购房贷款", "amount": "86000",
          "contract_date": "2024-05-01", "address": "广东省深圳市福田区样例路1号测试小区2栋101房"}


def fill_form(model: Any) -> None:
    """Type the sample answers into the form (as the keyboard would)."""
    flow = model.submission
    for key, value in FILLED.items():
        flow.form.activate(key)
        flow.form.set_value(value)


def submission_model(model: Any, state: str) -> None:
    """Bring ``model`` (a KioskModel with the sample card holder) to the screen ``state``."""
    model.services_loaded(sample_services(guide=True))
    citizen, model.citizen = model.citizen, None
    model.start_submission(ITEM)
    flow = model.submission
    if state == "sub_identify":
        return
    if state in ("sub_form_pinyin", "sub_form_typed"):
        _typed_identity(flow, state)
        return
    model.citizen = citizen
    flow.card_read(_card_of(citizen))
    if state == "sub_form":
        flow.form.activate("phone")
        flow.type_key("1380013")
        return
    if state == "sub_form_address":
        fill_form(model)
        flow.activate("address")
        flow.use_card_address()
        flow.erase_key()
        flow.type_key("2")
        return
    if state == "sub_form_error":
        flow.form.activate("phone")
        flow.form.set_value("1380013")
        flow.form.activate("amount")
        flow.form.set_value("3000000")
        flow.form_done()
        return
    fill_form(model)
    flow.reuse_state = "loading"      # the hall is asked while the citizen fills in the form
    flow.form_done()
    if state == "sub_photo_no_reuse":  # central not asked in time: every page photographed
        flow.reusable_found({"documents": [], "unavailable": True})  # type: ignore[arg-type]
        return
    flow.reusable_found(sample_documents())
    if state == "sub_reuse":
        return
    flow.reuse_done()
    if state in ("sub_photo", "sub_photo_refused"):
        if state == "sub_photo":
            flow.photos.taken(_sample_photo())
        else:
            flow.photos.refused(("照片模糊，请将材料放平并保持不动后重拍",
                                 "The photo is blurred: keep the page flat and still, then "
                                 "retake"))
        return
    for _ in flow.photos.shots:
        flow.photos.taken(_sample_photo())
        flow.keep_photo()
    if state == "sub_review":
        return
    flow.review_done()
    flow.set_consent(state != "sub_consent")
    if state == "sub_consent":
        return
    if state == "sub_failed":
        flow.step = Step.SUBMITTING
        flow._submit_failed(HallApiError(413, ErrorCode.BAD_REQUEST, "照片总大小超过 60 MB",
                                         "The photos are larger than 60 MB in all"))
        return
    flow.step = Step.SUBMITTING
    flow._submitted(sample_receipt(queued=state == "sub_receipt_queued"))
    if state == "sub_receipt_queued":
        model.print_failed(PrinterPaperOut("refused before printing"))
    else:
        model.printed("ready")


def _typed_identity(flow: Any, state: str) -> None:
    """The appointment's QR code instead of the card: the name typed by pinyin (张, then
    "xiao" typed with its characters offered), or the name done and the ID number being typed
    on its digit keys."""
    flow.qr_scanned("hallq:appt:AP20261207-0042")
    for letters, character in (("zhang", "张"), ("xiao", "晓")):
        for letter in letters:
            flow.type_key(letter.upper())
        if state == "sub_form_typed" or character == "张":
            flow.pick_character(character)
    if state == "sub_form_pinyin":
        return
    for letter in "ming":
        flow.type_key(letter.upper())
    flow.pick_character("明")
    flow.field_done()
    for digit in "4403041990":
        flow.type_key(digit)


def _card_of(citizen: Any) -> Any:
    return dataclasses.make_dataclass("Card", ["masked_id", "masked_name", "birth_date",
                                               "id_number", "name", "address"])(
        citizen.masked_id, citizen.masked_name, citizen.birth_date, citizen.id_number,
        citizen.name, citizen.address)


def _sample_photo() -> Any:
    frame, _ = page_frame((1280, 720), np.random.default_rng(11), title="PAGE 1 / 1")
    return capture_document(frame, check=True)
