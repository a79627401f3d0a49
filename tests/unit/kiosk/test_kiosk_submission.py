"""A self-service submission at the kiosk, driven as a citizen would, without Qt: the card
fills the form (masked on screen), each field is checked with a sentence naming it, documents
given before are reused instead of photographed, the consent must be ticked, the hall gets
what was typed and kept, and walking away or cancelling forgets all of it."""

from __future__ import annotations

from typing import Any

import pytest

from devices.idcard.samples import RESIDENT
from hall.client import HallApiError
from hall.idnumber import check_char
from kiosk.devices import KioskDevices
from kiosk.photo_step import KioskPhoto
from kiosk.submission import Step
from kiosk.submission_fields import typed_date
from kiosk.submission_notice import CONSENT_VERSION
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.clocks import TUESDAY_10AM, SecondsClock
from tests.helpers.fake_devices import FakeTicketPrinter
from tests.helpers.fake_halls import FakeSubmissionHall
from tests.helpers.runners import Later

ANSWERS = {"phone": "13800138000", "reason": "偿还购房贷款", "amount": "86000",
           "contract_date": "2024-01-15"}


class FakePhoto:
    """What the document camera's capture gives: upload-ready JPEG bytes."""

    def __init__(self, number: int) -> None:
        self.jpeg = b"\xff\xd8\xff" + bytes([number]) * 64


def make(run: Any = None, camera: Any = None, **settings: Any
         ) -> tuple[KioskModel, FakeSubmissionHall, SecondsClock]:
    hall, clock = FakeSubmissionHall(), SecondsClock()
    devices = KioskDevices(printer=FakeTicketPrinter(), document_camera=camera)
    model = KioskModel(hall, devices, KioskSettings(name="kiosk-1", **settings),  # type: ignore[arg-type]
                       clock=clock, wall=TUESDAY_10AM.timestamp, **({"run": run} if run else {}))
    model.start()
    return model, hall, clock


def fill(model: KioskModel, answers: dict[str, str] = ANSWERS) -> None:
    """Type the answers as the form keyboard does (a choice chosen), then the card's address."""
    flow = model.submission
    assert flow is not None
    for key, value in answers.items():
        flow.activate(key)
        if key == "reason":
            flow.choose(value)
        else:
            flow.clear_key()
            flow.type_key(value)
    flow.activate("address")
    flow.use_card_address()


def photograph_all(model: KioskModel) -> None:
    """Keep one page for each shot asked (the camera's capture stands in)."""
    flow = model.submission
    assert flow is not None
    number = 0
    while flow.step == Step.PHOTOS:
        number += 1
        flow.photos.taken(FakePhoto(number))  # type: ignore[arg-type]
        flow.keep_photo()


def test_the_card_fills_the_form_masked_on_screen_and_whole_to_the_hall() -> None:
    model, hall, _ = make()
    model.start_submission("C07")
    assert (model.screen, model.submission and model.submission.step) == ("submission",
                                                                          "identify")
    model.card_read(RESIDENT)
    flow = model.submission
    assert flow is not None and flow.step == Step.FORM
    assert flow.form.shown("name") == "张*"
    assert flow.form.shown("id_number") == "4403**********123X"
    assert set(flow.form.locked) == {"name", "id_number"}
    assert flow.form.active == "phone"  # the first field the citizen types
    fill(model)
    flow.form_done()
    assert hall.asked == [(RESIDENT.id_number, "C07")]
    flow.toggle_reuse("D-7f3a91")  # photograph the contract after all
    flow.reuse_done()
    photograph_all(model)
    flow.review_done()
    flow.set_consent(True)
    flow.submit()
    (sent,) = hall.submitted
    assert sent["fields"] == {**ANSWERS, "name": "张三", "id_number": RESIDENT.id_number,
                              "address": RESIDENT.address}
    assert (sent["id_number"], sent["name"]) == (RESIDENT.id_number, "张三")
    assert [(p.material_id, p.page) for p in sent["photos"]] == [
        ("purchase_contract", 1), ("bank_card", 1), ("marriage_certificate", 1)]
    assert sent["reuse"] == [] and sent["consent_version"] == CONSENT_VERSION
    assert flow.step == Step.RECEIPT and model.print_state == "printed"
    assert flow.photos.kept == [], "the kiosk keeps no copy once the hall has them"


