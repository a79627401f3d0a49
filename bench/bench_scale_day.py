"""Benchmark of issue 21 (b): a city centre's busiest day replayed at 20× against a real hall
node — 270 windows in 12 themes, 10,000 tickets with the morning peak (at most ~2,000
waiting), 300 wall screens on the event stream and up to 5,000 phones following their tickets.

Run: ``.venv/bin/python -m bench.bench_scale_day [--speed 20] [--hours 8] [--tickets 10000]``
(``--hours 2`` replays the morning peak only). One ``hallq hall`` process (``synchronous=FULL``);
two load-generator processes on uvloop, so that the one timing the operations is not the one
reading nine million events. In the first, 30 kiosks take numbers at the day's arrival times
(an eighth of them elderly, called first) and 270 desks call, start serving, serve an
exponential time of mean 14 minutes and finish (3 % transferred to another theme instead); in
the second, the 300 screens (``/api/v1/stream``) and the phones (``/api/v1/follow/{token}``,
four per ticket as family members follow too, up to 5,000 at once, each leaving once its
ticket is called). Every operation is timed; a phone's update is timed from the node's time of
the call that moved its line (the event's ``ts``).
The node's CPU (share of one core) and memory (RSS) are sampled from ``/proc`` every 5 s.

Targets (issue 21): every operation's p99 < 20 ms, RSS < 400 MB, 0 repeated numbers and 0
double calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import random
import resource
import signal
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bench_hall import free_port, open_windows, start_node
from bench.bench_scale import repeated_numbers
from bench.http_load import Connection, now, percentile, run
from bench.ws_load import WebSocketFollower
from hall import idnumber
from hall.store import Store

THEMES = "ABCDEFGHIJKL"
WINDOWS = 270
#: Share of the day's tickets issued in each hour from 9:00 (the morning peak first).
HOURLY_SHARE = (0.16, 0.18, 0.13, 0.08, 0.09, 0.12, 0.13, 0.11)
MEAN_SERVICE_S = 14 * 60.0
ELDERLY_ID = "11010119500101001"    # born in 1950
ELDERLY_SHARE = 0.125
TRANSFER_SHARE = 0.03
KIOSKS = 30
SCREENS = 300
PHONES_PER_TICKET = 4
MAX_PHONES = 5000

DAY_HALL = """
[hall]
id = "CITY-CENTRE"
name_zh = "市民中心"
name_en = "City centre"
[hours]
open_all_day = true
[rules]
elderly_age = 65
{themes}
{windows}
"""


def day_config(path: Path) -> None:
    """12 themes; 270 windows, each with a theme of its own and the next one as a second."""
    themes = "\n".join(
        f'[[themes]]\nprefix = "{p}"\nname_zh = "主题{p}"\ndaily_quota = 0\n'
        f"per_id_daily_limit = 0\nmean_service_min = 14\n" for p in THEMES)
    windows = "\n".join(
        f'[[windows]]\nnumber = "{n}"\nskills = ["{THEMES[n % 12]}", "{THEMES[(n + 1) % 12]}"]\n'
        for n in range(1, WINDOWS + 1))
    path.write_text(DAY_HALL.format(themes=themes, windows=windows))


def arrivals(tickets: int, hours: float, seed: int = 21) -> list[tuple[float, str, bool]]:
    """(second of the day, theme, elderly) of each ticket: the day's hourly shares, uniform
    within an hour; only the first ``hours`` hours."""
    rng = random.Random(seed)
    found = []
    for hour, share in enumerate(HOURLY_SHARE):
        if hour >= hours:
            break
        for _ in range(round(tickets * share)):
            found.append((3600.0 * (hour + rng.random()), rng.choice(THEMES),
                          rng.random() < ELDERLY_SHARE))
    return sorted(found)


@dataclass
class Day:
    """What the replay measured."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    called_at: dict[str, float] = field(default_factory=dict)   # theme → last call answered
    at_window: set[str] = field(default_factory=set)
    double_calls: int = 0
    phones: int = 0
    max_phones: int = 0
    phone_messages: int = 0
    screen_events: int = 0
    dropped: int = 0
    samples: list[dict] = field(default_factory=list)


async def timed(day: Day, conn: Connection, name: str, method: str, path: str,
                body: dict | None = None) -> tuple[int, bytes]:
    """One request, its latency kept under ``name``; a connection the server closed while
    idle (uvicorn's keep-alive timeout) is opened again, as a console would, in the time."""
    start = now()
    try:
        status, data = await conn.request(method, path, body)
    except (ConnectionError, asyncio.IncompleteReadError):
        await conn.close()
        await conn.open()
        status, data = await conn.request(method, path, body)
    day.latency[name].append(now() - start)
    day.statuses[name][status] += 1
    return status, data


