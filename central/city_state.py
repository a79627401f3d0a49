"""The live state of a city's halls, as the cloud-calling balancer (云叫号) sees it.

Pure logic, no I/O. :class:`CityState` follows the halls' event streams (the events the hall
engine writes, ``hall/events.py``, plus the lease events of ``hall/lease.py``) and keeps, per
theme, numpy arrays over halls: people waiting, citizens sent there and still travelling, the
open skill share (a window serving k themes counts 1/k), idle windows with the skill, tickets
that can be served remotely, and the wait of the last citizen called. Service times are learned
per hall, theme and hour of the day (:class:`central.estimators.ServiceTimes`).

The decisions taken on this state (recommendations, routing policies, the remote choice) are
in ``central/balancer.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from central.call_order import CallOrder, FirstBy
from central.estimators import (
    ESTIMATORS,
    ArrivalProfile,
    Line,
    ServiceTimes,
    estimate,
    estimate_one,
    real_share,
)
from central.forecast import forecast_line, shared_windows
from central.issuing_hours import IssuingHours
from hall.config import HallConfig
from hall.estimate import MIN_RATE_SPAN_S
from hall.events import Event, EventKind

#: Estimates shorter than this are not learned from (``CityState.short_share``).
ERROR_MIN_ESTIMATE_S = 300.0
#: Statuses a window can have in the balancer's view (as ``hall.state.WindowStatus``).
OPEN, PAUSED, CLOSED = "open", "paused", "closed"
_WINDOW_KINDS: dict[str, str] = {EventKind.WINDOW_OPENED: OPEN, EventKind.WINDOW_RESUMED: OPEN,
                 EventKind.WINDOW_PAUSED: PAUSED, EventKind.WINDOW_CLOSED: CLOSED}


def _forget_hall(kept: dict[Any, Any], hall: int) -> None:
    """Drop the entries of one hall from a mapping keyed by (hall, …)."""
    for key in [k for k in kept if k[0] == hall]:
        del kept[key]


@dataclass
class _Window:
    """A window as the balancer sees it: its themes, each with its skill share 1/k."""

    themes: tuple[int, ...]
    weight: float
    groups: tuple[int, ...]   # per theme: its group of windows preferring the same themes
    status: str = CLOSED
    busy: bool = False
    remote: bool = False      # on a call to another hall (``window.remote_busy``)


class CityState(CallOrder):
    """Live state of every hall of a city, per theme, as numpy arrays over halls.

    ``halls`` are the halls' catalogs (``HallConfig``); themes are matched across halls by
    prefix. ``estimator`` is the wait estimator used for decisions (``central.estimators``).
    ``booths`` is the number of video booths per hall id (where citizens served remotely
    sit); no limit for a hall not named.
    """

    def __init__(self, halls: Sequence[HallConfig], estimator: str = "queue",
                 booths: dict[str, int] | None = None) -> None:
        self.configs = list(halls)
        self.hall_ids = [c.hall_id for c in self.configs]
        self.index = {h: i for i, h in enumerate(self.hall_ids)}
        self.themes = sorted({t for c in self.configs for t in c.themes})
        self.theme_index = {t: i for i, t in enumerate(self.themes)}
        self.estimator = estimator
        self.timezone = self.configs[0].timezone
        shape = (len(self.themes), len(self.configs))
        self.waiting = np.zeros(shape)
        self.priority = np.zeros(shape)     # of which called first (elderly, appointments)
        self.inbound = np.zeros(shape)
        self.share = np.zeros(shape)
        self.idle = np.zeros(shape)
        self.live = np.zeros(shape)         # open or paused windows with the skill
        self.busy = np.zeros(shape)         # of which with somebody at them
        self.remote = np.zeros(shape)
        self.last_wait = np.full(shape, np.nan)
        #: How the waits of called tickets ended against their estimate at issue, per theme
        #: and hall: the mean and variance of log(wait / estimate) (learned over the days).
        self.error_mean = np.zeros(shape)
        self.error_var = np.zeros(shape)
        self.error_count = np.zeros(shape)
        self.booths = np.array([(booths or {}).get(h, np.inf) for h in self.hall_ids], float)
        self.leased = np.zeros(len(self.configs))   # tickets out on a lease, per hall
        self.held_count = np.zeros(len(self.configs))   # leases being asked for, per hall
        configured = np.array([[c.themes[t].mean_service_s if t in c.themes else 600.0
                                for t in self.themes] for c in self.configs])
        self.service = ServiceTimes(configured)
        self.arrivals = ArrivalProfile(*shape)
        self.remote_items = {code for c in self.configs for code, i in c.items.items()
                             if i.remote}
        #: Per theme, the groups of windows by the themes they prefer to it (their earlier
        #: skills), and each group's live windows per hall (``hall.estimate.WindowGroup``).
        self.groups: list[list[tuple[int, ...]]] = [[] for _ in self.themes]
        self._windows = [{n: self._window(w.skills) for n, w in c.windows.items()}
                         for c in self.configs]
        self.group_live = [np.zeros((max(1, len(g)), len(self.configs))) for g in self.groups]
        self.shared = shared_windows(self.configs, self.theme_index)
        self.window_count = np.array([max(1, len(c.windows)) for c in self.configs], float)
        #: Seconds the hall's windows spent on video calls to other halls today.
        self.video_busy_s = np.zeros(len(self.configs))
        self._video_since: dict[tuple[int, str], float] = {}
        self._remote_lines: dict[tuple[int, int], dict[str, float]] = {}
        #: Every waiting ticket of a hall's line of a theme, with its place (sort key).
        self._lines: dict[tuple[int, int], dict[str, float]] = {}
        #: The theme of each waiting ticket, and the window a ticket was transferred to by
        #: name (it waits for that window only; the hall calls those in their own line).
        self._theme_of: dict[tuple[int, str], int] = {}
        self._to_window: dict[tuple[int, str], str] = {}
        self._named_lines: dict[tuple[int, str], dict[str, int]] = {}
        self._held: set[tuple[int, str]] = set()
        #: Tickets whose lease came back unserved: the citizen did not come to the video booth
        #: or declined there; they keep their place and are not called by video again.
        self._declined: set[tuple[int, str]] = set()
        #: Waiting tickets that may be called first, and why.
        self._first: dict[tuple[int, str], FirstBy] = {}
        self._early_s = np.array([c.rules.appointment_early_min * 60.0 for c in self.configs])
        self._hour_cache = (float("nan"), 0)
        #: When each hall issues numbers, as its engine checks it.
        self.hours = IssuingHours(self.configs, self.themes, self.timezone)

    def _window(self, skills: Sequence[str]) -> _Window:
        themes = tuple(self.theme_index[s] for s in skills)
        groups = []
        for index, theme in enumerate(themes):
            preferred = themes[:index]
            if preferred not in self.groups[theme]:
                self.groups[theme].append(preferred)
            groups.append(self.groups[theme].index(preferred))
        return _Window(themes, 1.0 / len(themes), tuple(groups))

    # ------------------------------------------------------------------ events
    def apply_event(self, event: Event) -> None:
        """Follow one event of a hall's stream."""
        self.apply(event.hall_id, event.kind, event.ts, event.data)

    def apply(self, hall_id: str, kind: str, ts: float, data: dict[str, Any]) -> None:
        """Follow one event (``kind``, ``ts``, ``data`` as in ``Event.to_dict()``)."""
        hall = self.index.get(hall_id)
        if hall is None:
            return
        if kind in _WINDOW_KINDS:
            self._set_window(hall, str(data["window"]), status=_WINDOW_KINDS[kind])
            return
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, hall, ts, data)

    def start_day(self, hall_id: str) -> None:
        """A hall's new service day: yesterday's lines are gone (its ``ticket.expired``)."""
        hall = self.index[hall_id]
        for array in (self.waiting, self.priority, self.inbound, self.remote):
            array[:, hall] = 0.0
        self.arrivals.end_day(hall)
        self.video_busy_s[hall] = 0.0
        self.leased[hall] = 0
        self.last_wait[:, hall] = np.nan
        for kept in (self._remote_lines, self._lines, self._theme_of, self._to_window,
                     self._named_lines, self._first):
            _forget_hall(kept, hall)
        self._held = {k for k in self._held if k[0] != hall}
        self._declined = {k for k in self._declined if k[0] != hall}
        self.held_count[hall] = 0
        for number, window in self._windows[hall].items():
            self._set_window(hall, number, busy=window.remote)

    def _set_window(self, hall: int, number: str, status: str | None = None,
                    busy: bool | None = None) -> None:
        window = self._windows[hall].get(number)
        if window is None:
            return
        self._contribute(hall, window, -1.0)
        if status is not None:
            window.status = status
        if busy is not None:
            window.busy = busy
        self._contribute(hall, window, 1.0)

    def _contribute(self, hall: int, window: _Window, sign: float) -> None:
        if window.status == CLOSED:
            return
        idle = window.status == OPEN and not window.busy
        for theme, group in zip(window.themes, window.groups, strict=True):
            self.share[theme, hall] += sign * window.weight
            self.live[theme, hall] += sign
            self.group_live[theme][group, hall] += sign
            if window.busy:
                self.busy[theme, hall] += sign
            if idle:
                self.idle[theme, hall] += sign

    def _line_add(self, hall: int, theme: int, data: dict[str, Any], ts: float) -> None:
        self.waiting[theme, hall] += 1
        ticket = data["ticket"]
        self._lines.setdefault((hall, theme), {})[ticket] = float(data.get("sort_key", ts))
        self._theme_of[(hall, ticket)] = theme
        if data.get("to_window"):
            self._to_window[(hall, ticket)] = window = str(data["to_window"])
            self._named_lines.setdefault((hall, window), {})[ticket] = theme
        if data.get("elderly") or data.get("appointment") or data.get("green"):
            start, end = data.get("slot_start"), data.get("slot_end")
            self._first[(hall, ticket)] = FirstBy(
                bool(data.get("green")), bool(data.get("elderly")), bool(data.get("appointment")),
                (float(start), float(end)) if start is not None and end is not None else None)
            self.priority[theme, hall] += 1
        if (data.get("item") in self.remote_items and not data.get("to_window")
                and (hall, ticket) not in self._declined):
            line = self._remote_lines.setdefault((hall, theme), {})
            if data["ticket"] not in line:
                line[data["ticket"]] = float(data.get("sort_key", ts))
                self.remote[theme, hall] += 1

    def _line_remove(self, hall: int, theme: int, ticket: str) -> None:
        self.waiting[theme, hall] = max(0.0, self.waiting[theme, hall] - 1)
        self._lines.get((hall, theme), {}).pop(ticket, None)
        self._theme_of.pop((hall, ticket), None)
        window = self._to_window.pop((hall, ticket), None)
        if window is not None:
            self._named_lines.get((hall, window), {}).pop(ticket, None)
        if self._first.pop((hall, ticket), None) is not None:
            self.priority[theme, hall] -= 1
        line = self._remote_lines.get((hall, theme))
        if line is not None and line.pop(ticket, None) is not None:
            if (hall, ticket) in self._held:
                self._held.discard((hall, ticket))
                self.held_count[hall] -= 1
            else:
                self.remote[theme, hall] -= 1

    def _theme(self, data: dict[str, Any]) -> int | None:
        return self.theme_index.get(data.get("theme", ""))

    def _on_issued(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        theme = self._theme(data)
        if theme is not None:
            self._line_add(hall, theme, data, ts)
            self.arrivals.seen(theme, hall, self.hour(ts), ts, bool(
                data.get("elderly") or data.get("appointment") or data.get("green")))

    def _on_called(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        theme = self._theme(data)
        if theme is not None:
            self._line_remove(hall, theme, data["ticket"])
            if "waited_s" in data:
                self.last_wait[theme, hall] = float(data["waited_s"])
                self._learn_error(hall, theme, float(data["waited_s"]),
                                  data.get("expected_wait_s"))
        self._set_window(hall, str(data.get("window")), busy=True)

    def _learn_error(self, hall: int, theme: int, waited_s: float, expected: Any) -> None:
        """One more wait against its estimate at issue (estimates under 5 minutes, where a
        window coming free decides it all, are left out); a running mean of the last ~20."""
        if expected is None or float(expected) < ERROR_MIN_ESTIMATE_S:
            return
        ratio = np.log(max(waited_s, 30.0) / float(expected))
        self.error_count[theme, hall] += 1
        weight = max(1.0 / self.error_count[theme, hall], 0.05)
        delta = ratio - self.error_mean[theme, hall]
        self.error_mean[theme, hall] += weight * delta
        self.error_var[theme, hall] = (1 - weight) * (self.error_var[theme, hall]
                                                     + weight * delta * delta)

    def short_share(self, theme: int, halls: np.ndarray, z: float) -> np.ndarray:
        """How far below its estimate a wait at ``halls`` ends for the citizens ``z`` standard
        deviations down (z ≈ 1.28: one in ten), as a share of the estimate, from the waits
        seen there (0 until 20 were)."""
        low = np.exp(self.error_mean[theme, halls] - z * np.sqrt(self.error_var[theme, halls]))
        return np.where(self.error_count[theme, halls] >= 20, np.clip(1.0 - low, 0.0, 1.0), 0.0)

    def _on_finished(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        self._set_window(hall, str(data.get("window")), busy=False)
        theme = self._theme(data)
        if theme is not None and data.get("service_s") is not None:
            self.service.learn(hall, theme, self.hour(ts), float(data["service_s"]),
                               data.get("item"))

    def _on_leased(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        self.leased[hall] += 1
        theme = self._theme(data)
        if theme is not None:
            self.arrivals.called_by_video(theme, hall)
        self._on_left_line(hall, ts, data)

    def _on_lease_returned(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        self.leased[hall] = max(0.0, self.leased[hall] - 1)
        if "ticket" in data:
            self._declined.add((hall, str(data["ticket"])))
        theme = self._theme(data)
        if theme is not None:
            self.arrivals.called_by_video(theme, hall, -1)
        self._on_back_in_line(hall, ts, data)

    def _on_remote_finished(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        self.leased[hall] = max(0.0, self.leased[hall] - 1)

    def _on_window_free(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        self._set_window(hall, str(data.get("window")), busy=False)

    def _on_window_busy(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        self._set_window(hall, str(data.get("window")), busy=True)

    def _on_remote_call(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        self._video_since[(hall, str(data.get("window")))] = ts
        self._remote_call(hall, str(data.get("window")), True)

    def _on_remote_call_ended(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        since = self._video_since.pop((hall, str(data.get("window"))), None)
        if since is not None:
            self.video_busy_s[hall] += max(0.0, ts - since)
        self._remote_call(hall, str(data.get("window")), False)

    def video_windows(self, now: float) -> np.ndarray:
        """Windows of each hall kept busy by video calls to other halls, on average today."""
        first = self.arrivals.first_ts
        seen = np.isfinite(first).any(axis=0)
        start = np.where(seen, np.nanmin(np.where(np.isfinite(first), first, np.inf), axis=0),
                         now)
        return self.video_busy_s / np.fmax(MIN_RATE_SPAN_S, now - start)

    def _remote_call(self, hall: int, number: str, on: bool) -> None:
        """A window busy with a call to another hall, which goes on past the hall's midnight."""
        window = self._windows[hall].get(number)
        if window is not None:
            window.remote = on
            self._set_window(hall, number, busy=on)

    def _on_transferred(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        self._set_window(hall, str(data.get("from_window")), busy=False)
        theme = self._theme(data)
        if theme is not None:
            self._line_add(hall, theme, data, ts)

    def _on_back_in_line(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        theme = self._theme(data)
        if theme is not None:
            self._line_add(hall, theme, data, ts)

    def _on_prioritized(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        """Staff put a waiting ticket on (or off) the green channel."""
        ticket = data["ticket"]
        theme = self._theme_of.get((hall, ticket))
        if theme is None:
            return
        first = self._first.get((hall, ticket))
        if first is None:
            if not data.get("green"):
                return
            first = self._first[(hall, ticket)] = FirstBy()
            self.priority[theme, hall] += 1
        first.green = bool(data.get("green"))
        if not (first.green or first.elderly or first.appointment):
            del self._first[(hall, ticket)]
            self.priority[theme, hall] -= 1

    def _on_left_line(self, hall: int, ts: float, data: dict[str, Any]) -> None:
        theme = self._theme(data)
        if theme is not None:
            self._line_remove(hall, theme, data["ticket"])

    # ------------------------------------------------------------------ bookkeeping
    def expect(self, hall_id: str, theme: str, count: int = 1) -> None:
        """Citizens sent to a hall are on their way (``count`` < 0: they arrived or gave up)."""
        h, t = self.index[hall_id], self.theme_index[theme]
        self.inbound[t, h] = max(0.0, self.inbound[t, h] + count)

    def hold(self, hall_id: str, ticket: str, theme: str) -> None:
        """A lease of ``ticket`` was asked for: no other window should choose it meanwhile."""
        key = (self.index[hall_id], ticket)
        line = self._remote_lines.get((key[0], self.theme_index[theme]), {})
        if ticket in line and key not in self._held:
            self._held.add(key)
            self.held_count[key[0]] += 1
            self.remote[self.theme_index[theme], key[0]] -= 1

    def unhold(self, hall_id: str, ticket: str, theme: str) -> None:
        """The lease was refused or lost: ``ticket`` may be chosen again (if still waiting)."""
        key = (self.index[hall_id], ticket)
        if key in self._held:
            self._held.discard(key)
            self.held_count[key[0]] -= 1
            self.remote[self.theme_index[theme], key[0]] += 1

    # ------------------------------------------------------------------ queries
    def hour(self, now: float) -> int:
        """Local hour of the day of POSIX time ``now`` (the city's timezone)."""
        start, hour = self._hour_cache
        if not start <= now < start + 3600:
            local = datetime.fromtimestamp(now, self.timezone)
            hour = local.hour
            start = now - local.minute * 60 - local.second - local.microsecond / 1e6
            self._hour_cache = (start, hour)
        return hour

    def issuing(self, theme: int, now: float) -> np.ndarray:
        """Whether each hall gives numbers of ``theme`` at ``now``: open that weekday, within
        its hours and before the theme's cutoff (or open all day)."""
        return self.issuing_at(theme, np.full(len(self.hall_ids), float(now)))

    def issuing_at(self, theme: int, at: np.ndarray) -> np.ndarray:
        """:meth:`issuing`, each hall at its own time ``at`` (POSIX seconds): whether a
        citizen who gets there then is still given a number."""
        return self.hours.issuing_at(theme, at)

    def line(self, theme: int, now: float, inbound: bool = True, priority: bool = False,
             halls: slice | list[int] | np.ndarray = slice(None)) -> Line:
        """The line of ``theme`` at ``halls`` as the estimators read it: people ahead of a
        newcomer (citizens en route included unless ``inbound`` is False; for a citizen
        called first, only the others called first), windows, learned means and rates."""
        hour = self.hour(now)
        if priority:
            ahead = self.priority[theme, halls]
        else:
            ahead = self.waiting[theme, halls] + (self.inbound[theme, halls] if inbound else 0.0)
        work = np.zeros(self.group_live[theme].shape)[:, halls]
        rate = np.zeros_like(work)
        others = {other for preferred in self.groups[theme] for other in preferred}
        means = {other: self.service.theme_means(other, hour)[halls] for other in others}
        rates = {other: self.arrivals.today_rate(other, now)[halls] * means[other]
                 for other in others}
        for row, preferred in enumerate(self.groups[theme]):
            for other in preferred:
                work[row] += self.waiting[other, halls] * means[other]
                rate[row] += rates[other]
        return Line(np.asarray(ahead, dtype=float), self.live[theme, halls],
                    self.idle[theme, halls], self.busy[theme, halls],
                    self.group_live[theme][:, halls], work, rate,
                    self.service.theme_means(theme, hour)[halls],
                    self.arrivals.priority_rate(theme, now)[halls],
                    self.last_wait[theme, halls],
                    self.arrivals.video_rate(theme, now)[halls],
                    cv2=self.service.spreads[halls, theme])

    def wait_s(self, theme: int, now: float, kind: str | None = None,
               halls: np.ndarray | None = None) -> np.ndarray:
        """Expected wait of a newcomer to ``theme`` at every hall (or at ``halls``, indices;
        citizens en route count)."""
        chosen: slice | np.ndarray = slice(None) if halls is None else halls
        return estimate(kind or self.estimator, self.line(theme, now, halls=chosen))

    def wait_at(self, theme: int, now: float, travel_s: np.ndarray,
                kind: str | None = None, halls: np.ndarray | None = None,
                at_least_now: bool = False) -> np.ndarray:
        """Expected wait of a citizen who sets out now and reaches each hall ``travel_s``
        later: the line as it will be then (:func:`forecast_line`), not as it is now. With
        ``halls`` (indices), only at those, ``travel_s`` being theirs; ``at_least_now``:
        never less than the wait there now (:func:`central.balancer.wait_on_arrival`)."""
        chosen: slice | np.ndarray = slice(None) if halls is None else halls
        line = self.line(theme, now, halls=chosen)
        floor = estimate(kind or self.estimator, line) if at_least_now else None
        travel_s = np.asarray(travel_s, dtype=float)
        if np.any(travel_s > 0):

            def rate(hour: int) -> np.ndarray:
                return self.arrivals.rate(theme, hour, now)[chosen]

            video = self.video_windows(now)[chosen] / self.window_count[chosen]

            def taken(hour: int) -> np.ndarray:
                """Windows of ``theme`` the other themes' arrivals and the video calls to other
                halls (their share of them) keep busy in ``hour``."""
                work = video * line.live
                for other in np.flatnonzero(self.shared[theme].any(axis=1)):
                    if other != theme:
                        work += (self.arrivals.rate(int(other), hour, now)[chosen]
                                 * self.service.theme_means(int(other), hour)[chosen]
                                 * self.shared[theme, other, chosen])
                return work

            line = forecast_line(line, now, travel_s, self.hour, rate, taken)
        then = estimate(kind or self.estimator, line)
        return then if floor is None else np.maximum(then, floor)

    def slot_s(self, theme: int, now: float, halls: np.ndarray | list[int]) -> np.ndarray:
        """Seconds between two windows coming free for ``theme`` at ``halls`` (the learned
        mean service over the windows' real share; ``inf`` where none is live): a wait of
        ``w`` is about ``w / slot`` such gaps, so its spread is about ``sqrt(w · slot)``."""
        line = self.line(theme, now, halls=halls)
        share = real_share(line)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(share > 0, line.mean_s / share, np.inf)

    def wait_one(self, hall: int, theme: int, now: float, kind: str | None = None,
                 inbound: bool = True, priority: bool = False) -> float:
        """:meth:`wait_s` for one hall. ``inbound=False`` leaves out citizens en route (they
        arrive after a citizen taking a ticket now); ``priority=True`` is the estimate for a
        citizen called first (elderly), who waits only behind others called first."""
        line = self.line(theme, now, inbound, priority, [hall])
        return estimate_one(kind or self.estimator, line, 0, priority)

    def wait_behind(self, hall: int, theme: int, ahead: int, now: float) -> float:
        """Expected wait of a ticket already in ``hall``'s line of ``theme`` with ``ahead``
        people before it (the decision estimator, the hall's learned service time)."""
        line = self.line(theme, now, inbound=False, halls=[hall])
        line.ahead = np.array([float(ahead)])
        return estimate_one(self.estimator, line, 0)

    def wait_all(self, hall: int, theme: int, now: float, inbound: bool = True,
                 priority: bool = False) -> dict[str, float]:
        """:meth:`wait_one` by every estimator (to compare them)."""
        line = self.line(theme, now, inbound, priority, [hall])
        return {kind: estimate_one(kind, line, 0, priority) for kind in ESTIMATORS}

    def load_one(self, hall: int, theme: int) -> float:
        """:meth:`load` of one hall."""
        share = float(self.share[theme, hall])
        if share <= 0:
            return float("inf")
        return (float(self.waiting[theme, hall]) + share - float(self.idle[theme, hall])) / share

    def load(self, theme: int) -> np.ndarray:
        """People per window in the line (waiting + at a window) / open share; inf if closed."""
        share = self.share[theme]
        with np.errstate(divide="ignore", invalid="ignore"):
            load = (self.waiting[theme] + share - self.idle[theme]) / share
        return np.where(share > 0, load, np.inf)

    def remote_line(self, hall: int, theme: int) -> dict[str, float]:
        """Tickets of ``theme`` waiting in ``hall`` that can be served remotely (id → order)."""
        return self._remote_lines.get((hall, theme), {})

    def held(self, hall: int, ticket: str) -> bool:
        """Whether a lease of the ticket is being asked for."""
        return (hall, ticket) in self._held


_HANDLERS: dict[str, Callable[[CityState, int, float, dict[str, Any]], None]] = {
    EventKind.TICKET_ISSUED: CityState._on_issued,
    EventKind.TICKET_CALLED: CityState._on_called,
    EventKind.TICKET_FINISHED: CityState._on_finished,
    EventKind.TICKET_NO_SHOW: CityState._on_window_free,
    EventKind.TICKET_NO_SHOW_UNDONE: CityState._on_window_busy,
    EventKind.TICKET_TRANSFERRED: CityState._on_transferred,
    EventKind.TICKET_RECHECKED_IN: CityState._on_back_in_line,
    EventKind.TICKET_CANCELLED: CityState._on_left_line,
    EventKind.TICKET_PRIORITIZED: CityState._on_prioritized,
    EventKind.TICKET_LEASED: CityState._on_leased,
    EventKind.TICKET_LEASE_RETURNED: CityState._on_lease_returned,
    EventKind.TICKET_REMOTE_FINISHED: CityState._on_remote_finished,
    EventKind.WINDOW_REMOTE_BUSY: CityState._on_remote_call,
    EventKind.WINDOW_REMOTE_FREE: CityState._on_remote_call_ended,
}

