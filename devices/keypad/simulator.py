"""A pty simulator of calling keypads, speaking the frames of :mod:`devices.keypad.protocol`.

``press(key)`` is a member of staff pressing a key (a :class:`~devices.keypad.keys.Key` or its
name: ``"call"``, ``"7"``); with ``auto_press`` the keypad presses that key by itself
``delay`` seconds after each display command (for the self-test and demos). Replies can
misbehave on request (``inject``: no ack, bad checksum, noise); ``unplug()`` pulls the cable.

``sim://keypad?addr=3&auto=call&delay=0.2&fault=no_ack`` gives a ready driver with its
simulator as ``.simulator``; closing the driver stops the simulator.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from devices.base import DeviceURLError, parse_device_url
from devices.bus_device import LaterPresses, sim_options
from devices.busframe import BROADCAST, BusSimulator, Frame
from devices.keypad import protocol as proto
from devices.keypad.errors import KeypadBadText
from devices.keypad.keys import Key, key_named
from devices.keypad.pad import SerialKeypad, keypad_from_parsed

log = logging.getLogger("hallq.devices.keypad")


@dataclass
class KeypadState:
    """What one simulated keypad shows and holds now."""

    lines: tuple[str, str] = ("", "")
    leds: int = 0
    queue: deque[tuple[int, Key]] = field(default_factory=deque)
    last_seq: int = 0
    pressed: int = 0  # keys queued since power-on
    ignored: int = 0  # keys pressed while the queue was full


class KeypadSimulator(LaterPresses, BusSimulator):
    """Keypads at ``addrs`` on one pty line; optionally pressing ``auto_press`` after each
    display command."""

    def __init__(self, addrs: Iterable[int] = (1,), auto_press: Key | None = None,
                 delay: float = 0.2) -> None:
        super().__init__(addrs)
        self.keypads = {addr: KeypadState() for addr in self.addrs}
        self.auto_press = auto_press
        self.delay = delay
        self._lock = threading.Lock()
        self._timers: list[threading.Timer] = []
        #: called as ``on_change(addr, keypad)`` after a display command or a key press.
        self.on_change: Callable[[int, KeypadState], None] | None = None

    def press(self, key: Key | str, addr: int | None = None) -> bool:
        """Press ``key`` on keypad ``addr`` (the first by default); False when the queue is
        full and the key is ignored."""
        key = key_named(key) if isinstance(key, str) else Key(key)
        addr = self.addrs[0] if addr is None else addr
        pad = self.keypads[addr]
        with self._lock:
            if len(pad.queue) >= proto.QUEUE_SIZE:
                pad.ignored += 1
                return False
            pad.last_seq = proto.next_seq(pad.last_seq)
            pad.queue.append((pad.last_seq, key))
            pad.pressed += 1
        self._changed(addr)
        return True

    def display(self, addr: int | None = None) -> str:
        """The two lines keypad ``addr`` shows, joined by " | "."""
        pad = self.keypads[self.addrs[0] if addr is None else addr]
        return " | ".join(pad.lines)

    def handle(self, addr: int, frame: Frame) -> bytes:
        """Do a keypad command; reply with the status (and the key events for a poll)."""
        pad = self.keypads[addr]
        if frame.ctrl == proto.STATUS:
            return bytes((proto.STATUS_OK,))
        if frame.ctrl == proto.POLL:
            if len(frame.data) != 1:
                return bytes((proto.STATUS_BAD_DATA,))
            return bytes((proto.STATUS_OK,)) + self._take(pad, frame.data[0])
        if frame.ctrl == proto.DISPLAY:
            try:
                line1, line2, leds = proto.decode_display(frame.data)
            except KeypadBadText:
                return bytes((proto.STATUS_BAD_DATA,))
            pad.lines, pad.leds = (line1, line2), leds
            self._changed(addr)
            if self.auto_press is not None and frame.addr != BROADCAST:
                self._press_later(self.auto_press, addr)
            return bytes((proto.STATUS_OK,))
        return bytes((proto.STATUS_UNKNOWN,))

    def _take(self, pad: KeypadState, ack: int) -> bytes:
        """Drop the events up to ``ack`` (when queued) and report the next ones."""
        with self._lock:
            seqs = [seq for seq, _ in pad.queue]
            if ack in seqs:
                for _ in range(seqs.index(ack) + 1):
                    pad.queue.popleft()
            events = list(pad.queue)[:proto.MAX_EVENTS]
        return bytes(byte for seq, key in events for byte in (seq, int(key)))

    def _changed(self, addr: int) -> None:
        if self.on_change is not None:
            self.on_change(addr, self.keypads[addr])


class SimulatedKeypad(SerialKeypad):
    """A serial keypad driver wired to an in-process simulator; close() stops both."""

    simulator: KeypadSimulator

    def close(self) -> None:
        """Close the port and stop the simulator."""
        super().close()
        self.simulator.stop()


def open_sim_url(url: str) -> SimulatedKeypad:
    """A driver and a started simulator for ``sim://keypad?addr=3&auto=call&delay=0.2``."""
    parsed = parse_device_url(url)
    auto = parsed.param("auto")
    try:
        auto_press = key_named(auto) if auto else None
    except ValueError as err:
        raise DeviceURLError(f"auto={auto} in {url}: {err}") from None
    delay, fault = sim_options(parsed, url)
    keypad = keypad_from_parsed(replace(parsed, path="sim"), SimulatedKeypad)
    simulator = KeypadSimulator([keypad.addr], auto_press=auto_press, delay=delay)
    simulator.inject(fault)
    keypad.line.port = simulator.start().port
    keypad.simulator = simulator
    return keypad
