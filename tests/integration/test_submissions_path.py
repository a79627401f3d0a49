"""The path behind the kiosk (issue #22), every part real: a hall node over HTTP, the sync
agent, central as its own process over PostgreSQL, and the back office's command line.

A submission with three photos arrives at central with every SHA-256 verified; the back
office takes it through every status and the node's progress route (and central's phone page)
shows each; with central down it waits encrypted and goes once central is back; a document
given before is offered by name and date and reused; nothing personal reaches a log. Accepted
in the back office's web page (Chromium), the hall node's progress page says 已受理."""

from __future__ import annotations

import hashlib
import logging
import time

import httpx
import pytest

from central import office_staff
from central.db import open_database
from hall.submission_outbox import SubmissionOutbox
from tests.helpers.browser import Page
from tests.helpers.central import (
    hall_activity,
)
from tests.helpers.submission_stack import Path3, at_central, central_reachable, wait_for
from tests.helpers.submissions import CITIZEN, SECRETS, submit, three_photos

pytestmark = [pytest.mark.slow, pytest.mark.allow_log("Cannot reach the central platform")]


def test_three_photos_reach_central_verified_and_the_back_office_moves_them_on(
        path3: Path3, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    agent = path3.agent()
    try:
        hall_activity(path3.driver, 1)           # some events: the agent reports on central
        wait_for(lambda: central_reachable(path3))
        receipt = submit(path3.kiosk, "k1-0001")
        code = receipt["receipt_code"]
        assert receipt["queued"] is False
        wait_for(lambda: not SubmissionOutbox(path3.hall.data_dir).pending())
        held = at_central(path3, code)
        sent = {f"{p.material_id}-{p.page}.jpg": p.jpeg for p in three_photos()}
        assert held["status"] == "received" and held["receipt"] == code
        assert {f["name"]: (f["sha256"], f["size"], f["complete"]) for f in held["files"]} == {
            name: (hashlib.sha256(data).hexdigest(), len(data), True)
            for name, data in sent.items()}
        assert held["fields"]["id_number"] == "4403**********" + CITIZEN[-4:]
        assert path3.kiosk.submission_progress(code)["status"] == "received"
        # the back office: list, show (fields, SHA-256, sizes), save the photos, move it on
        listing = path3.office_cli(capsys, "list", "--status", "received")
        assert code in listing and "住房公积金提取" in listing and "张晓明" not in listing
        photos_dir = path3.tmp / "photos"
        shown = path3.office_cli(capsys, "show", code, "--save-photos", str(photos_dir))
        assert "4403**********" + CITIZEN[-4:] in shown and CITIZEN not in shown
        for name, data in sent.items():
            assert hashlib.sha256(data).hexdigest() in shown and f"{len(data)} bytes" in shown
            assert (photos_dir / name).read_bytes() == data
        for action, status, zh in (("accept", "accepted", "已受理"),
                                   ("progress", "in_progress", "办理中"),
                                   ("done", "done", "已办结")):
            assert f"{zh} ({status})" in path3.office_cli(capsys, action, code)
            seen = wait_for(lambda s=status: (p := path3.kiosk.submission_progress(code))[
                "status"] == s and p)
            assert seen["status_zh"] == zh  # type: ignore[index]
            page = httpx.get(f"{path3.central.url}/progress/{code}")
            assert page.status_code == 200 and zh in page.text
        # another one rejected, with the reason, shown at the kiosk and on the phone
        other = submit(path3.kiosk, "k1-0002")["receipt_code"]
        wait_for(lambda: path3.kiosk.submission_progress(other)["status"] == "received")
        path3.office_cli(capsys, "reject", other, "--reason", "购房合同照片不清晰",
                         "--reason-en", "The contract photo is unclear")
        rejected = wait_for(lambda: (p := path3.kiosk.submission_progress(other))[
            "status"] == "rejected" and p)
        assert rejected["reason_zh"] == "购房合同照片不清晰"  # type: ignore[index]
        public = httpx.get(f"{path3.central.url}/api/v1/public/submissions/{other}").json()
        assert public["status_zh"] == "不予受理" and public["reason_en"].startswith("The contract")
        assert not any(secret in str(public) for secret in SECRETS)
    finally:
        agent.close()
    logged = caplog.text + (path3.tmp / "central.log").read_text(encoding="utf-8")
    assert not [secret for secret in SECRETS if secret in logged]


def test_central_down_the_submission_waits_encrypted_then_goes(path3: Path3) -> None:
    agent = path3.agent()
    try:
        hall_activity(path3.driver, 1)
        wait_for(lambda: central_reachable(path3))
        path3.central.kill()                             # the link is cut
        hall_activity(path3.driver, 1)                    # the agent finds out pushing
        wait_for(lambda: not central_reachable(path3))
        receipt = submit(path3.kiosk, "k1-0003")
        assert receipt["queued"] is True
        time.sleep(1.0)
        outbox = SubmissionOutbox(path3.hall.data_dir)
        assert len(outbox.pending()) == 1
        assert path3.kiosk.submission_progress(receipt["receipt_code"])["status"] == "uploading"
        path3.central.start()                            # healed
        wait_for(lambda: not outbox.pending(), timeout=30)
        held = at_central(path3, receipt["receipt_code"])
        assert held["status"] == "received" and all(f["complete"] for f in held["files"])
    finally:
        agent.close()


def test_a_document_given_before_is_offered_and_reused(
        path3: Path3, capsys: pytest.CaptureFixture[str]) -> None:
    agent = path3.agent()
    try:
        first = submit(path3.kiosk, "k1-0004")["receipt_code"]
        wait_for(lambda: path3.kiosk.submission_progress(first)["status"] == "received")
        assert path3.kiosk.reusable_answer(CITIZEN, "C07") == {"documents": [],
                                                                "unavailable": False}
        path3.office_cli(capsys, "accept", first)        # checked: kept for reuse
        offered = path3.kiosk.reusable_documents(CITIZEN, "C07")
        assert sorted((d["material_id"], d["name_zh"]) for d in offered) == [
            ("marriage_certificate", "婚姻状况证明"), ("purchase_contract", "购房合同")]
        given_on = at_central(path3, first)["submitted_at"][:10]
        assert {d["given_on"] for d in offered} == {given_on}
        photos = [p for p in three_photos() if p.material_id == "bank_card"]
        second = submit(path3.kiosk, "k1-0005", photos=photos,
                        reuse=[d["doc_id"] for d in offered])
        assert [(m["id"], m["reused"]) for m in second["materials"]] == [
            ("purchase_contract", True), ("bank_card", False),
            ("marriage_certificate", True)]
        wait_for(lambda: path3.kiosk.submission_progress(second["receipt_code"])[
            "status"] == "received")
        held = at_central(path3, second["receipt_code"])
        assert [f["name"] for f in held["files"]] == ["bank_card-1.jpg"]
        assert sorted((r["material_id"], r["linked"]) for r in held["reused"]) == [
            ("marriage_certificate", True), ("purchase_contract", True)]
        saved = path3.tmp / "second"
        path3.office_cli(capsys, "show", second["receipt_code"], "--save-photos", str(saved))
        assert (saved / "reused-purchase_contract-1.jpg").read_bytes() == three_photos()[0].jpeg
        # another citizen is offered nothing of this one's
        other = "11010519491231002" + "X"
        from hall.idnumber import check_char
        other = other[:17] + check_char(other[:17])
        assert path3.kiosk.reusable_documents(other, "C07") == []
    finally:
        agent.close()


def test_accepted_on_the_back_offices_web_page_the_hall_nodes_progress_page_says_so(
        path3: Path3, page: Page) -> None:
    db = open_database(path3.db_url)
    try:
        office_staff.add(db, "S9001", "陈静", "Chen Jing", "2468")
    finally:
        db.close()
    agent = path3.agent()
    try:
        code = submit(path3.kiosk, "k1-0003")["receipt_code"]
        wait_for(lambda: path3.kiosk.submission_progress(code)["status"] == "received")
        page.open(f"{path3.central.url}/office")
        page.fill("staff_id", "S9001").fill("pin", "2468").press("sign-in")
        page.driver.find_element("link text", code).click()
        page.wait_for("accept")
        assert len(page.driver.find_elements("css selector", "img.thumb")) == 3
        page.press("accept")
        assert page.text("status") == "已受理"
        wait_for(lambda: path3.kiosk.submission_progress(code)["status"] == "accepted")
        page.open(f"{path3.hall.url}/s/{code}")            # the receipt's QR on the LAN
        assert "已受理" in page.driver.page_source
    finally:
        agent.close()