@pytest.mark.parametrize(("key", "typed", "said"), [
    ("phone", "1380013", "手机号码应为 11 位手机号码或带区号的固定电话"),
    ("amount", "3000000", "提取金额（元）应在 1 至 2000000 之间"),
    ("amount", "12.345", "提取金额（元）应为数字（最多两位小数）"),
    ("contract_date", "20240230", "购房合同签订日期应为有效日期，如 2024-05-01"),
    ("contract_date", "20600101", "购房合同签订日期的年份不对"),  # the hall would refuse it
    ("address", "", "请填写房屋坐落"),
    ("reason", "", "请选择提取原因")])
def test_a_wrong_field_is_named_under_it_and_stops_the_form(key: str, typed: str,
                                                            said: str) -> None:
    model, _, _ = make()
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.activate(key)
    flow.clear_key()
    if typed:
        flow.type_key(typed)
    flow.form_done()
    assert flow.step == Step.FORM and flow.form.active == key
    assert flow.form.errors == {key: flow.form.errors[key]}
    assert flow.form.errors[key][0] == said


def test_leaving_a_field_checks_it_and_fixing_it_clears_the_sentence() -> None:
    model, _, _ = make()
    model.card_read(RESIDENT)
    model.start_submission("C07")
    flow = model.submission
    assert flow is not None
    flow.type_key("139")
    flow.field_done()
    assert flow.form.active == "reason" and "phone" in flow.form.errors
    flow.activate("phone")
    flow.type_key("00139000")
    assert "phone" not in flow.form.errors and flow.form.values["phone"] == "13900139000"


def test_dates_get_their_dashes_by_themselves() -> None:
    value = ""
    for digit in "202405019":
        value = typed_date(value, digit)
    assert value == "2024-05-01"


def test_a_document_given_before_is_reused_not_photographed() -> None:
    model, hall, _ = make()
    hall.documents = [*hall.documents,  # type: ignore[misc]
                      {"doc_id": "D-old", "material_id": "marriage_certificate",
                       "name_zh": "婚姻状况证明", "name_en": "Proof", "given_on": "2022-01-01",
                       "valid_until": "2023-01-01"},  # expired: not offered
                      {"doc_id": "D-other", "material_id": "business_licence",
                       "name_zh": "营业执照", "given_on": "2024-01-01", "valid_until": None}]
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    assert flow.step == Step.REUSE
    assert [d["doc_id"] for d in flow.offers] == ["D-7f3a91"] and flow.reuse == {"D-7f3a91"}
    flow.reuse_done()
    assert [s.material.id for s in flow.photos.shots] == ["bank_card", "marriage_certificate"]
    photograph_all(model)
    flow.review_done()
    flow.set_consent(True)
    flow.submit()
    sent = hall.submitted[0]
    assert sent["reuse"] == ["D-7f3a91"]
    assert {p.material_id for p in sent["photos"]} == {"bank_card", "marriage_certificate"}


def test_when_the_hall_cannot_say_the_citizen_just_photographs() -> None:
    model, hall, _ = make()
    hall.documents = HallApiError(503, "store_unavailable", "暂时无法查询", "Not now")
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    assert flow.step == Step.PHOTOS and len(flow.photos.shots) == 3


def test_the_reuse_step_waits_for_the_answer_still_on_its_way() -> None:
    later = Later()
    model, _, _ = make(run=later)
    model.hall_loaded({"name_zh": "福田区政务服务中心", "timezone": "Asia/Shanghai"})
    model.services_loaded(FakeSubmissionHall().services())  # type: ignore[arg-type]
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    assert flow.step == Step.REUSE and flow.reuse_state == "loading"
    flow.reuse_done()  # nothing to confirm yet
    assert flow.step == Step.REUSE
    later.run_all()
    assert flow.step == Step.REUSE and flow.offers


