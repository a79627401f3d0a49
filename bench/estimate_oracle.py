"""The floor of a wait estimate's error: what no estimator can know at issue time.

At the moment a ticket is issued in a simulated hall, :func:`snapshot` takes what the hall
knows — how many wait in each line (theme × called first or not) and where the new ticket
stands in its own, which windows are open, idle or busy and since when, which open later —
and :func:`oracle_waits` plays the hall's future forward many times from it with fresh
randomness: the remaining service of every busy window (drawn from its theme's distribution
given how long it has already lasted), every later service, the arrivals to come (the
scenario's Poisson rates, its hourly profile, its share of elderly), windows calling with the
real policy's order (called first, then the window's own order of skills, then arrival). The
mean of those futures is the conditional mean wait given everything the hall knows — the best
any estimator of the mean can say; its mean absolute error against the waits that happened is
the floor of the MAE (the median's error, a little lower, is reported beside it).

Only without routing and remote calls (policy ``none``): there the hall's own windows and
arrivals are the whole story.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from bench.cloudsim.halls import PolicyHall
from bench.cloudsim.scenario import Scenario, ThemeSpec
from hall.state import TicketStatus, WindowStatus

_NORMAL = NormalDist()
#: Index of a line's rank: called first (the elderly), or not.
FIRST, NORMAL = 0, 1


@dataclass(frozen=True)
class Snapshot:
    """What a hall knows when a ticket is issued (themes and windows by index)."""

    now: float
    day_start: float
    hall: int
    theme: int                 # the new ticket's theme
    rank: int                  # FIRST or NORMAL
    ahead_in_line: int         # tickets before it in its own (theme, rank) line
    counts: tuple[tuple[int, int], ...]         # per theme: waiting (first, normal)
    skills: tuple[tuple[int, ...], ...]         # per window, in order of preference
    busy: tuple[tuple[int, int, float], ...]    # (window, theme served, seconds so far)
    idle: tuple[int, ...]      # open windows with nobody at them
    opens_later: tuple[tuple[int, float], ...]  # (window, POSIX second it opens)


def snapshot(hall: PolicyHall, h: int, ticket_id: str, now: float, day_start: float,
             window_hours: dict[str, tuple[float, float]], theme_index: dict[str, int]
             ) -> Snapshot:
    """The hall's state just after it issued ``ticket_id`` at ``now``."""
    ticket = hall.tickets[ticket_id]
    counts = []
    for prefix in theme_index:
        lines = hall.lines.get(prefix)
        if lines is None:
            counts.append((0, 0))
            continue
        first, normal = (sum(1 for t in line if t.status is TicketStatus.WAITING)
                         for line in lines)
        counts.append((first, normal))
    rank = FIRST if ticket.elderly else NORMAL
    own = hall.lines[ticket.theme][rank]
    ahead = sum(1 for t in own if t.status is TicketStatus.WAITING and t.id != ticket_id
                and t.sort_key <= ticket.sort_key)
    numbers = list(hall.config.windows)
    skills, busy, idle, later = [], [], [], []
    for w, number in enumerate(numbers):
        skills.append(tuple(theme_index[s] for s in hall.config.windows[number].skills))
        current = hall.current.get(number)
        if current is not None:
            busy.append((w, theme_index[current.theme], now - (current.called_at or now)))
        elif hall.open_windows[number] is WindowStatus.OPEN:
            idle.append(w)
        elif day_start + window_hours[number][0] > now:
            later.append((w, day_start + window_hours[number][0]))
    return Snapshot(now, day_start, h, theme_index[ticket.theme], rank, ahead,
                    tuple(counts), tuple(skills), tuple(busy), tuple(idle), tuple(later))


