"""Benchmark of central's public phone pages (issue 17): central follows 20,000 open pages at
once, spread over 200 halls, and a call at a hall reaches the pages' connections at p99 < 1 s;
central's memory per open page.

Run: ``.venv/bin/python -m bench.bench_phone_pages [--halls 200] [--pages 100] [--calls 20]
[--seconds 20]``.

Set-up: a throwaway PostgreSQL cluster, central as a real ``python -m central`` process with
``--workers`` workers (a page may be served by any: each worker follows what another ingested
at once, by PostgreSQL NOTIFY, ``central/event_bell.py``), each hall's catalog and public link
key stored, and each hall's day pushed as its agent would (a window open and ``--pages``
tickets waiting). The load generator opens one real SSE connection (``GET
/p/<hall>/<token>/events``, raw sockets on asyncio) per ticket: ``--halls`` × ``--pages``
pages, each reading its chunked stream as a phone's browser would, spread over
``--readers`` processes (a process may hold at most ``ulimit -n`` sockets).

Then the halls call: ``--calls`` calls per second, city-wide, for ``--seconds``, each one hall's
agent pushing the ``ticket.called`` of its next ticket (``POST /halls/<hall>/events``, one
transaction in PostgreSQL). Latency = the moment the page's connection receives its new state
− the moment the push was sent; every page of that hall changes (one fewer ahead, or called).

Memory: central's resident set (VmRSS, its workers together) with no page open and with all
open, divided by the pages. Latencies are measured on CLOCK_MONOTONIC, which every process
shares.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import hashlib
import json
import multiprocessing
import random
import time
from datetime import datetime
from multiprocessing.connection import Connection
from zoneinfo import ZoneInfo

from bench.bench_central import CpuMeter, connect, credentials, push
from bench.http_load import percentile
from central.catalog import put_catalog
from central.db import open_database
from central.phone_page import PhoneKeys
from hall import links
from hall.events import EventKind
from tests.helpers.central import CentralProcess, PgCluster, hall_catalog

#: Source addresses the pages connect from (each has its own ephemeral ports).
SOURCES = [f"127.0.0.{i}" for i in range(2, 10)]


def rss_mb(root: int) -> float:
    """The resident set of a process and its children (central's workers), MB."""
    total = 0
    pids = [root] + [int(p) for p in open(f"/proc/{root}/task/{root}/children").read().split()]
    for pid in pids:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def clock() -> float:
    """Seconds on the clock every process shares."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def hall_key(hall: str) -> bytes:
    """The bench's public link key of a hall."""
    return hashlib.sha256(f"bench phone key {hall}".encode()).digest()


def day_events(hall: str, day: str, pages: int) -> list[dict]:
    """A hall's morning as its agent pushes it: window 1 open, ``pages`` tickets waiting."""
    now = time.time()
    events: list[dict] = [{"kind": EventKind.WINDOW_OPENED, "ts": now - 3600,
                           "data": {"window": "1", "staff_id": None}}]
    for n in range(1, pages + 1):
        events.append({"kind": EventKind.TICKET_ISSUED, "ts": now - 3000 + n, "data": {
            "ticket": f"{day}-A{n:03d}", "number": f"A{n:03d}", "theme": "A", "item": "A01",
            "channel": "kiosk", "elderly": False, "appointment": None, "ahead": n - 1,
            "expected_wait_s": 600 * n}})
    return [{**event, "seq": i + 1} for i, event in enumerate(events)]


class Page:
    """One phone page's SSE connection: when each ``state`` event arrived."""

    def __init__(self, hall: str, path: str) -> None:
        self.hall, self.path = hall, path
        self.arrivals: list[float] = []
        self.pings = 0
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self, port: int, source: str) -> None:
        """Connect, ask for the stream, read its headers and the first state."""
        reader, self.writer = await asyncio.open_connection("127.0.0.1", port,
                                                            local_addr=(source, 0))
        self.writer.write(f"GET {self.path}/events HTTP/1.1\r\nHost: central\r\n"
                          "Accept: text/event-stream\r\n\r\n".encode())
        status = (await reader.readline()).split()[1]
        if status != b"200":
            raise RuntimeError(f"page {self.path}: {status!r}")
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        self.reader = reader
        await self._one()

    async def _one(self) -> bool:
        assert self.reader is not None
        size = int((await self.reader.readline()).strip() or b"0", 16)
        if size == 0:
            return False
        chunk = await self.reader.readexactly(size + 2)
        if b"event: state" in chunk:
            self.arrivals.append(clock())
        else:
            self.pings += 1
        return True

    async def follow(self) -> None:
        """Read the stream until it ends or is closed."""
        try:
            while await self._one():
                pass
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass


