"""No-shows with care over the hall's LAN API (#19 part 2), on a real node and uvicorn on
127.0.0.1 with a hall clock moved by the test: F5 two seconds after a call is refused with
the reason in both languages and nothing changes; the undo calls the same ticket again, at the
same window, within the grace period only; the event stream says so."""

from __future__ import annotations

from typing import Any

import httpx

from hall.events import EventKind


def _staffed(hall: Any, window: str = "1") -> Any:
    console = hall.client(f"caller-{window}")
    console.sign_in(window, staff_id="S001", pin="1234")
    return console


def _refused(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and set(body) == {"code", "message_zh", "message_en"}
    return body


def test_f5_two_seconds_after_a_call_is_refused_and_changes_nothing(
        start_hall: Any, hall_clock: Any) -> None:
    hall_clock.set(10)
    hall = start_hall(hall_clock)
    console = _staffed(hall)
    issued = hall.client("kiosk").issue("A")
    called = console.call("1")
    assert called["no_show"] == {"allowed_in_s": 60.0, "recalls_left": 1, "undo_s_left": 0.0}
    admin = hall.client("admin")
    seq, before = admin.health()["last_seq"], admin.ticket(issued["id"])
    hall_clock.advance(seconds=2)
    body = _refused(hall.http("caller-1").post("/api/v1/windows/1/no-show"), 409,
                    "no_show_too_early")
    assert body["message_zh"] == "A001 刚叫号，暂不能过号：请再等 58 秒，或先重呼 1 次"
    assert body["message_en"] == ("A001 was just called; no-show allowed in 58 s, "
                                  "or after 1 more recall")
    after = admin.ticket(issued["id"])
    assert after["status"] == "called" and admin.health()["last_seq"] == seq
    assert {k: v for k, v in after.items() if k != "no_show"} == \
        {k: v for k, v in before.items() if k != "no_show"}
    assert after["no_show"]["allowed_in_s"] == 58.0
    assert admin.windows()[0]["current"] == "A001"


def test_undo_calls_the_same_ticket_again_within_the_grace_period(
        start_hall: Any, hall_clock: Any) -> None:
    hall_clock.set(10)
    hall = start_hall(hall_clock)
    console = _staffed(hall)
    kiosk = hall.client("kiosk")
    first, second = kiosk.issue("A"), kiosk.issue("A")
    console.call("1")
    hall_clock.advance(seconds=60)
    marked = console.window_action("1", "no-show")
    assert (marked["status"], marked["no_show"]["undo_s_left"]) == ("no_show", 30.0)
    hall_clock.advance(seconds=20)
    back = console.undo_no_show("1")
    assert (back["id"], back["number"], back["status"], back["window"]) == \
        (first["id"], "A001", "called", "1")
    window = next(w for w in hall.client("admin").windows() if w["number"] == "1")
    assert (window["current"], window["current_status"]) == ("A001", "called")
    events = hall.client("admin").events(0)
    undone = [e for e in events["events"] if e["kind"] == EventKind.TICKET_NO_SHOW_UNDONE]
    assert [e["data"]["staff"] for e in undone] == ["S001"]
    assert kiosk.issue("A")["number"] == "A003"          # no new number was taken for it
    # a second no-show of the same ticket, left too long
    console.window_action("1", "no-show")
    hall_clock.advance(seconds=31)
    body = _refused(hall.http("caller-1").post("/api/v1/windows/1/no-show/undo"), 409,
                    "undo_expired")
    assert "重新签到" in body["message_zh"]
    assert hall.client("admin").ticket(first["id"])["status"] == "no_show"
    assert console.call("1")["id"] == second["id"]


def test_another_window_cannot_undo_and_may_not_ask(start_hall: Any, hall_clock: Any) -> None:
    hall_clock.set(10)
    hall = start_hall(hall_clock)
    console = _staffed(hall, "1")
    hall.client("caller-2").sign_in("2", staff_id="S002", pin="2345")
    ticket = hall.client("kiosk").issue("A")
    console.call("1")
    console.window_action("1", "recall")
    console.window_action("1", "no-show")
    other = hall.http("caller-2")
    _refused(other.post("/api/v1/windows/2/no-show/undo"), 409, "nothing_to_undo")
    body = _refused(other.post("/api/v1/windows/2/no-show/undo", json={"ticket": ticket["id"]}),
                    409, "nothing_to_undo")
    assert "1 号窗口" in body["message_zh"]
    _refused(other.post("/api/v1/windows/1/no-show/undo"), 403, "forbidden")
    assert hall.client("admin").ticket(ticket["id"])["status"] == "no_show"
