"""The window LED screen interface and its serial driver.

URL: ``led:///dev/ttyUSB1?addr=3&protocol=hallbus&baud=9600&timeout=0.5&retries=2``
(``addr`` 1..254 or 255 for broadcast, default 1; ``protocol`` one of
:data:`devices.led.protocols.PROTOCOLS`, default ``hallbus``; ``timeout`` in seconds per try).
Error codes: see :mod:`devices.led.errors`.
"""

from __future__ import annotations

import abc
import logging
import threading
from typing import TypeVar

from devices.base import Device, DeviceURLError, parse_device_url
from devices.bus_device import BusDriver
from devices.busframe import BusLine, ReplyReader, url_address
from devices.led.errors import LedBadText, LedDisconnected, LedRejected, LedTimeout
from devices.led.protocols import PROTOCOLS, Effect, LedAck, LedProtocol

log = logging.getLogger("hallq.devices.led")

T = TypeVar("T")

PAUSED_TEXT = "暂停服务"


def call_text(number: str, window: str) -> str:
    """The text of a call, e.g. ``A001 请到3号窗口``."""
    number, window = number.strip(), window.strip()
    if not number or not window:
        raise LedBadText(f"a call needs a ticket number and a window, got {number!r} {window!r}")
    return f"{number} 请到{window}号窗口"


class LedScreen(Device, abc.ABC):
    """A window LED screen: shows the current call, a pause notice or any text."""

    kind = "led"

    def show_call(self, number: str, window: str) -> None:
        """Show a call, e.g. ``show_call("A001", "3")`` -> ``A001 请到3号窗口``."""
        self.show_text(call_text(number, window))

    def show_paused(self) -> None:
        """Show that the window is paused (暂停服务)."""
        self.show_text(PAUSED_TEXT)

    @abc.abstractmethod
    def show_text(self, text: str, effect: Effect = Effect.STATIC) -> None:
        """Show ``text`` with an effect (static, scrolling or flashing)."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Blank the screen."""

    @abc.abstractmethod
    def set_brightness(self, level: int) -> None:
        """Set the brightness, 0 (dimmest) .. 15 (brightest)."""


class SerialLedScreen(BusDriver, LedScreen):
    """A screen on a serial / RS-485 line; commands wait for the ack (if any), with retries.

    The port opens on first use. When it vanishes the state becomes DISCONNECTED and the
    next command opens it again.
    """

    disconnected_error = LedDisconnected
    timeout_error = LedTimeout

    def __init__(self, url: str, line: BusLine, protocol: LedProtocol, addr: int = 1) -> None:
        super().__init__(url)
        self.line = line
        self.protocol = protocol
        self.addr = addr
        self._lock = threading.Lock()

    def open(self) -> None:
        """Open the serial port now (commands open it anyway)."""
        with self._lock:
            self._guard(self.line.open)

    def close(self) -> None:
        """Close the serial port."""
        with self._lock:
            self.line.close()

    def show_text(self, text: str, effect: Effect = Effect.STATIC) -> None:
        """Show ``text``; raises LedTimeout when the screen does not ack it."""
        self._command(self.protocol.encode_text(self.addr, text, effect))
        log.info("screen %d shows %d characters", self.addr, len(text))

    def clear(self) -> None:
        """Blank the screen."""
        self._command(self.protocol.encode_clear(self.addr))

    def set_brightness(self, level: int) -> None:
        """Set the brightness 0..15 (LedUnsupported when the protocol has no such command)."""
        self._command(self.protocol.encode_brightness(self.addr, level))

    def _command(self, request: bytes) -> None:
        with self._lock:
            ack = self._guard(lambda: self._send(request))
        if ack is not None and not ack.ok:
            raise LedRejected(f"screen {ack.addr} answered status {ack.status:#04x}")

    def _send(self, request: bytes) -> LedAck | None:
        if self.protocol.ack_reader(request) is None:
            self.line.send(request)
            return None
        return self.line.exchange(request, lambda: self._reader(request))

    def _reader(self, request: bytes) -> ReplyReader[LedAck]:
        reader = self.protocol.ack_reader(request)
        assert reader is not None
        return reader



def open_url(url: str) -> SerialLedScreen:
    """The screen a ``led://`` URL names (not opened yet)."""
    parsed = parse_device_url(url)
    if parsed.scheme != "led":
        raise DeviceURLError(f"not a led:// URL: {url}")
    name = parsed.param("protocol", "hallbus") or ""
    protocol_class = PROTOCOLS.get(name)
    if protocol_class is None:
        raise DeviceURLError(f"unknown LED protocol {name!r}; known: {sorted(PROTOCOLS)}")
    line = BusLine.from_url(parsed, disconnected=LedDisconnected, timeout_error=LedTimeout)
    return SerialLedScreen(url, line, protocol_class(), url_address(parsed))