async def open_pages(port: int, pages: list[Page], at_once: int = 250) -> float:
    """Open every page, ``at_once`` at a time; the seconds it took."""
    started = time.perf_counter()
    for start in range(0, len(pages), at_once):
        batch = pages[start:start + at_once]
        await asyncio.gather(*(page.open(port, SOURCES[(start + i) % len(SOURCES)])
                               for i, page in enumerate(batch)))
    return time.perf_counter() - started


def reader_main(port: int, paths: list[str], pipe: Connection) -> None:
    """A reader process: open the pages, say so, follow them until told to stop, then send
    back when each page's states arrived and how many pings came."""
    async def follow() -> None:
        pages = [Page("", path) for path in paths]
        opening = await open_pages(port, pages)
        readers = [asyncio.create_task(page.follow()) for page in pages]
        pipe.send(("open", opening))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)   # "stop"
        for page in pages:
            assert page.writer is not None
            page.writer.close()
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        pipe.send(([page.arrivals for page in pages], sum(page.pings for page in pages)))
    asyncio.run(follow())


def page_paths(halls: list[str], day: str, per_hall: int) -> list[str]:
    """Every page's path, hall by hall, its tickets in order."""
    return [f"/p/{hall}/{links.link_token(hall_key(hall), f'{day}-A{n:03d}')}"
            for hall in halls for n in range(1, per_hall + 1)]


async def calls(port: int, tokens: dict[str, str], day: str, per_hall: int,
                calls_per_s: float, seconds: float) -> list[tuple[float, str, int]]:
    """The halls call, each push one ``ticket.called``; (sent at, hall, ticket number) each."""
    halls = list(tokens)
    heads = {hall: per_hall + 1 for hall in halls}
    called = {hall: 0 for hall in halls}
    agents = {hall: asyncio.Lock() for hall in halls}   # an agent pushes one batch at a time
    sent: list[tuple[float, str, int]] = []
    pick = random.Random(17)

    async def call(hall: str, n: int) -> None:
        async with agents[hall]:
            heads[hall] += 1
            event = {"seq": heads[hall], "kind": EventKind.TICKET_CALLED, "ts": time.time(),
                     "data": {"ticket": f"{day}-A{n:03d}", "number": f"A{n:03d}",
                              "theme": "A", "window": "1", "waited_s": 60.0,
                              "expected_wait_s": 600}}
            sent.append((clock(), hall, n))
            # a connection of its own: an agent's idle keep-alive connection is closed by
            # central after a few seconds, and the agent's client connects again
            (connection,) = (await connect(port, {hall: tokens[hall]})).values()
            await push(connection, hall, [json.dumps(event).encode()])
            await connection.close()

    started = time.perf_counter()
    pushes = []
    for k in range(int(calls_per_s * seconds)):
        await asyncio.sleep(max(0.0, started + k / calls_per_s - time.perf_counter()))
        hall = pick.choice([h for h in halls if called[h] < per_hall])
        called[hall] += 1
        pushes.append(asyncio.create_task(call(hall, called[hall])))
    await asyncio.gather(*pushes)
    return sent


def latencies_of(sent: list[tuple[float, str, int]], arrivals: dict[str, list[list[float]]],
                 ) -> tuple[list[float], int, list[tuple[float, float]]]:
    """Each call's latency to each page it changed (the called one and every one behind it);
    how many of those pages never heard; the five slowest calls (when, worst latency)."""
    found, missed, worst = [], 0, []
    for at, hall, n in sent:
        mine = []
        for times in arrivals[hall][n - 1:]:
            index = bisect.bisect_right(times, at)
            if index < len(times):
                mine.append(times[index] - at)
            else:
                missed += 1
        found += mine
        worst.append((at - sent[0][0], max(mine, default=0.0)))
    return found, missed, sorted(worst, key=lambda w: -w[1])[:5]


def city(url: str, halls: list[str]) -> dict[str, str]:
    """Each hall's catalog and public link key at central; each hall's credential."""
    tokens = credentials(url, halls)
    db = open_database(url)
    keys = PhoneKeys(db)
    for hall in halls:
        put_catalog(db, hall, hall_catalog(hall))
        keys.store(hall, hall_key(hall))
    db.close()
    return tokens


