"""Central answers a number out of range with a 422 ``bad_request``, never a 5xx: a slot
outside the years 2000 to 2100, an events cursor or a sequence number past 2^63−1, an event
time no hall could have, an upload offset past the largest file; and a rating takes what its
OpenAPI document calls an integer (a real central over HTTP, on PostgreSQL and SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from central.auth import create_credential
from central.db import open_database
from central.server import CentralServer
from central.submissions import MAX_FILE_BYTES
from hall.bounds import EARLIEST, LATEST, MAX_SEQ

TOO_BIG = 2**63              # one past the largest sequence number
SLOT = 1710208800.0          # 2024-03-12 10:00 in Shanghai


@dataclass
class Central:
    """A central API and the headers of hall HA's, an admin's and a phone's credential."""

    client: httpx.Client
    hall: dict[str, str]
    admin: dict[str, str]
    phone: dict[str, str]


@pytest.fixture
def central(db_url: str, tmp_path: Path) -> Iterator[Central]:
    db = open_database(db_url)
    tokens = [create_credential(db, "hall", "HA"), create_credential(db, "admin"),
              create_credential(db, "phone")]
    db.close()
    server = CentralServer(db_url, port=0, data_key_file=tmp_path / "central-data.key"
                           ).start_in_thread()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield Central(client, *({"Authorization": f"Bearer {t}"} for t in tokens))
    finally:
        server.stop()


def refused(response: httpx.Response) -> bool:
    """Whether the answer is a 422 ``bad_request`` with both messages."""
    body = response.json()
    return (response.status_code == 422 and body["code"] == "bad_request"
            and body["message_zh"] and body["message_en"])


def test_a_slot_outside_the_years_2000_to_2100_is_refused(central: Central) -> None:
    booking = {"hall_id": "HA", "service": "A", "slot_start": SLOT, "slot_end": SLOT + 1800}
    for field, wrong in (("slot_start", 1e17), ("slot_end", 1e17), ("slot_start", -1e17),
                         ("slot_start", EARLIEST - 1), ("slot_end", LATEST + 1),
                         ("slot_start", True)):
        answer = central.client.post("/api/v1/appointments", headers=central.hall,
                                     json={**booking, field: wrong})
        assert refused(answer), (field, wrong, answer.text)
        assert field in answer.json()["message_en"]
    booked = central.client.post("/api/v1/appointments", headers=central.hall, json=booking)
    assert booked.status_code == 201 and booked.json()["day"] == "2024-03-12"


def test_an_events_cursor_past_the_largest_sequence_number_is_refused(central: Central
                                                                     ) -> None:
    url = "/api/v1/halls/HA/events"
    answer = central.client.get(f"{url}?after={TOO_BIG}", headers=central.hall)
    assert refused(answer), answer.text
    assert "after" in answer.json()["message_en"]
    assert central.client.get(f"{url}?after={MAX_SEQ}", headers=central.hall).json() == {
        "events": []}


def test_a_pushed_batch_with_a_number_out_of_range_is_refused(central: Central) -> None:
    url = "/api/v1/halls/HA/events"
    good = {"seq": 1, "kind": "x", "ts": SLOT, "data": {}}
    for batch, why in (([{**good, "seq": TOO_BIG}], "seq"), ([{**good, "seq": True}], "seq"),
                       ([{**good, "ts": 1e300}], "ts"), ([{**good, "ts": -1.0}], "ts"),
                       ([{**good, "ts": True}], "ts")):
        answer = central.client.post(url, json={"events": batch}, headers=central.hall)
        assert refused(answer), (batch, answer.text)
        assert why in answer.json()["message_en"]
    answer = central.client.post(url, json={"events": [good], "head_seq": TOO_BIG},
                                 headers=central.hall)
    assert refused(answer) and "head_seq" in answer.json()["message_en"]
    assert central.client.get("/api/v1/halls/HA/sync", headers=central.hall).json()[
        "acked"] == 0                                        # nothing was stored
    assert central.client.post(url, json={"events": [good], "head_seq": 1},
                               headers=central.hall).json()["acked"] == 1


def test_an_upload_offset_past_the_largest_file_is_refused(central: Central) -> None:
    created = central.client.post("/api/v1/halls/HA/submissions", headers=central.hall, json={
        "client_id": "c1", "form": "F01", "fields": {},
        "files": [{"name": "a.pdf", "size": 3.0, "sha256": "0" * 64}]}).json()
    assert created["files"][0]["size"] == 3           # 3.0 is an integer by JSON Schema
    for offset in (TOO_BIG, MAX_FILE_BYTES + 1):
        answer = central.client.put(f"/api/v1/submissions/{created['id']}/files/a.pdf"
                                    f"?offset={offset}", content=b"x", headers=central.hall)
        assert refused(answer), answer.text


def test_a_phone_rating_takes_what_the_document_calls_an_integer(central: Central) -> None:
    level = central.client.get("/openapi.json").json()[
        "components"]["schemas"]["PhoneRatingRequest"]["properties"]["level"]
    assert (level["type"], level["minimum"], level["maximum"]) == ("integer", 1, 5)
    url = "/api/v1/phone/tickets/app-0001/rating"
    for wrong in (True, "4", 4.5, 0, 6):
        answer = central.client.post(url, json={"level": wrong}, headers=central.phone)
        assert refused(answer), (wrong, answer.text)
    # 4.0 passes the model: the answer is about the ticket (there is none), not the level
    answer = central.client.post(url, json={"level": 4.0}, headers=central.phone)
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


def test_a_body_that_is_not_text_is_a_bad_request(central: Central) -> None:
    answer = central.client.post("/api/v1/appointments", content=b"\xff\xfe{",
                                 headers={**central.hall, "Content-Type": "application/json"})
    assert refused(answer), answer.text
