"""The hall node's cloud-calling API over a real uvicorn on loopback: what the sync agent, a
video window's console and a kiosk see (the relaying itself is in test_cloud_wiring.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from hall.events import EventKind
from tests.helpers.browser import page_state

HOME = "GD-SZ-FT-001"
#: A console opens its window by signing in (the example hall's 王晓明).
SIGN_IN = {"staff_id": "S001", "pin": "1234"}


def lease_message(kind: str, ticket: str, lease: str = "NS/7/1", n: int = 1) -> dict:
    return {"kind": kind, "lease": lease, "home": HOME, "remote": "GD-SZ-NS-002/7",
            "ticket": ticket, "id": f"{lease}:{kind}:{n}"}


@pytest.mark.allow_log("lease messages refused")
def test_only_the_sync_agent_relays_lease_messages(hall: Callable) -> None:
    for device in ("kiosk", "display", "caller-1"):
        assert hall.http(device).get("/api/v1/leases/outbox").status_code == 403
        refused = hall.http(device).post("/api/v1/leases/messages", json={"messages": []})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert hall.http().get("/api/v1/leases/outbox").status_code == 401
    bad = hall.http("sync").post("/api/v1/leases/messages",
                                 json={"messages": [{"kind": "steal", "lease": "x"}]})
    assert bad.status_code == 200 and bad.json()["answers"] == []
    (refused,) = bad.json()["refused"]
    assert refused["index"] == 0 and refused["code"] == "bad_request" and refused["message_zh"]
    not_a_batch = hall.http("sync").post("/api/v1/leases/messages", json={"messages": "x"})
    assert not_a_batch.status_code == 422 and not_a_batch.json()["code"] == "bad_request"


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
    page = hall.http().get(urlsplit(ticket["url"]).path).text
    state = page_state(page)       # the live page opens on it; its script says "请到 {p} 办理"
    assert (state["status"], state["place_zh"], state["place_en"]) == \
        ("booth", "视频服务区1号", "Video booth 1")
    events = kiosk.get("/api/v1/events").json()["events"]
    leased = [e for e in events if e["kind"] == EventKind.TICKET_LEASED]
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
    assert console.post("/api/v1/windows/30/sign-in", json=SIGN_IN).status_code == 200
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
                     json={"messages": [granted]}).json() == {"answers": [], "refused": []}
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
    not_a_hall = kiosk.post("/api/v1/referrals", json={"item": "A02", "hall": "HB/../x y"})
    assert not_a_hall.status_code == 422 and not_a_hall.json()["code"] == "bad_request"
    assert len(sync.get("/api/v1/leases/outbox").json()["referrals"]) == 0, "nothing sent"


def busy_hall(start_hall: Callable, hall_clock: Callable) -> tuple[Any, Any, Any]:
    """A hall with one window open and 12 citizens waiting for A02 (over an hour's wait):
    the hall, and its kiosk's and sync agent's HTTP clients."""
    hall = start_hall(clock=hall_clock)
    kiosk, sync = hall.http("kiosk"), hall.http("sync")
    hall.http("admin").post("/api/v1/windows/1/open")
    for _ in range(12):
        kiosk.post("/api/v1/tickets", json={"service": "A02"})
    return hall, kiosk, sync


def test_kiosks_are_offered_only_halls_that_save_time_while_fresh(
        start_hall: Callable, hall_clock: Callable) -> None:
    hall, kiosk, sync = busy_hall(start_hall, hall_clock)
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
    console.post("/api/v1/windows/30/sign-in", json=SIGN_IN)
    refused = console.post(f"/api/v1/windows/30/{path}")
    assert refused.status_code == 409 and refused.json()["message_en"]


# ---------------------------------------------------------------------- bad input from the cloud
def raw(client: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    """``body`` sent as Python's json writes it: NaN and Infinity as JavaScript literals."""
    return client.request(method, path, content=json.dumps(body, allow_nan=True),
                          headers={"content-type": "application/json"})


def refused(response: httpx.Response, status: int = 422, code: str = "bad_request") -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["message_zh"] and response.json()["message_en"]


@pytest.mark.parametrize("choice", [
    {}, {"hall": {"a": [1]}, "ticket": ["x"], "item": {"deep": 1}},
    {"hall": "HB/../x y", "ticket": "20240312-C007"}, {"hall": "GD-SZ-NS-002"},
    {"hall": "GD-SZ-NS-002", "ticket": "t" * 65},
    {"hall": "GD-SZ-NS-002", "ticket": "20240312-C007", "wait_s": float("inf")},
    {"hall": "GD-SZ-NS-002", "ticket": "20240312-C007", "name_zh": "名" * 201}])
def test_a_bad_choice_from_central_is_refused_and_the_window_keeps_waiting(
        hall: Callable, choice: dict) -> None:
    console, sync = hall.http("caller-30"), hall.http("sync")
    console.post("/api/v1/windows/30/sign-in", json=SIGN_IN)
    console.post("/api/v1/windows/30/remote-call")
    (choose,) = sync.get("/api/v1/leases/outbox").json()["choose"]
    before = console.get("/api/v1/windows/30/remote").json()
    events = len(console.get("/api/v1/events").json()["events"])
    refused(raw(sync, "POST", "/api/v1/leases/choices",
                {"request": choose["request"], "window": "30", "choice": choice}))
    assert console.get("/api/v1/windows/30/remote").json() == before
    assert before["state"] == "choosing" and before["home"] == ""
    assert len(console.get("/api/v1/events").json()["events"]) == events
    assert sync.get("/api/v1/leases/outbox").json()["messages"] == []
    good = {"hall": "GD-SZ-NS-002", "ticket": "20240312-C007", "theme": "C",
            "number": "C007", "wait_s": 900.0, "item": None, "name_zh": "南山", "name_en": "NS"}
    taken = sync.post("/api/v1/leases/choices", json={"request": choose["request"],
                                                       "window": "30", "choice": good})
    assert taken.status_code == 200 and taken.json()["state"] == "requesting"
    assert taken.json()["home"] == "GD-SZ-NS-002" and taken.json()["ticket"] == "20240312-C007"


@pytest.mark.allow_log("lease messages refused")
def test_lease_messages_are_checked_one_by_one_and_the_good_ones_handled(
        hall: Callable) -> None:
    kiosk, sync = hall.http("kiosk"), hall.http("sync")
    first = kiosk.post("/api/v1/tickets", json={"service": "A02"}).json()["id"]
    second = kiosk.post("/api/v1/tickets", json={"service": "A02"}).json()["id"]
    good = lease_message("request", first)
    bad = [{**lease_message("request", second, lease="NS/7/2"), **change} for change in (
        {"ticket": {"a": [1]}}, {"ticket": "x" * 1_000_000}, {"expires_at": float("nan")},
        {"expires_at": None}, {"home": ["GD-SZ-FT-001"]}, {"kind": "steal"})]
    answer = raw(sync, "POST", "/api/v1/leases/messages",
                 {"messages": [bad[0], good, *bad[1:], "not an object"]})
    assert answer.status_code == 200, answer.text
    (granted,) = answer.json()["answers"]
    assert granted["kind"] == "granted" and granted["ticket"] == first
    assert [r["index"] for r in answer.json()["refused"]] == [0, 2, 3, 4, 5, 6, 7]
    for one in answer.json()["refused"]:
        assert one["code"] == "bad_request" and one["message_zh"] == "租约消息格式有误"
        assert len(one["message_en"]) < 200       # the bad value is not echoed back
    assert kiosk.get(f"/api/v1/tickets/{first}").json()["status"] == "leased"
    assert kiosk.get(f"/api/v1/tickets/{second}").json()["status"] == "waiting"
    # nothing but bad ones: nothing changes, still an answer the agent can act on
    events = len(kiosk.get("/api/v1/events").json()["events"])
    only_bad = raw(sync, "POST", "/api/v1/leases/messages", {"messages": bad})
    assert only_bad.status_code == 200 and only_bad.json()["answers"] == []
    assert len(only_bad.json()["refused"]) == len(bad)
    assert kiosk.get(f"/api/v1/tickets/{second}").json()["status"] == "waiting"
    assert len(kiosk.get("/api/v1/events").json()["events"]) == events


def test_recommendations_with_unreal_times_are_refused_and_the_last_ones_kept(
        start_hall: Callable, hall_clock: Callable) -> None:
    hall, kiosk, sync = busy_hall(start_hall, hall_clock)
    now = hall_clock().timestamp()
    rec = {"hall": "GD-SZ-NS-002", "name_zh": "南山", "name_en": "Nanshan",
           "expected_total_s": 1500, "wait_s": 300, "travel_s": 1200}
    assert sync.put("/api/v1/sync/recommendations",
                    json={"at": now + 60, "items": {"A02": [rec]}}).status_code == 200  # skew
    kept = kiosk.get("/api/v1/recommend", params={"item": "A02"}).json()
    assert kept["at"] == now + 60 and kept["stale"] is False and len(kept["halls"]) == 1
    for at, items in ((float("inf"), {}), (float("nan"), {}), (1e300, {"A02": [rec]}),
                      (now + 3600, {"A02": [rec]}), (True, {}), (-1, {}), ("1", {}),
                      (now, {"A02": [{**rec, "expected_total_s": float("inf")}]}),
                      (now, {"A02": [{**rec, "wait_s": float("nan")}]}),
                      (now, {"A02": [{**rec, "travel_s": True}]}),
                      (now, {"A02": [{**rec, "hall": {"a": 1}}]}),
                      (now, {"A02": [{**rec, "hall": "HB/../x y"}]}),
                      (now, {"A02": [{**rec, "name_zh": "名" * 201}]}),
                      (now, {"x" * 33: [rec]})):
        refused(raw(sync, "PUT", "/api/v1/sync/recommendations", {"at": at, "items": items}))
        assert kiosk.get("/api/v1/recommend", params={"item": "A02"}).json() == kept
    hall_clock.set(10, 3)         # three minutes later, nothing newer came: stale after all
    assert kiosk.get("/api/v1/recommend", params={"item": "A02"}).json()["stale"] is True


def test_a_referral_result_is_a_real_ticket_or_error_and_a_bad_one_changes_nothing(
        hall: Callable) -> None:
    kiosk, sync = hall.http("kiosk"), hall.http("sync")
    referral = kiosk.post("/api/v1/referrals",
                          json={"item": "A02", "hall": "GD-SZ-NS-002"}).json()["id"]
    ticket = {"id": "20240312-A031", "number": "A031", "hall": "GD-SZ-NS-002",
              "name_zh": "南山区政务服务中心", "name_en": "Nanshan", "ahead": 2,
              "expected_wait_s": 900, "url": "http://ns.local/t/20240312-A031",
              "id_masked": None, "elderly": False}
    error = {"code": "quota_reached", "message_zh": "今日号已取完", "message_en": "No more"}
    path = f"/api/v1/referrals/{referral}/result"
    before = kiosk.get(f"/api/v1/referrals/{referral}").json()
    for body in ({}, {"ticket": {}}, {"error": {}}, {"error": {"x": [1]}},
                 {"ticket": None, "error": None}, {"ticket": ticket, "error": error},
                 {"ticket": {**ticket, "id": {"a": [1]}}},
                 {"ticket": {**ticket, "hall": "HB/../x y"}},
                 {"ticket": {**ticket, "ahead": -1}}, {"ticket": {**ticket, "ahead": True}},
                 {"ticket": {**ticket, "expected_wait_s": float("inf")}},
                 {"ticket": {**ticket, "expected_wait_s": float("nan")}},
                 {"ticket": {**ticket, "id_masked": ["1101**1234"]}},
                 {"ticket": {**ticket, "url": "u" * 2049}}, {"ticket": {**ticket, "id": ""}},
                 {"error": {**error, "code": ""}}, {"error": {**error, "message_zh": 1}}):
        refused(raw(sync, "POST", path, body))
        assert kiosk.get(f"/api/v1/referrals/{referral}").json() == before
    assert before["state"] == "pending"
    assert [r["id"] for r in sync.get("/api/v1/leases/outbox").json()["referrals"]] == [
        referral]
    issued = sync.post(path, json={"ticket": {**ticket, "from_a_newer_central": 1}})
    assert issued.status_code == 200 and issued.json()["state"] == "issued"
    assert issued.json()["ticket"] == ticket
    other = kiosk.post("/api/v1/referrals", json={"item": "A02", "hall": "GD-SZ-NS-002"})
    refusal = sync.post(f"/api/v1/referrals/{other.json()['id']}/result", json={"error": error})
    assert refusal.json()["state"] == "refused" and refusal.json()["error"] == error


def test_a_referred_ticket_is_cancelled_only_for_its_own_referral(hall: Callable) -> None:
    kiosk, sync = hall.http("kiosk"), hall.http("sync")
    first = sync.post("/api/v1/referrals/incoming",
                      json={"referral": "R1", "item": "A02", "from_hall": "GD-SZ-NS-002"})
    assert first.status_code == 201
    ticket = first.json()["id"]
    events = len(kiosk.get("/api/v1/events").json()["events"])
    refused(sync.post("/api/v1/referrals/incoming/cancel",
                      json={"referral": "R-OTHER", "ticket": ticket}), 409, "wrong_referral")
    assert kiosk.get(f"/api/v1/tickets/{ticket}").json()["status"] == "waiting"
    assert len(kiosk.get("/api/v1/events").json()["events"]) == events
    refused(sync.post("/api/v1/referrals/incoming/rating",
                      json={"referral": "R-OTHER", "ticket": ticket, "level": 1}),
            409, "wrong_referral")
    cancelled = sync.post("/api/v1/referrals/incoming/cancel",
                          json={"referral": "R1", "ticket": ticket})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
