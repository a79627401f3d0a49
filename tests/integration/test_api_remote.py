"""The hall node's cloud-calling API over a real uvicorn on loopback: what the sync agent, a
video window's console and a kiosk see (the relaying itself is in test_cloud_wiring.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

HOME = "GD-SZ-FT-001"


def lease_message(kind: str, ticket: str, lease: str = "NS/7/1", n: int = 1) -> dict:
    return {"kind": kind, "lease": lease, "home": HOME, "remote": "GD-SZ-NS-002/7",
            "ticket": ticket, "id": f"{lease}:{kind}:{n}"}


def test_only_the_sync_agent_relays_lease_messages(hall: Callable) -> None:
    for device in ("kiosk", "display", "caller-1"):
        assert hall.http(device).get("/api/v1/leases/outbox").status_code == 403
        refused = hall.http(device).post("/api/v1/leases/messages", json={"messages": []})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert hall.http().get("/api/v1/leases/outbox").status_code == 401
    bad = hall.http("sync").post("/api/v1/leases/messages",
                                 json={"messages": [{"kind": "steal", "lease": "x"}]})
    assert bad.status_code == 422 and bad.json()["code"] == "bad_request"
    assert bad.json()["message_zh"]


def test_a_ticket_lent_to_a_remote_window_goes_to_the_video_booth(hall: Callable) -> None:
    kiosk, sync = hall.http("kiosk"), hall.http("sync")
    ticket = kiosk.post("/api/v1/tickets", json={"service": "A02"}).json()
    answers = sync.post("/api/v1/leases/messages",
                        json={"messages": [lease_message("request", ticket["id"])]}).json()
    (granted,) = answers["answers"]
    assert granted["kind"] == "granted" and granted["reply_to"] == "NS/7/1:request:1"
    seen = kiosk.get(f"/api/v1/tickets/{ticket['id']}").json()
    assert seen["status"] == "leased"
    assert seen["booth"] == {"id": "V1", "name_zh": "视频服务区1号", "name_en": "Video booth 1"}
    page = hall.http().get(f"/t/{ticket['id']}").text
    assert "请到 视频服务区1号 办理" in page and "Video booth 1" in page
    events = kiosk.get("/api/v1/events").json()["events"]
    leased = [e for e in events if e["kind"] == "ticket.leased"]
    assert leased and leased[0]["data"]["number"] == ticket["number"]
    # started and finished by the remote window: finished here, without a local window
    for kind in ("start", "finish"):
        (answer,) = sync.post("/api/v1/leases/messages",
                              json={"messages": [lease_message(kind, ticket["id"])]}
                              ).json()["answers"]
        assert answer["kind"] == {"start": "started", "finish": "finished"}[kind]
    assert kiosk.get(f"/api/v1/tickets/{ticket['id']}").json()["status"] == "finished"


def test_a_video_window_calls_another_hall_through_the_agent(hall: Callable) -> None:
    console, sync = hall.http("caller-30"), hall.http("sync")
    assert hall.http("caller-1").post("/api/v1/windows/30/remote-call").status_code == 403
    assert console.post("/api/v1/windows/30/open").status_code == 200
    started = console.post("/api/v1/windows/30/remote-call")
    assert started.status_code == 202 and started.json()["state"] == "choosing"
    again = console.post("/api/v1/windows/30/remote-call")
    assert again.status_code == 409 and again.json()["code"] == "remote_busy"
    (choose,) = sync.get("/api/v1/leases/outbox").json()["choose"]
    assert choose["window"] == "30" and choose["skills"] == ["C", "A"]
    choice = {"hall": "GD-SZ-NS-002", "ticket": "20240312-C007", "theme": "C",
              "number": "C007", "name_zh": "南山区政务服务中心"}
    view = sync.post("/api/v1/leases/choices", json={"request": choose["request"],
                                                     "window": "30", "choice": choice}).json()
    assert view["state"] == "requesting" and view["number"] == "C007"
    (request,) = sync.get("/api/v1/leases/outbox").json()["messages"]
    assert request["kind"] == "request" and request["remote"] == f"{HOME}/30"
    granted = {**request, "kind": "granted", "expires_at": 1e10, "reply_to": request["id"]}
    assert sync.post("/api/v1/leases/messages",
                     json={"messages": [granted]}).json() == {"answers": []}
    state = console.get("/api/v1/windows/30/remote").json()
    assert state["state"] == "calling" and state["home_name_zh"] == "南山区政务服务中心"
    assert console.post("/api/v1/windows/30/call").json()["code"] == "remote_busy"
    assert console.post("/api/v1/windows/30/remote-finish").status_code == 409
    assert console.post("/api/v1/windows/30/remote-cancel").json()["state"] == "releasing"
    (release,) = sync.get("/api/v1/leases/outbox").json()["messages"]
    assert release["kind"] == "release"
    sync.post("/api/v1/leases/messages", json={"messages": [{**release, "kind": "released"}]})
    assert console.get("/api/v1/windows/30/remote").json()["state"] == "ended"
    assert console.post("/api/v1/windows/30/call").status_code == 204    # free again


def test_a_kiosk_refers_a_citizen_to_another_hall(hall: Callable) -> None:
    kiosk, sync = hall.http("kiosk"), hall.http("sync")
    made = kiosk.post("/api/v1/referrals", json={"item": "A02", "hall": "GD-SZ-NS-002"})
    assert made.status_code == 202 and made.json()["state"] == "pending"
    referral = made.json()["id"]
    (sent,) = sync.get("/api/v1/leases/outbox").json()["referrals"]
    assert sent == {"id": referral, "item": "A02", "hall": "GD-SZ-NS-002", "from_hall": HOME}
    # the agent of the chosen hall issues it there (the sync role may issue, as a referral)
    other = sync.post("/api/v1/tickets", json={"service": "A02", "channel": "referral"})
    assert other.status_code == 201 and other.json()["channel"] == "referral"
    ticket = {"id": "20240312-A031", "number": "A031", "hall": "GD-SZ-NS-002",
              "name_zh": "南山区政务服务中心", "ahead": 2, "expected_wait_s": 900}
    result = sync.post(f"/api/v1/referrals/{referral}/result", json={"ticket": ticket})
    assert result.json()["state"] == "issued"
    shown = kiosk.get(f"/api/v1/referrals/{referral}").json()
    assert shown["state"] == "issued" and shown["ticket"]["number"] == "A031"
    assert sync.get("/api/v1/leases/outbox").json()["referrals"] == []
    assert kiosk.get("/api/v1/referrals/nope").status_code == 404
    code = next(c for c, item in hall.config.items.items() if not item.anywhere)
    local_only = kiosk.post("/api/v1/referrals", json={"item": code, "hall": "GD-SZ-NS-002"})
    assert local_only.status_code == 409 and local_only.json()["code"] == "not_anywhere"


def test_kiosks_are_offered_only_halls_that_save_time_while_fresh(
        start_hall: Callable, hall_clock: Callable) -> None:
    hall = start_hall(clock=hall_clock)
    kiosk, sync, admin = hall.http("kiosk"), hall.http("sync"), hall.http("admin")
    admin.post("/api/v1/windows/1/open")
    for _ in range(12):
        kiosk.post("/api/v1/tickets", json={"service": "A02"})
    here = kiosk.get("/api/v1/recommend", params={"item": "A02"}).json()
    assert here["halls"] == [] and here["stale"] is True
    wait_here = here["here"]["wait_s"]
    assert wait_here > 3600      # 12 ahead, one window open
    recs = [{"hall": "GD-SZ-NS-002", "name_zh": "南山区政务服务中心", "name_en": "Nanshan",
             "expected_total_s": 1500, "wait_s": 300, "travel_s": 1200},
            {"hall": "GD-SZ-LH-003", "name_zh": "罗湖区政务服务中心", "name_en": "Luohu",
             "expected_total_s": wait_here - 60, "wait_s": 100, "travel_s": wait_here - 160},
            {"hall": HOME, "name_zh": "福田", "name_en": "Futian", "expected_total_s": 10,
             "wait_s": 10, "travel_s": 0}]
    at = hall_clock().timestamp()
    put = sync.put("/api/v1/sync/recommendations", json={"at": at, "items": {"A02": recs}})
    assert put.status_code == 200
    offered = kiosk.get("/api/v1/recommend", params={"item": "A02"}).json()
    assert [h["hall"] for h in offered["halls"]] == ["GD-SZ-NS-002"]   # saves ≥ 5 min
    assert offered["stale"] is False
    assert kiosk.get("/api/v1/recommend", params={"item": "A01"}).json()["halls"] == []
    hall_clock.set(10, 2)         # two minutes later, nothing newer came
    assert kiosk.get("/api/v1/recommend", params={"item": "A02"}).json()["halls"] == []
    assert kiosk.put("/api/v1/sync/recommendations",
                     json={"at": at, "items": {}}).status_code == 403


@pytest.mark.parametrize("path", ["remote-start", "remote-finish"])
def test_console_steps_out_of_order_are_refused(hall: Callable, path: str) -> None:
    console = hall.http("caller-30")
    console.post("/api/v1/windows/30/open")
    refused = console.post(f"/api/v1/windows/30/{path}")
    assert refused.status_code == 409 and refused.json()["message_en"]
