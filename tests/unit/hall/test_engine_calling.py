"""The queue rules users expect (DESIGN.md, 叫号规则) about who is called next: priorities,
window skills, windows opening and pausing, recalls; one rule at a time, on the engine with a
clock that stands still: Tuesday 2024-03-12 10:00 in Shanghai unless a test moves it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from hall.engine import Engine
from hall.events import EventKind
from hall.state import Appointment, TicketStatus, WindowStatus
from tests.helpers.engine_steps import call, calls, clock_at, issue, kinds, open_windows, refused


# ---------------------------------------------------------------------- priority
def _appointment(engine: Engine, clock: Any, ident: str, start: datetime, minutes: int = 30,
                 theme: str = "A", id_hash: str | None = None) -> None:
    engine.save_appointment(Appointment(
        id=ident, theme=theme, item=None, slot_start=start.timestamp(),
        slot_end=(start + timedelta(minutes=minutes)).timestamp(), id_hash=id_hash), clock())


def test_priority_green_then_appointment_then_elderly_then_first_come(
        engine: Engine, clock: Any, id_number: Any) -> None:
    open_windows(engine, clock, "1")
    _appointment(engine, clock, "AP1", clock.now - timedelta(minutes=5))
    normal_1 = issue(engine, clock)
    elderly = issue(engine, clock, id_number=id_number(date(1950, 1, 1)))
    booked = issue(engine, clock, channel="appointment", appointment_id="AP1")
    normal_2 = issue(engine, clock)
    green = issue(engine, clock)
    engine.set_green(green.id, clock())
    assert elderly.elderly and not normal_1.elderly
    assert [t.id for t in engine.line("A", clock())] == \
        [green.id, booked.id, elderly.id, normal_1.id, normal_2.id]
    assert calls(engine, clock, "1", 5) == \
        [green.number, booked.number, elderly.number, normal_1.number, normal_2.number]


def test_green_channel_can_be_taken_off(engine: Engine, clock: Any) -> None:
    first, second = issue(engine, clock), issue(engine, clock)
    _, events = engine.set_green(second.id, clock())
    assert kinds(events) == [EventKind.TICKET_PRIORITIZED] and events[0].data["green"] is True
    assert engine.position(second, clock()) == 0
    engine.set_green(second.id, clock(), green=False)
    assert engine.position(second, clock()) == 1 and engine.position(first, clock()) == 0


def test_appointment_counts_only_within_its_slot(engine: Engine, clock: Any) -> None:
    # slot 10:30-11:00; "in its slot" from 10:15 (appointment_early_min = 15)
    _appointment(engine, clock, "AP1", clock.now.replace(minute=30))
    walk_in = issue(engine, clock)
    booked = issue(engine, clock, channel="appointment", appointment_id="AP1")
    assert booked.slot_start is not None and booked.appointment_id == "AP1"
    assert engine.position(booked, clock_at(clock, 10, 14)) == 1         # too early: first come
    assert engine.position(booked, clock_at(clock, 10, 15)) == 0         # early window reached
    assert engine.position(booked, clock_at(clock, 11, 0)) == 0          # last minute of the slot
    assert engine.position(booked, clock_at(clock, 11, 1)) == 1          # slot over: first come
    assert engine.position(walk_in, clock()) == 0


def test_central_counts_people_ahead_as_the_hall_does(
        engine: Engine, clock: Any, id_number: Any) -> None:
    """What a phone shows as people ahead (central, following the hall's events) is the
    hall's own count, through the green channel and an appointment's slot."""
    from central.city_state import CityState

    city = CityState([engine.config])
    _appointment(engine, clock, "AP1", clock.now.replace(minute=30))     # 10:30-11:00
    events = []
    for kwargs in ({}, {"id_number": id_number(date(1950, 1, 1))},
                   {"channel": "appointment", "appointment_id": "AP1"}, {}, {}):
        issued, made = engine.issue("A", clock.advance(seconds=1), **kwargs)
        events += made
    line = list(engine.state.waiting())
    events += engine.set_green(line[3].id, clock())[1]
    events += engine.set_green(line[3].id, clock(), green=False)[1]
    events += engine.set_green(line[4].id, clock())[1]
    for event in events:
        city.apply_event(event)
    hall_says = {}
    for minute in (14, 15, 60, 61):
        now = clock_at(clock, 10 + minute // 60, minute % 60)
        hall_says[minute] = [engine.position(t, now) for t in line]
        assert [city.ahead_of(engine.config.hall_id, t.id, now.timestamp())
                for t in line] == hall_says[minute], f"{minute} min past ten"
    # walk-in, elderly, appointment, walk-in (green, then not), walk-in (green)
    assert hall_says[15] == hall_says[60] == [3, 2, 1, 4, 0]
    assert hall_says[14] == hall_says[61] == [2, 1, 3, 4, 0]
    assert city.priority.sum() == 3
    # transfers: two to window 12 by name (it serves A, then C), one to theme C
    for service in ("A", "C", "C"):
        city.apply_event(*engine.issue(service, clock.advance(seconds=1))[1])
    for event in engine.open_window("1", clock())[1]:
        city.apply_event(event)
    for target in ({"to_window": "12"}, {"to_window": "12"}, {"to_service": "C"}):
        called, made = engine.call_next("1", clock.advance(seconds=1))
        made += engine.transfer("1", clock.advance(seconds=1), **target)[1]
        for event in made:
            city.apply_event(event)
    waiting = list(engine.state.waiting())
    assert len(waiting) == 8 and sum(t.to_window == "12" for t in waiting) == 2
    assert [city.ahead_of(engine.config.hall_id, t.id, clock().timestamp())
            for t in waiting] == [engine.position(t, clock()) for t in waiting]


def test_appointment_check_in_is_checked(engine: Engine, clock: Any, id_number: Any) -> None:
    from hall.idnumber import keyed_hash

    holder = id_number(date(1980, 2, 2))
    _appointment(engine, clock, "AP1", clock.now, id_hash=keyed_hash(holder, engine.id_key))
    refused("unknown_appointment", lambda: engine.issue("A", clock(), appointment_id="NOPE"), 404)
    refused("appointment_mismatch", lambda: engine.issue("B", clock(), appointment_id="AP1"), 422)
    refused("appointment_mismatch", lambda: engine.issue(
        "A", clock(), appointment_id="AP1", id_number=id_number(date(1980, 2, 3))), 422)
    ticket = issue(engine, clock, "A", appointment_id="AP1", id_number=holder)
    assert engine.state.appointments["AP1"].ticket_id == ticket.id
    refused("appointment_used", lambda: engine.issue("A", clock(), appointment_id="AP1"))


@pytest.mark.parametrize("elderly_age, expected", [(65, (True, False)), (60, (True, True)),
                                                   (70, (False, False))])
def test_elderly_age_threshold_is_configurable(make_engine: Any, clock: Any, id_number: Any,
                                               elderly_age: int, expected: tuple) -> None:
    engine = make_engine(elderly_age=elderly_age)
    turns_65_today = issue(engine, clock, id_number=id_number(date(1959, 3, 12)))
    turns_65_tomorrow = issue(engine, clock, id_number=id_number(date(1959, 3, 13)))
    assert (turns_65_today.elderly, turns_65_tomorrow.elderly) == expected


def test_elderly_go_first_but_in_their_own_arrival_order(engine: Engine, clock: Any,
                                                        id_number: Any) -> None:
    open_windows(engine, clock, "1")
    young = issue(engine, clock, id_number=id_number(date(1990, 1, 1)))
    old_1 = issue(engine, clock, id_number=id_number(date(1940, 1, 1)))
    old_2 = issue(engine, clock, id_number=id_number(date(1955, 1, 1)))
    assert calls(engine, clock, "1", 3) == [old_1.number, old_2.number, young.number]


def test_first_come_first_served_without_priorities(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1", "2")
    tickets = [issue(engine, clock) for _ in range(4)]
    called = [call(engine, clock, "1"), call(engine, clock, "2")]
    assert called == tickets[:2]
    engine.finish("2", clock())
    assert call(engine, clock, "2") is tickets[2]


# ---------------------------------------------------------------------- window skills
def test_window_calls_its_skills_in_its_own_order(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "12", "29", "14")
    a_first = issue(engine, clock, "A")
    c_later = issue(engine, clock, "C")
    assert engine.config.windows["29"].skills == ("C", "A")
    assert call(engine, clock, "29") is c_later                       # prefers C
    assert call(engine, clock, "12") is a_first                       # prefers A
    assert call(engine, clock, "14") is None                          # B only: nobody


def test_window_takes_its_second_skill_when_the_first_is_empty(engine: Engine, clock: Any
                                                               ) -> None:
    open_windows(engine, clock, "29")
    a_ticket = issue(engine, clock, "A")
    assert call(engine, clock, "29") is a_ticket
    engine.finish("29", clock())
    ticket, events = engine.call_next("29", clock())
    assert ticket is None and events == []


def test_priority_comes_before_skill_preference(engine: Engine, clock: Any,
                                                id_number: Any) -> None:
    open_windows(engine, clock, "29")
    issue(engine, clock, "C")
    elderly_a = issue(engine, clock, "A", id_number=id_number(date(1945, 6, 1)))
    assert call(engine, clock, "29") is elderly_a


# ---------------------------------------------------------------------- windows
def test_window_open_pause_resume_close(engine: Engine, clock: Any) -> None:
    state = engine.state.windows["1"]
    assert state.status is WindowStatus.CLOSED
    issue(engine, clock)
    refused("window_closed", lambda: engine.call_next("1", clock()))
    _, events = engine.open_window("1", clock(), staff_id="S001")
    assert kinds(events) == [EventKind.WINDOW_OPENED] and events[0].data["staff"] == "S001"
    assert (state.status, state.staff_id) == (WindowStatus.OPEN, "S001")
    refused("bad_state", lambda: engine.open_window("1", clock()))
    refused("bad_state", lambda: engine.resume("1", clock()))
    _, events = engine.pause("1", clock())
    assert kinds(events) == [EventKind.WINDOW_PAUSED] and state.status is WindowStatus.PAUSED
    refused("window_paused", lambda: engine.call_next("1", clock()))
    refused("bad_state", lambda: engine.pause("1", clock()))
    _, events = engine.resume("1", clock())
    assert kinds(events) == [EventKind.WINDOW_RESUMED] and state.status is WindowStatus.OPEN
    engine.pause("1", clock())
    _, events = engine.close_window("1", clock())
    assert kinds(events) == [EventKind.WINDOW_CLOSED]
    assert (state.status, state.staff_id) == (WindowStatus.CLOSED, None)
    refused("bad_state", lambda: engine.close_window("1", clock()))
    refused("bad_state", lambda: engine.pause("1", clock()))


def test_a_busy_window_cannot_call_pause_or_close(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    issue(engine, clock)
    issue(engine, clock)
    call(engine, clock, "1")
    refused("window_busy", lambda: engine.call_next("1", clock()))
    refused("window_busy", lambda: engine.pause("1", clock()))
    refused("window_busy", lambda: engine.close_window("1", clock()))
    engine.finish("1", clock())
    assert call(engine, clock, "1") is not None


def test_unknown_window_and_staff(engine: Engine, clock: Any) -> None:
    refused("unknown_window", lambda: engine.call_next("99", clock()), 404)
    refused("unknown_window", lambda: engine.open_window("99", clock()), 404)
    refused("bad_credentials", lambda: engine.open_window("1", clock(), staff_id="S999"), 401)
    engine.open_window("2", clock())
    refused("window_idle", lambda: engine.finish("2", clock()))


# ---------------------------------------------------------------------- recall, no-show
def test_recall_up_to_max_recalls_then_recall_limit(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    issue(engine, clock)
    ticket = call(engine, clock, "1")
    assert ticket is not None
    for n in (1, 2, 3):
        again, events = engine.recall("1", clock.advance(seconds=30))
        assert again is ticket and ticket.recalls == n
        assert kinds(events) == [EventKind.TICKET_RECALLED] and events[0].data["recalls"] == n
    refused("recall_limit", lambda: engine.recall("1", clock()))
    assert ticket.recalls == 3 and ticket.status is TicketStatus.CALLED


def test_max_recalls_is_configurable(make_engine: Any, clock: Any) -> None:
    engine = make_engine(max_recalls=1)
    open_windows(engine, clock, "1")
    issue(engine, clock)
    call(engine, clock, "1")
    engine.recall("1", clock())
    refused("recall_limit", lambda: engine.recall("1", clock()))


def test_recall_needs_a_called_ticket(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    refused("window_idle", lambda: engine.recall("1", clock()))
    issue(engine, clock)
    call(engine, clock, "1")
    _, events = engine.start_serving("1", clock())
    assert kinds(events) == [EventKind.TICKET_SERVING]
    refused("bad_state", lambda: engine.recall("1", clock()))
    refused("bad_state", lambda: engine.start_serving("1", clock()))


def test_no_show_removes_the_ticket_and_frees_the_window(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    absent, present = issue(engine, clock), issue(engine, clock)
    call(engine, clock, "1")
    ticket, events = engine.no_show("1", clock.advance(seconds=60))
    assert ticket is absent and absent.status is TicketStatus.NO_SHOW
    assert kinds(events) == [EventKind.TICKET_NO_SHOW] and events[0].data["window"] == "1"
    assert engine.state.windows["1"].current is None
    assert engine.line("A", clock()) == [present]
    assert engine.position(absent, clock()) == -1
    assert call(engine, clock, "1") is present
    refused("bad_state", lambda: engine.cancel(absent.id, clock()))


def test_a_ticket_being_served_cannot_be_a_no_show(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    issue(engine, clock)
    call(engine, clock, "1")
    engine.start_serving("1", clock())
    refused("bad_state", lambda: engine.no_show("1", clock()))
