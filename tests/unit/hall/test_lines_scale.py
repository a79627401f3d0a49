"""Issue 21's finding: each new ticket walked every waiting ticket of its theme to count the
people ahead (``Engine._position_in_line``), so issuing slowed as the line grew. With thousands
waiting, every operation now does the same work whatever the line's length: counted here in
function calls, without a clock (the scan stepped once per waiting ticket: 6,190 calls to issue
with 6,000 waiting, 490 with 300)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from hall.config import EXAMPLE_HALL, load_config
from hall.engine import Engine
from hall.state import HallState, TicketStatus

T = TypeVar("T")
START = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_EXAMPLE = load_config(EXAMPLE_HALL)
CONFIG = replace(_EXAMPLE, rules=replace(_EXAMPLE.rules, open_all_day=True),
                 themes={p: replace(t, daily_quota=0, per_id_daily_limit=0)
                         for p, t in _EXAMPLE.themes.items()})


def hall_with_line(waiting: int) -> Engine:
    """The example hall with ``waiting`` tickets of theme A in line (a few with priority)."""
    engine = Engine(CONFIG, HallState(day=START.date().isoformat()), b"k" * 32)
    for i in range(waiting):
        ticket = engine.issue("A", START + timedelta(milliseconds=i))[0].ticket
        if i % 50 == 7:
            engine.set_green(ticket.id, START)
    for number in ("1", "2"):
        engine.open_window(number, START)
    return engine


def calls(operation: Callable[[], T]) -> tuple[T, int]:
    """Run ``operation``; its result and how many Python and C function calls (and generator
    steps) it made: the work it did, counted without a clock."""
    made = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal made
        if event in ("call", "c_call"):
            made += 1
    sys.setprofile(count)
    try:
        result = operation()
    finally:
        sys.setprofile(None)
    return result, made


def a_busy_hour(engine: Engine) -> dict[str, int]:
    """Issue, call, transfer, no-show, re-check-in, cancel and ask positions in a hall with a
    long line; the work each took."""
    now = START + timedelta(minutes=5)
    work = {}
    issued, work["issue"] = calls(lambda: engine.issue("A", now)[0])
    first = engine.line("A", now)[0]
    (called, _), work["call"] = calls(lambda: engine.call_next("1", now))
    assert called is first
    _, work["position"] = calls(lambda: engine.position(issued.ticket, now))
    _, work["transfer"] = calls(lambda: engine.transfer("1", now, to_window="2"))
    assert engine.position(called, now) == 0
    _, work["call named"] = calls(lambda: engine.call_next("2", now))
    _, work["no-show"] = calls(lambda: engine.no_show("2", now + timedelta(minutes=10)))
    _, work["re-check-in"] = calls(lambda: engine.recheck_in(called.id, now))
    # the first called was on the green channel (A008): back three places
    # (rules.recheckin_positions) among the others on it, not at the end of the line
    assert called.green and CONFIG.rules.recheckin_positions == 3
    assert engine.position(called, now) == 3
    _, work["cancel"] = calls(lambda: engine.cancel(issued.ticket.id, now))
    assert issued.ticket.status is TicketStatus.CANCELLED
    _, work["set green"] = calls(lambda: engine.set_green(first.id, now, False))
    return work


def test_operations_cost_the_same_with_300_or_6000_waiting() -> None:
    small, big = hall_with_line(300), hall_with_line(6000)
    assert len(big.line("A", START)) == 6000
    small_work, big_work = a_busy_hour(small), a_busy_hour(big)
    # the scan made ~6,000 steps more per issue with 6,000 waiting; now a few, for the
    # deeper sorted lists
    assert {op: big_work[op] - small_work[op] < 60 for op in big_work} == dict.fromkeys(
        big_work, True), (small_work, big_work)