def test_submit_needs_the_consent_ticked() -> None:
    model, hall, _ = make()
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    flow.reuse_done()
    photograph_all(model)
    flow.review_done()
    assert flow.step == Step.CONSENT
    flow.submit()
    assert hall.submitted == [] and flow.step == Step.CONSENT
    flow.set_consent(True)
    flow.submit()
    assert len(hall.submitted) == 1


def test_a_refused_submission_keeps_everything_and_a_retry_is_the_same_submission() -> None:
    model, hall, _ = make()
    hall.submit_answers = [HallApiError(413, "bad_request", "照片总大小超过 60 MB",
                                        "The photos are larger than 60 MB in all")]
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    flow.reuse_done()
    photograph_all(model)
    flow.review_done()
    flow.set_consent(True)
    flow.submit()
    assert flow.step == Step.FAILED and flow.error == ("照片总大小超过 60 MB",
                                                       "The photos are larger than 60 MB in all")
    assert not model.busy and len(flow.photos.kept) == 2
    flow.submit()
    assert flow.step == Step.RECEIPT
    first, second = hall.submitted
    assert first["client_id"] == second["client_id"]


def test_a_receipt_printer_out_of_paper_leaves_the_code_on_screen() -> None:
    from devices.printer.errors import PrinterPaperOut
    model, _, _ = make()
    model.devices.printer = FakeTicketPrinter(PrinterPaperOut("refused before printing"))
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    flow.reuse_done()
    photograph_all(model)
    flow.review_done()
    flow.set_consent(True)
    flow.submit()
    assert flow.step == Step.RECEIPT and flow.receipt is not None
    assert model.print_state == "failed"
    assert flow.receipt["receipt_code"] == "K7P2QX9M4D"
    assert model.device_states.state("printer") == "paper_out"  # staff are told


@pytest.mark.parametrize("step", ["identify", "form", "reuse", "photos", "review", "consent",
                                  "failed", "receipt"])
def test_cancel_at_every_step_forgets_the_citizen(step: str) -> None:
    model, hall, _ = make()
    if step == "failed":
        hall.submit_answers = [HallApiError(503, "store_unavailable", "暂时无法提交",
                                            "Cannot submit now")]
    model.start_submission("C07")
    flow = model.submission
    assert flow is not None
    if step != "identify":
        model.card_read(RESIDENT)
        fill(model)
    for move in (flow.form_done, flow.reuse_done, lambda: photograph_all(model),
                 flow.review_done, lambda: (flow.set_consent(True), flow.submit())):
        if flow.step == step:
            break
        move()
    assert flow.step == step
    flow.cancel()
    assert (model.screen, model.submission, model.citizen) == ("attract", None, None)


def test_walking_away_clears_the_personal_data_from_screen_and_memory() -> None:
    model, _, clock = make(idle_timeout_s=60)
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    flow.reuse_done()
    flow.photos.taken(FakePhoto(1))  # type: ignore[arg-type]
    flow.keep_photo()
    assert model.devices.photographing
    clock.now += 59
    assert not model.check_idle()
    clock.now += 61
    assert model.check_idle()
    assert (model.screen, model.submission, model.citizen) == ("attract", None, None)
    assert not model.devices.photographing, "the QR scanner reads again"


def test_someone_elses_card_ends_the_submission_the_same_card_does_not() -> None:
    from dataclasses import replace
    model, _, _ = make()
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    model.card_read(RESIDENT)  # the same citizen's card put down again
    assert model.submission is not None and model.submission.form.values["phone"]
    other = replace(RESIDENT, name="李四", id_number="440304198001011234")
    model.card_read(other)
    assert model.submission is None and model.screen == "themes"
    assert model.citizen is not None and model.citizen.id_number == "440304198001011234"


TYPED_ID = "44030419900101123" + check_char("44030419900101123")


def type_pinyin(model: KioskModel, letters: str, character: str) -> None:
    """Type a syllable on the letter keys and touch ``character`` among those offered."""
    flow = model.submission
    assert flow is not None
    for letter in letters.upper():
        flow.type_key(letter)
    assert character in flow.form.offered(), (letters, flow.form.offered()[:20])
    flow.pick_character(character)


