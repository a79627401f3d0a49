"""Cloud calling (云叫号) on the simulated cities (district, city, county, metro): the citizens'
mean whole time (travel + wait + a video service's extra) by load for each policy, the merged
and pooled lower bounds, the share of the gap closed, who was worse off than staying, the wait
estimate's error overall and by group, the simulator's validation, and the recommendation
decision time for a city of 2,000 halls.

    python -m bench.bench_cloud                  # everything: 30 days per point (long)
    python -m bench.bench_cloud --days 3 --plan "district=0.85"   # a quick look

Every (scenario, load, policy) run uses the same seed, so all policies see the same citizens
(common random numbers) and their difference is measured day by day. Results are written to
``docs/cloud_results.json`` after every run (a long benchmark that stops keeps what it did),
the table to ``docs/cloud_results.md`` and the plot to ``docs/cloud_mean_wait.png``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bench.cloudsim.city_model import CityModel
from bench.cloudsim.cli import run_cloud
from bench.cloudsim.metrics import ci95, measured
from bench.cloudsim.scenario import Scenario, load_scenario, parse_scenario
from bench.cloudsim.theory import jsq_d_mean_time, mmc_mean_wait
from hall.events import EventKind

ROOT = Path(__file__).parents[1]
SCENARIOS = ROOT / "bench" / "scenarios"
DOCS = ROOT / "docs"
#: (label, policy, remote calling) — labels are the table's columns.
VARIANTS = [("none", "none", None), ("jsq", "jsq", None), ("jsq2", "jsq2", None),
            ("hallq", "hallq", None), ("hallq-route-only", "hallq", False),
            ("merged", "merged", None), ("pooled", "pooled", None)]
POLICY_LABELS = ("none", "jsq", "jsq2", "hallq", "hallq-route-only")
TARGET_LOAD = 0.85
GAP_TARGET = 0.90            # of the gap between none and the merged bound, on the total time
WORSE_TARGET = 0.10          # moved or video-served citizens worse off than staying
MAE_TARGET = 0.15            # wait estimate's mean absolute error / mean wait
GROUP_TARGET = 0.10          # every group's mean error / its mean wait


# ---------------------------------------------------------------------- running
Task = tuple[str, float, str, str, bool | None, int, int, float | None]


def _run(task: Task) -> dict[str, Any]:
    scenario, load, label, policy, remote, days, seed, anywhere = task
    result = run_cloud(str(SCENARIOS / f"{scenario}.toml"), policy, days, seed, load,
                       remote=remote, anywhere=anywhere)
    result["label"] = label
    result["scenario"] = scenario
    return result


def parse_plan(text: str) -> list[tuple[str, list[float]]]:
    """``"district=0.6,0.85;city=0.85"`` → the scenarios and their loads, in that order."""
    plan = []
    for part in filter(None, text.split(";")):
        name, _, loads = part.partition("=")
        plan.append((name.strip(), [float(x) for x in loads.split(",")]))
    return plan


def run_all(plan: list[tuple[str, list[float]]], days: int, seed: int, jobs: int, out: Path,
            ablation: set[str], anywhere: float | None = None,
            labels: set[str] | None = None) -> list[dict[str, Any]]:
    """Every run, in parallel; the results so far are saved after each. The route-only
    ablation of hallq runs for the scenarios in ``ablation``; ``labels`` limits the variants."""
    tasks: list[Task] = [(s, load, label, policy, remote, days, seed, anywhere)
                         for s, loads in plan for load in loads
                         for label, policy, remote in VARIANTS
                         if (label != "hallq-route-only" or s in ablation)
                         and (labels is None or label in labels)]
    results: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for result in pool.map(_run, tasks):
            results.append(result)
            print(f"  {result['scenario']:9} ρ={result['load']:<5} {result['label']:17} "
                  f"mean wait {result['mean_wait_s']:7.1f} ± {result['mean_wait_ci95_s']:5.1f} s"
                  f"  ({result['sim_seconds']:.0f} s)", flush=True)
            out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return results


# ---------------------------------------------------------------------- analysis
def pooled_erlang_c(scenario: Scenario) -> float:
    """The pooled bound as the issue states it: every window of the city one M/M/c, at the
    day's mean arrival rate (inf when ρ ≥ 1; peaks are ignored, so it flatters)."""
    rates = scenario.rates()
    means = np.array([t.mean_service_s for t in scenario.themes])
    arrivals = float(rates.sum())
    mean = float((rates.sum(axis=0) * means).sum() / arrivals)
    return mmc_mean_wait(scenario.windows, arrivals, mean)


