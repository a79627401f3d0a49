"""The devices at one window: its LED screen, its rating pad and a staff badge reader.

Each is optional and opened from its URL (``devices.registry.open_device``), e.g.
``led:///dev/ttyUSB1?addr=3``, ``rating:///dev/ttyUSB2?addr=3``, ``pcsc://`` or the
simulators ``sim://led?addr=3``, ``sim://rating?addr=3&auto=5``, ``sim://smartcard``.
Every call blocks: the console runs them in worker threads.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from devices.registry import close_all, open_all

#: How long one poll of the rating pad waits, so that a cancelled wait ends soon.
RATING_SLICE_S = 0.5


@dataclass
class CallerDevices:
    """The window's LED screen, rating pad and badge reader (None when absent)."""

    led: Any = None
    rating: Any = None
    badge: Any = None

    @classmethod
    def from_urls(cls, led: str | None = None, rating: str | None = None,
                  badge: str | None = None) -> CallerDevices:
        """Open the devices the URLs name; on a failure close what was opened and raise."""
        return cls(*open_all(led, rating, badge))

    def kinds(self) -> list[str]:
        """The kinds of the devices present, as the console reports them to the hall."""
        return [kind for kind, device in (("led", self.led), ("rating", self.rating),
                                          ("smartcard", self.badge)) if device is not None]

    def wait_rating(self, number: str, timeout: float, cancel: threading.Event) -> int | None:
        """Prompt the pad for ``number`` and wait for a key (None: no key, or cancelled)."""
        pad = self.rating
        if pad is None:
            return None
        pad.prompt(number)
        deadline = time.monotonic() + timeout
        while not cancel.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            level = pad.read_rating(min(RATING_SLICE_S, remaining))
            if level is not None:
                return int(level)
        pad.cancel()
        return None

    def close(self) -> None:
        """Close every device (a simulator stops with its driver)."""
        close_all([self.led, self.rating, self.badge])
