"""``hallq bench cloud``: simulate a city under one cloud-calling policy and print its figures.

``register(subparsers)`` adds the ``bench`` command (with its ``cloud`` sub-command) to the
``hallq`` command line; ``python -m bench.cloudsim`` runs it alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from central.estimators import ESTIMATORS

SHOWN = ("mean_wait_s", "mean_wait_ci95_s", "p90_wait_s", "p95_wait_s",
         "share_wait_over_15min", "mean_total_time_s", "redirected_share", "remote_share",
         "mean_remote_extra_s", "moved_worse_share", "video_worse_share", "turned_away",
         "wait_estimate_mae_s", "wait_estimate_mae_share", "wait_estimate_under_share",
         "hall_mean_wait_cv")


def run_cloud(scenario_path: str, policy: str, days: int, seed: int, load: float | None = None,
              hall_kind: str = "policy", remote: bool | None = None,
              estimator: str | None = None, anywhere: float | None = None,
              remote_share: float | None = None, slowdown: float | None = None
              ) -> dict[str, Any]:
    """Simulate and summarise one run (the figures ``--json`` prints)."""
    from bench.cloudsim.city_model import CityModel
    from bench.cloudsim.metrics import summarize
    from bench.cloudsim.scenario import ScenarioError, load_scenario

    scenario = load_scenario(scenario_path)
    if load is not None:
        scenario = scenario.with_load(load)
    if anywhere is not None:
        scenario = scenario.with_anywhere(anywhere)
    scenario = scenario.with_remote(remote_share, slowdown)
    started = time.perf_counter()
    model = CityModel(scenario, policy, seed=seed, hall_kind=hall_kind, remote=remote,
                      estimator=estimator)
    citizens = model.run(days)
    result: dict[str, Any] = {"scenario": scenario.name, "policy": policy, "load": scenario.load,
                              "anywhere": anywhere, "remote_share_items": remote_share,
                              "remote_slowdown": scenario.remote_slowdown, "days": days,
                              "seed": seed, "remote_calling": model.remote_on}
    result.update(summarize(citizens, scenario, model.city.estimator))
    if not result["citizens"]:
        raise ScenarioError(
            f"the run measured no citizen ({len(citizens)} came in {days} days): raise the "
            "load, the weights or the profile, or shorten warmup_min",
            f"本次模拟没有可统计的群众（{days} 天共来 {len(citizens)} 人）：请提高 load、"
            "weight 或 profile，或缩短 warmup_min", scenario_path)
    if model.remote is not None:
        result["leases"] = {"asked": model.remote.leases, "refused": model.remote.refused,
                            "returned": model.remote.returned}
        result["leases"]["declined"] = model.remote.declined
    result["sim_seconds"] = round(time.perf_counter() - started, 2)
    return result


def cmd_cloud(args: argparse.Namespace) -> int:
    """Run ``hallq bench cloud``."""
    from bench.cloudsim.scenario import ScenarioError

    remote = None if args.remote is None else args.remote == "on"
    try:
        result = run_cloud(args.scenario, args.policy, args.days, args.seed, args.load,
                           args.halls, remote, args.estimator, args.anywhere,
                           args.remote_share, args.slowdown)
    except ScenarioError as err:
        print(f"hallq bench cloud: {err.bilingual()}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{result['scenario']} · policy {result['policy']} · load {result['load']} · "
          f"{result['days']} days · seed {result['seed']} · {result['citizens']} citizens")
    for key in SHOWN:
        print(f"  {key:28} {result.get(key)}")
    return 0


def policy_name(name: str) -> str:
    """``--policy``: one of the simulator's policies. The simulator (SimPy, the engine, the
    balancer) is imported only when the bench runs, not by every ``hallq`` command."""
    from bench.cloudsim.city_model import MODEL_POLICIES

    if name not in MODEL_POLICIES:
        raise argparse.ArgumentTypeError(f"invalid choice: {name!r} (choose from "
                                         f"{', '.join(MODEL_POLICIES)})")
    return name


def _number(kind: type, low: float, high: float, low_open: bool = False
            ) -> Any:
    """An ``argparse`` type: a number of ``kind`` within [low, high] ((low, high] when
    ``low_open``), refused in Chinese and English."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} 不是数字 / is not a number") from None
        if not (low < value if low_open else low <= value) or value > high:
            bound = f"({low:g}, {high:g}]" if low_open else f"[{low:g}, {high:g}]"
            raise argparse.ArgumentTypeError(f"{text} 应在 {bound} 之内 / must be in {bound}")
        return value

    return parse


def register(subparsers: Any) -> None:
    """Add ``bench cloud`` to a command line's sub-commands."""
    bench = subparsers.add_parser("bench", help="simulations and benchmarks")
    commands = bench.add_subparsers(title="benchmarks", metavar="BENCH", required=True)
    cloud = commands.add_parser(
        "cloud", help="cloud calling (云叫号) on a simulated city",
        description="Simulate a city's halls for some days under one routing policy and print "
                    "waits, total times, moves and the wait estimator's error.")
    cloud.add_argument("--scenario", required=True, help="the scenario TOML file")
    cloud.add_argument("--policy", type=policy_name, default="hallq",
                       help="none | jsq | jsq2 | hallq, or a lower bound: pooled | merged")
    cloud.add_argument("--days", type=_number(int, 1, 3660), default=30,
                       help="simulated days (default 30)")
    cloud.add_argument("--seed", type=_number(int, 0, 2**63), default=1,
                       help="random seed (common to policies)")
    cloud.add_argument("--load", type=_number(float, 0, 3, low_open=True),
                       help="city-wide load ρ (default: the scenario's)")
    cloud.add_argument("--anywhere", type=_number(float, 0, 1),
                       help="share (0–1) of every theme's items that can be served at any hall")
    cloud.add_argument("--remote-share", type=_number(float, 0, 1),
                       help="share (0–1) of every theme's items that can be served remotely")
    cloud.add_argument("--slowdown", type=_number(float, 0, 10, low_open=True),
                       help="how many times longer a remote service takes (scenario: 1.25)")
    cloud.add_argument("--remote", choices=("on", "off"),
                       help="remote calling (default: on with hallq only)")
    cloud.add_argument("--estimator", choices=ESTIMATORS, help="the balancer's wait estimator")
    cloud.add_argument("--halls", choices=("policy", "engine"), default="policy",
                       help="simulated halls: the real policy (fast) or the whole engine")
    cloud.add_argument("--json", action="store_true", help="print one JSON object")
    cloud.set_defaults(func=cmd_cloud)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.cloudsim cloud …``."""
    parser = argparse.ArgumentParser(prog="hallq")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bench", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args))
