"""Expected waits: one estimator for every screen, the printed ticket and the balancer.

A citizen with ``n`` people ahead in a theme's line needs the ``n+1``-th window slot to come
free. Idle open windows with the skill give a slot at once; after them slots come free at the
rate ``s / m``, where ``m`` is the theme's learned mean service time and ``s`` the windows'
*real* share of the theme: a window gives a theme what is left after the themes it prefers (its
earlier skills) — their backlog and the work that arrives in them while the citizen waits, at
their observed rates (a fixed point of :data:`SHARE_STEPS` steps; :meth:`ThemeWait.share`) — so
a window whose preferred themes see nobody counts fully. While a citizen without a priority
waits, citizens with one (appointments, the elderly, the green channel) arrive at the theme's
observed rate and are called first, which stretches the wait by ``1 / (1 - ρ)`` with
``ρ = λ_priority · m / s`` (held below :data:`MAX_PRIORITY_LOAD`).

**When the first slots come** (:func:`slots_to_wait`). Services are random: a busy window is
not half-way through its service. With the spread of the services (``cv²``, learned with the
mean) a window's slots come, by renewal theory, as if it had a head start of ``c - r / m``
services, where ``c = (1 + cv²) / 2`` and ``r`` its expected remaining service: for a busy
window, from how long its service has lasted (:func:`remaining_s`, the service time taken as
lognormal with the learned mean and spread; ``r = c · m`` where nobody says, a window seen at a
random moment); for an idle or paused window, which starts afresh, ``r = m``. The ``k``-th slot
then comes after ``k − 1 + r / m`` services at one window (exact), ``k − (1 − c)`` slots over
many windows (``(1 − c) · min(1, √(k / s))`` between them, fitted by simulation): exact for
exponential services (``c = 1``, ``r = m``) whatever the windows. The former rule (busy windows
half-way through) under-predicted a short wait by up to half: the elderly, called first, waited
16–22% longer than their tickets said.

With nobody ahead the figure is "now" when a window with the skill is open and idle, "next"
while they are all busy, and "no window" when none is open or paused: never a number next to
"0 ahead". Opening a window only adds a slot and share, so the figure never jumps up.

Service times are learned from the hall's own finished services with each sample winsorised at
:data:`WINSOR_FACTOR` times the running mean (for exponential service times, their 95th
percentile), so one forgotten 540-minute service moves a 40-minute mean by minutes, not hours;
their spread likewise (:func:`updated_spread`).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from hall.config import Window
from hall.state import Ticket, WindowState, WindowStatus

#: Weight of the newest service time in the running mean.
EWMA_WEIGHT = 0.05
#: A service time counts at most this many times the running mean (winsorising: the 95th
#: percentile of an exponential distribution is 3.0 times its mean).
WINSOR_FACTOR = 3.0
#: The share of window time priority arrivals may be counted to take (so that a burst of them
#: early in the day does not make the estimate explode).
MAX_PRIORITY_LOAD = 0.5
#: Priority arrivals are counted over at least this many seconds of the day.
MIN_RATE_SPAN_S = 1800.0
#: Steps of the fixed point between the wait and the share a window gives a theme after the
#: work arriving in the themes it prefers during that wait.
SHARE_STEPS = 3
#: Under strict preference a window still gives a later skill at least this part of what the
#: proportional split gives it (its preferred themes' lines empty now and then).
PREFERENCE_FLOOR = 0.1
#: The squared coefficient of variation of service times until the hall has learned its own
#: (a lognormal with a standard deviation of 0.7 means, as services in halls spread).
DEFAULT_CV2 = 0.49
#: The learned spread stays within these bounds (cv 0.2 to 1.5).
CV2_RANGE = (0.04, 2.25)


class WaitKind(enum.StrEnum):
    """What a wait figure says: a time, or a word instead of a misleading number."""

    NOW = "now"              # nobody ahead and a window with the skill is idle
    NEXT = "next"            # nobody ahead, the windows with the skill are busy
    ABOUT = "about"          # a number of minutes
    NO_WINDOW = "no_window"  # no window with the skill is open or paused


@dataclass(frozen=True)
class Figure:
    """One expected wait: its kind and its seconds (None when no window serves the theme)."""

    kind: WaitKind
    seconds: int | None


@dataclass(frozen=True)
class WindowGroup:
    """The windows with the skill of a theme that prefer the same themes to it (their earlier
    skills), counted by what they are doing at one moment."""

    preferred: tuple[str, ...]
    total: int
    #: Open or paused (a paused window comes back).
    live: int
    #: Open with nobody at them.
    idle: int
    #: Live with somebody at them.
    busy: int


@dataclass(frozen=True)
class ThemeWait:
    """The estimate of one theme's waits at one moment, for any position in its line."""

    theme: str
    waiting: int
    mean_s: float
    groups: tuple[WindowGroup, ...]
    #: Work (seconds) waiting in each group's preferred themes, in the order of ``groups``.
    preferred_work_s: tuple[float, ...]
    #: Priority arrivals per second in this theme today.
    priority_rate: float = 0.0
    #: Work (seconds) arriving per second in each group's preferred themes (empty: none).
    preferred_rate: tuple[float, ...] = ()
    #: Tickets per second of this line that windows of other halls call by video (their
    #: observed rate today): capacity the hall's own windows do not show.
    remote_rate: float = 0.0
    #: The spread of the theme's service times (squared coefficient of variation).
    cv2: float = DEFAULT_CV2
    #: The expected remaining seconds of the services under way at the busy windows with the
    #: skill (:func:`remaining_s`), where the hall knows them; a busy window not listed counts
    #: as seen at a random moment of its service.
    busy_left_s: tuple[float, ...] = ()

    @property
    def open_count(self) -> int:
        """Windows with the skill that are open or paused."""
        return sum(g.live for g in self.groups)

    @property
    def idle(self) -> int:
        """Open windows with the skill that have nobody at them."""
        return sum(g.idle for g in self.groups)

    def share(self, ahead: int, wait_s: float = 0.0) -> float:
        """The windows' real share of this theme for a citizen with ``ahead`` before them who
        waits ``wait_s`` (while which work arrives in the themes the windows prefer).

        A group's preferred work (backlog + arrivals during the wait) and this line's work
        ahead split its time in proportion; but a window serves its preferred themes first,
        which leaves this theme only the time they do not need (strict preference); the
        other windows of those themes take part of their work, so the truth lies between the
        two and the share is their mean (the proportional split alone when ``wait_s`` is 0).
        Remote windows add what they took: ``remote_rate`` × the mean service, in windows.
        """
        own = (ahead + 1) * self.mean_s
        rates = self.preferred_rate or (0.0,) * len(self.groups)
        total = self.remote_rate * self.mean_s
        for group, work, rate in zip(self.groups, self.preferred_work_s, rates, strict=True):
            if not group.live:
                continue
            pending = work + rate * wait_s
            proportional = own / (own + pending)
            if wait_s > 0 and pending > 0:
                left = 1.0 - pending / (group.live * wait_s)
                proportional = (proportional + max(PREFERENCE_FLOOR * proportional, left)) / 2
            total += group.live * proportional
        return total

    def figure(self, ahead: int, priority: bool = False) -> Figure:
        """The expected wait of a citizen with ``ahead`` people before them (``priority``: the
        citizen is called before those who arrive without one)."""
        live = self.open_count
        if live == 0:
            return Figure(WaitKind.NO_WINDOW, None)
        idle = self.idle
        if ahead < idle:
            return Figure(WaitKind.NOW, 0)
        if priority:
            # called before everyone without a priority in every skill of the windows: the
            # themes they prefer take none of their time from this citizen
            share = live + self.remote_rate * self.mean_s
            seconds = self._slots(ahead - idle + 1, share) * self.mean_s / share
            return Figure(WaitKind.NEXT if ahead == 0 else WaitKind.ABOUT, round(seconds))
        share = self.share(ahead)
        work = self._slots(ahead - idle + 1, share) * self.mean_s
        seconds = self._seconds(work, share, priority)
        if self.preferred_rate or any(self.preferred_work_s):
            for _ in range(SHARE_STEPS):
                seconds = self._seconds(work, self.share(ahead, seconds), priority)
        return Figure(WaitKind.NEXT if ahead == 0 else WaitKind.ABOUT, round(seconds))

    def _slots(self, needed: int, share: float) -> float:
        """Services of the mean to wait for the ``needed``-th slot after the idle windows'
        (:func:`slots_to_wait`)."""
        live = self.open_count
        busy = sum(g.busy for g in self.groups)
        return slots_to_wait(needed, share, live, busy, self.mean_s, self.cv2,
                             len(self.busy_left_s), sum(self.busy_left_s))

    def _seconds(self, work_s: float, share: float, priority: bool) -> float:
        """``work_s`` of the line ahead done at ``share``, stretched by the priority arrivals
        (unless the citizen has a priority)."""
        seconds = work_s / share
        if not priority:
            load = min(MAX_PRIORITY_LOAD, self.priority_rate * self.mean_s / share)
            seconds /= 1.0 - load
        return seconds

    def record_s(self, ahead: int, priority: bool = False) -> int:
        """The seconds a ticket's records and events keep: the figure's, or where no window
        with the skill is open, the wait once they all open (the screens say no window)."""
        seconds = self.figure(ahead, priority).seconds
        if seconds is None:
            opened = tuple(replace(g, live=g.total, idle=g.total - g.busy)
                           for g in self.groups)
            seconds = replace(self, groups=opened).figure(ahead, priority).seconds
        return seconds or 0

    def next_figure(self) -> Figure:
        """The expected wait of a new ticket without priority, taken now."""
        return self.figure(self.waiting)


