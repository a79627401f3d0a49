"""Clocks that stand still until a test moves them, in place of ``time.monotonic``,
``time.time`` and the hall node's ``now()``.

A real clock runs on its own, so a test of a timeout would have to sleep; these only move when
the test says, so "60 seconds later" is one assignment and the outcome never depends on how
busy the machine is.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

#: A Tuesday, one hour after the example hall opens.
TUESDAY_10AM = datetime(2024, 3, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class SecondsClock:
    """Seconds as a float, like ``time.monotonic`` or ``time.time`` (as ``start`` says).

    Unlike the real ones it returns ``now`` until the test changes it (``clock.now += 9``).
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class DatetimeClock:
    """Aware datetimes, like the hall node's clock; Tuesday 10:00 in Shanghai unless told.

    Unlike the real one it returns ``now`` until the test sets it, advances it or sets it to
    an hour of the day. A lock guards ``now``: a served hall node reads it from its writer
    thread while the test moves it.
    """

    def __init__(self, start: datetime = TUESDAY_10AM) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        return self.now

    @property
    def now(self) -> datetime:
        """The time the clock shows."""
        with self._lock:
            return self._now

    @now.setter
    def now(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment

    def advance(self, seconds: float = 0, minutes: float = 0) -> datetime:
        """Move on and return the new time."""
        with self._lock:
            self._now += timedelta(seconds=seconds, minutes=minutes)
            return self._now

    def set(self, hour: int, minute: int = 0, days: int = 0) -> None:
        """Show ``hour:minute`` of the day ``days`` after Tuesday 2024-03-12."""
        self.now = (TUESDAY_10AM + timedelta(days=days)).replace(hour=hour, minute=minute)
