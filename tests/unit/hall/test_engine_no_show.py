"""No-shows with care (#19 part 2): a no-show only after the hall's minimum of recalls or
seconds since the call, and its undo by the same window within the grace period. On the engine
with a clock that moves only when told (Tuesday 2024-03-12 10:00 in Shanghai)."""

from __future__ import annotations

from typing import Any

from hall.engine import Engine
from hall.events import PAYLOADS, EventKind
from hall.state import Ticket, TicketStatus
from tests.helpers.engine_steps import call, issue, kinds, open_windows, refused, snapshot


def _called(engine: Engine, clock: Any, window: str = "1") -> Ticket:
    open_windows(engine, clock, window)
    issue(engine, clock)
    ticket = call(engine, clock, window)
    assert ticket is not None
    return ticket


# ---------------------------------------------------------------------- the minimum
def test_a_no_show_two_seconds_after_the_call_is_refused_saying_what_is_left(
        make_engine: Any, clock: Any) -> None:
    engine = make_engine(no_show_min_recalls=1, no_show_min_wait_s=60)
    ticket = _called(engine, clock)
    before = snapshot(engine.state)
    err = refused("no_show_too_early", lambda: engine.no_show("1", clock.advance(seconds=2)))
    assert "58 秒" in err.message_zh and "重呼 1 次" in err.message_zh
    assert "58 s" in err.message_en and "1 more recall" in err.message_en
    assert snapshot(engine.state) == before
    assert ticket.status is TicketStatus.CALLED


def test_a_no_show_is_allowed_by_seconds_since_the_call(make_engine: Any, clock: Any) -> None:
    engine = make_engine(no_show_min_recalls=2, no_show_min_wait_s=45)
    ticket = _called(engine, clock)
    refused("no_show_too_early", lambda: engine.no_show("1", clock.advance(seconds=44)))
    marked, events = engine.no_show("1", clock.advance(seconds=1))
    assert marked is ticket and ticket.status is TicketStatus.NO_SHOW
    assert kinds(events) == [EventKind.TICKET_NO_SHOW]


def test_a_no_show_is_allowed_by_recalls_before_the_seconds(make_engine: Any,
                                                            clock: Any) -> None:
    engine = make_engine(no_show_min_recalls=2, no_show_min_wait_s=600)
    ticket = _called(engine, clock)
    engine.recall("1", clock.advance(seconds=5))
    err = refused("no_show_too_early", lambda: engine.no_show("1", clock()))
    assert "重呼 1 次" in err.message_zh
    engine.recall("1", clock.advance(seconds=5))
    engine.no_show("1", clock())
    assert ticket.status is TicketStatus.NO_SHOW


def test_a_minimum_of_zero_allows_a_no_show_at_once(make_engine: Any, clock: Any) -> None:
    for rules in ({"no_show_min_recalls": 0}, {"no_show_min_wait_s": 0}):
        engine = make_engine(**rules)
        ticket = _called(engine, clock)
        engine.no_show("1", clock())
        assert ticket.status is TicketStatus.NO_SHOW


# ---------------------------------------------------------------------- undo
def test_undo_within_the_grace_period_calls_the_same_ticket_again(make_engine: Any,
                                                                  clock: Any) -> None:
    engine = make_engine(no_show_min_recalls=1, no_show_undo_s=30)
    engine.open_window("1", clock(), staff_id="S001")
    issue(engine, clock)
    ticket = call(engine, clock, "1")
    assert ticket is not None
    called_at = ticket.called_at
    engine.recall("1", clock.advance(seconds=10))
    counters = dict(engine.state.counters)
    engine.no_show("1", clock.advance(seconds=1))
    undone, events = engine.undo_no_show("1", clock.advance(seconds=29))
    assert undone is ticket and ticket.status is TicketStatus.CALLED
    assert ticket.called_at == called_at and ticket.recalls == 1 and ticket.finished_at is None
    assert engine.state.windows["1"].current == ticket.id
    assert engine.state.counters == counters        # no new number
    assert kinds(events) == [EventKind.TICKET_NO_SHOW_UNDONE]
    data = events[0].data
    assert data == {"ticket": ticket.id, "number": ticket.number, "theme": "A", "window": "1",
                    "staff": "S001", "called_at": called_at, "recalls": 1}
    assert set(data) == set(PAYLOADS[EventKind.TICKET_NO_SHOW_UNDONE].__annotations__)
    engine.start_serving("1", clock())          # the citizen is at the window
    assert ticket.status is TicketStatus.SERVING


def test_undo_after_the_grace_period_is_refused(make_engine: Any, clock: Any) -> None:
    engine = make_engine(no_show_min_recalls=0, no_show_undo_s=30)
    ticket = _called(engine, clock)
    engine.no_show("1", clock())
    clock.advance(seconds=30)
    before = snapshot(engine.state)
    err = refused("undo_expired", lambda: engine.undo_no_show("1", clock()))
    assert "重新签到" in err.message_zh and "check in again" in err.message_en
    assert snapshot(engine.state) == before and ticket.status is TicketStatus.NO_SHOW
    engine.recheck_in(ticket.id, clock())      # the desk still can
    assert ticket.status is TicketStatus.WAITING


def test_undo_by_another_window_is_refused(make_engine: Any, clock: Any) -> None:
    engine = make_engine(no_show_min_recalls=0)
    ticket = _called(engine, clock, "1")
    engine.open_window("2", clock())
    engine.no_show("1", clock())
    before = snapshot(engine.state)
    refused("nothing_to_undo", lambda: engine.undo_no_show("2", clock()))
    err = refused("nothing_to_undo", lambda: engine.undo_no_show("2", clock(), ticket.id))
    assert "1 号窗口" in err.message_zh and "window 1" in err.message_en
    assert snapshot(engine.state) == before


def test_undo_needs_the_window_free_and_a_no_show(make_engine: Any, clock: Any) -> None:
    engine = make_engine(no_show_min_recalls=0)
    refused("nothing_to_undo", lambda: engine.undo_no_show("1", clock()))
    absent = _called(engine, clock)
    issue(engine, clock)
    engine.no_show("1", clock())
    call(engine, clock, "1")                     # the next citizen is called already
    refused("window_busy", lambda: engine.undo_no_show("1", clock()))
    engine.finish("1", clock())
    engine.undo_no_show("1", clock())            # still in time: the first comes back
    assert absent.status is TicketStatus.CALLED
    engine.no_show("1", clock())
    engine.recheck_in(absent.id, clock())        # checked in again: no longer a no-show
    refused("nothing_to_undo", lambda: engine.undo_no_show("1", clock(), absent.id))
    refused("unknown_ticket", lambda: engine.undo_no_show("1", clock(), "nope"), 404)
