"""The hall API answers in exactly the shapes ``hall/schemas.py`` declares, which the apps'
type checks rest on: every key a body must have, no other at any depth, each value of its
type (strict: an int where a str is declared fails, as does a key left out of the schema)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import TypeAdapter

from hall.schemas import (
    ErrorBody,
    EventsBody,
    HallBody,
    HealthBody,
    OkBody,
    QueueEntryBody,
    RecommendBody,
    ReferralBody,
    RemoteCallBody,
    ServiceBody,
    StatsBody,
    TicketBody,
    WindowBody,
)

VIDEO_WINDOW = "30"  # skills C, A; video_booth = true in the example hall
OTHER = "GD-SZ-NS-002"


def assert_shape(body: Any, schema: Any) -> None:
    """``body`` is a ``schema`` exactly (pydantic drops the keys it does not know, so a body
    with one more key comes back different)."""
    assert TypeAdapter(schema).validate_python(body, strict=True) == body


def test_the_reads_and_a_ticket_through_its_day(hall) -> None:
    admin, kiosk = hall.client("admin"), hall.client("kiosk")
    assert_shape(admin.window_action("1", "open"), WindowBody)
    issued = kiosk.issue("A01")
    assert_shape(issued, TicketBody)
    kiosk.issue("A01")
    assert_shape(admin.window_queue("1"), list[QueueEntryBody])
    assert_shape(admin.call("1"), TicketBody)
    assert_shape(admin.window_action("1", "serve"), TicketBody)
    finished = admin.window_action("1", "finish")
    assert_shape(finished, TicketBody)
    assert_shape(kiosk.rate(finished["id"], 5), TicketBody)
    assert_shape(kiosk.ticket(issued["id"]), TicketBody)
    assert_shape(admin.window_action("1", "pause"), WindowBody)
    assert_shape(admin.hall(), HallBody)
    assert_shape(admin.services(), list[ServiceBody])
    assert_shape(admin.windows(), list[WindowBody])
    stats = admin.stats()
    assert_shape(stats, StatsBody)
    assert stats["ratings"]["5"] == 1 and stats["themes"]["A"]["mean_wait_s"] is not None
    assert_shape(admin.events(), EventsBody)
    assert_shape(admin.device_status("printer", "paper_out"), OkBody)
    missing = hall.http("kiosk").get("/api/v1/tickets/nope")
    assert missing.status_code == 404
    assert_shape(missing.json(), ErrorBody)


def test_health_before_and_after_the_agent_reports(hall) -> None:
    admin = hall.client("admin")
    assert_shape(admin.health(), HealthBody)
    hall.http("sync").post("/api/v1/sync/status", json={
        "events_behind": 0, "seconds_behind": 0.5, "central_reachable": True,
        "last_push_at": None}).raise_for_status()
    health = admin.health()
    assert_shape(health, HealthBody)
    assert health["sync"] is not None
    kiosk = hall.client("kiosk")
    assert_shape(kiosk.heartbeat(time.time(), [{"device": "printer", "state": "ready",
                                                "detail": ""}]), OkBody)
    health = admin.health()
    assert_shape(health, HealthBody)
    assert {"test-kiosk", "test-display"} <= {d["where"] for d in health["devices"]}


def test_a_recommendation_and_a_referral(hall) -> None:
    sync, admin, kiosk = hall.http("sync"), hall.client("admin"), hall.client("kiosk")
    admin.window_action("1", "open")
    for _ in range(12):
        admin.issue("A02", channel="staff")
    recs = [{"hall": OTHER, "name_zh": "南山区政务服务中心", "name_en": "Nanshan",
             "expected_total_s": 1500, "wait_s": 300, "travel_s": 1200}]
    sync.put("/api/v1/sync/recommendations", json={"at": time.time(),
                                                   "items": {"A02": recs}})
    recommended = kiosk.recommend("A02")
    assert_shape(recommended, RecommendBody)
    assert [h["hall"] for h in recommended["halls"]] == [OTHER]
    referral = kiosk.refer("A02", OTHER)
    assert_shape(referral, ReferralBody)
    ticket = {"id": "20240312-A031", "number": "A031", "hall": OTHER, "ahead": 2,
              "expected_wait_s": 300, "url": "http://ns.example/t/20240312-A031"}
    sync.post(f"/api/v1/referrals/{referral['id']}/result", json={"ticket": ticket})
    issued = kiosk.referral(referral["id"])
    assert_shape(issued, ReferralBody)
    assert issued["ticket"] is not None and issued["ticket"]["number"] == "A031"


def test_a_window_calling_another_hall(hall) -> None:
    console = hall.client(f"caller-{VIDEO_WINDOW}")
    assert_shape(console.remote_state(VIDEO_WINDOW), RemoteCallBody)
    console.sign_in(VIDEO_WINDOW, staff_id="S001", pin="1234")
    calling = console.remote_step(VIDEO_WINDOW, "remote_call")
    assert_shape(calling, RemoteCallBody)
    assert calling["state"] == "choosing"