#: Per theme, each window with its skill: (its number, the themes it prefers to it).
SkillLines = Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]]


def skill_lines(windows: Iterable[Window]) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """The windows of each theme and the themes each prefers to it (its earlier skills), worked
    out once per hall config: the estimate is asked for on every ticket answered."""
    lines: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for window in windows:
        for index, theme in enumerate(window.skills):
            lines.setdefault(theme, []).append((window.number, tuple(window.skills[:index])))
    return {theme: tuple(found) for theme, found in lines.items()}


def window_groups(lines: tuple[tuple[str, tuple[str, ...]], ...],
                  statuses: Mapping[str, WindowStatus], busy: Container[str]
                  ) -> tuple[WindowGroup, ...]:
    """The windows of one theme (its :func:`skill_lines`) counted in groups by the themes they
    prefer to it: the estimate's view of the windows, as long as none changes."""
    counts: dict[tuple[str, ...], list[int]] = {}
    for number, preferred in lines:
        count = counts.setdefault(preferred, [0, 0, 0, 0])
        count[0] += 1
        status = statuses.get(number, WindowStatus.CLOSED)
        if status is WindowStatus.CLOSED:
            continue
        count[1] += 1
        if number in busy:
            count[3] += 1
        elif status is WindowStatus.OPEN:
            count[2] += 1
    return tuple(WindowGroup(preferred, *count) for preferred, count in counts.items())


