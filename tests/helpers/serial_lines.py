"""Simulated serial lines for probing tests: bus devices sharing one pty, and ports that answer
noise or echo what they get."""

from __future__ import annotations

import random

from devices.busframe import BusSimulator
from devices.pty_link import PtySimulator


class SharedBus(PtySimulator):
    """Several bus simulators (LED screens, rating pads, keypads) on one pty line, as devices
    on one RS-485 pair: each hears every frame, answers its own addresses, and replies on
    this line."""

    def __init__(self, *simulators: BusSimulator) -> None:
        super().__init__()
        self.simulators = simulators
        for simulator in simulators:
            simulator.write = self.write  # type: ignore[method-assign]

    def on_bytes(self, data: bytes) -> None:
        """Hand the host's bytes to every device on the line."""
        for simulator in self.simulators:
            simulator.on_bytes(data)

    def stop(self) -> None:
        """Stop the line and release each device's own (unused) pty."""
        super().stop()
        for simulator in self.simulators:
            simulator.stop()


#: Bytes the protocols give meaning to, so noise often looks like the start of a frame.
_MEANINGFUL = bytes((0x68, 0x16, 0xAA, 0x96, 0x69, 0x12, 0x90, 0xFF, 0x00))


class NoisyPort(PtySimulator):
    """A port that answers every write with a burst of seeded random bytes, rich in start,
    preamble and status bytes (a device of another protocol, or a bad cable)."""

    def __init__(self, seed: int = 1) -> None:
        super().__init__()
        self.rng = random.Random(seed)

    def on_bytes(self, data: bytes) -> None:
        """Answer with 1..40 bytes of noise."""
        size = self.rng.randint(1, 40)
        self.write(bytes(self.rng.choice(_MEANINGFUL) if self.rng.random() < 0.4
                         else self.rng.randrange(256) for _ in range(size)))


class EchoPort(PtySimulator):
    """A port that sends back whatever it gets (a loopback plug, a modem with echo on)."""

    def on_bytes(self, data: bytes) -> None:
        """Echo the bytes."""
        self.write(data)


class SilentPort(PtySimulator):
    """A port with nothing on it that answers."""

    def on_bytes(self, data: bytes) -> None:
        """Take the bytes, say nothing."""
