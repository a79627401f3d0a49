"""Wait estimators and learned service times for the cloud-calling balancer (pure, no I/O).

The estimate of the wait of a citizen who joins a hall's theme line now, from the live state
of that line (numpy arrays over halls, so that one theme's estimate for 2,000 halls is a few
vector operations):

* ``queue`` — the queue-length estimator ``(n + 1) · m / s`` for ``n`` people ahead, open skill
  share ``s`` (a window serving k themes counts 1/k, as ``hall.estimate.skill_share``) and the
  learned mean service time ``m``;
* ``recent`` — the recent-history estimator: the wait of the last citizen to be called in that
  line (last-to-enter-service), the queue estimate until someone was called;
* ``blend`` — the mean of the two.

All three say 0 when fewer people wait than there are idle windows with the skill (someone
will be called at once), and ``inf`` where no open window serves the theme.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hall.estimate import updated_mean

ESTIMATORS = ("queue", "recent", "blend")
#: Samples of an hour of the day before its own mean replaces the all-day mean.
MIN_HOURLY_SAMPLES = 10
HOURS = 24


def queue_length_wait(ahead: np.ndarray, share: np.ndarray, idle: np.ndarray,
                      mean_s: np.ndarray) -> np.ndarray:
    """``(n + 1) · m / s`` per hall; 0 when ``n`` < idle share, ``inf`` when ``s`` is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = (ahead + 1.0) * mean_s / share
    wait = np.where(share > 0, wait, np.inf)
    return np.where(ahead < idle - 1e-9, 0.0, wait)


def recent_wait(last_wait: np.ndarray, queue_wait: np.ndarray, ahead: np.ndarray,
                idle: np.ndarray) -> np.ndarray:
    """Last-to-enter-service delay per hall (NaN = nobody called yet: the queue estimate)."""
    wait = np.where(np.isnan(last_wait), queue_wait, last_wait)
    wait = np.where(np.isinf(queue_wait), np.inf, wait)
    return np.where(ahead < idle - 1e-9, 0.0, wait)


def estimate(kind: str, ahead: np.ndarray, share: np.ndarray, idle: np.ndarray,
             mean_s: np.ndarray, last_wait: np.ndarray) -> np.ndarray:
    """The wait by estimator ``kind`` (one of :data:`ESTIMATORS`)."""
    queue = queue_length_wait(ahead, share, idle, mean_s)
    if kind == "queue":
        return queue
    recent = recent_wait(last_wait, queue, ahead, idle)
    if kind == "recent":
        return recent
    if kind == "blend":
        return (queue + recent) / 2.0
    raise ValueError(f"unknown estimator {kind!r}; one of {ESTIMATORS}")


def estimate_one(kind: str, ahead: float, share: float, idle: float, mean_s: float,
                 last_wait: float) -> float:
    """:func:`estimate` for one hall and theme, in plain floats (for a ticket being issued)."""
    if share <= 0:
        return float("inf")
    if ahead < idle - 1e-9:
        return 0.0
    queue = (ahead + 1.0) * mean_s / share
    recent = queue if last_wait != last_wait else last_wait   # NaN check without numpy
    if kind == "queue":
        return queue
    if kind == "recent":
        return recent
    if kind == "blend":
        return (queue + recent) / 2.0
    raise ValueError(f"unknown estimator {kind!r}; one of {ESTIMATORS}")


class ServiceTimes:
    """Mean service times learned per hall and theme, all day and by hour of the day.

    ``configured`` (halls × themes, seconds) are the catalogs' means; each finished service
    updates the all-day and the hourly mean with the hall node's own rule
    (``hall.estimate.updated_mean``: a running mean for the first 20, then an EWMA). An hour's
    mean is used once it has :data:`MIN_HOURLY_SAMPLES`. Item means are kept apart (a dict),
    since the wait of a newcomer depends on the mix of items ahead, i.e. on the theme mean.
    """

    def __init__(self, configured: np.ndarray) -> None:
        self.allday = np.array(configured, dtype=float)
        self.counts = np.zeros(self.allday.shape, dtype=np.int64)
        self.hourly = np.repeat(self.allday[:, :, None], HOURS, axis=2)
        self.hourly_counts = np.zeros(self.hourly.shape, dtype=np.int64)
        self.items: dict[tuple[int, str], tuple[float, int]] = {}

    def learn(self, hall: int, theme: int, hour: int, service_s: float,
              item: str | None = None) -> None:
        """One finished service of ``service_s`` seconds."""
        if item:
            mean, n = self.items.get((hall, item), (float(self.allday[hall, theme]), 0))
            self.items[(hall, item)] = (updated_mean(mean, n, service_s), n + 1)
        count = int(self.counts[hall, theme])
        self.allday[hall, theme] = updated_mean(float(self.allday[hall, theme]), count,
                                                service_s)
        self.counts[hall, theme] = count + 1
        count = int(self.hourly_counts[hall, theme, hour])
        self.hourly[hall, theme, hour] = updated_mean(float(self.hourly[hall, theme, hour]),
                                                      count, service_s)
        self.hourly_counts[hall, theme, hour] = count + 1

    def theme_means(self, theme: int, hour: int) -> np.ndarray:
        """Mean service time of ``theme`` at ``hour`` for every hall."""
        ready = self.hourly_counts[:, theme, hour] >= MIN_HOURLY_SAMPLES
        return np.where(ready, self.hourly[:, theme, hour], self.allday[:, theme])

    def mean_one(self, hall: int, theme: int, hour: int) -> float:
        """Mean service time of ``theme`` at ``hour`` in one hall."""
        if self.hourly_counts[hall, theme, hour] >= MIN_HOURLY_SAMPLES:
            return float(self.hourly[hall, theme, hour])
        return float(self.allday[hall, theme])

    def item_mean(self, hall: int, theme: int, item: str) -> float:
        """Mean service time of one item in one hall (the theme's until it was served)."""
        found = self.items.get((hall, item))
        return found[0] if found else float(self.allday[hall, theme])


def configured_means(halls: Sequence[dict[str, float]], themes: Sequence[str],
                     default_s: float = 600.0) -> np.ndarray:
    """The halls × themes matrix of configured means from one ``{theme: seconds}`` per hall."""
    return np.array([[hall.get(t, default_s) for t in themes] for hall in halls], dtype=float)