class WindowCounts:
    """Each theme's windows as the estimate counts them (:func:`window_groups`), counted again
    only after a window changed (:meth:`changed`): every ticket answered asks for an estimate."""

    def __init__(self, windows: Iterable[Window]) -> None:
        self.lines = skill_lines(windows)
        self._version = 0
        self._counted: dict[str, tuple[int, frozenset[str], tuple[WindowGroup, ...]]] = {}

    def changed(self) -> None:
        """A window's status or the ticket at it changed."""
        self._version += 1

    def groups(self, theme: str, windows: Mapping[str, WindowState],
               remote: frozenset[str] = frozenset()) -> tuple[WindowGroup, ...]:
        """The windows of ``theme`` in groups, from the hall's ``windows`` at this moment
        (``remote``: those on a call to another hall's citizen, busy though nobody of this
        hall is at them)."""
        counted = self._counted.get(theme)
        if counted is None or counted[0] != self._version or counted[1] != remote:
            groups = window_groups(self.lines.get(theme, ()), WindowStatuses(windows),
                                   BusyWindows(windows, remote))
            counted = self._counted[theme] = (self._version, remote, groups)
        return counted[2]


def theme_wait(theme: str, lines: SkillLines, statuses: Mapping[str, WindowStatus],
               busy: Container[str], waiting: Mapping[str, int], means: Mapping[str, float],
               priority_rate: float = 0.0,
               groups: tuple[WindowGroup, ...] | None = None,
               arrival_rates: Mapping[str, float] | None = None, cv2: float = DEFAULT_CV2,
               busy_left_s: tuple[float, ...] = ()) -> ThemeWait:
    """The estimate of ``theme``: the hall's windows by :func:`skill_lines`, their
    ``statuses``, the numbers of the ``busy`` ones (or their ``groups`` when already counted),
    people ``waiting``, mean service seconds and arrivals per second (``arrival_rates``, none
    when not given) per theme; the spread of its services and the expected rest of those
    under way (:class:`ThemeWait`'s ``cv2`` and ``busy_left_s``)."""
    if groups is None:
        groups = window_groups(lines.get(theme, ()), statuses, busy)
    work = tuple(sum(waiting.get(t, 0) * means.get(t, 0.0) for t in g.preferred)
                 for g in groups)
    rates = () if not arrival_rates else tuple(
        sum(arrival_rates.get(t, 0.0) * means.get(t, 0.0) for t in g.preferred)
        for g in groups)
    return ThemeWait(theme, waiting.get(theme, 0), means.get(theme, 0.0), groups, work,
                     priority_rate, rates if any(rates) else (), cv2=cv2,
                     busy_left_s=busy_left_s)


