"""What the technician glue of every device kind (``devices/*/tech.py``) shares: the serial
ports to offer as candidates, running a simulator until SIGINT/SIGTERM, and a stable symlink
to a simulator's pty."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from serial.tools import list_ports


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
