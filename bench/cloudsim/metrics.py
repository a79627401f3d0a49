"""What a simulated run measured: waits, the citizens' whole times, moves, remote services and
the wait estimators' errors.

Confidence intervals are over days (each day is one replication: the lines start empty every
morning), with Student's t at 95%. Citizens arriving within the scenario's warm-up are left
out. Percentiles are over all measured citizens.

A citizen's whole time (``mean_total_time_s``) is travel + wait + what a video service cost
them beyond a local one (the walk to the booth, the slower service). Whether a moved or a
video-served citizen would have done better staying is judged against their own line: staying,
they would have been called when the first citizen to take a number after them in that line
(same hall, theme and priority, served at a window there) was called — :func:`stay_wait`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.cloudsim.city_model import DAY0
from bench.cloudsim.demand import DAY_S, Citizen
from bench.cloudsim.scenario import Scenario
from central.estimators import ESTIMATORS

#: Two-sided 95% quantiles of Student's t by degrees of freedom (a smaller df is conservative).
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
         9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042,
         40: 2.021, 60: 2.000, 120: 1.980}
LONG_WAIT_S = 15 * 60.0


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (or fewer)."""
    if df < 1:
        return math.nan
    return _T975[max(k for k in _T975 if k <= df)]


def ci95(values: Sequence[float]) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval (NaN with fewer than 2 values)."""
    data = np.asarray(values, dtype=float)
    if len(data) == 0:
        return math.nan, math.nan
    mean = float(data.mean())
    if len(data) < 2:
        return mean, math.nan
    return mean, t975(len(data) - 1) * float(data.std(ddof=1)) / math.sqrt(len(data))


def measured(citizens: Sequence[Citizen], scenario: Scenario) -> list[Citizen]:
    """Citizens after the warm-up who were called."""
    return [c for c in citizens
            if c.arrival - (DAY0 + c.day * DAY_S) - scenario.open_s >= scenario.warmup_s
            and not math.isnan(c.called_at)]


def _estimator_errors(citizens: Sequence[Citizen], kind: str) -> dict[str, float]:
    pairs = np.array([(c.estimates[kind], c.wait_s) for c in citizens
                      if math.isfinite(c.estimates.get(kind, math.inf))])
    if len(pairs) == 0:
        return {"mae_s": math.nan, "under_share": math.nan}
    error = pairs[:, 0] - pairs[:, 1]
    return {"mae_s": round(float(np.abs(error).mean()), 1),
            "under_share": round(float((error < 0).mean()), 4)}


def estimate_groups(citizens: Sequence[Citizen], kind: str, themes: Sequence[str]
                    ) -> dict[str, dict[str, float]]:
    """The estimator's mean error (estimate − wait) of each group of citizens — the elderly,
    the others, each theme — and that error as a share of the group's mean wait."""
    groups: dict[str, list[Citizen]] = {"elderly": [], "not elderly": []}
    for c in citizens:
        if math.isfinite(c.estimates.get(kind, math.inf)):
            groups["elderly" if c.elderly else "not elderly"].append(c)
            groups.setdefault(f"theme {themes[c.theme]}", []).append(c)
    out = {}
    for name, members in groups.items():
        if not members:
            continue
        error = float(np.mean([c.estimates[kind] - c.wait_s for c in members]))
        wait = float(np.mean([c.wait_s for c in members]))
        out[name] = {"citizens": len(members), "mean_error_s": round(error, 1),
                     "mean_wait_s": round(wait, 1),
                     "error_share": round(error / wait, 4) if wait > 0 else math.nan}
    return out


def stay_wait(citizens: Sequence[Citizen]) -> dict[int, float]:
    """For each moved or video-served citizen (by ``id``), how long they would have waited
    staying in their own line: until the first citizen to take a number there after them
    (same day, hall, theme and priority; served at a window there) was called. Citizens with
    nobody after them in their line are left out."""
    lines: dict[tuple[int, int, int, bool], list[Citizen]] = {}
    for c in citizens:
        if not c.served_remotely and not math.isnan(c.called_at):
            lines.setdefault((c.day, c.hall, c.theme, c.elderly), []).append(c)
    for line in lines.values():
        line.sort(key=lambda c: c.issued_at)
    starts = {key: np.array([c.issued_at for c in line]) for key, line in lines.items()}
    stays: dict[int, float] = {}
    for c in citizens:
        if c.redirected:                       # they would have taken a number on arrival
            home, since = c.origin, c.arrival
        elif c.served_remotely:
            home, since = c.hall, c.issued_at
        else:
            continue
        key = (c.day, home, c.theme, c.elderly)
        if key not in lines:
            continue
        after = int(np.searchsorted(starts[key], since, side="right"))
        if after < len(lines[key]):
            stays[id(c)] = lines[key][after].called_at - since
    return stays


