"""The ordered waiting lines (hall/lines.py) against the scans they replace: random sequences
of tickets arriving, leaving, coming back, changing priority, line and place, with the clock
moving forwards and back across appointment slots; after every step each line, position,
next call and window queue is what a scan of every ticket under hall.policy says."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hall import policy
from hall.config import Window
from hall.lines import WaitingLines, rank_changes
from hall.state import HallState, Ticket, TicketStatus

EARLY_S = 10.0
THEMES = ("A", "B", "C")
WINDOWS = {"1": ("A",), "2": ("B", "A"), "3": ("C", "A", "B"), "4": ("A", "A", "C")}
CONFIG_WINDOWS = {n: Window(number=n, skills=s) for n, s in WINDOWS.items()}
# times on a small grid, so the clock lands exactly on slot starts and ends
times = st.integers(0, 60).map(float)
keys = st.integers(0, 12).map(float)


def scan_line(tickets: list[Ticket], theme: str, now: float) -> list[Ticket]:
    """A theme's line as the engine built it before: every ticket sorted by the policy."""
    return policy.theme_order(tickets, theme, now, EARLY_S)


def scan_window(tickets: list[Ticket], window: str, now: float) -> list[Ticket]:
    """Whom a window would call, in order, by scanning every ticket."""
    config = CONFIG_WINDOWS[window]
    waiting = [t for t in tickets if policy.waits_for(t, config)]
    return sorted(waiting, key=lambda t: policy.call_order(t, config, now, EARLY_S))


class Lines(RuleBasedStateMachine):
    """A hall state with its ordered lines, changed at random."""

    @initialize()
    def start(self) -> None:
        self.state = HallState(day="2026-12-07")
        self.lines = WaitingLines(WINDOWS, EARLY_S)
        self.state.lines = self.lines
        self.now = 0.0
        self.count = 0

    def pick(self, index: int) -> Ticket:
        tickets = list(self.state.tickets.values())
        return tickets[index % len(tickets)]

    @rule(theme=st.sampled_from(THEMES), sort_key=keys, green=st.booleans(),
          elderly=st.booleans(), slot=st.none() | st.tuples(times, st.integers(0, 20)),
          to_window=st.none() | st.sampled_from(sorted(WINDOWS)))
    def arrive(self, theme: str, sort_key: float, green: bool, elderly: bool,
               slot: tuple[float, int] | None, to_window: str | None) -> None:
        self.count += 1
        ticket = Ticket(id=f"T{self.count:04d}", day=self.state.day, number=f"{theme}{self.count}",
                        theme=theme, item=None, channel="kiosk", issued_at=sort_key,
                        sort_key=sort_key, green=green, elderly=elderly, to_window=to_window)
        if slot is not None:
            ticket.appointment_id = f"P{self.count}"
            ticket.slot_start, ticket.slot_end = slot[0], slot[0] + slot[1]
        self.state.add(ticket)

    @precondition(lambda self: self.state.tickets)
    @rule(index=st.integers(0, 999), status=st.sampled_from(list(TicketStatus)))
    def status(self, index: int, status: TicketStatus) -> None:
        ticket = self.pick(index)
        ticket.status = status
        self.state.reindex(ticket)

    @precondition(lambda self: self.state.tickets)
    @rule(index=st.integers(0, 999), green=st.booleans(), elderly=st.booleans())
    def priority(self, index: int, green: bool, elderly: bool) -> None:
        ticket = self.pick(index)
        ticket.green, ticket.elderly = green, elderly
        self.state.reindex(ticket)

    @precondition(lambda self: self.state.tickets)
    @rule(index=st.integers(0, 999), theme=st.sampled_from(THEMES),
          to_window=st.none() | st.sampled_from(sorted(WINDOWS)), sort_key=keys)
    def move(self, index: int, theme: str, to_window: str | None, sort_key: float) -> None:
        ticket = self.pick(index)
        ticket.theme, ticket.to_window, ticket.sort_key = theme, to_window, sort_key
        self.state.reindex(ticket)

    @rule(step=st.integers(-30, 30))
    def clock(self, step: int) -> None:
        self.now = max(0.0, self.now + step)

    @rule(now=times)
    def clock_to(self, now: float) -> None:
        self.now = now

    @rule()
    def reload(self) -> None:
        self.state.rebuild_indexes()

    @invariant()
    def lines_are_the_scans(self) -> None:
        self.lines.at(self.now)
        tickets = list(self.state.tickets.values())
        positions = self.lines.positions()
        for theme in THEMES:
            line = scan_line(tickets, theme, self.now)
            assert self.lines.line(theme) == line
            assert [self.lines.ahead(t) for t in line] == list(range(len(line)))
            assert self.lines.in_line(theme) == len(line)
            assert self.lines.waiting(theme) == sum(
                1 for t in tickets if t.status is TicketStatus.WAITING and t.theme == theme)
            for rank in policy.Priority:
                ranks = [policy.priority_rank(t, self.now, EARLY_S) for t in line]
                before, peers = self.lines.rank_run(theme, rank)
                assert before == sum(1 for r in ranks if r < rank)
                assert list(peers) == [t.sort_key for t, r in zip(line, ranks, strict=True)
                                       if r == rank]
        for window in WINDOWS:
            queue = scan_window(tickets, window, self.now)
            assert self.lines.next_for(window) is (queue[0] if queue else None)
            assert self.lines.window_queue(window, 5) == queue[:5]
            named = [t for t in queue if t.to_window == window]
            assert [positions[t.id] for t in named] == list(range(len(named)))
        waiting = [t for t in tickets if t.status is TicketStatus.WAITING]
        assert positions == {t.id: self.lines.ahead(t) for t in waiting}
        for ticket in tickets:
            if ticket.status is not TicketStatus.WAITING:
                assert self.lines.ahead(ticket) == -1


Lines.TestCase.settings = settings(max_examples=100, stateful_step_count=30, deadline=None,
                                   suppress_health_check=[HealthCheck.too_slow])
TestLines = Lines.TestCase


def test_an_appointment_ranks_first_from_its_early_start_to_its_slot_end_inclusive() -> None:
    ticket = Ticket(id="T1", day="d", number="A1", theme="A", item=None, channel="kiosk",
                    issued_at=0.0, sort_key=0.0, appointment_id="P1", slot_start=100.0,
                    slot_end=200.0)
    plain = Ticket(id="T0", day="d", number="A0", theme="A", item=None, channel="kiosk",
                   issued_at=0.0, sort_key=-1.0)
    state = HallState(day="d")
    lines = WaitingLines(WINDOWS, EARLY_S)
    state.lines = lines
    state.add(plain)
    state.add(ticket)
    seen = {}
    for now in (0.0, 89.0, 90.0, 150.0, 200.0, 200.0001, 500.0, 95.0, 50.0):
        lines.at(now)
        seen[now] = lines.ahead(ticket)
    # the plain ticket came first; the appointment passes it in its slot and not outside it,
    # the clock going back included
    assert seen == {0.0: 1, 89.0: 1, 90.0: 0, 150.0: 0, 200.0: 0, 200.0001: 1, 500.0: 1,
                    95.0: 0, 50.0: 1}
    assert rank_changes(ticket, 0.0, EARLY_S) == 90.0
    assert rank_changes(ticket, 200.0, EARLY_S) > 200.0
    assert rank_changes(ticket, 201.0, EARLY_S) is None
