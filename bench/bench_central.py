"""Benchmark of the central platform (issue 5): ingest into PostgreSQL with 100 simulated halls
pushing at once, and the end-to-end lag from a hall's commit to central's commit at that load.

Run: ``.venv/bin/python -m bench.bench_central [--halls 100] [--events 3000] [--rate 20000]``.

Set-up: a throwaway PostgreSQL 15 cluster with its durable defaults (fsync, synchronous_commit
on), central as a real ``python -m central`` process (``--workers``), and in this process
one keep-alive connection per hall. The halls' events come from the real queue engine
(``tests/helpers/simulated_hall.py``). Each pushed batch is the agent's protocol:
``POST /halls/{id}/events``, one transaction with the events, the live projections and the
ticket facts.

1. Ingest: every hall pushes ``--events`` events in batches of ``--batch`` as fast as central
   answers; events/s = all events / wall time. Central's row count is checked afterwards.
2. Lag: every hall commits events at ``--rate``/halls per second for ``--seconds``; its agent
   loop behaves as the sync agent does: once an event is committed it waits ``--linger`` for
   more to gather, then pushes what is committed and not yet sent (at most one batch), and
   goes on when central answers. Lag = time central's answer arrived − time the hall committed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

import psycopg

from bench.http_load import Connection, percentile
from central.auth import create_credential
from central.db import open_database
from tests.helpers.central import CentralProcess, PgCluster
from tests.helpers.simulated_hall import SimulatedHall

TEMPLATES = 4


def templates(events: int) -> list[list[dict[str, Any]]]:
    """A few hall logs from the real engine, reused by every simulated hall."""
    return [SimulatedHall(f"T{i}", seed=i).next_events(events)[:events]
            for i in range(TEMPLATES)]


def credentials(url: str, halls: list[str]) -> dict[str, str]:
    """A credential per hall."""
    db = open_database(url)
    try:
        return {hall: create_credential(db, "hall", hall) for hall in halls}
    finally:
        db.close()


async def connect(port: int, tokens: dict[str, str]) -> dict[str, Connection]:
    """One open keep-alive connection per hall."""
    connections = {hall: Connection("127.0.0.1", port, token) for hall, token in tokens.items()}
    await asyncio.gather(*(c.open() for c in connections.values()))
    return connections


def encode(log: list[dict[str, Any]]) -> list[bytes]:
    """Each event as JSON, once: a hall's agent encodes on the hall's machine, not central's,
    so the load generator should not spend the benchmark's CPU doing it again and again."""
    return [json.dumps(event).encode() for event in log]


async def push(conn: Connection, hall: str, batch: list[bytes]) -> dict[str, Any]:
    """POST one batch of encoded events; central's answer (raises on a refusal)."""
    assert conn.reader is not None and conn.writer is not None
    payload = b'{"events":[' + b",".join(batch) + b"]}"
    conn.writer.write(
        f"POST /api/v1/halls/{hall}/events HTTP/1.1\r\nHost: central\r\n"
        f"Authorization: Bearer {conn.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
    status = int((await conn.reader.readline()).split()[1])
    length = 0
    while (line := await conn.reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    body = await conn.reader.readexactly(length)
    if status != 200:
        raise RuntimeError(f"push refused: {status} {body[:200]!r}")
    return json.loads(body)


async def ingest_phase(port: int, tokens: dict[str, str], logs: list[list[bytes]],
                       batch: int) -> float:
    """Every hall pushes its whole log; returns the wall time."""
    connections = await connect(port, tokens)

    async def hall_pushes(index: int, hall: str) -> None:
        log = logs[index % len(logs)]
        for start in range(0, len(log), batch):
            answer = await push(connections[hall], hall, log[start:start + batch])
            assert answer["acked"] == min(len(log), start + batch), answer

    started = time.perf_counter()
    await asyncio.gather(*(hall_pushes(i, h) for i, h in enumerate(tokens)))
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(c.close() for c in connections.values()))
    return elapsed


async def lag_phase(port: int, tokens: dict[str, str], logs: list[list[bytes]], rate: float,
                    seconds: float, batch: int, linger: float) -> tuple[list[float], int, float]:
    """Halls commit at ``rate`` events/s in all; returns (lags, events, wall time)."""
    connections = await connect(port, tokens)
    per_hall = rate / len(tokens)
    lags: list[float] = []
    total = 0
    started = time.perf_counter() + 0.2
    stop_at = started + seconds

    async def hall_agent(index: int, hall: str) -> None:
        nonlocal total
        log = logs[index % len(logs)]
        offset = index / rate  # halls commit interleaved, not in lock step
        committed_at = [started + offset + i / per_hall for i in range(len(log))]
        sent = 0
        while True:
            now = time.perf_counter()
            if sent < len(committed_at) and committed_at[sent] > stop_at:
                break
            if sent >= len(log):
                break
            if committed_at[sent] + linger > now:  # wait for the first event, then linger
                await asyncio.sleep(committed_at[sent] + linger - now)
                now = time.perf_counter()
            ready = sent
            while ready < len(log) and ready - sent < batch and committed_at[ready] <= now:
                ready += 1
            await push(connections[hall], hall, log[sent:ready])
            answered = time.perf_counter()
            lags.extend(answered - committed_at[i] for i in range(sent, ready))
            total += ready - sent
            sent = ready

    await asyncio.gather(*(hall_agent(i, h) for i, h in enumerate(tokens)))
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(c.close() for c in connections.values()))
    return lags, total, elapsed


