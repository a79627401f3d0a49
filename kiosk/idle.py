"""When an unused kiosk forgets its citizen: the idle timeout (longer in elderly mode), the
countdown shown in its last seconds, and the "还需要更多时间吗？" question that goes with it.

Plain Python over a monotonic clock given by the caller (a test moves it by hand).
"""

from __future__ import annotations

import math
from collections.abc import Callable

#: The countdown and the "need more time?" question show in the last this many seconds.
COUNTDOWN_S = 15.0


class IdleTimer:
    """Seconds since the last touch, swipe or scan, and how many remain before the reset."""

    def __init__(self, clock: Callable[[], float], timeout_s: float,
                 elderly_timeout_s: float | None = None) -> None:
        """``elderly_timeout_s`` defaults to twice ``timeout_s``."""
        self._clock = clock
        self.timeout_s = timeout_s
        self.elderly_timeout_s = elderly_timeout_s if elderly_timeout_s is not None \
            else 2 * timeout_s
        self._last_touch = clock()

    def touch(self) -> None:
        """Someone used the kiosk: start counting again."""
        self._last_touch = self._clock()

    def idle_for(self) -> float:
        """Seconds since the last touch."""
        return self._clock() - self._last_touch

    def timeout(self, elderly: bool) -> float:
        """Seconds without a touch before the reset, in this mode."""
        return self.elderly_timeout_s if elderly else self.timeout_s

    def expired(self, elderly: bool) -> bool:
        """Whether the timeout has passed."""
        return self.idle_for() >= self.timeout(elderly)

    def countdown(self, elderly: bool) -> int | None:
        """Whole seconds left when in the last :data:`COUNTDOWN_S` (a quarter of a short
        timeout), else None."""
        timeout = self.timeout(elderly)
        left = timeout - self.idle_for()
        if left > min(COUNTDOWN_S, timeout / 4):
            return None
        return max(0, math.ceil(left))