def called_first(ticket: Ticket) -> bool:
    """Whether a ticket may be called before earlier arrivals (hall.policy's rule 2)."""
    return ticket.green or ticket.elderly or ticket.appointment_id is not None


@dataclass
class ArrivalRates:
    """Tickets issued per theme today, and how many of them with a priority of their own."""

    first_ts: dict[str, float] = field(default_factory=dict)
    priority: dict[str, int] = field(default_factory=dict)
    issued: dict[str, int] = field(default_factory=dict)

    def seen(self, theme: str, issued_at: float, priority: bool) -> None:
        """One ticket issued."""
        first = self.first_ts.get(theme)
        if first is None or issued_at < first:
            self.first_ts[theme] = issued_at
        if priority:
            self.priority[theme] = self.priority.get(theme, 0) + 1
        self.issued[theme] = self.issued.get(theme, 0) + 1

    def rates(self, now: float) -> dict[str, float]:
        """Arrivals per second of every theme since its first ticket today (over at least
        :data:`MIN_RATE_SPAN_S`)."""
        return {theme: count / max(MIN_RATE_SPAN_S, now - self.first_ts[theme])
                for theme, count in self.issued.items()}

    def priority_rate(self, theme: str, now: float) -> float:
        """Priority arrivals per second in ``theme`` since its first ticket today."""
        count = self.priority.get(theme, 0)
        if not count:
            return 0.0
        return count / max(MIN_RATE_SPAN_S, now - self.first_ts[theme])

    def clear(self) -> None:
        """A new day."""
        self.first_ts.clear()
        self.priority.clear()
        self.issued.clear()


def skill_share(windows: Iterable[Window], theme: str) -> float:
    """The number of windows serving ``theme``, each counted by its share of skills."""
    return sum(1.0 / len(w.skills) for w in windows if theme in w.skills)


def expected_wait_s(ahead: int, share: float, mean_service_s: float) -> int:
    """A wait from a line's length alone (central's view of a hall, which has no window detail):
    ``(n + 1) · m / s`` seconds for ``n`` ahead."""
    if share <= 0:
        share = 1.0
    return round((ahead + 1) * mean_service_s / share)


def slots_to_wait(needed: int, share: float, live: int, busy: int, mean_s: float,
                  cv2: float, known: int = 0, left_s: float = 0.0) -> float:
    """Services of ``mean_s`` until the ``needed``-th window slot, over windows giving the
    theme ``share`` (``live`` open or paused, ``busy`` of them serving, ``known`` of those with
    ``left_s`` expected remaining seconds in all): each window's head start ``c − r / m``
    (``c = (1 + cv²) / 2``; ``r = m`` for a window starting afresh, ``c · m`` for a busy one
    not known, its head start 0), in the share's proportion, less the spread's
    ``(1 − c) · min(1, √(needed / share))``. Never below 0.

    The known rests count in full from the ``share``-th slot on; before it the slot is the
    first of several random ends, which their mean rests do not tell (a window with a short
    rest may still end after one with a long), and they count in the proportion
    ``needed / share`` — the rest as a window seen at a random moment (the simulator measured
    the elderly, who need the first slots, over-predicted by 17-26% with them in full)."""
    c = (1.0 + cv2) / 2.0
    head = (live - busy) * (c - 1.0)
    if mean_s > 0 and known:
        weight = min(1.0, needed / share) if share > 0 else 1.0
        head += weight * (known * c - left_s / mean_s)
    per_window = share / live if live else 0.0
    spread = (1.0 - c) * min(1.0, math.sqrt(needed / share)) if share > 0 else 0.0
    return max(0.0, needed - head * per_window - spread)


