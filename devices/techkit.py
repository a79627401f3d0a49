"""What the technician glue of every device kind (``devices/*/tech.py``) shares: the serial
ports to offer as candidates, running a simulator until SIGINT/SIGTERM, a stable symlink to a
simulator's pty, and serving simulated devices of a bus (LED screens, rating pads,
calling keypads)."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from serial.tools import list_ports

from devices.busframe import SIM_FAULTS


def serial_ports() -> list[Any]:
    """This machine's serial ports (pyserial ``ListPortInfo``), by device path."""
    return sorted(list_ports.comports(), key=lambda port: port.device)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event that SIGINT or SIGTERM sets while inside; the previous handlers come back
    after (a simulator run from a test must not keep the test's handlers)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_for(stop: threading.Event) -> None:
    """Block until ``stop`` is set, waking twice a second so signals are handled promptly."""
    while not stop.wait(0.5):
        pass


@contextmanager
def linked_port(port: str, link: Path | None) -> Iterator[str]:
    """Point ``link`` at ``port`` (replacing an old symlink) while inside, and remove it after;
    yields the path drivers should open."""
    if link is None:
        yield port
        return
    if link.is_symlink():
        link.unlink()
    os.symlink(port, link)
    try:
        yield str(link)
    finally:
        link.unlink(missing_ok=True)


def add_bus_sim_arguments(parser: argparse.ArgumentParser, device: str) -> None:
    """``--addr``, ``--link`` and ``--fault`` of a simulator of ``device`` s on a bus."""
    parser.add_argument("--addr", type=int, action="append", metavar="N",
                        help=f"a {device} address on the line, 1..254 (repeat for more; "
                             "default 1)")
    parser.add_argument("--link", type=Path, metavar="PATH",
                        help="also make PATH a symlink to the pty, for a stable driver URL")
    parser.add_argument("--fault", choices=SIM_FAULTS,
                        help="misbehave on every reply, to test how apps cope")


class Simulator(Protocol):
    """A device simulator a technician runs (``hallq devices sim …``)."""

    def start(self) -> object:
        """Start serving."""
        ...

    def stop(self) -> None:
        """Stop serving."""
        ...


def serve_until_signal(simulator: Simulator, lines: list[str]) -> None:
    """With ``simulator`` started: print ``lines`` (where it listens, its URL), wait for SIGINT
    or SIGTERM, then stop it."""
    with stop_on_signals() as stop:
        try:
            for line in lines:
                print(line)
            print("按 Ctrl+C 停止 / press Ctrl+C to stop", flush=True)
            wait_for(stop)
        finally:
            simulator.stop()


class BusSimulator(Simulator, Protocol):
    """A simulator of devices on a bus, served on a pty."""

    port: str


def serve_bus_sim(simulator: BusSimulator, link: Path | None, banner: str,
                  urls: Callable[[str], list[str]]) -> int:
    """Serve a simulator of devices on a bus until SIGINT/SIGTERM: print ``banner`` and the
    driver URLs (``urls(port)``, the pty or its ``link``)."""
    simulator.start()
    port = simulator.port
    try:
        with linked_port(port, link) as shown:
            serve_until_signal(simulator, [f"{banner} on {port}",
                                           *(f"URL: {url}" for url in urls(shown))])
    except OSError:
        simulator.stop()        # the link could not be made (a second stop does nothing)
        raise
    return 0
