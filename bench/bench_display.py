"""Benchmark of the apps (issue 4): a console's call → the wall display's repaint, and the cold
start and memory of each app.

Run: ``.venv/bin/python -m bench.bench_display [--calls 1000] [--subscribers 300]``.

- The hall node runs as a real ``hallq hall`` process (the example hall, 30 windows, open all
  day). ``--subscribers`` other screens and consoles follow its event stream from a separate
  process (an asyncio pool of WebSocket clients that read every event).
- The measured wall display runs in this process, offscreen, animated as on a wall (clock,
  blinking, scrolling notice). A console thread finishes a window's ticket, then times from
  just before its ``POST /windows/N/call`` until the display's calls board has painted that
  window's new ticket (the paint listener of :class:`display.wall.DisplayWindow`), calls
  spread round-robin over the 30 windows. Target: p99 < 50 ms.
- Cold start: ``hallq display|kiosk|caller --report-first-paint`` as a subprocess, from
  ``Popen`` to its first paint with content; then its resident memory (VmRSS) 3 s later.
  Targets: start < 2 s; RSS < 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.http_load import percentile
from hall.events import EventKind
from hallq.startup import rss_mb

TARGET_P99_MS = 50.0
TARGET_START_S = 2.0
TARGET_RSS_MB = 200.0
WINDOWS = [str(n) for n in range(1, 31)]


# ---------------------------------------------------------------------- the hall node
def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pair_tokens(data_dir: Path) -> dict[str, str]:
    """Tokens for the devices of the benchmark, written before the node starts."""
    from hall.store import Store

    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / "hall.sqlite3")
    try:
        return {"admin": store.pair("admin", "bench-admin"),
                "display": store.pair("display", "bench-wall"),
                "screens": store.pair("display", "bench-screens"),
                "kiosk": store.pair("kiosk", "bench-kiosk"),
                "caller": store.pair("caller", "bench-caller", "1")}
    finally:
        store.close()


def bench_config(path: Path) -> Path:
    """The example hall without daily quotas (a benchmark calls more than a day's tickets)."""
    from hall.config import EXAMPLE_HALL

    text = re.sub(r"(?m)^daily_quota = \d+$", "daily_quota = 0", Path(EXAMPLE_HALL).read_text())
    path.write_text(text)
    return path


def start_node(data_dir: Path, port: int) -> subprocess.Popen:
    """``hallq hall`` with the example hall, open all day; returns once it answers."""
    config = bench_config(data_dir.parent / "hall.toml")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hallq", "hall", "--config", str(config), "--data-dir",
         str(data_dir), "--port", str(port), "--bind", "127.0.0.1", "--no-advertise",
         "--open-all-day"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the hall node did not start")


def stop(proc: subprocess.Popen) -> None:
    """SIGINT, then wait (kill after 10 s)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------- the other screens
async def _subscriber(url: str, token: str, counts: list[int], index: int,
                      ready: asyncio.Event, connected: list[int], total: int) -> None:
    import httpx
    from websockets.asyncio.client import connect

    after = httpx.get(f"{url}/api/v1/health", timeout=30).json()["last_seq"]
    ws_url = url.replace("http://", "ws://") + f"/api/v1/stream?after={after}"
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"},
                       open_timeout=60, max_queue=None) as ws:
        connected[0] += 1
        if connected[0] == total:
            ready.set()
        async for _ in ws:
            counts[index] += 1


async def _subscribers_main(url: str, token: str, total: int) -> None:
    counts = [0] * total
    connected = [0]
    ready = asyncio.Event()
    if total == 0:
        ready.set()
    tasks = [asyncio.create_task(_subscriber(url, token, counts, i, ready, connected, total))
             for i in range(total)]
    await asyncio.wait_for(ready.wait(), 120)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopped.set)
    await stopped.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"min": min(counts, default=0), "max": max(counts, default=0),
                      "total": sum(counts)}),
          flush=True)


def start_subscribers(url: str, token: str, total: int) -> subprocess.Popen:
    """The other screens and consoles, in their own process; returns once all are connected."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_display", "--as-subscribers",
                             str(total), "--url", url, "--token", token],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "ready":
        proc.kill()
        raise RuntimeError(f"the subscribers did not connect: {line!r}")
    return proc


def stop_subscribers(proc: subprocess.Popen) -> dict:
    """Stop them; how many events each received (min, max, total)."""
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


