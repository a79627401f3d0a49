"""The queue rules users expect (DESIGN.md, 叫号规则), one rule at a time, on the engine with a
clock that stands still: Tuesday 2024-03-12 10:00 in Shanghai unless a test moves it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from hall.engine import Engine
from hall.errors import QueueError
from hall.events import Event, EventKind
from hall.state import Appointment, HallState, Ticket, TicketStatus, WindowStatus


def _at(clock: Any, hour: int, minute: int = 0, day: int = 12) -> datetime:
    clock.now = clock.now.replace(day=day, hour=hour, minute=minute, second=0)
    return clock.now


def issue(engine: Engine, clock: Any, service: str = "A", **kwargs: Any) -> Ticket:
    """Issue a ticket one second after the previous one (so arrival order is clear)."""
    issued, events = engine.issue(service, clock.advance(seconds=1), **kwargs)
    assert [e.kind for e in events] == [EventKind.TICKET_ISSUED]
    return issued.ticket


def open_windows(engine: Engine, clock: Any, *numbers: str) -> None:
    for number in numbers:
        engine.open_window(number, clock())


def call(engine: Engine, clock: Any, window: str) -> Ticket | None:
    ticket, _ = engine.call_next(window, clock.advance(seconds=1))
    return ticket


def calls(engine: Engine, clock: Any, window: str, times: int) -> list[str]:
    """Call and finish ``times`` tickets at ``window``; their numbers in calling order."""
    numbers = []
    for _ in range(times):
        ticket = call(engine, clock, window)
        assert ticket is not None
        numbers.append(ticket.number)
        engine.finish(window, clock.advance(seconds=1))
    return numbers


def refused(code: str, operation: Callable[[], object], status: int | None = None
            ) -> QueueError:
    with pytest.raises(QueueError) as caught:
        operation()
    assert caught.value.code == code
    assert caught.value.message_zh and caught.value.message_en
    if status is not None:
        assert caught.value.status == status
    return caught.value


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]


def snapshot(state: HallState) -> dict[str, Any]:
    """Everything in the state by value (tickets compare by identity), indexes included."""
    return {
        "day": state.day,
        "tickets": {i: asdict(t) for i, t in state.tickets.items()},
        "windows": {n: asdict(w) for n, w in state.windows.items()},
        "counters": dict(state.counters), "means": dict(state.service_means),
        "counts": dict(state.service_counts),
        "appointments": {i: asdict(a) for i, a in state.appointments.items()},
        "dirty": [sorted(d) for d in (state.dirty_tickets, state.dirty_windows,
                                      state.dirty_counters, state.dirty_means,
                                      state.dirty_appointments)],
        "waiting": sorted(t.id for t in state.waiting()),
        "by_theme": {th: sorted(t.id for t in state.waiting((th,))) for th in "ABC"},
    }


# ---------------------------------------------------------------------- numbering
def test_numbers_per_theme_with_letter_prefix(engine: Engine, clock: Any) -> None:
    numbers = [issue(engine, clock, s).number for s in ("A", "A", "B", "C", "A03", "b01")]
    assert numbers == ["A001", "A002", "B001", "C001", "A003", "B002"]
    ids = [t.id for t in engine.state.tickets.values()]
    assert ids[0] == "20240312-A001" and len(set(ids)) == 6
    assert engine.state.tickets["20240312-A003"].item == "A03"
    assert engine.state.counters == {"A": 3, "B": 2, "C": 1}


def test_new_day_restarts_numbers_and_expires_yesterdays_open_tickets(engine: Engine,
                                                                      clock: Any) -> None:
    open_windows(engine, clock, "1")
    done = issue(engine, clock)
    call(engine, clock, "1")
    engine.finish("1", clock())
    at_window = issue(engine, clock)
    waiting = issue(engine, clock)
    assert call(engine, clock, "1") is at_window
    assert engine.roll_day(clock.advance(minutes=5)) == []          # same day: nothing

    events = engine.roll_day(_at(clock, 9, 5, day=13))
    assert kinds(events) == [EventKind.TICKET_EXPIRED, EventKind.TICKET_EXPIRED]
    assert {e.data["ticket"] for e in events} == {at_window.id, waiting.id}
    assert at_window.status is waiting.status is TicketStatus.CANCELLED
    assert done.status is TicketStatus.FINISHED
    assert engine.state.day == "2024-03-13"
    assert engine.state.tickets == {} and engine.state.counters == {}
    window = engine.state.windows["1"]
    assert window.current is None and window.served_today == 0
    assert window.status is WindowStatus.OPEN                       # staff stay signed in
    fresh = issue(engine, clock)
    assert (fresh.number, fresh.id) == ("A001", "20240313-A001")


# ---------------------------------------------------------------------- per-ID limit
def test_per_id_daily_limit_per_theme(engine: Engine, clock: Any, id_number: Any) -> None:
    person = id_number(date(1990, 5, 6))
    first = issue(engine, clock, "A", id_number=person)
    issue(engine, clock, "A02", id_number=person.lower())          # same person, an item of A
    err = refused("id_limit_reached", lambda: engine.issue("A", clock(), id_number=person), 409)
    assert "2" in err.message_zh and person not in str(err)
    # other themes and other people are still served
    assert issue(engine, clock, "B", id_number=person).number == "B001"
    assert issue(engine, clock, "A", id_number=id_number(date(1990, 5, 7))).number == "A003"
    assert first.id_masked == person[:4] + "**********" + person[-4:]
    assert first.id_hash and person not in first.id_hash
    assert "id_hash" not in first.public()


def test_per_id_limit_is_configurable_and_zero_means_none(make_engine: Any, clock: Any,
                                                         id_number: Any) -> None:
    person = id_number(date(1990, 5, 6))
    unlimited = make_engine(themes={"A": {"per_id_daily_limit": 0}})
    assert [issue(unlimited, clock, "A", id_number=person).number for _ in range(4)][-1] == "A004"
    once = make_engine(themes={"A": {"per_id_daily_limit": 1}})
    issue(once, clock, "A", id_number=person)
    refused("id_limit_reached", lambda: once.issue("A", clock(), id_number=person))


@pytest.mark.parametrize("bad", ["440308199901011235", "4403081999010112", "44030819990230123X",
                                 "ABCDEFGHIJKLMNOPQR"])
def test_invalid_id_number_is_refused_with_422(engine: Engine, clock: Any, bad: str) -> None:
    err = refused("invalid_id_number", lambda: engine.issue("A", clock(), id_number=bad), 422)
    assert bad not in str(err) and bad not in err.message_zh
    assert engine.state.tickets == {}


def test_no_personal_data_in_issue_events(engine: Engine, clock: Any, id_number: Any) -> None:
    person = id_number(date(1950, 1, 1))
    _, events = engine.issue("C", clock(), id_number=person)
    text = repr(events[0].data)
    assert person not in text and person[:14] not in text
    id_hash = engine.state.tickets["20240312-C001"].id_hash
    assert id_hash is not None and id_hash not in text
    assert events[0].data["elderly"] is True


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
    assert engine.position(booked, _at(clock, 10, 14)) == 1         # too early: first come
    assert engine.position(booked, _at(clock, 10, 15)) == 0         # early window reached
    assert engine.position(booked, _at(clock, 11, 0)) == 0          # last minute of the slot
    assert engine.position(booked, _at(clock, 11, 1)) == 1          # slot over: first come
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
        now = _at(clock, 10 + minute // 60, minute % 60)
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
    ticket, events = engine.no_show("1", clock())
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


# ---------------------------------------------------------------------- re-check-in
def _no_show_first(engine: Engine, clock: Any, others: int) -> tuple[Ticket, list[Ticket]]:
    open_windows(engine, clock, "1")
    late = issue(engine, clock)
    line = [issue(engine, clock) for _ in range(others)]
    assert call(engine, clock, "1") is late
    engine.no_show("1", clock())
    return late, line


def test_recheck_in_goes_exactly_recheckin_positions_back(engine: Engine, clock: Any) -> None:
    late, line = _no_show_first(engine, clock, 5)
    ticket, events = engine.recheck_in(late.id, clock.advance(minutes=3))
    assert ticket is late and late.status is TicketStatus.WAITING
    assert kinds(events) == [EventKind.TICKET_RECHECKED_IN] and events[0].data["ahead"] == 3
    assert events[0].data["sort_key"] == late.sort_key       # central follows its new place
    assert engine.position(late, clock()) == 3
    assert [t.id for t in engine.line("A", clock())] == \
        [line[0].id, line[1].id, line[2].id, late.id, line[3].id, line[4].id]
    assert calls(engine, clock, "1", 6) == \
        [line[0].number, line[1].number, line[2].number, late.number, line[3].number,
         line[4].number]


@pytest.mark.parametrize("others", [0, 1, 2, 3])
def test_recheck_in_goes_to_the_end_of_a_short_line(engine: Engine, clock: Any,
                                                    others: int) -> None:
    late, line = _no_show_first(engine, clock, others)
    engine.recheck_in(late.id, clock())
    assert engine.line("A", clock()) == [*line, late]


def test_recheck_in_positions_are_configurable(make_engine: Any, clock: Any) -> None:
    engine = make_engine(recheckin_positions=1)
    late, line = _no_show_first(engine, clock, 4)
    engine.recheck_in(late.id, clock())
    assert engine.position(late, clock()) == 1


def test_recheck_in_only_once_and_only_after_a_no_show(engine: Engine, clock: Any) -> None:
    late, line = _no_show_first(engine, clock, 1)
    refused("bad_state", lambda: engine.recheck_in(line[0].id, clock()))   # waiting
    engine.recheck_in(late.id, clock())
    refused("bad_state", lambda: engine.recheck_in(late.id, clock()))      # waiting again
    calls(engine, clock, "1", 1)
    assert call(engine, clock, "1") is late
    engine.no_show("1", clock())
    refused("recheckin_limit", lambda: engine.recheck_in(late.id, clock()))
    refused("unknown_ticket", lambda: engine.recheck_in("20240312-Z999", clock()), 404)


# ---------------------------------------------------------------------- transfer
def test_transfer_to_a_theme_keeps_the_arrival_time(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1", "14")
    earlier_b = issue(engine, clock, "B")
    moved = issue(engine, clock, "A")
    later_b = [issue(engine, clock, "B") for _ in range(2)]
    assert call(engine, clock, "1") is moved
    ticket, events = engine.transfer("1", clock.advance(minutes=5), to_service="B02")
    assert ticket is moved
    assert kinds(events) == [EventKind.TICKET_TRANSFERRED]
    assert events[0].data == {"ticket": moved.id, "number": "A001", "from_window": "1",
                              "theme": "B", "item": "B02", "to_window": None,
                              "sort_key": moved.sort_key, "elderly": False, "green": False,
                              "appointment": None}   # its place in the new line (central)
    assert (moved.status, moved.theme, moved.item, moved.number) == \
        (TicketStatus.WAITING, "B", "B02", "A001")
    assert moved.transfers == 1 and engine.state.windows["1"].current is None
    assert engine.line("B", clock()) == [earlier_b, moved, *later_b]
    assert engine.line("A", clock()) == []
    assert calls(engine, clock, "14", 2) == ["B001", "A001"]


def test_transfer_to_a_named_window_only_that_window_gets_it_first(engine: Engine,
                                                                   clock: Any) -> None:
    open_windows(engine, clock, "1", "2", "3")
    moved = issue(engine, clock)
    others = [issue(engine, clock) for _ in range(3)]
    call(engine, clock, "1")
    engine.set_green(others[2].id, clock())
    ticket, events = engine.transfer("1", clock(), to_window="2")
    assert ticket.to_window == "2" and events[0].data["to_window"] == "2"
    assert engine.position(moved, clock()) == 0
    assert moved not in engine.line("A", clock())                  # not for other windows
    assert call(engine, clock, "3") is others[2]                   # green, but never `moved`
    assert call(engine, clock, "1") is others[0]
    engine.set_green(others[1].id, clock())
    assert call(engine, clock, "2") is moved                       # named beats green
    assert moved.to_window is None and moved.window == "2"


def test_a_window_with_other_skills_gets_a_named_transfer(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1", "14")
    moved = issue(engine, clock, "A")
    call(engine, clock, "1")
    engine.transfer("1", clock(), to_window="14")
    assert call(engine, clock, "14") is moved


def test_transfer_is_checked(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    refused("window_idle", lambda: engine.transfer("1", clock(), to_service="B"))
    issue(engine, clock)
    call(engine, clock, "1")
    refused("bad_transfer", lambda: engine.transfer("1", clock()), 422)
    refused("bad_transfer", lambda: engine.transfer("1", clock(), to_service="B", to_window="2"))
    refused("bad_transfer", lambda: engine.transfer("1", clock(), to_window="1"), 422)
    refused("unknown_window", lambda: engine.transfer("1", clock(), to_window="99"), 404)
    refused("unknown_service", lambda: engine.transfer("1", clock(), to_service="Z"), 404)


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
    refused("unknown_staff", lambda: engine.open_window("1", clock(), staff_id="S999"), 404)
    engine.open_window("2", clock())
    refused("window_idle", lambda: engine.finish("2", clock()))


# ---------------------------------------------------------------------- quota and hours
def test_daily_quota_per_theme(make_engine: Any, clock: Any) -> None:
    engine = make_engine(themes={"A": {"daily_quota": 2}})
    issue(engine, clock, "A")
    issue(engine, clock, "A01")
    err = refused("quota_reached", lambda: engine.issue("A02", clock()), 409)
    assert "商事登记" in err.message_zh
    assert issue(engine, clock, "B").number == "B001"


@pytest.mark.parametrize("when, code", [
    ((12, 8, 59), "closed"),       # Tuesday before opening
    ((12, 18, 0), "closed"),       # closing time
    ((12, 22, 0), "closed"),
    ((17, 10, 0), "closed"),       # Sunday (open days are Monday to Saturday)
    ((12, 17, 30), "cutoff"),      # 30 minutes before closing
    ((12, 17, 59), "cutoff"),
])
def test_issuing_stops_outside_hours_and_at_the_cutoff(engine: Engine, clock: Any,
                                                       when: tuple, code: str) -> None:
    day, hour, minute = when
    now = _at(clock, hour, minute, day=day)
    err = refused(code, lambda: engine.issue("A", now), 409)
    assert ("09:00" in err.message_zh) if code == "closed" else ("30" in err.message_zh)


@pytest.mark.parametrize("when", [(12, 9, 0), (12, 17, 29), (16, 10, 0)])  # incl. Saturday
def test_issuing_within_hours(engine: Engine, clock: Any, when: tuple) -> None:
    day, hour, minute = when
    issued, _ = engine.issue("A", _at(clock, hour, minute, day=day))
    assert issued.ticket.number == "A001"


def test_cutoff_is_per_theme(make_engine: Any, clock: Any) -> None:
    engine = make_engine(themes={"B": {"cutoff_min": 60}})
    now = _at(clock, 17, 0)
    refused("cutoff", lambda: engine.issue("B", now))
    assert engine.issue("A", now)[0].ticket.number == "A001"


def test_open_all_day_ignores_hours_and_cutoff(make_engine: Any, clock: Any) -> None:
    engine = make_engine(open_all_day=True)
    for day, hour in ((12, 3), (12, 17), (17, 23)):
        assert engine.issue("A", _at(clock, hour, 50, day=day))[0].ticket.status \
            is TicketStatus.WAITING


# ---------------------------------------------------------------------- rating
def _finished(engine: Engine, clock: Any) -> Ticket:
    open_windows(engine, clock, "1")
    ticket = issue(engine, clock)
    call(engine, clock, "1")
    engine.finish("1", clock.advance(minutes=4))
    return ticket


@pytest.mark.parametrize("level, label", [(5, "非常满意"), (3, "基本满意"), (1, "非常不满意")])
def test_rating_a_finished_service(engine: Engine, clock: Any, level: int, label: str) -> None:
    ticket = _finished(engine, clock)
    rated, events = engine.rate(ticket.id, level, clock())
    assert rated.rating == level
    assert kinds(events) == [EventKind.TICKET_RATED]
    assert events[0].data["label_zh"] == label and events[0].data["window"] == "1"
    refused("already_rated", lambda: engine.rate(ticket.id, 4, clock()))
    assert ticket.rating == level


@pytest.mark.parametrize("level", [0, 6, -1, 10])
def test_rating_levels_are_one_to_five(engine: Engine, clock: Any, level: int) -> None:
    ticket = _finished(engine, clock)
    refused("bad_rating", lambda: engine.rate(ticket.id, level, clock()), 422)
    assert ticket.rating is None


def test_only_a_finished_service_can_be_rated(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    waiting = issue(engine, clock)
    refused("bad_state", lambda: engine.rate(waiting.id, 5, clock()))
    call(engine, clock, "1")
    refused("bad_state", lambda: engine.rate(waiting.id, 5, clock()))
    engine.no_show("1", clock())
    refused("bad_state", lambda: engine.rate(waiting.id, 5, clock()))
    refused("unknown_ticket", lambda: engine.rate("nope", 5, clock()), 404)


# ---------------------------------------------------------------------- expected wait
def test_expected_wait_is_people_ahead_plus_one_times_mean_over_share(engine: Engine,
                                                                       clock: Any) -> None:
    # all windows closed: every window counts; theme A has 11 windows + 4 sharing with C
    share_a = 11 + 4 * 0.5
    mean_a = 12 * 60
    for n in range(4):
        issued, events = engine.issue("A", clock.advance(seconds=1))
        assert issued.ahead == n
        assert issued.expected_wait_s == round((n + 1) * mean_a / share_a)
        assert events[0].data["expected_wait_s"] == issued.expected_wait_s
    waits = [t.expected_wait_s for t in engine.state.tickets.values()]
    assert waits == sorted(waits) and len(set(waits)) == 4


def test_expected_wait_counts_only_open_windows(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1", "29")              # A, and C-then-A: share 1.5
    issued, _ = engine.issue("A", clock())
    assert issued.expected_wait_s == round(1 * 720 / 1.5)
    engine.pause("1", clock())                           # paused still counts
    assert engine.expected_wait("A", 2) == round(3 * 720 / 1.5)
    engine.close_window("1", clock())
    assert engine.expected_wait("A", 2) == round(3 * 720 / 0.5)
    engine.close_window("29", clock())                   # none open: the whole hall counts
    assert engine.expected_wait("A", 2) == round(3 * 720 / 13)


def test_service_times_teach_the_mean(engine: Engine, clock: Any) -> None:
    open_windows(engine, clock, "1")
    before = engine.expected_wait("A", 0)
    issue(engine, clock, "A01")
    call(engine, clock, "1")
    engine.start_serving("1", clock.advance(seconds=30))
    _, events = engine.finish("1", clock.advance(seconds=240))
    assert kinds(events) == [EventKind.TICKET_FINISHED] and events[0].data["service_s"] == 240
    # the configured mean counts as one sample: (720 + 240) / 2 and (1200 + 240) / 2
    assert engine.state.service_means == {"A": 480.0, "A01": 720.0}
    assert engine.state.service_counts == {"A": 1, "A01": 1}
    assert engine.mean_service_s("A") == 480.0 and engine.mean_service_s("A", "A01") == 720.0
    assert engine.mean_service_s("A", "A02") == 480.0
    assert engine.expected_wait("A", 0) == round(480 / 1) < before
    assert engine.state.windows["1"].served_today == 1
    assert engine.state.windows["1"].service_s_today == 240


# ---------------------------------------------------------------------- events and refusals
def test_every_operation_returns_its_events(engine: Engine, clock: Any) -> None:
    seen: list[str] = []

    def record(result: tuple[object, list[Event]] | list[Event]) -> None:
        events = result if isinstance(result, list) else result[1]
        for event in events:
            assert event.hall_id == "GD-SZ-FT-001" and event.ts == clock().timestamp()
            assert event.seq == 0
        seen.append(",".join(kinds(events)))

    record(engine.open_window("1", clock()))
    record(engine.open_window("2", clock()))
    first = issue(engine, clock)
    second = issue(engine, clock)
    third = issue(engine, clock)
    record(engine.set_green(third.id, clock()))
    record(engine.call_next("1", clock()))
    record(engine.recall("1", clock()))
    record(engine.start_serving("1", clock()))
    record(engine.transfer("1", clock(), to_service="B"))
    record(engine.call_next("1", clock()))
    record(engine.no_show("1", clock()))
    record(engine.recheck_in(first.id, clock()))
    record(engine.call_next("2", clock()))
    record(engine.finish("2", clock()))
    record(engine.rate(second.id, 4, clock()))
    record(engine.cancel(first.id, clock()))
    record(engine.pause("2", clock()))
    record(engine.resume("2", clock()))
    record(engine.close_window("2", clock()))
    record(engine.device_status("printer-1", "paper_out", clock(), where="kiosk-1"))
    assert seen == [
        EventKind.WINDOW_OPENED, EventKind.WINDOW_OPENED, EventKind.TICKET_PRIORITIZED,
        EventKind.TICKET_CALLED, EventKind.TICKET_RECALLED, EventKind.TICKET_SERVING,
        EventKind.TICKET_TRANSFERRED, EventKind.TICKET_CALLED, EventKind.TICKET_NO_SHOW,
        EventKind.TICKET_RECHECKED_IN, EventKind.TICKET_CALLED, EventKind.TICKET_FINISHED,
        EventKind.TICKET_RATED, EventKind.TICKET_CANCELLED, EventKind.WINDOW_PAUSED,
        EventKind.WINDOW_RESUMED, EventKind.WINDOW_CLOSED, EventKind.DEVICE_STATUS]


def _busy_hall(engine: Engine, clock: Any, id_number: Any) -> dict[str, Ticket]:
    """A hall in mid-morning: a call, a service, a no-show, a finished ticket, a queue."""
    open_windows(engine, clock, "1", "2", "14")
    engine.open_window("20", clock())
    engine.pause("20", clock())
    person = id_number(date(1970, 7, 7))
    t = {name: issue(engine, clock, "A", id_number=person if name in "ab" else None)
         for name in "abcdef"}
    call(engine, clock, "1")                    # a
    engine.finish("1", clock())
    call(engine, clock, "1")                    # b
    engine.no_show("1", clock())
    call(engine, clock, "1")                    # c, called
    call(engine, clock, "2")                    # d
    engine.start_serving("2", clock())
    engine.rate(t["a"].id, 5, clock())
    return t


@pytest.mark.parametrize("operation, code", [
    (lambda e, t, now, person: e.issue("Z", now), "unknown_service"),
    (lambda e, t, now, person: e.issue("A", now, channel="fax"), "bad_channel"),
    (lambda e, t, now, person: e.issue("A", now, id_number=person), "id_limit_reached"),
    (lambda e, t, now, person: e.issue("A", now, id_number="123"), "invalid_id_number"),
    (lambda e, t, now, person: e.issue("A", now.replace(hour=20)), "closed"),
    (lambda e, t, now, person: e.issue("A", now, appointment_id="none"), "unknown_appointment"),
    (lambda e, t, now, person: e.call_next("1", now), "window_busy"),
    (lambda e, t, now, person: e.call_next("20", now), "window_paused"),
    (lambda e, t, now, person: e.call_next("3", now), "window_closed"),
    (lambda e, t, now, person: e.recall("2", now), "bad_state"),
    (lambda e, t, now, person: e.recall("14", now), "window_idle"),
    (lambda e, t, now, person: e.no_show("2", now), "bad_state"),
    (lambda e, t, now, person: e.finish("14", now), "window_idle"),
    (lambda e, t, now, person: e.transfer("1", now, to_window="1"), "bad_transfer"),
    (lambda e, t, now, person: e.transfer("1", now, to_service="Q"), "unknown_service"),
    (lambda e, t, now, person: e.pause("1", now), "window_busy"),
    (lambda e, t, now, person: e.close_window("2", now), "window_busy"),
    (lambda e, t, now, person: e.open_window("1", now), "bad_state"),
    (lambda e, t, now, person: e.resume("1", now), "bad_state"),
    (lambda e, t, now, person: e.open_window("3", now, staff_id="X"), "unknown_staff"),
    (lambda e, t, now, person: e.recheck_in(t["e"].id, now), "bad_state"),
    (lambda e, t, now, person: e.cancel(t["c"].id, now), "bad_state"),
    (lambda e, t, now, person: e.set_green(t["d"].id, now), "bad_state"),
    (lambda e, t, now, person: e.rate(t["a"].id, 4, now), "already_rated"),
    (lambda e, t, now, person: e.rate(t["e"].id, 4, now), "bad_state"),
    (lambda e, t, now, person: e.rate(t["e"].id, 9, now), "bad_rating"),
    (lambda e, t, now, person: e.ticket("nope"), "unknown_ticket"),
])
def test_a_refused_operation_changes_nothing(engine: Engine, clock: Any, id_number: Any,
                                             operation: Callable, code: str) -> None:
    tickets = _busy_hall(engine, clock, id_number)
    before = snapshot(engine.state)
    refused(code, lambda: operation(engine, tickets, clock(), id_number(date(1970, 7, 7))))
    assert snapshot(engine.state) == before


def test_the_busy_hall_is_what_the_refusal_tests_think(engine: Engine, clock: Any,
                                                       id_number: Any) -> None:
    t = _busy_hall(engine, clock, id_number)
    assert [t[n].status for n in "abcdef"] == [
        TicketStatus.FINISHED, TicketStatus.NO_SHOW, TicketStatus.CALLED, TicketStatus.SERVING,
        TicketStatus.WAITING, TicketStatus.WAITING]
    assert engine.state.windows["20"].status is WindowStatus.PAUSED


def test_recheck_in_counts_green_channel_tickets_among_the_places(engine: Engine,
                                                                  clock: Any) -> None:
    late, line = _no_show_first(engine, clock, 3)
    greens = [issue(engine, clock) for _ in range(3)]      # arrive later, then green channel
    for ticket in greens:
        engine.set_green(ticket.id, clock())
    engine.recheck_in(late.id, clock())
    # three people go first (the green channel); then it is the no-show's turn again
    assert engine.position(late, clock()) == 3
    assert engine.line("A", clock()) == [*greens, late, *line]


def test_recheck_in_with_a_green_ticket_still_goes_three_places_back(engine: Engine,
                                                                      clock: Any) -> None:
    late, line = _no_show_first(engine, clock, 4)
    green = issue(engine, clock)
    engine.set_green(green.id, clock())
    engine.recheck_in(late.id, clock())
    assert engine.line("A", clock()) == [green, line[0], line[1], late, line[2], line[3]]
