"""The back office over HTTP (``central/api/submissions.py``): a back-office credential lists,
reads and moves on the city's submissions and nothing else; a hall asks for a citizen's
reusable documents; the citizen's phone page and JSON show the progress without personal
data."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from central.auth import create_credential
from central.db import open_database
from central.server import CentralServer

ID_HASH = "ab" * 32


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[httpx.Client, dict, dict]]:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    db = open_database(url)
    hall, office = create_credential(db, "hall", "HA"), create_credential(db, "office")
    db.close()
    server = CentralServer(url, port=0, data_key_file=tmp_path / "central-data.key"
                           ).start_in_thread()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield (client, {"Authorization": f"Bearer {hall}"},
                   {"Authorization": f"Bearer {office}"})
    finally:
        server.stop()


def test_the_back_office_takes_a_kiosk_submission_through_its_statuses(api: tuple) -> None:
    client, hall, office = api
    photo = b"\xff\xd8\xff" + bytes(3000)
    made = client.post("/api/v1/halls/HA/submissions", headers=hall, json={
        "client_id": "k1-1", "form": "C07", "fields": {"name": "张晓明", "phone": "13812345678"},
        "files": [{"name": "purchase_contract-1.jpg", "size": len(photo),
                   "sha256": hashlib.sha256(photo).hexdigest()}],
        "receipt": "K7M2P9QXRT", "item_name_zh": "住房公积金提取",
        "item_name_en": "Housing fund withdrawal", "id_hash": ID_HASH,
        "id_masked": "4403**********1234", "submitted_at": "2024-03-12T10:00:00+08:00",
        "materials": [{"id": "purchase_contract", "name_zh": "购房合同", "pages": 1,
                       "reusable_days": 365}]})
    assert made.status_code == 201 and made.json()["receipt"] == "K7M2P9QXRT"
    sub_id = made.json()["id"]
    client.put(f"/api/v1/submissions/{sub_id}/files/purchase_contract-1.jpg?offset=0",
               content=photo, headers=hall)
    listed = client.get("/api/v1/submissions?status=received", headers=office).json()
    assert [s["receipt"] for s in listed["submissions"]] == ["K7M2P9QXRT"]
    assert "张晓明" not in str(listed)
    shown = client.get(f"/api/v1/submissions/{sub_id}", headers=office).json()
    assert shown["fields"]["name"] == "张晓明" and shown["id_masked"] == "4403**********1234"
    assert client.get(f"/api/v1/submissions/{sub_id}/files/purchase_contract-1.jpg/content",
                      headers=office).content == photo
    no_reason = client.post(f"/api/v1/submissions/{sub_id}/status", headers=office,
                            json={"status": "rejected"})
    assert no_reason.status_code == 422
    for status in ("accepted", "in_progress"):
        moved = client.post(f"/api/v1/submissions/{sub_id}/status", headers=office,
                            json={"status": status})
        assert moved.json()["status"] == status
    changed = client.get("/api/v1/halls/HA/submissions?updated_after=0", headers=hall).json()
    assert [(s["receipt"], s["status"]) for s in changed["submissions"]] == [
        ("K7M2P9QXRT", "in_progress")]
    offered = client.post("/api/v1/halls/HA/reusable", headers=hall, json={
        "id_hash": ID_HASH, "materials": ["purchase_contract"], "today": "2024-04-01"}).json()
    assert [(d["name_zh"], d["given_on"], d["valid_until"]) for d in offered["documents"]] == [
        ("购房合同", "2024-03-12", "2025-03-12")]
    rejected = client.post(f"/api/v1/submissions/{sub_id}/status", headers=office, json={
        "status": "rejected", "note": "材料不全", "reason_en": "Materials missing"})
    assert rejected.json()["status"] == "rejected"
    public = client.get("/api/v1/public/submissions/k7m2p9qxrt").json()
    assert public == {"receipt_code": "K7M2P9QXRT", "item_name_zh": "住房公积金提取",
                      "item_name_en": "Housing fund withdrawal", "status": "rejected",
                      "status_zh": "不予受理", "status_en": "Not accepted",
                      "reason_zh": "材料不全", "reason_en": "Materials missing",
                      "updated_at": public["updated_at"]}
    assert public["updated_at"].endswith("+08:00")
    page = client.get("/progress/K7M2P9QXRT")
    assert page.status_code == 200 and "不予受理" in page.text and "材料不全" in page.text
    assert "张晓明" not in page.text and "13812345678" not in page.text
    assert client.get("/progress/NOSUCHCODE").status_code == 404


def test_a_back_office_credential_sees_submissions_only(api: tuple) -> None:
    client, hall, office = api
    for path in ("/api/v1/halls/HA/events", "/api/v1/stats", "/api/v1/city",
                 "/api/v1/halls/HA/submissions", f"/api/v1/appointments?id_hash={ID_HASH}"):
        assert client.get(path, headers=office).status_code == 403, path
    assert client.get("/api/v1/submissions", headers=hall).status_code == 403
    assert client.post("/api/v1/halls/HB/reusable", headers=hall, json={
        "id_hash": ID_HASH, "materials": [], "today": "2024-04-01"}).status_code == 403
