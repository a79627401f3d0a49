"""The forecast of a theme's line when a citizen who sets out now gets to a hall: its mean as
a fluid (arrivals at the learned hourly rates, the windows' capacity less what the other themes
on shared windows and the hall's video calls to other halls take) and its random spread (a
reflected random walk). Pure numpy over arrays of halls, for ``CityState.wait_at``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from central.estimators import Line, real_share
from hall.config import HallConfig


def shared_windows(configs: Sequence[HallConfig], theme_index: dict[str, int]) -> np.ndarray:
    """``[t, u, hall]``: the share of the hall's windows serving theme ``u`` that also serve
    ``t`` — how much of ``u``'s work falls on the windows of ``t`` (spread evenly)."""
    themes = len(theme_index)
    shared = np.zeros((themes, themes, len(configs)))
    for hall, config in enumerate(configs):
        serving = np.zeros(themes)
        both = np.zeros((themes, themes))
        for window in config.windows.values():
            skills = [theme_index[s] for s in window.skills if s in theme_index]
            for u in skills:
                serving[u] += 1
                for t in skills:
                    both[t, u] += 1
        with np.errstate(divide="ignore", invalid="ignore"):
            shared[:, :, hall] = np.where(serving > 0, both / serving, 0.0)
    return shared


def forecast_line(line: Line, now: float, travel_s: np.ndarray, hour_of: Callable[[float], int],
                  rate: Callable[[int], np.ndarray],
                  taken: Callable[[int], np.ndarray] | None = None) -> Line:
    """The line as a citizen arriving ``travel_s`` from ``now`` will find it, hour by hour: its
    mean as a fluid — arrivals at the hall's learned rate for each hour of the day
    (``rate(hour)``) join it, its windows serve at their real share over the mean service
    time, never below empty; over the trip a window shared with other themes gives this one
    only what their arrivals and its video calls to other halls leave it (``taken(hour)``, in
    windows) — and its spread: arrivals and services come at random, so the line wanders
    around that mean by the square root of the events in between (a reflected random walk
    from the line now: :func:`expected_line`). A line that is empty now is still
    expected to hold a few people half an hour later at a busy hall. Where it is expected
    empty then, the windows the arrivals leave free are idle."""
    ahead = line.ahead.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        capacity = share_rate = np.where(line.mean_s > 0, real_share(line) / line.mean_s, 0.0)
    at, end = now, now + float(np.max(travel_s))
    arrivals = np.zeros_like(ahead)
    events = np.zeros_like(ahead)
    while at < end:
        step_end = min(end, at - at % 3600.0 + 3600.0)
        step = np.clip(np.minimum(step_end, now + travel_s) - at, 0.0, None)
        arrivals = rate(hour_of(at))
        if taken is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                left = np.maximum(0.0, line.live - taken(hour_of(at)))
                capacity = np.minimum(share_rate, np.where(line.mean_s > 0,
                                                           left / line.mean_s, 0.0))
        came = arrivals * step
        events = events + came + np.minimum(capacity * step, ahead + came)   # served: no more
        ahead = np.maximum(0.0, ahead + came - capacity * step)             # than there was
        at = step_end
    ahead = expected_line(ahead, events, arrivals - capacity, 2.0 * arrivals)
    travelling = travel_s > 0
    idle = np.maximum(0.0, line.live - arrivals * line.mean_s - ahead)
    return replace(line, ahead=np.where(travelling, ahead, line.ahead),
                   idle=np.where(travelling, idle, line.idle),
                   busy=np.where(travelling, line.live - idle, line.busy))


def expected_line(fluid: np.ndarray, events: np.ndarray, drift: np.ndarray,
                  variance_rate: np.ndarray) -> np.ndarray:
    """The expected length of a line whose fluid forecast is ``fluid`` after ``events``
    random arrivals and services (its variance): a random walk reflected at empty. From the
    fluid mean ``x`` and spread ``σ = sqrt(events)``, the folded normal ``E|N(x, σ²)|`` (exact
    for a walk without drift), at most the walk's long-run mean ``variance_rate / (2 |drift|)``
    where it drifts towards empty (with ``variance_rate`` = twice the arrival rate, as many
    served as arrive, that is ρ / (1 − ρ), the mean line of one M/M/1 window) — and never
    below the fluid mean. A hall nobody comes to stays empty."""
    sigma = np.sqrt(np.maximum(events, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, fluid / sigma, np.inf)
        folded = np.where(sigma > 0, sigma * np.sqrt(2 / np.pi) * np.exp(-0.5 * z * z)
                          + fluid * (1.0 - 2.0 * _normal_cdf(-z)), fluid)
        settled = np.where(drift < 0, variance_rate / (2.0 * np.abs(drift)), np.inf)
    return np.maximum(fluid, np.minimum(folded, settled))


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    """The standard normal distribution function (Abramowitz and Stegun 26.2.17, error below
    1e-7), over arrays; ``±inf`` give 0 and 1."""
    x = np.abs(z)
    t = 1.0 / (1.0 + 0.2316419 * x)
    poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937
                                                      + t * (-1.821255978 + t * 1.330274429))))
    upper = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi) * poly
    return np.where(z >= 0, 1.0 - upper, upper)
