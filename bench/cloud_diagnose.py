"""Where hallq's time goes on a simulated city: why moved citizens end worse off than staying,
and where the gap to the merged bound lies (idle windows while citizens wait elsewhere).

    python -m bench.cloud_diagnose --scenario district --load 0.95 --days 3

For every moved citizen it compares what the balancer said at the offer (the wait at home, the
forecast at the destination for the arrival) with what happened (the wait there, the wait of
their own line had they stayed: ``bench.cloudsim.metrics.stay_wait``). Every simulated minute
it samples, per theme, the windows idle while a citizen of that theme waits in another hall
(any ticket, a ticket that can be served by video, such a ticket at a hall with a free booth),
and counts the idle windows' remote calls that found no ticket worth calling.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from bench.cloudsim import remote_calling
from bench.cloudsim.city_model import CityModel
from bench.cloudsim.demand import Citizen
from bench.cloudsim.metrics import measured, stay_wait
from bench.cloudsim.scenario import load_scenario
from central.balancer import wait_on_arrival

SCENARIOS = Path(__file__).parent / "scenarios"
SAMPLE_S = 60.0


class Probe:
    """Records what the balancer said at each offer and samples idle windows."""

    def __init__(self, model: CityModel) -> None:
        self.model = model
        self.offers: dict[int, dict[str, float]] = {}
        self.idle: Counter[str] = Counter()
        self.remote_tries: Counter[str] = Counter()
        halls = len(model.halls)
        #: Per hall, sums over the samples: waiting, tickets that can go by video, booths in
        #: use, idle windows (while the hall is open), and the count of samples.
        self.per_hall = np.zeros((5, halls))

    def saving(self, citizen: Citizen, origin: int, offer: int, travel_s: float) -> float:
        """``CityModel._saving``, keeping its figures per citizen."""
        model = self.model
        theme, now = model.city_theme[citizen.theme], model.env.now
        there = float(wait_on_arrival(model.city, theme, now, np.array([travel_s]),
                                      np.array([offer]))[0])
        here = model.city.wait_one(origin, theme, now)
        self.offers[id(citizen)] = {"here_s": here, "there_s": there, "travel_s": travel_s,
                                    "there_now_s": model.city.wait_one(offer, theme, now)}
        return here - (there + travel_s)

    def why_none(self, skills: Any, city: Any, now: float, home: str, min_wait_s: float,
                 halls: np.ndarray, **_: Any) -> str:
        """Why ``choose_remote`` found no ticket: no video ticket at a hall with a free booth,
        such lines but none longer than ``min_wait_s``, or no ticket there worth the video."""
        booth_free = (city.leased + city.held_count < city.booths) & halls
        booth_free[city.index[home]] = False
        longest = -1.0
        for skill in skills:
            t = city.theme_index[skill]
            for h in np.flatnonzero((city.remote[t] > 0) & booth_free):
                longest = max(longest, city.wait_one(int(h), t, now))
        if longest < 0:
            return "no video ticket with a free booth"
        return "lines under min_wait" if longest <= min_wait_s else "no ticket pays"

    def sample(self) -> None:
        """Idle window-minutes while citizens of the same theme wait at other halls."""
        city, model = self.model.city, self.model
        open_now = model.open_halls()
        booth_free = city.leased + city.held_count < city.booths
        self.per_hall += open_now * np.array([
            city.waiting.sum(axis=0), city.remote.sum(axis=0), city.leased,
            np.array([sum(w.status == "open" and not w.busy for w in windows.values())
                      for windows in city._windows]), np.ones(len(open_now))])
        for t in range(len(city.themes)):
            idle = city.idle[t] * open_now
            if idle.sum() <= 0:
                continue
            waiting, remote = city.waiting[t] > 0, city.remote[t] > 0
            for h in np.flatnonzero(idle):
                others = np.arange(len(idle)) != h
                self.idle["idle"] += idle[h]
                if (waiting & others).any():
                    self.idle["idle, waiting elsewhere"] += idle[h]
                if (remote & others).any():
                    self.idle["idle, video ticket elsewhere"] += idle[h]
                if (remote & others & booth_free).any():
                    self.idle["idle, video ticket and booth elsewhere"] += idle[h]
        if model.env.now - model.day_start < float(model._closes.max()):
            model.later(SAMPLE_S, self.sample)


def run(scenario_name: str, load: float, days: int, seed: int) -> dict[str, Any]:
    """One hallq run with the probe; its findings."""
    scenario = load_scenario(SCENARIOS / f"{scenario_name}.toml").with_load(load)
    model = CityModel(scenario, "hallq", seed=seed)
    probe = Probe(model)
    model._saving = probe.saving  # type: ignore[method-assign]
    chosen = remote_calling.choose_remote

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = chosen(*args, **kwargs)
        probe.remote_tries["chosen" if found else probe.why_none(*args, **kwargs)] += 1
        return found

    remote_calling.choose_remote = counted  # type: ignore[assignment]
    # sampling starts with each day's environment: hook the day's first publish
    original_publish = model.publish
    started: set[int] = set()

    def publish(hall: int, events: list[Any]) -> None:
        if id(model.env) not in started:
            started.add(id(model.env))
            model.later(SAMPLE_S, probe.sample)
        original_publish(hall, events)

    model.publish = publish  # type: ignore[method-assign]
    try:
        citizens = measured(model.run(days), scenario)
    finally:
        remote_calling.choose_remote = chosen
    return report(citizens, probe, scenario_name, load, days)


def report(citizens: list[Citizen], probe: Probe, name: str, load: float,
           days: int) -> dict[str, Any]:
    """The moved citizens' figures and the idle windows, as JSON-ready numbers."""
    stays = stay_wait(citizens)
    moved = [c for c in citizens if c.redirected and id(c) in stays and id(c) in probe.offers]
    rows = []
    for c in moved:
        offer = probe.offers[id(c)]
        rows.append((offer["here_s"], stays[id(c)], offer["there_s"], c.wait_s,
                     c.travel_s, offer["travel_s"], c.total_s, offer["there_now_s"]))
    data = np.array(rows) if rows else np.zeros((0, 8))
    worse = data[:, 6] > data[:, 1] if len(data) else np.zeros(0, bool)

    def mean(column: int, mask: np.ndarray | None = None) -> float:
        chosen = data[mask] if mask is not None else data
        return round(float(chosen[:, column].mean()) / 60, 1) if len(chosen) else math.nan

    minutes = SAMPLE_S / 60
    found = {"scenario": name, "load": load, "days": days, "citizens": len(citizens),
             "moved_judged": len(data), "moved_worse": int(worse.sum()),
             "remote_tries": dict(probe.remote_tries),
             "idle_window_min_per_day": {k: round(v * minutes / days)
                                         for k, v in probe.idle.items()},
             "video_served": sum(c.served_remotely for c in citizens),
             "per_hall (waiting, video tickets, booths in use, idle windows)": {
                 hall_id: [round(float(v), 2) for v in probe.per_hall[:4, h]
                           / max(1.0, probe.per_hall[4, h])]
                 for h, hall_id in enumerate(probe.model.city.hall_ids)}}
    for label, mask in (("all moved", None), ("worse", worse), ("better", ~worse)):
        found[label] = {"home estimate": mean(0, mask), "home real (stay)": mean(1, mask),
                        "there forecast": mean(2, mask), "there real": mean(3, mask),
                        "there now": mean(7, mask), "travel": mean(4, mask),
                        "total": mean(6, mask)}
    return found


def main(argv: list[str] | None = None) -> int:
    """Print the findings of one run as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.cloud_diagnose")
    parser.add_argument("--scenario", default="district")
    parser.add_argument("--load", type=float, default=0.95)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.scenario, args.load, args.days, args.seed), indent=1,
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
