"""The technician CLI ``hallq devices``: list, test, read-idcard, sim; output and exit codes."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.cli import KINDS, format_table, kind_of_url, register
from devices.keypad.keys import Key
from devices.keypad.pad import SerialKeypad
from devices.keypad.pad import open_url as open_keypad_url
from devices.keypad.simulator import KeypadSimulator
from devices.led.screen import SerialLedScreen, open_url
from devices.led.simulator import LedSimulator
from devices.rating.pad import SerialRatingPad
from devices.rating.pad import open_url as open_rating_url
from tests.helpers.serial_lines import SharedBus, SilentPort

REPO = Path(__file__).resolve().parents[3]


def run(argv: list[str]) -> int:
    """Parse ``argv`` as the main CLI would, then run the chosen command."""
    parser = argparse.ArgumentParser(prog="hallq")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_test_led_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "test", "sim://led?addr=3"]) == 0
    out = capsys.readouterr().out
    assert "LED screen self-test: sim://led?addr=3" in out
    assert "simulator shows: '测试 TEST 0123'" in out and "state: ready" in out


def test_test_keypad_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "test", "sim://keypad?addr=4&auto=call&delay=0.05"]) == 0
    out = capsys.readouterr().out
    assert "calling keypad self-test: sim://keypad?addr=4" in out
    assert "key: 叫号 / Call" in out and "state: ready" in out


def test_test_keypad_unplugged_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "test", "keypad:///dev/hallq-no-such-port?addr=4"]) == 2
    assert capsys.readouterr().err.startswith("[keypad.disconnected] 呼叫器串口未连接")


def test_test_rating_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "test", "sim://rating?addr=3&auto=5&delay=0.05"]) == 0
    assert "key: 5 (VERY_SATISFIED)" in capsys.readouterr().out


@pytest.mark.parametrize("url", ["foo://x", "sim://toaster", "nonsense", "led://"])
def test_bad_url_exits_2_with_the_code(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "test", url]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("[device.bad_url] 设备地址无效 / Invalid device URL")


@pytest.mark.allow_log("no reply on")
def test_device_failure_exits_2_with_its_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "test", "sim://led?addr=3&fault=no_ack&timeout=0.05&retries=0"]) == 2
    assert capsys.readouterr().err.startswith("[led.timeout] 窗口屏无应答")
    assert run(["devices", "test", "rating:///dev/hallq-no-such-port?addr=2"]) == 2
    assert capsys.readouterr().err.startswith("[rating.disconnected]")


def test_kind_of_url() -> None:
    assert kind_of_url("led:///dev/ttyUSB1?addr=3") == "led"
    assert kind_of_url("escpos+tcp://10.0.0.5:9100") == "printer"
    assert kind_of_url("ga467:///dev/ttyUSB0") == "idcard"
    assert kind_of_url("sim://rating?auto=5") == "rating"
    assert kind_of_url("keypad:///dev/ttyUSB2?addr=4") == "keypad"
    assert kind_of_url("sim://keypad") == "keypad"


def test_list_without_probe_mentions_every_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices", "list", "--no-probe"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["KIND", "URL", "DESCRIPTION"]
    for kind in KINDS:  # a row, "none found", or "skipped" when its module is not there yet
        assert any(line.startswith(kind) or line.startswith(f"note: {kind}:") for line in lines)
    assert "note: led: none found" in out or any(
        line.startswith("led ") and "led:///dev/" in line for line in lines)


def test_list_prints_what_answered_and_a_note_per_silent_port(
        capsys: pytest.CaptureFixture[str]) -> None:
    bus = SharedBus(LedSimulator([2]), KeypadSimulator([14])).start()
    silent = SilentPort().start()
    try:
        assert run(["devices", "list", "--port", bus.port, "--port", silent.port,
                    "--timeout", "0.04"]) == 0
    finally:
        bus.stop()
        silent.stop()
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split()[:2] for line in lines[1:] if not line.startswith("note:")]
    on_ptys = [row for row in rows if bus.port in row[1] or silent.port in row[1]]
    assert on_ptys == [["led", f"led://{bus.port}?addr=2&protocol=hallbus"],
                       ["keypad", f"keypad://{bus.port}?addr=14"]]
    assert f"note: {silent.port}: 没有设备应答 / no device answered" in lines
    assert not any(bus.port in line for line in lines if line.startswith("note:"))


@pytest.mark.parametrize("timeout", ["0", "-1", "soon", "60"])
def test_list_refuses_a_bad_timeout(timeout: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(["devices", "list", "--timeout", timeout])
    assert exited.value.code == 2
    assert "seconds" in capsys.readouterr().err


def test_format_table() -> None:
    assert format_table([("KIND", "URL", "DESCRIPTION"), ("led", "led:///dev/ttyUSB0", "x")]) == (
        "KIND  URL                 DESCRIPTION\n"
        "led   led:///dev/ttyUSB0  x")


def test_read_idcard(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("devices.idcard.tech")
    assert run(["devices", "read-idcard", "sim://idcard", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["url"] == "sim://idcard" and "present" in data
    assert run(["devices", "read-idcard", "sim://idcard"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("url") and "sim://idcard" in out and "{" not in out.splitlines()[0]


def test_every_command_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["devices"], ["devices", "test"], ["devices", "list"], ["devices", "sim"],
                 ["devices", "sim", "led"], ["devices", "sim", "rating"],
                 ["devices", "sim", "keypad"],
                 ["devices", "read-idcard"]):
        with pytest.raises(SystemExit) as info:
            run([*argv, "--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: hallq devices") and len(out.splitlines()) > 4
    with pytest.raises(SystemExit):
        run(["devices", "test", "--help"])
    assert "examples:" in capsys.readouterr().out
    assert run(["devices"]) == 2  # no command: help on stderr
    assert "list" in capsys.readouterr().err


def start_sim(kind: str, *options: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m devices.cli devices sim KIND``; return it and the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "devices.cli", "devices", "sim", kind, *options],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"})
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("URL: "):
            return process, line.removeprefix("URL: ").strip()
    process.kill()
    process.communicate()
    pytest.fail(f"the {kind} simulator printed no URL")


def stop_sim(process: subprocess.Popen[str]) -> str:
    """SIGTERM the simulator, check it exits 0, return the rest of its output."""
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    return out


def test_sim_led_runs_until_sigterm(tmp_path: Path) -> None:
    process, url = start_sim("led", "--addr", "3", "--png-dir", str(tmp_path),
                             "--link", str(tmp_path / "ttyLED"))
    try:
        assert url == f"led://{tmp_path / 'ttyLED'}?addr=3&protocol=hallbus"
        with open_url(url) as screen:
            assert isinstance(screen, SerialLedScreen)
            screen.show_call("A001", "3")
        assert (tmp_path / "screen-3.png").stat().st_size > 0
    finally:
        out = stop_sim(process)
    assert "screen 3: 'A001 请到3号窗口'" in out
    assert not (tmp_path / "ttyLED").exists()


def test_sim_rating_runs_until_sigterm() -> None:
    process, url = start_sim("rating", "--addr", "4", "--auto", "5", "--delay", "0.05")
    try:
        assert url.startswith("rating:///dev/pts/") and url.endswith("?addr=4")
        with open_rating_url(f"{url}&poll=0.02") as pad:
            assert isinstance(pad, SerialRatingPad)
            pad.prompt("A001")
            assert pad.read_rating(2.0) == 5
    finally:
        out = stop_sim(process)
    assert "pad 4: 'A001 请评价'" in out and "key 5 (VERY_SATISFIED)" in out


def test_sim_keypad_presses_the_keys_typed(tmp_path: Path) -> None:
    """``hallq devices sim keypad``: keys typed on its standard input reach the driver."""
    process = subprocess.Popen(
        [sys.executable, "-m", "devices.cli", "devices", "sim", "keypad", "--addr", "4",
         "--link", str(tmp_path / "ttyKEYS")],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONWARNINGS": "error"})
    assert process.stdin is not None and process.stdout is not None
    try:
        url = next(line.removeprefix("URL: ").strip() for line in process.stdout
                   if line.startswith("URL: "))
        assert url == f"keypad://{tmp_path / 'ttyKEYS'}?addr=4"
        process.stdin.write("call\nlaunch\n7\n")
        process.stdin.flush()
        with open_keypad_url(url) as keypad:
            assert isinstance(keypad, SerialKeypad)
            keys: list[Key] = []
            deadline = time.monotonic() + 5
            while len(keys) < 2 and time.monotonic() < deadline:
                keys += keypad.poll_keys()
                time.sleep(0.02)
            assert keys == [Key.CALL, Key.DIGIT_7]
            keypad.show("A012 办理中", "A012 serving")
    finally:
        out = stop_sim(process)
    assert "unknown key" in out and "keypad 4: 'A012 办理中 | A012 serving'" in out
