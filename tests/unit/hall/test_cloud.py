"""Cloud calling at one hall (hall/cloud.py): lending a ticket to another hall's window, a
window of this hall calling elsewhere, and referrals — driven through the engine, as the hall
node's writer does, with the protocol's messages passed by hand."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hall import idnumber
from hall.cloud import REFERRAL_ANSWER_S
from hall.config import HallConfig
from hall.engine import Engine
from hall.errors import QueueError
from hall.events import EventKind
from hall.node import HallNode
from hall.protocol.messages import (
    FINISHED,
    GRANTED,
    REFUSED,
    RELEASED,
    STARTED,
    Message,
    message_from_dict,
)
from hall.state import HallState, Person, TicketStatus
from hall.store import Store

ID_KEY = b"unit-test-id-key-0123456789abcdef"
HOME = "GD-SZ-FT-001"          # the example hall
REMOTE = "GD-SZ-NS-002/7"     # a window of another hall


def request(ticket: str, lease: str = "L1", kind: str = "request", n: int = 1) -> Message:
    return Message(kind, lease, HOME, REMOTE, ticket, id=f"{lease}:{kind}:{n}")


def kinds(events: list) -> list[str]:
    return [e.kind for e in events]


@pytest.fixture
def now(clock: Any) -> Any:
    """The test's clock (conftest's Any), called ``now`` for reading."""
    return clock


def issue_remote_item(engine: Engine, now: Any, code: str = "A02") -> str:
    issued, _ = engine.issue(code, now())
    return issued.ticket.id


def test_a_waiting_remote_item_is_lent_to_one_lease_and_sent_to_a_booth(engine: Engine,
                                                                         now: Any) -> None:
    first = issue_remote_item(engine, now)
    second = issue_remote_item(engine, now)
    (answer,), events = engine.leasing.handle([request(second)], now())
    assert answer.kind == GRANTED and answer.reply_to == "L1:request:1"
    assert answer.expires_at == pytest.approx(now().timestamp() + 180)
    ticket = engine.state.tickets[second]
    assert ticket.status is TicketStatus.LEASED
    assert kinds(events) == [EventKind.TICKET_LEASED]
    assert events[0].data["booth"] == "V1" and events[0].data["booth_name_zh"] == "视频服务区1号"
    assert events[0].data["remote"] == REMOTE
    # no longer in the line: the first ticket is the only one waiting for theme A
    assert [t.id for t in engine.line("A", now())] == [first]
    # a second lease for the same ticket is refused; a repeat of the first is granted again
    (other,), _ = engine.leasing.handle([request(second, lease="L2")], now())
    assert other.kind == REFUSED
    (again,), caused = engine.leasing.handle([request(second, n=2)], now())
    assert again.kind == GRANTED and caused == []


def test_items_that_cannot_be_served_remotely_and_tickets_not_waiting_are_refused(
        engine: Engine, now: Any) -> None:
    called = issue_remote_item(engine, now)
    local_only = issue_remote_item(engine, now, code="A01")
    engine.open_window("1", now())
    assert engine.call_next("1", now())[0].id == called
    for ticket in (local_only, called, "20240312-Z999"):
        (answer,), events = engine.leasing.handle([request(ticket, lease=f"L-{ticket}")], now())
        assert answer.kind == REFUSED and events == []
    assert engine.state.tickets[local_only].status is TicketStatus.WAITING


def test_no_free_booth_means_no_lease(engine: Engine, now: Any) -> None:
    tickets = [issue_remote_item(engine, now) for _ in range(3)]
    answers = [engine.leasing.handle([request(t, lease=f"L{i}")], now())[0][0].kind
               for i, t in enumerate(tickets)]
    assert answers == [GRANTED, GRANTED, REFUSED]      # the example hall has two booths
    assert engine.leasing.free_booths() == []


def test_a_lease_not_started_in_time_gives_the_ticket_back_its_place(engine: Engine,
                                                                    now: Any) -> None:
    tickets = [issue_remote_item(engine, now) for _ in range(3)]
    engine.leasing.handle([request(tickets[0])], now())
    assert [t.id for t in engine.line("A", now())] == tickets[1:]
    assert engine.leasing.tick(now.advance(seconds=179)) == []
    events = engine.leasing.tick(now.advance(seconds=2))
    assert kinds(events) == [EventKind.TICKET_LEASE_RETURNED]
    assert events[0].data["reason"] == "expired" and events[0].data["lease"] == "L1"
    assert [t.id for t in engine.line("A", now())] == tickets      # first again
    (late,), _ = engine.leasing.handle([request(tickets[0], kind="start")], now())
    assert late.kind == "expired"
    assert engine.state.tickets[tickets[0]].status is TicketStatus.WAITING


def test_a_ticket_given_back_keeps_its_green_channel_where_central_follows_it(
        engine: Engine, now: Any) -> None:
    """The line central follows (people ahead on a phone) puts a green-channel ticket back
    first when its lease is given back, as the hall does."""
    from central.city_state import CityState

    city = CityState([engine.config])
    events = [e for _ in range(3) for e in engine.issue("A02", now.advance(seconds=1))[1]]
    tickets = [e.data["ticket"] for e in events]
    events += engine.set_green(tickets[2], now())[1]
    events += engine.leasing.handle([request(tickets[2])], now.advance(seconds=1))[1]
    events += engine.leasing.tick(now.advance(seconds=181))
    assert kinds(events)[-1] == EventKind.TICKET_LEASE_RETURNED and events[-1].data["green"] is True
    for event in events:
        city.apply_event(event)
    assert [city.ahead_of(HOME, t, now().timestamp()) for t in tickets] == \
        [engine.position(engine.state.tickets[t], now()) for t in tickets] == [1, 2, 0]


@pytest.mark.parametrize("first", ["release", "start"])
def test_a_request_arriving_after_its_lease_was_released_lends_nothing(
        engine: Engine, now: Any, first: str) -> None:
    """Messages reordered on the way: the remote window gave up (release) or thought it had
    the ticket (start) before its request reached the home hall. The late request is refused:
    the citizen is not sent to a booth where nobody will serve them."""
    ticket = issue_remote_item(engine, now)
    (early,), _ = engine.leasing.handle([request(ticket, kind=first)], now())
    assert early.kind == ("released" if first == "release" else "expired")
    (late,), events = engine.leasing.handle([request(ticket)], now.advance(seconds=1))
    assert late.kind == REFUSED and events == []
    assert engine.state.tickets[ticket].status is TicketStatus.WAITING
    assert [t.id for t in engine.line("A", now())] == [ticket]


def test_started_finished_lease_ends_the_ticket_without_a_local_window(engine: Engine,
                                                                       now: Any) -> None:
    ticket = issue_remote_item(engine, now)
    engine.leasing.handle([request(ticket)], now())
    (started,), events = engine.leasing.handle([request(ticket, kind="start")], now.advance(60))
    assert started.kind == STARTED and kinds(events) == [EventKind.TICKET_REMOTE_SERVING]
    assert engine.state.tickets[ticket].window == f"remote:{REMOTE}"
    # once started it never expires
    assert engine.leasing.tick(now.advance(minutes=30)) == []
    (done,), events = engine.leasing.handle([request(ticket, kind="finish")], now())
    assert done.kind == FINISHED and kinds(events) == [EventKind.TICKET_REMOTE_FINISHED]
    assert events[0].data["service_s"] == pytest.approx(1800)
    assert engine.state.tickets[ticket].status is TicketStatus.FINISHED
    assert all(w.served_today == 0 for w in engine.state.windows.values())
    # the booth is free again
    assert engine.leasing.free_booths() == ["V1", "V2"]


def test_a_release_after_start_puts_the_ticket_back(engine: Engine, now: Any) -> None:
    ticket = issue_remote_item(engine, now)
    engine.leasing.handle([request(ticket), request(ticket, kind="start")], now())
    (answer,), events = engine.leasing.handle([request(ticket, kind="release")], now())
    assert answer.kind == RELEASED
    assert kinds(events) == [EventKind.TICKET_LEASE_RETURNED]
    assert events[0].data["reason"] == "released"
    assert engine.state.tickets[ticket].status is TicketStatus.WAITING
    assert engine.state.tickets[ticket].window is None


def test_messages_for_other_halls_are_ignored(engine: Engine, now: Any) -> None:
    ticket = issue_remote_item(engine, now)
    stray = replace(request(ticket), home="GD-SZ-LH-009")
    assert engine.leasing.handle([stray], now()) == ([], [])
    assert engine.state.tickets[ticket].status is TicketStatus.WAITING


# ---------------------------------------------------------------------- a window calling elsewhere
def open_video_window(engine: Engine, now: Any) -> None:
    engine.open_window("30", now())


def test_a_window_calls_a_ticket_of_another_hall_from_request_to_done(engine: Engine,
                                                                      now: Any) -> None:
    open_video_window(engine, now)
    call, events = engine.leasing.remote_call("30", now())
    assert call.state == "choosing" and kinds(events) == [EventKind.WINDOW_REMOTE_BUSY]
    out, _ = engine.leasing.outbox(now())
    assert out["choose"] == [{"request": call.request, "window": "30", "skills": ["C", "A"]}]
    # the agent asks again only after a while
    assert engine.leasing.outbox(now.advance(seconds=1))[0]["choose"] == []
    choice = {"hall": "GD-SZ-NS-002", "ticket": "20240312-C007", "theme": "C", "number": "C007",
              "name_zh": "南山区政务服务中心"}
    call, events = engine.leasing.remote_choice("30", call.request, choice, now())
    assert call.state == "requesting" and call.number == "C007"
    out, _ = engine.leasing.outbox(now())
    (msg,) = out["messages"]
    assert msg["kind"] == "request" and msg["home"] == "GD-SZ-NS-002"
    assert msg["remote"] == f"{HOME}/30" and msg["ticket"] == "20240312-C007"
    # a retry only after LEASE_RETRY_S
    assert engine.leasing.outbox(now.advance(seconds=1))[0]["messages"] == []
    assert len(engine.leasing.outbox(now.advance(seconds=3))[0]["messages"]) == 1
    # local calling is refused while the remote call is on
    with pytest.raises(QueueError) as busy:
        engine.call_next("30", now())
    assert busy.value.code == "remote_busy"
    with pytest.raises(QueueError):
        engine.close_window("30", now())

    granted = Message(GRANTED, msg["lease"], msg["home"], msg["remote"], msg["ticket"],
                      expires_at=now().timestamp() + 180)
    _, events = engine.leasing.handle([granted], now())
    assert engine.leasing.remote_view("30")["state"] == "calling"
    assert kinds(events) == [EventKind.WINDOW_REMOTE] and events[0].data["number"] == "C007"
    with pytest.raises(QueueError):
        engine.leasing.remote_step("30", "served", now())       # not serving yet
    engine.leasing.remote_step("30", "at_booth", now())
    (start,) = engine.leasing.outbox(now())[0]["messages"]
    assert start["kind"] == "start"
    engine.leasing.handle([replace(granted, kind=STARTED)], now())
    assert engine.leasing.remote_view("30")["state"] == "serving"
    engine.leasing.remote_step("30", "served", now())
    assert engine.leasing.outbox(now())[0]["messages"][0]["kind"] == "finish"
    _, events = engine.leasing.handle([replace(granted, kind=FINISHED)], now())
    assert kinds(events) == [EventKind.WINDOW_REMOTE_FREE] and events[0].data["state"] == "done"
    # the window calls locally again
    assert engine.call_next("30", now())[0] is None


def test_nothing_to_call_elsewhere_and_a_central_that_never_answers(engine: Engine,
                                                                    now: Any) -> None:
    open_video_window(engine, now)
    call, _ = engine.leasing.remote_call("30", now())
    call, events = engine.leasing.remote_choice("30", call.request, None, now())
    assert call.state == "none" and kinds(events) == [EventKind.WINDOW_REMOTE_FREE]
    call, _ = engine.leasing.remote_call("30", now())
    assert engine.leasing.needs_tick()
    assert engine.leasing.tick(now.advance(seconds=59)) == []
    events = engine.leasing.tick(now.advance(seconds=2))
    assert kinds(events) == [EventKind.WINDOW_REMOTE_FREE]
    assert engine.leasing.remote_view("30")["state"] == "none"
    # a late answer changes nothing
    late = {"hall": "X", "ticket": "t", "theme": "C", "number": "C001"}
    assert engine.leasing.remote_choice("30", call.request, late, now())[1] == []


def test_only_open_idle_video_windows_call_elsewhere(engine: Engine, now: Any) -> None:
    engine.open_window("1", now())
    with pytest.raises(QueueError) as no_video:
        engine.leasing.remote_call("1", now())
    assert no_video.value.code == "no_video" and no_video.value.status == 403
    with pytest.raises(QueueError) as closed:
        engine.leasing.remote_call("30", now())
    assert closed.value.code == "window_closed"
    open_video_window(engine, now)
    issue_remote_item(engine, now, code="C01")
    engine.call_next("30", now())
    with pytest.raises(QueueError) as busy:
        engine.leasing.remote_call("30", now())
    assert busy.value.code == "window_busy"


# ---------------------------------------------------------------------- referrals
def test_a_referral_waits_for_the_other_hall_and_keeps_its_first_result(engine: Engine,
                                                                        now: Any) -> None:
    referral, events = engine.leasing.refer("A02", "GD-SZ-NS-002", now())
    assert referral.state == "pending" and kinds(events) == [EventKind.REFERRAL_REQUESTED]
    out, _ = engine.leasing.outbox(now())
    assert out["referrals"] == [{"id": referral.id, "item": "A02", "hall": "GD-SZ-NS-002",
                                 "from_hall": HOME}]
    ticket = {"id": "20240312-A031", "number": "A031", "hall": "GD-SZ-NS-002", "ahead": 2}
    done, events = engine.leasing.referral_result(referral.id, ticket, None, now())
    assert done.state == "issued" and kinds(events) == [EventKind.REFERRAL_ISSUED]
    assert engine.leasing.outbox(now())[0]["referrals"] == []
    again, events = engine.leasing.referral_result(
        referral.id, None, {"code": "quota_reached"}, now())
    assert again.state == "issued" and again.ticket == ticket and events == []


def test_only_items_served_anywhere_are_referred(engine: Engine, now: Any) -> None:
    local_only = next(code for code, item in engine.config.items.items() if not item.anywhere)
    with pytest.raises(QueueError) as refused:
        engine.leasing.refer(local_only, "GD-SZ-NS-002", now())
    assert refused.value.code == "not_anywhere"
    with pytest.raises(QueueError):
        engine.leasing.refer("A02", HOME, now())
    assert engine.state.referrals == {}


def test_a_named_referral_is_a_real_name_ticket_at_the_other_hall(
        engine: Engine, make_engine: Any, now: Any, id_number: Any) -> None:
    elder, young = id_number(date(1950, 1, 1)), id_number(date(1990, 1, 1))
    referral, _ = engine.leasing.refer("A02", "GD-SZ-NS-002", now(), id_number=elder)
    assert elder not in json.dumps(asdict(referral)), "the number never leaves this hall"
    person = engine.leasing.outbox(now())[0]["referrals"][0]["person"]
    assert person == {"id_hash": idnumber.keyed_hash(elder, ID_KEY),
                      "id_masked": idnumber.mask(elder), "age": 74}
    assert referral.public()["id_masked"] == idnumber.mask(elder)
    assert "id_hash" not in json.dumps(referral.public()), "the kiosk sees the masked number"
    # the other hall of the city (same ID key): the elder is called before the young
    other = make_engine()
    waiting, _ = other.issue("A02", now(), id_number=young)
    referred, _ = other.issue("A02", now(), channel="referral", person=Person.from_dict(person))
    assert (referred.ticket.elderly, referred.ticket.id_masked) == (True, idnumber.mask(elder))
    assert [t.number for t in other.line("A", now())] == [referred.ticket.number,
                                                          waiting.ticket.number]
    # and counts against the per-ID daily limit there (2 tickets of theme A)
    other.issue("A", now(), id_number=elder)
    with pytest.raises(QueueError) as refused:
        other.issue("A02", now(), channel="referral", person=Person.from_dict(person))
    assert refused.value.code == "id_limit_reached"


def test_a_referral_handed_out_again_gets_the_same_ticket_also_after_a_restart(
        example_config: HallConfig, tmp_path: Path, clock: Any) -> None:
    """Central hands a referral out again when its answer did not come back (a lost long
    poll, the agent restarted after issuing): the hall gives the ticket it issued."""
    elder = "11010119500101001"
    elder += idnumber.check_char(elder)
    person = Person.from_dict({"id_hash": idnumber.keyed_hash(elder, ID_KEY),
                               "id_masked": idnumber.mask(elder), "age": 74})

    def issue(node: HallNode) -> tuple[str, int]:
        def op(engine: Engine, now: Any) -> tuple[tuple[str, int], list]:
            issued, events = engine.issue("A02", now, channel="phone", person=person,
                                          referral="phone-c1-app-0001")
            return (issued.ticket.id, len(events)), events
        return node.run(op)

    node = HallNode(example_config, tmp_path, clock=clock, id_key=ID_KEY).start()
    try:
        first, events = issue(node)
        assert events == 1 and issue(node) == (first, 0), "the same ticket, no new event"
    finally:
        node.stop()
    again = HallNode(example_config, tmp_path, clock=clock, id_key=ID_KEY).start()
    try:
        assert issue(again) == (first, 0)
        tickets = again.read(lambda engine, now: [t.id for t in engine.state.tickets.values()])
        assert tickets == [first]
        # the per-ID limit (2 a day in theme A) counted it once: one more may be taken
        again.run(lambda e, n: (None, e.issue("A", n, id_number=elder)[1]))
        # withdrawn before its answer reached central: cancelled by its referral
        cancelled = again.run(lambda e, n: (lambda r: (
            r[0].status if r[0] else None, r[1]))(e.leasing.cancel_referred(
                None, n, "phone-c1-app-0001")))
        assert cancelled is TicketStatus.CANCELLED
        nothing = again.run(lambda e, n: (lambda r: (r[0], r[1]))(e.leasing.cancel_referred(
            None, n, "never-issued")))
        assert nothing is None
    finally:
        again.stop()


def test_a_referral_answered_too_late_is_withdrawn(engine: Engine, now: Any) -> None:
    slow, _ = engine.leasing.refer("A02", "GD-SZ-NS-002", now())
    quiet, _ = engine.leasing.refer("A02", "GD-SZ-NS-002", now())
    now.advance(seconds=REFERRAL_ANSWER_S)
    # the late ticket is not shown: the kiosk sends the citizen to the line here
    ticket = {"id": "20240312-A031", "number": "A031", "hall": "GD-SZ-NS-002"}
    late, events = engine.leasing.referral_result(slow.id, ticket, None, now())
    assert (late.state, late.ticket, kinds(events)) == ("withdrawing", None,
                                                       [EventKind.REFERRAL_WITHDRAWING])
    assert late.public()["error"]["code"] == "referral_timeout"
    out, events = engine.leasing.outbox(now())        # the one with no answer at all, too
    assert kinds(events) == [EventKind.REFERRAL_WITHDRAWING] and out["referrals"] == []
    assert out["withdrawals"] == [{"id": slow.id, "hall": "GD-SZ-NS-002"},
                                  {"id": quiet.id, "hall": "GD-SZ-NS-002"}]
    done, events = engine.leasing.referral_withdrawn(slow.id, now())
    assert done.state == "withdrawn" and kinds(events) == [EventKind.REFERRAL_WITHDRAWN]
    assert engine.leasing.referral_withdrawn(slow.id, now())[1] == []
    assert engine.leasing.referral_result(slow.id, ticket, None, now())[0].state == "withdrawn"
    assert engine.leasing.outbox(now())[0]["withdrawals"] == [{"id": quiet.id,
                                                                "hall": "GD-SZ-NS-002"}]


def test_the_ticket_of_a_withdrawn_referral_is_cancelled_only_while_it_waits(
        engine: Engine, now: Any) -> None:
    waiting, _ = engine.issue("A02", now(), channel="referral")
    called, _ = engine.issue("A02", now(), channel="referral")
    own, _ = engine.issue("A02", now())
    ticket, events = engine.leasing.cancel_referred(waiting.ticket.id, now())
    assert ticket.status is TicketStatus.CANCELLED and kinds(events) == [EventKind.TICKET_CANCELLED]
    assert engine.leasing.cancel_referred(waiting.ticket.id, now())[1] == []    # repeated
    engine.open_window("1", now())
    engine.call_next("1", now())
    assert engine.state.tickets[called.ticket.id].status is TicketStatus.CALLED
    kept, events = engine.leasing.cancel_referred(called.ticket.id, now())
    assert kept.status is TicketStatus.CALLED and events == [], "they came after all"
    with pytest.raises(QueueError) as refused:
        engine.leasing.cancel_referred(own.ticket.id, now())
    assert refused.value.code == "not_referred"


def test_a_rating_given_on_the_phone_is_recorded_once(engine: Engine, now: Any) -> None:
    phone, _ = engine.issue("A02", now(), channel="phone")
    own, _ = engine.issue("A02", now())
    engine.open_window("1", now())
    for _ in range(2):
        engine.call_next("1", now())
        engine.finish("1", now())
    with pytest.raises(QueueError) as refused:
        engine.leasing.rate_referred(own.ticket.id, 5, now())
    assert refused.value.code == "not_referred", "the window's rating pad rates this one"
    ticket, events = engine.leasing.rate_referred(phone.ticket.id, 5, now())
    assert ticket.rating == 5 and kinds(events) == [EventKind.TICKET_RATED]
    assert engine.leasing.rate_referred(phone.ticket.id, 5, now())[1] == []   # delivered twice
    with pytest.raises(QueueError) as again:
        engine.leasing.rate_referred(phone.ticket.id, 2, now())
    assert again.value.code == "already_rated"


def test_a_referral_with_a_bad_id_number_is_refused_and_not_kept(engine: Engine,
                                                                 now: Any) -> None:
    with pytest.raises(QueueError) as refused:
        engine.leasing.refer("A02", "GD-SZ-NS-002", now(), id_number="440308199901011235")
    assert refused.value.code == "invalid_id_number" and refused.value.status == 422
    assert engine.state.referrals == {}


# ---------------------------------------------------------------------- bad input
GOOD_MESSAGE = {"kind": "request", "lease": "GD-SZ-NS-002/7/1", "home": HOME, "remote": REMOTE,
                "ticket": "20240312-A002", "id": "GD-SZ-NS-002/7/1:request:1"}


def test_a_lease_message_takes_its_fields_as_they_are(engine: Engine, now: Any) -> None:
    ticket = issue_remote_item(engine, now)
    longest = {**GOOD_MESSAGE, "ticket": ticket, "lease": "L" * 128, "id": "i" * 200,
               "extra": {"from": "a newer central"}}
    msg = message_from_dict(longest)
    assert msg == Message("request", "L" * 128, HOME, REMOTE, ticket, 0.0, "i" * 200, "")
    assert message_from_dict({**GOOD_MESSAGE, "expires_at": 17}).expires_at == 17.0
    # the answer to the longest request is itself a message central relays
    (answer,), _ = engine.leasing.handle([msg], now())
    assert answer.kind == GRANTED and message_from_dict(asdict(answer)) == answer


@pytest.mark.parametrize("choice", [{}, {"hall": "GD-SZ-NS-002"}, {"ticket": "20240312-C007"},
                                    {"hall": {"a": [1]}, "ticket": ["x"]},
                                    {"hall": "HB/../x y", "ticket": "20240312-C007"},
                                    {"hall": "GD-SZ-NS-002", "ticket": ""}])
def test_a_choice_without_a_hall_and_a_ticket_is_refused_and_the_window_keeps_waiting(
        engine: Engine, now: Any, choice: dict) -> None:
    open_video_window(engine, now)
    call, _ = engine.leasing.remote_call("30", now())
    before = engine.leasing.remote_view("30")
    with pytest.raises(QueueError) as refused:
        engine.leasing.remote_choice("30", call.request, choice, now())
    assert refused.value.code == "bad_request" and refused.value.status == 422
    assert refused.value.message_zh
    assert engine.leasing.remote_view("30") == before and call.lease is None
    good = {"hall": "GD-SZ-NS-002", "ticket": "20240312-C007", "number": "C007"}
    assert engine.leasing.remote_choice("30", call.request, good, now())[0].state == "requesting"


def test_a_referred_ticket_is_cancelled_or_rated_only_for_its_own_referral(engine: Engine,
                                                                         now: Any) -> None:
    first, _ = engine.issue("A02", now(), channel="referral", referral="R1")
    second, _ = engine.issue("A02", now(), channel="referral", referral="R2")
    with pytest.raises(QueueError) as refused:
        engine.leasing.cancel_referred(first.ticket.id, now(), "R2")
    assert refused.value.code == "wrong_referral" and refused.value.status == 409
    assert engine.state.tickets[first.ticket.id].status is TicketStatus.WAITING
    engine.open_window("1", now())
    engine.call_next("1", now())
    engine.finish("1", now())
    assert engine.state.tickets[first.ticket.id].status is TicketStatus.FINISHED
    with pytest.raises(QueueError) as wrong:
        engine.leasing.rate_referred(first.ticket.id, 1, now(), "R2")
    assert wrong.value.code == "wrong_referral"
    assert engine.state.tickets[first.ticket.id].rating is None
    assert engine.leasing.rate_referred(first.ticket.id, 5, now(), "R1")[0].rating == 5
    ticket, _ = engine.leasing.cancel_referred(second.ticket.id, now(), "R2")
    assert ticket is not None and ticket.status is TicketStatus.CANCELLED


# ---------------------------------------------------------------------- durability
def test_leases_remote_calls_and_referrals_survive_a_restart(example_config: HallConfig,
                                                             tmp_path: Path, clock: Any) -> None:
    node = HallNode(example_config, tmp_path, clock=clock, id_key=ID_KEY).start()
    ticket = node.run(lambda e, n: (lambda r: (r[0].ticket.id, r[1]))(e.issue("A02", n)))
    node.run(lambda e, n: (None, e.leasing.handle([request(ticket)], n)[1]))
    node.run(lambda e, n: (None, e.open_window("30", n)[1]))
    node.run(lambda e, n: (None, e.leasing.remote_call("30", n)[1]))
    referral = node.run(lambda e, n: (lambda r: (r[0].id, r[1]))(e.leasing.refer(
        "A02", "GD-SZ-NS-002", n)))
    node.stop()

    again = HallNode(example_config, tmp_path, clock=clock, id_key=ID_KEY).start()
    try:
        engine = again.engine
        assert engine.state.tickets[ticket].status is TicketStatus.LEASED
        assert engine.leasing.home.active == {ticket: "L1"}
        assert engine.leasing.free_booths() == ["V2"]
        assert engine.leasing.remote_view("30")["state"] == "choosing"
        assert engine.leasing.referral(referral).state == "pending"
        # the restarted node's timer still gives the ticket back when the lease expires
        clock.advance(minutes=4)
        for _ in range(50):
            if engine.state.tickets[ticket].status is TicketStatus.WAITING:
                break
            time.sleep(0.1)
        assert engine.state.tickets[ticket].status is TicketStatus.WAITING
    finally:
        again.stop()
    store = Store(tmp_path / "hall.sqlite3")
    try:
        state = store.load_state("2024-03-12")
        assert state.home_leases["L1"].state.value == "returned"
        assert isinstance(state, HallState)
    finally:
        store.close()
