"""Random days at the hall: citizens take numbers, windows call, recall, serve, transfer,
pause and close, no-shows come back, the clock moves and a new day starts. After every step
the hall must still make sense to the people in it."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from hall import policy
from hall.config import EXAMPLE_HALL, load_config
from hall.engine import Engine
from hall.errors import QueueError
from hall.events import EventKind
from hall.state import AT_WINDOW_STATUSES, HallState, TicketStatus, WindowStatus


def _id(born: date, serial: str) -> str:
    first17 = f"440308{born:%Y%m%d}{serial}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return first17 + ("X" if value == 10 else str(value))


START = datetime(2024, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_EXAMPLE = load_config(EXAMPLE_HALL)
CONFIG = replace(
    _EXAMPLE, rules=replace(_EXAMPLE.rules, open_all_day=True),
    themes={**_EXAMPLE.themes, "B": replace(_EXAMPLE.themes["B"], daily_quota=6)})
WINDOWS = ["1", "2", "12", "14", "20", "29"]          # A, A, A+C, B, C, C+A
SERVICES = ["A", "B", "C", "A01", "B02", "C04"]
PEOPLE = [None, None, None, _id(date(1990, 1, 1), "123"), _id(date(1950, 6, 1), "456"),
          _id(date(1985, 3, 3), "789")]

windows = st.sampled_from(WINDOWS)
pick = st.integers(min_value=0, max_value=10_000)


def snapshot(state: HallState) -> dict[str, Any]:
    """The state by value (tickets compare by identity)."""
    return {
        "day": state.day, "tickets": {i: asdict(t) for i, t in state.tickets.items()},
        "windows": {n: asdict(w) for n, w in state.windows.items()},
        "counters": dict(state.counters), "means": dict(state.service_means),
        "appointments": {i: asdict(a) for i, a in state.appointments.items()},
        "waiting": sorted(t.id for t in state.waiting()),
    }


class HallDay(RuleBasedStateMachine):
    """The engine of the example hall (open all day, B limited to 6 tickets a day)."""

    @initialize()
    def start(self) -> None:
        self.now = START
        self.engine = Engine(CONFIG, HallState(day=START.date().isoformat()), b"k" * 32)
        self.issued: dict[str, str] = {}          # ticket id -> number, for today

    # ------------------------------------------------------------------ helpers
    def attempt(self, operation: Any) -> Any:
        """Run an operation; a refusal must leave the state exactly as it was."""
        before = snapshot(self.engine.state)
        try:
            return operation()
        except QueueError as refused:
            assert refused.code and refused.message_zh and refused.message_en
            assert snapshot(self.engine.state) == before, f"{refused.code} changed the state"
            return None

    def ticket_id(self, index: int) -> str | None:
        ids = sorted(self.engine.state.tickets)
        return ids[index % len(ids)] if ids else None

    # ------------------------------------------------------------------ citizens
    @rule(service=st.sampled_from(SERVICES), person=st.sampled_from(PEOPLE))
    def issue(self, service: str, person: str | None) -> None:
        result = self.attempt(lambda: self.engine.issue(service, self.now, id_number=person))
        if result is None:
            return
        issued, events = result
        ticket = issued.ticket
        assert ticket.id not in self.issued
        self.issued[ticket.id] = ticket.number
        assert ticket.number == f"{ticket.theme}{self.engine.state.counters[ticket.theme]:03d}"
        assert issued.ahead == self.engine.position(ticket, self.now)
        assert [e.kind for e in events] == [EventKind.TICKET_ISSUED]

    @rule(index=pick)
    def recheck_in(self, index: int) -> None:
        ticket_id = self.ticket_id(index)
        if ticket_id is None:
            return
        engine, now_ts = self.engine, self.now.timestamp()
        early = CONFIG.rules.appointment_early_min * 60.0
        ticket = engine.state.tickets[ticket_id]
        line = engine.line(ticket.theme, self.now)
        rank = policy.priority_rank(ticket, now_ts, early)
        before_rank = sum(1 for t in line if policy.priority_rank(t, now_ts, early) < rank)
        same_rank = sum(1 for t in line if policy.priority_rank(t, now_ts, early) == rank)
        if self.attempt(lambda: engine.recheck_in(ticket_id, self.now)) is None:
            return
        # a few places back, not at the end: the others of its priority it lets go first
        back = CONFIG.rules.recheckin_positions
        expected = before_rank + min(max(back - before_rank, 0), same_rank)
        assert engine.position(ticket, self.now) == expected

    @rule(index=pick)
    def cancel(self, index: int) -> None:
        ticket_id = self.ticket_id(index)
        if ticket_id is not None:
            self.attempt(lambda: self.engine.cancel(ticket_id, self.now))

    @rule(index=pick, green=st.booleans())
    def set_green(self, index: int, green: bool) -> None:
        ticket_id = self.ticket_id(index)
        if ticket_id is not None:
            self.attempt(lambda: self.engine.set_green(ticket_id, self.now, green))

    @rule(index=pick, level=st.integers(0, 6))
    def rate(self, index: int, level: int) -> None:
        ticket_id = self.ticket_id(index)
        if ticket_id is not None:
            self.attempt(lambda: self.engine.rate(ticket_id, level, self.now))

    # ------------------------------------------------------------------ windows
    @rule(window=windows)
    def call(self, window: str) -> None:
        config_window = CONFIG.windows[window]
        expected = policy.choose_next(config_window, list(self.engine.state.tickets.values()),
                                      self.now.timestamp(), CONFIG.rules.appointment_early_min
                                      * 60.0)
        result = self.attempt(lambda: self.engine.call_next(window, self.now))
        if result is None:
            return
        ticket, events = result
        # the window got the ticket the rules say, found by scanning every ticket of the day
        assert ticket is expected
        assert [e.kind for e in events] == ([] if ticket is None else [EventKind.TICKET_CALLED])

    @rule(window=windows)
    def recall(self, window: str) -> None:
        self.attempt(lambda: self.engine.recall(window, self.now))

    @rule(window=windows)
    def serve(self, window: str) -> None:
        self.attempt(lambda: self.engine.start_serving(window, self.now))

    @rule(window=windows)
    def no_show(self, window: str) -> None:
        self.attempt(lambda: self.engine.no_show(window, self.now))

    @rule(window=windows)
    def undo_no_show(self, window: str) -> None:
        self.attempt(lambda: self.engine.undo_no_show(window, self.now))

    @rule(window=windows)
    def finish(self, window: str) -> None:
        self.attempt(lambda: self.engine.finish(window, self.now))

    @rule(window=windows, service=st.sampled_from(SERVICES))
    def transfer_to_service(self, window: str, service: str) -> None:
        self.attempt(lambda: self.engine.transfer(window, self.now, to_service=service))

    @rule(window=windows, to=windows)
    def transfer_to_window(self, window: str, to: str) -> None:
        self.attempt(lambda: self.engine.transfer(window, self.now, to_window=to))

    @rule(window=windows, staff=st.sampled_from([None, "S001", "S002"]))
    def open_window(self, window: str, staff: str | None) -> None:
        self.attempt(lambda: self.engine.open_window(window, self.now, staff))

    @rule(window=windows)
    def pause(self, window: str) -> None:
        self.attempt(lambda: self.engine.pause(window, self.now))

    @rule(window=windows)
    def resume(self, window: str) -> None:
        self.attempt(lambda: self.engine.resume(window, self.now))

    @rule(window=windows)
    def close(self, window: str) -> None:
        self.attempt(lambda: self.engine.close_window(window, self.now))

    # ------------------------------------------------------------------ time
    @rule(seconds=st.integers(0, 900))
    def wait(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)
        assert self.engine.roll_day(self.now) == []

    @precondition(lambda self: len(self.issued) > 3)
    @rule()
    def next_day(self) -> None:
        self.now = (self.now + timedelta(days=1)).replace(hour=9, minute=0)
        still_open = {t.id for t in self.engine.state.tickets.values()
                      if t.status in (TicketStatus.WAITING, *AT_WINDOW_STATUSES)}
        events = self.engine.roll_day(self.now)
        assert {e.data["ticket"] for e in events} == still_open
        assert all(e.kind == EventKind.TICKET_EXPIRED for e in events)
        self.issued = {}

    # ------------------------------------------------------------------ invariants
    @invariant()
    def no_ticket_lost_or_duplicated(self) -> None:
        state = self.engine.state
        assert set(state.tickets) == set(self.issued)
        assert all(state.tickets[i].number == n for i, n in self.issued.items())
        waiting = [t.id for t in state.waiting()]
        assert Counter(waiting) == Counter(
            t.id for t in state.tickets.values() if t.status is TicketStatus.WAITING)
        for theme in CONFIG.themes:
            assert all(t.theme == theme for t in state.waiting((theme,)))

    @invariant()
    def one_window_per_ticket(self) -> None:
        state = self.engine.state
        current = [w.current for w in state.windows.values() if w.current is not None]
        assert len(current) == len(set(current))
        for number, window in state.windows.items():
            if window.current is None:
                continue
            ticket = state.tickets[window.current]
            assert ticket.status in AT_WINDOW_STATUSES
            assert ticket.window == number
            assert window.status is not WindowStatus.CLOSED
        at_windows = {t.id for t in state.tickets.values() if t.status in AT_WINDOW_STATUSES}
        assert at_windows == set(current)

    @invariant()
    def positions_have_no_gaps(self) -> None:
        engine, state = self.engine, self.engine.state
        for theme in CONFIG.themes:
            line = engine.line(theme, self.now)
            assert [engine.position(t, self.now) for t in line] == list(range(len(line)))
        named = Counter(t.to_window for t in state.waiting() if t.to_window is not None)
        for window, count in named.items():
            mine = [t for t in state.waiting() if t.to_window == window]
            assert sorted(engine.position(t, self.now) for t in mine) == list(range(count))
        for ticket in state.tickets.values():
            if ticket.status is not TicketStatus.WAITING:
                assert engine.position(ticket, self.now) == -1

    @invariant()
    def numbers_unique_and_contiguous_per_theme(self) -> None:
        state = self.engine.state
        numbers = [t.number for t in state.tickets.values()]
        assert len(numbers) == len(set(numbers))
        for prefix in CONFIG.themes:
            mine = sorted(n for n in numbers if n.startswith(prefix))
            last = state.counters.get(prefix, 0)
            assert mine == [f"{prefix}{i:03d}" for i in range(1, last + 1)]
        assert state.counters.get("B", 0) <= 6                     # the quota holds
        assert all(t.id.startswith(state.day.replace("-", "")) for t in state.tickets.values())

    @invariant()
    def lines_hold_whom_the_rules_choose(self) -> None:
        # the ordered lines a call reads yield, for every window, the ticket a scan of the
        # day does; and the positions of everyone in one pass are each ticket's own
        engine, now = self.engine, self.now
        early = CONFIG.rules.appointment_early_min * 60.0
        engine.lines.at(now.timestamp())
        for window in CONFIG.windows.values():
            assert (engine.lines.next_for(window.number)
                    is policy.choose_next(window, list(engine.state.tickets.values()),
                                          now.timestamp(), early))
        positions = engine.positions(now)
        assert positions == {t.id: engine.position(t, now) for t in engine.state.waiting()}

    @invariant()
    def ratings_only_on_finished(self) -> None:
        for ticket in self.engine.state.tickets.values():
            if ticket.rating is not None:
                assert ticket.status is TicketStatus.FINISHED and 1 <= ticket.rating <= 5


HallDay.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestHallDay = HallDay.TestCase
