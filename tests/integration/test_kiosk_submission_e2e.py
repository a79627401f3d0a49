"""The kiosk's self-service submission end to end (issue #22), every part real: the kiosk's
model with the real hall client, the simulated ID-card reader, the simulated document camera
(a video: each page blurred, then sharp) and the ESC/POS printer simulator over TCP; a hall
node on loopback, the sync agent, and central as its own process over PostgreSQL.

A C07 submission photographed at the kiosk arrives at central with every SHA-256 of the JPEGs
the kiosk sent; with central down the receipt says it will be sent later and the agent sends it
once central is back; a document given before is offered at the kiosk by name and date and
linked at central, not photographed; the back office's statuses show at the kiosk's progress
lookup and on the phone's pages (central's and the node's). The first path is also walked in
the kiosk's window (offscreen Qt) by touch."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from devices.camera.simulator import open_sim_url
from devices.idcard.samples import RESIDENT
from devices.printer.drivers import open_url
from devices.printer.simulator import EscposPrinterSimulator, PrintedTicket
from devices.registry import open_device
from hall.client import HallClient
from hall.submission_outbox import SubmissionOutbox
from kiosk.app import KioskWindow
from kiosk.devices import KioskDevices
from kiosk.submission import Step, SubmissionFlow
from kiosk.submission_screens import FILLED
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.central import hall_activity
from tests.helpers.submission_stack import Path3, at_central, central_reachable, wait_for
from ui.bridge import EventBridge

pytestmark = [pytest.mark.slow, pytest.mark.allow_log("Cannot reach the central platform")]

HALL_ZONE = ZoneInfo("Asia/Shanghai")
#: What must never reach a log: the card holder's name, ID number, phone and address.
PERSONAL = (RESIDENT.name, RESIDENT.id_number, FILLED["phone"], "样例路")
BLURRED = ("照片模糊，请将材料放平并保持不动后重拍",
           "The photo is blurred: keep the page flat and still, then retake")


@dataclass
class Kiosk:
    """The kiosk's model on the hall node, with its simulated devices."""

    model: KioskModel
    paper: EscposPrinterSimulator

    def swipe(self) -> None:
        """The citizen's ID card on the simulated reader, read as the kiosk reads it."""
        reader = self.model.devices.id_reader
        reader.simulator.insert(RESIDENT)
        card = wait_for(self.model.devices.read_card, timeout=5)
        self.model.card_read(card)
        assert self.model.citizen is not None

    @property
    def flow(self) -> SubmissionFlow:
        assert self.model.submission is not None
        return self.model.submission

    def fill_form(self, **changes: str) -> None:
        """The form's fields typed in (those of the card already filled); ``changes`` replace
        the sample answers."""
        self.model.start_submission("C07")
        flow = self.flow
        assert flow.step == Step.FORM
        for key, value in {**FILLED, **changes}.items():
            flow.activate(key)
            flow.form.set_value(value)
        flow.form_done()
        assert flow.step != Step.FORM, flow.form.errors

    def photograph(self) -> dict[str, bytes]:
        """Each page shot: the blurred frame refused with its reason, the sharp one kept; the
        JPEGs the kiosk will send, by the name central files them under."""
        flow = self.flow
        while flow.step == Step.PHOTOS:
            flow.take_photo()
            assert flow.photos.current is None and flow.photos.refusal == BLURRED
            flow.take_photo()
            assert flow.photos.refusal is None and flow.photos.current is not None
            flow.keep_photo()
        assert flow.step == Step.REVIEW
        return {f"{p.material_id}-{p.page}.jpg": p.jpeg for p in flow.photos.kept}

    def submit(self) -> tuple[dict[str, Any], PrintedTicket]:
        """Review, consent, submit: the hall's receipt and the paper printed."""
        flow = self.flow
        flow.review_done()
        assert flow.step == Step.CONSENT
        flow.set_consent(True)
        flow.submit()
        assert flow.step == Step.RECEIPT, flow.error
        assert flow.receipt is not None
        (paper,) = self.paper.wait_tickets(1)
        assert self.model.print_state == "printed"
        self.paper.tickets.clear()
        return dict(flow.receipt), paper

    def look_up(self, code: str) -> dict[str, Any]:
        """进度查询: the code typed on the touch keyboard, the hall's answer."""
        self.model.open_progress()
        for key in code:
            self.model.progress_key(key)
        self.model.look_up_progress()
        assert self.model.progress.error is None, self.model.progress.error
        assert self.model.progress.answer is not None
        return dict(self.model.progress.answer)

    def wait_status(self, code: str, status: str) -> dict[str, Any]:
        """Look ``code`` up at the kiosk until the hall says ``status``; its answer."""
        answers: list[dict[str, Any]] = []

        def arrived() -> bool:
            answers.append(self.look_up(code))
            return answers[-1]["status"] == status

        wait_for(arrived)
        return answers[-1]


