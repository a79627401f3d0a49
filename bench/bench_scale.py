"""Benchmark of issue 21 (a): taking numbers only, closed loop, while the line grows from 0 to
60,000 waiting — does issuing cost the same with 20 or 20,000 waiting?

Run: ``.venv/bin/python -m bench.bench_scale [--tickets 60000] [--clients 1,50,200]
[--paced 200@2000] [--calls 50] [--no-fast-path]``. For each client count a fresh ``hallq hall``
process (``synchronous=FULL``:
each ticket acknowledged once on disk; 10 windows open, none calling, so every ticket stays in
line) and that many keep-alive clients (``bench/http_load.py``) taking numbers for three themes
as fast as they are answered, until ``--tickets`` were issued. Reported: the whole run's rate
and latency, and the rate and p99 over the first and the last tenth of the tickets (the line
then 0–6,000 and 54,000–60,000 long); then the store is checked for repeated numbers.

``--paced CLIENTS@RATE`` adds a row where the clients together take numbers at RATE a second
(latency measured from when each request was due, so a stall cannot hide), the line growing
as before. ``--calls WINDOWS`` adds the calls-only row: ``--tickets`` numbers taken first,
then that many windows call the next citizen and finish, as fast as they are answered, until
the line is empty; a ticket called twice is counted as a double call.

Anchor (issue 21, measured side by side on this 2-core machine by an earlier session, one
closed-loop generator, runs alternated): FQM (gunicorn with 2 sync workers, Redis, SQLite)
created 105.8 tickets/s at 1 client (p99 12.9 ms), 141.5/s at 50 (p99 646 ms), 139.3/s at 200
(p99 2,340 ms) and 28–45/s at 50 clients with 50,000 old tickets; hallq then 611, 781, 790 and
321–777/s, falling from ~2,000/s to 350–450/s as 15,000 came to wait. Targets: ≥ 2,800/s at 50
clients, ≥ 2,000/s at 200 with p99 < 100 ms closed loop and < 20 ms paced at 2,000/s, the last
tenth within 10 % of the first; calls ≥ 4,000/s at 50 windows (FQM: 128–191 req/s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from bench.bench_hall import Pacer, bench_config, free_port, open_windows, start_node
from bench.http_load import Connection, now, percentile, run
from hall.store import Store

WINDOWS = 10


async def take_numbers(port: int, token: str, clients: int, tickets: int, rate: float = 0.0
                       ) -> tuple[list[tuple[float, float]], dict[int, int], float]:
    """``clients`` connections taking numbers until ``tickets`` are issued, ``rate`` a second
    all together (0: as fast as answered): (answer time, latency) of each issued ticket in
    the order answered, the statuses, the start time."""
    connections = [Connection("127.0.0.1", port, token) for _ in range(clients)]
    await asyncio.gather(*(conn.open() for conn in connections))
    answered: list[tuple[float, float]] = []
    statuses: dict[int, int] = {}
    sent = 0

    interval = clients / rate if rate else 0.0

    async def client(conn: Connection, index: int) -> None:
        nonlocal sent
        body = {"service": "ABC"[index % 3]}
        pacer = Pacer(interval, interval * index / clients)
        try:
            while sent < tickets:
                sent += 1
                start = await pacer.wait()
                status, _ = await conn.request("POST", "/api/v1/tickets", body)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    end = now()
                    answered.append((end, end - start))
        finally:
            await conn.close()
    started = now()
    await asyncio.gather(*(client(conn, i) for i, conn in enumerate(connections)))
    return answered, statuses, started


def tenth_figures(answered: list[tuple[float, float]], started: float) -> dict[str, float]:
    """Rate and p99 of the whole run and of its first and last tenth of tickets."""
    tenth = max(1, len(answered) // 10)
    first, last = answered[:tenth], answered[-tenth:]
    last_start = answered[-tenth - 1][0] if len(answered) > tenth else started
    return {
        "rate": len(answered) / (answered[-1][0] - started),
        "p50_ms": percentile([a[1] for a in answered], 0.5) * 1000,
        "p99_ms": percentile([a[1] for a in answered], 0.99) * 1000,
        "first_rate": len(first) / (first[-1][0] - started),
        "first_p99_ms": percentile([a[1] for a in first], 0.99) * 1000,
        "last_rate": len(last) / (last[-1][0] - last_start),
        "last_p99_ms": percentile([a[1] for a in last], 0.99) * 1000,
    }


def repeated_numbers(database: Path) -> tuple[int, int]:
    """(tickets, tickets whose number another ticket of the day also has) in the store."""
    with sqlite3.connect(database) as conn:
        total, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT day || number) FROM tickets").fetchone()
    return total, total - distinct


async def call_until_empty(port: int, token: str, windows: int
                           ) -> tuple[list[float], dict[int, int], float, int]:
    """``windows`` desks each calling the next citizen and finishing, until nobody waits:
    the latency of each call answered 200, the statuses, the seconds taken, double calls."""
    connections = [Connection("127.0.0.1", port, token) for _ in range(windows)]
    await asyncio.gather(*(conn.open() for conn in connections))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    called: set[str] = set()
    double_calls = 0

    async def desk(conn: Connection, window: int) -> None:
        nonlocal double_calls
        base = f"/api/v1/windows/{window}"
        try:
            while True:
                start = now()
                status, data = await conn.request("POST", f"{base}/call")
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    return          # 204: nobody waits any more
                latencies.append(now() - start)
                ticket = json.loads(data)["id"]
                double_calls += ticket in called
                called.add(ticket)
                await conn.request("POST", f"{base}/finish")
        finally:
            await conn.close()
    started = now()
    await asyncio.gather(*(desk(conn, n) for n, conn in enumerate(connections, start=1)))
    return latencies, statuses, now() - started, double_calls


class Node:
    """A fresh ``hallq hall`` process with ``windows`` open windows, for one row."""

    def __init__(self, workdir: Path, name: str, windows: int, fast_path: bool) -> None:
        self.data_dir = workdir / f"data-{name}"
        self.data_dir.mkdir(parents=True)
        config = workdir / f"bench_scale-{name}.toml"
        bench_config(config, windows)
        store = Store(self.data_dir / "hall.sqlite3")
        self.token = store.pair("admin", "bench")
        store.close()
        self.port = free_port()
        self.proc = start_node(config, self.data_dir, self.port, fast_path)
        open_windows(self.port, self.token, windows)

    def stop(self) -> None:
        """Stop the node (SIGINT, as systemd would)."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def repeated(self) -> tuple[int, int]:
        """See :func:`repeated_numbers`."""
        return repeated_numbers(self.data_dir / "hall.sqlite3")


