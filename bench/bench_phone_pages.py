"""Benchmark of central's public phone pages (issue 17): central follows 20,000 open pages at
once, spread over 200 halls, and a call at a hall reaches the pages' connections at p99 < 1 s;
central's memory per open page.

Run: ``.venv/bin/python -m bench.bench_phone_pages [--halls 200] [--pages 100] [--calls 20]
[--seconds 20]``.

Set-up: a throwaway PostgreSQL cluster, central as a real ``python -m central`` process (one
worker: the pages' routes go to one worker, like ``/api/v1/phone/*``), each hall's catalog and
public link key stored, and each hall's day pushed as its agent would (a window open and
``--pages`` tickets waiting). The load generator, in this process, opens one real SSE
connection (``GET /p/<hall>/<token>/events``, raw sockets on asyncio) per ticket: ``--halls``
× ``--pages`` pages, each reading its chunked stream as a phone's browser would.

Then the halls call: ``--calls`` calls per second, city-wide, for ``--seconds``, each one hall's
agent pushing the ``ticket.called`` of its next ticket (``POST /halls/<hall>/events``, one
transaction in PostgreSQL). Latency = the moment the page's connection receives its new state
− the moment the push was sent; every page of that hall changes (one fewer ahead, or called).

Memory: central's resident set (VmRSS) with no page open and with all open, divided by the
pages. The file-descriptor limit is raised for this process and central (a page is a socket
at both ends).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import hashlib
import json
import random
import resource
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bench.bench_central import connect, credentials, push
from bench.http_load import percentile
from central.catalog import put_catalog
from central.db import open_database
from central.phone_page import PhoneKeys
from hall import links
from hall.events import EventKind
from tests.helpers.central import CentralProcess, PgCluster, hall_catalog

#: Source addresses the pages connect from (each has its own ephemeral ports).
SOURCES = [f"127.0.0.{i}" for i in range(2, 10)]


def raise_file_limit(wanted: int) -> int:
    """Raise this process's limit of open files (central inherits it); the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, max(hard, wanted)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_mb(pid: int) -> float:
    """A process's resident set, MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


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
            self.arrivals.append(time.perf_counter())
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

    def first_after(self, moment: float) -> float | None:
        """When the first state after ``moment`` arrived."""
        found = bisect.bisect_right(self.arrivals, moment)
        return self.arrivals[found] if found < len(self.arrivals) else None


async def open_pages(port: int, pages: list[Page], at_once: int = 500) -> float:
    """Open every page, ``at_once`` at a time; the seconds it took."""
    started = time.perf_counter()
    for start in range(0, len(pages), at_once):
        batch = pages[start:start + at_once]
        await asyncio.gather(*(page.open(port, SOURCES[(start + i) % len(SOURCES)])
                               for i, page in enumerate(batch)))
    return time.perf_counter() - started


async def run(port: int, tokens: dict[str, str], day: str, pages_per_hall: int,
              central_pid: int, calls_per_s: float, seconds: float) -> dict:
    """Open the pages, measure memory, call, and collect the latencies."""
    halls = list(tokens)
    pages = {hall: [Page(hall, f"/p/{hall}/{links.link_token(hall_key(hall), f'{day}-A{n:03d}')}")
                    for n in range(1, pages_per_hall + 1)] for hall in halls}
    every = [page for hall in halls for page in pages[hall]]
    warm = every[:50]
    await open_pages(port, warm)
    for page in warm:
        assert page.writer is not None
        page.writer.close()
    await asyncio.sleep(1.0)
    before = rss_mb(central_pid)
    opening = await open_pages(port, every)
    readers = [asyncio.create_task(page.follow()) for page in every]
    await asyncio.sleep(2.0)
    after = rss_mb(central_pid)
    connections = await connect(port, tokens)
    heads = {hall: pages_per_hall + 1 for hall in halls}
    called = {hall: 0 for hall in halls}
    agents = {hall: asyncio.Lock() for hall in halls}   # an agent pushes one batch at a time
    rounds: list[tuple[float, list[Page]]] = []
    pick = random.Random(17)

    async def call(hall: str, n: int) -> None:
        async with agents[hall]:
            heads[hall] += 1
            event = {"seq": heads[hall], "kind": EventKind.TICKET_CALLED, "ts": time.time(),
                     "data": {"ticket": f"{day}-A{n:03d}", "number": f"A{n:03d}",
                              "theme": "A", "window": "1", "waited_s": 60.0,
                              "expected_wait_s": 600}}
            # the called page and every one behind it change
            rounds.append((time.perf_counter(), pages[hall][n - 1:]))
            await push(connections[hall], hall, [json.dumps(event).encode()])

    started = time.perf_counter()
    total = int(calls_per_s * seconds)
    pushes: list[asyncio.Task] = []
    for k in range(total):
        await asyncio.sleep(max(0.0, started + k / calls_per_s - time.perf_counter()))
        hall = pick.choice([h for h in halls if called[h] < pages_per_hall])
        called[hall] += 1
        pushes.append(asyncio.create_task(call(hall, called[hall])))
    await asyncio.gather(*pushes)
    await asyncio.sleep(3.0)
    latencies, missed = [], 0
    for sent, changed in rounds:
        for page in changed:
            arrived = page.first_after(sent)
            if arrived is None:
                missed += 1
            else:
                latencies.append(arrived - sent)
    pings = sum(page.pings for page in every)
    for page in every:
        assert page.writer is not None
        page.writer.close()
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.gather(*(c.close() for c in connections.values()))
    return {"opening_s": opening, "before_mb": before, "after_mb": after,
            "latencies": latencies, "missed": missed, "calls": total, "pings": pings,
            "pages": len(every)}


def main(argv: list[str] | None = None) -> int:
    """Run it and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halls", type=int, default=200)
    parser.add_argument("--pages", type=int, default=100, help="open pages per hall")
    parser.add_argument("--calls", type=float, default=20, help="calls per second, city-wide")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args(argv)
    total = args.halls * args.pages
    limit = raise_file_limit(total + 5000)
    print(f"open files allowed: {limit}", flush=True)
    halls = [f"PH-{i:03d}" for i in range(args.halls)]
    day = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
    cluster = PgCluster().start()
    try:
        url = cluster.create_database("phone_bench")
        tokens = credentials(url, halls)
        db = open_database(url)
        keys = PhoneKeys(db)
        for hall in halls:
            put_catalog(db, hall, hall_catalog(hall))
            keys.store(hall, hall_key(hall))
        db.close()
        central = CentralProcess(url, workers=1).start(timeout=60)
        try:
            async def prepare() -> None:
                connections = await connect(central.port, tokens)
                await asyncio.gather(*(push(connections[h], h, [
                    json.dumps(e).encode() for e in day_events(h, day, args.pages)])
                    for h in halls))
                await asyncio.gather(*(c.close() for c in connections.values()))
            asyncio.run(prepare())
            print(f"{args.halls} halls' days pushed; opening {total:,} pages…", flush=True)
            found = asyncio.run(run(central.port, tokens, day, args.pages, central.pid,
                                    args.calls, args.seconds))
        finally:
            central.stop()
    finally:
        cluster.stop()
    latencies = found["latencies"]
    per_page_kb = (found["after_mb"] - found["before_mb"]) * 1024 / found["pages"]
    print(f"central, 1 worker, {found['pages']:,} open phone pages (SSE) over {args.halls} "
          f"halls, opened in {found['opening_s']:.1f} s")
    print(f"  memory: {found['before_mb']:.0f} MB with none open, {found['after_mb']:.0f} MB "
          f"with all open = {per_page_kb:.1f} KB per open page")
    print(f"  {found['calls']} calls at {args.calls:g}/s city-wide for {args.seconds:g} s: "
          f"{len(latencies):,} page updates, {found['missed']} missed")
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"  call → page's connection: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms; {found['pings']:,} pings sent meanwhile")
    ok = found["missed"] == 0 and p99 < 1.0
    print("target (every page updated, p99 < 1 s):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
