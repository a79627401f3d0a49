"""Devices for the apps' tests without Qt: a window LED screen, a rating pad, a ticket printer
and the wall display's audio player.

Each offers only the methods the apps call (``show_call``, ``prompt``, ``print_ticket``,
``play``…) and none of the serial line, the network or the sound card: they answer at once,
record what they were told for the test to read, and fail only when the test gives them the
error to raise. The device simulators (``sim://…`` URLs) are the real drivers' counterparts;
these stand in where a test is about the app, not the device.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from devices.base import DeviceState


class FakeLedScreen:
    """A window LED screen that records what it was told, or raises ``error`` each time."""

    def __init__(self, error: Exception | None = None) -> None:
        self.shown: list[tuple] = []
        self.error = error

    def show_call(self, number: str, window: str) -> None:
        """Record ``("call", number, window)``."""
        self._do("call", number, window)

    def show_paused(self) -> None:
        """Record ``("paused",)``."""
        self._do("paused")

    def clear(self) -> None:
        """Record ``("clear",)``."""
        self._do("clear")

    def _do(self, *what: str) -> None:
        if self.error is not None:
            raise self.error
        self.shown.append(what)


class FakeRatingPad:
    """A rating pad whose citizen presses ``level`` at once (None: walks away)."""

    def __init__(self, level: int | None) -> None:
        self.level = level
        self.prompts: list[str] = []

    def prompt(self, number: str) -> None:
        """Record the ticket number the pad was lit for."""
        self.prompts.append(number)

    def read_rating(self, timeout: float) -> int | None:
        """The citizen's ``level``, without waiting."""
        return self.level

    def cancel(self) -> None:
        """Nothing to turn off."""


class FakeTicketPrinter:
    """A ticket printer that records each ticket's (or receipt's) content, or raises ``error``
    each time."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.printed: list[Any] = []

    def print_ticket(self, content: Any) -> DeviceState:
        """Record ``content`` and report the printer ready."""
        if self.error is not None:
            raise self.error
        self.printed.append(content)
        return DeviceState.READY

    def print_slip(self, content: Any) -> DeviceState:
        """Record the slip ``content`` like a ticket and report the printer ready."""
        return self.print_ticket(content)

    def print_receipt(self, content: Any) -> DeviceState:
        """Record a submission receipt's ``content`` as :meth:`print_ticket` does."""
        return self.print_ticket(content)


class RecordingPlayer:
    """An audio player that plays by sleeping ``seconds``; records when each sound started
    and ended, and whether two ever played at once."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.spans: list[tuple[float, float, str]] = []
        self.playing = 0
        self.overlapped = False
        self._lock = threading.Lock()

    def play(self, wav_bytes: bytes, name: str) -> str:
        """Sleep as long as the sound would play; return where it "played"."""
        with self._lock:
            self.playing += 1
            self.overlapped = self.overlapped or self.playing > 1
        start = time.monotonic()
        time.sleep(self.seconds)
        with self._lock:
            self.playing -= 1
        self.spans.append((start, time.monotonic(), name))
        return f"test:{name}"
