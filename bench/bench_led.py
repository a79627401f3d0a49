"""Window LED screen: time of one acknowledged call through pyserial against the pty simulator,
beside the wire time of the same bytes at 9600 baud, and the frame decoder's throughput.

A pty ignores the baud rate, so the measured time is the software alone (driver, pyserial,
simulator); on a real RS-485 line add the wire time and the screen's own reaction.

Run: ``.venv/bin/python -m bench.bench_led [--calls 500]``
"""

from __future__ import annotations

import argparse
import statistics
import time

from devices import busframe
from devices.led.protocols import HallBusLedProtocol
from devices.led.screen import call_text, open_url
from devices.led.simulator import LedSimulator

BAUD = 9600
BITS_PER_BYTE = 10  # 8N1: start + 8 data + stop


def bench_calls(calls: int) -> list[float]:
    """Seconds per acknowledged show_call, one sample per call."""
    simulator = LedSimulator([3]).start()
    screen = open_url(f"led://{simulator.port}?addr=3")
    samples = []
    try:
        for i in range(calls):
            started = time.perf_counter()
            screen.show_call(f"A{i % 1000:03d}", "3")
            samples.append(time.perf_counter() - started)
    finally:
        screen.close()
        simulator.stop()
    return samples


def bench_decoder(frames: int) -> float:
    """Frames decoded per second from one buffer of call frames split in 64-byte reads."""
    raw = HallBusLedProtocol().encode_text(3, call_text("A001", "3")) * frames
    decoder = busframe.FrameDecoder()
    started = time.perf_counter()
    count = 0
    for offset in range(0, len(raw), 64):
        decoder.feed(raw[offset:offset + 64])
        while decoder.next_frame() is not None:
            count += 1
    assert count == frames
    return frames / (time.perf_counter() - started)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="calls to time (default 500)")
    args = parser.parse_args()
    samples = sorted(bench_calls(args.calls))
    request = HallBusLedProtocol().encode_text(3, call_text("A001", "3"))
    ack = busframe.encode(3, 0xB1, b"\x00")
    wire_ms = (len(request) + len(ack)) * BITS_PER_BYTE / BAUD * 1000
    print(f"show_call + ack over a pty, {args.calls} calls: "
          f"median {statistics.median(samples) * 1000:.2f} ms, "
          f"p99 {samples[int(len(samples) * 0.99) - 1] * 1000:.2f} ms")
    print(f"wire time of the same {len(request)} + {len(ack)} bytes at {BAUD} baud: "
          f"{wire_ms:.1f} ms")
    print(f"frame decoder: {bench_decoder(20000):,.0f} call frames/s")


if __name__ == "__main__":
    main()