def anywhere_share(scenario: Scenario) -> float:
    """The share of citizens whose item can be served at any hall."""
    per_theme = scenario.rates().sum(axis=0)
    shares = np.array([scenario.share(t, "anywhere") for t in scenario.themes])
    return float((per_theme * shares).sum() / per_theme.sum())


def paired(a: dict[str, Any], b: dict[str, Any], key: str = "daily_mean_total_s"
           ) -> tuple[float, float]:
    """Relative reduction of b's daily mean (whole time by default) against a's, with the
    half-width of its 95% CI from the day-by-day differences (common random numbers)."""
    da, db = np.array(a[key]), np.array(b[key])
    diff, half = ci95(list(da - db))
    return diff / float(da.mean()), half / float(da.mean())


def analyse(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (scenario, load) with every policy's figures and the targets."""
    rows = []
    keys = sorted({(r["scenario"], r.get("anywhere") or 0.0, r["load"]) for r in results})
    for scenario_name, anywhere, load in keys:
        runs = {r["label"]: r for r in results
                if (r["scenario"], r.get("anywhere") or 0.0, r["load"]) ==
                (scenario_name, anywhere, load)}
        scenario = load_scenario(SCENARIOS / f"{scenario_name}.toml").with_load(load)
        if anywhere:
            scenario = scenario.with_anywhere(anywhere)
            scenario_name = f"{scenario_name} (anywhere {anywhere:.0%})"
        row: dict[str, Any] = {"scenario": scenario_name, "load": load,
                               "anywhere_share": round(anywhere_share(scenario), 3),
                               "erlang_c_s": round(pooled_erlang_c(scenario), 1), "runs": runs}
        none, hallq = runs.get("none"), runs.get("hallq")
        if none and hallq:
            row["hallq_reduction"], row["hallq_reduction_ci"] = paired(none, hallq)
            if "pooled" in runs:
                row["pooled_reduction"] = paired(none, runs["pooled"])[0]
            for bound in ("pooled", "merged"):
                if bound in runs:
                    gap = none["mean_total_time_s"] - runs[bound]["mean_total_time_s"]
                    closed = none["mean_total_time_s"] - hallq["mean_total_time_s"]
                    row[f"gap_closed_{bound}"] = closed / gap if gap > 0 else math.nan
            if "jsq2" in runs:
                row["hallq_vs_jsq2"], row["hallq_vs_jsq2_ci"] = paired(runs["jsq2"], hallq)
        rows.append(row)
    return rows


def _fmt(run: dict[str, Any] | None) -> str:
    if run is None:
        return "—"
    return f"{run['mean_total_time_s'] / 60:.1f} ± {run['mean_total_time_ci95_s'] / 60:.1f}"


def _share(value: float) -> str:
    return f"{value:.0%}" if math.isfinite(value) else "—"


def _labels(rows: list[dict[str, Any]]) -> list[str]:
    """The policies and bounds that ran, in the table's order."""
    ran = {label for row in rows for label in row["runs"]}
    return [k for k in (*POLICY_LABELS, "merged", "pooled") if k in ran]


def table(rows: list[dict[str, Any]]) -> str:
    """The markdown table of mean whole times (minutes, 95% CI over days) and the targets."""
    labels = _labels(rows)
    lines = ["| scenario | ρ | " + " | ".join(labels) + " | Erlang C | hallq vs none "
             "| hallq vs jsq2 | gap closed (pooled / merged) |",
             "|---" * (len(labels) + 6) + "|"]
    for row in rows:
        runs = row["runs"]
        erlang = row["erlang_c_s"]
        cells = [row["scenario"], f"{row['load']:.2f}", *(_fmt(runs.get(k)) for k in labels),
                 f"{erlang / 60:.1f}" if math.isfinite(erlang) else "∞"]
        if "hallq_reduction" in row:
            cells.append(f"−{row['hallq_reduction']:.0%} ± {row['hallq_reduction_ci']:.0%}")
        else:
            cells.append("—")
        if "hallq_vs_jsq2" in row:
            cells.append(f"−{row['hallq_vs_jsq2']:.0%} ± {row['hallq_vs_jsq2_ci']:.0%}")
        else:
            cells.append("—")
        cells.append(" / ".join(_share(row.get(f"gap_closed_{bound}", math.nan))
                                for bound in ("pooled", "merged")))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def details(rows: list[dict[str, Any]]) -> str:
    """Other figures of each run: waits, moves and video services (and how many were worse
    off than staying), citizens turned away, the estimator's error."""
    lines = ["| scenario | ρ | policy | wait min | p95 wait | total min | moved | moved worse "
             "| video | video worse | video extra min | turned away | est. MAE min "
             "(queue / recent / blend / hall) | MAE / wait | worst group | hall CV |",
             "|---" * 16 + "|"]
    for row in rows:
        for label, run in row["runs"].items():
            est = " / ".join(f"{e['mae_s'] / 60:.1f}" for e in run["estimators"].values())
            lines.append(
                f"| {row['scenario']} | {row['load']:.2f} | {label} "
                f"| {run['mean_wait_s'] / 60:.1f} | {run['p95_wait_s'] / 60:.1f} "
                f"| {run['mean_total_time_s'] / 60:.1f} "
                f"| {run['redirected_share']:.1%} | {run['moved_worse_share']:.0%} "
                f"| {run['remote_share']:.1%} | {run['video_worse_share']:.0%} "
                f"| {run['mean_remote_extra_s'] / 60:.1f} | {run['turned_away']} "
                f"| {est} | {run['wait_estimate_mae_share']:.0%} | {worst_group(run)} "
                f"| {run['hall_mean_wait_cv']:.2f} |")
    return "\n".join(lines)


def worst_group(run: dict[str, Any], kind: str | None = None) -> str:
    """The group (elderly or not, each theme) whose mean estimate error is the largest share
    of its mean wait, for the run's decision estimator (or ``kind``)."""
    groups = run["estimate_groups"][kind or run["estimator"]]
    shares = {name: g["error_share"] for name, g in groups.items()
              if math.isfinite(g["error_share"])}
    if not shares:
        return "—"
    name = max(shares, key=lambda n: abs(shares[n]))
    return f"{name} {shares[name]:+.0%}"


def _met(ok: bool) -> str:
    return "MET" if ok else "NOT met"


def targets(rows: list[dict[str, Any]], decision_ms: float) -> str:
    """Which of the issue's targets hallq meets, row by row at ρ ≥ 0.85: mean whole time
    below JSQ(2), ≥ 90% of the gap between none and the merged bound closed, nobody turned
    away, ≤ 10% of moved and of video-served citizens worse off than staying, the wait
    estimate's MAE ≤ 15% of the mean wait with every group's mean error within ±10%."""
    lines = []
    for row in rows:
        runs = row["runs"]
        if row["load"] < TARGET_LOAD or "hallq" not in runs:
            continue
        hallq = runs["hallq"]
        below = "jsq2" in runs and (hallq["mean_total_time_s"]
                                    < runs["jsq2"]["mean_total_time_s"])
        gap = row.get("gap_closed_merged", math.nan)
        worse = max(hallq["moved_worse_share"], hallq["video_worse_share"])
        groups = hallq["estimate_groups"][hallq["estimator"]].values()
        group_ok = all(abs(g["error_share"]) <= GROUP_TARGET for g in groups
                       if math.isfinite(g["error_share"]))
        lines.append(
            f"- {row['scenario']} ρ={row['load']:.2f}: below jsq2 {_met(below)}; gap to the "
            f"merged bound closed {gap:.0%} ({_met(gap >= GAP_TARGET)}); turned away "
            f"{hallq['turned_away']} ({_met(hallq['turned_away'] == 0)}); worse off than "
            f"staying: moved {hallq['moved_worse_share']:.0%}, video "
            f"{hallq['video_worse_share']:.0%} ({_met(worse <= WORSE_TARGET)}); estimate MAE "
            f"{hallq['wait_estimate_mae_share']:.0%} of the mean wait "
            f"({_met(hallq['wait_estimate_mae_share'] <= MAE_TARGET)}), worst group "
            f"{worst_group(hallq)} ({_met(group_ok)})")
    lines.append(f"- decision for 2,000 halls: {decision_ms:.2f} ms median "
                 f"({_met(decision_ms < 5)}, target < 5 ms)")
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Mean whole time by load, one panel per scenario, 95% CI bars; bounds dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = dict(zip((*POLICY_LABELS, "merged", "pooled"),
                      ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
                       "tab:gray", "tab:brown"), strict=True))
    scenarios = sorted({r["scenario"] for r in rows})
    columns = min(2, len(scenarios))
    lines = math.ceil(len(scenarios) / columns)
    fig, axes = plt.subplots(lines, columns, figsize=(6 * columns, 4.5 * lines),
                             squeeze=False)
    for ax, name in zip(axes.flat, scenarios, strict=False):
        mine = [r for r in rows if r["scenario"] == name]
        for label in (*POLICY_LABELS, "merged", "pooled"):
            points = [(r["load"], r["runs"][label]) for r in mine if label in r["runs"]]
            if not points:
                continue
            style = "--" if label in ("merged", "pooled") else "-"
            ax.errorbar([p[0] for p in points],
                        [p[1]["mean_total_time_s"] / 60 for p in points],
                        yerr=[p[1]["mean_total_time_ci95_s"] / 60 for p in points],
                        label=label, linestyle=style, marker="o", capsize=3,
                        color=colors[label])
        ax.set_title(f"{name}: mean whole time by load")
        ax.set_xlabel("load ρ (offered work / window time)")
        ax.set_ylabel("travel + wait + video extra (min), 95% CI")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------- validation, timing
