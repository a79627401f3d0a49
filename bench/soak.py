"""A city day as a soak (``make soak``; issue 20 part 6): PostgreSQL, central, two hall nodes
and a sync agent per hall as real processes on 127.0.0.1, a busy district hall's day at each
(``bench/soak_day.py``) at 10× speed, every process killed with SIGKILL at random times and
started again, and one central outage of several minutes with the agents left running.

At the end, once the agents have drained, it checks that every acknowledged operation is in the
hall's log and in central's exactly once, that central holds exactly the hall's log, that no
ticket was called twice and no number given twice, and that each process's memory stayed flat
(first vs last hour, or first vs last third of a shorter run). It prints a table, writes a JSON
report and exits 1 when an invariant fails.

  python -m bench.soak                      # the busiest 3 hours (09:00-12:00) at 10x: ~18 min
  python -m bench.soak --hours 9            # the whole opening day: ~54 min
  python -m bench.soak --minutes 1          # a quick slice (tests/integration/test_soak.py)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench.soak_day import HallDay, Ledger, SoakClock
from bench.soak_procs import ROOT, City, HallSite, Proc, start_city

HALLS = ["SOAK-HALL-1", "SOAK-HALL-2"]
#: The event kind each acknowledged operation must leave, once.
OP_KIND = {"issue": "ticket.issued", "phone": "ticket.issued", "call": "ticket.called",
           "serve": "ticket.serving", "no_show": "ticket.no_show",
           "finish": "ticket.finished", "rate": "ticket.rated"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed", type=float, default=10.0, help="times faster than real time")
    parser.add_argument("--start", default="09:00", help="the day's time at the start (HH:MM)")
    parser.add_argument("--hours", type=float, default=3.0,
                        help="hours of the day to run (default 3: the morning peak)")
    parser.add_argument("--minutes", type=float, default=None,
                        help="quick mode: run this many wall-clock minutes instead of --hours")
    parser.add_argument("--kills", type=int, default=3, help="kill -9 of each process")
    parser.add_argument("--outage-min", type=float, default=10.0,
                        help="the central outage, in minutes of the day")
    parser.add_argument("--rss-bound", type=float, default=0.20,
                        help="largest memory growth first vs last hour that counts as flat")
    parser.add_argument("--phone-share", type=float, default=0.05,
                        help="share of citizens who take their number by phone via central")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "docs" / "soak_results.json"),
                        help="the JSON report")
    parser.add_argument("--work-dir", help="where the processes keep their data (default: a "
                                           "temporary directory)")
    return parser.parse_args(argv)


def chaos_plan(city: City, wall_s: float, kills: int, outage_s: float,
               rng: random.Random) -> list[tuple[float, str, Proc | None]]:
    """(when, what, which): each process killed ``kills`` times at random and the outage
    in the middle third; kills of central avoid the outage."""
    outage_at = rng.uniform(0.3, 0.55) * wall_s
    plan: list[tuple[float, str, Proc | None]] = [
        (outage_at, "outage", city.central), (outage_at + outage_s, "heal", city.central)]
    for proc in city.procs():
        for _ in range(kills):
            when = rng.uniform(0.05, 0.85) * wall_s
            if proc is city.central and outage_at - 2 <= when <= outage_at + outage_s + 2:
                when = outage_at + outage_s + 3 + rng.uniform(0, 0.1 * wall_s)
            plan.append((when, "kill", proc))
    return sorted(plan, key=lambda p: p[0])


def run_day(city: City, args: argparse.Namespace, ledger: Ledger) -> dict[str, Any]:
    """Drive both halls for the run's length while the chaos plan runs; sample memory."""
    hour, minute = (int(x) for x in args.start.split(":"))
    wall_s = args.minutes * 60 if args.minutes else args.hours * 3600 / args.speed
    clock = SoakClock(hour * 60 + minute, args.speed)
    end_min = clock.start_min + wall_s * args.speed / 60
    rng = random.Random(args.seed)
    days = [HallDay(site, clock, ledger, city.central_url, city.phone, args.seed + i, end_min,
                    args.phone_share).start() for i, site in enumerate(city.halls)]
    outage_s = min(args.outage_min * 60 / args.speed, 0.25 * wall_s)
    plan = chaos_plan(city, wall_s, args.kills, outage_s, rng)
    rss: dict[str, list[tuple[float, int]]] = {p.name: [] for p in city.procs()}
    done: list[dict[str, Any]] = []
    down = False
    next_sample = 0.0
    while (now := time.monotonic() - clock.t0) < wall_s:
        while plan and plan[0][0] <= now:
            _, what, proc = plan.pop(0)
            assert proc is not None
            if what == "kill" and not (down and proc is city.central):
                proc.kill9()
                proc.start()
            elif what == "outage":
                proc.kill9()
                proc.kills -= 1         # the outage is counted apart from the kills
                down = True
            elif what == "heal":
                proc.start()
                down = False
            done.append({"at_s": round(now, 1), "what": what, "process": proc.name})
        if now >= next_sample:
            for proc in city.procs():
                if (kb := proc.rss_kb):
                    rss[proc.name].append((now, kb))
            next_sample = now + max(1.0, wall_s / 600)
        time.sleep(0.05)
    for day in days:
        day.stop()
    return {"wall_s": wall_s, "sim_minutes": round(wall_s * args.speed / 60, 1),
            "outage_s": round(outage_s, 1), "chaos": done, "rss": rss}


