"""The central API over real HTTP (uvicorn in a thread), on PostgreSQL and SQLite: credentials,
a hall refused another hall's data, ingest, appointments, submissions, catalogs, statistics."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from central.auth import create_credential, revoke
from central.db import open_database
from central.server import CentralServer
from tests.helpers.central import hall_catalog
from tests.helpers.simulated_hall import SimulatedHall

LOG = SimulatedHall("HA", seed=3).next_events(60)
SLOT = 1710208800.0  # 2024-03-12 10:00 in Shanghai


@dataclass
class Central:
    """A central API, a client of it and the tokens of two halls and an admin."""

    client: httpx.Client
    hall_a: dict[str, str]
    hall_b: dict[str, str]
    admin: dict[str, str]
    revoked: dict[str, str]


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def central(db_url: str, tmp_path: Path) -> Iterator[Central]:
    db = open_database(db_url)
    tokens = [create_credential(db, "hall", "HA"), create_credential(db, "hall", "HB"),
              create_credential(db, "admin"), create_credential(db, "hall", "HA")]
    revoke(db, tokens[3].split("_")[1])
    db.close()
    server = CentralServer(db_url, port=0, data_key_file=tmp_path / "central-data.key"
                           ).start_in_thread()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield Central(client, *(bearer(t) for t in tokens))
    finally:
        server.stop()


def refused(response: httpx.Response, status: int = 403, code: str = "forbidden") -> bool:
    """Whether a response is the expected refusal in the house error shape."""
    body = response.json()
    return (response.status_code == status and body["code"] == code
            and body["message_zh"] and body["message_en"])


def test_health_needs_no_credential_and_everything_else_does(central: Central) -> None:
    client = central.client
    assert client.get("/api/v1/health").json()["status"] == "ok"
    assert refused(client.get("/api/v1/whoami"), 401, "unauthorized")
    assert refused(client.get("/api/v1/whoami", headers=bearer("hq_nope_nope")), 401,
                   "unauthorized")
    assert refused(client.get("/api/v1/whoami", headers=central.revoked), 401, "unauthorized")
    assert client.get("/api/v1/whoami", headers=central.hall_a).json()["hall_id"] == "HA"


def test_a_hall_cannot_read_or_write_another_halls_data(central: Central) -> None:
    client, b = central.client, central.hall_b
    client.post("/api/v1/halls/HA/events", json={"events": LOG}, headers=central.hall_a)
    sub = client.post("/api/v1/halls/HA/submissions", headers=central.hall_a, json={
        "client_id": "c1", "form": "F01", "fields": {}, "files": []}).json()
    for path in ("/api/v1/halls/HA/sync", "/api/v1/halls/HA/events",
                 "/api/v1/halls/HA/live", "/api/v1/halls/HA/catalog",
                 "/api/v1/halls/HA/appointments?day=2024-03-12",
                 "/api/v1/halls/HA/submissions", f"/api/v1/submissions/{sub['id']}",
                 "/api/v1/stats?hall_id=HA", "/api/v1/city"):
        assert refused(client.get(path, headers=b)), path
    assert refused(client.post("/api/v1/halls/HA/events", json=LOG, headers=b))
    assert refused(client.put(f"/api/v1/submissions/{sub['id']}/files/x?offset=0",
                              content=b"x", headers=b))
    assert refused(client.post("/api/v1/appointments", headers=b, json={
        "hall_id": "HA", "service": "A", "slot_start": SLOT, "slot_end": SLOT + 60}))
    assert refused(client.put("/api/v1/halls/HB/catalog", json=hall_catalog("HB"), headers=b))
    assert client.get("/api/v1/halls/HB/sync", headers=b).json()["acked"] == 0


def test_an_admin_sees_the_city_but_pushes_no_hall_events(central: Central) -> None:
    client, admin = central.client, central.admin
    client.post("/api/v1/halls/HA/events", json=LOG[:30], headers=central.hall_a)
    assert client.get("/api/v1/halls/HA/sync", headers=admin).json()["acked"] == 30
    assert [h["hall_id"] for h in client.get("/api/v1/city", headers=admin).json()["halls"]] \
        == ["HA", "HB"]
    assert refused(client.post("/api/v1/halls/HA/events", json=LOG, headers=admin))


def test_ingest_over_http_is_idempotent_and_reports_gaps(central: Central) -> None:
    client, a = central.client, central.hall_a
    url = "/api/v1/halls/HA/events"
    assert client.post(url, json={"events": LOG[:20], "head_seq": 60}, headers=a).json() == {
        "acked": 20, "missing": [], "stored": 20}
    assert client.post(url, json=LOG[:20], headers=a).json()["stored"] == 0
    assert client.post(url, json=LOG[25:30], headers=a).json() == {
        "acked": 20, "missing": [[21, 25]], "stored": 5}
    assert refused(client.post(url, content=b"{not json", headers=a), 422, "bad_request")
    assert refused(client.post(url, json=[{"seq": "1"}], headers=a), 422, "bad_request")
    events = client.get(f"{url}?after=0&limit=100", headers=a).json()["events"]
    assert events == LOG[:20] + LOG[25:30]


def test_appointments_over_http(central: Central) -> None:
    client, a = central.client, central.hall_a
    id_hash = hashlib.sha256(b"x").hexdigest()
    booked = client.post("/api/v1/appointments", headers=a, json={
        "hall_id": "HA", "service": "A01", "slot_start": SLOT, "slot_end": SLOT + 1800,
        "id_hash": id_hash})
    assert booked.status_code == 201
    code = booked.json()["code"]
    public = client.get(f"/api/v1/appointments/{code}").json()
    assert public["status"] == "booked" and "id_hash" not in public
    found = client.get(f"/api/v1/appointments?id_hash={id_hash}", headers=central.hall_b)
    assert found.json()["appointments"] == []
    found = client.get(f"/api/v1/appointments?id_hash={id_hash}", headers=a)
    assert [x["code"] for x in found.json()["appointments"]] == [code]
    assert client.delete(f"/api/v1/appointments/{code}").json()["status"] == "cancelled"
    listed = client.get("/api/v1/halls/HA/appointments?day=2024-03-12", headers=a).json()
    assert [(x["code"], x["status"]) for x in listed["appointments"]] == [(code, "cancelled")]
    assert refused(client.get("/api/v1/appointments/NOSUCHCODE"), 404, "not_found")
    assert refused(client.post("/api/v1/appointments", headers=a, json={
        "hall_id": "HA", "service": "A", "slot_start": SLOT, "slot_end": SLOT,
        "id_number": "440308199001011234"}), 422, "bad_request")


def test_catalog_is_published_by_an_admin_and_read_by_its_hall(central: Central) -> None:
    client = central.client
    put = client.put("/api/v1/halls/HA/catalog", json=hall_catalog("HA"), headers=central.admin)
    assert put.json() == {"hall_id": "HA", "version": 1}
    got = client.get("/api/v1/halls/HA/catalog", headers=central.hall_a).json()
    assert got["version"] == 1 and got["catalog"]["hall"]["id"] == "HA"
    assert refused(client.put("/api/v1/halls/HA/catalog", json={"hall": {"id": "HA"}},
                              headers=central.admin), 422, "catalog_invalid")
    assert refused(client.get("/api/v1/catalog", headers=central.hall_a), 404, "not_found")
    client.put("/api/v1/catalog", json={"items": [{"code": "A01"}]}, headers=central.admin)
    assert client.get("/api/v1/catalog", headers=central.hall_a).json()["version"] == 1


def test_submission_upload_and_progress_over_http(central: Central) -> None:
    client, a = central.client, central.hall_a
    photo = b"\xff\xd8" + bytes(range(200)) * 50
    digest = hashlib.sha256(photo).hexdigest()
    created = client.post("/api/v1/halls/HA/submissions", headers=a, json={
        "client_id": "k-1", "form": "F01", "fields": {"name": "李四"},
        "files": [{"name": "photo.jpg", "size": len(photo), "sha256": digest}]})
    assert created.status_code == 201
    sub = created.json()
    url = f"/api/v1/submissions/{sub['id']}/files/photo.jpg"
    part = client.put(f"{url}?offset=0", content=photo[:5000], headers={
        **a, "X-Chunk-SHA256": hashlib.sha256(photo[:5000]).hexdigest()})
    assert part.json() == {"name": "photo.jpg", "size": len(photo), "received": 5000,
                           "complete": False}
    assert client.get(url, headers=a).json()["received"] == 5000
    assert refused(client.put(f"{url}?offset=0", content=photo[:10], headers=a), 409,
                   "bad_offset")
    done = client.put(f"{url}?offset=5000", content=photo[5000:], headers=a).json()
    assert done["complete"]
    assert refused(client.get(f"{url}/content", headers=a))
    assert client.get(f"{url}/content", headers=central.admin).content == photo
    assert "fields" not in client.get(f"/api/v1/submissions/{sub['id']}", headers=a).json()
    admin_view = client.get(f"/api/v1/submissions/{sub['id']}", headers=central.admin).json()
    assert admin_view["fields"] == {"name": "李四"} and admin_view["status"] == "received"
    moved = client.post(f"/api/v1/submissions/{sub['id']}/status", headers=central.admin,
                        json={"status": "accepted", "note": "材料齐全"})
    assert moved.json()["status"] == "accepted"
    assert refused(client.post(f"/api/v1/submissions/{sub['id']}/status", headers=a,
                               json={"status": "done"}))
    public = client.get(f"/api/v1/public/submissions/{sub['receipt']}").json()
    assert (public["status_zh"], public["reason_zh"]) == ("已受理", "")
    assert "fields" not in public and "李四" not in str(public)


def test_statistics_of_a_hall_are_its_own(central: Central) -> None:
    client = central.client
    client.post("/api/v1/halls/HA/events", json=LOG, headers=central.hall_a)
    client.post("/api/v1/halls/HB/events", json=LOG, headers=central.hall_b)
    own = client.get("/api/v1/stats?by=hall", headers=central.hall_a).json()["rows"]
    city = client.get("/api/v1/stats?by=hall", headers=central.admin).json()["rows"]
    assert [r["hall"] for r in own] == ["HA"]
    assert [r["hall"] for r in city] == ["HA", "HB"]
    assert refused(client.get("/api/v1/stats?by=citizen", headers=central.admin), 422,
                   "bad_request")
