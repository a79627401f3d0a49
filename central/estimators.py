"""Wait estimators and learned rates for the cloud-calling balancer (pure, no I/O).

The estimate of the wait of a citizen who joins a hall's theme line, from the live state of
that line (numpy arrays over halls, so that one theme's estimate for 2,000 halls is a few
vector operations, :class:`Line`):

* ``queue`` — the hall node's own estimator, ``hall.estimate.ThemeWait.figure``, over arrays:
  idle windows give a slot at once; after them slots come free at the windows' *real* share of
  the theme (a window gives a theme what the themes it prefers leave — their backlog and what
  arrives in them during the wait — not 1/k) over the learned mean service time, from each
  window's head start by renewal theory (``hall.estimate.slots_to_wait``: the learned spread of
  the services; a busy window seen at a random moment unless its service's start is known); a
  citizen without a priority is stretched by the priority arrivals (elderly, appointments, the
  green channel) who come during the wait and are called first, a citizen with one counts
  every live window whole. :func:`queue_wait` is that formula over arrays and
  :func:`estimate_one` calls ``ThemeWait.figure`` itself;
  ``tests/unit/central/test_central_estimators.py`` checks they agree;
* ``recent`` — the recent-history estimator: the wait of the last citizen to be called in that
  line (last-to-enter-service), the queue estimate until someone was called;
* ``blend`` — the mean of the two.

All three say 0 when fewer people wait than there are idle windows with the skill (someone
will be called at once), and ``inf`` where no open (or paused) window serves the theme.

:class:`ServiceTimes` learns service times robustly (``hall.estimate.updated_mean``: each
sample winsorised at three times the running mean); :class:`ArrivalProfile` learns each hall's
arrivals per theme and hour of the day, for the forecast of a line when a citizen gets there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hall.estimate import (
    DEFAULT_CV2,
    MAX_PRIORITY_LOAD,
    MIN_RATE_SPAN_S,
    PREFERENCE_FLOOR,
    SHARE_STEPS,
    ThemeWait,
    WindowGroup,
    updated_mean,
    updated_spread,
)

ESTIMATORS = ("queue", "recent", "blend")
#: Samples of an hour of the day before its own mean replaces the all-day mean.
MIN_HOURLY_SAMPLES = 10
HOURS = 24


@dataclass
class Line:
    """One theme's line at every hall, as the estimators read it (arrays over halls).

    ``group_live``, ``group_work`` and ``group_rate`` have one row per group of windows that
    prefer the same themes to this one (``hall.estimate.WindowGroup``): the live windows of the
    group, the work (seconds) waiting in the themes they prefer, and the work arriving in them
    per second.
    """

    ahead: np.ndarray
    live: np.ndarray          # open or paused windows with the skill
    idle: np.ndarray          # open windows with the skill and nobody at them
    busy: np.ndarray          # live windows with somebody at them
    group_live: np.ndarray    # groups × halls
    group_work: np.ndarray    # groups × halls
    group_rate: np.ndarray    # groups × halls
    mean_s: np.ndarray
    priority_rate: np.ndarray  # priority arrivals per second
    last_wait: np.ndarray     # NaN: nobody called yet
    remote_rate: np.ndarray | float = 0.0   # tickets per second called by video elsewhere
    cv2: np.ndarray | float = DEFAULT_CV2    # spread of the services (squared cv)
    #: Busy windows whose service's start is known, and their expected remaining seconds in
    #: all (``hall.estimate.remaining_s``); the others count as seen at a random moment.
    busy_known: np.ndarray | float = 0.0
    busy_left_s: np.ndarray | float = 0.0


def real_share(line: Line, wait_s: np.ndarray | float = 0.0) -> np.ndarray:
    """The windows' real share of the theme for a citizen with ``line.ahead`` before them who
    waits ``wait_s`` (``ThemeWait.share``: the mean of the proportional split and strict
    preference, the proportional split alone while the wait is 0), plus the windows of other
    halls that call it by video (``remote_rate`` × the mean service)."""
    own = (line.ahead + 1.0) * line.mean_s
    live = line.group_live
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.isscalar(wait_s) and wait_s == 0:
            parts = own / (own + line.group_work)
        else:
            wait = np.asarray(wait_s, dtype=float)
            pending = line.group_work + line.group_rate * wait
            parts = own / (own + pending)
            left = 1.0 - pending / (live * wait)
            strict = np.maximum(PREFERENCE_FLOOR * parts, left)
            parts = np.where((pending > 0) & (wait > 0), (parts + strict) * 0.5, parts)
        own_windows = np.where(live > 0, live * parts, 0.0).sum(axis=0)
    return own_windows + line.remote_rate * line.mean_s


def _stretched(line: Line, work_s: np.ndarray, share: np.ndarray,
               priority: bool) -> np.ndarray:
    """``ThemeWait._seconds`` over arrays."""
    with np.errstate(divide="ignore", invalid="ignore"):
        seconds = work_s / share
        if not priority:
            load = np.minimum(MAX_PRIORITY_LOAD, line.priority_rate * line.mean_s / share)
            seconds = seconds / (1.0 - load)
    return seconds


def slots_to_wait(line: Line, share: np.ndarray) -> np.ndarray:
    """``hall.estimate.slots_to_wait`` over arrays: services of the mean until the slot of a
    citizen with ``line.ahead`` before them, after the idle windows'."""
    needed = line.ahead - line.idle + 1.0
    c = (1.0 + np.asarray(line.cv2, dtype=float)) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(share > 0, np.minimum(1.0, np.maximum(needed, 0.0) / share), 1.0)
        head = ((line.live - line.busy) * (c - 1.0) + weight * (
            line.busy_known * c - np.where(line.mean_s > 0, line.busy_left_s / line.mean_s,
                                           0.0)))
        per_window = np.where(line.live > 0, share / line.live, 0.0)
        spread = np.where(share > 0, (1.0 - c) * np.minimum(
            1.0, np.sqrt(np.maximum(needed, 0.0) / share)), 0.0)
    return np.maximum(0.0, needed - head * per_window - spread)