def validate(days: int) -> dict[str, Any]:
    """The simulator against Erlang C (M/M/10 at ρ = 0.8) and the JSQ(2) fixed point."""
    def scenario(halls: list[dict[str, Any]], load: float, mean_min: float, close: str,
                 warmup: float, travel: dict[str, Any]) -> Scenario:
        return parse_scenario({
            "scenario": {"load": load, "open": "00:00", "close": close, "cutoff_min": 0,
                         "warmup_min": warmup, "anywhere_share": 1.0, "remote_share": 0.0},
            "acceptance": {"mode": "always"}, "travel": travel, "halls": halls,
            "themes": [{"prefix": "A", "mean_service_min": mean_min, "distribution": "exp"}]})

    mmc = scenario([{"id": "H", "windows": [{"count": 10, "skills": ["A"]}]}], 0.8, 10,
                   "23:59", 120, {})
    citizens = measured(CityModel(mmc, "none", seed=11).run(days), mmc)
    daily = [float(np.mean([c.wait_s for c in citizens if c.day == d])) for d in range(days)]
    wait, wait_ci = ci95(daily)
    zero = [[0.0] * 100 for _ in range(100)]
    many = scenario([{"id": f"Q{i}", "windows": [{"count": 1, "skills": ["A"]}]}
                     for i in range(100)], 0.9, 1, "01:40", 40, {"matrix_min": zero})
    citizens = measured(CityModel(many, "jsq2", seed=12).run(days), many)
    daily = [float(np.mean([(c.wait_s + c.service_s) / 60 for c in citizens if c.day == d]))
             for d in range(days)]
    jsq2, jsq2_ci = ci95(daily)
    return {"mmc_mean_wait_s": round(wait, 1), "mmc_ci95_s": round(wait_ci, 1),
            "erlang_c_s": round(mmc_mean_wait(10, 8 / 600, 600), 1),
            "jsq2_mean_time": round(jsq2, 3), "jsq2_ci95": round(jsq2_ci, 3),
            "jsq2_fixed_point": round(jsq_d_mean_time(0.9), 3), "days": days}