# ---------------------------------------------------------------------- call → repaint
class Probe:
    """Set by the display's paint listener when a window shows a ticket other than ``old``."""

    def __init__(self) -> None:
        self.window = ""
        self.old: str | None = None
        self.painted_at = 0.0
        self.received_at = 0.0
        self.done = threading.Event()
        self.done.set()


def prepare_hall(url: str, token: str, tickets: int) -> None:
    """Open the 30 windows and issue ``tickets`` tickets of each theme."""
    from hall.client import HallClient

    with HallClient(url, token, timeout=30) as admin:
        for window in WINDOWS:
            admin.window_action(window, "open")

    def issue(theme: str) -> None:
        with HallClient(url, token, timeout=30) as client:
            for _ in range(tickets):
                client.issue(theme, channel="staff")

    threads = [threading.Thread(target=issue, args=(theme,)) for theme in "ABC"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def console_loop(url: str, token: str, calls: int, probe: Probe, latencies: list[float],
                 acks: list[float], renders: list[float], failures: list[str]) -> None:
    """The consoles: finish (untimed), then call and wait for the display's repaint."""
    from hall.client import HallApiError, HallClient

    current: dict[str, str | None] = dict.fromkeys(WINDOWS)
    with HallClient(url, token, timeout=30) as console:
        for n in range(calls):
            window = WINDOWS[n % len(WINDOWS)]
            try:
                if current[window]:
                    console.window_action(window, "finish")
                probe.window, probe.old = window, current[window]
                probe.done.clear()
                started = time.perf_counter()
                ticket = console.call(window)
                acked = time.perf_counter()
            except HallApiError as err:
                failures.append(f"{window}: {err.code}")
                probe.done.set()
                continue
            if ticket is None:
                failures.append(f"{window}: nobody waits")
                probe.done.set()
                continue
            if not probe.done.wait(10):
                failures.append(f"{window}: no repaint within 10 s")
                continue
            latencies.append((probe.painted_at - started) * 1000)
            acks.append((acked - started) * 1000)
            renders.append((probe.painted_at - probe.received_at) * 1000)
            current[window] = ticket["id"]


def watch_wall(url: str, display_token: str, work: Callable[[Probe], None]) -> None:
    """Run the wall display offscreen on the hall at ``url`` while ``work(probe)`` runs in a
    thread: for each call ``work`` arms the probe, whose ``received_at`` (the call's event taken
    on the Qt thread) and ``painted_at`` (the wall painted it) this sets."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from display.app import WallDisplay
    from display.viewmodel import DisplayModel
    from display.wall import DisplayWindow
    from hall.client import HallClient
    from ui.qt import LANDSCAPE, ensure_app

    app = ensure_app()
    model = DisplayModel()
    window = DisplayWindow(model, animate=True)
    window.resize(LANDSCAPE)
    window.show()
    client = HallClient(url, display_token)
    wall = WallDisplay(client, window=window).start()
    probe = Probe()

    def painted(_revision: int) -> None:
        if probe.done.is_set():
            return
        call = model.current.get(probe.window)
        if call is not None and call.ticket != probe.old:
            probe.painted_at = time.perf_counter()
            probe.done.set()

    def received(event: dict) -> None:
        if (not probe.done.is_set() and event.get("kind") == EventKind.TICKET_CALLED
                and event["data"].get("window") == probe.window):
            probe.received_at = time.perf_counter()

    window.paint_listeners.append(painted)
    deadline = time.monotonic() + 30
    while not (model.loaded and model.connected) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    assert wall.bridge is not None, "the display did not load"
    wall.bridge.received.connect(received)
    worker = threading.Thread(target=work, args=(probe,), daemon=True)
    worker.start()
    while worker.is_alive():
        app.processEvents()
        time.sleep(0.001)
    wall.stop()
    client.close()
    window.paint_listeners.clear()
    window.close()
    window.deleteLater()
    app.processEvents()


def measure_call_to_paint(url: str, tokens: dict[str, str], calls: int
                          ) -> tuple[list[float], list[float], list[float], list[str]]:
    """Run the display offscreen and the consoles in a thread: call → repaint, call → HTTP
    answer, and the display's own part (event taken on the Qt thread → painted), in ms, and
    the failures."""
    latencies: list[float] = []
    acks: list[float] = []
    renders: list[float] = []
    failures: list[str] = []
    watch_wall(url, tokens["display"], lambda probe: console_loop(
        url, tokens["admin"], calls, probe, latencies, acks, renders, failures))
    return latencies, acks, renders, failures


# ---------------------------------------------------------------------- cold start, memory
def cold_start(role: str, url: str, token: str, settle_s: float = 3.0) -> dict:
    """Start an app as a subprocess: seconds to its first paint, and its RSS after a while."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    command = [sys.executable, "-m", "hallq", role, "--url", url, "--token", token,
               "--report-first-paint"]
    if role == "display":
        command += ["--audio", "off"]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    result: dict = {"role": role}
    line = proc.stdout.readline()
    if line.startswith("hallq-first-paint"):
        result["start_s"] = time.perf_counter() - started
        fields = dict(part.split("=") for part in line.split()[1:])
        result["start_rss_mb"] = float(fields["rss_mb"])
        time.sleep(settle_s)
        result["rss_mb"] = rss_mb(proc.pid)
    else:
        result["error"] = (line + (proc.stderr.read() if proc.poll() is not None and
                                   proc.stderr else "")).strip()[-300:]
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.communicate()
    return result


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median(values: list[float]) -> float:
    """The middle value."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description="call → wall display repaint; app start-up")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--subscribers", type=int, default=300)
    parser.add_argument("--starts", type=int, default=3, help="cold starts per app")
    parser.add_argument("--as-subscribers", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.as_subscribers is not None:
        asyncio.run(_subscribers_main(args.url, args.token, args.as_subscribers))
        return 0

    ok = True
    with tempfile.TemporaryDirectory(prefix="hallq-bench-display-") as tmp:
        data_dir = Path(tmp) / "hall"
        tokens = pair_tokens(data_dir)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        node = start_node(data_dir, port)
        try:
            prepare_hall(url, tokens["admin"], args.calls + 60)
            subscribers = start_subscribers(url, tokens["screens"], args.subscribers)
            try:
                print(f"call → wall display repaint: {args.calls} calls over {len(WINDOWS)} "
                      f"windows, {args.subscribers} other screens and consoles on the stream",
                      flush=True)
                pids: dict[str, int | str] = {"node": node.pid, "other screens": subscribers.pid,
                        "display and consoles": "self"}
                cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                wall_before = time.perf_counter()
                latencies, acks, renders, failures = measure_call_to_paint(url, tokens,
                                                                           args.calls)
                wall = time.perf_counter() - wall_before
                cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
            finally:
                received = stop_subscribers(subscribers)
            p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
            print(f"  measured {len(latencies)}  p50 {p50:.1f} ms  p99 {p99:.1f} ms  "
                  f"max {max(latencies, default=float('nan')):.1f} ms  "
                  f"(target p99 < {TARGET_P99_MS:.0f} ms)")
            print(f"  of which the call's HTTP answer: p50 {percentile(acks, 0.5):.1f} ms  "
                  f"p99 {percentile(acks, 0.99):.1f} ms; the display's own part (event on "
                  f"its Qt thread → painted): p50 {percentile(renders, 0.5):.1f} ms  "
                  f"p99 {percentile(renders, 0.99):.1f} ms")
            print(f"  events received per other screen: {received}")
            print(f"  CPU used in {wall:.1f} s: " + ", ".join(
                f"{name} {seconds:.1f} s" for name, seconds in cpu.items())
                + f" ({os.cpu_count()} cores)")
            if failures:
                print(f"  {len(failures)} calls failed, e.g. {failures[:3]}")
            ok = ok and p99 < TARGET_P99_MS and not failures

            if args.starts > 0:
                print(f"\ncold start (Popen → first paint with content) and memory, "
                      f"median of {args.starts}:")
            token_of = {"display": tokens["display"], "kiosk": tokens["kiosk"],
                        "caller": tokens["caller"]}
            for role in ("display", "kiosk", "caller") if args.starts > 0 else ():
                runs = [cold_start(role, url, token_of[role]) for _ in range(args.starts)]
                good = [r for r in runs if "start_s" in r]
                if not good:
                    print(f"  {role:<8} did not start: {runs[0].get('error', '?')}")
                    continue
                start_s = median([r["start_s"] for r in good])
                rss = median([r["rss_mb"] for r in good])
                print(f"  {role:<8} start {start_s:.2f} s  RSS {rss:.0f} MB  "
                      f"(targets < {TARGET_START_S:.0f} s, < {TARGET_RSS_MB:.0f} MB)")
                ok = ok and start_s < TARGET_START_S and rss < TARGET_RSS_MB
        finally:
            stop(node)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
