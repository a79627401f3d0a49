"""What remote calling needs for the issue's gap target: hallq's mean wait on the shipped
scenarios when more items can be served remotely and remote service is less slow.

    python -m bench.cloud_sensitivity                       # 30 days per point (long)
    python -m bench.cloud_sensitivity --days 3 --plan "district=0.85" --shares 0.4,1.0

Only hallq runs here; no balancing and the pooled bound do not depend on remote calling and
are read from ``docs/cloud_results.json`` (run ``bench.bench_cloud`` first, with the same days
and seed). Writes ``docs/cloud_sensitivity.json`` (after every run) and
``docs/cloud_sensitivity.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bench.bench_cloud import SCENARIOS, parse_plan
from bench.cloudsim.cli import run_cloud

DOCS = Path(__file__).parents[1] / "docs"
GAP_TARGET = 0.8

Task = tuple[str, float, float, float, int, int]


def _run(task: Task) -> dict[str, Any]:
    scenario, load, share, slowdown, days, seed = task
    result = run_cloud(str(SCENARIOS / f"{scenario}.toml"), "hallq", days, seed, load,
                       remote_share=share, slowdown=slowdown)
    result["scenario"] = scenario
    return result


def baselines(path: Path, days: int, seed: int) -> dict[tuple[str, float, str], float]:
    """Mean waits of ``none`` and ``pooled`` by (scenario, load, label) from a bench_cloud run."""
    found: dict[tuple[str, float, str], float] = {}
    for run in json.loads(path.read_text()):
        if run.get("anywhere") or run["days"] != days or run["seed"] != seed:
            continue
        if run["label"] in ("none", "pooled", "hallq"):
            found[(run["scenario"], run["load"], run["label"])] = run["mean_wait_s"]
    return found


def report(results: list[dict[str, Any]], base: dict[tuple[str, float, str], float],
           days: int, seed: int) -> str:
    """The table: one row per (scenario, load, remote share, slowdown)."""
    lines = [f"hallq's mean wait when more items can be served remotely ({days} days, seed "
             f"{seed}; none and pooled from docs/cloud_results.json). Gap closed = (none − "
             "hallq) / (none − pooled); the target is ≥ 80%.", "",
             "| scenario | ρ | remote share | slowdown | hallq min | remote | gap closed |",
             "|---|---|---|---|---|---|---|"]
    for r in sorted(results, key=lambda r: (r["scenario"], r["load"], r["remote_share_items"],
                                            -r["remote_slowdown"])):
        none = base.get((r["scenario"], r["load"], "none"))
        pooled = base.get((r["scenario"], r["load"], "pooled"))
        gap = "—"
        if none is not None and pooled is not None and none > pooled:
            closed = (none - r["mean_wait_s"]) / (none - pooled)
            gap = f"{closed:.0%} ({'met' if closed >= GAP_TARGET else 'not met'})"
        lines.append(f"| {r['scenario']} | {r['load']:.2f} | {r['remote_share_items']:.0%} | "
                     f"{r['remote_slowdown']:.2f} | {r['mean_wait_s'] / 60:.1f} ± "
                     f"{r['mean_wait_ci95_s'] / 60:.1f} | {r['remote_share']:.1%} | {gap} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the grid and write the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.cloud_sensitivity")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plan", default="district=0.85,0.95;city=0.85,0.95")
    parser.add_argument("--shares", default="0.4,0.7,1.0",
                        help="shares of items that can be served remotely")
    parser.add_argument("--slowdowns", default="1.25,1.1,1.0",
                        help="how many times longer a remote service takes")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    tasks: list[Task] = [(s, load, float(share), float(slow), args.days, args.seed)
                         for s, loads in parse_plan(args.plan) for load in loads
                         for share in args.shares.split(",")
                         for slow in args.slowdowns.split(",")]
    out = DOCS / "cloud_sensitivity.json"
    results: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for result in pool.map(_run, tasks):
            results.append(result)
            print(f"  {result['scenario']:9} ρ={result['load']:<5} remote share "
                  f"{result['remote_share_items']:<4} slowdown {result['remote_slowdown']:<5}"
                  f"mean wait {result['mean_wait_s']:7.1f} s ({result['sim_seconds']:.0f} s)",
                  flush=True)
            out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    text = report(results, baselines(DOCS / "cloud_results.json", args.days, args.seed),
                  args.days, args.seed)
    print(text)
    (DOCS / "cloud_sensitivity.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
