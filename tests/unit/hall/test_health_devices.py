"""Health's device rules with a clock the test moves: a paired app silent for longer than
``[rules] device_silent_limit_s`` during opening hours, an app's clock off the node's, a fault
kept by the store across a restart, and what the node lists for ``hallq status``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hall.config import EXAMPLE_HALL, ConfigError, HallConfig, load_config
from hall.device_book import DeviceBook, DeviceReport
from hall.health import HallHealth
from hall.node import HallNode
from tests.helpers.clocks import TUESDAY_10AM, SecondsClock

#: Tuesday 10:00 in the example hall (open 09:00–18:00, Monday to Saturday), POSIX seconds.
OPEN = TUESDAY_10AM.timestamp()


@pytest.fixture
def node(example_config: HallConfig, tmp_path: Path) -> Iterator[HallNode]:
    started = HallNode(example_config, tmp_path / "data").start()
    yield started
    started.stop()


@pytest.fixture
def clock() -> SecondsClock:
    return SecondsClock(OPEN)


def _codes(watch: HallHealth, now: float) -> list[str]:
    return [reason["code"] for reason in watch.reasons(None, now)]


def _messages(watch: HallHealth, now: float, code: str) -> list[tuple[str, str]]:
    return [(r["message_zh"], r["message_en"]) for r in watch.reasons(None, now)
            if r["code"] == code]


def test_an_app_never_heard_is_silent_only_a_minute_after_the_node_started(
        node: HallNode, clock: SecondsClock) -> None:
    node.store.pair("kiosk", "kiosk-1")
    watch = HallHealth(node, started_at=clock())
    clock.now += 60
    assert _codes(watch, clock()) == []
    clock.now += 1
    assert _messages(watch, clock(), "device_silent") == [(
        "设备 kiosk-1（自助终端）自本节点启动 61 秒以来没有消息（上限 60 秒）",
        "kiosk-1 (kiosk) has not been heard since the node started 61 s ago (limit 60 s)")]


def test_a_heard_app_is_silent_after_the_limit_and_fine_when_heard_again(
        node: HallNode, clock: SecondsClock) -> None:
    node.store.pair("caller", "console-3", "3")
    watch = HallHealth(node, started_at=clock())
    node.device_book.heard_app("console-3", "caller", clock.now + 100, clock.now + 100)
    clock.now += 160
    assert _codes(watch, clock()) == []                     # heard 60 s ago: the limit
    clock.now += 15
    assert _messages(watch, clock(), "device_silent") == [(
        "设备 console-3（叫号终端）已 75 秒没有消息（上限 60 秒）",
        "console-3 (console) has not been heard for 75 s (limit 60 s)")]
    clock.now += 3600
    assert _messages(watch, clock(), "device_silent")[0][1] == \
        "console-3 (console) has not been heard for 61.2 min (limit 60 s)"
    node.device_book.heard_app("console-3", "caller", clock(), clock())
    assert _codes(watch, clock()) == []


def test_outside_opening_hours_a_silent_app_is_no_fault(node: HallNode) -> None:
    node.store.pair("display", "wall-1")
    evening = OPEN + 10 * 3600                 # 20:00, the hall closed at 18:00
    watch = HallHealth(node, started_at=evening - 3600)
    assert _codes(watch, evening) == []
    sunday = OPEN + 5 * 86400                  # 10:00, but the hall opens Monday to Saturday
    assert _codes(watch, sunday) == []
    assert _codes(watch, OPEN + 86400) == ["device_silent"]     # Wednesday 10:00


def test_only_paired_apps_that_beat_count(node: HallNode, clock: SecondsClock) -> None:
    node.store.pair("sync", "sync-agent")
    node.store.pair("admin", "laptop")
    node.store.pair("kiosk", "kiosk-lost")
    node.store.revoke("kiosk-lost")
    watch = HallHealth(node, started_at=clock())
    assert _codes(watch, clock() + 3600) == []


def test_an_apps_clock_off_the_nodes_is_drift_until_it_is_set_right(
        node: HallNode, clock: SecondsClock) -> None:
    node.store.pair("kiosk", "kiosk-1")
    watch = HallHealth(node, started_at=clock())
    node.device_book.heard_app("kiosk-1", "kiosk", clock(), clock() - 30)
    assert _codes(watch, clock()) == []                       # 30 s: the limit
    node.device_book.heard_app("kiosk-1", "kiosk", clock(), clock() + 120)
    assert _messages(watch, clock(), "device_clock_drift") == [(
        "设备 kiosk-1（自助终端）的时钟与本节点相差 +120.0 秒（上限 30 秒）",
        "the clock of kiosk-1 (kiosk) is +120.0 s off the node's (limit 30 s)")]
    node.device_book.heard_app("kiosk-1", "kiosk", clock())   # a report without a clock
    assert _codes(watch, clock()) == ["device_clock_drift"]
    node.device_book.heard_app("kiosk-1", "kiosk", clock(), clock() + 0.4)
    assert _codes(watch, clock()) == []


def test_the_silence_limit_is_the_halls(example_config: HallConfig, tmp_path: Path,
                                        clock: SecondsClock) -> None:
    config = replace(example_config, rules=replace(example_config.rules,
                                                   device_silent_limit_s=5.0))
    node = HallNode(config, tmp_path / "data")
    try:
        node.store.pair("kiosk", "kiosk-1")
        watch = HallHealth(node, started_at=clock())
        assert _codes(watch, clock() + 5) == []
        assert _codes(watch, clock() + 6) == ["device_silent"]
    finally:
        node.stop()


def test_a_fault_outlives_a_restart_of_the_node(example_config: HallConfig,
                                                tmp_path: Path) -> None:
    first = HallNode(example_config, tmp_path / "data").start()
    first.run(lambda engine, now: ({}, engine.device_status(
        "printer", "paper_out", now, "kiosk-1", "printer.paper_out")))
    first.stop()
    again = HallNode(example_config, tmp_path / "data")
    try:
        watch = HallHealth(again, started_at=OPEN)
        assert watch.reasons(None, OPEN) == [{
            "code": "device_fault",
            "message_zh": "设备故障：kiosk-1 的 printer（paper_out, printer.paper_out）",
            "message_en": "device fault: printer at kiosk-1 (paper_out, printer.paper_out)"}]
        [line] = watch.devices()
        assert (line["where"], line["device"], line["state"]) == ("kiosk-1", "printer",
                                                                  "paper_out")
    finally:
        again.stop()


def test_the_devices_listed_for_hallq_status(node: HallNode, clock: SecondsClock) -> None:
    node.store.pair("kiosk", "kiosk-1")
    node.store.pair("display", "wall-1")
    watch = HallHealth(node, started_at=clock())
    node.device_book.heard_app("kiosk-1", "kiosk", clock(), clock() + 2)
    node.run(lambda engine, now: ({}, engine.device_status("printer", "ready", now, "kiosk-1")))
    lines = watch.devices()
    assert [(d["where"], d["role"], d["device"], d["state"], d["clock_offset"])
            for d in lines] == [("kiosk-1", "kiosk", "", "heard", 2.0),
                                ("wall-1", "display", "", "not_heard", None),
                                ("kiosk-1", "", "printer", "ready", None)]
    assert lines[1]["heard_at"] is None and lines[0]["heard_at"] == clock()


def test_a_heartbeat_writes_only_what_changed() -> None:
    book = DeviceBook([{"where": "kiosk-1", "device": "printer", "state": "paper_out",
                        "detail": "printer.paper_out", "at": 100.0}])
    same = DeviceReport("printer", "paper_out", "printer.paper_out")
    assert book.heard_devices("kiosk-1", [same], 200.0) == []
    assert book.attached()[0].heard_at == 200.0
    fixed, new = DeviceReport("printer", "ready"), DeviceReport("idcard", "ready")
    assert book.heard_devices("kiosk-1", [fixed, new], 220.0) == [fixed, new]
    assert book.heard_devices("kiosk-2", [same], 220.0) == [same]     # another kiosk's


@pytest.mark.parametrize("value", ["0", "-5", "3601", '"60"', "nan"])
def test_a_wrong_silence_limit_is_refused_naming_the_key(tmp_path: Path, value: str) -> None:
    text = EXAMPLE_HALL.read_text(encoding="utf-8")
    assert text.count("device_silent_limit_s = 60\n") == 1
    path = tmp_path / "hall.toml"
    path.write_text(text.replace("device_silent_limit_s = 60\n",
                                 f"device_silent_limit_s = {value}\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert "[rules] · device_silent_limit_s" in str(refused.value)
    path.write_text(text.replace("device_silent_limit_s = 60\n",
                                 "device_silent_limit_s = 2.5\n"), encoding="utf-8")
    assert load_config(path).rules.device_silent_limit_s == 2.5
