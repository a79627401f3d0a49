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

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from central.city_state import CityState
from hall.config import Item


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


# ---------------------------------------------------------------------- recommendations
def recommend(item: Item, origin: str, city: CityState, travel: TravelTimes, now: float,
              limit: int = 5) -> list[Recommendation]:
    """Halls for ``item`` by expected total time (travel + wait), best first.

    Only the origin hall when the item cannot be served at any hall (not 通办); halls where no
    open window serves the item's theme, and other halls that give no more numbers of it now
    (closed, past the theme's cutoff), are left out.
    """
    o = city.index[origin]
    theme = city.theme_index[item.theme]
    if not item.anywhere:
        here = city.wait_one(o, theme, now)
        return [Recommendation(origin, here, here, 0.0)] if here < np.inf else []
    wait = city.wait_s(theme, now)
    travel_s = travel.row(o)
    total = np.where(city.issuing(theme, now), wait + travel_s, np.inf)
    total[o] = wait[o]                 # the citizen is here: this hall is always shown
    if len(total) > limit:
        best = np.argpartition(total, limit)[:limit]
        best = best[np.argsort(total[best], kind="stable")]
    else:
        best = np.argsort(total, kind="stable")
    return [Recommendation(city.hall_ids[h], float(total[h]), float(wait[h]),
                           float(travel_s[h])) for h in best if total[h] < np.inf]


def rank_halls(city: CityState, themes: Sequence[str | None], travel_s: np.ndarray,
               now: float, limit: int = 5, allowed: np.ndarray | None = None
               ) -> list[Recommendation]:
    """Halls by expected total time, ``travel_s`` (to every hall) + the wait in the hall's
    theme for the item (``themes``, one per hall of ``city``; None where the hall does not
    serve it), best first; halls with no open window for it, giving no more numbers of it now
    (closed, past the cutoff), or not ``allowed``, left out.
    For a citizen not at a hall (taking a number by phone)."""
    wait = np.full(len(city.hall_ids), np.inf)
    names = np.array([t if t is not None else "" for t in themes], dtype=object)
    for theme in set(themes) - {None}:
        index = city.theme_index.get(str(theme))
        if index is None:
            continue
        mask = names == theme
        wait[mask] = np.where(city.issuing(index, now), city.wait_s(index, now), np.inf)[mask]
    total = wait + travel_s
    if allowed is not None:
        total = np.where(allowed, total, np.inf)
    found = np.flatnonzero(np.isfinite(total))
    if len(found) > limit:
        found = found[np.argpartition(total[found], limit)[:limit]]
    found = found[np.lexsort((found, total[found]))]
    return [Recommendation(city.hall_ids[h], float(total[h]), float(wait[h]),
                           float(travel_s[h])) for h in found]



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
def choose_remote(window_skills: Sequence[str], city: CityState, now: float,
                  home: str | None = None, min_wait_s: float = 0.0,
                  halls: np.ndarray | None = None) -> RemoteChoice | None:
    """The ticket an idle window (skills in its order of preference) should call remotely.

    Among tickets that can be served remotely, waiting in halls other than ``home`` that have
    a free video booth (and are among ``halls``, a mask over ``city.hall_ids``, when given),
    for one of the window's themes and not already being leased, the oldest one of the hall
    and theme with the longest expected wait — if that wait is above ``min_wait_s``.
    """
    skip = city.index.get(home, -1) if home is not None else -1
    best: tuple[float, int, int] | None = None
    booth_free = city.leased + city.held_count < city.booths
    if halls is not None:
        booth_free = booth_free & halls
    for skill in window_skills:
        theme = city.theme_index.get(skill)
        if theme is None:
            continue
        wait = np.where((city.remote[theme] > 0) & booth_free, city.wait_s(theme, now), -1.0)
        if 0 <= skip < len(wait):
            wait[skip] = -1.0
        hall = int(np.argmax(wait))
        if wait[hall] > min_wait_s and (best is None or wait[hall] > best[0]):
            best = (float(wait[hall]), hall, theme)
    if best is None:
        return None
    wait_s, hall, theme = best
    line = city.remote_line(hall, theme)
    free = [(order, ticket) for ticket, order in line.items() if not city.held(hall, ticket)]
    if not free:
        return None
    ticket = min(free)[1]
    return RemoteChoice(city.hall_ids[hall], ticket, city.themes[theme], wait_s)