def worse_off(citizens: Sequence[Citizen]) -> dict[str, float]:
    """The shares of moved and of video-served citizens whose own whole time was longer than
    staying in their line (:func:`stay_wait`), and how many could be judged."""
    stays = stay_wait(citizens)
    out: dict[str, float] = {}
    for name, members in (("moved", [c for c in citizens if c.redirected]),
                          ("video", [c for c in citizens if c.served_remotely])):
        judged = [c for c in members if id(c) in stays]
        worse = [c for c in judged if c.total_s > stays[id(c)]]
        out[f"{name}_judged"] = len(judged)
        out[f"{name}_worse_share"] = round(len(worse) / len(judged), 4) if judged else 0.0
        out[f"{name}_mean_gain_s"] = (round(float(np.mean([stays[id(c)] - c.total_s
                                                            for c in judged])), 1)
                                      if judged else 0.0)
    return out


def summarize(citizens: Sequence[Citizen], scenario: Scenario, estimator: str) -> dict[str, Any]:
    """The run's figures (JSON-ready)."""
    done = measured(citizens, scenario)
    if not done:
        return {"citizens": 0}
    wait = np.array([c.wait_s for c in done])
    days = sorted({c.day for c in done})
    daily = [float(np.mean([c.wait_s for c in done if c.day == d])) for d in days]
    daily_total = [float(np.mean([c.total_s for c in done if c.day == d])) for d in days]
    mean_wait, wait_ci = ci95(daily)
    mean_total, total_ci = ci95(daily_total)
    by_hall: dict[int, list[float]] = {}
    for c in done:
        by_hall.setdefault(c.hall, []).append(c.wait_s)
    hall_means = np.array([np.mean(v) for v in by_hall.values()])
    cv = float(hall_means.std() / hall_means.mean()) if hall_means.mean() > 0 else 0.0
    errors = {kind: _estimator_errors(done, kind) for kind in (*ESTIMATORS, "hall")}
    themes = [t.prefix for t in scenario.themes]
    arrived = [c for c in citizens if c.arrival - (DAY0 + c.day * DAY_S) - scenario.open_s
               >= scenario.warmup_s]
    return {
        "citizens": len(done),
        "days": len(days),
        "mean_wait_s": round(mean_wait, 1),
        "mean_wait_ci95_s": round(wait_ci, 1),
        "p90_wait_s": round(float(np.percentile(wait, 90)), 1),
        "p95_wait_s": round(float(np.percentile(wait, 95)), 1),
        "share_wait_over_15min": round(float((wait > LONG_WAIT_S).mean()), 4),
        "mean_total_time_s": round(mean_total, 1),
        "mean_total_time_ci95_s": round(total_ci, 1),
        "redirected_share": round(float(np.mean([c.redirected for c in done])), 4),
        "offered_share": round(float(np.mean([c.offered for c in done])), 4),
        "remote_share": round(float(np.mean([c.served_remotely for c in done])), 4),
        "mean_remote_extra_s": round(float(np.mean([c.remote_extra_s for c in done
                                                    if c.served_remotely] or [0.0])), 1),
        "turned_away": sum(c.turned_away for c in arrived),
        "never_served": sum(math.isnan(c.called_at) for c in arrived),
        **worse_off(done),
        "estimator": estimator,
        "wait_estimate_mae_s": errors[estimator]["mae_s"],
        "wait_estimate_mae_share": (round(errors[estimator]["mae_s"] / float(wait.mean()), 4)
                                    if wait.mean() > 0 else math.nan),
        "wait_estimate_under_share": errors[estimator]["under_share"],
        "estimators": errors,
        "estimate_groups": {kind: estimate_groups(done, kind, themes)
                            for kind in (estimator, "hall")},
        "hall_mean_wait_cv": round(cv, 4),
        "daily_mean_wait_s": [round(d, 1) for d in daily],
        "daily_mean_total_s": [round(d, 1) for d in daily_total],
    }