#: Seconds every hall must stay level with central before the checks: longer than the agent's
#: slowest relay (phone tickets queued at central during an outage arrive up to 5 s later).
QUIET_S = 8.0


def drain(city: City, timeout: float = 180.0) -> dict[str, int]:
    """Wait until central has every event of each hall and no hall has written anything for
    :data:`QUIET_S` (what central still relays, like phone tickets asked for during the
    outage, lands first); the halls' last seq."""
    deadline = time.monotonic() + timeout
    level: dict[str, int | None] = {}
    since = time.monotonic()
    while True:
        heads = {site.hall_id: _level(city, site) for site in city.halls}
        if heads != level or any(head is None for head in heads.values()):
            level, since = heads, time.monotonic()
        elif time.monotonic() - since >= QUIET_S:
            return {hall_id: head for hall_id, head in heads.items() if head is not None}
        if time.monotonic() > deadline:
            raise RuntimeError(f"central did not catch up with every hall: {heads}")
        time.sleep(0.5)


def _level(city: City, site: HallSite) -> int | None:
    """The hall's last seq when central has acked all of it, else None."""
    try:
        head = httpx.get(f"{site.url}/api/v1/health", timeout=5).json()["last_seq"]
        acked = httpx.get(f"{city.central_url}/api/v1/halls/{site.hall_id}/sync",
                          headers=_bearer(city.central_admin), timeout=5).json()["acked"]
    except (httpx.HTTPError, KeyError, ValueError):
        return None
    return int(head) if head == acked else None


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _all_events(url: str, token: str) -> list[dict]:
    events: list[dict] = []
    while True:
        page = httpx.get(url, params={"after": events[-1]["seq"] if events else 0,
                                      "limit": 10_000}, headers=_bearer(token), timeout=30)
        page.raise_for_status()
        found = page.json()["events"]
        if not found:
            return events
        events += found


def check_hall(city: City, index: int, ledger: Ledger) -> dict[str, Any]:
    """The invariants at one hall and at central for it."""
    site = city.halls[index]
    hall = _all_events(f"{site.url}/api/v1/events", site.admin)
    central = _all_events(f"{city.central_url}/api/v1/halls/{site.hall_id}/events",
                          city.central_admin)
    same = [(e["seq"], e["kind"], e["data"]) for e in central] == \
        [(e["seq"], e["kind"], e["data"]) for e in hall]
    at_hall = Counter((e["kind"], e["data"].get("ticket")) for e in hall)
    at_central = Counter((e["kind"], e["data"].get("ticket")) for e in central)
    acked = [(op, t) for h, op, t in ledger.acked if h == site.hall_id]
    not_once_hall = [(op, t) for op, t in acked if at_hall[(OP_KIND[op], t)] != 1]
    not_once_central = [(op, t) for op, t in acked if at_central[(OP_KIND[op], t)] != 1]
    called = Counter(e["data"]["ticket"] for e in hall if e["kind"] == "ticket.called")
    numbers = Counter(e["data"]["number"] for e in hall if e["kind"] == "ticket.issued")
    issued = {e["data"]["ticket"]: e["data"]["number"] for e in hall
              if e["kind"] == "ticket.issued"}
    wrong_numbers = [t for h, t, n in ledger.numbers if h == site.hall_id and issued.get(t) != n]
    return {
        "hall": site.hall_id, "events": len(hall), "central_events": len(central),
        "tickets": len(issued), "acked_operations": len(acked),
        "invariants": {
            "central holds exactly the hall's log": same,
            "every acknowledged operation at the hall exactly once": not not_once_hall,
            "every acknowledged operation at central exactly once": not not_once_central,
            "no ticket called twice": max(called.values(), default=0) <= 1,
            "no number given twice": max(numbers.values(), default=0) <= 1,
            "every acknowledged number as issued": not wrong_numbers},
        "examples": {"not_once_hall": not_once_hall[:5], "not_once_central":
                     not_once_central[:5], "called_twice": [t for t, n in called.items()
                                                            if n > 1][:5],
                     "wrong_numbers": wrong_numbers[:5]},
    }


