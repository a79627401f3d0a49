"""The hall node's self-service submission route with a real node over HTTP: the receipt,
the encrypted outbox, the checks of every field and photo, and nothing kept of a refused one."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from hall.client import HallApiError, SubmissionPhoto
from hall.idnumber import keyed_hash
from hall.submission_book import RECEIPT_ALPHABET
from hall.submission_outbox import SubmissionOutbox
from tests.helpers.hall_servers import Hall
from tests.helpers.submissions import CITIZEN, FIELDS, NAME, PHONE, jpeg, submit, three_photos


def data_dir(hall: Hall) -> Path:
    return hall.server.node.data_dir


def test_a_submission_is_kept_encrypted_and_answers_its_receipt(
        hall: Hall, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    kiosk = hall.client("kiosk")
    receipt = submit(kiosk, "k1-0001")
    assert len(receipt["receipt_code"]) == 10
    assert set(receipt["receipt_code"]) <= set(RECEIPT_ALPHABET)
    assert receipt["item"] == "C07" and receipt["item_name_zh"] == "住房公积金提取"
    assert [(m["id"], m["pages"], m["reused"]) for m in receipt["materials"]] == [
        ("purchase_contract", 1, False), ("bank_card", 1, False),
        ("marriage_certificate", 1, False)]
    assert receipt["submitted_at"].endswith("+08:00")
    assert receipt["progress_url"].endswith(f"/s/{receipt['receipt_code']}")
    assert receipt["queued"] is True          # no sync agent has said central is reachable
    big = submit(kiosk, "k1-big", photos=[*three_photos()[:2], SubmissionPhoto(
        "marriage_certificate", 1, b"\xff\xd8\xff" + bytes(8 * 2**20 - 3))])  # 8 MB: the limit
    assert big["materials"][2]["pages"] == 1
    # the same client id again (a lost answer): the same receipt, nothing new kept
    assert submit(kiosk, "k1-0001") == receipt
    outbox = SubmissionOutbox(data_dir(hall))
    [folder, _] = outbox.pending()
    key_file = data_dir(hall) / "outbox.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    for path in folder.iterdir():              # nothing readable on the disk
        raw = path.read_bytes()
        for secret in (CITIZEN, NAME, PHONE, "福华路"):
            assert secret.encode() not in raw
        assert b"JFIF" not in raw
    meta = outbox.meta(folder)
    assert meta["receipt"] == receipt["receipt_code"]
    assert meta["id_hash"] == keyed_hash(CITIZEN, hall.server.node.id_key)
    assert meta["fields"]["id_number"] == "4403**********" + CITIZEN[-4:]
    assert CITIZEN not in json.dumps(meta, ensure_ascii=False)
    assert meta["fields"]["name"] == NAME and meta["fields"]["phone"] == PHONE
    assert outbox.read_file(folder, "bank_card-1.jpg") == three_photos()[1].jpeg
    progress = kiosk.submission_progress(receipt["receipt_code"].lower())
    assert progress["status"] == "uploading" and progress["status_zh"] == "上传中"
    page = hall.http().get(f"/s/{receipt['receipt_code']}")
    assert page.status_code == 200 and "上传中" in page.text and NAME not in page.text
    logged = caplog.text
    for secret in (CITIZEN, NAME, PHONE, CITIZEN[-4:] + "\n"):
        assert secret not in logged


BAD = [  # (changes, status, code, what the Chinese message names)
    ({"fields": {**FIELDS, "phone": "1381234567"}}, 422, "invalid_field", "手机号码"),
    ({"fields": {**FIELDS, "phone": "23812345678"}}, 422, "invalid_field", "手机号码"),
    ({"fields": {**FIELDS, "amount": "0"}}, 422, "invalid_field", "提取金额"),
    ({"fields": {**FIELDS, "amount": "12abc"}}, 422, "invalid_field", "提取金额"),
    ({"fields": {**FIELDS, "contract_date": "2024-02-30"}}, 422, "invalid_field", "签订日期"),
    ({"fields": {**FIELDS, "contract_date": "1024-02-01"}}, 422, "invalid_field", "签订日期"),
    ({"fields": {**FIELDS, "reason": "别的"}}, 422, "invalid_field", "提取原因"),
    ({"fields": {**FIELDS, "address": "福华路\x001号"}}, 422, "invalid_field", "房屋坐落"),
    ({"fields": {**FIELDS, "address": "路" * 121}}, 422, "invalid_field", "房屋坐落"),
    ({"fields": {k: v for k, v in FIELDS.items() if k != "phone"}}, 422, "invalid_field",
     "手机号码"),
    ({"fields": {**FIELDS, "extra": "x"}}, 422, "invalid_field", "extra"),
    ({"id_number": CITIZEN[:-1] + "0"}, 422, "invalid_field", "身份证号码"),
    ({"photos": three_photos()[:2]}, 422, "missing_material", "婚姻状况证明"),
    ({"photos": [*three_photos()[:2], SubmissionPhoto("marriage_certificate", 1,
                                                      b"\x89PNG\r\n" + bytes(100))]},
     422, "not_jpeg", "婚姻状况证明"),
    ({"photos": [*three_photos()[:2], SubmissionPhoto("marriage_certificate", 1,
                                                      b"\xff\xd8\xff" + bytes(8 * 2**20))]},
     413, "submission_too_large", "8MB"),
    ({"photos": three_photos() + [SubmissionPhoto("bank_card", p, jpeg(p))
                                  for p in range(2, 20)]}, 413, "submission_too_large", "20"),
    ({"reuse": ["not-offered"]}, 422, "missing_material", "重新拍摄"),
    ({"item": "A01"}, 409, "not_self_service", "不能自助申报"),
    ({"item": "Z99"}, 404, "unknown_service", "没有该业务"),
]


def test_a_bad_submission_is_refused_naming_what_and_nothing_is_kept(hall: Hall) -> None:
    kiosk = hall.client("kiosk")
    for number, (changes, status, code, named) in enumerate(BAD):
        with pytest.raises(HallApiError) as refused:
            submit(kiosk, f"bad-{number}", **changes)
        assert (refused.value.status, refused.value.code, number) == (status, code, number)
        assert named in refused.value.message_zh, number
        assert refused.value.message_en
        assert SubmissionOutbox(data_dir(hall)).pending() == []
        assert not any((data_dir(hall) / "outbox").glob("*"))


def test_oversize_bodies_and_other_shapes_are_refused(hall: Hall) -> None:
    http = hall.http("kiosk")
    port = int(hall.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:  # 61 MB announced
        raw.sendall(f"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\n"
                    f"Authorization: Bearer {hall.tokens['kiosk']}\r\n"
                    f"Content-Type: multipart/form-data; boundary=b\r\n"
                    f"Content-Length: {61 * 2**20}\r\n\r\n".encode() + b"x" * 1000)
        answer = raw.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413") and "submission_too_large" in answer
    as_json = http.post("/api/v1/submissions", json={"item": "C07"})
    assert as_json.status_code == 422 and as_json.json()["message_zh"]
    no_part = http.post("/api/v1/submissions", files=[("photo", ("bank_card-1.jpg", jpeg(),
                                                                  "image/jpeg"))])
    assert no_part.status_code == 422 and "submission" in no_part.json()["message_en"]
    badly_named = http.post("/api/v1/submissions", files=[
        ("submission", (None, "{}", "application/json")),
        ("photo", ("../../etc/passwd", jpeg(), "image/jpeg"))])
    assert badly_named.status_code == 422
    display = hall.http("display").post("/api/v1/submissions", files=[
        ("submission", (None, "{}", "application/json"))])
    assert display.status_code == 403
    assert SubmissionOutbox(data_dir(hall)).pending() == []


def test_unknown_receipt_codes_and_reuse_without_central(hall: Hall) -> None:
    kiosk = hall.client("kiosk")
    with pytest.raises(HallApiError) as unknown:
        kiosk.submission_progress("ABCDEFGHJK")
    assert unknown.value.status == 404 and unknown.value.code == "unknown_submission"
    assert hall.http().get("/s/ABCDEFGHJK").status_code == 404
    # no sync agent: told at once that central cannot be asked (the kiosk photographs)
    assert kiosk.reusable_answer(CITIZEN, "C07") == {"documents": [], "unavailable": True}
    assert kiosk.reusable_documents(CITIZEN, "A01") == []
    with pytest.raises(HallApiError) as bad_id:
        kiosk.reusable_documents("123", "C07")
    assert bad_id.value.code == "invalid_id_number"


def test_a_submission_kept_before_a_crash_answers_its_receipt_again(hall: Hall) -> None:
    kiosk = hall.client("kiosk")
    receipt = submit(kiosk, "k1-0001")
    node_dir = data_dir(hall)
    with sqlite3.connect(node_dir / "submissions.sqlite3") as db:   # the booking was lost
        db.execute("DELETE FROM receipts")
    again = submit(kiosk, "k1-0001")
    assert again == receipt
    assert kiosk.submission_progress(receipt["receipt_code"])["status"] == "uploading"
    assert len(SubmissionOutbox(node_dir).pending()) == 1


def test_progress_comes_from_the_agent(start_hall: Callable[..., Hall]) -> None:
    hall = start_hall()
    kiosk = hall.client("kiosk")
    code = submit(kiosk, "k1-0001")["receipt_code"]
    sync = hall.http("sync")
    answer = sync.put("/api/v1/sync/submissions/progress", json={"updates": [
        {"receipt": code, "status": "rejected", "reason_zh": "材料不清晰",
         "reason_en": "The photos are unclear", "updated_at": 1.7e9},
        {"receipt": "NOTOURSXXX", "status": "done", "updated_at": 1.7e9}]})
    assert answer.json() == {"updated": 1}
    progress = kiosk.submission_progress(code)
    assert (progress["status"], progress["status_zh"], progress["reason_zh"]) == (
        "rejected", "不予受理", "材料不清晰")
    assert hall.http("kiosk").put("/api/v1/sync/submissions/progress",
                                  json={"updates": []}).status_code == 403
