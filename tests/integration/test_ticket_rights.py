"""Who may act on which ticket, over a real node on loopback (issue 20, "worth tightening"):
each request that was allowed before and should not be now answers 403 and changes nothing;
the service desk and the supervisor may; a kiosk cancels only with the token its issue
answered; the phone page answers only for a link the hall made."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from hall.events import EventKind


def _status(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    if code is not None:
        assert body["code"] == code
        assert body["message_zh"] and body["message_en"]
    return body


def _last_seq(hall: Any) -> int:
    return hall.client("admin").events()["last_seq"]


def _unchanged(hall: Any, ticket: dict, seq: int) -> None:
    """The ticket reads as it was issued, and no event was written since ``seq``."""
    now = hall.client("admin").ticket(ticket["id"])
    assert (now["status"], now["green"]) == (ticket["status"], ticket["green"])
    assert _last_seq(hall) == seq


# ---------------------------------------------------------------------- consoles
@pytest.mark.parametrize(("action", "body"), [("cancel", None), ("green", {"green": True})])
def test_a_console_may_not_cancel_or_green_a_ticket_of_the_hall(
        hall: Any, action: str, body: dict | None) -> None:
    waiting = hall.client("kiosk").issue("A")
    seq = _last_seq(hall)
    answer = hall.http("caller-1").post(f"/api/v1/tickets/{waiting['id']}/{action}", json=body)
    refused = _status(answer, 403, "forbidden")
    assert refused["message_zh"] == "只能操作本窗口的号码"
    _unchanged(hall, waiting, seq)


@pytest.mark.parametrize("role", ["desk", "supervisor", "admin"])
def test_the_desk_and_the_supervisor_green_and_cancel_any_ticket(hall: Any, role: str) -> None:
    kiosk, staff = hall.client("kiosk"), hall.client(role)
    first, second = kiosk.issue("A"), kiosk.issue("A")
    assert staff.set_green(second["id"])["ahead"] == 0
    assert staff.set_green(second["id"], green=False)["ahead"] == 1
    assert staff.cancel(first["id"])["status"] == "cancelled"
    kinds = [e["kind"] for e in hall.client("admin").events()["events"]]
    assert kinds[-3:] == [EventKind.TICKET_PRIORITIZED, EventKind.TICKET_PRIORITIZED,
                          EventKind.TICKET_CANCELLED]


def test_a_console_acts_on_a_ticket_at_its_own_window(hall: Any) -> None:
    kiosk, admin = hall.client("kiosk"), hall.client("admin")
    for number in ("1", "2"):
        admin.window_action(number, "open")
    first, second = kiosk.issue("A"), kiosk.issue("A")
    console_1, console_2 = hall.client("caller-1"), hall.client("caller-2")
    assert console_1.call("1")["id"] == first["id"]
    moved = console_1.transfer("1", to_window="2")                 # now waits for window 2
    assert moved["window"] == "2"
    assert console_2.set_green(first["id"])["green"] is True        # at window 2: its own
    seq = _last_seq(hall)
    answer = hall.http("caller-1").post(f"/api/v1/tickets/{first['id']}/green",
                                        json={"green": False})  # no longer at window 1
    _status(answer, 403, "forbidden")
    assert _last_seq(hall) == seq
    assert console_2.call("2")["id"] == first["id"]
    # its own called ticket passes the check; the queue rules then say no (not waiting)
    _status(hall.http("caller-2").post(f"/api/v1/tickets/{first['id']}/cancel"),
            409, "bad_state")
    _status(hall.http("caller-2").post(f"/api/v1/tickets/{second['id']}/cancel"),
            403, "forbidden")
    assert hall.client("admin").ticket(second["id"])["status"] == "waiting"


def test_re_check_in_at_the_window_that_missed_them_or_the_desk(hall: Any) -> None:
    kiosk = hall.client("kiosk")
    hall.client("admin").window_action("1", "open")
    late, other = kiosk.issue("A"), kiosk.issue("A")
    console = hall.client("caller-1")
    console.call("1")
    console.window_action("1", "recall")     # the hall's minimum before a no-show: one recall
    assert console.window_action("1", "no-show")["status"] == "no_show"
    seq = _last_seq(hall)
    for device in ("caller-2", "kiosk"):
        _status(hall.http(device).post(f"/api/v1/tickets/{late['id']}/recheck-in"),
                403, "forbidden")
    assert hall.client("admin").ticket(late["id"])["status"] == "no_show"
    assert _last_seq(hall) == seq
    assert console.recheck_in(late["id"])["status"] == "waiting"
    console.call("1")                                   # `late` is a few places back: other
    assert hall.client("admin").ticket(other["id"])["status"] == "called"


# ---------------------------------------------------------------------- kiosks
def test_a_kiosk_cancels_only_what_it_took_with_its_token(hall: Any) -> None:
    other_kiosk = hall.server.node.store.pair("kiosk", "kiosk-2")
    kiosk = hall.http("kiosk")
    taken = _status(kiosk.post("/api/v1/tickets", json={"service": "A"}), 201)
    theirs = _status(hall.http().post("/api/v1/tickets", json={"service": "A"},
                                      headers={"Authorization": f"Bearer {other_kiosk}"}), 201)
    assert len(taken["cancel_token"]) >= 24 and taken["cancel_token"] != theirs["cancel_token"]
    seq = _last_seq(hall)
    cancel = f"/api/v1/tickets/{theirs['id']}/cancel"
    token = theirs["cancel_token"]
    altered = token[:-1] + ("1" if token[-1] == "0" else "0")      # never the token itself
    for body in (None, {"cancel_token": taken["cancel_token"]},     # by id alone, or mine
                 {"cancel_token": altered}):
        _status(kiosk.post(cancel, json=body), 403, "forbidden")
    _unchanged(hall, theirs, seq)
    # the other kiosk's token only works from the other kiosk
    _status(kiosk.post(cancel, json={"cancel_token": theirs["cancel_token"]}), 403, "forbidden")
    mine = f"/api/v1/tickets/{taken['id']}/cancel"
    assert _status(kiosk.post(mine, json={"cancel_token": taken["cancel_token"]}), 200)[
        "status"] == "cancelled"
    _status(kiosk.post(mine, json={"cancel_token": taken["cancel_token"]}), 409, "bad_state")


def test_a_kiosk_cancel_token_works_only_while_the_ticket_waits(hall: Any) -> None:
    kiosk = hall.client("kiosk")
    taken = kiosk.issue("A")
    hall.client("admin").window_action("1", "open")
    hall.client("caller-1").call("1")
    answer = hall.http("kiosk").post(f"/api/v1/tickets/{taken['id']}/cancel",
                                     json={"cancel_token": taken["cancel_token"]})
    _status(answer, 409, "bad_state")
    assert hall.client("admin").ticket(taken["id"])["status"] == "called"


def test_the_cancel_token_goes_only_to_the_issuing_device(hall: Any) -> None:
    taken = hall.client("kiosk").issue("A")
    assert "cancel_token" in taken
    assert "cancel_token" not in hall.client("display").ticket(taken["id"])
    assert "cancel_token" not in hall.client("kiosk").ticket(taken["id"])
    events = hall.http("admin").get("/api/v1/events").text
    assert taken["cancel_token"] not in events


# ---------------------------------------------------------------------- phone links
def test_the_phone_page_answers_only_for_a_link_the_hall_made(hall: Any) -> None:
    ticket = hall.client("kiosk").issue("A")
    link = urlsplit(ticket["url"]).path
    assert link.startswith(f"/t/{ticket['id']}.")
    phone = hall.http()
    page = phone.get(link)
    assert page.status_code == 200 and "A001" in page.text and '"status":"waiting"' in page.text
    mac = link.rpartition(".")[2]
    tampered = link[:-1] + ("0" if link[-1] != "0" else "1")
    other_ticket = link.replace(ticket["id"], ticket["id"][:-1] + "2")   # A002's id, A001's mac
    answers = [phone.get(path) for path in (
        f"/t/{ticket['id']}", "/t/20261207-A001", tampered, other_ticket,
        f"/t/{ticket['id']}.", f"/t/.{mac}", "/t/20240101-Z001.000000000000000000000000",
        "/t/%E5%8F%B7.abc")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1, "no oracle: the same page for every miss"
    assert "没有找到该号码" in answers[0].text and "Ticket not found" in answers[0].text


def test_the_supervisor_opens_a_window_with_nobody_signed_in(hall: Any) -> None:
    opened = hall.client("supervisor").window_action("5", "open")
    assert opened["status"] == "open" and opened["staff_id"] is None
    event = hall.client("admin").events()["events"][-1]
    assert event["kind"] == EventKind.WINDOW_OPENED and event["data"]["by"] == "test-supervisor"
    _status(hall.http("desk").post("/api/v1/windows/6/open"), 403, "forbidden")


def test_the_supervisor_pauses_and_closes_any_window_and_the_desk_may_not(hall: Any) -> None:
    supervisor = hall.client("supervisor")
    supervisor.window_action("7", "open")
    assert supervisor.window_action("7", "pause")["status"] == "paused"
    assert supervisor.window_action("7", "close")["status"] == "closed"
    for device in ("desk", "kiosk", "display", "caller-1"):
        _status(hall.http(device).post("/api/v1/windows/7/pause"), 403, "forbidden")