async def desk(day: Day, conn: Connection, window: int, speed: float, until: float,
               rng: random.Random) -> None:
    """A window: call, start serving, serve, finish (or transfer); wait a little when idle."""
    base = f"/api/v1/windows/{window}"
    while now() < until:
        status, data = await timed(day, conn, "call", "POST", f"{base}/call")
        if status != 200:
            await asyncio.sleep(30.0 / speed)
            continue
        ticket = json.loads(data)
        if ticket["id"] in day.at_window:
            day.double_calls += 1
        day.at_window.add(ticket["id"])
        await timed(day, conn, "serve", "POST", f"{base}/serve")
        service = min(rng.expovariate(1.0 / MEAN_SERVICE_S), 4 * MEAN_SERVICE_S)
        await asyncio.sleep(service / speed)
        day.at_window.discard(ticket["id"])
        if rng.random() < TRANSFER_SHARE:
            await timed(day, conn, "transfer", "POST", f"{base}/transfer",
                        {"to_service": rng.choice(THEMES)})
        else:
            await timed(day, conn, "finish", "POST", f"{base}/finish")


async def phone(day: Day, port: int, token: str, theme: str) -> None:
    """A phone following its ticket until it is called (counted in ``day.phones`` by whoever
    started it). Its update is timed from the node's own time of the latest call in its theme
    (the ``ts`` of the ``ticket.called`` event a screen saw; one clock, one machine)."""
    follower = WebSocketFollower("127.0.0.1", port, f"/api/v1/follow/{token}")
    try:
        await follower.open()
        ahead = None
        while (text := await follower.recv()) is not None:
            message = json.loads(text)
            day.phone_messages += 1
            if message.get("kind") != "ticket.position":
                continue
            if message["ahead"] < 0:
                break
            # one fewer ahead: a call in its theme moved the line
            if ahead is not None and message["ahead"] < ahead and theme in day.called_at:
                day.latency["phone update"].append(max(0.0, time.time() - day.called_at[theme]))
            ahead = message["ahead"]
    except (ConnectionError, OSError):
        day.dropped += 1
    finally:
        day.phones -= 1
        await follower.close()


async def screen(day: Day, port: int, token: str, until: float, watch: bool) -> None:
    """A wall screen reading every event (``watch``: the one that notes each theme's latest
    call for the phones' timing)."""
    follower = WebSocketFollower("127.0.0.1", port, "/api/v1/stream", token)
    await follower.open()
    while now() < until and (text := await follower.recv()) is not None:
        day.screen_events += 1
        if watch and '"ticket.called"' in text:
            event = json.loads(text)
            day.called_at[event["data"]["theme"]] = event["ts"]
    await follower.close()


async def followers(port: int, token: str, seconds: float, links: Any) -> Day:
    """The screens and the phones, in a load-generator process of their own: a phone for each
    link the kiosks send (``links``: a queue of (link token, theme); None ends the day)."""
    day = Day()
    until = now() + seconds
    screens = [asyncio.ensure_future(screen(day, port, token, until, i == 0))
               for i in range(SCREENS)]
    phones = []
    loop = asyncio.get_running_loop()
    while (found := await loop.run_in_executor(None, links.get)) is not None:
        link, theme = found
        if day.phones < MAX_PHONES:
            day.phones += 1
            day.max_phones = max(day.max_phones, day.phones)
            phones.append(asyncio.ensure_future(phone(day, port, link, theme)))
    await asyncio.sleep(max(0.0, until - now()))
    for task in [*phones, *screens]:
        task.cancel()
    await asyncio.gather(*phones, *screens, return_exceptions=True)
    return day


def follower_process(port: int, token: str, seconds: float, links: Any, results: Any) -> None:
    """Run :func:`followers` and send back what they measured."""
    day = run(followers(port, token, seconds, links))
    results.put({"phone update": day.latency["phone update"], "phones": day.max_phones,
                 "messages": day.phone_messages, "events": day.screen_events,
                 "dropped": day.dropped})


async def kiosks(day: Day, port: int, token: str, plan: list[tuple[float, str, bool]],
                 speed: float, started: float, links: Any) -> None:
    """Take the day's numbers at their (compressed) times, on a pool of kiosk connections."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(KIOSKS):
        conn = Connection("127.0.0.1", port, token)
        await conn.open()
        pool.put_nowait(conn)
    elderly_id = ELDERLY_ID + idnumber.check_char(ELDERLY_ID)

    async def take(theme: str, elderly: bool) -> None:
        conn = await pool.get()
        try:
            body = {"service": theme, **({"id_number": elderly_id} if elderly else {})}
            status, data = await timed(day, conn, "issue", "POST", "/api/v1/tickets", body)
        finally:
            pool.put_nowait(conn)
        if status != 201:
            return
        link = json.loads(data)["url"].rsplit("/", 1)[-1]
        for _ in range(PHONES_PER_TICKET):
            links.put((link, theme))
    takers = []
    for at, theme, elderly in plan:
        delay = started + at / speed - now()
        if delay > 0:
            await asyncio.sleep(delay)
        takers.append(asyncio.ensure_future(take(theme, elderly)))
    await asyncio.gather(*takers)
    while not pool.empty():
        await pool.get_nowait().close()


def node_usage(pid: int) -> tuple[float, float]:
    """(CPU seconds so far, RSS in MB) of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return cpu, rss / 1024


