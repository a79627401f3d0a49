"""Benchmark of the hall node (issue 2): durable ticket operations per second and p50/p99
latency at 50 and 200 concurrent HTTP clients, a mix of issuing, calling and finishing (each
client is a window desk: issue, call, finish), on an empty store and on one holding 1,000,000
finished tickets of history.

Run: ``.venv/bin/python -m bench.bench_hall [--seconds 15] [--history 1000000]``.
A durable operation is an acknowledged state change (201 issue, 200 call or finish); the node
runs as a real ``hallq hall`` process with ``synchronous=FULL`` (each acknowledgement is on disk).
``--no-fast-path`` serves it without ``hall/fastpath.py`` (every request through FastAPI) and
``--paced-only`` skips the closed-loop rows, e.g. the row the target is set for, both ways:
``--history 0 --clients 200 --paced-only [--no-fast-path]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.http_load import Connection, Tally, now, percentile, run
from hall.events import EventKind
from hall.store import Store

BENCH_HALL = """
[hall]
id = "BENCH"
name_zh = "基准测试大厅"
name_en = "Benchmark hall"
[hours]
open_all_day = true
[rules]
elderly_age = 65
{themes}
{windows}
"""


def bench_config(path: Path, windows: int) -> None:
    """A hall with three themes and ``windows`` windows serving all of them."""
    themes = "\n".join(
        f'[[themes]]\nprefix = "{p}"\nname_zh = "主题{p}"\ndaily_quota = 0\n'
        f"per_id_daily_limit = 0\nmean_service_min = 10\n" for p in "ABC")
    wins = "\n".join(f'[[windows]]\nnumber = "{n}"\nskills = ["A", "B", "C"]\n'
                     for n in range(1, windows + 1))
    path.write_text(BENCH_HALL.format(themes=themes, windows=wins))


def seed_history(data_dir: Path, tickets: int) -> None:
    """Write ``tickets`` finished tickets of past days, with their events, straight to the store."""
    store = Store(data_dir / "hall.sqlite3")
    conn = store.db.conn
    per_day = 10_000
    base = time.time() - 400 * 86400
    with store.atomic():
        batch_t, batch_e, seq = [], [], store.last_seq
        for i in range(tickets):
            day_index, n = divmod(i, per_day)
            day = time.strftime("%Y-%m-%d", time.gmtime(base + day_index * 86400))
            issued = base + day_index * 86400 + n
            number = f"{'ABC'[n % 3]}{n // 3 + 1:04d}"
            tid = f"{day.replace('-', '')}-{number}"
            batch_t.append((tid, day, number, number[0], None, "kiosk", issued, issued,
                            "finished", 0, 0, issued + 300, issued + 900, 1, 4))
            for kind in (EventKind.TICKET_ISSUED, EventKind.TICKET_CALLED,
                         EventKind.TICKET_FINISHED):
                seq += 1
                batch_e.append((seq, issued, kind, f'{{"ticket": "{tid}"}}'))
            if len(batch_t) >= 50_000:
                _flush(conn, batch_t, batch_e)
                batch_t, batch_e = [], []
        _flush(conn, batch_t, batch_e)
    store.close()


def _flush(conn, tickets: list, events: list) -> None:  # type: ignore[no-untyped-def]
    conn.executemany(
        "INSERT INTO tickets (id, day, number, theme, item, channel, issued_at, sort_key, status,"
        " green, elderly, called_at, finished_at, recalls, rating) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", tickets)
    conn.executemany("INSERT INTO events (seq, ts, kind, data) VALUES (?,?,?,?)", events)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: ``hallq hall`` as it serves a node, but without the fast path (``--no-fast-path``).
SERVE_WITHOUT_FAST_PATH = """
import sys
from pathlib import Path
from hall.config import load_config
from hall.node import HallNode
from hall.server import HallServer
config, data_dir, port = sys.argv[1:4]
HallServer(HallNode(load_config(config), Path(data_dir)), host="127.0.0.1", port=int(port),
           advertise=False, fast_path=False).serve()