def report(args: argparse.Namespace, found: dict) -> None:
    """Print the figures of a run."""
    latencies = found["latencies"]
    per_page_kb = (found["after_mb"] - found["before_mb"]) * 1024 / found["pages"]
    print(f"central, {args.workers} workers, {found['pages']:,} open phone pages (SSE) over "
          f"{args.halls} halls, opened in {found['opening_s']:.1f} s")
    print(f"  memory: {found['before_mb']:.0f} MB with none open, {found['after_mb']:.0f} MB "
          f"with all open = {per_page_kb:.1f} KB per open page")
    print(f"  {found['calls']} calls at {args.calls:g}/s city-wide for {args.seconds:g} s: "
          f"{len(latencies):,} page updates, {found['missed']} missed")
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    p90, p95 = percentile(latencies, 0.9), percentile(latencies, 0.95)
    print(f"  call → page's connection: p50 {p50 * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} "
          f"ms; {found['pings']:,} pings sent meanwhile")
    used = found["cpu"]
    print(f"  CPU during the calls ({args.seconds:g} s): central {used['central']:.1f} s, "
          f"PostgreSQL {used['postgres']:.1f} s, the callers {used['client']:.1f} s "
          f"(the page readers are other processes) = central "
          f"{used['central'] / found['calls'] * 1000:.0f} ms per call of {args.pages} pages")
    print("  slowest calls (s into the run: ms to the last page):",
          ", ".join(f"{at:.1f}: {worst * 1000:.0f}" for at, worst in found["slowest"]))
    ok = found["missed"] == 0 and p99 < 1.0
    print("target (every page updated, p99 < 1 s):", "met" if ok else "NOT met")


def main(argv: list[str] | None = None) -> int:
    """Run it and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halls", type=int, default=200)
    parser.add_argument("--pages", type=int, default=100, help="open pages per hall")
    parser.add_argument("--calls", type=float, default=20, help="calls per second, city-wide")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2, help="central worker processes")
    parser.add_argument("--readers", type=int, default=2, help="load generator processes")
    args = parser.parse_args(argv)
    total = args.halls * args.pages
    halls = [f"PH-{i:03d}" for i in range(args.halls)]
    day = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
    paths = page_paths(halls, day, args.pages)
    cluster = PgCluster().start()
    try:
        url = cluster.create_database("phone_bench")
        tokens = city(url, halls)
        central = CentralProcess(url, workers=args.workers,
                                 data_key_file=cluster.dir / "central-data.key"
                                 ).start(timeout=60)
        try:
            async def prepare() -> None:
                connections = await connect(central.port, tokens)
                await asyncio.gather(*(push(connections[h], h, [
                    json.dumps(e).encode() for e in day_events(h, day, args.pages)])
                    for h in halls))
                warm = [Page("", path) for path in paths[:100]]   # every worker warmed up
                await open_pages(central.port, warm)
                for page in warm:
                    assert page.writer is not None
                    page.writer.close()
                await asyncio.gather(*(c.close() for c in connections.values()))
            asyncio.run(prepare())
            time.sleep(2.0)
            before = rss_mb(central.pid)
            print(f"{args.halls} halls' days pushed; opening {total:,} pages from "
                  f"{args.readers} processes…", flush=True)
            spawn = multiprocessing.get_context("spawn")
            share = -(-total // args.readers)
            readers = []
            for k in range(args.readers):
                ours, theirs = spawn.Pipe()
                process = spawn.Process(target=reader_main, args=(
                    central.port, paths[k * share:(k + 1) * share], theirs))
                process.start()
                theirs.close()                   # a reader that dies is then an EOFError
                readers.append((process, ours))
            opening = max(pipe.recv()[1] for _, pipe in readers)
            time.sleep(2.0)
            after = rss_mb(central.pid)
            print(f"  opened in {opening:.0f} s; central {before:.0f} MB → {after:.0f} MB",
                  flush=True)
            with CpuMeter(cluster.postmaster_pid(), central.pid) as cpu:
                sent = asyncio.run(calls(central.port, tokens, day, args.pages, args.calls,
                                         args.seconds))
            time.sleep(3.0)
            every: list[list[float]] = []
            pings = 0
            for process, pipe in readers:
                pipe.send("stop")
                times, heard = pipe.recv()
                every += times
                pings += heard
                process.join(timeout=30)
        finally:
            central.stop()
    finally:
        cluster.stop()
    arrivals = {hall: every[i * args.pages:(i + 1) * args.pages] for i, hall in enumerate(halls)}
    latencies, missed, slowest = latencies_of(sent, arrivals)
    found = {"opening_s": opening, "before_mb": before, "after_mb": after, "pages": total,
             "latencies": latencies, "missed": missed, "calls": len(sent), "pings": pings,
             "slowest": slowest, "cpu": cpu.used}
    report(args, found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
