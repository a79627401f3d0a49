"""What makes a hall node ``degraded`` beyond what the API tests drive
(``tests/integration/test_api_health.py``): an agent gone silent, a disk almost full, devices told
apart by where they are, a hall with no agent at all."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hall import health
from hall.config import HallConfig
from hall.health import HallHealth
from hall.node import HallNode


@pytest.fixture
def node(example_config: HallConfig, tmp_path: Path) -> Iterator[HallNode]:
    started = HallNode(example_config, tmp_path / "data").start()
    yield started
    started.stop()


def _sync(reported_at: float, **lag: object) -> dict:
    """The agent's report as the node keeps it."""
    return {"events_behind": 0, "seconds_behind": 0.0, "clock": None, **lag,
            "reported_at": datetime.fromtimestamp(reported_at, UTC).isoformat()}


def test_no_agent_is_not_a_fault_but_a_silent_one_is(node: HallNode) -> None:
    watch = HallHealth(node)
    now = time.time()
    assert watch.reasons(None, now) == []                      # a hall without central
    assert watch.reasons(_sync(now - 599), now) == []          # limit: 10 min, the default
    silent = watch.reasons(_sync(now - 660), now)
    assert silent == [{"code": "sync_silent",
                       "message_zh": "同步代理已 11 分钟没有报告（上限 10 分钟）",
                       "message_en": "the sync agent has not reported for 11 min (limit 10 min)"}]


def test_a_clock_behind_counts_as_well_as_one_ahead(node: HallNode) -> None:
    watch = HallHealth(node)
    now = time.time()
    assert watch.reasons(_sync(now, clock=now - 29), now) == []
    drift = watch.reasons(_sync(now, clock=now - 31), now)
    assert [r["code"] for r in drift] == ["clock_drift"]
    assert drift[0]["message_zh"] == "同步代理的时钟与本节点相差 -31.0 秒（上限 30 秒）"


def test_an_almost_full_disk_is_said_before_writes_fail(node: HallNode,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    watch = HallHealth(node)
    assert watch.reasons(None, time.time()) == []
    monkeypatch.setattr(health, "MIN_FREE_BYTES", 2**62)      # more than any disk has
    reasons = watch.reasons(None, time.time())
    assert [r["code"] for r in reasons] == ["disk_low"]
    assert reasons[0]["message_en"].startswith("the disk is almost full: ")


def test_devices_are_told_apart_by_where_they_are(node: HallNode) -> None:
    watch = HallHealth(node)

    def report(device: str, state: str, where: str) -> None:
        node.run(lambda engine, now: ({}, engine.device_status(device, state, now, where)))

    report("printer", "paper_out", "kiosk-1")
    report("printer", "cover_open", "kiosk-2")
    report("idcard", "error", "kiosk-1")
    report("printer", "ready", "kiosk-1")
    reasons = watch.reasons(None, time.time())
    assert [r["message_en"] for r in reasons] == [
        "device fault: idcard at kiosk-1 (error)", "device fault: printer at kiosk-2 (cover_open)"]
