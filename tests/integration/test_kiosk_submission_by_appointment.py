"""A citizen who booked with their ID number and brings only the appointment's QR code hands
in a self-service item whose form takes the name and ID number from the card (C07), with a real
hall node over HTTP: the kiosk's model with the real hall client, the simulated document camera
and the ESC/POS printer simulator. The name is typed by pinyin and the ID number on digit keys;
a wrong ID number is refused by the node (at the kiosk's ID field, and at submit) with nothing
kept; the right one submits, the outbox holds the keyed hash and the masked number as with the
card, and the appointment is used up."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from devices.camera.simulator import open_sim_url
from devices.printer.drivers import open_url
from devices.printer.simulator import EscposPrinterSimulator
from hall.client import HallApiError, HallClient
from hall.idnumber import check_char, keyed_hash
from hall.submission_outbox import SubmissionOutbox
from kiosk.devices import KioskDevices
from kiosk.submission import Step, SubmissionFlow
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.hall_servers import Hall
from tests.helpers.submissions import CITIZEN, FIELDS, NAME, submit

#: Another real ID number (its check digit right), not the one the appointment was booked with.
OTHER = "44030419850505123" + check_char("44030419850505123")
APPOINTMENT = "AP-QR-1"


@pytest.fixture
def booked(hall: Hall) -> Hall:
    """The hall with an appointment for C07 today, booked real-name with :data:`CITIZEN`."""
    now = time.time()
    hall.client("admin").save_appointment(APPOINTMENT, "C07", now, now + 1800,
                                          keyed_hash(CITIZEN, hall.server.node.id_key))
    return hall


@pytest.fixture
def kiosk(booked: Hall, tmp_path) -> Iterator[KioskModel]:
    paper = EscposPrinterSimulator(tmp_path / "paper").__enter__()
    devices = KioskDevices(printer=open_url(f"{paper.url}?timeout=2"),
                           document_camera=open_sim_url("sim://camera?document=3&size=1280x720"))
    model = KioskModel(HallClient(booked.url, booked.tokens["kiosk"]), devices,
                       KioskSettings(name="kiosk-qr"))
    model.start()
    model.paper = paper  # type: ignore[attr-defined]
    try:
        yield model
    finally:
        devices.close()
        assert model.client is not None
        model.client.close()
        paper.__exit__(None, None, None)


def typed_form(model: KioskModel, id_number: str) -> SubmissionFlow:
    """The appointment code scanned; 张晓明 typed by pinyin, ``id_number`` on the digit keys,
    the other answers; 下一步."""
    model.start_submission("C07")
    flow = model.submission
    assert flow is not None
    model.qr_scanned(f"hallq:appt:{APPOINTMENT}")
    assert flow.step == Step.FORM and flow.form.active == "name"
    for letters, character in (("zhang", "张"), ("xiao", "晓"), ("ming", "明")):
        for letter in letters.upper():
            flow.type_key(letter)
        flow.pick_character(character)
    flow.field_done()
    assert flow.form.active == "id_number"
    for digit in id_number:
        flow.type_key(digit)
    flow.field_done()
    for key, value in FIELDS.items():
        flow.activate(key)
        flow.form.set_value(value)
    assert flow.form.shown("name") == "张**" and flow.form.shown("id_number") == \
        id_number[:4] + "*" * 10 + id_number[-4:]
    flow.form_done()
    return flow


def kept_nothing(hall: Hall) -> None:
    assert SubmissionOutbox(hall.server.node.data_dir).pending() == []


def test_the_appointment_qr_and_the_typed_id_hand_in_a_form_that_takes_the_card(
        booked: Hall, kiosk: KioskModel, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    flow = typed_form(kiosk, OTHER)
    assert flow.step == Step.FORM, "the node checked the typed ID before anything else"
    assert flow.form.errors["id_number"][0] == "身份证号码与预约人不符，请核对"
    kept_nothing(booked)
    flow.clear_key()
    for digit in CITIZEN:
        flow.type_key(digit)
    flow.form_done()
    assert flow.step == Step.PHOTOS, flow.form.errors
    while flow.step == Step.PHOTOS:
        flow.take_photo()
        if flow.photos.current is None:      # the blurred frame: taken again
            flow.take_photo()
        flow.keep_photo()
    flow.review_done()
    flow.set_consent(True)
    flow.submit()
    assert flow.step == Step.RECEIPT, flow.error
    assert flow.receipt is not None
    (paper,) = kiosk.paper.wait_tickets(1)  # type: ignore[attr-defined]
    assert flow.receipt["receipt_code"] in paper.lines and CITIZEN not in paper.text
    [folder] = SubmissionOutbox(booked.server.node.data_dir).pending()
    meta = SubmissionOutbox(booked.server.node.data_dir).meta(folder)
    assert meta["id_hash"] == keyed_hash(CITIZEN, booked.server.node.id_key)
    assert meta["fields"]["id_number"] == "4403**********" + CITIZEN[-4:]
    assert meta["fields"]["name"] == NAME
    again = HallClient(booked.url, booked.tokens["kiosk"])
    try:
        with pytest.raises(HallApiError) as used:
            submit(again, "k-qr-again", id_number=None, name=None, appointment_id=APPOINTMENT,
                   fields={**FIELDS, "name": NAME, "id_number": CITIZEN})
    finally:
        again.close()
    assert used.value.code == "appointment_used"
    assert len(SubmissionOutbox(booked.server.node.data_dir).pending()) == 1
    assert CITIZEN not in caplog.text and NAME not in caplog.text


@pytest.mark.parametrize(("id_number", "appointment", "code"), [
    (OTHER, APPOINTMENT, "appointment_mismatch"),
    (CITIZEN, "AP-UNKNOWN", "unknown_appointment"),
    (CITIZEN, "AP-TOMORROW", "appointment_not_today"),
    (CITIZEN, "AP-ANONYMOUS", "appointment_anonymous"),
    (CITIZEN, None, "invalid_field")])
def test_a_typed_id_the_appointment_does_not_vouch_for_is_refused_with_nothing_kept(
        booked: Hall, id_number: str, appointment: str | None, code: str) -> None:
    admin, now = booked.client("admin"), time.time()
    admin.save_appointment("AP-TOMORROW", "C07", now + 86400, now + 88200,
                           keyed_hash(CITIZEN, booked.server.node.id_key))
    admin.save_appointment("AP-ANONYMOUS", "C07", now, now + 1800)
    with pytest.raises(HallApiError) as refused:
        submit(booked.client("kiosk"), "k-qr-wrong", id_number=None, name=None,
               appointment_id=appointment, fields={**FIELDS, "name": NAME,
                                                   "id_number": id_number})
    assert refused.value.code == code
    assert refused.value.message_zh and refused.value.message_en
    assert id_number not in refused.value.message_zh + refused.value.message_en
    kept_nothing(booked)
    kiosk = booked.client("kiosk")
    receipt = submit(kiosk, "k-qr-right", id_number=None, name=None,
                     appointment_id=APPOINTMENT, fields={**FIELDS, "name": NAME,
                                                         "id_number": CITIZEN})
    assert receipt["receipt_code"], "the refusal did not use the appointment up"


def test_five_wrong_id_numbers_and_the_appointment_vouches_for_nobody_today(
        booked: Hall) -> None:
    """A QR code found or stolen cannot be used to guess the ID number that opens the
    holder's documents: after five wrong numbers even the right one is refused, nothing kept."""
    kiosk = booked.client("kiosk")
    for attempt in range(5):
        wrong = f"44030419850505{200 + attempt:03d}"
        wrong += check_char(wrong)
        with pytest.raises(HallApiError) as refused:
            submit(kiosk, f"k-guess-{attempt}", id_number=None, name=None,
                   appointment_id=APPOINTMENT, fields={**FIELDS, "name": NAME,
                                                       "id_number": wrong})
        assert refused.value.code == "appointment_mismatch"
    with pytest.raises(HallApiError) as locked:
        submit(kiosk, "k-guess-right", id_number=None, name=None, appointment_id=APPOINTMENT,
               fields={**FIELDS, "name": NAME, "id_number": CITIZEN})
    assert locked.value.code == "too_many_attempts"
    assert "请刷身份证" in locked.value.message_zh and "ID card" in locked.value.message_en
    kept_nothing(booked)
