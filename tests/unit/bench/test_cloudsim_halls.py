"""The simulated city: the fast hall gives the real engine's results, every citizen is served
once, policies see the same citizens, and the shipped scenarios load."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.cloudsim import cli as cloud_cli
from bench.cloudsim.city_model import DAY0, CityModel
from bench.cloudsim.demand import day_citizens
from bench.cloudsim.metrics import summarize
from bench.cloudsim.scenario import ScenarioError, load_scenario, parse_scenario

SCENARIOS = Path(__file__).parents[3] / "bench" / "scenarios"
DISTRICT = SCENARIOS / "district.toml"


def _outcome(model: CityModel) -> list[tuple[int, float, bool, float]]:
    return [(c.hall, c.wait_s, c.served_remotely, c.estimates.get("hall", -1.0))
            for c in model.records]


def test_policy_hall_gives_the_engines_waits_and_estimates() -> None:
    scenario = load_scenario(DISTRICT).with_load(0.95)
    engine = CityModel(scenario, "hallq", seed=2, hall_kind="engine")
    fast = CityModel(scenario, "hallq", seed=2, hall_kind="policy")
    engine.run(2)
    fast.run(2)
    assert len(engine.records) == len(fast.records) > 2000
    assert any(c.elderly for c in fast.records) and any(c.served_remotely for c in fast.records)
    for (h1, w1, r1, e1), (h2, w2, r2, e2) in zip(_outcome(engine), _outcome(fast), strict=True):
        assert (h1, r1, e1) == (h2, r2, e2)
        assert w1 == pytest.approx(w2, abs=1e-3, nan_ok=True)   # the engine's clock: µs


@pytest.mark.parametrize("policy", ["none", "jsq", "jsq2", "hallq", "pooled"])
def test_every_citizen_is_served_once(policy: str) -> None:
    scenario = load_scenario(DISTRICT).with_load(1.0)
    model = CityModel(scenario, policy, seed=4)
    citizens = model.run(1)
    issued = [c for c in citizens if not math.isnan(c.issued_at)]
    assert issued and all(c.wait_s >= 0 for c in issued)
    assert not model.waiting                      # nobody left in a line
    result = summarize(citizens, scenario, "queue")
    assert result["citizens"] == len(issued)
    # only a citizen sent to a hall that gave no more numbers on arrival, whose own hall had
    # stopped too when they got back, goes without
    assert result["never_served"] == len(citizens) - len(issued) <= result["turned_away"]
    for key in ("mean_wait_s", "p90_wait_s", "p95_wait_s", "share_wait_over_15min",
                "mean_total_time_s", "redirected_share", "remote_share",
                "wait_estimate_mae_s", "hall_mean_wait_cv"):
        assert math.isfinite(result[key])
    if policy == "none":
        assert result["redirected_share"] == result["remote_share"] == 0
    if policy == "hallq":
        assert result["remote_share"] > 0


def test_policies_get_the_same_citizens() -> None:
    scenario = load_scenario(DISTRICT)
    one = day_citizens(scenario, 3, seed=9, day_start=DAY0)
    two = day_citizens(scenario, 3, seed=9, day_start=DAY0)
    other = day_citizens(scenario, 4, seed=9, day_start=DAY0)
    key = [(c.origin, c.theme, c.arrival, c.service_s, c.anywhere, c.accept_u) for c in one]
    assert key == [(c.origin, c.theme, c.arrival, c.service_s, c.anywhere, c.accept_u)
                   for c in two]
    assert len(other) != len(one) or other[0].arrival != one[0].arrival


def test_remote_share_and_slowdown_can_be_changed_for_a_run() -> None:
    scenario = load_scenario(DISTRICT).with_load(0.9)
    changed = scenario.with_remote(share=1.0, slowdown=1.0)
    assert [changed.share(t, "remote") for t in changed.themes] == [1.0] * 3
    assert changed.remote_slowdown == 1.0 and scenario.remote_slowdown == 1.25
    assert scenario.with_remote() == scenario
    # every item servable remotely: more citizens are called by video than with 10% (the
    # booths, not the items, limit the calls between 40% and 100%)
    remote = [summarize(CityModel(s, "hallq", seed=3).run(1), s, "queue")["remote_share"]
              for s in (scenario.with_remote(share=0.1), scenario.with_remote(share=1.0))]
    assert remote[1] > remote[0] > 0


def test_the_bench_cloud_command_prints_the_issue_figures(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cloud_cli.main(["cloud", "--scenario", str(DISTRICT), "--policy", "jsq2", "--days",
                           "1", "--seed", "5", "--load", "0.7", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    for key in ("mean_wait_s", "p90_wait_s", "p95_wait_s", "share_wait_over_15min",
                "mean_total_time_s", "redirected_share", "remote_share",
                "wait_estimate_mae_s", "hall_mean_wait_cv"):
        assert math.isfinite(printed[key]), key
    assert (printed["policy"], printed["load"], printed["days"], printed["seed"]) == (
        "jsq2", 0.7, 1, 5)
    assert cloud_cli.main(["cloud", "--scenario", str(DISTRICT), "--days", "1", "--json",
                           "--remote-share", "1.0", "--slowdown", "1.0"]) == 0
    assert json.loads(capsys.readouterr().out)["remote_slowdown"] == 1.0
    missing = tmp_path / "nowhere.toml"
    assert cloud_cli.main(["cloud", "--scenario", str(missing)]) == 2
    assert "nowhere.toml" in capsys.readouterr().err


def test_the_rates_give_the_load() -> None:
    scenario = load_scenario(DISTRICT).with_load(0.7)
    means = [t.mean_service_s for t in scenario.themes]
    work = sum(scenario.rates()[h, t] * means[t] for h in range(len(scenario.halls))
               for t in range(len(scenario.themes)))
    assert work / scenario.windows == pytest.approx(0.7)
    assert scenario.profile_rates().mean() == pytest.approx(1.0)


def test_a_hall_may_have_its_own_hours_and_profile() -> None:
    scenario = parse_scenario({
        "scenario": {"profile": [1, 1]},
        "themes": [{"prefix": "A", "mean_service_min": 5}],
        "halls": [{"id": "H1", "windows": [{"skills": ["A"]}]},
                  {"id": "H2", "open": "13:00", "close": "17:00", "profile": [3, 1],
                   "windows": [{"skills": ["A"]}]}]})
    assert list(scenario.profile_rates(scenario.halls[1])) == [1.5, 0.5]
    late = [c for c in day_citizens(scenario, 0, seed=1, day_start=DAY0) if c.origin == 1]
    assert late and min(c.arrival - DAY0 for c in late) >= 13 * 3600


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.halls and scenario.themes and scenario.hall_configs()


def test_scenario_errors_say_where() -> None:
    with pytest.raises(ScenarioError, match="themes"):
        parse_scenario({"halls": [{"id": "H", "windows": [{"skills": ["A"]}]}]})
    with pytest.raises(ScenarioError, match="names no theme"):
        parse_scenario({"themes": [{"prefix": "A", "mean_service_min": 5}],
                        "halls": [{"id": "H", "windows": [{"skills": ["B"]}]}]})
    with pytest.raises(ScenarioError, match="HH:MM"):
        parse_scenario({"scenario": {"open": "nine"},
                        "themes": [{"prefix": "A", "mean_service_min": 5}],
                        "halls": [{"id": "H", "windows": [{"skills": ["A"]}]}]})