@pytest.fixture
def kiosk(path3: Path3) -> Iterator[Kiosk]:  # noqa: F811
    token = path3.hall.server.node.store.pair("kiosk", "kiosk-e2e")
    paper = EscposPrinterSimulator(path3.tmp / "paper").__enter__()
    devices = KioskDevices(id_reader=open_device("sim://idcard?card=none"),
                           printer=open_url(f"{paper.url}?timeout=2"),
                           document_camera=open_sim_url("sim://camera?document=3&size=1280x720"))
    model = KioskModel(HallClient(path3.hall.url, token), devices,
                       KioskSettings(name="kiosk-e2e"))
    model.start()
    try:
        yield Kiosk(model, paper)
    finally:
        devices.close()
        assert model.client is not None
        model.client.close()
        paper.__exit__(None, None, None)


def receipt_says(paper: PrintedTicket, code: str) -> None:
    """The receipt's code, item, materials and progress QR, and no one's name or ID."""
    assert code in paper.lines and "住房公积金提取" in paper.lines
    assert len(paper.qr_payloads) == 1 and paper.qr_payloads[0].endswith(code)
    assert RESIDENT.id_number not in paper.text and RESIDENT.name not in paper.text


def held_verified(path3: Path3, code: str, sent: dict[str, bytes]) -> dict:  # noqa: F811
    """Central's copy, every file complete with the SHA-256 and size of what was sent."""
    held = at_central(path3, code)
    assert {f["name"]: (f["sha256"], f["size"], f["complete"]) for f in held["files"]} == {
        name: (hashlib.sha256(data).hexdigest(), len(data), True)
        for name, data in sent.items()}
    return held


