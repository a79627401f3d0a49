"""Technician glue for calling keypads, used by the ``hallq devices`` CLI.

``discover`` lists serial ports as candidate ``keypad://`` URLs (without writing to them),
``self_test`` checks the keypad answers, shows a test text, lights the LEDs and reports the
keys pressed within a few seconds, and ``run_sim`` serves simulated keypads on a pty (keys
are pressed by typing their names on standard input: ``call``, ``finish``, ``7``…).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import TextIO

from devices.base import DeviceURLError
from devices.busframe import check_address
from devices.keypad import protocol as proto
from devices.keypad.keys import KEY_NAMES, LABELS, Key, digit_of, key_named
from devices.keypad.pad import Keypad, SerialKeypad
from devices.keypad.simulator import KeypadSimulator, KeypadState
from devices.registry import open_device
from devices.techkit import add_bus_sim_arguments, serial_ports, serve_bus_sim

#: How long self_test waits for the technician to press keys (seconds).
KEY_WAIT = 3.0
TEST_LINES = ("呼叫器自检 请按键", "SELF-TEST: press")
ALL_LEDS = proto.LED_OPEN | proto.LED_PAUSED | proto.LED_BUSY


def discover() -> list[tuple[str, str]]:
    """Every serial port as a candidate ``keypad://`` URL; the address is not probed."""
    return [(f"keypad://{port.device}?addr=1",
             f"串口 / serial port: {port.description} (地址未探测 / keypad address not probed)")
            for port in serial_ports()]


def key_text(key: Key) -> str:
    """A key as a technician reads it: ``叫号 / Call`` or ``7``."""
    digit = digit_of(key)
    if digit is not None:
        return str(digit)
    zh, en = LABELS[key]
    return f"{zh} / {en}"


def self_test(url: str) -> str:
    """Status check, test text with every LED lit, keys for KEY_WAIT s, blank; report each."""
    keypad = open_device(url)
    if not isinstance(keypad, Keypad):
        keypad.close()
        raise DeviceURLError(f"{url} is not a calling keypad")
    lines = [f"呼叫器自检 / calling keypad self-test: {url}"]
    try:
        if isinstance(keypad, SerialKeypad):
            lines.append(f"  串口 / port: {keypad.line.port}, 地址 / address: {keypad.addr}")
        keypad.check()
        lines.append("  状态查询 / status: OK")
        keypad.poll_keys()  # keys pressed before the test do not count
        keypad.show(*TEST_LINES, leds=ALL_LEDS)
        lines.append(f"  显示 / display: OK, 指示灯全亮 / every LED lit; 请在 {KEY_WAIT:g} 秒内"
                     f"按键 / press keys within {KEY_WAIT:g} s")
        pressed: list[Key] = []
        deadline = time.monotonic() + KEY_WAIT
        while time.monotonic() < deadline:
            pressed += keypad.poll_keys()
            time.sleep(0.05)
        if pressed:
            lines += [f"  按键 / key: {key_text(key)}" for key in pressed]
        else:
            lines.append("  按键 / key: 未按键（不算故障）/ none pressed (not a failure)")
        keypad.show("", "")
        lines.append("  清屏 / blank: OK")
        lines.append(f"  状态 / state: {keypad.state.value}")
    finally:
        keypad.close()
    return "\n".join(lines)


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the standalone keypad simulator."""
    add_bus_sim_arguments(parser, "keypad")
    parser.add_argument("--auto", type=key_named, metavar="KEY",
                        help=f"press this key by itself after every display command "
                             f"({', '.join(KEY_NAMES)} or a digit), for demos")
    parser.add_argument("--delay", type=float, default=2.0, metavar="SECONDS",
                        help="seconds between a display command and the automatic press")


def run_sim(args: argparse.Namespace) -> int:
    """Serve simulated keypads on a pty until SIGINT/SIGTERM; print what they show, and press
    the keys named on standard input (on the first keypad)."""
    addrs = [check_address(addr) for addr in (args.addr or [1])]
    simulator = KeypadSimulator(addrs, auto_press=args.auto, delay=args.delay)
    simulator.inject(args.fault)
    simulator.on_change = _print_change
    threading.Thread(target=press_from, args=(simulator, sys.stdin), daemon=True,
                     name="keypad-stdin").start()
    return serve_bus_sim(simulator, args.link,
                         f"模拟呼叫器 / simulated calling keypads {addrs}; 输入键名回车即按键 / "
                         f"type a key name and Enter to press it ({', '.join(KEY_NAMES)}, 0..9)",
                         lambda port: [f"keypad://{port}?addr={addr}" for addr in addrs])


def press_from(simulator: KeypadSimulator, stream: TextIO) -> None:
    """Press the key named on each line of ``stream`` until it ends."""
    for line in stream:
        if not line.strip():
            continue
        try:
            simulator.press(line)
        except ValueError as err:
            print(f"未知按键 / unknown key: {err}", flush=True)


def _print_change(addr: int, keypad: KeypadState) -> None:
    print(f"呼叫器 / keypad {addr}: {' | '.join(keypad.lines)!r} LEDs {keypad.leds:#04x}, "
          f"{len(keypad.queue)} key(s) queued", flush=True)