def memory(rss: dict[str, list[tuple[float, int]]], wall_s: float, speed: float,
           bound: float) -> dict[str, Any]:
    """Each process's median RSS in the first and last hour of the day (or third of a shorter
    run) and its growth."""
    span = min(3600 / speed, wall_s / 3)
    table = {}
    for name, samples in rss.items():
        first = [kb for t, kb in samples if t <= span]
        last = [kb for t, kb in samples if t >= wall_s - span]
        if not first or not last:
            continue
        a, b = statistics.median(first), statistics.median(last)
        table[name] = {"first_mb": round(a / 1024, 1), "last_mb": round(b / 1024, 1),
                       "max_mb": round(max(kb for _, kb in samples) / 1024, 1),
                       "growth": round(b / a - 1, 3), "flat": b / a - 1 <= bound}
    return {"window_s": round(span, 1), "bound": bound, "processes": table}


def machine() -> dict[str, Any]:
    """Where the run was."""
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in
                     Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "system": platform.platform()}


def print_table(report: dict[str, Any]) -> None:
    """The report in a few lines."""
    run = report["run"]
    print(f"\nsoak: {run['sim_minutes']} min of the day at {report['args']['speed']}x in "
          f"{run['wall_s']:.0f} s; outage {run['outage_s']} s; kills "
          + ", ".join(f"{k} {v}" for k, v in report["kills"].items()))
    print(f"acknowledged: {dict(report['acked'])}")
    print(f"unanswered tries (retried): {dict(report['unacked'])}")
    for hall in report["halls"]:
        print(f"{hall['hall']}: {hall['tickets']} tickets, {hall['events']} events "
              f"(central {hall['central_events']}), {hall['acked_operations']} acknowledged")
        for name, ok in hall["invariants"].items():
            print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    print(f"memory (median RSS, first vs last {report['memory']['window_s']} s; flat <= "
          f"{report['memory']['bound']:.0%}):")
    for name, m in report["memory"]["processes"].items():
        print(f"  {'ok  ' if m['flat'] else 'FAIL'} {name:<20} {m['first_mb']:>7} MB -> "
              f"{m['last_mb']:>7} MB ({m['growth']:+.1%}, max {m['max_mb']} MB)")
    print("result:", "PASS" if report["passed"] else "FAIL")


def main(argv: list[str] | None = None) -> int:
    """Run the soak; 0 when every invariant holds, 1 otherwise."""
    args = parse_args(argv)
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="hallq-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.now().astimezone()
    city = start_city(work, HALLS)
    ledger = Ledger()
    try:
        run = run_day(city, args, ledger)
        for proc in city.procs():
            if proc.popen is None or proc.popen.poll() is not None:
                proc.start()
        heads = drain(city)
        halls = [check_hall(city, i, ledger) for i in range(len(city.halls))]
    finally:
        city.close()
    mem = memory(run.pop("rss"), run["wall_s"], args.speed, args.rss_bound)
    passed = all(all(h["invariants"].values()) for h in halls) and \
        all(m["flat"] for m in mem["processes"].values())
    report = {"date": started.isoformat(timespec="seconds"), "machine": machine(),
              "args": vars(args), "run": run, "heads": heads, "passed": passed,
              "kills": {p.name: p.kills for p in city.procs()},
              "acked": Counter(op for _, op, _ in ledger.acked),
              "unacked": ledger.unacked,
              "refused": {f"{op}:{code}": n for (op, code), n in ledger.refused.items()},
              "halls": halls, "memory": mem}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print_table(report)
    print(f"report: {args.out}; processes' logs in {work}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
