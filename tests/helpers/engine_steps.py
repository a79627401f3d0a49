"""Steps the engine's rule tests share (tests/unit/hall/test_engine_*.py): a clock moved to a
time of day, tickets issued and called one second apart, refusals checked in both languages,
and the whole state by value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

import pytest

from hall.engine import Engine
from hall.errors import QueueError
from hall.events import Event, EventKind
from hall.state import HallState, Ticket


def clock_at(clock: Any, hour: int, minute: int = 0, day: int = 12) -> datetime:
    """Move the clock to ``hour:minute`` of March ``day`` 2024 (the 12th is a Tuesday)."""
    clock.now = clock.now.replace(day=day, hour=hour, minute=minute, second=0)
    return clock.now


def issue(engine: Engine, clock: Any, service: str = "A", **kwargs: Any) -> Ticket:
    """Issue a ticket one second after the previous one (so arrival order is clear)."""
    issued, events = engine.issue(service, clock.advance(seconds=1), **kwargs)
    assert [e.kind for e in events] == [EventKind.TICKET_ISSUED]
    return issued.ticket


def open_windows(engine: Engine, clock: Any, *numbers: str) -> None:
    """Open each of the windows now."""
    for number in numbers:
        engine.open_window(number, clock())


def call(engine: Engine, clock: Any, window: str) -> Ticket | None:
    """Call the next ticket at ``window`` a second later; None when nobody waits."""
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
    """Assert that ``operation`` is refused with ``code`` (and ``status``), in both languages."""
    with pytest.raises(QueueError) as caught:
        operation()
    assert caught.value.code == code
    assert caught.value.message_zh and caught.value.message_en
    if status is not None:
        assert caught.value.status == status
    return caught.value


def kinds(events: list[Event]) -> list[str]:
    """The kinds of the events, in order."""
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