def _upper_normal(z: float) -> float:
    """P(N(0, 1) > z)."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def remaining_s(mean_s: float, cv2: float, elapsed_s: float) -> float:
    """The expected rest of a service that has lasted ``elapsed_s`` seconds, the service time
    taken as lognormal with mean ``mean_s`` and squared coefficient of variation ``cv2``:
    ``E[S − e | S > e]`` (``mean_s`` for one just begun; longer than the mean is not a sign it
    ends soon — a lognormal's rest grows with what it has lasted)."""
    if mean_s <= 0:
        return 0.0
    if elapsed_s <= 0:
        return mean_s
    sigma = math.sqrt(math.log1p(cv2))
    z = (math.log(elapsed_s / mean_s) + sigma * sigma / 2.0) / sigma
    beyond = _upper_normal(z)
    if beyond < 1e-300:             # far in the tail: the Mills ratio's rest
        return elapsed_s * sigma / max(z, 1.0)
    return max(0.0, mean_s * _upper_normal(z - sigma) / beyond - elapsed_s)


def updated_spread(mean: float, cv2: float, count: int, sample: float) -> float:
    """The running squared coefficient of variation after one more service time, learned as
    a lognormal's: the variance of the log of the services about the log-mean that ``mean``
    and ``cv2`` give, each sample's deviation clipped at three standard deviations (robust as
    :func:`winsorised` is; clipping the time itself at 3 × the mean would cut a lognormal's
    spread by half), by :func:`updated_mean`'s rule, within :data:`CV2_RANGE`."""
    if mean <= 0:
        return cv2
    variance = math.log1p(cv2)
    limit = 3.0 * max(math.sqrt(variance), 0.2)
    deviation = math.log(max(sample, 1.0) / mean) + variance / 2.0
    squared = min(limit, max(-limit, deviation)) ** 2
    if count < 20:
        variance += (squared - variance) / (count + 2)
    else:
        variance += EWMA_WEIGHT * (squared - variance)
    return min(CV2_RANGE[1], max(CV2_RANGE[0], math.expm1(variance)))


def winsorised(mean: float, sample: float) -> float:
    """A service time clipped at :data:`WINSOR_FACTOR` times the running mean."""
    return min(max(0.0, sample), WINSOR_FACTOR * mean) if mean > 0 else max(0.0, sample)


def updated_mean(mean: float, count: int, sample: float) -> float:
    """The running mean after one more service time, the sample winsorised first.

    The configured mean counts as one sample, so the first real service does not replace it
    outright; after 20 samples the mean follows recent services (EWMA).
    """
    sample = winsorised(mean, sample)
    if count < 20:
        return mean + (sample - mean) / (count + 2)
    return mean + EWMA_WEIGHT * (sample - mean)


def services_left_s(lines: Iterable[tuple[str, tuple[str, ...]]],
                    windows: Mapping[str, WindowState], tickets: Mapping[str, Ticket],
                    mean_of: Callable[[str, str | None], float], spreads: Mapping[str, float],
                    at: float) -> tuple[float, ...]:
    """The expected rest at ``at`` of each service under way at a live window of a theme's
    ``lines`` (:func:`skill_lines`): :func:`remaining_s` of the ticket's learned mean
    (``mean_of(theme, item)``) and its theme's spread, from when its service began (as the
    engine learns it: serving, else called)."""
    left = []
    for number, _ in lines:
        window = windows.get(number)
        if window is None or window.current is None or window.status is WindowStatus.CLOSED:
            continue
        ticket = tickets.get(window.current)
        if ticket is not None:
            started = ticket.serving_at or ticket.called_at or at
            left.append(remaining_s(mean_of(ticket.theme, ticket.item),
                                    spreads.get(ticket.theme, DEFAULT_CV2), at - started))
    return tuple(left)


class WindowStatuses(Mapping[str, WindowStatus]):
    """The windows' statuses as :func:`theme_wait` reads them, without copying them."""

    def __init__(self, windows: Mapping[str, WindowState]) -> None:
        self._windows = windows

    def __getitem__(self, number: str) -> WindowStatus:
        return self._windows[number].status

    def __iter__(self) -> Iterator[str]:
        return iter(self._windows)

    def __len__(self) -> int:
        return len(self._windows)


class BusyWindows(Container[str]):
    """The windows with a ticket at them or on a ``remote`` call, as :func:`theme_wait` asks."""

    def __init__(self, windows: Mapping[str, WindowState],
                 remote: Container[str] = frozenset()) -> None:
        self._windows = windows
        self._remote = remote

    def __contains__(self, number: object) -> bool:
        window = self._windows.get(number) if isinstance(number, str) else None
        return window is not None and (window.current is not None or number in self._remote)