def test_three_pages_photographed_at_the_kiosk_reach_central_verified(
        path3: Path3, kiosk: Kiosk, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    caplog.set_level(logging.DEBUG)
    agent = path3.agent()
    try:
        hall_activity(path3.driver, 1)
        wait_for(lambda: central_reachable(path3))
        kiosk.swipe()
        kiosk.fill_form()
        assert not kiosk.flow.reuse_unavailable and kiosk.flow.offers == []
        sent = kiosk.photograph()
        assert sorted(sent) == ["bank_card-1.jpg", "marriage_certificate-1.jpg",
                                "purchase_contract-1.jpg"]
        receipt, paper = kiosk.submit()
        code = receipt["receipt_code"]
        assert receipt["queued"] is False
        receipt_says(paper, code)
        assert "材料将在网络恢复后自动上传" not in paper.lines
        assert paper.lines[0] == kiosk.model.hall["name_zh"]
        assert "· 购房合同 1 页 / Home purchase contract, 1 p." in paper.lines
        taken = datetime.fromisoformat(receipt["submitted_at"]).astimezone(HALL_ZONE)
        assert f"提交时间 {taken:%Y-%m-%d %H:%M}" in paper.lines   # the hall's time zone
        wait_for(lambda: not SubmissionOutbox(path3.hall.data_dir).pending())
        held = held_verified(path3, code, sent)
        assert held["status"] == "received"
        assert held["fields"]["id_number"] == "4403**********" + RESIDENT.id_number[-4:]
    finally:
        agent.close()
    logged = caplog.text + (path3.tmp / "central.log").read_text(encoding="utf-8")
    assert not [secret for secret in PERSONAL if secret in logged]


def test_central_down_the_receipt_says_later_and_the_agent_sends_it(
        path3: Path3, kiosk: Kiosk) -> None:  # noqa: F811
    agent = path3.agent()
    try:
        hall_activity(path3.driver, 1)
        wait_for(lambda: central_reachable(path3))
        path3.central.kill()
        hall_activity(path3.driver, 1)
        wait_for(lambda: not central_reachable(path3))
        kiosk.swipe()
        kiosk.fill_form()
        # documents given before cannot be looked up: the photo step says why it asks for all
        assert kiosk.flow.step == Step.PHOTOS and kiosk.flow.reuse_unavailable
        sent = kiosk.photograph()
        receipt, paper = kiosk.submit()
        code = receipt["receipt_code"]
        assert receipt["queued"] is True
        receipt_says(paper, code)
        assert "材料将在网络恢复后自动上传" in paper.lines
        waiting = kiosk.look_up(code)
        assert (waiting["status"], waiting["status_zh"]) == ("uploading", "上传中")
        time.sleep(0.5)
        assert len(SubmissionOutbox(path3.hall.data_dir).pending()) == 1
        path3.central.start()
        wait_for(lambda: not SubmissionOutbox(path3.hall.data_dir).pending(), timeout=30)
        assert held_verified(path3, code, sent)["status"] == "received"
        assert kiosk.wait_status(code, "received")["status_zh"] == "已接收"
    finally:
        agent.close()


def test_a_document_given_before_is_offered_at_the_kiosk_and_linked_at_central(
        path3: Path3, kiosk: Kiosk, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    agent = path3.agent()
    try:
        kiosk.swipe()
        kiosk.fill_form()
        first_sent = kiosk.photograph()
        first_receipt = kiosk.submit()[0]
        first = first_receipt["receipt_code"]
        kiosk.wait_status(first, "received")
        path3.office_cli(capsys, "accept", first)
        # the day it was given, in the hall's time zone (as its receipt printed it)
        given_on = datetime.fromisoformat(first_receipt["submitted_at"]).astimezone(
            HALL_ZONE).date().isoformat()
        kiosk.model.reset()
        # the same card again: offered by name and date, all ticked
        kiosk.swipe()
        kiosk.fill_form()
        flow = kiosk.flow
        assert flow.step == Step.REUSE
        assert sorted((d["material_id"], d["name_zh"], d["given_on"]) for d in flow.offers) == [
            ("marriage_certificate", "婚姻状况证明", given_on),
            ("purchase_contract", "购房合同", given_on)]
        assert not any("jpeg" in str(d).lower() for d in flow.offers)
        flow.reuse_done()
        sent = kiosk.photograph()
        assert sorted(sent) == ["bank_card-1.jpg"]         # only what is not reused
        receipt, paper = kiosk.submit()
        assert [(m["id"], m["reused"]) for m in receipt["materials"]] == [
            ("purchase_contract", True), ("bank_card", False), ("marriage_certificate", True)]
        assert "· 购房合同（复用已有材料）" in paper.lines
        code = receipt["receipt_code"]
        kiosk.wait_status(code, "received")
        held = held_verified(path3, code, sent)
        assert sorted((r["material_id"], r["linked"]) for r in held["reused"]) == [
            ("marriage_certificate", True), ("purchase_contract", True)]
        saved = path3.tmp / "second"
        path3.office_cli(capsys, "show", code, "--save-photos", str(saved))
        assert (saved / "reused-purchase_contract-1.jpg").read_bytes() == \
            first_sent["purchase_contract-1.jpg"]
    finally:
        agent.close()


def test_the_back_offices_statuses_show_at_the_kiosk_and_on_the_phone(
        path3: Path3, kiosk: Kiosk, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    agent = path3.agent()
    try:
        codes, papers = [], []
        for phone in ("13800138000", "0755-83212345"):   # a landline the kiosk accepts too
            kiosk.model.reset()
            kiosk.swipe()
            kiosk.fill_form(phone=phone)
            kiosk.photograph()
            receipt, paper = kiosk.submit()
            codes.append(receipt["receipt_code"])
            papers.append(paper)
        done, rejected = codes
        # the receipt's QR: the node's page on the LAN, and the kiosk's camera reads it back
        (link,) = papers[0].qr_payloads
        assert urlsplit(link).path == f"/s/{done}"
        kiosk.model.reset()
        assert kiosk.model.receipt_scanned(link)
        assert kiosk.model.progress.answer is not None
        assert kiosk.model.progress.answer["receipt_code"] == done
        updated = kiosk.model.progress_updated_at()
        assert updated is not None and updated.utcoffset() == timedelta(hours=8)  # the hall's
        for code in codes:
            kiosk.wait_status(code, "received")
        for action, status, zh in (("accept", "accepted", "已受理"),
                                   ("progress", "in_progress", "办理中"),
                                   ("done", "done", "已办结")):
            path3.office_cli(capsys, action, done)
            assert kiosk.wait_status(done, status)["status_zh"] == zh
            for url in (f"{path3.central.url}/progress/{done}", f"{path3.hall.url}/s/{done}"):
                page = httpx.get(url)
                assert page.status_code == 200 and zh in page.text, url
                assert RESIDENT.name not in page.text and RESIDENT.id_number not in page.text
        path3.office_cli(capsys, "reject", rejected, "--reason", "购房合同照片不清晰",
                         "--reason-en", "The contract photo is unclear")
        answer = kiosk.wait_status(rejected, "rejected")
        assert answer["status_zh"] == "不予受理" and answer["reason_zh"] == "购房合同照片不清晰"
        for url in (f"{path3.central.url}/progress/{rejected}",
                    f"{path3.hall.url}/s/{rejected}"):
            page = httpx.get(url)
            assert "不予受理" in page.text and "购房合同照片不清晰" in page.text, url
    finally:
        agent.close()


def test_the_kiosk_window_by_touch_from_the_card_to_the_printed_receipt(
        qtbot, path3: Path3) -> None:  # noqa: F811
    """The same path in the kiosk's window (offscreen Qt, its own worker threads and card
    poller): the card swiped, 自助申报 touched on the guide, the pages photographed and kept by
    touch, consent, submit; the receipt code on screen is the one printed and held at central."""
    token = path3.hall.server.node.store.pair("kiosk", "kiosk-window")
    paper = EscposPrinterSimulator(path3.tmp / "window-paper").__enter__()
    devices = KioskDevices(id_reader=open_device("sim://idcard?card=none"),
                           printer=open_url(f"{paper.url}?timeout=2"),
                           document_camera=open_sim_url("sim://camera?document=3&size=1280x720"))
    client = HallClient(path3.hall.url, token)
    bridge = EventBridge(path3.hall.url, token)
    window = KioskWindow(client, bridge, devices, settings=KioskSettings(name="kiosk-window"))
    window._owned = [bridge.stop, devices.close, client.close]
    bridge.start()
    qtbot.addWidget(window)
    window.show()
    agent = path3.agent()
    model = window.model

    def touch(name: str) -> None:
        """Touch the button ``name`` once the screen shows the model's latest state."""
        qtbot.waitUntil(lambda: not window.view._render_pending and any(
            w.isEnabled() for w in visible(window, name)), timeout=10000)
        qtbot.mouseClick(visible(window, name)[0], Qt.MouseButton.LeftButton)

    try:
        qtbot.waitUntil(lambda: bool(model.services), timeout=5000)
        devices.id_reader.simulator.insert(RESIDENT)
        qtbot.waitUntil(lambda: model.citizen is not None, timeout=5000)
        model.open_guide()
        model.guide_theme("C")
        model.open_guide_item("C07")
        touch("apply_here")
        flow = model.submission
        assert flow is not None and flow.step == Step.FORM
        for key, value in FILLED.items():
            flow.activate(key)
            flow.form.set_value(value)
        touch("form_done")
        for _ in range(3):
            touch("take_photo")                  # the blurred frame: refused, with its reason
            qtbot.waitUntil(lambda: flow.photos.refusal is not None, timeout=10000)
            assert flow.photos.refusal == BLURRED
            qtbot.waitUntil(lambda: any(BLURRED[0] in getattr(w, "text", str)() for w in
                                        visible(window, "refusal")), timeout=5000)
            touch("take_photo")                  # again: the sharp one
            touch("keep_photo")
        touch("review_done")
        touch("consent")
        touch("submit")
        qtbot.waitUntil(lambda: flow.step == Step.RECEIPT, timeout=15000)
        (printed,) = paper.wait_tickets(1)
        code = visible(window, "receipt_code")[0].text()  # type: ignore[attr-defined]
        assert code in printed.lines and printed.qr_payloads[0].endswith(code)
        wait_for(lambda: not SubmissionOutbox(path3.hall.data_dir).pending())
        held = at_central(path3, code)
        assert len(held["files"]) == 3 and all(f["complete"] for f in held["files"])
    finally:
        agent.close()
        path3.driver.device_status("test", "done")  # the event stream ends at its next event
        window.shutdown()
        paper.__exit__(None, None, None)


def visible(window: KioskWindow, name: str) -> list[QWidget]:
    """The visible widgets of the window called ``name``."""
    return [w for w in window.findChildren(QWidget, name) if w.isVisible()]