def queue_wait(line: Line, priority: bool = False) -> np.ndarray:
    """``ThemeWait.figure`` for every hall: 0 when ``ahead`` < idle, ``inf`` with no live
    window; else the slots to wait for (:func:`slots_to_wait`) over the real share, stretched
    by the priority arrivals — a citizen with a priority is called before everyone without one
    and counts every live window whole."""
    if priority:
        share = line.live + line.remote_rate * line.mean_s
        with np.errstate(divide="ignore", invalid="ignore"):
            seconds = np.round(slots_to_wait(line, share) * line.mean_s / share)
        seconds = np.where(line.live > 0, seconds, np.inf)
        return np.where((line.live > 0) & (line.ahead < line.idle - 1e-9), 0.0, seconds)
    share = real_share(line)
    work = slots_to_wait(line, share) * line.mean_s
    seconds = _stretched(line, work, share, priority)
    iterated = line.group_rate.any(axis=0) | line.group_work.any(axis=0)
    if iterated.any():
        for _ in range(SHARE_STEPS):
            known = np.where(np.isfinite(seconds), seconds, 0.0)
            found = _stretched(line, work, real_share(line, known), priority)
            seconds = np.where(iterated, found, seconds)
    seconds = np.where(share > 0, np.round(seconds), np.inf)
    seconds = np.where(line.live > 0, seconds, np.inf)
    return np.where((line.live > 0) & (line.ahead < line.idle - 1e-9), 0.0, seconds)


def recent_wait(last_wait: np.ndarray, queue: np.ndarray, ahead: np.ndarray,
                idle: np.ndarray) -> np.ndarray:
    """Last-to-enter-service delay per hall (NaN = nobody called yet: the queue estimate)."""
    wait = np.where(np.isnan(last_wait), queue, last_wait)
    wait = np.where(np.isinf(queue), np.inf, wait)
    return np.where(ahead < idle - 1e-9, 0.0, wait)


def estimate(kind: str, line: Line, priority: bool = False) -> np.ndarray:
    """The wait by estimator ``kind`` (one of :data:`ESTIMATORS`)."""
    if kind not in ESTIMATORS:
        raise ValueError(f"unknown estimator {kind!r}; one of {ESTIMATORS}")
    queue = queue_wait(line, priority)
    if kind == "queue":
        return queue
    recent = recent_wait(line.last_wait, queue, line.ahead, line.idle)
    return recent if kind == "recent" else (queue + recent) / 2.0


def theme_wait_of(line: Line, hall: int) -> ThemeWait:
    """The hall node's :class:`hall.estimate.ThemeWait` of one hall's line (the idle and busy
    windows counted in the first group: the estimate only adds them up)."""
    groups = tuple(WindowGroup((), int(live), int(live),
                               int(line.idle[hall]) if row == 0 else 0,
                               int(line.busy[hall]) if row == 0 else 0)
                   for row, live in enumerate(line.group_live[:, hall]))
    rates = tuple(float(r) for r in line.group_rate[:, hall])
    remote = np.broadcast_to(line.remote_rate, line.ahead.shape)
    known = int(np.broadcast_to(line.busy_known, line.ahead.shape)[hall])
    left = float(np.broadcast_to(line.busy_left_s, line.ahead.shape)[hall])
    return ThemeWait("", int(line.ahead[hall]), float(line.mean_s[hall]), groups,
                     tuple(float(w) for w in line.group_work[:, hall]),
                     float(line.priority_rate[hall]), rates if any(rates) else (),
                     float(remote[hall]),
                     float(np.broadcast_to(line.cv2, line.ahead.shape)[hall]),
                     (left / known,) * known if known else ())


