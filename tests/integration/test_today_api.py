"""A supervisor's changes of the day over the hall's LAN API, on a real node and uvicorn on
127.0.0.1: a quota changed for today is what the kiosk's services list and issuing obey at
once; a notice is read by every device and sent on the stream; a desk may not change them; a
bad body is refused in both languages and changes nothing."""

from __future__ import annotations

from typing import Any

from hall.events import EventKind


def test_a_quota_changed_today_is_what_the_kiosk_sees_and_gets(hall: Any) -> None:
    kiosk, supervisor = hall.client("kiosk"), hall.http("supervisor")
    kiosk.issue("A")
    answer = supervisor.put("/api/v1/themes/A/today", json={"daily_quota": 1})
    assert answer.status_code == 200, answer.text
    assert answer.json()["themes"]["A"]["changed"] is True
    service = next(s for s in kiosk.services() if s["prefix"] == "A")
    assert (service["quota"], service["quota_left"]) == (1, 0)
    refused = hall.http("kiosk").post("/api/v1/tickets", json={"service": "A"})
    assert refused.status_code == 409 and refused.json()["code"] == "quota_reached"
    events = hall.client("admin").events(0)["events"]
    adjusted = [e for e in events if e["kind"] == EventKind.THEME_ADJUSTED]
    assert adjusted[-1]["data"]["by"] == "test-supervisor"        # the device's name
    assert adjusted[-1]["data"]["daily_quota"] == 1


def test_a_notice_is_read_by_every_device_until_taken_down(hall: Any) -> None:
    supervisor = hall.http("supervisor")
    posted = supervisor.post("/api/v1/notice", json={"text_zh": "系统升级，16:00 后暂停收件",
                                                     "text_en": "No intake after 16:00",
                                                     "minutes": 30})
    assert posted.status_code == 201, posted.text
    today = hall.http("display").get("/api/v1/today").json()
    assert today["notice"]["text_zh"] == "系统升级，16:00 后暂停收件"
    assert supervisor.delete("/api/v1/notice").status_code == 204
    assert hall.http("kiosk").get("/api/v1/today").json()["notice"] is None


def test_a_desk_may_not_and_a_bad_body_changes_nothing(hall: Any) -> None:
    admin = hall.client("admin")
    seq = admin.health()["last_seq"]
    desk = hall.http("desk").put("/api/v1/themes/A/today", json={"daily_quota": 5})
    assert desk.status_code == 403 and desk.json()["code"] == "forbidden"
    for body in ({"daily_quota": -3}, {"close_time": "24:10"}, {"quota": 5},
                 {"open_time": "17:00", "close_time": "09:00"}):
        answer = hall.http("supervisor").put("/api/v1/themes/A/today", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["message_zh"] and answer.json()["message_en"]
    unknown = hall.http("supervisor").put("/api/v1/themes/Q/today", json={"daily_quota": 5})
    assert unknown.status_code == 404
    assert admin.health()["last_seq"] == seq
    assert all(not t["changed"] for t in admin_today(hall)["themes"].values())


def test_a_staff_member_is_put_at_a_window(hall: Any) -> None:
    answer = hall.http("supervisor").put("/api/v1/windows/3/assignment",
                                         json={"staff_id": "S001"})
    assert answer.status_code == 200, answer.text
    window = next(w for w in hall.client("admin").windows() if w["number"] == "3")
    assert window["assigned_staff_id"] == "S001"
    nobody = hall.http("supervisor").put("/api/v1/windows/3/assignment",
                                         json={"staff_id": "NOBODY"})
    assert nobody.status_code == 422


def admin_today(hall: Any) -> dict:
    return hall.http("admin").get("/api/v1/today").json()
