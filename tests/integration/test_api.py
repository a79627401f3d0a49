"""The hall node's LAN API over a real uvicorn on 127.0.0.1: what kiosks, consoles, displays
and phones see, including every refusal with its code and bilingual message."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from hall.api import dependencies as hall_api
from hall.client import EventStream, HallApiError, HallClient
from hall.events import EventKind
from hall.store import Store
from tests.helpers.browser import page_state


def _id_number(born: date, serial: str = "123") -> str:
    first17 = f"440308{born:%Y%m%d}{serial}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return first17 + ("X" if value == 10 else str(value))


def _refused(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["message_zh"] and body["message_en"]
    assert set(body) == {"code", "message_zh", "message_en"}
    return body


def _api_error(call: Any, status: int, code: str) -> HallApiError:
    with pytest.raises(HallApiError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.message_zh and caught.value.message_en
    return caught.value


def _open(hall: Any, *numbers: str) -> None:
    admin = hall.client("admin")
    for number in numbers:
        admin.window_action(number, "open")


# ---------------------------------------------------------------------- access
def test_health_needs_no_token(hall: Any) -> None:
    response = hall.http().get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["hall_id"], body["api_version"]) == ("ok", "GD-SZ-FT-001", "1")
    assert body["last_seq"] == 0


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"},
                                     {"Authorization": "Token abc"}])
def test_everything_else_needs_a_paired_token(hall: Any, headers: dict) -> None:
    http = hall.http()
    for method, path in (("GET", "/api/v1/hall"), ("GET", "/api/v1/services"),
                         ("POST", "/api/v1/tickets"), ("POST", "/api/v1/windows/1/call"),
                         ("GET", "/api/v1/events")):
        response = http.request(method, path, headers=headers, json={"service": "A"})
        _refused(response, 401, "unauthorized")
    assert hall.http().get("/api/v1/health").json()["last_seq"] == 0   # nothing happened


def _revoke(hall: Any, name: str) -> None:
    """Revoke a device from another connection, as ``hallq revoke NAME`` does from its own
    process while the node runs."""
    store = Store(hall.server.node.data_dir / "hall.sqlite3")
    try:
        assert store.revoke(name) == 1
    finally:
        store.close()


def test_a_revoked_device_is_refused_by_the_running_node(
        hall: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hall_api, "TOKEN_RECHECK_S", 0.2)
    kiosk = hall.http("kiosk")
    assert kiosk.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    _revoke(hall, "test-kiosk")
    time.sleep(0.3)
    for method, path in (("POST", "/api/v1/tickets"), ("GET", "/api/v1/services")):
        _refused(kiosk.request(method, path, json={"service": "A"}), 401, "unauthorized")
    assert hall.http("display").get("/api/v1/services").status_code == 200   # others work
    assert len(hall.http("admin").get("/api/v1/events").json()["events"]) == 1  # one ticket


def test_a_console_acts_only_on_its_own_window(hall: Any) -> None:
    console_3 = hall.client("caller-3")
    _api_error(lambda: console_3.call("4"), 403, "forbidden")
    _api_error(lambda: console_3.sign_in("4", staff_id="S001", pin="1234"), 403, "forbidden")
    _api_error(lambda: console_3.transfer("4", to_service="B"), 403, "forbidden")
    assert console_3.sign_in("3", staff_id="S001", pin="1234")["status"] == "open"
    assert console_3.hall()["device"] == {"role": "caller", "window": "3",
                                          "name": "console-3"}


def test_roles_limit_what_a_device_may_do(hall: Any) -> None:
    display = hall.client("display")
    kiosk = hall.client("kiosk")
    err = _api_error(lambda: display.issue("A"), 403, "forbidden")
    assert "display" in err.message_en
    _api_error(lambda: kiosk.call("1"), 403, "forbidden")
    _api_error(lambda: kiosk.window_action("1", "open"), 403, "forbidden")
    _api_error(lambda: kiosk.save_appointment("AP1", "A", 1710208800, 1710210600),
               403, "forbidden")
    # the display reads everything it shows
    assert len(display.windows()) == 30
    assert [s["prefix"] for s in display.services()] == ["A", "B", "C"]
    assert display.events()["events"] == []


# ---------------------------------------------------------------------- issuing
def test_issue_a_ticket(hall: Any) -> None:
    kiosk = hall.http("kiosk")
    response = kiosk.post("/api/v1/tickets", json={"service": "A"})
    assert response.status_code == 201
    first = response.json()
    assert first["number"] == "A001" and first["service"] == "A"
    assert first["id"].endswith("-A001") and first["status"] == "waiting"
    # no window is open yet: the wait says so instead of a number
    assert first["ahead"] == 0 and first["expected_wait_s"] is None
    assert first["wait_kind"] == "no_window"
    assert first["service_name_zh"] == "商事登记"
    second = kiosk.post("/api/v1/tickets", json={"service": "a02", "channel": "phone"}).json()
    assert (second["number"], second["item"], second["channel"]) == ("A002", "A02", "phone")
    assert second["item_name_zh"] == "企业变更登记"
    assert second["ahead"] == 1 and second["wait_kind"] == "no_window"
    assert second["url"].startswith(f"http://hallq.local:8470/t/{second['id']}.")


def test_real_name_ticket_shows_only_the_masked_number(hall: Any) -> None:
    person = _id_number(date(1950, 3, 1))
    response = hall.http("kiosk").post("/api/v1/tickets",
                                       json={"service": "C", "id_number": person})
    assert response.status_code == 201
    ticket = response.json()
    assert ticket["id_masked"] == person[:4] + "*" * 10 + person[-4:]
    assert ticket["elderly"] is True
    assert person not in response.text
    events = hall.client("display").events()
    assert person not in json.dumps(events) and "id_hash" not in json.dumps(events)


def test_unknown_service_is_404(hall: Any) -> None:
    body = _refused(hall.http("kiosk").post("/api/v1/tickets", json={"service": "Z9"}),
                    404, "unknown_service")
    assert "Z9" in body["message_en"]


def test_quota_reached(start_hall: Any) -> None:
    hall = start_hall(themes={"B": {"daily_quota": 2}})
    kiosk = hall.http("kiosk")
    for _ in range(2):
        assert kiosk.post("/api/v1/tickets", json={"service": "B"}).status_code == 201
    body = _refused(kiosk.post("/api/v1/tickets", json={"service": "B01"}), 409, "quota_reached")
    assert "工程建设" in body["message_zh"]
    assert kiosk.post("/api/v1/tickets", json={"service": "A"}).status_code == 201


def test_per_id_daily_limit(hall: Any) -> None:
    kiosk = hall.http("kiosk")
    person = _id_number(date(1988, 8, 8))
    for _ in range(2):
        response = kiosk.post("/api/v1/tickets", json={"service": "A", "id_number": person})
        assert response.status_code == 201
    response = kiosk.post("/api/v1/tickets", json={"service": "A", "id_number": person})
    _refused(response, 409, "id_limit_reached")
    assert person not in response.text
    assert kiosk.post("/api/v1/tickets",
                      json={"service": "B", "id_number": person}).status_code == 201


def test_invalid_id_number_is_422(hall: Any) -> None:
    response = hall.http("kiosk").post("/api/v1/tickets",
                                       json={"service": "A", "id_number": "440308199901011235"})
    _refused(response, 422, "invalid_id_number")
    assert "440308199901011235" not in response.text


@pytest.mark.parametrize("body", [{}, {"service": ""}, {"service": "A", "channel": "fax"},
                                  {"service": "A", "colour": "red"}, {"service": 7},
                                  {"service": "A" * 40}])
def test_bad_body_is_422_bad_request(hall: Any, body: dict) -> None:
    _refused(hall.http("kiosk").post("/api/v1/tickets", json=body), 422, "bad_request")


def test_not_json_is_422_bad_request(hall: Any) -> None:
    response = hall.http("kiosk").post("/api/v1/tickets", content=b"service=A",
                                       headers={"Content-Type": "application/json"})
    _refused(response, 422, "bad_request")


def test_closed_and_cutoff_follow_the_hall_clock(start_hall: Any, hall_clock: Any) -> None:
    clock = hall_clock
    hall = start_hall(clock=clock)
    kiosk = hall.http("kiosk")
    clock.set(20, 0)
    body = _refused(kiosk.post("/api/v1/tickets", json={"service": "A"}), 409, "closed")
    assert "09:00" in body["message_zh"] and "18:00" in body["message_en"]
    clock.set(17, 45)
    _refused(kiosk.post("/api/v1/tickets", json={"service": "C"}), 409, "cutoff")
    clock.set(10, 0, days=5)                        # Sunday
    _refused(kiosk.post("/api/v1/tickets", json={"service": "A"}), 409, "closed")
    clock.set(10, 0, days=6)                        # Monday
    ticket = kiosk.post("/api/v1/tickets", json={"service": "A"}).json()
    assert ticket["id"] == "20240318-A001"


# ---------------------------------------------------------------------- tickets and windows
def test_get_ticket_shows_status_and_position(hall: Any) -> None:
    kiosk = hall.client("kiosk")
    first, second = kiosk.issue("C"), kiosk.issue("C")
    seen = hall.client("display").ticket(second["id"])
    assert (seen["number"], seen["status"], seen["ahead"]) == ("C002", "waiting", 1)
    _open(hall, "20")
    hall.client("caller-20").call("20")
    assert hall.client("display").ticket(second["id"])["ahead"] == 0
    called = kiosk.ticket(first["id"])
    assert (called["status"], called["window"], called["ahead"]) == ("called", "20", None)
    _api_error(lambda: kiosk.ticket("20240101-A001"), 404, "unknown_ticket")


def test_call_returns_the_ticket_or_204_when_nobody_waits(hall: Any) -> None:
    _open(hall, "14")
    http = hall.http("caller-14")
    response = http.post("/api/v1/windows/14/call")
    assert response.status_code == 204 and response.content == b""
    hall.client("kiosk").issue("B")
    response = http.post("/api/v1/windows/14/call")
    assert response.status_code == 200
    assert (response.json()["number"], response.json()["window"]) == ("B001", "14")
    _refused(http.post("/api/v1/windows/14/call"), 409, "window_busy")


def test_a_window_console_day(hall: Any) -> None:
    kiosk, console = hall.client("kiosk"), hall.client("caller-1")
    _api_error(lambda: console.call("1"), 409, "window_closed")
    opened = console.sign_in("1", staff_id="S001", pin="1234")
    assert (opened["status"], opened["staff_id"], opened["staff_name_zh"]) == \
        ("open", "S001", "王晓明")
    tickets = [kiosk.issue("A") for _ in range(4)]
    assert console.call("1")["id"] == tickets[0]["id"]
    recalled = console.window_action("1", "recall")
    assert recalled["recalls"] == 1
    for _ in range(2):
        console.window_action("1", "recall")
    _api_error(lambda: console.window_action("1", "recall"), 409, "recall_limit")
    no_show = console.window_action("1", "no-show")
    assert no_show["status"] == "no_show"
    assert console.call("1")["id"] == tickets[1]["id"]
    assert console.window_action("1", "serve")["status"] == "serving"
    finished = console.window_action("1", "finish")
    assert finished["status"] == "finished" and finished["finished_at"]
    back = console.recheck_in(tickets[0]["id"])        # at the window that missed them
    assert (back["status"], back["ahead"]) == ("waiting", 2)       # end of a short line
    _api_error(lambda: hall.client("desk").recheck_in(tickets[0]["id"]), 409, "bad_state")
    paused = console.window_action("1", "pause")
    assert paused["status"] == "paused"
    _api_error(lambda: console.call("1"), 409, "window_paused")
    assert console.window_action("1", "resume")["status"] == "open"
    assert console.window_action("1", "close")["status"] == "closed"
    _api_error(lambda: console.window_action("1", "close"), 409, "bad_state")
    assert console.sign_in("1", staff_id="S002", pin="2345")["staff_id"] == "S002"
    console.window_action("1", "close")
    _api_error(lambda: console.window_action("1", "finish"), 409, "window_idle")
    _api_error(lambda: console.window_action("99", "open"), 403, "forbidden")
    _api_error(lambda: hall.client("admin").window_action("99", "open"), 404, "unknown_window")


def test_sign_in_with_a_badge_and_wrong_pins(hall: Any) -> None:
    console = hall.client("caller-2")
    _api_error(lambda: console.sign_in("2", staff_id="S001", pin="0000"), 401, "bad_credentials")
    _api_error(lambda: console.sign_in("2", staff_id="S404", pin="1234"), 401, "bad_credentials")
    _api_error(lambda: console.sign_in("2", badge_uid="DEADBEEF"), 401, "bad_credentials")
    window = console.sign_in("2", badge_uid="04b2c3d4e5f607")      # case of the UID ignored
    assert (window["status"], window["staff_id"]) == ("open", "S002")


def test_transfer_to_a_theme_and_to_a_named_window(hall: Any) -> None:
    kiosk = hall.client("kiosk")
    _open(hall, "1", "2", "3", "14")
    early_b = kiosk.issue("B")
    moved = kiosk.issue("A")
    late_b = kiosk.issue("B")
    assert hall.client("caller-1").call("1")["id"] == moved["id"]
    transferred = hall.client("caller-1").transfer("1", to_service="B03")
    assert (transferred["status"], transferred["service"], transferred["item"]) == \
        ("waiting", "B", "B03")
    assert transferred["ahead"] == 1                               # behind the earlier B only
    queue = hall.client("display").window_queue("14")
    assert [t["id"] for t in queue] == [early_b["id"], moved["id"], late_b["id"]]
    assert queue[1]["transferred"] is True

    again = kiosk.issue("A")
    later = kiosk.issue("A")
    assert hall.client("caller-2").call("2")["id"] == again["id"]
    named = hall.client("caller-2").transfer("2", to_window="3")
    assert named["window"] == "3" and named["ahead"] == 0
    assert hall.client("caller-1").call("1")["id"] == later["id"]     # not for window 1
    assert hall.client("caller-3").call("3")["id"] == again["id"]
    _api_error(lambda: hall.client("caller-3").transfer("3", to_window="3"), 422, "bad_transfer")
    response = hall.http("caller-3").post("/api/v1/windows/3/transfer",
                                          json={"to_service": "B", "to_window": "2"})
    _refused(response, 422, "bad_transfer")


def test_green_channel_and_cancel(hall: Any) -> None:
    kiosk = hall.client("kiosk")
    first, second = kiosk.issue("A"), kiosk.issue("A")
    _api_error(lambda: kiosk.set_green(second["id"]), 403, "forbidden")
    assert hall.client("admin").set_green(second["id"])["ahead"] == 0
    assert kiosk.cancel(first["id"], first["cancel_token"])["status"] == "cancelled"
    _api_error(lambda: kiosk.cancel(first["id"], first["cancel_token"]), 409, "bad_state")


def test_rating_a_finished_service(hall: Any) -> None:
    kiosk = hall.client("kiosk")
    ticket = kiosk.issue("C")
    _api_error(lambda: kiosk.rate(ticket["id"], 5), 409, "bad_state")
    _open(hall, "21")
    hall.client("caller-21").call("21")
    hall.client("caller-21").window_action("21", "finish")
    for odd in (True, "5", 4.5):        # never coerced: true would be 1, 非常不满意, for good
        _refused(hall.http("kiosk").post(f"/api/v1/tickets/{ticket['id']}/rating",
                                         json={"level": odd}), 422, "bad_request")
    assert kiosk.rate(ticket["id"], 5)["rating"] == 5
    _api_error(lambda: kiosk.rate(ticket["id"], 4), 409, "already_rated")
    _refused(hall.http("kiosk").post(f"/api/v1/tickets/{ticket['id']}/rating",
                                     json={"level": 6}), 422, "bad_request")
    stats = hall.client("admin").stats()
    assert stats["ratings"]["5"] == 1 and stats["themes"]["C"]["served"] == 1


def test_appointment_holder_gets_priority(hall: Any) -> None:
    now = time.time()
    hall.client("sync").save_appointment("AP-1", "A03", now - 60, now + 1800)
    kiosk = hall.client("kiosk")
    walk_in = kiosk.issue("A")
    booked = kiosk.issue("A", channel="appointment", appointment_id="AP-1")
    assert (booked["ahead"], booked["item"], booked["appointment_id"]) == (0, "A03", "AP-1")
    assert kiosk.ticket(walk_in["id"])["ahead"] == 1
    _api_error(lambda: kiosk.issue("A", appointment_id="AP-1"), 409, "appointment_used")


# ---------------------------------------------------------------------- events and stream
def test_events_after_a_sequence_number(hall: Any) -> None:
    kiosk, display = hall.client("kiosk"), hall.client("display")
    _open(hall, "20")
    kiosk.issue("C")
    hall.client("caller-20").call("20")
    everything = display.events()
    assert [(e["seq"], e["kind"]) for e in everything["events"]] == [
        (1, EventKind.WINDOW_OPENED), (2, EventKind.TICKET_ISSUED), (3, EventKind.TICKET_CALLED)]
    assert everything["last_seq"] == 3
    assert all(e["hall_id"] == "GD-SZ-FT-001" for e in everything["events"])
    assert [e["seq"] for e in display.events(after=1)["events"]] == [2, 3]
    assert display.events(after=3)["events"] == []
    assert [e["seq"] for e in display.events(after=0, limit=1)["events"]] == [1]
    _refused(hall.http("display").get("/api/v1/events", params={"after": -1}), 422,
             "bad_request")


def _ws_url(hall: Any, after: int = 0) -> str:
    return hall.url.replace("http://", "ws://") + f"/api/v1/stream?after={after}"


def test_stream_sends_events_as_they_commit_and_resumes(hall: Any) -> None:
    kiosk = hall.client("kiosk")
    kiosk.issue("A")
    headers = {"Authorization": f"Bearer {hall.tokens['display']}"}
    with connect(_ws_url(hall), additional_headers=headers, open_timeout=5) as ws:
        backlog = json.loads(ws.recv(timeout=5))
        assert (backlog["seq"], backlog["kind"]) == (1, EventKind.TICKET_ISSUED)
        kiosk.issue("B")
        live = json.loads(ws.recv(timeout=5))
        assert (live["seq"], live["kind"], live["data"]["number"]) == (2, EventKind.TICKET_ISSUED,
                                                                       "B001")
        _open(hall, "14")
        hall.client("caller-14").call("14")
        kinds = [json.loads(ws.recv(timeout=5))["kind"] for _ in range(2)]
        assert kinds == [EventKind.WINDOW_OPENED, EventKind.TICKET_CALLED]
    kiosk.issue("C")                              # while nobody listens
    with connect(_ws_url(hall, after=2), additional_headers=headers, open_timeout=5) as ws:
        resumed = [json.loads(ws.recv(timeout=5))["seq"] for _ in range(3)]
        assert resumed == [3, 4, 5]
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.3)                  # nothing more, nothing twice
    deadline = time.monotonic() + 5
    while hall.client("display").health()["subscribers"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert hall.client("display").health()["subscribers"] == 0


def test_a_revoked_display_gets_no_more_events(hall: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hall_api, "TOKEN_RECHECK_S", 0.2)
    kiosk = hall.client("kiosk")
    url = _ws_url(hall) + f"&token={hall.tokens['display']}"
    with connect(url, open_timeout=5) as ws:
        kiosk.issue("A")
        assert json.loads(ws.recv(timeout=5))["data"]["number"] == "A001"
        _revoke(hall, "test-display")
        time.sleep(0.3)
        kiosk.issue("A")                          # the next event is not sent to it
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "unauthorized")
    with connect(url, open_timeout=5) as ws:      # nor can it come back
        with pytest.raises(ConnectionClosed) as refused:
            ws.recv(timeout=5)
        assert refused.value.rcvd.code == 4401


def test_stream_token_in_query_and_refusals(hall: Any) -> None:
    url = _ws_url(hall) + f"&token={hall.tokens['kiosk']}"
    with connect(url, open_timeout=5) as ws:
        hall.client("kiosk").issue("A")
        assert json.loads(ws.recv(timeout=5))["kind"] == EventKind.TICKET_ISSUED
    # a refused stream is closed with a code that says why: 4401 unknown token
    for query in ("&token=wrong", ""):
        with connect(_ws_url(hall) + query, open_timeout=5) as ws:
            with pytest.raises(ConnectionClosed) as refused:
                ws.recv(timeout=5)
        assert refused.value.rcvd is not None
        assert (refused.value.rcvd.code, refused.value.rcvd.reason) == (4401, "unauthorized")


def test_event_stream_client_follows_in_order(hall: Any) -> None:
    received: list[dict] = []
    done = threading.Event()

    def on_event(event: dict) -> None:
        received.append(event)
        if len(received) == 6:
            done.set()

    stream = EventStream(hall.url, hall.tokens["display"], on_event).start()
    try:
        assert stream.wait_connected(5)
        kiosk = hall.client("kiosk")
        for service in ("A", "B", "C", "A", "B", "C"):
            kiosk.issue(service)
        assert done.wait(5)
    finally:
        stream.stop()
    assert [e["seq"] for e in received] == [1, 2, 3, 4, 5, 6]
    assert [e["data"]["number"] for e in received] == ["A001", "B001", "C001", "A002", "B002",
                                                       "C002"]
    assert stream.last_seq == 6


# ---------------------------------------------------------------------- documents and pages
def test_openapi_lists_the_endpoints(hall: Any) -> None:
    spec = hall.http().get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [("/api/v1/health", "get"), ("/api/v1/tickets", "post"),
                         ("/api/v1/tickets/{ticket_id}", "get"),
                         ("/api/v1/tickets/{ticket_id}/rating", "post"),
                         ("/api/v1/windows/{window}/call", "post"),
                         ("/api/v1/windows/{window}/recall", "post"),
                         ("/api/v1/windows/{window}/no-show", "post"),
                         ("/api/v1/windows/{window}/transfer", "post"),
                         ("/api/v1/windows/{window}/sign-in", "post"),
                         ("/api/v1/events", "get"), ("/api/v1/services", "get")]:
        assert method in paths[path], path
    assert spec["info"]["version"] == "1"


def test_phone_page_shows_the_number_and_the_wait(hall: Any) -> None:
    kiosk = hall.client("kiosk")
    kiosk.issue("B")
    ticket = kiosk.issue("B02")
    link = urlsplit(ticket["url"]).path
    page = hall.http().get(link)                                    # no token: a phone
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    state = page_state(page.text)
    assert state["number"] == "B002" and "工程建设" in page.text
    assert state["status"] == "waiting" and state["ahead"] == 1
    _open(hall, "15")
    hall.client("caller-15").call("15")
    hall.client("caller-15").window_action("15", "finish")
    hall.client("caller-15").call("15")
    page = hall.http().get(link)
    assert page_state(page.text)["status"] == "called"
    assert page_state(page.text)["window"] == "15"
    missing = hall.http().get("/t/20240101-Z001")
    assert missing.status_code == 404 and "Ticket not found" in missing.text


# ---------------------------------------------------------------------- many at once
def test_fifty_clients_at_once_never_share_a_ticket(hall: Any) -> None:
    windows = list(hall.config.windows)
    _open(hall, *windows)
    issued: list[dict] = []
    called: list[tuple[str, str]] = []
    issuing_done = threading.Event()
    errors: list[BaseException] = []

    def kiosk(index: int) -> None:
        with HallClient(hall.url, hall.tokens["kiosk"], timeout=30) as client:
            try:
                for i in range(8):
                    issued.append(client.issue("ABC"[(index + i) % 3]))
            except BaseException as err:  # pragma: no cover - reported below
                errors.append(err)

    def console(number: str) -> None:
        with HallClient(hall.url, hall.tokens[f"caller-{number}"], timeout=30) as client:
            try:
                idle = 0
                while idle < 3:
                    ticket = client.call(number)
                    if ticket is None:
                        idle = idle + 1 if issuing_done.is_set() else 0
                        time.sleep(0.05)
                        continue
                    called.append((ticket["id"], number))
                    client.window_action(number, "finish")
            except BaseException as err:  # pragma: no cover - reported below
                errors.append(err)

    kiosks = [threading.Thread(target=kiosk, args=(i,)) for i in range(20)]
    consoles = [threading.Thread(target=console, args=(w,)) for w in windows]
    for thread in consoles + kiosks:
        thread.start()
    for thread in kiosks:
        thread.join(60)
    issuing_done.set()
    for thread in consoles:
        thread.join(60)
    assert not errors
    assert len(issued) == 160
    assert max(Counter(t["number"] for t in issued).values()) == 1
    assert max(Counter(ticket for ticket, _ in called).values()) == 1
    assert sorted(t for t, _ in called) == sorted(t["id"] for t in issued)
    for ticket, window in called:
        assert ticket.split("-")[1][0] in hall.config.windows[window].skills
    finished = hall.client("admin").stats()["themes"]
    assert sum(row["served"] for row in finished.values()) == 160
