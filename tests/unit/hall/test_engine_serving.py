"""The queue rules users expect (DESIGN.md, 叫号规则) after a call: no-shows and re-check-in,
transfers, ratings; and every operation's events, and refusals that change nothing. One rule at
a time, on the engine with a clock that stands still: Tuesday 2024-03-12 10:00 in Shanghai
unless a test moves it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from hall.engine import Engine
from hall.events import Event, EventKind
from hall.state import Ticket, TicketStatus, WindowStatus
from tests.helpers.engine_steps import call, calls, issue, kinds, open_windows, refused, snapshot


# ---------------------------------------------------------------------- re-check-in
def _no_show_first(engine: Engine, clock: Any, others: int) -> tuple[Ticket, list[Ticket]]:
    open_windows(engine, clock, "1")
    late = issue(engine, clock)
    line = [issue(engine, clock) for _ in range(others)]
    assert call(engine, clock, "1") is late
    engine.no_show("1", clock.advance(seconds=60))
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
    engine.no_show("1", clock.advance(seconds=60))
    refused("recheckin_limit", lambda: engine.recheck_in(late.id, clock()))
    refused("unknown_ticket", lambda: engine.recheck_in("20240312-Z999", clock()), 404)


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
    engine.no_show("1", clock.advance(seconds=60))
    refused("bad_state", lambda: engine.rate(waiting.id, 5, clock()))
    refused("unknown_ticket", lambda: engine.rate("nope", 5, clock()), 404)


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
    record(engine.no_show("1", clock.advance(seconds=60)))
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
    engine.no_show("1", clock.advance(seconds=60))
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
    (lambda e, t, now, person: e.open_window("3", now, staff_id="X"), "bad_credentials"),
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