"""


def start_node(config: Path, data_dir: Path, port: int, fast_path: bool = True
               ) -> subprocess.Popen:
    """Start ``hallq hall`` (or the same without the fast path) and wait until it answers."""
    command = ([sys.executable, "-m", "hallq", "hall", "--config", str(config), "--data-dir",
                str(data_dir), "--port", str(port), "--bind", "127.0.0.1", "--no-advertise"]
               if fast_path else
               [sys.executable, "-c", SERVE_WITHOUT_FAST_PATH, str(config), str(data_dir),
                str(port)])
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the hall node did not start")


class Pacer:
    """When a client's next request is due: at once (saturation), or every ``interval`` s.

    Paced latencies are measured from when the request was due, not when it was sent, so a
    slow server cannot hide its queueing (no coordinated omission).
    """

    def __init__(self, interval: float, offset: float) -> None:
        self.interval = interval
        self.due = now() + offset

    async def wait(self) -> float:
        """Sleep until the next request is due; return when it was due."""
        if self.interval <= 0:
            return now()
        due = self.due
        self.due += self.interval
        delay = due - now()
        if delay > 0:
            await asyncio.sleep(delay)
        return due


async def timed(conn: Connection, pacer: Pacer, tally: Tally, method: str, path: str,
                ok: int, body: dict | None = None) -> int:
    """One request, counted as a durable operation when it answers ``ok``."""
    start = await pacer.wait()
    status, _ = await conn.request(method, path, body)
    tally.add(status, now() - start, status == ok)
    return status


async def client_loop(conn: Connection, window: int, until: float, tally: Tally,
                      pacer: Pacer) -> None:
    """A desk: take a number for a theme, call the next citizen, finish — over and over.

    Issuing and calling stay in balance, so the line stays as long as a busy hall's
    (about one person per window) instead of growing without end.
    """
    try:
        while now() < until:
            await timed(conn, pacer, tally, "POST", "/api/v1/tickets", 201,
                        {"service": "ABC"[window % 3]})
            path = f"/api/v1/windows/{window}/call"
            if await timed(conn, pacer, tally, "POST", path, 200) == 200:
                await timed(conn, pacer, tally, "POST", f"/api/v1/windows/{window}/finish", 200)
    finally:
        await conn.close()


async def run_load(port: int, token: str, clients: int, seconds: float,
                   rate: float = 0.0) -> dict:
    """``clients`` connections for ``seconds``, each a window desk of its own; all together
    they send ``rate`` requests a second, or as many as they can when ``rate`` is 0."""
    tally = Tally()
    connections = [Connection("127.0.0.1", port, token) for _ in range(clients)]
    # Every desk is connected before the clock starts, as consoles are long before a busy
    # hour: the figures are of the steady load, not of 200 TCP handshakes at once.
    await asyncio.gather(*(conn.open() for conn in connections))
    until = now() + seconds
    started = now()
    interval = clients / rate if rate else 0.0
    await asyncio.gather(*(
        client_loop(conn, i + 1, until, tally, Pacer(interval, interval * i / clients))
        for i, conn in enumerate(connections)))
    elapsed = now() - started
    return {"clients": clients, "rate": rate, "ops": len(tally.ok),
            "ops_s": len(tally.ok) / elapsed,
            "p50_ms": percentile(tally.ok, 0.50) * 1000,
            "p99_ms": percentile(tally.ok, 0.99) * 1000, "statuses": tally.statuses}


def open_windows(port: int, token: str, windows: int) -> None:
    """Open every window of the bench hall."""
    async def go() -> None:
        conn = Connection("127.0.0.1", port, token)
        await conn.open()
        for n in range(1, windows + 1):
            await conn.request("POST", f"/api/v1/windows/{n}/open")
        await conn.close()
    asyncio.run(go())


def measure(history: int, seconds: float, client_counts: list[int], workdir: Path,
            rate: float, fast_path: bool = True, paced_only: bool = False) -> list[dict]:
    """Run the load at each client count against a node holding ``history`` old tickets:
    closed-loop (unless ``paced_only``), then paced at ``rate``."""
    windows = max(client_counts)
    data_dir = workdir / f"data-{history}"
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "bench_hall.toml"
    bench_config(config, windows)
    cached = Path(tempfile.gettempdir()) / f"hallq-bench-history-{history}.sqlite3"
    data_dir.mkdir(parents=True)

    if history:
        if not cached.exists():
            print(f"seeding {history:,} finished tickets (cached in {cached}) …", flush=True)
            seed_dir = workdir / "seed"
            seed_dir.mkdir()
            seed_history(seed_dir, history)
            shutil.copy(seed_dir / "hall.sqlite3", cached)
        shutil.copy(cached, data_dir / "hall.sqlite3")
    store = Store(data_dir / "hall.sqlite3")
    token = store.pair("admin", "bench")
    store.close()
    port = free_port()
    proc = start_node(config, data_dir, port, fast_path)
    rows = []
    try:
        open_windows(port, token, windows)
        for clients in client_counts:
            for offered in (rate,) if paced_only else (0.0, rate):
                result = run(run_load(port, token, clients, seconds, offered))
                result["history"] = history
                rows.append(result)
                load = f"{offered:,.0f}/s" if offered else "max"
                print(f"  history={history:>9,} clients={clients:>3} offered={load:>8}: "
                      f"{result['ops_s']:8.0f} ops/s  p50 {result['p50_ms']:6.2f} ms  "
                      f"p99 {result['p99_ms']:6.2f} ms  {result['statuses']}", flush=True)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return rows


def main() -> None:
    """Print the table of figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per run")
    parser.add_argument("--history", type=int, default=1_000_000,
                        help="finished tickets of history in the second store")
    parser.add_argument("--clients", default="50,200", help="client counts")
    parser.add_argument("--rate", type=float, default=2000.0,
                        help="offered requests/s of the paced runs (all clients together)")
    parser.add_argument("--no-fast-path", dest="fast_path", action="store_false",
                        help="serve every request through FastAPI (no hall/fastpath.py)")
    parser.add_argument("--paced-only", action="store_true",
                        help="only the paced runs, not the closed-loop ones")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    print(f"hall node benchmark on {os.cpu_count()} cores, {args.seconds:.0f} s per run"
          f"{'' if args.fast_path else ', without the fast path'}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(0, args.seconds, counts, Path(tmp) / "empty", args.rate,
                       args.fast_path, args.paced_only)
        if args.history:
            rows += measure(args.history, args.seconds, counts, Path(tmp) / "history",
                            args.rate, args.fast_path, args.paced_only)
    print()
    print("| history (finished tickets) | clients | offered load | durable ops/s | p50 ms "
          "| p99 ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        load = f"{row['rate']:,.0f} req/s" if row["rate"] else "as fast as possible"
        print(f"| {row['history']:,} | {row['clients']} | {load} | {row['ops_s']:,.0f} | "
              f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} |")


if __name__ == "__main__":
    main()
