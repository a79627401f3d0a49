"""Benchmark of the announcer's voice (issue 19 part 7): a call event → its first audio sample
ready to play, with and without the sentence cache, and how long a call said twice lasts.

Run: ``.venv/bin/python -m bench.bench_voice [--calls 100]``.

The announcer (:class:`display.announcer.Announcer`) runs as on the wall display, its player
one that returns at once. Each call is announced alone (the previous one finished), and the
figure is from ``announce()`` (the wall display's event handler calls it) until the WAV of
chime and sentence twice is ready to hand to the player (:attr:`Announcement.ready_at`), so it
holds espeak-ng and sox (uncached) or the cache file's read (cached), the splicing and the WAV
encoding. Uncached: every call a different number in a fresh cache folder; cached: the same
numbers again (a recall). Target: uncached p99 < 500 ms (the chime alone lasts 0.9 s, so the
sentence is ready before the chime would have ended).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.http_load import percentile
from display import audio
from display.announcer import Announcer

TARGET_P99_MS = 500.0


class _Instant:
    """A player that plays nothing and returns at once."""

    def play(self, wav_bytes: bytes, name: str) -> str:
        """Do nothing."""
        return "bench"


def latencies(announcer: Announcer, calls: list[tuple[str, str]]) -> tuple[list[float], bool]:
    """Milliseconds from ``announce()`` to the sound ready, per call; and whether every one
    came from the cache."""
    spent, all_cached = [], True
    for number, window in calls:
        item = announcer.announce(number, window)
        if not announcer.wait_idle(30) or item.ready_at is None:
            raise RuntimeError(f"the announcement of {number} did not finish")
        spent.append((item.ready_at - item.queued_at) * 1000)
        all_cached = all_cached and item.cached
    return spent, all_cached


def row(name: str, values: list[float]) -> str:
    """One line of the table."""
    return f"| {name} | {percentile(values, 0.5):.1f} ms | {percentile(values, 0.99):.1f} ms |"


def main(argv: list[str] | None = None) -> int:
    """Measure; exit 1 when the uncached p99 misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="calls per row")
    args = parser.parse_args(argv)
    calls = [(f"A{n:03d}", str(1 + n % 30)) for n in range(args.calls)]
    with tempfile.TemporaryDirectory(prefix="hallq-bench-voice-") as tmp:
        announcer = Announcer(player=_Instant(), cache_dir=Path(tmp) / "sentences")
        try:
            announcer.announce("Z999", "1")  # load numpy paths, the chime: not measured
            announcer.wait_idle(30)
            fresh, _ = latencies(announcer, calls)
            cached, all_cached = latencies(announcer, calls)
            wav, source = announcer.compose("A018", "3")
        finally:
            announcer.stop()
    print(f"load average at the start: {os.getloadavg()[0]:.2f}; {args.calls} calls per row")
    print("| call event → first audio sample ready | p50 | p99 |\n|---|---:|---:|")
    print(row("sentence synthesised (espeak-ng + sox)", fresh))
    print(row("sentence from the cache (a recall)", cached))
    print(f"one call said twice (chime, 'A018' to window 3 twice, {source}): "
          f"{audio.duration_s(wav):.2f} s; every repeat cached: {all_cached}")
    met = percentile(fresh, 0.99) < TARGET_P99_MS
    print(f"target uncached p99 < {TARGET_P99_MS:.0f} ms: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"({time.monotonic() - started:.1f} s)", file=sys.stderr)
    sys.exit(code)
