"""The calling keypad interface and its serial driver.

URL: ``keypad:///dev/ttyUSB2?addr=3&baud=9600&timeout=0.5&retries=2`` (``addr`` 1..254,
default 1; ``timeout`` seconds per try). Error codes: see :mod:`devices.keypad.errors`.
"""

from __future__ import annotations

import abc
import logging
import threading
from typing import TypeVar

from devices.base import Device, DeviceURL, DeviceURLError, parse_device_url
from devices.bus_device import BusDriver
from devices.busframe import BROADCAST, BusLine, Frame, url_address
from devices.keypad import protocol as proto
from devices.keypad.errors import KeypadDisconnected, KeypadTimeout
from devices.keypad.keys import Key

log = logging.getLogger("hallq.devices.keypad")

T = TypeVar("T")


class Keypad(Device, abc.ABC):
    """A calling keypad at a window: the keys staff press, and its 2-line display and LEDs."""

    kind = "keypad"

    @abc.abstractmethod
    def check(self) -> None:
        """Ask the keypad to answer (a technician's check); raises when it does not."""

    @abc.abstractmethod
    def poll_keys(self) -> list[Key]:
        """The keys pressed since the last poll, in order (empty when none)."""

    @abc.abstractmethod
    def show(self, line1: str, line2: str = "", leds: int = 0) -> None:
        """Show two lines (each cut to 16 columns) and set the LEDs (``protocol.LED_*``)."""


class SerialKeypad(BusDriver, Keypad):
    """A keypad on a serial / RS-485 line; polled, every command acknowledged, with retries."""

    disconnected_error = KeypadDisconnected
    timeout_error = KeypadTimeout

    def __init__(self, url: str, line: BusLine, addr: int = 1) -> None:
        super().__init__(url)
        if addr == BROADCAST:
            raise DeviceURLError(f"a keypad needs its own address, not broadcast: {url}")
        self.line = line
        self.addr = addr
        self.last_seq = 0  # the last key event taken, acknowledged with the next poll
        self._lock = threading.Lock()

    def open(self) -> None:
        """Open the serial port now (commands open it anyway)."""
        with self._lock:
            self._guard(self.line.open)

    def close(self) -> None:
        """Close the serial port."""
        with self._lock:
            self.line.close()

    def check(self) -> None:
        """Send the status command; raises when the keypad does not answer."""
        self._command(proto.encode_command(self.addr, proto.STATUS))

    def poll_keys(self) -> list[Key]:
        """Acknowledge the keys taken so far and take the next ones (unknown codes skipped)."""
        reply = self._command(proto.encode_poll(self.addr, self.last_seq))
        keys = []
        for seq, key in proto.events_of(reply):
            self.last_seq = seq
            if key is not None:
                keys.append(key)
        return keys

    def show(self, line1: str, line2: str = "", leds: int = 0) -> None:
        """Show two lines (each cut to 16 columns, unknown characters as "?") and the LEDs."""
        self._command(proto.encode_display(self.addr, proto.fit(line1), proto.fit(line2), leds))

    def _command(self, request: bytes) -> Frame:
        return proto.check_reply(self.addr, self._exchange(request))


K = TypeVar("K", bound="SerialKeypad")


def keypad_from_parsed(parsed: DeviceURL, cls: type[K]) -> K:
    """A ``cls`` keypad from a parsed URL's path and parameters (the simulator swaps its pty
    in)."""
    line = BusLine.from_url(parsed, disconnected=KeypadDisconnected, timeout_error=KeypadTimeout)
    return cls(parsed.raw, line, url_address(parsed))


def open_url(url: str) -> SerialKeypad:
    """The keypad a ``keypad://`` URL names (not opened yet)."""
    parsed = parse_device_url(url)
    if parsed.scheme != "keypad":
        raise DeviceURLError(f"not a keypad:// URL: {url}")
    return keypad_from_parsed(parsed, SerialKeypad)
