"""Run every benchmark in turn (``make bench``); each prints its own table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def benchmarks() -> list[str]:
    """Module names of the benchmarks (``bench/bench_*.py``)."""
    return sorted(f"bench.{p.stem}" for p in HERE.glob("bench_*.py"))


def main() -> int:
    """Run them all; the exit code is the number that failed."""
    failed = 0
    for module in benchmarks():
        print(f"\n=== {module} ===", flush=True)
        failed += subprocess.call([sys.executable, "-m", module], cwd=HERE.parent) != 0
    return failed


if __name__ == "__main__":
    sys.exit(main())
