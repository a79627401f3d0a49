"""The soak of ``make soak`` (``bench/soak.py``) in its quick mode, so that it cannot rot: real
processes (PostgreSQL, central, two hall nodes, their sync agents), a short slice of the day,
one kill -9 of each process and a central outage; it must exit 0 with every invariant held."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_quick_soak_keeps_every_acknowledged_operation_exactly_once(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--minutes", "0.5", "--speed", "30", "--kills", "1",
         "--phone-share", "0.3", "--out", str(out), "--work-dir", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["passed"]
    assert set(report["kills"].values()) == {1}, report["kills"]    # each process once
    assert [c["what"] for c in report["run"]["chaos"]].count("outage") == 1
    acked = report["acked"]
    assert all(acked.get(op, 0) > 0 for op in ("issue", "phone", "call", "serve", "finish"))
    assert sum(report["unacked"].values()) > 0, "the kills cost no request: no chaos happened"
    for hall in report["halls"]:
        assert all(hall["invariants"].values()), hall
        assert hall["events"] == hall["central_events"] > 0
    assert set(report["memory"]["processes"]) == set(report["kills"])