def by_appointment(model: KioskModel, id_number: str = TYPED_ID) -> None:
    """Scan the appointment code and type the card's fields (张三 and ``id_number``) and the
    others (the address on its word keys: there is no card to take it from)."""
    model.start_submission("C07")
    model.qr_scanned("hallq:appt:AP123")
    flow = model.submission
    assert flow is not None and flow.step == Step.FORM and flow.form.active == "name"
    type_pinyin(model, "zhang", "张")
    type_pinyin(model, "san", "三")
    flow.field_done()
    flow.clear_key()
    flow.type_key(id_number)
    flow.field_done()
    fill(model)
    flow.activate("address")
    for key in ("深圳市", "福田区", "1", "号"):
        flow.type_key(key)


def test_an_appointment_code_stands_in_for_the_card_its_fields_typed_and_masked() -> None:
    model, hall, _ = make()
    by_appointment(model)
    flow = model.submission
    assert flow is not None and not flow.form.locked
    assert flow.form.offered() == []
    assert flow.form.shown("name") == "张*", "masked once typed, as the card's"
    assert flow.form.shown("id_number") == TYPED_ID[:4] + "*" * 10 + TYPED_ID[-4:]
    flow.activate("name")
    assert flow.form.shown("name") == "张三", "in clear while typed"
    assert flow.form.shown("name", typing=False) == "张*", "as the review shows it"
    flow.form_done()
    assert hall.vouched == [(TYPED_ID, "C07", "AP123")], "the hall checks before any offer"
    assert flow.step == Step.REUSE and flow.offers
    flow.reuse_done()
    photograph_all(model)
    flow.review_done()
    flow.set_consent(True)
    flow.submit()
    (sent,) = hall.submitted
    assert sent["fields"]["name"] == "张三" and sent["fields"]["id_number"] == TYPED_ID
    assert (sent["id_number"], sent["name"], sent["appointment_id"]) == (None, None, "AP123")
    assert flow.step == Step.RECEIPT and model.print_state == "printed"


def test_a_typed_id_number_with_a_wrong_check_digit_is_said_at_the_field() -> None:
    model, hall, _ = make()
    wrong = TYPED_ID[:-1] + ("0" if TYPED_ID[-1] != "0" else "1")
    by_appointment(model, wrong)
    flow = model.submission
    assert flow is not None
    assert flow.form.errors["id_number"] == ("身份证号码无效：校验码不符",
                                             "ID number is not valid: the check digit does "
                                             "not match")
    flow.form_done()
    assert flow.step == Step.FORM and hall.vouched == [] and flow.form.active == "id_number"


