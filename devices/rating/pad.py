"""The rating pad interface and its serial driver.

URL: ``rating:///dev/ttyUSB2?addr=3&poll=0.1&baud=9600&timeout=0.5&retries=2``
(``addr`` 1..254, default 1; ``poll`` seconds between key polls; ``timeout`` seconds per try).
Error codes: see :mod:`devices.rating.errors`.
"""

from __future__ import annotations

import abc
import logging
import threading
import time
from typing import TypeVar

from devices.base import (
    Device,
    DeviceError,
    DeviceURL,
    DeviceURLError,
    parse_device_url,
)
from devices.bus_device import BusDriver
from devices.busframe import BROADCAST, BusLine, Frame, url_address
from devices.rating import protocol as proto
from devices.rating.errors import RatingDisconnected, RatingTimeout
from devices.rating.levels import Rating

log = logging.getLogger("hallq.devices.rating")

T = TypeVar("T")


class RatingPad(Device, abc.ABC):
    """A five-key rating pad at a window: prompt, wait for a key, or cancel."""

    kind = "rating"

    @abc.abstractmethod
    def check(self) -> None:
        """Ask the pad to answer (a technician's check); raises when it does not."""

    @abc.abstractmethod
    def prompt(self, ticket_number: str) -> None:
        """Light the keys and show ``<ticket_number> 请评价``."""

    @abc.abstractmethod
    def read_rating(self, timeout: float) -> Rating | None:
        """The level pressed within ``timeout`` seconds, or None when the citizen did not press.

        After a key the pad thanks the citizen and goes dark; after None the pad stays lit
        until :meth:`cancel` (or the next prompt).
        """

    @abc.abstractmethod
    def cancel(self) -> None:
        """Turn the keys off and forget any key pressed."""


class SerialRatingPad(BusDriver, RatingPad):
    """A pad on a serial / RS-485 line; polled, every command acknowledged, with retries."""

    disconnected_error = RatingDisconnected
    timeout_error = RatingTimeout

    def __init__(self, url: str, line: BusLine, addr: int = 1, poll: float = 0.1) -> None:
        super().__init__(url)
        if addr == BROADCAST:
            raise DeviceURLError(f"a rating pad needs its own address, not broadcast: {url}")
        self.line = line
        self.addr = addr
        self.poll = poll
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
        """Send the status command; raises when the pad does not answer."""
        self._command(proto.encode_command(self.addr, proto.STATUS))

    def prompt(self, ticket_number: str) -> None:
        """Light the keys and show ``<ticket_number> 请评价``."""
        self._command(proto.encode_prompt(self.addr, ticket_number))
        log.info("pad %d prompted", self.addr)

    def cancel(self) -> None:
        """Turn the keys off and forget any key pressed."""
        self._command(proto.encode_command(self.addr, proto.CANCEL))

    def read_rating(self, timeout: float) -> Rating | None:
        """Poll the pad until a key comes or ``timeout`` passes (None: nobody pressed)."""
        deadline = time.monotonic() + timeout
        while True:
            key = self.poll_key()
            if key is not None:
                self._thank()
                log.info("pad %d rated %d", self.addr, key)
                return key
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            time.sleep(min(self.poll, remaining))

    def poll_key(self) -> Rating | None:
        """Ask the pad once for the key pressed since the prompt (None: none yet)."""
        return proto.key_of(self._command(proto.encode_command(self.addr, proto.POLL)))

    def _thank(self) -> None:
        """Tell the pad the rating arrived; the rating stands even if this fails."""
        try:
            self._command(proto.encode_command(self.addr, proto.THANKS))
        except DeviceError as exc:
            log.warning("pad %d did not take the thanks: %s", self.addr, exc.code)

    def _command(self, request: bytes) -> Frame:
        return proto.check_reply(self.addr, self._exchange(request))


P = TypeVar("P", bound="SerialRatingPad")


def pad_from_parsed(parsed: DeviceURL, cls: type[P]) -> P:
    """A ``cls`` pad from a parsed URL's path and parameters (the simulator swaps its pty in)."""
    raw_poll = parsed.param("poll", "0.1") or ""
    try:
        poll = float(raw_poll)
    except ValueError:
        raise DeviceURLError(f"poll={raw_poll!r} is not a number in {parsed.raw}") from None
    line = BusLine.from_url(parsed, disconnected=RatingDisconnected, timeout_error=RatingTimeout)
    return cls(parsed.raw, line, url_address(parsed), max(poll, 0.01))


def open_url(url: str) -> SerialRatingPad:
    """The pad a ``rating://`` URL names (not opened yet)."""
    parsed = parse_device_url(url)
    if parsed.scheme != "rating":
        raise DeviceURLError(f"not a rating:// URL: {url}")
    return pad_from_parsed(parsed, SerialRatingPad)