def cpu_seconds(root: int) -> float:
    """CPU seconds used so far by process ``root`` and its live descendants."""
    ticks, parents = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(name)] = int(fields[1])
        ticks[int(name)] = int(fields[11]) + int(fields[12])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(ticks.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by PostgreSQL, by central and by this client during a phase."""

    def __init__(self, postmaster: int, central: int) -> None:
        self.roots = {"postgres": postmaster, "central": central}

    def _now(self) -> dict[str, float]:
        times = os.times()
        return {**{name: cpu_seconds(pid) for name, pid in self.roots.items()},
                "client": times.user + times.system}

    def __enter__(self) -> CpuMeter:
        self.start = self._now()
        return self

    def __exit__(self, *exc: object) -> None:
        end = self._now()
        self.used = {name: end[name] - self.start[name] for name in end}

    def per_event(self, events: int) -> str:
        """CPU microseconds per event of each part."""
        return ", ".join(f"{name} {used / events * 1e6:.0f}" for name, used in self.used.items())


def count_rows(url: str) -> int:
    """Events central holds."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM events").fetchone()
    return int(row[0]) if row else 0


def main(argv: list[str] | None = None) -> int:
    """Run both phases and print events/s and p50/p99 lag."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halls", type=int, default=100)
    parser.add_argument("--events", type=int, default=3000, help="events per hall (phase 1)")
    parser.add_argument("--batch", type=int, default=1000, help="events per push")
    parser.add_argument("--rate", type=float, default=20000, help="events/s offered (phase 2)")
    parser.add_argument("--seconds", type=float, default=15, help="length of phase 2")
    parser.add_argument("--workers", type=int, default=2, help="central worker processes")
    parser.add_argument("--linger", type=float, default=0.5,
                        help="the agent's wait for a batch to gather (s), as AgentConfig")
    args = parser.parse_args(argv)

    per_hall_lag = int(args.rate / args.halls * args.seconds) + 10
    print(f"generating hall logs from the queue engine ({TEMPLATES} x "
          f"{max(args.events, per_hall_lag)} events)…", flush=True)
    logs = [encode(log) for log in templates(max(args.events, per_hall_lag))]
    cluster = PgCluster(durable=True).start()
    try:
        url = cluster.create_database("central_bench")
        halls = [f"BENCH-{i:03d}" for i in range(args.halls)]
        tokens = credentials(url, halls + [f"LAG-{i:03d}" for i in range(args.halls)])
        central = CentralProcess(url, workers=args.workers,
                                 data_key_file=cluster.dir / "central-data.key").start()
        try:
            ingest_tokens = {h: tokens[h] for h in halls}
            with CpuMeter(cluster.postmaster_pid(), central.pid) as ingest_cpu:
                elapsed = asyncio.run(ingest_phase(central.port, ingest_tokens,
                                                   [log[:args.events] for log in logs],
                                                   args.batch))
            events = args.halls * args.events
            stored = count_rows(url)
            lag_tokens = {h: t for h, t in tokens.items() if h.startswith("LAG-")}
            with CpuMeter(cluster.postmaster_pid(), central.pid) as lag_cpu:
                lags, pushed, lag_elapsed = asyncio.run(lag_phase(
                    central.port, lag_tokens, logs, args.rate, args.seconds, args.batch,
                    args.linger))
        finally:
            central.stop()
    finally:
        cluster.stop()
    print(f"central ingest into PostgreSQL 15 (fsync on), {args.halls} halls at once, "
          f"{args.workers} API workers, batches of {args.batch}:")
    print(f"  {events} events in {elapsed:.2f} s = {events / elapsed:,.0f} events/s "
          f"(stored: {stored}{' OK' if stored == events else ' MISMATCH'})")
    print(f"  CPU µs per event: {ingest_cpu.per_event(events)}")
    print(f"end-to-end lag, hall commit -> central commit, {args.rate:,.0f} events/s offered "
          f"for {args.seconds:.0f} s, agents lingering {args.linger * 1000:.0f} ms "
          f"({pushed / lag_elapsed:,.0f} events/s ingested):")
    p50, p99 = percentile(lags, 0.5), percentile(lags, 0.99)
    print(f"  p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms "
          f"over {len(lags)} events")
    print(f"  CPU µs per event: {lag_cpu.per_event(pushed)}")
    ok = stored == events and events / elapsed >= 20_000 and p99 < 2.0
    print("target (>= 20,000 events/s, p99 lag < 2 s):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
