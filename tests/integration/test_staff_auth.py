"""Staff sign-in cannot be skipped or guessed (issue 20): a window opens as a named staff
member only with that person's PIN or badge, every refused credential answers alike, and
guessing is locked out."""

from __future__ import annotations

from typing import Any

import httpx

OPEN = "/api/v1/windows/1/open"
SIGN_IN = "/api/v1/windows/1/sign-in"


def refused(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["message_zh"] and body["message_en"]
    return body


def window_1(hall: Any) -> dict:
    return next(w for w in hall.http("admin").get("/api/v1/windows").json()
                if w["number"] == "1")


def opened_events(hall: Any) -> list[dict]:
    events = hall.http("admin").get("/api/v1/events").json()["events"]
    return [e["data"] for e in events if e["kind"] == "window.opened"]


def test_naming_staff_without_a_credential_does_not_open_the_window(hall: Any) -> None:
    console = hall.http("caller-1")
    for device in (console, hall.http("admin")):
        refused(device.post(OPEN, json={"staff_id": "S002"}), 422, "bad_request")
        refused(device.post(OPEN, json={"staff_id": "S404"}), 422, "bad_request")
    assert window_1(hall)["status"] == "closed"


def test_a_console_cannot_open_its_window_with_nobody_signed_in(hall: Any) -> None:
    refused(hall.http("caller-1").post(OPEN), 403, "forbidden")
    assert window_1(hall)["status"] == "closed"
    assert opened_events(hall) == []


def test_a_supervisor_opens_a_window_and_the_event_names_the_device(hall: Any) -> None:
    opened = hall.http("admin").post(OPEN)
    assert opened.status_code == 200 and opened.json()["staff_id"] is None
    assert opened_events(hall) == [{"window": "1", "status": "open", "staff": None,
                                    "by": "test-admin"}]


def test_staff_open_their_window_by_signing_in(hall: Any) -> None:
    answer = hall.http("caller-1").post(SIGN_IN, json={"staff_id": "S002", "pin": "2345"})
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["staff_id"]) == ("open", "S002")
    assert opened_events(hall) == [{"window": "1", "status": "open", "staff": "S002"}]


def sign_in(device: httpx.Client, **body: str) -> httpx.Response:
    return device.post(SIGN_IN, json=body)


def test_every_refused_credential_answers_alike(hall: Any) -> None:
    console = hall.http("caller-1")
    wrong_pin = refused(sign_in(console, staff_id="S002", pin="0000"), 401, "bad_credentials")
    assert refused(sign_in(console, staff_id="S404", pin="2345"), 401,
                   "bad_credentials") == wrong_pin
    assert refused(sign_in(console, badge_uid="DEADBEEF"), 401, "bad_credentials") == wrong_pin
    assert refused(sign_in(console, badge_uid="工牌"), 401, "bad_credentials") == wrong_pin


def test_a_wrong_pin_at_an_open_window_answers_as_at_a_closed_one(hall: Any) -> None:
    hall.http("admin").post(OPEN)
    console = hall.http("caller-1")
    refused(sign_in(console, staff_id="S002", pin="0000"), 401, "bad_credentials")
    refused(sign_in(console, staff_id="S002", pin="2345"), 409, "bad_state")


def test_five_wrong_pins_lock_the_staff_id_for_longer_each_time(
        start_hall: Any, hall_clock: Any) -> None:
    hall = start_hall(clock=hall_clock)
    console = hall.http("caller-1")
    wrong = [sign_in(console, staff_id="S002", pin=f"{n:04}") for n in range(5)]
    first = refused(wrong[0], 401, "bad_credentials")
    assert all(answer.json() == first for answer in wrong)
    assert refused(sign_in(console, staff_id="S002", pin="2345"), 401,
                   "bad_credentials") == first                 # the right PIN, locked out
    events = hall.http("admin").get("/api/v1/events").json()["events"]
    assert [e["data"] for e in events if e["kind"] == "staff.locked"] == [
        {"staff": "S002", "seconds": 60.0, "failures": 5, "device": "console-1"}]
    hall_clock.advance(seconds=59)
    refused(sign_in(console, staff_id="S002", pin="2345"), 401, "bad_credentials")
    refused(sign_in(console, badge_uid="04B2C3D4E5F607"), 401, "bad_credentials")
    assert sign_in(console, staff_id="S001", pin="1234").status_code == 200   # others may
    hall.http("admin").post("/api/v1/windows/1/close")
    hall_clock.advance(seconds=2)
    for n in range(5):
        sign_in(console, staff_id="S002", pin=f"{n:04}")    # the first wrong tries since
    hall_clock.advance(seconds=119)
    refused(sign_in(console, staff_id="S002", pin="2345"), 401, "bad_credentials")
    hall_clock.advance(seconds=2)
    answer = sign_in(console, staff_id="S002", pin="2345")
    assert (answer.status_code, answer.json()["staff_id"]) == (200, "S002")


def test_a_device_trying_too_often_is_told_to_wait(start_hall: Any, hall_clock: Any) -> None:
    hall = start_hall(clock=hall_clock)
    console = hall.http("caller-1")
    for n in range(10):
        refused(sign_in(console, staff_id=f"X{n}", pin="0000"), 401, "bad_credentials")
    body = refused(sign_in(console, staff_id="S001", pin="1234"), 429, "too_many_attempts")
    assert "一分钟" in body["message_zh"] and "minute" in body["message_en"]
    other = hall.http("caller-2").post("/api/v1/windows/2/sign-in",
                                       json={"staff_id": "S002", "pin": "2345"})
    assert other.status_code == 200
    hall_clock.advance(seconds=61)
    assert sign_in(console, staff_id="S001", pin="1234").status_code == 200