def estimate_one(kind: str, line: Line, hall: int, priority: bool = False) -> float:
    """:func:`estimate` for one hall (a ticket being issued): the queue figure is the hall
    node's own ``ThemeWait.figure``."""
    if kind not in ESTIMATORS:
        raise ValueError(f"unknown estimator {kind!r}; one of {ESTIMATORS}")
    figure = theme_wait_of(line, hall).figure(int(line.ahead[hall]), priority).seconds
    queue = float("inf") if figure is None else float(figure)
    if kind == "queue":
        return queue
    last = float(line.last_wait[hall])
    if queue == float("inf") or line.ahead[hall] < line.idle[hall] - 1e-9:
        recent = queue
    else:
        recent = queue if last != last else last    # NaN: nobody called yet
    return recent if kind == "recent" else (queue + recent) / 2.0


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
        #: The spread of the services (squared cv) per hall and theme, all day.
        self.spreads = np.full(self.allday.shape, DEFAULT_CV2)
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
        self.spreads[hall, theme] = updated_spread(float(self.allday[hall, theme]),
                                                   float(self.spreads[hall, theme]), count,
                                                   service_s)
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


class ArrivalProfile:
    """Arrivals per hall and theme: today's so far, and a learned rate per hour of the day.

    Each issued ticket is counted in its hour (:meth:`seen`), with whether it may be called
    first; at a hall's new day (:meth:`end_day`) the day's hourly counts teach the learned
    rates (the first day as it was, later days with weight :data:`DAY_WEIGHT`). Until a hall
    has a day learned, the rate of every hour is today's mean rate so far (over at least
    ``hall.estimate.MIN_RATE_SPAN_S``, as the hall node counts its priority arrivals).
    """

    #: Weight of the newest day in the learned hourly rates.
    DAY_WEIGHT = 0.3

    def __init__(self, themes: int, halls: int) -> None:
        self.today = np.zeros((themes, halls, HOURS))
        self.learned = np.zeros((themes, halls, HOURS))     # arrivals per second
        self.days = np.zeros(halls, dtype=np.int64)
        self.first_ts = np.full((themes, halls), np.nan)
        self.issued = np.zeros((themes, halls))
        self.priority = np.zeros((themes, halls))
        self.by_video = np.zeros((themes, halls))     # called by a window of another hall

    def seen(self, theme: int, hall: int, hour: int, ts: float, priority: bool) -> None:
        """One ticket issued at ``ts`` (local ``hour``)."""
        self.today[theme, hall, hour] += 1
        self.issued[theme, hall] += 1
        if priority:
            self.priority[theme, hall] += 1
        first = self.first_ts[theme, hall]
        if not ts >= first:            # NaN (nothing yet) or earlier
            self.first_ts[theme, hall] = ts

    def end_day(self, hall: int) -> None:
        """A hall's day is over: learn its hourly rates (a day without arrivals teaches
        nothing: the hall was closed), then start counting afresh."""
        day = self.today[:, hall, :] / 3600.0
        if day.sum() > 0:
            if self.days[hall] == 0:
                self.learned[:, hall, :] = day
            else:
                self.learned[:, hall, :] += self.DAY_WEIGHT * (day - self.learned[:, hall, :])
            self.days[hall] += 1
        self.today[:, hall, :] = 0.0
        self.issued[:, hall] = 0.0
        self.priority[:, hall] = 0.0
        self.by_video[:, hall] = 0.0
        self.first_ts[:, hall] = np.nan

    def _span(self, theme: int, now: float) -> np.ndarray:
        return np.fmax(MIN_RATE_SPAN_S, now - self.first_ts[theme])    # NaN: nothing yet

    def today_rate(self, theme: int, now: float) -> np.ndarray:
        """Arrivals per second today at every hall (``hall.estimate.ArrivalRates.rates``)."""
        return self.issued[theme] / self._span(theme, now)

    def priority_rate(self, theme: int, now: float) -> np.ndarray:
        """Priority arrivals per second today at every hall (``hall.estimate.ArrivalRates``)."""
        return self.priority[theme] / self._span(theme, now)

    def called_by_video(self, theme: int, hall: int, count: int = 1) -> None:
        """A ticket of the line was leased to a window of another hall (``count=-1``: the
        lease came back unserved)."""
        self.by_video[theme, hall] = max(0.0, self.by_video[theme, hall] + count)

    def video_rate(self, theme: int, now: float) -> np.ndarray:
        """Tickets per second called by video from each hall's line today."""
        return self.by_video[theme] / self._span(theme, now)

    def rate(self, theme: int, hour: int, now: float) -> np.ndarray:
        """Expected arrivals per second of ``theme`` at every hall in the local ``hour``: the
        learned rate, or today's mean rate where no day was learned yet."""
        today = self.issued[theme] / self._span(theme, now)
        return np.where(self.days > 0, self.learned[theme, :, hour], today)


def configured_means(halls: Sequence[dict[str, float]], themes: Sequence[str],
                     default_s: float = 600.0) -> np.ndarray:
    """The halls × themes matrix of configured means from one ``{theme: seconds}`` per hall."""
    return np.array([[hall.get(t, default_s) for t in themes] for hall in halls], dtype=float)
