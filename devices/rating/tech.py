"""Technician glue for rating pads, used by the ``hallq devices`` CLI.

``discover`` lists serial ports as candidate ``rating://`` URLs (without writing to them),
``self_test`` checks the pad answers, lights it and waits a few seconds for a key, and
``run_sim`` serves simulated pads on a pty.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from devices.base import DeviceURLError
from devices.busframe import check_address
from devices.rating.levels import Rating
from devices.rating.pad import RatingPad, SerialRatingPad
from devices.rating.simulator import PadState, RatingSimulator
from devices.registry import open_device
from devices.techkit import add_bus_sim_arguments, serial_ports, serve_bus_sim

#: How long self_test waits for the technician to press a key (seconds).
KEY_WAIT = 3.0
TEST_TICKET = "TEST"


def discover() -> list[tuple[str, str]]:
    """Every serial port as a candidate ``rating://`` URL; the pad address is not probed."""
    return [(f"rating://{port.device}?addr=1",
             f"串口 / serial port: {port.description} (地址未探测 / pad address not probed)")
            for port in serial_ports()]


def self_test(url: str, key_labels: Mapping[int, tuple[str, str]] | None = None) -> str:
    """Status check, prompt, wait up to KEY_WAIT s for a key, cancel; report each step.

    ``key_labels`` names each key (level -> Chinese, English): the hall's rating levels, which
    ``hallq`` passes in (``devices`` may not import the hall); without them keys are numbers."""
    pad = open_device(url)
    if not isinstance(pad, RatingPad):
        pad.close()
        raise DeviceURLError(f"{url} is not a rating pad")
    lines = [f"评价器自检 / rating pad self-test: {url}"]
    try:
        if isinstance(pad, SerialRatingPad):
            lines.append(f"  串口 / port: {pad.line.port}, 地址 / address: {pad.addr}")
        pad.check()
        lines.append("  状态查询 / status: OK")
        pad.prompt(TEST_TICKET)
        lines.append(f"  评价提示 / prompt: OK; 请在 {KEY_WAIT:g} 秒内按任意键 / "
                     f"press any key within {KEY_WAIT:g} s")
        rating = pad.read_rating(KEY_WAIT)
        if rating is None:
            lines.append("  按键 / key: 未按键（不算故障）/ none pressed (not a failure)")
        else:
            zh, en = (key_labels or {}).get(int(rating), ("", ""))
            named = f" {zh} / {en}" if zh else f" ({rating.name})"
            lines.append(f"  按键 / key: {int(rating)}{named}")
        pad.cancel()
        lines.append("  取消 / cancel: OK")
        lines.append(f"  状态 / state: {pad.state.value}")
    finally:
        pad.close()
    return "\n".join(lines)


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the standalone pad simulator."""
    add_bus_sim_arguments(parser, "pad")
    parser.add_argument("--auto", type=int, choices=[int(r) for r in Rating], metavar="LEVEL",
                        help="press this level (1..5) by itself after every prompt, for demos")
    parser.add_argument("--delay", type=float, default=2.0, metavar="SECONDS",
                        help="seconds between a prompt and the automatic press (default 2)")


def run_sim(args: argparse.Namespace) -> int:
    """Serve simulated pads on a pty until SIGINT/SIGTERM; print where and what they show."""
    addrs = [check_address(addr) for addr in (args.addr or [1])]
    simulator = RatingSimulator(addrs, auto_press=args.auto, delay=args.delay)
    simulator.inject(args.fault)
    simulator.on_change = _print_change
    auto = f", auto-press {args.auto} after {args.delay:g} s" if args.auto else ""
    return serve_bus_sim(simulator, args.link,
                         f"模拟评价器 / simulated rating pads {addrs}{auto}",
                         lambda port: [f"rating://{port}?addr={addr}" for addr in addrs])


def _print_change(addr: int, pad: PadState) -> None:
    key = f", key {pad.key} ({Rating(pad.key).name})" if pad.key else ""
    print(f"评价器 / pad {addr}: {pad.display!r}{key}", flush=True)