class Services:
    """Service times of the scenario's themes, fresh or given how long one already lasted."""

    def __init__(self, themes: tuple[ThemeSpec, ...], max_service_s: float,
                 rng: np.random.Generator) -> None:
        self.themes = themes
        self.max_s = max_service_s
        self.rng = rng
        self.sigma = [math.sqrt(math.log1p(t.cv ** 2)) for t in themes]
        self.mu = [math.log(t.mean_service_s) - s * s / 2 for t, s in zip(themes, self.sigma,
                                                                          strict=True)]

    def fresh(self, theme: int) -> float:
        """One new service of ``theme`` (capped as the simulator caps it)."""
        spec = self.themes[theme]
        if spec.distribution == "exp":
            drawn = float(self.rng.exponential(spec.mean_service_s))
        elif spec.distribution == "fixed":
            drawn = spec.mean_service_s
        else:
            drawn = float(self.rng.lognormal(self.mu[theme], self.sigma[theme]))
        return min(drawn, self.max_s)

    def remaining(self, theme: int, elapsed: float) -> float:
        """What is left of a service of ``theme`` that has lasted ``elapsed`` seconds."""
        spec = self.themes[theme]
        if spec.distribution == "exp":
            return min(float(self.rng.exponential(spec.mean_service_s)),
                       max(0.0, self.max_s - elapsed))
        if spec.distribution == "fixed":
            return max(0.0, spec.mean_service_s - elapsed)
        low = _NORMAL.cdf((math.log(max(elapsed, 1e-9)) - self.mu[theme]) / self.sigma[theme])
        u = min(1.0 - 1e-12, low + (1.0 - low) * float(self.rng.random()))
        drawn = math.exp(self.mu[theme] + self.sigma[theme] * _NORMAL.inv_cdf(max(u, 1e-12)))
        return max(0.0, min(drawn, self.max_s) - elapsed)


def arrivals_after(scenario: Scenario, hall: int, start: float, day_start: float,
                   rng: np.random.Generator) -> list[tuple[float, int, int]]:
    """The arrivals to come at ``hall`` after ``start`` until issuing stops: (time, theme,
    rank), as :func:`bench.cloudsim.demand.day_citizens` draws them."""
    spec = scenario.halls[hall]
    opens, closes = scenario.hours(spec)
    end = day_start + closes - scenario.cutoff_s
    profile = scenario.profile_rates(spec)
    edges = np.linspace(day_start + opens, end, len(profile) + 1)
    rates = scenario.rates()[hall]
    found: list[tuple[float, int, int]] = []
    for k, factor in enumerate(profile):
        lo, hi = max(start, edges[k]), edges[k + 1]
        if hi <= lo:
            continue
        for theme, rate in enumerate(rates):
            if rate <= 0:
                continue
            count = int(rng.poisson(rate * factor * (hi - lo)))
            for at in rng.uniform(lo, hi, count):
                rank = FIRST if rng.random() < scenario.elderly_share else NORMAL
                found.append((float(at), theme, rank))
    found.sort()
    return found


def one_future(state: Snapshot, scenario: Scenario, services: Services,
               rng: np.random.Generator) -> float:
    """One future of the hall from ``state``: the new ticket's wait in it."""
    lines = [[c[0], c[1]] for c in state.counts]
    ahead = state.ahead_in_line
    events: list[tuple[float, int, int, int]] = []     # (time, order, kind, window/arrival)
    order = 0
    for w, theme, elapsed in state.busy:
        events.append((state.now + services.remaining(theme, elapsed), order, 0, w))
        order += 1
    for w, at in state.opens_later:
        events.append((at, order, 0, w))
        order += 1
    arrivals = arrivals_after(scenario, state.hall, state.now, state.day_start, rng)
    for i, (at, _, _) in enumerate(arrivals):
        events.append((at, order, 1, i))
        order += 1
    heapq.heapify(events)
    idle: deque[int] = deque(state.idle)

    def call(w: int, now: float) -> float | None:
        """Window ``w`` is free at ``now``: it calls (None: the new ticket was not called)."""
        nonlocal ahead, order
        for rank in (FIRST, NORMAL):
            for theme in state.skills[w]:
                if lines[theme][rank]:
                    if (theme, rank) == (state.theme, state.rank):
                        if ahead == 0:
                            return now - state.now
                        ahead -= 1
                    lines[theme][rank] -= 1
                    heapq.heappush(events, (now + services.fresh(theme), order, 0, w))
                    order += 1
                    return None
        idle.append(w)
        return None

    for w in list(idle):            # the windows idle now call at once
        idle.remove(w)
        found = call(w, state.now)
        if found is not None:
            return found
    while events:
        now, _, kind, which = heapq.heappop(events)
        if kind == 1:
            _, theme, rank = arrivals[which]
            lines[theme][rank] += 1
            waking = next((w for w in idle if theme in state.skills[w]), None)
            if waking is None:
                continue
            idle.remove(waking)
            which = waking
        found = call(which, now)
        if found is not None:
            return found
    return math.nan


def oracle_waits(state: Snapshot, scenario: Scenario, replicas: int,
                 rng: np.random.Generator) -> np.ndarray:
    """The new ticket's wait in ``replicas`` futures of the hall."""
    services = Services(scenario.themes, scenario.max_service_s, rng)
    return np.array([one_future(state, scenario, services, rng) for _ in range(replicas)])
