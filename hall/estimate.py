"""Expected waits: the queue-length estimator with a skill-share correction.

For a citizen with ``n`` people ahead in a theme served by windows of total share ``s``
(a window serving k themes counts 1/k towards each) and a mean service time ``m``:
``wait = (n + 1) · m / s`` — that is ``(n+1)/(s·μ)`` with μ = 1/m. Service times are learned
from the hall's own finished services (an exponentially weighted mean per theme and item).
"""

from __future__ import annotations

from collections.abc import Iterable

from hall.config import Window
from hall.state import WindowStatus

#: Weight of the newest service time in the running mean.
EWMA_WEIGHT = 0.05


def skill_share(windows: Iterable[Window], theme: str) -> float:
    """The number of windows serving ``theme``, each counted by its share of skills."""
    return sum(1.0 / len(w.skills) for w in windows if theme in w.skills)


def serving_windows(windows: dict[str, Window], statuses: dict[str, WindowStatus]
                    ) -> list[Window]:
    """Windows that are open or only paused; when none is, every window (the hall will open)."""
    live = [w for n, w in windows.items()
            if statuses.get(n, WindowStatus.CLOSED) is not WindowStatus.CLOSED]
    return live or list(windows.values())


def expected_wait_s(ahead: int, share: float, mean_service_s: float) -> int:
    """Seconds a citizen with ``ahead`` people before them should expect to wait."""
    if share <= 0:
        share = 1.0
    return round((ahead + 1) * mean_service_s / share)


def updated_mean(mean: float, count: int, sample: float) -> float:
    """The running mean after one more service time.

    The configured mean counts as one sample, so the first real service does not replace it
    outright; after 20 samples the mean follows recent services (EWMA).
    """
    if count < 20:
        return mean + (sample - mean) / (count + 2)
    return mean + EWMA_WEIGHT * (sample - mean)
