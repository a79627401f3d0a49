"""Simulated halls that run the real calling policy on real tickets.

Two interchangeable implementations of one small interface (:class:`SimHall`):

* :class:`EngineHall` drives the real queue engine (``hall.engine.Engine``) with a simulated
  clock. Exact, but the engine scans the waiting tickets on every call (fine for a hall node,
  ~1 ms per ticket once hundreds wait), too slow for months of a 534-window city.
* :class:`PolicyHall` keeps real ``hall.state.Ticket`` objects in lines per theme and priority
  and asks the real ``hall.policy.choose_next`` to choose among the heads of the lines the
  window serves — the same choice, since within one theme and priority the policy's order is
  the arrival order. Expected waits and learned service times use ``hall.estimate``.
  ``tests/unit/bench/test_cloudsim_halls.py`` checks both give the same waits.

Both return the events the hall node would send to central (``hall.events.Event``), open and
close windows when the simulator says (each hall keeps its hours), and offer the operations a
lease of a ticket to a remote window needs (``lease_out``, ``give_back``, ``start_remote``,
``finish_remote``). A citizen who declines a video call goes back to their place in the line
as a ticket for the same item without video (the hall will not offer it by video again). The
hall node runs them through ``hall.cloud.Leasing`` (which also picks the video booth and writes
the lease table); here they change the ticket's status and send the same events, and the
simulator counts the booths.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from hall import idnumber, policy
from hall.config import HallConfig, Window
from hall.engine import Engine
from hall.estimate import (
    DEFAULT_CV2,
    ArrivalRates,
    ThemeWait,
    remaining_s,
    skill_lines,
    skill_share,
    theme_wait,
    updated_mean,
    updated_spread,
)
from hall.events import Event, EventKind
from hall.lease import RemoteCallState
from hall.state import HallState, RemoteCall, Ticket, TicketStatus, WindowStatus

#: The simulated lease's stand-in for the window a leased ticket is at.
REMOTE_WINDOW = "remote"
ELDERLY_ID = "11010119500101001"   # first 17 digits of an ID of someone born in 1950


class SimHall(Protocol):
    """What the simulator needs of a hall."""

    config: HallConfig

    def open_day(self, now: float) -> list[Event]:
        """Start a service day (every window closed)."""
        ...

    def open_window(self, window: str, now: float) -> list[Event]:
        """A window opens (the hall's opening)."""
        ...

    def close_window(self, window: str, now: float) -> list[Event]:
        """A window with nothing left to do closes (after the hall's closing)."""
        ...

    def issue(self, item: str, now: float, elderly: bool) -> tuple[Ticket, list[Event]]:
        """Issue a ticket for an item; ``ticket.expected_wait_s`` is what the ticket shows."""
        ...

    def has_work(self, window: str) -> bool:
        """Whether a ticket waits for the window's skills."""
        ...

    def call_next(self, window: str, now: float) -> tuple[Ticket | None, list[Event]]:
        """The window calls its next ticket (and starts serving it)."""
        ...

    def finish(self, window: str, now: float) -> list[Event]:
        """The window's service is done."""
        ...

    def lease_out(self, ticket_id: str, now: float) -> list[Event] | None:
        """Take a waiting ticket out of its line for a remote window; None if not waiting."""
        ...

    def give_back(self, ticket_id: str, now: float, declined: bool = False) -> list[Event]:
        """A leased ticket returns to its place in its line (``declined``: without video)."""
        ...

    def start_remote(self, ticket_id: str, now: float) -> list[Event]:
        """A remote window starts serving a leased ticket."""
        ...

    def finish_remote(self, ticket_id: str, now: float) -> list[Event]:
        """A remote window finished a leased ticket."""
        ...

    def remote_call(self, window: str, busy: bool, now: float) -> None:
        """One of the hall's windows is on a call to another hall's citizen (``busy``), or
        no longer: the estimate counts it busy meanwhile."""
        ...


def _event(config: HallConfig, kind: EventKind, now: float, **data: object) -> Event:
    return Event(kind=kind, ts=now, data=dict(data), hall_id=config.hall_id)


def _leased(config: HallConfig, ticket: Ticket, now: float) -> list[Event]:
    ticket.status = TicketStatus.CALLED
    ticket.window = REMOTE_WINDOW
    ticket.called_at = now
    return [_event(config, EventKind.TICKET_LEASED, now, ticket=ticket.id, theme=ticket.theme,
                   item=ticket.item, waited_s=round(now - ticket.issued_at, 1))]


def without_video(config: HallConfig, ticket: Ticket) -> None:
    """The citizen declined a video call: the ticket is for the same item, not remote."""
    item = config.items[str(ticket.item)]
    ticket.item = next(code for code, other in config.items.items()
                       if other.theme == item.theme and other.anywhere == item.anywhere
                       and not other.remote)


def _returned(config: HallConfig, ticket: Ticket, now: float) -> list[Event]:
    ticket.status = TicketStatus.WAITING
    ticket.window = None
    ticket.called_at = None
    return [_event(config, EventKind.TICKET_LEASE_RETURNED, now, ticket=ticket.id,
                   theme=ticket.theme,
                   item=ticket.item, sort_key=ticket.sort_key, elderly=ticket.elderly)]


def _remote_started(config: HallConfig, ticket: Ticket, now: float) -> list[Event]:
    ticket.status = TicketStatus.SERVING
    ticket.serving_at = now
    return [_event(config, EventKind.TICKET_REMOTE_SERVING, now, ticket=ticket.id,
                   theme=ticket.theme)]


def _remote_finished(config: HallConfig, ticket: Ticket, now: float) -> list[Event]:
    ticket.status = TicketStatus.FINISHED
    ticket.finished_at = now
    return [_event(config, EventKind.TICKET_REMOTE_FINISHED, now, ticket=ticket.id,
                   theme=ticket.theme,
                   item=ticket.item, service_s=round(now - (ticket.serving_at or now), 1))]


class PolicyHall:
    """A hall whose windows choose with ``hall.policy.choose_next`` among the line heads."""

    def __init__(self, config: HallConfig) -> None:
        self.config = config
        self.early_s = config.rules.appointment_early_min * 60.0
        self.shares = {t: skill_share(config.windows.values(), t) for t in config.themes}
        self.skill_lines = skill_lines(config.windows.values())
        self.means = {t: theme.mean_service_s for t, theme in config.themes.items()}
        self.means.update({code: i.mean_service_s for code, i in config.items.items()})
        self.counts: dict[str, int] = {}
        self.spreads = dict.fromkeys(self.means, DEFAULT_CV2)
        self.services = {code: (config.themes[i.theme], i) for code, i in config.items.items()}
        self.day = ""
        self._open_day_state()

    def _open_day_state(self) -> None:
        self.tickets: dict[str, Ticket] = {}
        self.counters: dict[str, int] = {}
        # theme -> one deque per priority rank (ELDERLY, NORMAL), arrival order
        self.lines = {t: (deque[Ticket](), deque[Ticket]()) for t in self.config.themes}
        self.waiting = dict.fromkeys(self.config.themes, 0)
        self.current: dict[str, Ticket | None] = dict.fromkeys(self.config.windows)
        self.arrivals = ArrivalRates()
        self.open_windows = dict.fromkeys(self.config.windows, WindowStatus.CLOSED)
        self.remote_busy: set[str] = set()

    def open_day(self, now: float) -> list[Event]:
        """Start a service day (every window closed)."""
        self.day = datetime.fromtimestamp(now, self.config.timezone).date().isoformat()
        self._open_day_state()
        return []

    def open_window(self, window: str, now: float) -> list[Event]:
        """A window opens."""
        self.open_windows[window] = WindowStatus.OPEN
        return [_event(self.config, EventKind.WINDOW_OPENED, now, window=window,
                       status="open", staff=None)]

    def close_window(self, window: str, now: float) -> list[Event]:
        """A window closes."""
        self.open_windows[window] = WindowStatus.CLOSED
        return [_event(self.config, EventKind.WINDOW_CLOSED, now, window=window,
                       status="closed", staff=None)]

    def _rank(self, ticket: Ticket, now: float) -> int:
        return 0 if policy.priority_rank(ticket, now, self.early_s) < policy.Priority.NORMAL else 1

    def issue(self, item: str, now: float, elderly: bool) -> tuple[Ticket, list[Event]]:
        """Issue a ticket (as ``Engine.issue``: number, position, shown estimate)."""
        theme, found_item = self.services[item]
        seq = self.counters.get(theme.prefix, 0) + 1
        self.counters[theme.prefix] = seq
        number = f"{theme.prefix}{seq:03d}"
        ticket = Ticket(id=f"{self.day.replace('-', '')}-{number}", day=self.day, number=number,
                        theme=theme.prefix, item=found_item.code,
                        channel="kiosk", issued_at=now, sort_key=now, elderly=elderly)
        elderly_line, normal_line = self.lines[theme.prefix]
        ahead = self.waiting[theme.prefix] if not elderly else sum(
            1 for t in elderly_line if t.status is TicketStatus.WAITING)
        self.arrivals.seen(theme.prefix, now, elderly)
        self.tickets[ticket.id] = ticket
        self.lines[theme.prefix][self._rank(ticket, now)].append(ticket)
        self.waiting[theme.prefix] += 1
        ticket.expected_wait_s = self._estimate(theme.prefix, now).record_s(ahead, elderly)
        return ticket, [_event(self.config, EventKind.TICKET_ISSUED, now, ticket=ticket.id,
                               number=number, theme=theme.prefix, item=ticket.item,
                               channel="kiosk", elderly=elderly, appointment=None, ahead=ahead,
                               expected_wait_s=ticket.expected_wait_s)]

    def _estimate(self, theme: str, now: float) -> ThemeWait:
        """The engine's estimate of ``theme`` (over the windows open now)."""
        left = tuple(remaining_s(self._mean_of(t), self.spreads[t.theme],
                                 now - (t.called_at or now))
                     for n, _ in self.skill_lines.get(theme, ())
                     if (t := self.current[n]) is not None)
        return theme_wait(theme, self.skill_lines, self.open_windows,
                          {n for n, t in self.current.items() if t is not None}
                          | self.remote_busy, self.waiting,
                          {t: self.means[t] for t in self.config.themes},
                          self.arrivals.priority_rate(theme, now),
                          arrival_rates=self.arrivals.rates(now), cv2=self.spreads[theme],
                          busy_left_s=left)

    def _mean_of(self, ticket: Ticket) -> float:
        """The learned mean of the ticket's item, else its theme's (``Engine.mean_service_s``)."""
        return self.means[ticket.item if ticket.item in self.counts else ticket.theme]

    def has_work(self, window: str) -> bool:
        """Whether a ticket waits for the window's skills."""
        return any(self.waiting[t] for t in self.config.windows[window].skills)

    def _heads(self, window: Window) -> list[Ticket]:
        heads = []
        for theme in window.skills:
            if not self.waiting[theme]:
                continue
            for line in self.lines[theme]:
                while line and line[0].status is not TicketStatus.WAITING:
                    line.popleft()
                if line:
                    heads.append(line[0])
        return heads

    def call_next(self, window: str, now: float) -> tuple[Ticket | None, list[Event]]:
        """Call (and start serving) the ticket the real policy chooses."""
        config = self.config.windows[window]
        ticket = policy.choose_next(config, self._heads(config), now, self.early_s)
        if ticket is None:
            return None, []
        self.lines[ticket.theme][self._rank(ticket, now)].popleft()
        self.waiting[ticket.theme] -= 1
        ticket.status = TicketStatus.CALLED
        ticket.window = window
        ticket.called_at = now
        self.current[window] = ticket
        return ticket, [_event(self.config, EventKind.TICKET_CALLED, now, ticket=ticket.id,
                               number=ticket.number, theme=ticket.theme, window=window,
                               waited_s=round(now - ticket.issued_at, 1),
                               expected_wait_s=ticket.expected_wait_s)]

    def finish(self, window: str, now: float) -> list[Event]:
        """Finish the window's ticket; its duration teaches the estimator (as the engine)."""
        ticket = self.current[window]
        assert ticket is not None
        self.current[window] = None
        ticket.status = TicketStatus.FINISHED
        ticket.finished_at = now
        service_s = max(0.0, now - (ticket.called_at or now))
        for key in filter(None, (ticket.theme, ticket.item)):
            count = self.counts.get(key, 0)
            self.spreads[key] = updated_spread(self.means[key], self.spreads[key], count,
                                               service_s)
            self.means[key] = updated_mean(self.means[key], count, service_s)
            self.counts[key] = count + 1
        return [_event(self.config, EventKind.TICKET_FINISHED, now, ticket=ticket.id,
                       number=ticket.number, theme=ticket.theme, item=ticket.item,
                       window=window, service_s=round(service_s, 1))]

    def lease_out(self, ticket_id: str, now: float) -> list[Event] | None:
        """Take a waiting ticket out of its line (it stays in the deque, skipped)."""
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket.status is not TicketStatus.WAITING:
            return None
        self.waiting[ticket.theme] -= 1
        return _leased(self.config, ticket, now)

    def give_back(self, ticket_id: str, now: float, declined: bool = False) -> list[Event]:
        """Back to its place: its arrival order is unchanged."""
        ticket = self.tickets[ticket_id]
        if declined:
            without_video(self.config, ticket)
        line = self.lines[ticket.theme][self._rank(ticket, now)]
        if ticket not in line:
            place = sum(1 for t in line if t.sort_key < ticket.sort_key)
            line.insert(place, ticket)
        self.waiting[ticket.theme] += 1
        return _returned(self.config, ticket, now)

    def start_remote(self, ticket_id: str, now: float) -> list[Event]:
        """A remote window started serving the leased ticket."""
        return _remote_started(self.config, self.tickets[ticket_id], now)

    def finish_remote(self, ticket_id: str, now: float) -> list[Event]:
        """A remote window finished the leased ticket."""
        return _remote_finished(self.config, self.tickets[ticket_id], now)

    def remote_call(self, window: str, busy: bool, now: float) -> None:
        """A window's call to another hall's citizen began (``busy``) or ended."""
        if busy:
            self.remote_busy.add(window)
        else:
            self.remote_busy.discard(window)


class EngineHall:
    """A hall run by the real queue engine on a simulated clock (POSIX seconds)."""

    def __init__(self, config: HallConfig) -> None:
        self.config = config
        self.engine = Engine(config, HallState(day=""), b"cloudsim-key-000000000000000000")

    def _dt(self, now: float) -> datetime:
        return datetime.fromtimestamp(now, self.config.timezone)

    def open_day(self, now: float) -> list[Event]:
        """Roll the engine to the day (its windows closed)."""
        at = self._dt(now)
        events = self.engine.roll_day(at)
        for number, window in self.engine.state.windows.items():
            if window.status is not WindowStatus.CLOSED:
                events += self.engine.close_window(number, at)[1]
        return events

    def open_window(self, window: str, now: float) -> list[Event]:
        """``Engine.open_window``."""
        return self.engine.open_window(window, self._dt(now))[1]

    def close_window(self, window: str, now: float) -> list[Event]:
        """``Engine.close_window``."""
        return self.engine.close_window(window, self._dt(now))[1]

    def issue(self, item: str, now: float, elderly: bool) -> tuple[Ticket, list[Event]]:
        """``Engine.issue``; an elderly citizen shows an ID card of someone born in 1950."""
        id_number = ELDERLY_ID + idnumber.check_char(ELDERLY_ID) if elderly else None
        issued, events = self.engine.issue(item, self._dt(now), id_number=id_number)
        return issued.ticket, events

    def has_work(self, window: str) -> bool:
        """Whether a ticket waits for the window's skills."""
        index = self.engine.state.waiting_index
        return any(index.get(t) for t in self.config.windows[window].skills)

    def call_next(self, window: str, now: float) -> tuple[Ticket | None, list[Event]]:
        """``Engine.call_next``."""
        return self.engine.call_next(window, self._dt(now))

    def finish(self, window: str, now: float) -> list[Event]:
        """``Engine.finish``."""
        return self.engine.finish(window, self._dt(now))[1]

    def lease_out(self, ticket_id: str, now: float) -> list[Event] | None:
        """The lease stand-in on the engine's state (see the module docstring)."""
        ticket = self.engine.state.tickets.get(ticket_id)
        if ticket is None or ticket.status is not TicketStatus.WAITING:
            return None
        events = _leased(self.config, ticket, now)
        self.engine.state.reindex(ticket)
        return events

    def give_back(self, ticket_id: str, now: float, declined: bool = False) -> list[Event]:
        """The ticket returns to its place (its ``sort_key`` never changed)."""
        ticket = self.engine.state.tickets[ticket_id]
        if declined:
            without_video(self.config, ticket)
        events = _returned(self.config, ticket, now)
        self.engine.state.reindex(ticket)
        return events

    def start_remote(self, ticket_id: str, now: float) -> list[Event]:
        """A remote window started serving the leased ticket."""
        return _remote_started(self.config, self.engine.state.tickets[ticket_id], now)

    def finish_remote(self, ticket_id: str, now: float) -> list[Event]:
        """A remote window finished the leased ticket."""
        ticket = self.engine.state.tickets[ticket_id]
        events = _remote_finished(self.config, ticket, now)
        self.engine.state.reindex(ticket)
        return events

    def remote_call(self, window: str, busy: bool, now: float) -> None:
        """The window's remote call as the node keeps it (``hall.cloud.Leasing`` writes it)."""
        if busy:
            self.engine.state.remote_calls[window] = RemoteCall(
                window=window, request=f"{self.config.hall_id}/{window}/{int(now * 1000)}",
                state=RemoteCallState.CALLING, since=now)
        else:
            self.engine.state.remote_calls.pop(window, None)


HALL_KINDS: dict[str, Callable[[HallConfig], SimHall]] = {"policy": PolicyHall,
                                                          "engine": EngineHall}