def measure(clients: int, tickets: int, workdir: Path, fast_path: bool, rate: float = 0.0
            ) -> dict:
    """One fresh node, ``clients`` clients, ``tickets`` numbers taken (``rate`` a second)."""
    node = Node(workdir, f"{clients}-{rate:.0f}", WINDOWS, fast_path)
    try:
        answered, statuses, started = run(take_numbers(node.port, node.token, clients,
                                                       tickets, rate))
    finally:
        node.stop()
    row = {"clients": clients, "offered": rate, "tickets": len(answered), "statuses": statuses,
           **tenth_figures(answered, started)}
    row["stored"], row["repeated"] = node.repeated()
    return row


def measure_calls(windows: int, tickets: int, workdir: Path, fast_path: bool) -> dict:
    """One fresh node: ``tickets`` numbers taken by 50 clients, then ``windows`` desks call
    and finish until the line is empty."""
    node = Node(workdir, f"calls-{windows}", windows, fast_path)
    try:
        run(take_numbers(node.port, node.token, 50, tickets))
        latencies, statuses, seconds, double_calls = run(
            call_until_empty(node.port, node.token, windows))
    finally:
        node.stop()
    return {"windows": windows, "calls": len(latencies), "calls_s": len(latencies) / seconds,
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000, "statuses": statuses,
            "double_calls": double_calls}


def main() -> None:
    """Print the table of figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=60_000, help="numbers taken per run")
    parser.add_argument("--clients", default="1,50,200", help="client counts")
    parser.add_argument("--paced", default="", metavar="CLIENTS@RATE",
                        help="add a paced row, e.g. 200@2000")
    parser.add_argument("--calls", type=int, default=0, metavar="WINDOWS",
                        help="add the calls-only row with this many windows, e.g. 50")
    parser.add_argument("--no-fast-path", dest="fast_path", action="store_false",
                        help="serve every request through FastAPI (no hall/fastpath.py)")
    args = parser.parse_args()
    print(f"create-only benchmark on {os.cpu_count()} cores, {args.tickets:,} tickets per run"
          f"{'' if args.fast_path else ', without the fast path'}; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for clients in (int(c) for c in args.clients.split(",")):
            row = measure(clients, args.tickets, Path(tmp), args.fast_path)
            rows.append(row)
            print_row(row)
        if args.paced:
            clients, _, rate = args.paced.partition("@")
            row = measure(int(clients), args.tickets, Path(tmp), args.fast_path, float(rate))
            rows.append(row)
            print_row(row)
        calls = measure_calls(args.calls, args.tickets, Path(tmp), args.fast_path) \
            if args.calls else None
    print()
    print("| clients | offered | tickets/s (whole run) | p50 ms | p99 ms | first tenth /s (p99 ms) "
          "| last tenth /s (p99 ms) | last / first | repeated numbers |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        offered = f"{row['offered']:,.0f}/s" if row["offered"] else "closed loop"
        print(f"| {row['clients']} | {offered} | {row['rate']:,.0f} | {row['p50_ms']:.1f} | "
              f"{row['p99_ms']:.1f} | {row['first_rate']:,.0f} ({row['first_p99_ms']:.1f}) | "
              f"{row['last_rate']:,.0f} ({row['last_p99_ms']:.1f}) | "
              f"{row['last_rate'] / row['first_rate']:.2f} | {row['repeated']} |")
    if calls:
        print()
        print("| windows | calls | calls/s | p50 ms | p99 ms | double calls | statuses |")
        print("|---:|---:|---:|---:|---:|---:|---|")
        print(f"| {calls['windows']} | {calls['calls']:,} | {calls['calls_s']:,.0f} | "
              f"{calls['p50_ms']:.1f} | {calls['p99_ms']:.1f} | {calls['double_calls']} | "
              f"{calls['statuses']} |")


def print_row(row: dict) -> None:
    """One create-only row as it finishes."""
    paced = f" at {row['offered']:,.0f}/s offered" if row["offered"] else ""
    print(f"  clients={row['clients']:>3}{paced}: {row['rate']:7.0f}/s  p50 {row['p50_ms']:6.1f} "
          f"ms  p99 {row['p99_ms']:6.1f} ms · first tenth {row['first_rate']:6.0f}/s "
          f"(p99 {row['first_p99_ms']:.1f} ms) · last tenth {row['last_rate']:6.0f}/s "
          f"(p99 {row['last_p99_ms']:.1f} ms) · {row['statuses']} · stored "
          f"{row['stored']:,}, repeated numbers {row['repeated']} · load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
