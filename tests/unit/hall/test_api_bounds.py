"""The hall node answers a number out of range with a 422 in the house shape, never a 5xx; the
event stream closes on a bad ``after`` with a code and a reason; what the OpenAPI document says
a field takes is what the route takes (a real node on 127.0.0.1)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from hall.bounds import EARLIEST, LATEST, MAX_SEQ

TOO_BIG = 2**63              # 9223372036854775808: one past the largest sequence number


def refused(response: httpx.Response) -> bool:
    """Whether the answer is a 422 ``bad_request`` with both messages."""
    body = response.json()
    return (response.status_code == 422 and body["code"] == "bad_request"
            and body["message_zh"] and body["message_en"])


def stream_url(hall: Any, query: str) -> str:
    return hall.url.replace("http://", "ws://") + f"/api/v1/stream?{query}"


def test_an_events_cursor_past_the_largest_sequence_number_is_refused(hall: Any) -> None:
    display = hall.http("display")
    hall.client("kiosk").issue("A")
    answer = display.get(f"/api/v1/events?after={TOO_BIG}")
    assert refused(answer), answer.text
    assert "after" in answer.json()["message_en"]
    assert display.get(f"/api/v1/events?after={MAX_SEQ}").json()["events"] == []
    assert len(display.get("/api/v1/events?after=0").json()["events"]) == 1


@pytest.mark.parametrize("after", [str(TOO_BIG), "-1", "abc"])
def test_the_stream_closes_on_a_bad_after_with_a_code_and_a_reason(hall: Any,
                                                                   after: str) -> None:
    url = stream_url(hall, f"after={after}&token={hall.tokens['display']}")
    with connect(url, open_timeout=5) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None          # a close frame, not a dropped connection
    assert closed.value.rcvd.code == 4422
    assert closed.value.rcvd.reason.startswith("bad_request: ")
    assert "after" in closed.value.rcvd.reason


def test_the_stream_still_sends_from_a_good_after(hall: Any) -> None:
    kiosk = hall.client("kiosk")
    kiosk.issue("A")
    kiosk.issue("A")
    url = stream_url(hall, f"after=1&token={hall.tokens['display']}")
    with connect(url, open_timeout=5) as ws:
        assert '"number":"A002"' in ws.recv(timeout=5).replace(" ", "")


def test_a_sync_report_with_false_for_a_number_is_refused(hall: Any) -> None:
    sync = hall.http("sync")
    good = {"events_behind": 3, "seconds_behind": 1.5, "acked_seq": 4, "hall_seq": 7}
    assert sync.post("/api/v1/sync/status", json=good).json() == {"ok": True}
    for field, wrong in (("events_behind", False), ("acked_seq", True), ("hall_seq", "7"),
                         ("seconds_behind", False), ("central_reachable", 1),
                         ("acked_seq", TOO_BIG), ("last_push_at", 1e17)):
        answer = sync.post("/api/v1/sync/status", json={**good, field: wrong})
        assert refused(answer), (field, wrong, answer.text)
        assert field in answer.json()["message_en"]
    assert hall.http().get("/api/v1/health").json()["sync"]["events_behind"] == 3


def test_an_appointment_slot_outside_the_years_2000_to_2100_is_refused(hall: Any) -> None:
    sync = hall.http("sync")
    booking = {"id": "APT1", "service": "A", "slot_start": 1710208800.0,
               "slot_end": 1710210600.0}
    for slot_start in (1e17, -1e17, EARLIEST - 1, LATEST + 1):
        answer = sync.post("/api/v1/appointments", json={**booking, "slot_start": slot_start})
        assert refused(answer), (slot_start, answer.text)
    assert sync.post("/api/v1/appointments", json=booking).status_code == 201


def test_a_rating_takes_what_the_document_calls_an_integer(hall: Any) -> None:
    level = hall.http().get("/openapi.json").json()[
        "components"]["schemas"]["RatingRequest"]["properties"]["level"]
    assert (level["type"], level["minimum"], level["maximum"]) == ("integer", 1, 5)
    ticket = hall.client("kiosk").issue("C")["id"]
    console = hall.client("caller-21")
    console.sign_in("21", staff_id="S001", pin="1234")
    console.call("21")
    console.window_action("21", "finish")
    admin = hall.http("admin")
    for wrong in (True, "4", 4.5, 6, 0):              # none of them an integer 1 … 5
        answer = admin.post(f"/api/v1/tickets/{ticket}/rating", json={"level": wrong})
        assert refused(answer), (wrong, answer.text)
    # 4.0 is an integer by JSON Schema: taken as 4
    answer = admin.post(f"/api/v1/tickets/{ticket}/rating", json={"level": 4.0})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rating"] == 4


def test_a_body_that_is_not_text_is_a_bad_request(hall: Any) -> None:
    answer = hall.http("kiosk").post("/api/v1/tickets", content=b"\xff\xfe{",
                                     headers={"Content-Type": "application/json"})
    assert refused(answer), answer.text


def test_the_green_channel_takes_true_or_false_only(hall: Any) -> None:
    ticket = hall.client("kiosk").issue("A")["id"]
    admin = hall.http("admin")
    for wrong in (1, "yes", "true", 0):
        answer = admin.post(f"/api/v1/tickets/{ticket}/green", json={"green": wrong})
        assert refused(answer), (wrong, answer.text)
    assert admin.post(f"/api/v1/tickets/{ticket}/green", json={"green": True}).json()["green"]


def test_recommendations_dated_outside_the_years_2000_to_2100_are_refused(hall: Any) -> None:
    sync = hall.http("sync")
    for at in (-1.0, 0.0, LATEST + 1, True):
        answer = sync.put("/api/v1/sync/recommendations", json={"at": at, "items": {}})
        assert refused(answer), (at, answer.text)
