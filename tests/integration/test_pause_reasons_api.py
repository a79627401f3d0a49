"""Pause reasons over the hall's LAN API, on a real node and uvicorn on 127.0.0.1: a reason is
given with the pause, shown in the windows view and carried in the window.paused event; an
unknown one is refused in both languages and nothing changes; a pause without one still works."""

from __future__ import annotations

from typing import Any

from hall.events import EventKind


def test_a_pause_for_lunch_is_shown_and_sent(hall: Any) -> None:
    console = hall.client("caller-1")
    console.sign_in("1", staff_id="S001", pin="1234")
    window = console.window_action("1", "pause", {"reason": "lunch"})
    assert (window["status"], window["state"], window["pause_reason"]) == \
        ("paused", "paused", "lunch")
    admin = hall.client("admin")
    assert admin.windows()[0]["pause_reason"] == "lunch"
    paused = [e for e in admin.events(0)["events"] if e["kind"] == EventKind.WINDOW_PAUSED]
    assert paused[-1]["data"]["reason"] == "lunch"
    resumed = console.window_action("1", "resume")
    assert (resumed["state"], resumed["pause_reason"]) == ("idle", None)


def test_an_unknown_reason_is_refused_and_changes_nothing(hall: Any) -> None:
    console = hall.client("caller-1")
    console.sign_in("1", staff_id="S001", pin="1234")
    admin = hall.client("admin")
    seq = admin.health()["last_seq"]
    answer = hall.http("caller-1").post("/api/v1/windows/1/pause", json={"reason": "coffee"})
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body == {"code": "bad_request",
                    "message_zh": "暂停原因只能是 lunch（午休）、away（暂离）、meeting（会议）"
                                  "或 other（其他）",
                    "message_en": "A pause reason is one of lunch, away, meeting or other"}
    assert admin.health()["last_seq"] == seq and admin.windows()[0]["status"] == "open"
    answer = hall.http("caller-1").post("/api/v1/windows/1/pause", json={"why": "lunch"})
    assert answer.status_code == 422 and answer.json()["code"] == "bad_request"


def test_a_pause_without_a_reason_still_works(hall: Any) -> None:
    console = hall.client("caller-1")
    console.sign_in("1", staff_id="S001", pin="1234")
    answer = hall.http("caller-1").post("/api/v1/windows/1/pause")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["pause_reason"]) == ("paused", None)
