"""Technician glue for window LED screens, used by the ``hallq devices`` CLI.

``discover`` lists serial ports as candidate ``led://`` URLs (without writing to them: the
port may belong to another device), ``self_test`` shows a test text, sets the brightness and
clears, ``run_sim`` serves simulated screens on a pty.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from devices.base import DeviceURLError
from devices.busframe import BROADCAST, check_address
from devices.led.errors import LedUnsupported
from devices.led.protocols import MAX_BRIGHTNESS, PROTOCOLS
from devices.led.screen import LedScreen, SerialLedScreen
from devices.led.simulator import LedSimulator, ScreenState, SimulatedLedScreen
from devices.registry import open_device
from devices.techkit import add_bus_sim_arguments, serial_ports, serve_bus_sim

TEST_TEXT = "测试 TEST 0123"


def discover() -> list[tuple[str, str]]:
    """Every serial port as a candidate ``led://`` URL; the screen address is not probed."""
    return [(f"led://{port.device}?addr=1&protocol=hallbus",
             f"串口 / serial port: {port.description} (屏地址未探测 / screen address not probed)")
            for port in serial_ports()]


def self_test(url: str) -> str:
    """Show a test text, set full brightness, clear; report each step with its time."""
    screen = open_device(url)
    if not isinstance(screen, LedScreen):
        screen.close()
        raise DeviceURLError(f"{url} is not an LED screen")
    lines = [f"窗口屏自检 / LED screen self-test: {url}"]
    done = "OK"
    try:
        if isinstance(screen, SerialLedScreen):
            lines.append(f"  串口 / port: {screen.line.port}, 地址 / address: {screen.addr}, "
                         f"协议 / protocol: {screen.protocol.name}")
            if not screen.protocol.acknowledged or screen.addr == BROADCAST:
                done = "已发送 / sent"
                lines.append("  该协议无应答，请目视检查 / no acknowledgement in this protocol: "
                             "look at the screen")
        lines.append(_step("显示 / show text", done, lambda: screen.show_text(TEST_TEXT)))
        try:
            lines.append(_step("亮度 / brightness", done,
                               lambda: screen.set_brightness(MAX_BRIGHTNESS)))
        except LedUnsupported:
            lines.append("  亮度 / brightness: 不支持 / not supported by this protocol")
        if isinstance(screen, SimulatedLedScreen):
            screen.simulator.wait_for_text(screen.addr, TEST_TEXT, timeout=1.0)
            shown = screen.simulator.screens[screen.addr].text
            lines.append(f"  模拟屏显示 / simulator shows: {shown!r}")
        lines.append(_step("清屏 / clear", done, screen.clear))
        lines.append(f"  状态 / state: {screen.state.value}")
    finally:
        screen.close()
    return "\n".join(lines)


def _step(name: str, done: str, action: Callable[[], None]) -> str:
    started = time.monotonic()
    action()
    return f"  {name}: {done} ({(time.monotonic() - started) * 1000:.0f} ms)"


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the standalone screen simulator."""
    add_bus_sim_arguments(parser, "screen")
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), default="hallbus",
                        help="wire protocol the screens speak (default: hallbus)")
    parser.add_argument("--png-dir", type=Path, metavar="DIR",
                        help="write DIR/screen-<addr>.png after every change, to look at")


def run_sim(args: argparse.Namespace) -> int:
    """Serve simulated screens on a pty until SIGINT/SIGTERM; print where and what they show."""
    addrs = [check_address(addr) for addr in (args.addr or [1])]
    if args.png_dir is not None:
        args.png_dir.mkdir(parents=True, exist_ok=True)
    simulator = LedSimulator(addrs, protocol=args.protocol, png_dir=args.png_dir)
    simulator.inject(args.fault)
    simulator.on_change = _print_change
    return serve_bus_sim(
        simulator, args.link, f"模拟窗口屏 / simulated LED screens {addrs} ({args.protocol})",
        lambda port: [f"led://{port}?addr={addr}&protocol={args.protocol}" for addr in addrs])


def _print_change(addr: int, screen: ScreenState) -> None:
    print(f"屏 / screen {addr}: {screen.text!r} ({screen.effect.value}, "
          f"brightness {screen.brightness})", flush=True)

