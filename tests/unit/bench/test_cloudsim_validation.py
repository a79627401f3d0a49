"""The city simulator against theory: Erlang C for one M/M/c hall, and the power-of-two-choices
fixed point for many single-window halls under JSQ(2) (both on the fast hall, the default).

Short runs, so the intervals are wide; ``bench/bench_cloud.py`` repeats both over 30 days.
"""

from __future__ import annotations

import numpy as np

from bench.cloudsim.city_model import CityModel
from bench.cloudsim.metrics import ci95, measured
from bench.cloudsim.scenario import parse_scenario
from bench.cloudsim.theory import jsq_d_mean_time, mmc_mean_wait


def _scenario(halls: list[dict], *, load: float, mean_min: float, close: str,
              warmup_min: float, travel: dict) -> dict:
    return {
        "scenario": {"name": "validation", "load": load, "open": "00:00", "close": close,
                     "cutoff_min": 0, "warmup_min": warmup_min, "anywhere_share": 1.0,
                     "remote_share": 0.0},
        "acceptance": {"mode": "always"},
        "travel": travel,
        "themes": [{"prefix": "A", "name": "exp", "mean_service_min": mean_min,
                    "distribution": "exp"}],
        "halls": halls,
    }


def test_single_mmc_hall_matches_erlang_c() -> None:
    servers, load, mean_s = 10, 0.8, 600.0
    scenario = parse_scenario(_scenario(
        [{"id": "H", "windows": [{"count": servers, "skills": ["A"]}]}],
        load=load, mean_min=mean_s / 60, close="23:59", warmup_min=120, travel={}))
    model = CityModel(scenario, "none", seed=3)
    citizens = measured(model.run(30), scenario)
    daily = [float(np.mean([c.wait_s for c in citizens if c.day == d])) for d in range(30)]
    mean, half = ci95(daily)
    theory = mmc_mean_wait(servers, load * servers / mean_s, mean_s)   # 122.8 s
    assert abs(mean - theory) < max(half, 0.05 * theory), (mean, half, theory)
    assert half < 0.25 * theory


def test_jsq2_matches_the_power_of_two_fixed_point() -> None:
    queues, load, mean_s = 100, 0.9, 60.0
    zero = [[0.0] * queues for _ in range(queues)]
    scenario = parse_scenario(_scenario(
        [{"id": f"Q{i:03d}", "windows": [{"count": 1, "skills": ["A"]}]}
         for i in range(queues)],
        load=load, mean_min=mean_s / 60, close="01:40", warmup_min=40,
        travel={"matrix_min": zero}))
    model = CityModel(scenario, "jsq2", seed=5)
    citizens = measured(model.run(5), scenario)
    daily = [float(np.mean([(c.wait_s + c.service_s) / mean_s
                            for c in citizens if c.day == d])) for d in range(5)]
    mean, half = ci95(daily)
    theory = jsq_d_mean_time(load)    # 2.614 service times for infinitely many queues
    assert abs(mean - theory) < max(half, 0.04 * theory), (mean, half, theory)
    share_moved = np.mean([c.redirected for c in citizens])
    assert 0.2 < share_moved < 0.6    # JSQ(2) really chose between two queues
