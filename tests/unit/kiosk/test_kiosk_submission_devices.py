"""A submission's devices for real: the simulated document camera's video (a blurred shot then
a sharp one of each page, through cv2.VideoCapture) found, straightened and checked by OpenCV,
and the receipt printed over TCP on the simulated ESC/POS printer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from devices.camera.simulator import SimulatedCamera, open_sim_url
from devices.idcard.samples import RESIDENT
from devices.printer.drivers import open_url
from devices.printer.simulator import EscposPrinterSimulator
from kiosk.devices import KioskDevices
from kiosk.submission import Step
from kiosk.submission_screens import FILLED, sample_receipt
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.clocks import TUESDAY_10AM, SecondsClock
from tests.helpers.fake_halls import FakeSubmissionHall
from ui.samples import sample_hall


@pytest.fixture
def printer_sim(tmp_path: Path) -> Iterator[EscposPrinterSimulator]:
    with EscposPrinterSimulator(tmp_path / "paper") as simulator:
        yield simulator


@pytest.fixture
def document_camera() -> Iterator[SimulatedCamera]:
    camera = open_sim_url("sim://camera?document=2&size=1280x720")
    yield camera
    camera.close()


def kiosk(printer_sim: EscposPrinterSimulator, camera: Any) -> tuple[KioskModel,
                                                                     FakeSubmissionHall]:
    hall = FakeSubmissionHall()
    hall.documents = []
    printer = open_url(f"{printer_sim.url}?timeout=2")
    devices = KioskDevices(printer=printer, document_camera=camera)
    model = KioskModel(hall, devices, KioskSettings(name="kiosk-1"),  # type: ignore[arg-type]
                       clock=SecondsClock(), wall=TUESDAY_10AM.timestamp)
    model.start()
    model.hall_loaded(sample_hall())
    model.card_read(RESIDENT)
    model.start_submission("C07")
    flow = model.submission
    assert flow is not None
    for key, value in FILLED.items():
        flow.form.activate(key)
        flow.form.set_value(value)
    flow.form_done()
    return model, hall


def decoded(jpeg: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image


def test_a_blurred_shot_is_refused_with_its_reason_and_the_sharp_one_kept(
        printer_sim: EscposPrinterSimulator, document_camera: SimulatedCamera) -> None:
    model, hall = kiosk(printer_sim, document_camera)
    flow = model.submission
    assert flow is not None and flow.step == Step.PHOTOS
    # the item wants three pages; the sample video shows two, blurred then sharp, again
    for _ in range(3):
        flow.take_photo()
        assert flow.photos.current is None and flow.photos.refusal == (
            "照片模糊，请将材料放平并保持不动后重拍",
            "The photo is blurred: keep the page flat and still, then retake")
        flow.take_photo()
        assert flow.photos.refusal is None and flow.photos.current is not None
        page = decoded(flow.photos.current.jpeg)
        assert abs(page.shape[0] / page.shape[1] - 297 / 210) < 0.02, "straightened, upright"
        assert page[int(page.shape[0] * 0.09), page.shape[1] // 2] < 110, "title band on top"
        flow.keep_photo()
    assert flow.step == Step.REVIEW and not model.busy
    flow.review_done()
    flow.set_consent(True)
    flow.submit()
    photos = hall.submitted[0]["photos"]
    assert [(p.material_id, p.page) for p in photos] == [
        ("purchase_contract", 1), ("bank_card", 1), ("marriage_certificate", 1)]
    assert all(p.jpeg[:3] == b"\xff\xd8\xff" and len(p.jpeg) < 500_000 for p in photos)


def test_the_receipt_is_printed_on_the_escpos_printer_over_tcp(
        printer_sim: EscposPrinterSimulator, document_camera: SimulatedCamera) -> None:
    model, hall = kiosk(printer_sim, document_camera)
    hall.submit_answers = [sample_receipt(queued=True)]
    flow = model.submission
    assert flow is not None
    while flow.step == Step.PHOTOS:
        flow.take_photo()
        if flow.photos.current is not None:
            flow.keep_photo()
    flow.review_done()
    flow.set_consent(True)
    flow.submit()
    (paper,) = printer_sim.wait_tickets(1)
    assert model.print_state == "printed"
    assert "K7P2QX9M4D" in paper.lines and "住房公积金提取" in paper.lines
    assert "· 购房合同（复用已有材料）" in paper.lines
    assert "提交时间 2026-12-07 10:42" in paper.lines  # the hall's zone (+08:00)
    assert "材料将在网络恢复后自动上传" in paper.lines
    assert paper.qr_payloads == ("https://zw.futian.example.cn/p/K7P2QX9M4D",)
    assert RESIDENT.id_number not in paper.text and "张三" not in paper.text
    model.devices.printer.close()


def test_a_single_camera_reads_no_qr_codes_while_it_photographs() -> None:
    class Scanner:
        camera = None

        def poll(self, timeout: float) -> list[str]:
            return ["hallq:appt:AP123"]

    devices = KioskDevices(camera=Scanner())
    assert devices.scan_qr() == "hallq:appt:AP123"
    devices.photographing = True
    assert devices.scan_qr() is None
    devices.document_camera = object()  # a document camera of its own: the scanner goes on
    assert devices.scan_qr() == "hallq:appt:AP123"
