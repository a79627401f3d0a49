"""Ticket printer: time to build a ticket's ESC/POS bytes, and end-to-end print time to the
TCP simulator.

End to end is what a kiosk waits for: status check (DLE EOT 1 and 4), sending the ticket, and
the confirming status check, which the simulator answers only after it has parsed the ticket
and rendered its PNG (the simulator runs in this process, sharing the GIL). The simulator's
page rendering is also timed alone. A real 80 mm printer adds its print time (~150-250 mm/s,
so 0.5-1 s for a ticket) on top.

Run: ``.venv/bin/python -m bench.bench_printer [--render 1000] [--prints 100]``
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from datetime import datetime

from devices.printer.drivers import open_url
from devices.printer.simulator import EscposPrinterSimulator
from devices.printer.ticket import TicketContent, render_ticket


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def content(i: int) -> TicketContent:
    """The i-th ticket of a busy morning."""
    return TicketContent(
        hall_name="南山区政务服务中心", theme_name="商事登记",
        theme_name_en="Business registration", number=f"A{i % 1000:03d}", ahead=i % 40,
        expected_wait_s=(i % 40) * 90, issued_at=datetime(2024, 5, 6, 9, 0),
        privacy_line="4403**********1234", qr_url=f"https://hall.example.cn/t/{i:08x}",
        notices=("请留意叫号 / Please watch the screen",),
    )


def time_render(count: int) -> list[float]:
    """Seconds per ``render_ticket`` call."""
    samples = []
    for i in range(count):
        started = time.perf_counter()
        render_ticket(content(i))
        samples.append(time.perf_counter() - started)
    return samples


def time_prints(count: int) -> tuple[list[float], list[float]]:
    """Seconds per ``print_ticket`` over TCP, and per simulator page render + PNG save."""
    with tempfile.TemporaryDirectory() as out, EscposPrinterSimulator(out) as sim:
        printer = open_url(f"{sim.url}?timeout=5")
        prints = []
        try:
            for i in range(count):
                started = time.perf_counter()
                printer.print_ticket(content(i))
                prints.append(time.perf_counter() - started)
        finally:
            printer.close()
        session, pages = sim.new_session(), []
        for i in range(min(count, 50)):
            data = render_ticket(content(i))
            started = time.perf_counter()
            session.feed(data)
            pages.append(time.perf_counter() - started)
    return prints, pages


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render", type=int, default=1000, help="tickets to render to bytes")
    parser.add_argument("--prints", type=int, default=100, help="tickets to print end to end")
    args = parser.parse_args(argv)
    render = time_render(args.render)
    prints, pages = time_prints(args.prints)
    size = len(render_ticket(content(0)))
    print(f"ticket: {size} bytes of ESC/POS")
    print(f"{'measure':<44}{'n':>6}{'p50':>12}{'p99':>12}")
    rows = [
        ("render_ticket -> bytes", render, 1e6, "µs"),
        ("print_ticket via TCP to simulator (e2e)", prints, 1e3, "ms"),
        ("simulator parse + page render + PNG", pages, 1e3, "ms"),
    ]
    for name, samples, scale, unit in rows:
        p50, p99 = percentile(samples, 50) * scale, percentile(samples, 99) * scale
        print(f"{name:<44}{len(samples):>6}{p50:>9.1f} {unit}{p99:>9.1f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
