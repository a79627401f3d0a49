"""A pty simulator of rating pads, speaking the frames of :mod:`devices.rating.protocol`.

``press(level)`` is a citizen pressing a key; with ``auto_press`` the pad presses that key by
itself ``delay`` seconds after each prompt (for demos). Replies can misbehave on request
(``inject``: no ack, bad checksum, noise).

``sim://rating?addr=3&auto=5&delay=0.2&fault=no_ack`` gives a ready driver with its simulator
as ``.simulator``; closing the driver stops the simulator.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from devices.base import DeviceURLError, parse_device_url
from devices.bus_device import LaterPresses, sim_options
from devices.busframe import BROADCAST, BusSimulator, Frame
from devices.rating import protocol as proto
from devices.rating.levels import Rating
from devices.rating.pad import SerialRatingPad, pad_from_parsed

log = logging.getLogger("hallq.devices.rating")


@dataclass
class PadState:
    """What one simulated pad shows and holds now."""

    lit: bool = False
    ticket: str = ""
    key: int = proto.NO_KEY
    display: str = ""
    ratings: int = 0  # ratings confirmed by the host's thanks


class RatingSimulator(LaterPresses, BusSimulator):
    """Pads at ``addrs`` on one pty line; optionally pressing ``auto_press`` after a prompt."""

    def __init__(self, addrs: Iterable[int] = (1,), auto_press: int | None = None,
                 delay: float = 0.2) -> None:
        if auto_press is not None:
            Rating(auto_press)  # ValueError for a level outside 1..5
        super().__init__(addrs)
        self.pads = {addr: PadState() for addr in self.addrs}
        self.auto_press = auto_press
        self.delay = delay
        self._timers: list[threading.Timer] = []
        #: called as ``on_change(addr, pad)`` after a prompt, cancel, thanks or key press.
        self.on_change: Callable[[int, PadState], None] | None = None

    def press(self, level: int, addr: int | None = None) -> bool:
        """Press key ``level`` on pad ``addr`` (the first pad by default).

        Returns False when the pad ignores the key because it was not prompted.
        """
        Rating(level)
        addr = self.addrs[0] if addr is None else addr
        pad = self.pads[addr]
        if not pad.lit:
            return False
        pad.key = level
        self._changed(addr)
        return True

    def handle(self, addr: int, frame: Frame) -> bytes:
        """Do a pad command; reply with the status (and the key for a poll)."""
        pad = self.pads[addr]
        ctrl = frame.ctrl
        if ctrl == proto.STATUS:
            pass
        elif ctrl == proto.PROMPT:
            try:
                ticket = frame.data.decode("gb18030")
            except UnicodeDecodeError:
                return bytes((proto.STATUS_BAD_DATA,))
            pad.lit, pad.ticket, pad.key = True, ticket, proto.NO_KEY
            pad.display = f"{ticket} {proto.PROMPT_TEXT}"
            if self.auto_press is not None and frame.addr != BROADCAST:
                self._press_later(self.auto_press, addr)
        elif ctrl == proto.CANCEL:
            pad.lit, pad.ticket, pad.key, pad.display = False, "", proto.NO_KEY, ""
        elif ctrl == proto.POLL:
            return bytes((proto.STATUS_OK, pad.key))
        elif ctrl == proto.THANKS:
            if pad.key != proto.NO_KEY:
                pad.ratings += 1
            pad.lit, pad.ticket, pad.key = False, "", proto.NO_KEY
            pad.display = proto.THANKS_TEXT
        else:
            return bytes((proto.STATUS_UNKNOWN,))
        if ctrl != proto.STATUS:
            self._changed(addr)
        return bytes((proto.STATUS_OK,))

    def _changed(self, addr: int) -> None:
        if self.on_change is not None:
            self.on_change(addr, self.pads[addr])


class SimulatedRatingPad(SerialRatingPad):
    """A serial pad driver wired to an in-process simulator; close() stops both."""

    simulator: RatingSimulator

    def close(self) -> None:
        """Close the port and stop the simulator."""
        super().close()
        self.simulator.stop()


def open_sim_url(url: str) -> SimulatedRatingPad:
    """A driver and a started simulator for ``sim://rating?addr=3&auto=5&delay=0.2``."""
    parsed = parse_device_url(url)
    auto = parsed.param("auto")
    auto_press = parsed.int_param("auto", 0) if auto is not None else None
    if auto_press is not None and auto_press not in Rating._value2member_map_:
        raise DeviceURLError(f"auto={auto} in {url}; expected a level 1..5")
    delay, fault = sim_options(parsed, url)
    pad = pad_from_parsed(replace(parsed, path="sim"), SimulatedRatingPad)
    simulator = RatingSimulator([pad.addr], auto_press=auto_press, delay=delay)
    simulator.inject(fault)
    pad.line.port = simulator.start().port
    pad.simulator = simulator
    return pad