def decision_time(halls: int = 2000, calls: int = 300) -> dict[str, float]:
    """Median and 99th percentile (ms) of a recommendation (at a kiosk; by phone, from a
    place, ``rank_halls``) and of a remote choice."""
    from zoneinfo import ZoneInfo

    from central.balancer import TravelTimes, choose_remote, rank_halls, recommend
    from central.city_state import CityState
    from hall.config import HallConfig, Item, Rules, Theme, Window

    rng = np.random.default_rng(3)
    items = {p: Item(code=f"{p}2", theme=p, name_zh="", name_en="", anywhere=True, remote=True)
             for p in "ABCDE"}
    themes = {p: Theme(prefix=p, name_zh=p, name_en=p, items=(items[p],)) for p in "ABCDE"}
    configs = [HallConfig(hall_id=f"H{i}", name_zh="", name_en="",
                          timezone=ZoneInfo("Asia/Shanghai"), rules=Rules(), themes=themes,
                          windows={str(w): Window(number=str(w), skills=("ABCDE"[w % 5],
                                                                          "ABCDE"[w % 3]))
                                   for w in range(8)}) for i in range(halls)]
    city = CityState(configs)
    for config in configs:
        for number in config.windows:
            city.apply(config.hall_id, EventKind.WINDOW_OPENED, 0.0, {"window": number})
    city.waiting[:] = rng.integers(0, 40, city.waiting.shape)
    city.remote[:] = rng.integers(0, 3, city.remote.shape)
    city.idle[:] = 0
    travel = TravelTimes(xy_km=rng.uniform(0, 80, (halls, 2)))
    now = 1710205200.0
    timings: dict[str, list[float]] = {"recommend": [], "recommend_phone": [],
                                       "choose_remote": []}
    reachable = np.ones(halls, dtype=bool)
    for i in range(calls):
        start = time.perf_counter()
        recommend(items["ABCDE"[i % 5]], f"H{i % halls}", city, travel, now)
        timings["recommend"].append(time.perf_counter() - start)
        start = time.perf_counter()
        x_km, y_km = rng.uniform(0, 80, 2)
        rank_halls(city, ["ABCDE"[i % 5]] * halls, travel.from_km(x_km, y_km), now, 5,
                   reachable)
        timings["recommend_phone"].append(time.perf_counter() - start)
        start = time.perf_counter()
        choose_remote(("A", "B"), city, now, home=f"H{i % halls}")
        timings["choose_remote"].append(time.perf_counter() - start)
    out = {}
    for name, values in timings.items():
        out[f"{name}_median_ms"] = round(statistics.median(values) * 1e3, 3)
        out[f"{name}_p99_ms"] = round(float(np.percentile(values, 99)) * 1e3, 3)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the table, the plot and the raw results."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_cloud")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plan", default="district=0.75,0.85,0.95;county=0.85,0.95;"
                                           "metro=0.85,0.95;city=0.85,0.95",
                        help="scenarios and loads, in the order to run them")
    parser.add_argument("--ablation", default="district",
                        help="scenarios where hallq also runs without remote calling")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-runs", action="store_true",
                        help="only analyse docs/cloud_results.json again")
    parser.add_argument("--validation-days", type=int, default=30,
                        help="0: show the last validation (docs/cloud_validation.json)")
    parser.add_argument("--anywhere", type=float,
                        help="share of every theme's items that can be served at any hall")
    parser.add_argument("--tag", default="", help="suffix of the output files' names")
    parser.add_argument("--variants", help="only these columns, e.g. none,jsq2,hallq,pooled")
    args = parser.parse_args(argv)
    DOCS.mkdir(exist_ok=True)
    raw = DOCS / f"cloud_results{args.tag}.json"
    timing = decision_time()
    print(f"decision time, 2,000 halls: {timing}", flush=True)
    if args.skip_runs:
        results = json.loads(raw.read_text())
    else:
        results = run_all(parse_plan(args.plan), args.days, args.seed, args.jobs, raw,
                          set(args.ablation.split(",")), args.anywhere,
                          set(args.variants.split(",")) if args.variants else None)
    rows = analyse(results)
    saved = DOCS / "cloud_validation.json"
    if args.validation_days:
        validation = validate(args.validation_days)
        saved.write_text(json.dumps(validation))
    else:
        validation = json.loads(saved.read_text()) if saved.exists() else {}
    report = "\n\n".join([
        f"Mean whole time (travel + wait + a video service's extra) in minutes (± 95% CI "
        f"over {args.days} days, seed {args.seed}); the reductions are of the whole time, "
        "paired day by day:",
        table(rows), "Other figures:", details(rows),
        f"Validation: {json.dumps(validation)}",
        f"Decision time (2,000 halls): {json.dumps(timing)}",
        "Targets:", targets(rows, timing["recommend_median_ms"])])
    print(report)
    (DOCS / f"cloud_results{args.tag}.md").write_text(report + "\n")
    plot(rows, DOCS / f"cloud_mean_wait{args.tag}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
