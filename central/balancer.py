"""The cloud-calling balancer (云叫号): recommendations, routing policies and remote calls.

Pure logic, no I/O. The decisions are taken on the live state of the city's halls,
:class:`central.city_state.CityState` (people waiting per theme and hall, open windows, the
learned service times):

* :func:`recommend` — halls by expected total time (travel + wait) for an item that can be
  served at any hall (通办);
* the routing policies ``none``, ``jsq``, ``jsq2`` and ``hallq`` (:data:`POLICIES`), each a
  function of the same state returning the hall to offer;
* :func:`choose_remote` — the ticket an idle window should call from another hall.

Travel times between halls are :class:`TravelTimes`. A decision for a city of 2,000 halls is a
few vector operations over one theme's arrays (well under a millisecond;
``bench/bench_cloud.py`` measures it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import NamedTuple

import numpy as np

from central.city_state import CityState
from hall.config import Item, TripRules


class Recommendation(NamedTuple):
    """One hall offered to a citizen, with the figures shown."""

    hall: str
    expected_total_s: float
    wait_s: float
    travel_s: float


class RemoteChoice(NamedTuple):
    """A ticket an idle window may call remotely: its home hall, id and theme."""

    hall: str
    ticket: str
    theme: str
    wait_s: float


class TravelTimes:
    """Travel times in seconds between halls: a matrix, or computed from coordinates.

    ``row(origin)`` is the travel time from hall ``origin`` (an index) to every hall, 0 to
    itself. Rows computed from coordinates are cached.
    """

    def __init__(self, matrix_s: np.ndarray | None = None, xy_km: np.ndarray | None = None,
                 speed_kmh: float = 25.0, overhead_s: float = 600.0) -> None:
        if (matrix_s is None) == (xy_km is None):
            raise ValueError("give either a travel-time matrix or coordinates")
        self.matrix = None if matrix_s is None else np.asarray(matrix_s, dtype=float)
        self.xy = None if xy_km is None else np.asarray(xy_km, dtype=float)
        self.speed_kmh = speed_kmh
        self.overhead_s = overhead_s
        self._rows: dict[int, np.ndarray] = {}

    @property
    def size(self) -> int:
        """Number of halls."""
        data = self.matrix if self.matrix is not None else self.xy
        assert data is not None
        return len(data)

    def from_km(self, x_km: float, y_km: float) -> np.ndarray:
        """Seconds from a place (a citizen at home, in the halls' km coordinates) to every
        hall: the overhead plus the straight distance (NaN to a hall without coordinates)."""
        if self.xy is None:
            raise ValueError("travel from a place needs the halls' coordinates")
        km = np.hypot(*(self.xy - np.array([x_km, y_km])).T)
        return self.overhead_s + km / self.speed_kmh * 3600.0

    def row(self, origin: int) -> np.ndarray:
        """Seconds from hall ``origin`` to every hall."""
        if self.matrix is not None:
            return self.matrix[origin]
        found = self._rows.get(origin)
        if found is None:
            assert self.xy is not None
            km = np.hypot(*(self.xy - self.xy[origin]).T)
            found = np.where(km > 0, self.overhead_s + km / self.speed_kmh * 3600.0, 0.0)
            found[origin] = 0.0
            if len(self._rows) < 4096:
                self._rows[origin] = found
        return found


# ---------------------------------------------------------------------- uncertainty
#: The share of citizens a move or a video call may leave worse off than staying (the issue's
#: target); an offer must pay by this margin of the estimates' spread (z ≈ 1.28 at 10%).
WORSE_OFF_RISK = 0.10
SURE_Z = NormalDist().inv_cdf(1.0 - WORSE_OFF_RISK)


def wait_risk_s(wait_s: np.ndarray, slot_s: np.ndarray, over: bool) -> np.ndarray:
    """How far a wait estimated at ``wait_s`` may run over (``over``) or fall short of its
    estimate for one citizen in ten (:data:`WORSE_OFF_RISK`), in a line where a window comes
    free every ``slot_s`` on average: the wait is about ``k = wait / slot`` random gaps, a
    gamma distribution, whose quantile Wilson and Hilferty's cube gives. Short lines are the
    most uncertain: a wait of one slot may be over at once."""
    wait = np.maximum(0.0, np.asarray(wait_s, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = np.where(wait > 0, slot_s / (9.0 * wait), 0.0)
        z = SURE_Z if over else -SURE_Z
        quantile = wait * np.maximum(0.0, 1.0 - inverse + z * np.sqrt(inverse)) ** 3
    return np.where(np.isfinite(wait), np.abs(quantile - wait), np.inf)


def trip_risk_s(city: CityState, theme: int, now: float, travel_s: np.ndarray,
                halls: np.ndarray, slot_s: np.ndarray) -> np.ndarray:
    """How far the wait at ``halls`` (indices) may run over or fall short of its forecast for
    one citizen in ten because of the trip of ``travel_s`` there: the forecast is the line's
    mean on arrival, but arrivals and services come at random meanwhile (about twice the
    hall's arrival rate of the theme per second, as :func:`central.forecast.forecast_line`
    counts them), so the line found wanders from it by their square root, each person a slot
    (``slot_s``) of wait. A forecast of an empty line is not a sure one: half an hour away a
    busy hall's line is anything from empty to several people long. 0 where nobody travels
    and at a hall nobody comes to."""
    rate = city.arrivals.rate(theme, city.hour(now), now)[halls]
    people = np.sqrt(2.0 * rate * np.maximum(0.0, travel_s))
    with np.errstate(invalid="ignore"):
        spread = np.where(people > 0, SURE_Z * people * slot_s, 0.0)
    return np.nan_to_num(spread, nan=np.inf)


def _risks(city: CityState, theme: int, now: float, wait_s: np.ndarray, travel_s: np.ndarray,
           halls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How far each wait at ``halls`` may fall short of and run over its forecast for one
    citizen in ten: the line's own randomness (:func:`wait_risk_s`) — falling short, at least
    as far as the waits there ended below their estimates (``CityState.short_share``) — and
    the trip's (:func:`trip_risk_s`) together."""
    slot = city.slot_s(theme, now, halls)
    trip = trip_risk_s(city, theme, now, travel_s, halls, slot)
    # the estimate's own error as measured there, where it is wider than the line's spread
    learned = np.where(np.isfinite(wait_s), wait_s, 0.0) * city.short_share(theme, halls,
                                                                             SURE_Z)
    with np.errstate(invalid="ignore"):
        return (np.hypot(np.maximum(wait_risk_s(wait_s, slot, over=False), learned), trip),
                np.hypot(wait_risk_s(wait_s, slot, over=True), trip))


# ---------------------------------------------------------------------- recommendations
def wait_on_arrival(city: CityState, theme: int, now: float, travel_s: np.ndarray,
                     halls: np.ndarray) -> np.ndarray:
    """The wait a citizen who sets out now is promised at ``halls``: the forecast for the
    arrival (``CityState.wait_at``: a line that grows meanwhile counts), but never less than
    the wait there now (citizens en route included). Measured on the simulated cities, a
    line forecast to drain during the trip did not: the destinations of moved citizens were
    forecast 3 minutes on average and waited 10 (the wait when the offer was made: 9)."""
    return city.wait_at(theme, now, travel_s, halls=halls, at_least_now=True)


def _offered(total: np.ndarray, travel_s: np.ndarray, reference: int, trip: TripRules,
             risk_s: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """``total`` where a hall is worth the trip against the ``reference`` hall (the one the
    citizen is at, or the nearest): at most ``trip.max_travel_s`` away and saving at least
    ``min_saving_s``, ``saving_per_travel`` × the extra trip and, with ``risk_s`` (how far each
    wait may fall short of and run over its estimate, :func:`wait_risk_s`), both risks
    together — the wait at the reference falling short, the other's running over — so that at
    most about :data:`WORSE_OFF_RISK` of those who go would have done better staying; ``inf``
    elsewhere."""
    extra = travel_s - travel_s[reference]
    saving = total[reference] - total
    needed = np.maximum(trip.min_saving_s, trip.saving_per_travel * extra)
    if risk_s is not None:
        short, over = risk_s
        with np.errstate(invalid="ignore"):
            margin = np.hypot(short[reference], over)
        needed = np.maximum(needed, np.nan_to_num(margin, nan=np.inf))
    worth = (travel_s <= trip.max_travel_s) & (saving >= needed)
    worth[reference] = True
    return np.where(worth, total, np.inf)


def _best(total: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` smallest finite totals, smallest first (lowest index on a
    tie)."""
    found = np.flatnonzero(np.isfinite(total))
    if len(found) > limit:
        found = found[np.argpartition(total[found], limit)[:limit]]
    return found[np.lexsort((found, total[found]))]


def recommend(item: Item, origin: str, city: CityState, travel: TravelTimes, now: float,
              limit: int = 5, trip: TripRules | None = None) -> list[Recommendation]:
    """Halls for ``item`` by expected total time (travel + the wait when the citizen gets
    there), best first.

    Only the origin hall when the item cannot be served at any hall (not 通办). Another hall is
    offered only when it will still give a number of the item when the citizen arrives (open,
    before the theme's cutoff), a window serving the theme is open there, and the trip is worth
    it by ``trip`` (the origin hall's ``[cloud]`` settings unless given). Its wait is the
    forecast for the arrival time (``CityState.wait_at``), not the line now.
    """
    o = city.index[origin]
    theme = city.theme_index[item.theme]
    if not item.anywhere:
        here = city.wait_one(o, theme, now)
        return [Recommendation(origin, here, here, 0.0)] if here < np.inf else []
    travel_s = travel.row(o)
    trip = trip or city.configs[o].trip
    # the estimate only where a hall may be offered: near enough, a window open, still issuing
    near = ((travel_s <= trip.max_travel_s) & (city.live[theme] > 0)
            & city.issuing_at(theme, now + travel_s))
    near[o] = True
    found = np.flatnonzero(near)
    wait = np.full(len(travel_s), np.inf)
    wait[found] = wait_on_arrival(city, theme, now, travel_s[found], found)
    short, over = np.full(len(travel_s), np.inf), np.full(len(travel_s), np.inf)
    short[found], over[found] = _risks(city, theme, now, wait[found], travel_s[found], found)
    total = wait + travel_s
    total[o] = wait[o]                 # the citizen is here: this hall is always shown
    with np.errstate(invalid="ignore"):
        total = _offered(total, travel_s, o, trip, (short, over))
    return [Recommendation(city.hall_ids[h], float(total[h]), float(wait[h]),
                           float(travel_s[h])) for h in _best(total, limit)]


def rank_halls(city: CityState, themes: Sequence[str | None], travel_s: np.ndarray,
               now: float, limit: int = 5, allowed: np.ndarray | None = None,
               trip: TripRules | None = None) -> list[Recommendation]:
    """Halls by expected total time, ``travel_s`` (to every hall) + the wait in the hall's
    theme for the item (``themes``, one per hall of ``city``; None where the hall does not
    serve it) when the citizen gets there, best first — for a citizen who is at no hall (a
    number taken by phone). Left out: halls with no open window for it, that will give no
    more numbers of it when the citizen arrives (closed, past the cutoff), not ``allowed``,
    or not worth the trip by ``trip`` (the city's settings) against the nearest of the others.
    """
    wait = np.full(len(city.hall_ids), np.inf)
    short, over = np.full(len(city.hall_ids), np.inf), np.full(len(city.hall_ids), np.inf)
    names = np.array([t if t is not None else "" for t in themes], dtype=object)
    for theme in set(themes) - {None}:
        index = city.theme_index.get(str(theme))
        if index is None:
            continue
        mask = (names == theme) & (city.live[index] > 0) & city.issuing_at(
            index, now + travel_s)
        if trip is not None:
            mask &= travel_s <= trip.max_travel_s
        found = np.flatnonzero(mask)
        wait[found] = wait_on_arrival(city, index, now, travel_s[found], found)
        short[found], over[found] = _risks(city, index, now, wait[found], travel_s[found],
                                           found)
    total = wait + travel_s
    if allowed is not None:
        total = np.where(allowed, total, np.inf)
    finite = np.flatnonzero(np.isfinite(total))
    if len(finite) and trip is not None:
        nearest = int(finite[np.argmin(travel_s[finite])])
        total = _offered(total, travel_s, nearest, trip, (short, over))
    return [Recommendation(city.hall_ids[h], float(total[h]), float(wait[h]),
                           float(travel_s[h])) for h in _best(total, limit)]



#: A routing policy: (city, item, origin index, travel, now, rng) -> the hall index to offer.
Policy = Callable[[CityState, Item, int, TravelTimes, float, np.random.Generator], int]


def policy_none(city: CityState, item: Item, origin: int, travel: TravelTimes, now: float,
                rng: np.random.Generator) -> int:
    """No balancing: the citizen stays where they are."""
    return origin


def policy_jsq(city: CityState, item: Item, origin: int, travel: TravelTimes, now: float,
               rng: np.random.Generator) -> int:
    """Join the shortest queue: the hall with the fewest people per open window (nearest on a
    tie), travel and service times ignored."""
    if not item.anywhere:
        return origin
    load = city.load(city.theme_index[item.theme])
    best = int(np.argmin(load + 1e-9 * travel.row(origin)))
    return best if load[best] < load[origin] else origin


def policy_jsq2(city: CityState, item: Item, origin: int, travel: TravelTimes, now: float,
                rng: np.random.Generator) -> int:
    """Power of two choices: the origin and one other hall at random that serves the theme;
    the one with fewer people per open window (the origin on a tie)."""
    if not item.anywhere:
        return origin
    theme = city.theme_index[item.theme]
    served = city.share[theme] > 0
    halls = len(served)
    for _ in range(8):                       # most halls serve most themes: sample directly
        other = int(rng.integers(halls))
        if other != origin and served[other]:
            break
    else:
        candidates = np.flatnonzero(served)
        candidates = candidates[candidates != origin]
        if len(candidates) == 0:
            return origin
        other = int(rng.choice(candidates))
    if not served[origin]:
        return other
    return other if city.load_one(other, theme) < city.load_one(origin, theme) else origin


def policy_hallq(city: CityState, item: Item, origin: int, travel: TravelTimes, now: float,
                 rng: np.random.Generator) -> int:
    """The hall with the lowest expected total time (travel + estimated wait)."""
    found = recommend(item, city.hall_ids[origin], city, travel, now, limit=1)
    return city.index[found[0].hall] if found else origin


POLICIES: dict[str, Policy] = {"none": policy_none, "jsq": policy_jsq, "jsq2": policy_jsq2,
                               "hallq": policy_hallq}


# ---------------------------------------------------------------------- remote calling
#: How many times longer a service by video takes than at a window (an assumption until it
#: is measured), and the citizen's walk to the video booth, for :func:`choose_remote`.
REMOTE_SLOWDOWN = 1.25
BOOTH_WALK_S = 60.0
#: A video call is made when its citizen's remaining wait is longer than its cost by
#: ``VIDEO_Z`` × the spread of both (the wait falling short, the slower service running
#: over), that is for about 3 citizens in 4 (z ≈ 0.67). At 9 in 10 (z ≈ 1.28, as for a move)
#: the share measured worse off was 0–2%, far inside the 10% allowed, for fewer video calls;
#: at 3 in 4 it is 3–6%: each risk taken alone is well above what the citizens meet, since
#: the line's spread and the service's seldom run against them together (docs/cloud.md).
VIDEO_RISK = 0.25
VIDEO_Z = NormalDist().inv_cdf(1.0 - VIDEO_RISK)
#: Lines :func:`choose_remote` looks into, longest expected wait first.
REMOTE_CANDIDATES = 8


def choose_remote(window_skills: Sequence[str], city: CityState, now: float,
                  home: str | None = None, min_wait_s: float = 0.0,
                  halls: np.ndarray | None = None, slowdown: float = REMOTE_SLOWDOWN,
                  booth_walk_s: float = BOOTH_WALK_S) -> RemoteChoice | None:
    """The ticket an idle window (skills in its order of preference) should call remotely.

    The lines looked into hold tickets that can be served remotely and are not being leased,
    in halls other than ``home`` with a free video booth (and among ``halls``, a mask over
    ``city.hall_ids``, when given), for one of the window's themes, where a newcomer would
    wait longer than ``min_wait_s``; longest first. In a line, the ticket called is the first
    (in the order the hall calls them) whose own expected remaining wait is surely longer
    than what the video service costs its citizen (the service ``slowdown`` times longer,
    plus the walk to the booth) for about 3 citizens in 4 (:data:`VIDEO_RISK`;
    :func:`wait_risk_s`, and the slower service taken as exponential). So the head of a
    line, which a window of its own hall is about to call, is left to it: a remote call helps
    the citizen it calls. ``wait_s`` of the choice is that ticket's own expected wait.
    """
    skip = city.index.get(home, -1) if home is not None else -1
    booth_free = city.leased + city.held_count < city.booths
    if halls is not None:
        booth_free = booth_free & halls
    lines: list[tuple[float, int, int]] = []
    for skill in window_skills:
        theme = city.theme_index.get(skill)
        if theme is None:
            continue
        holding = (city.remote[theme] > 0) & booth_free
        if 0 <= skip < len(holding):
            holding[skip] = False
        found = np.flatnonzero(holding)
        wait = np.full(len(holding), -1.0)
        wait[found] = city.wait_s(theme, now, halls=found)
        longer = np.flatnonzero(wait > min_wait_s)
        if len(longer) > REMOTE_CANDIDATES:
            longer = longer[np.argpartition(-wait[longer], REMOTE_CANDIDATES)[
                :REMOTE_CANDIDATES]]
        lines += [(float(wait[h]), int(h), theme) for h in longer]
    for _, hall, theme in sorted(lines, key=lambda line: (-line[0], line[1], line[2]))[
            :REMOTE_CANDIDATES]:
        helped = _helped_ticket(city, hall, theme, now, slowdown, booth_walk_s)
        if helped is not None:
            ticket, wait_s = helped
            return RemoteChoice(city.hall_ids[hall], ticket, city.themes[theme], wait_s)
    return None


def _helped_ticket(city: CityState, hall: int, theme: int, now: float, slowdown: float,
                   booth_walk_s: float) -> tuple[str, float] | None:
    """The first ticket of a line that can be served remotely, is not being leased, and
    whose own expected wait is surely longer than what video service costs it — by
    how far the wait may fall short and the slower service run over (taken as exponential) —
    with that wait."""
    mean_s = city.service.mean_one(hall, theme, city.hour(now))
    extra_s = (slowdown - 1.0) * mean_s
    cost = extra_s + booth_walk_s
    slot_s = float(city.slot_s(theme, now, [hall])[0])
    order = city.call_order(hall, theme, now)
    remote = city.remote_line(hall, theme)

    def pays(wait_s: float) -> bool:
        if not math.isfinite(wait_s * slot_s):      # no window there will call it
            return wait_s > cost
        short = float(wait_risk_s(np.array([wait_s]), np.array([slot_s]), over=False)[0])
        return wait_s - VIDEO_Z / SURE_Z * math.hypot(short, SURE_Z * extra_s) > cost

    # the expected wait grows with the place in the line: find the first place that pays
    low, high = 0, len(order)
    while low < high:
        middle = (low + high) // 2
        if pays(city.wait_behind(hall, theme, middle, now)):
            high = middle
        else:
            low = middle + 1
    for place in range(low, len(order)):
        ticket = order[place]
        if ticket in remote and not city.held(hall, ticket):
            return ticket, city.wait_behind(hall, theme, place, now)
    return None
