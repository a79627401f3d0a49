"""When each hall of a city gives numbers, as its engine checks it (for the balancer).

:class:`IssuingHours` holds every hall's hours (seconds of the local day), open weekdays and
each theme's cutoff before closing, as numpy arrays over halls, and answers whether a citizen
who reaches each hall at a given time is still given a number there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, tzinfo

import numpy as np

from hall.config import HallConfig


class IssuingHours:
    """Every hall's hours, open weekdays and cutoffs per theme (``themes``: the city's theme
    prefixes in the balancer's order), in the city's time zone."""

    def __init__(self, configs: Sequence[HallConfig], themes: Sequence[str],
                 timezone: tzinfo) -> None:
        self.timezone = timezone
        self._all_day = np.array([c.rules.open_all_day for c in configs], dtype=bool)
        self._opens = np.array([_seconds(c.rules.open_time) for c in configs], float)
        self._closes = np.array([_seconds(c.rules.close_time) for c in configs], float)
        self._open_days = np.array([[day in c.rules.open_days for day in range(1, 8)]
                                    for c in configs], dtype=bool).reshape(-1, 7)
        self._cutoff = np.array([[c.themes[t].cutoff_min * 60.0 if t in c.themes else 0.0
                                  for c in configs] for t in themes], float)

    def issuing_at(self, theme: int, at: np.ndarray) -> np.ndarray:
        """Whether each hall gives numbers of ``theme`` (its index) at its own time ``at``
        (POSIX seconds, one per hall): open that weekday, within its hours and before the
        theme's cutoff (or open all day)."""
        at = np.asarray(at, dtype=float)
        finite = np.isfinite(at)
        start = float(np.min(at[finite])) if finite.any() else 0.0
        local = datetime.fromtimestamp(start, self.timezone)
        midnight = start - (local.hour * 3600 + local.minute * 60 + local.second
                            + local.microsecond / 1e6)
        since = np.where(finite, at - midnight, 0.0)
        day = np.floor(since / 86400.0).astype(np.int64)
        second = since - day * 86400.0
        weekday = (local.isoweekday() - 1 + day) % 7
        open_then = (self._open_days[np.arange(len(at)), weekday] & (self._opens <= second)
                     & (second < self._closes - self._cutoff[theme]))
        return np.asarray((self._all_day | open_then) & finite)


def _seconds(at: time) -> float:
    """Seconds of the day of a time of day."""
    return at.hour * 3600.0 + at.minute * 60.0 + at.second
