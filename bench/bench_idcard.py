"""ID-card read time through pyserial against the GA 467 simulator, beside the wire-time limit.

A read is three exchanges (find, select, read base info). The wire-time limit is every byte
on the line both ways divided by baud/10 bytes per second. A pty ignores the baud rate, so
the unpaced figure only measures the software; the paced run has the simulator write (and
"receive") at the real speed of the line. Neither includes the card's RF transfer or the
SAM's cryptography, which on real readers add several hundred milliseconds.

Run: ``.venv/bin/python -m bench.bench_idcard [--reads 50] [--baud 115200]``
"""

from __future__ import annotations

import argparse
import math
import time

from devices.idcard import protocol as p
from devices.idcard.samples import RESIDENT
from devices.idcard.serial_reader import open_url
from devices.idcard.simulator import IdCardSimulator


def wire_bytes() -> int:
    """Bytes on the line for one read: three requests and their three answers."""
    requests = sum(len(p.encode_request(*c)) for c in (p.FIND_CARD, p.SELECT_CARD, p.READ_BASE))
    answers = (len(p.encode_response(p.SW_CARD_FOUND, bytes(4)))
               + len(p.encode_response(p.SW_OK, bytes(8)))
               + len(p.encode_response(p.SW_OK, bytes(4 + p.TEXT_SIZE + p.PHOTO_SIZE))))
    return requests + answers


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def measure(reads: int, baud: int, pace: bool) -> list[float]:
    """Seconds per ``read_card`` over ``reads`` reads."""
    simulator = IdCardSimulator(RESIDENT, baudrate=baud, pace=pace)
    simulator.start()
    reader = open_url(f"ga467://{simulator.link}?baud={baud}")
    try:
        reader.read_card()  # open the port outside the timing
        times = []
        for _ in range(reads):
            started = time.perf_counter()
            if reader.read_card() is None:
                raise RuntimeError("the simulator lost its card")
            times.append(time.perf_counter() - started)
        return times
    finally:
        reader.close()
        simulator.stop()


def main(argv: list[str] | None = None) -> None:
    """Print p50/p99 read times, unpaced and paced, beside the wire-time limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=50, help="reads per run (default 50)")
    parser.add_argument("--baud", type=int, default=115200, help="line speed, bits/s")
    args = parser.parse_args(argv)
    total = wire_bytes()
    limit_ms = total / (args.baud / 10) * 1000
    print(f"ID-card read (find + select + read base), {args.reads} reads, {args.baud} baud")
    print(f"wire-time limit: {total} bytes both ways / {args.baud // 10} B/s = {limit_ms:.1f} ms")
    for pace, label in ((False, "pty, unpaced (a pty ignores baud)"),
                        (True, "pty, simulator paced to the baud rate")):
        times = measure(args.reads, args.baud, pace)
        p50, p99 = percentile(times, 50) * 1000, percentile(times, 99) * 1000
        print(f"{label:40s} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   "
              f"(p50 = {p50 / limit_ms:.2f} x wire limit)")


if __name__ == "__main__":
    main()