def test_the_hall_refusing_the_appointment_is_said_at_the_id_number_and_offers_nothing(
        ) -> None:
    model, hall, _ = make()
    hall.holder_refusal = HallApiError(422, "appointment_mismatch",
                                       "身份证号码与预约人不符，请核对", "Not the booked ID")
    by_appointment(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    assert flow.step == Step.FORM and flow.offers == [] and hall.submitted == []
    assert flow.form.errors["id_number"] == ("身份证号码与预约人不符，请核对",
                                             "Not the booked ID")
    assert flow.form.active == "id_number"
    hall.holder_refusal = None   # the citizen corrects the number
    flow.form_done()
    assert flow.step == Step.REUSE and len(hall.vouched) == 2


def test_a_typed_id_number_of_someone_elderly_brings_large_type_once_vouched_for() -> None:
    model, _, _ = make()
    elder = "44030419500101123" + check_char("44030419500101123")
    by_appointment(model, elder)
    assert not model.elderly
    assert model.submission is not None
    model.submission.form_done()
    assert model.elderly and model.submission.step == Step.REUSE


def test_pinyin_offers_characters_erases_letters_first_and_keeps_latin_names() -> None:
    model, _, _ = make()
    model.start_submission("C07")
    model.qr_scanned("hallq:appt:AP123")
    flow = model.submission
    assert flow is not None
    for letter in "LV":
        flow.type_key(letter)
    assert flow.form.offered()[0] == "吕" and flow.form.offered()[-1] == "LV"
    flow.erase_key()
    assert flow.form.composing == "l" and flow.form.values["name"] == ""
    flow.clear_key()
    for letter in "SMITH":
        flow.type_key(letter)
    flow.pick_character(flow.form.offered()[-1])
    assert flow.form.values["name"] == "SMITH" and flow.form.composing == ""
    model.qr_scanned("hallq:appt:OTHER")   # codes are ignored past identify
    assert flow.appointment_id == "AP123"


def test_an_item_that_is_not_self_service_is_refused_with_a_sentence() -> None:
    model, _, _ = make()
    model.start_submission("A01")
    assert model.screen == "error" and model.submission is None
    assert model.error == ("本事项暂不支持自助申报，请取号到窗口办理",
                           "This service cannot be applied for here: please take a number")


def test_back_goes_one_page_at_a_time_and_loses_no_kept_photo() -> None:
    model, _, _ = make()
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    flow.reuse_done()
    photograph_all(model)
    assert flow.step == Step.REVIEW and len(flow.photos.kept) == 2
    flow.back()  # the last page shown again, to keep or take again
    assert flow.step == Step.PHOTOS and flow.photos.index == 1
    assert flow.photos.current is not None and flow.photos.current.jpeg == FakePhoto(2).jpeg
    flow.keep_photo()
    assert flow.step == Step.REVIEW and len(flow.photos.kept) == 2
    flow.back()
    flow.back()  # the first page
    assert flow.photos.index == 0 and flow.photos.current.jpeg == FakePhoto(1).jpeg
    flow.retake_photo()
    flow.back()
    assert flow.step == Step.REUSE and not model.devices.photographing
    flow.back()
    assert flow.step == Step.FORM and flow.form.values["phone"] == ANSWERS["phone"]
    flow.form_done()
    flow.reuse_done()
    assert flow.step == Step.PHOTOS and flow.photos.index == 0  # where the citizen left it


@pytest.mark.allow_log("the guide of C99 is malformed")
def test_a_malformed_guide_is_not_offered() -> None:
    from kiosk.submission import guide_from_body
    assert guide_from_body({"code": "C99", "guide": {"fields": [{"key": "x"}]}}) is None
    assert guide_from_body({"code": "C99"}) is None


def test_a_kept_photo_is_what_the_hall_client_sends() -> None:
    photo = KioskPhoto("bank_card", 1, b"\xff\xd8\xff")
    assert (photo.material_id, photo.page, photo.jpeg) == ("bank_card", 1, b"\xff\xd8\xff")


@pytest.mark.allow_log("camera")
def test_a_camera_that_fails_is_told_to_staff_a_blurred_shot_is_not() -> None:
    from devices.camera.errors import BlurredPhoto, CameraDisconnected

    class Camera:
        def __init__(self) -> None:
            self.errors: list[Exception] = [BlurredPhoto("sharpness 12 < 35"),
                                            CameraDisconnected("/dev/video2 stopped")]

        def read_fresh(self) -> Any:
            raise self.errors.pop(0)

    model, hall, _ = make(camera=Camera())
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    flow.reuse_done()
    flow.take_photo()
    assert flow.photos.refusal is not None and flow.photos.refusal[0].startswith("照片模糊")
    assert hall.statuses == []
    flow.take_photo()
    assert flow.photos.refusal == ("摄像头未连接", "The camera is not connected")
    assert [s[:2] for s in hall.statuses] == [("camera", "disconnected")]


def test_documents_in_a_body_with_the_unavailable_flag_are_read_too() -> None:
    model, hall, _ = make()
    hall.documents = {"documents": [], "unavailable": True}  # type: ignore[assignment]
    model.card_read(RESIDENT)
    model.start_submission("C07")
    fill(model)
    flow = model.submission
    assert flow is not None
    flow.form_done()
    assert flow.step == Step.PHOTOS and flow.offers == []


def test_an_elderly_card_holder_gets_large_type_at_the_identify_step() -> None:
    from dataclasses import replace
    from datetime import date
    model, _, _ = make()
    model.start_submission("C07")
    assert not model.elderly
    model.card_read(replace(RESIDENT, birth_date=date(1950, 1, 1)))
    assert model.elderly and model.submission is not None
