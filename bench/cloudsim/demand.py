"""The citizens of one simulated day, drawn with common random numbers.

Each hall and theme has its own random stream per day (seeded by ``(seed, day, hall, theme)``),
from which come, in a fixed order, the arrival times (a Poisson process whose rate follows the
scenario's hourly profile), and for each citizen the service time (capped at the scenario's
``max_service_min``), whether the item can be served anywhere or remotely, whether the citizen
is elderly, the uniform number that decides whether they accept an offer, and whether they
would decline a video call. The same seed therefore gives every policy the very
same citizens, which is what makes differences between policies measurable over few days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bench.cloudsim.scenario import Scenario, ThemeSpec

DAY_S = 86_400.0


@dataclass(slots=True)
class Citizen:
    """One citizen of the day: what they come for and, once simulated, what happened."""

    day: int
    origin: int              # hall index where they are (or which is nearest to them)
    theme: int               # theme index in the scenario
    arrival: float           # POSIX seconds
    service_s: float         # service time at a local window
    anywhere: bool
    remote: bool
    elderly: bool
    accept_u: float
    declines_video: bool = False
    hall: int = -1           # the hall that issued their ticket (-1: none would)
    travel_s: float = 0.0    # every trip: to the offered hall (and back, if turned away)
    issued_at: float = math.nan
    called_at: float = math.nan
    served_remotely: bool = False
    remote_extra_s: float = 0.0   # a video service's extra time and the walk to the booth
    offered: bool = False
    turned_away: bool = False     # sent to a hall that no longer gave numbers on arrival
    estimates: dict[str, float] = field(default_factory=dict)

    @property
    def wait_s(self) -> float:
        """Seconds from taking the ticket to being called (NaN if never called)."""
        return self.called_at - self.issued_at

    @property
    def total_s(self) -> float:
        """The citizen's whole time: travel + wait + a remote service's extra time and the
        walk to the video booth (NaN if never called)."""
        return self.travel_s + self.wait_s + self.remote_extra_s

    @property
    def redirected(self) -> bool:
        """Whether they went to another hall than their own."""
        return self.hall != self.origin


def service_times(theme: ThemeSpec, rng: np.random.Generator, size: int) -> np.ndarray:
    """Service times of a theme: lognormal with the theme's mean and spread, or exponential."""
    mean = theme.mean_service_s
    if theme.distribution == "exp":
        return rng.exponential(mean, size)
    if theme.distribution == "fixed":
        return np.full(size, mean)
    sigma2 = math.log1p(theme.cv ** 2)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), size)


def arrival_times(rate: float, start: float, end: float, profile: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """A Poisson process on [start, end) whose rate is ``rate · profile[k]`` in segment k."""
    edges = np.linspace(start, end, len(profile) + 1)
    times = []
    for k, factor in enumerate(profile):
        length = edges[k + 1] - edges[k]
        count = rng.poisson(rate * factor * length)
        times.append(np.sort(rng.uniform(edges[k], edges[k + 1], count)))
    return np.concatenate(times) if times else np.empty(0)


def day_citizens(scenario: Scenario, day: int, seed: int, day_start: float) -> list[Citizen]:
    """The citizens of ``day`` (whose midnight is POSIX ``day_start``), by arrival time."""
    rates = scenario.rates()
    citizens: list[Citizen] = []
    for h, hall in enumerate(scenario.halls):
        profile = scenario.profile_rates(hall)
        opens, closes = scenario.hours(hall)
        for t, theme in enumerate(scenario.themes):
            if rates[h, t] <= 0:
                continue
            rng = np.random.default_rng([seed, day, h, t])
            arrivals = arrival_times(rates[h, t], day_start + opens,
                                     day_start + closes - scenario.cutoff_s, profile, rng)
            n = len(arrivals)
            service = np.minimum(service_times(theme, rng, n), scenario.max_service_s)
            u = rng.random((n, 5))
            anywhere = u[:, 0] < scenario.share(theme, "anywhere")
            remote = u[:, 1] < scenario.share(theme, "remote")
            elderly = u[:, 2] < scenario.elderly_share
            declines = u[:, 4] < scenario.decline_share
            citizens += [Citizen(day, h, t, float(arrivals[i]), float(service[i]),
                                 bool(anywhere[i]), bool(remote[i]), bool(elderly[i]),
                                 float(u[i, 3]), bool(declines[i])) for i in range(n)]
    citizens.sort(key=lambda c: c.arrival)
    return citizens
