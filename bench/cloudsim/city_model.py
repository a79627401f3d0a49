"""The SimPy model of a city: citizens arrive at halls, the central balancer may send them to
another hall, windows call with the real policy, idle windows may call remotely.

Each simulated day is its own SimPy environment on POSIX time (day 0 is Monday 2024-03-04 in
the city's timezone), so that events carry real timestamps. Halls and the central's
:class:`~central.city_state.CityState` persist across days (learned service times carry over);
lines start empty every morning. The central follows the halls' event streams, optionally
``sync_delay_s`` late.

Each hall keeps its own hours: its windows open at its opening; after its closing they serve
the citizens who already hold a number (issued before the cutoff), make no remote calls, and
close once nothing is left for them. A citizen sent to a hall that gives no more numbers when
they get there (closed, past the cutoff) is turned away and goes back to their own hall.

Two lower bounds run as policies, on the same citizens, nobody travelling: ``pooled`` puts
every window of the city in one hall, each serving every citizen (one M/M/c-like line);
``merged`` puts every window in one hall but each keeps its skills (the best any routing
between halls could do).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any

import numpy as np
import simpy

from bench.cloudsim.demand import DAY_S, Citizen, day_citizens
from bench.cloudsim.halls import HALL_KINDS, SimHall
from bench.cloudsim.remote_calling import RemoteCalls
from bench.cloudsim.scenario import TIMEZONE, Scenario, ThemeSpec, item_code, theme_items
from central.balancer import POLICIES, wait_on_arrival
from central.city_state import CityState
from hall.config import HallConfig, Item, Rules, Theme, Window
from hall.events import Event, EventKind

DAY0 = datetime(2024, 3, 4, tzinfo=TIMEZONE).timestamp()
POOL = "P"
BOUNDS = ("pooled", "merged")
MODEL_POLICIES = (*POLICIES, *BOUNDS)


def pooled_config(scenario: Scenario) -> HallConfig:
    """One hall with every window of the city, each serving the one theme ``P``."""
    mean = float(np.average([t.mean_service_s for t in scenario.themes],
                            weights=scenario.rates().sum(axis=0)))
    spec = ThemeSpec(prefix=POOL, name="pooled", mean_service_s=mean)
    # the bounds keep every window's own hours (the simulator opens and closes them); the
    # one hall gives numbers whenever a citizen comes
    theme = Theme(prefix=POOL, name_zh="pooled", name_en="pooled", per_id_daily_limit=0,
                  cutoff_min=0, mean_service_s=mean, items=theme_items(spec))
    windows = {str(i + 1): Window(number=str(i + 1), skills=(POOL,))
               for i in range(scenario.windows)}
    return HallConfig(hall_id="POOL", name_zh="pooled", name_en="pooled", timezone=TIMEZONE,
                      rules=Rules(open_all_day=True), themes={POOL: theme}, windows=windows)


def merged_config(scenario: Scenario) -> HallConfig:
    """One hall with every window of the city, each with its own skills."""
    configs = scenario.hall_configs()
    skills = [w.skills for c in configs for w in c.windows.values()]
    windows = {str(i + 1): Window(number=str(i + 1), skills=s) for i, s in enumerate(skills)}
    themes = {p: t for c in configs for p, t in c.themes.items()}
    return HallConfig(hall_id="MERGED", name_zh="merged", name_en="merged", timezone=TIMEZONE,
                      rules=Rules(open_all_day=True), themes=themes, windows=windows)


class CityModel:
    """A city under one routing policy; :meth:`run` simulates days and returns the citizens.

    ``hall_kind`` is ``"policy"`` (fast) or ``"engine"`` (the full hall engine);
    ``remote`` turns remote calling on (by default with policy ``hallq``).
    """

    def __init__(self, scenario: Scenario, policy: str, seed: int = 1,
                 hall_kind: str = "policy", remote: bool | None = None,
                 estimator: str | None = None) -> None:
        if policy not in MODEL_POLICIES:
            raise ValueError(f"policy is one of {MODEL_POLICIES}")
        self.scenario = scenario
        self.policy = policy
        self.seed = seed
        self.single = policy in BOUNDS
        self.pooled = policy == "pooled"
        configs = ([pooled_config(scenario)] if self.pooled else
                   [merged_config(scenario)] if self.single else scenario.hall_configs())
        self.halls: list[SimHall] = [HALL_KINDS[hall_kind](c) for c in configs]
        #: Opening and closing (seconds of the day) of each window, by hall: its hall's (in
        #: the bounds, the hall the window comes from; windows are numbered in the halls'
        #: order).
        hours = [scenario.hours(spec) for spec in scenario.halls]
        if self.single:
            every = [hours[h] for h, spec in enumerate(scenario.halls) for _ in spec.windows]
            self.window_hours = [{str(i + 1): at for i, at in enumerate(every)}]
        else:
            self.window_hours = [dict.fromkeys(hall.config.windows, hours[h])
                                 for h, hall in enumerate(self.halls)]
        self._opens = np.array([min(at[0] for at in w.values()) for w in self.window_hours])
        self._closes = np.array([max(at[1] for at in w.values()) for w in self.window_hours])
        self.day_start = DAY0
        self.city = CityState(configs, estimator or scenario.estimator,
                              booths={h.id: h.video_booths for h in scenario.halls})
        self.travel = scenario.travel()
        self.decide = POLICIES["none" if self.single else policy]
        self.rng = np.random.default_rng([seed, 7919])
        self.theme_of = [POOL if self.pooled else t.prefix for t in scenario.themes]
        self.city_theme = [self.city.theme_index[p] for p in self.theme_of]
        self.items: dict[tuple[int, bool, bool], Item] = {}
        for t, prefix in enumerate(self.theme_of):
            items = next(c.themes[prefix].items for c in configs if prefix in c.themes)
            for item in items:
                self.items[(t, item.anywhere, item.remote)] = item
        self.remote_on = (policy == "hallq") if remote is None else remote
        self.remote: RemoteCalls | None = None
        if self.remote_on and not self.single:
            self.remote = RemoteCalls(self)
        self.records: list[Citizen] = []
        self.env = simpy.Environment()
        self.waiting: dict[tuple[int, str], Citizen] = {}
        self.idle: list[dict[str, dict[str, simpy.Event]]] = []

    # ------------------------------------------------------------------ running
    def run(self, days: int) -> list[Citizen]:
        """Simulate ``days`` days; every citizen of the day is served before the next."""
        for day in range(days):
            self.run_day(day)
        return self.records

    def run_day(self, day: int) -> list[Citizen]:
        """Simulate one day and return its citizens."""
        self.day_start = day_start = DAY0 + day * DAY_S
        citizens = day_citizens(self.scenario, day, self.seed, day_start)
        opens = min(at[0] for hall in self.window_hours for at in hall.values())
        self.env = env = simpy.Environment(initial_time=day_start + opens - 60.0)
        self.waiting = {}
        self.idle = [{t: {} for t in hall.config.themes} for hall in self.halls]
        for h, hall in enumerate(self.halls):
            self.city.start_day(hall.config.hall_id)
            self.publish(h, hall.open_day(env.now))
            for window in hall.config.windows:
                env.process(self._window(h, window))
            for closes in sorted({at[1] for at in self.window_hours[h].values()}):
                self.later(day_start + closes - env.now, self._closing, h)
        env.process(self._arrivals(citizens))
        env.run()
        if self.remote is not None:
            self.remote.end_day()
        self.records += citizens
        return citizens

    def publish(self, hall: int, events: list[Event]) -> None:
        """A hall's events reach the central (now, or ``sync_delay_s`` later)."""
        delay = self.scenario.sync_delay_s
        for event in events:
            if event.kind in (EventKind.WINDOW_REMOTE_BUSY, EventKind.WINDOW_REMOTE_FREE):
                self.halls[hall].remote_call(str(event.data["window"]),
                                             event.kind == EventKind.WINDOW_REMOTE_BUSY,
                                             event.ts)
            if delay <= 0:
                self._deliver(hall, event)
            else:
                self.later(delay, self._deliver, hall, event)

    def later(self, delay: float, action: Callable[..., object], *args: object) -> None:
        """Call ``action(*args)`` ``delay`` seconds from now (a callback, not a process)."""
        def fire(_: simpy.Event) -> None:
            action(*args)

        self.env.timeout(delay).callbacks.append(fire)

    def _deliver(self, hall: int, event: Event) -> None:
        self.city.apply_event(event)
        if self.remote is not None and event.kind in (EventKind.TICKET_ISSUED,
                                                      EventKind.TICKET_LEASE_RETURNED):
            self.remote.notice(hall, event.data["theme"])

    # ------------------------------------------------------------------ windows
    def window_open(self, h: int, window: str) -> bool:
        """Whether the window is within its hours now (it may still serve after them)."""
        opens, closes = self.window_hours[h][window]
        return opens <= self.env.now - self.day_start < closes

    def open_halls(self) -> np.ndarray:
        """Which halls are within their hours now (a mask over halls)."""
        second = self.env.now - self.day_start
        return np.asarray((self._opens <= second) & (second < self._closes))

    def hall_open(self, h: int) -> bool:
        """Whether hall ``h`` is within its hours now."""
        return bool(self._opens[h] <= self.env.now - self.day_start < self._closes[h])

    def _window(self, h: int, window: str) -> Generator[simpy.Event, Any, None]:
        """A window's day: open at its opening, call and serve, call remotely while open,
        close after its closing once nothing is left for it."""
        hall, env = self.halls[h], self.env
        opens = self.day_start + self.window_hours[h][window][0]
        if env.now < opens:
            yield env.timeout(opens - env.now)
        self.publish(h, hall.open_window(window, env.now))
        while True:
            ticket, events = hall.call_next(window, env.now)
            if ticket is not None:
                self.publish(h, events)
                citizen = self.served(h, ticket.id, env.now, remotely=False)
                yield env.timeout(citizen.service_s)
                self.publish(h, hall.finish(window, env.now))
                continue
            is_open = self.window_open(h, window)
            if not is_open and not (self.remote is not None and self.remote.out(h)):
                self.publish(h, hall.close_window(window, env.now))
                return
            if self.remote is not None and is_open:
                served = yield from self.remote.call(h, window)
                if served:
                    continue
            wake = env.event()
            for theme in hall.config.windows[window].skills:
                self.idle[h][theme][window] = wake
            yield wake

    def _closing(self, h: int) -> None:
        """A closing time of hall ``h``: its idle windows look again (and close)."""
        for window in {w for idle in self.idle[h].values() for w in idle}:
            self.wake_window(h, window)

    def lease_over(self, h: int, theme: str) -> None:
        """A ticket of hall ``h`` came back from a lease, or its remote service ended: a
        window calls it; after the closing, idle windows look again (and close)."""
        self._wake_for(h, theme)
        if not self.hall_open(h):
            self._closing(h)

    def wake_window(self, h: int, window: str) -> None:
        """Wake an idle window (to call again); nothing if it is not idle."""
        wake = None
        for theme in self.halls[h].config.windows[window].skills:
            wake = self.idle[h][theme].pop(window, None) or wake
        if wake is not None and not wake.triggered:
            wake.succeed()

    def _wake_for(self, h: int, theme: str) -> None:
        """Wake the longest idle window of hall ``h`` with the skill ``theme``."""
        idle = self.idle[h].get(theme)
        if idle:
            self.wake_window(h, next(iter(idle)))

    # ------------------------------------------------------------------ citizens
    def _arrivals(self, citizens: list[Citizen]) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for citizen in citizens:
            delay = citizen.arrival - env.now
            if delay > 0:
                yield env.timeout(delay)
            self._route(citizen)

    def _route(self, citizen: Citizen) -> None:
        """The policy offers a hall; the citizen takes it or stays."""
        origin = 0 if self.single else citizen.origin
        item = self.items[(citizen.theme, citizen.anywhere, citizen.remote)]
        target = origin
        if item.anywhere and self.policy != "none" and not self.single:
            now = self.env.now
            offer = self.decide(self.city, item, origin, self.travel, now, self.rng)
            if offer != origin:
                citizen.offered = True
                travel_s = float(self.travel.row(origin)[offer])
                saved = self._saving(citizen, origin, offer, travel_s)
                if citizen.accept_u < self.scenario.acceptance.probability(saved, travel_s):
                    target = offer
        if target == origin:
            self._issue(citizen, origin)
            return
        citizen.travel_s = float(self.travel.row(origin)[target])
        self.city.expect(self.city.hall_ids[target], item.theme)
        self.later(citizen.travel_s, self._arrive, citizen, target)

    def _saving(self, citizen: Citizen, origin: int, offer: int, travel_s: float) -> float:
        """The saving the citizen is shown for the offered hall: the wait here now minus the
        trip and the wait the balancer promises there on arrival (``wait_on_arrival``)."""
        theme, now = self.city_theme[citizen.theme], self.env.now
        there = wait_on_arrival(self.city, theme, now, np.array([travel_s]), np.array([offer]))
        return self.city.wait_one(origin, theme, now) - (float(there[0]) + travel_s)

    def _arrive(self, citizen: Citizen, h: int) -> None:
        self.city.expect(self.city.hall_ids[h], self.theme_of[citizen.theme], -1)
        if self._issuing(h, citizen):
            self._issue(citizen, h)
            return
        citizen.turned_away = True         # no more numbers there: back to their own hall
        back = float(self.travel.row(h)[citizen.origin])
        citizen.travel_s += back
        self.later(back, self._back_home, citizen)

    def _back_home(self, citizen: Citizen) -> None:
        if self._issuing(citizen.origin, citizen):
            self._issue(citizen, citizen.origin)

    def _issuing(self, h: int, citizen: Citizen) -> bool:
        """Whether hall ``h`` gives a number of the citizen's theme now (hours, cutoff)."""
        return bool(self.city.issuing(self.city_theme[citizen.theme], self.env.now)[h])

    def _issue(self, citizen: Citizen, h: int) -> None:
        now = self.env.now
        theme = self.city_theme[citizen.theme]
        citizen.hall = citizen.origin if self.single else h
        citizen.issued_at = now
        citizen.estimates = self.city.wait_all(h, theme, now, inbound=False,
                                               priority=citizen.elderly)
        code = item_code(self.theme_of[citizen.theme], citizen.anywhere, citizen.remote)
        ticket, events = self.halls[h].issue(code, now, citizen.elderly)
        citizen.estimates["hall"] = float(ticket.expected_wait_s)
        self.waiting[(h, ticket.id)] = citizen
        self.publish(h, events)
        self._wake_for(h, ticket.theme)

    def served(self, h: int, ticket_id: str, now: float, remotely: bool) -> Citizen:
        """A ticket was called (locally or to a video booth): its citizen's wait ends."""
        citizen = self.waiting.pop((h, ticket_id))
        citizen.called_at = now
        citizen.served_remotely = remotely
        return citizen