async def sampler(day: Day, pid: int, port: int, token: str, started: float, speed: float,
                  until: float) -> None:
    """Every 5 s: the node's CPU share and RSS, and the people waiting."""
    conn = Connection("127.0.0.1", port, token)
    await conn.open()
    last_cpu, last_t = node_usage(pid)[0], now()
    while now() < until:
        await asyncio.sleep(5.0)
        cpu, rss = node_usage(pid)
        status, data = await timed(day, conn, "services (read)", "GET", "/api/v1/services")
        waiting = sum(s["waiting"] for s in json.loads(data)) if status == 200 else -1
        t = now()
        day.samples.append({"day_s": (t - started) * speed, "cpu": (cpu - last_cpu) / (t - last_t),
                            "rss_mb": rss, "waiting": waiting})
        last_cpu, last_t = cpu, t
    await conn.close()


async def replay(port: int, token: str, pid: int, speed: float, hours: float,
                 tickets: int, links: Any) -> Day:
    """The day's kiosks and desks against the node at ``port`` (the screens and phones run in
    :func:`follower_process`, fed the tickets' links through ``links``)."""
    day, rng = Day(), random.Random(7)
    plan = arrivals(tickets, hours)
    desks = [Connection("127.0.0.1", port, token) for _ in range(WINDOWS)]
    await asyncio.gather(*(conn.open() for conn in desks))
    started = now()
    until = started + 3600.0 * hours / speed
    work = [desk(day, conn, n + 1, speed, until, rng) for n, conn in enumerate(desks)]
    await asyncio.gather(kiosks(day, port, token, plan, speed, started, links),
                         sampler(day, pid, port, token, started, speed, until), *work)
    links.put(None)
    for conn in desks:
        await conn.close()
    return day


def report(day: Day, speed: float, stored: int, repeated: int) -> None:
    """Print the figures."""
    print("| operation | count | p50 ms | p99 ms | max ms | statuses |")
    print("|---|---:|---:|---:|---:|---|")
    for name, values in sorted(day.latency.items()):
        statuses = dict(day.statuses.get(name, {})) or ""
        most = max(values, default=math.nan)
        print(f"| {name} | {len(values):,} | {percentile(values, 0.5) * 1000:.1f} | "
              f"{percentile(values, 0.99) * 1000:.1f} | {most * 1000:.1f} | {statuses} |")
    print()
    print("| hours of the day | node CPU (share of one core) | RSS MB (max) | waiting (max) |")
    print("|---|---:|---:|---:|")
    per_hour: dict[int, list[dict]] = defaultdict(list)
    for sample in day.samples:
        per_hour[int(sample["day_s"] // 3600)].append(sample)
    for hour, samples in sorted(per_hour.items()):
        print(f"| {9 + hour}:00–{10 + hour}:00 | "
              f"{sum(s['cpu'] for s in samples) / len(samples):.0%} | "
              f"{max(s['rss_mb'] for s in samples):.0f} | "
              f"{max(s['waiting'] for s in samples):,} |")
    print()
    print(f"tickets stored {stored:,}, repeated numbers {repeated}, double calls "
          f"{day.double_calls}; phones at most {day.max_phones:,} at once, "
          f"{day.phone_messages:,} messages to phones, {day.screen_events:,} events to "
          f"{SCREENS} screens, {day.dropped} connections failed; replayed at {speed:g}×")


def main() -> None:
    """Replay the day and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed", type=float, default=20.0, help="replay speed")
    parser.add_argument("--hours", type=float, default=8.0, help="hours of the day from 9:00")
    parser.add_argument("--tickets", type=int, default=10_000, help="tickets of the whole day")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 16_384) if hard != resource.RLIM_INFINITY else 16_384
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))   # node inherits it
    print(f"city-centre day at {args.speed:g}×: {args.hours:g} h in "
          f"{3600 * args.hours / args.speed / 60:.0f} min, on {os.cpu_count()} cores, load "
          f"average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, config = Path(tmp) / "data", Path(tmp) / "day.toml"
        data_dir.mkdir()
        day_config(config)
        store = Store(data_dir / "hall.sqlite3")
        token = store.pair("admin", "bench")
        store.close()
        port = free_port()
        proc = start_node(config, data_dir, port)
        context = multiprocessing.get_context("spawn")
        links, results = context.Queue(), context.Queue()
        seconds = 3600.0 * args.hours / args.speed
        child = context.Process(target=follower_process,
                                args=(port, token, seconds + 30, links, results))
        try:
            open_windows(port, token, WINDOWS)
            child.start()
            day = run(replay(port, token, proc.pid, args.speed, args.hours, args.tickets,
                             links))
            found = results.get(timeout=seconds + 600)
            child.join(30)
            day.latency["phone update"] = found["phone update"]
            day.max_phones, day.phone_messages = found["phones"], found["messages"]
            day.screen_events, day.dropped = found["events"], found["dropped"]
        finally:
            if child.is_alive():
                child.kill()
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        stored, repeated = repeated_numbers(data_dir / "hall.sqlite3")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    report(day, args.speed, stored, repeated)


if __name__ == "__main__":
    main()
