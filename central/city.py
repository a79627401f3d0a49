"""Cloud calling's live city state at central (云叫号): the :class:`central.balancer.CityState`
the balancer decides on, over every hall whose catalog central holds, and the decisions taken
on it (a ticket for an idle video window, halls to recommend, halls for a phone ticket, where a
phone ticket is, whether a hall can take a referral).

:class:`CityService` is fed each batch as the ingest commits it (:meth:`CityService.feed`); at
start, and whenever a catalog changes, it is rebuilt from the stored events of each hall's
current day, so a restart loses nothing it needs. Before each decision it also follows what
other workers ingested (the halls' ``acked`` marks) at most once a second, and starts a hall's
new day at its local midnight. Travel times come from the halls' locations
(:class:`central.travel.HallTravel`); between halls of which one has no location,
``default_travel_s``.

The city state itself is right in every worker, since each follows the database; the holds and
which agents are there (:meth:`CityService.reachable`) live in one process, like the mailboxes
(``central/mailbox.py``). See docs/cloud.md, *Wiring*.
"""

import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from central import referrals
from central.balancer import (
    BOOTH_WALK_S,
    REMOTE_SLOWDOWN,
    CityState,
    choose_remote,
    rank_halls,
    recommend,
)
from central.catalog import CITY, parse_hall_catalog
from central.db import Database, Tx
from central.errors import CentralError
from central.travel import HallTravel
from hall.config import HallConfig, TripRules
from hall.errors import ErrorCode
from hall.events import EventKind

log = logging.getLogger("hallq.central.remote")

#: The environment variable with the default travel time in minutes (see RemoteSettings).
TRAVEL_ENV = "HALLQ_CENTRAL_DEFAULT_TRAVEL_MIN"
#: When a hall is worth the trip for a number taken by phone: environment variables (set by
#: ``hallq central --phone-…`` for every worker), each with its range, as a hall's ``[cloud]``.
PHONE_TRIP_ENV = {"max_travel_min": ("HALLQ_CENTRAL_PHONE_MAX_TRAVEL_MIN", 0.0, 600.0),
                  "min_saving_min": ("HALLQ_CENTRAL_PHONE_MIN_SAVING_MIN", 0.0, 240.0),
                  "saving_per_travel": ("HALLQ_CENTRAL_PHONE_SAVING_PER_TRAVEL", 0.0, 10.0)}


def phone_trip_value(key: str, text: str) -> float:
    """A phone trip setting (``PHONE_TRIP_ENV``'s ``key``) checked against its range
    (``max_travel_min`` more than 0); ValueError saying the key, its range and the value."""
    _, low, high = PHONE_TRIP_ENV[key]
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    above = key == "max_travel_min"          # a trip cap of 0 would offer no hall at all
    if not (low < value <= high if above else low <= value <= high):
        said = f"more than {low:g} and at most {high:g}" if above else \
            f"from {low:g} to {high:g}"
        zh = f"大于 {low:g} 且不大于 {high:g}" if above else f"在 {low:g} 到 {high:g} 之间"
        raise ValueError(f"{key} 应为{zh}的数字 / {key} must be a number {said}, not {text!r}")
    return value


def phone_trip_from_env() -> TripRules:
    """The phone channel's trip rules: the defaults, with those set in the environment."""
    found = {key: phone_trip_value(key, os.environ[name])
             for key, (name, _, _) in PHONE_TRIP_ENV.items() if os.environ.get(name)}
    default = TripRules()
    return TripRules(max_travel_s=found.get("max_travel_min", default.max_travel_s / 60) * 60,
                     min_saving_s=found.get("min_saving_min", default.min_saving_s / 60) * 60,
                     saving_per_travel=found.get("saving_per_travel",
                                                 default.saving_per_travel))
_WAIT_CAP_S = 86_400.0     # "never" as a number JSON can carry
#: A window's status in the ``live_windows`` projection, as the event that sets it.
_STATUS_EVENT = {"open": EventKind.WINDOW_OPENED, "paused": EventKind.WINDOW_PAUSED,
                 "closed": EventKind.WINDOW_CLOSED}
#: A ticket taken by phone: its status after each event of it (``CityService.phone``).
PHONE_STATUS = {EventKind.TICKET_CALLED: "called", EventKind.TICKET_RECALLED: "called",
                EventKind.TICKET_SERVING: "called", EventKind.TICKET_NO_SHOW: "no_show",
                EventKind.TICKET_NO_SHOW_UNDONE: "called",
                EventKind.TICKET_RECHECKED_IN: "waiting",
                EventKind.TICKET_TRANSFERRED: "waiting",
                EventKind.TICKET_CANCELLED: "cancelled", EventKind.TICKET_FINISHED: "finished",
                EventKind.TICKET_LEASED: "booth", EventKind.TICKET_REMOTE_SERVING: "booth",
                EventKind.TICKET_LEASE_RETURNED: "waiting",
                EventKind.TICKET_REMOTE_FINISHED: "finished"}


@dataclass(frozen=True)
class RemoteSettings:
    """Settings of cloud calling at central; durations in seconds."""

    default_travel_s: float = 1200.0  # between halls of which one has no location
    speed_kmh: float = 25.0           # travel between located halls: overhead + km / speed
    overhead_s: float = 600.0
    min_wait_s: float = 300.0         # a ticket is called remotely only from a longer line
    remote_slowdown: float = REMOTE_SLOWDOWN   # a video service takes this many times longer
    booth_walk_s: float = BOOTH_WALK_S         # … and the citizen walks to the booth first
    #: When a hall is worth the trip for a citizen taking a number by phone (from home,
    #: against the nearest hall); a citizen at a kiosk has their hall's ``[cloud]`` settings.
    phone_trip: TripRules = TripRules()
    hold_s: float = 120.0             # a chosen ticket is not chosen again for this long
    #: A referred citizen counts in the chosen hall's line from the referral until its ticket
    #: is issued (then the ticket counts) or refused; one never answered is refused by then.
    en_route_s: float = referrals.PENDING_S + referrals.CLAIMED_S
    mailbox_size: int = 1000          # items kept per hall and kind (the oldest dropped)
    max_wait_s: float = 20.0          # longest long poll
    refresh_s: float = 1.0            # follow other workers' ingest at most this often
    silent_s: float = 60.0            # a hall whose agent has not asked for its mail this long
                                      # is offered to nobody (recommendations, remote calls)

    @classmethod
    def from_env(cls) -> "RemoteSettings":
        """The defaults, with the default travel time from ``HALLQ_CENTRAL_DEFAULT_TRAVEL_MIN``
        and the phone channel's trip rules from ``PHONE_TRIP_ENV``."""
        minutes = os.environ.get(TRAVEL_ENV)
        default = cls.default_travel_s if not minutes else float(minutes) * 60.0
        return cls(default_travel_s=default, phone_trip=phone_trip_from_env())



def _finite(seconds: float) -> float:
    return round(min(float(seconds), _WAIT_CAP_S), 1)


class CityService:
    """The live city state of one central worker and the decisions taken on it (thread-safe)."""

    def __init__(self, db: Database, settings: RemoteSettings | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.settings = settings or RemoteSettings()
        self.clock = clock
        self.city: CityState | None = None
        self.travel: HallTravel | None = None
        self.configs: dict[str, HallConfig] = {}
        self.versions: dict[str, int] = {}
        self.applied: dict[str, int] = {}          # per hall: the last event followed
        self.days: dict[str, tuple[float, float]] = {}   # per hall: its current day [start, end)
        #: per hall, ticket → (number, item) of its remotely servable tickets of the day
        self.numbers: dict[str, dict[str, tuple[str, str | None]]] = {}
        self.holds: dict[tuple[str, str], tuple[str, float]] = {}
        #: per hall, today's tickets → (status, window): the phone channel's
        #: (``central/phone.py``) and every ticket's public phone page (``central/phone_page.py``)
        self.phone: dict[str, dict[str, tuple[str, str | None]]] = {}
        #: per hall, today's tickets → (number, theme, item, rating or None)
        self.facts: dict[str, dict[str, tuple[str, str, str | None, int | None]]] = {}
        #: called with a hall's id after its events were followed (from any thread)
        self.on_change: Callable[[str], None] | None = None
        #: per hall, the people ahead of each waiting ticket, as of (last event, second)
        self._aheads: dict[str, tuple[tuple[int, int], dict[str, int]]] = {}
        self.en_route: dict[str, tuple[str, str, float]] = {}
        self._lock = threading.RLock()
        self._checked_at = -math.inf
        #: Which agents are there: long polls under way and when each last ended, per hall.
        self._polling: dict[str, int] = {}
        self._heard: dict[str, float] = {}
        self._started = clock()

    # ------------------------------------------------------------------ following the halls
    def invalidate(self, rebuild: bool = False) -> None:
        """A catalog changed: check the catalogs before the next decision (``rebuild``: build
        the state afresh then, e.g. after following events failed half-way)."""
        with self._lock:
            self._checked_at = -math.inf
            if rebuild:
                self.versions = {}

    def rebuild(self, now: float | None = None) -> None:
        """Build the state afresh from the catalogs and each hall's events of its current day."""
        now = self.clock() if now is None else now
        with self._lock, self.db.transaction() as tx:
            rows = tx.all("SELECT hall_id, version, body FROM catalogs WHERE hall_id <> ? "
                          "ORDER BY hall_id", (CITY,))
            configs, versions = [], {}
            for hall_id, version, body in rows:
                versions[hall_id] = version
                try:
                    configs.append(parse_hall_catalog(hall_id, json.loads(body)))
                except (CentralError, ValueError) as err:
                    log.warning("catalog of %s left out of cloud calling: %s", hall_id, err)
            self.versions = versions
            self.configs = {c.hall_id: c for c in configs}
            self.applied, self.days, self.numbers, self.phone = {}, {}, {}, {}
            self.facts = {}
            self.city = self.travel = None
            if configs:
                self.city = CityState(configs, booths={c.hall_id: len(c.booths)
                                                       for c in configs})
                self.travel = HallTravel([c.location for c in configs],
                                         self.settings.speed_kmh, self.settings.overhead_s,
                                         self.settings.default_travel_s)
            acked = dict(tx.all("SELECT hall_id, acked FROM halls"))
            # A window stays open (or paused) over midnight: its status as of the events
            # below comes from the projection; today's window events then replay onto it.
            for hall, window, status in tx.all("SELECT hall_id, window_no, status "
                                               "FROM live_windows"):
                if self.city is not None and status in _STATUS_EVENT:
                    self.city.apply(hall, _STATUS_EVENT[status], 0.0, {"window": window})
            for config in configs:
                hall = config.hall_id
                self.days[hall] = _day_of(config, now)
                mark = int(acked.get(hall, 0))
                first = _first_seq_since(tx, hall, self.days[hall][0], mark)
                self._apply_all(hall, _events(tx, hall, first - 1, mark))
                self.applied[hall] = mark
            self._checked_at = now
        with self._lock:
            self._restore_holds(now)
        log.info("cloud calling: city state of %d halls rebuilt", len(self.configs))

    def _restore_holds(self, now: float) -> None:
        city = self.city
        for (hall, ticket), (theme, at) in list(self.holds.items()):
            if city is None or hall not in city.index or now - at >= self.settings.hold_s:
                del self.holds[(hall, ticket)]
            else:
                city.hold(hall, ticket, theme)
        for referral, (hall, theme, _) in list(self.en_route.items()):
            if city is None or hall not in city.index or theme not in city.theme_index:
                del self.en_route[referral]
            else:
                city.expect(hall, theme)

    def follows(self, hall_id: str) -> bool:
        """Whether the hall's events are followed (central holds its catalog)."""
        return hall_id in self.applied

    def feed(self, hall_id: str, batch: list[dict[str, Any]], acked: int) -> None:
        """Follow a hall's events up to ``acked`` as the ingest committed them (``batch`` holds
        them, except those central had stored before a gap: read then)."""
        with self._lock:
            start = self.applied.get(hall_id)
            if self.city is None or start is None or acked <= start:
                return
            fresh = {e["seq"]: e for e in batch if start < e["seq"] <= acked}
            if len(fresh) == acked - start:
                events = [fresh[seq] for seq in sorted(fresh)]
            else:
                with self.db.transaction() as tx:
                    events = _events(tx, hall_id, start, acked)
            self._apply_all(hall_id, events)
            self.applied[hall_id] = acked
        if self.on_change is not None:
            self.on_change(hall_id)

    def catch_up(self, hall_id: str) -> None:
        """Follow what was ingested for ``hall_id`` (by another worker) now, not at the next
        refresh (``central/event_bell.py``)."""
        with self._lock:
            if self.city is None or hall_id not in self.applied:
                return
        with self.db.transaction() as tx:
            row = tx.one("SELECT acked FROM halls WHERE hall_id = ?", (hall_id,))
        if row is not None:
            self.feed(hall_id, [], int(row[0]))

    def _apply_all(self, hall_id: str, events: list[dict[str, Any]]) -> None:
        city = self.city
        assert city is not None
        start, end = self.days[hall_id]
        remote_items = city.remote_items
        for event in events:
            ts, kind, data = event["ts"], event["kind"], event["data"]
            if ts < start and not kind.startswith("window."):
                continue              # an earlier day's: its lines are gone (windows stay)
            if ts >= end:
                start, end = self._new_day(hall_id, ts)
            city.apply(hall_id, kind, ts, data)
            ticket = data.get("ticket")
            if ticket is None:
                continue
            if kind == EventKind.TICKET_ISSUED and data.get("item") in remote_items:
                self.numbers.setdefault(hall_id, {})[ticket] = (str(data.get("number", "")),
                                                                data.get("item"))
            elif (hall_id, ticket) in self.holds and not city.held(city.index[hall_id], ticket):
                del self.holds[(hall_id, ticket)]         # out of the line: called, leased, …
            if kind == EventKind.TICKET_ISSUED:
                self.phone.setdefault(hall_id, {})[ticket] = ("waiting", None)
                self.facts.setdefault(hall_id, {})[ticket] = (
                    str(data.get("number", "")), str(data.get("theme", "")), data.get("item"),
                    None)
            elif kind in PHONE_STATUS and ticket in self.phone.get(hall_id, {}):
                self.phone[hall_id][ticket] = (PHONE_STATUS[kind], data.get("window"))
            elif kind == EventKind.TICKET_RATED and ticket in self.facts.get(hall_id, {}):
                number, theme, item, _ = self.facts[hall_id][ticket]
                self.facts[hall_id][ticket] = (number, theme, item, data.get("level"))

    def _new_day(self, hall_id: str, now: float) -> tuple[float, float]:
        assert self.city is not None
        self.city.start_day(hall_id)
        self.days[hall_id] = _day_of(self.configs[hall_id], now)
        self.numbers.pop(hall_id, None)
        self.phone.pop(hall_id, None)
        self.facts.pop(hall_id, None)
        for key in [k for k in self.holds if k[0] == hall_id]:
            del self.holds[key]
        return self.days[hall_id]

    def refresh(self, now: float | None = None, force: bool = False) -> None:
        """At most every ``refresh_s``: rebuild when a catalog changed, follow the events other
        workers ingested, start new days, drop old holds and travellers."""
        now = self.clock() if now is None else now
        with self._lock:
            if not force and now - self._checked_at < self.settings.refresh_s:
                return
            with self.db.transaction() as tx:
                versions = dict(tx.all("SELECT hall_id, version FROM catalogs WHERE "
                                       "hall_id <> ?", (CITY,)))
                acked = dict(tx.all("SELECT hall_id, acked FROM halls"))
            if versions != self.versions:
                self.rebuild(now)
                return
            self._checked_at = now
            for hall_id in self.configs:
                if now >= self.days[hall_id][1]:
                    self._new_day(hall_id, now)
                if int(acked.get(hall_id, 0)) > self.applied[hall_id]:
                    self.feed(hall_id, [], int(acked[hall_id]))
            for key, (theme, at) in list(self.holds.items()):
                if now - at >= self.settings.hold_s:
                    self.unhold(*key, theme)
            for referral, (_, _, at) in list(self.en_route.items()):
                if now - at >= self.settings.en_route_s:
                    self.arrived(referral)

    # ------------------------------------------------------------------ which halls answer
    def poll_started(self, hall_id: str) -> None:
        """The hall's agent is asking for its mail (a long poll began)."""
        with self._lock:
            self._polling[hall_id] = self._polling.get(hall_id, 0) + 1

    def poll_ended(self, hall_id: str) -> None:
        """The hall's agent got its mail (or hung up)."""
        with self._lock:
            self._polling[hall_id] -= 1
            self._heard[hall_id] = self.clock()

    def reachable(self, hall_id: str, now: float | None = None) -> bool:
        """Whether the hall's agent takes its mail: it is polling now, or did within
        ``silent_s`` (a hall not heard since central started gets that long to be heard).
        A hall that is not reachable is offered to no citizen and lends no ticket: nobody
        would issue its referrals or answer its leases."""
        now = self.clock() if now is None else now
        with self._lock:
            return self._heard_since(hall_id, now - self.settings.silent_s)

    def _heard_since(self, hall_id: str, since: float) -> bool:
        return (self._polling.get(hall_id, 0) > 0
                or self._heard.get(hall_id, self._started) >= since)

    def _reachable_mask(self, now: float) -> np.ndarray:
        """:meth:`reachable` for every hall of the city state, in its order."""
        assert self.city is not None
        since = now - self.settings.silent_s
        return np.array([self._heard_since(h, since) for h in self.city.hall_ids], dtype=bool)

    # ------------------------------------------------------------------ decisions
    def choose(self, asking_hall: str, skills: list[str], now: float | None = None
               ) -> dict[str, Any] | None:
        """A ticket of another hall for an idle video window of ``asking_hall`` with
        ``skills``, now held for it; None when nothing is worth calling."""
        now = self.clock() if now is None else now
        self.refresh(now)
        with self._lock:
            if self.city is None:
                return None
            found = choose_remote(skills, self.city, now, home=asking_hall,
                                  min_wait_s=self.settings.min_wait_s,
                                  halls=self._reachable_mask(now),
                                  slowdown=self.settings.remote_slowdown,
                                  booth_walk_s=self.settings.booth_walk_s)
            if found is None:
                return None
            self.city.hold(found.hall, found.ticket, found.theme)
            self.holds[(found.hall, found.ticket)] = (found.theme, now)
            number, item = self.numbers.get(found.hall, {}).get(
                found.ticket, (found.ticket.rpartition("-")[2], None))
            home = self.configs[found.hall]
            return {"hall": found.hall, "ticket": found.ticket, "theme": found.theme,
                    "number": number, "wait_s": _finite(found.wait_s), "item": item,
                    "name_zh": home.name_zh, "name_en": home.name_en}

    def unhold(self, hall_id: str, ticket: str, theme: str | None = None) -> None:
        """The home hall refused the lease (or the hold timed out): the ticket may be chosen
        again if it still waits."""
        with self._lock:
            held = self.holds.pop((hall_id, ticket), None)
            theme = theme or (held[0] if held else None)
            if self.city is not None and theme is not None and hall_id in self.city.index:
                self.city.unhold(hall_id, ticket, theme)

    def recommend(self, origin: str, item: str | None = None, limit: int = 5,
                  now: float | None = None) -> dict[str, list[dict[str, Any]]]:
        """Halls for ``item`` (or every 通办 item of the origin's catalog) by expected total
        time, best first, as ``{item code: [entry…]}``; only halls whose catalog has the item."""
        now = self.clock() if now is None else now
        self.refresh(now)
        with self._lock:
            config = self.configs.get(origin)
            if self.city is None or self.travel is None or config is None:
                raise CentralError(404, ErrorCode.NOT_FOUND, "该大厅尚未发布服务目录",
                                   "No catalog was published for this hall")
            if item is not None and item not in config.items:
                raise CentralError(404, ErrorCode.UNKNOWN_SERVICE, "没有该业务",
                                   f"No such service: {item}")
            codes = [item] if item is not None else [
                code for code, found in config.items.items() if found.anywhere]
            halls = len(self.city.hall_ids)
            answer: dict[str, list[dict[str, Any]]] = {}
            for code in codes:
                ranked = recommend(config.items[code], origin, self.city, self.travel, now,
                                   limit=halls)
                entries: list[dict[str, Any]] = []
                answer[code] = entries
                for found in ranked:
                    if code in self.configs[found.hall].items and (
                            found.hall == origin or self.reachable(found.hall, now)):
                        entries.append(self._entry(found))
                        if len(entries) == limit:
                            break
            return answer

    def _entry(self, found: Any) -> dict[str, Any]:
        config = self.configs[found.hall]
        return {"hall": found.hall, "name_zh": config.name_zh, "name_en": config.name_en,
                "expected_total_s": _finite(found.expected_total_s),
                "wait_s": _finite(found.wait_s), "travel_s": _finite(found.travel_s)}

    def halls_for(self, item: str, lat: float, lon: float, limit: int = 5,
                  now: float | None = None) -> list[dict[str, Any]]:
        """Halls whose catalog has ``item`` and that can be reached, by expected total time
        (travel from the place at ``lat``, ``lon`` + wait), best first — for a citizen
        taking a number by phone. Halls where no open window serves the item, that will give
        no more numbers of it when the citizen gets there (closed, past the cutoff), or that
        are not worth the trip (``settings.phone_trip``) are left out."""
        now = self.clock() if now is None else now
        self.refresh(now)
        with self._lock:
            if self.city is None or self.travel is None:
                return []
            themes = [found.theme if (found := self.configs[h].items.get(item)) else None
                      for h in self.city.hall_ids]
            ranked = rank_halls(self.city, themes, self.travel.from_point(lat, lon), now,
                                limit, self._reachable_mask(now), self.settings.phone_trip)
            return [{**self._entry(found), "waiting": self._waiting(found.hall, item)}
                    for found in ranked]

    def _waiting(self, hall_id: str, item: str) -> int:
        assert self.city is not None
        theme = self.city.theme_index[self.configs[hall_id].items[item].theme]
        return int(self.city.waiting[theme, self.city.index[hall_id]])

    def phone_progress(self, hall_id: str, ticket: str, now: float | None = None,
                       refresh: bool = True) -> dict[str, Any] | None:
        """Where a ticket of the hall's day is: ``{"status", "window", "ahead"}`` (status
        ``waiting``, ``called``, ``booth``, ``no_show``, ``cancelled`` or ``finished``), from
        the hall's events as central follows them; None before its issue reached central.
        ``refresh``: first follow what other workers ingested (a database read; the phone
        page's streams, on the event loop, do not)."""
        now = self.clock() if now is None else now
        if refresh:
            self.refresh(now)
        with self._lock:
            found = self.phone.get(hall_id, {}).get(ticket)
            if found is None or self.city is None:
                return None
            status, window = found
            ahead = self._aheads_now(hall_id, now).get(ticket) if status == "waiting" else None
            return {"status": status, "window": window, "ahead": ahead}

    def _aheads_now(self, hall_id: str, now: float) -> dict[str, int]:
        """:meth:`CityState.aheads` of the hall, computed once per event and second (the hall's
        open phone pages all ask at once after each call). Under the lock."""
        assert self.city is not None
        stamp = (self.applied.get(hall_id, 0), int(now))
        cached = self._aheads.get(hall_id)
        if cached is None or cached[0] != stamp:
            cached = self._aheads[hall_id] = (stamp, self.city.aheads(hall_id, now))
        return cached[1]

    def ticket_facts(self, hall_id: str, ticket: str
                     ) -> tuple[str, str, str | None, int | None] | None:
        """A ticket of the hall's day as its issue said (number, theme, item) and its rating
        (None until rated); None before its issue reached central."""
        with self._lock:
            return self.facts.get(hall_id, {}).get(ticket)

    def wait_behind(self, hall_id: str, item: str, ahead: int, now: float | None = None
                    ) -> float | None:
        """Expected wait of a ticket for ``item`` at ``hall_id`` with ``ahead`` people before
        it (seconds; None when central cannot tell: no catalog, no open window)."""
        now = self.clock() if now is None else now
        self.refresh(now)
        config = self.configs.get(hall_id)
        if config is None or item not in config.items:
            return None
        return self.wait_in_theme(hall_id, config.items[item].theme, ahead, now)

    def wait_in_theme(self, hall_id: str, theme_prefix: str, ahead: int, now: float
                      ) -> float | None:
        """Expected wait in the hall's line of a theme with ``ahead`` people before (seconds;
        None when central cannot tell), from the state as followed (no database read)."""
        with self._lock:
            if self.city is None or hall_id not in self.configs:
                return None
            theme = self.city.theme_index.get(theme_prefix)
            if theme is None:
                return None
            wait = self.city.wait_behind(self.city.index[hall_id], theme, ahead, now)
            return _finite(wait) if math.isfinite(wait) else None

    def learned_means(self, now: float | None = None) -> dict[str, dict[str, float]]:
        """Per hall, per theme, the mean service time learned from the finished services
        central followed (each winsorised, as the hall learns it); themes not yet served are
        left out."""
        now = self.clock() if now is None else now
        self.refresh(now)
        with self._lock:
            city = self.city
            if city is None:
                return {}
            learned: dict[str, dict[str, float]] = {}
            for hall, theme in zip(*np.nonzero(city.service.counts), strict=True):
                learned.setdefault(city.hall_ids[hall], {})[city.themes[theme]] = float(
                    city.service.allday[hall, theme])
            return learned

    def refused_at(self, hall_id: str, item: str, anywhere_only: bool = True
                   ) -> dict[str, str] | None:
        """Why ``hall_id`` cannot take a referral for ``item`` (None when it can);
        ``anywhere_only``: the item must be one any hall serves (通办), as for a citizen
        sent from another hall."""
        with self._lock:
            config = self.configs.get(hall_id)
            if config is None:
                return referrals.error(ErrorCode.UNKNOWN_HALL, "目标大厅未接入云叫号",
                                       "The chosen hall is not connected to cloud calling")
            found = config.items.get(item)
            if found is None or (anywhere_only and not found.anywhere):
                return referrals.error(ErrorCode.NOT_ANYWHERE, "目标大厅不办理该事项",
                                       "The chosen hall does not handle this item")
            if not self.reachable(hall_id):
                return referrals.error(ErrorCode.UNREACHABLE,
                                       "目标大厅暂时无法联系，请在本厅取号",
                                       "The chosen hall cannot be reached right now; "
                                       "take a number here")
            return None

    def expect(self, referral_id: str, hall_id: str, item: str, now: float | None = None
               ) -> None:
        """A citizen referred to ``hall_id`` for ``item`` is on the way (until issued)."""
        now = self.clock() if now is None else now
        with self._lock:
            found = self.configs.get(hall_id)
            theme = found.items[item].theme if found and item in found.items else None
            if (self.city is None or theme is None or theme not in self.city.theme_index
                    or referral_id in self.en_route):
                return
            self.city.expect(hall_id, theme)
            self.en_route[referral_id] = (hall_id, theme, now)

    def arrived(self, referral_id: str) -> None:
        """The referred citizen's ticket was issued (they count in the line now) or refused."""
        with self._lock:
            found = self.en_route.pop(referral_id, None)
            if found is not None and self.city is not None and found[0] in self.city.index:
                self.city.expect(found[0], found[1], -1)


def _day_of(config: HallConfig, now: float) -> tuple[float, float]:
    """The hall's local day holding ``now``, as [start, end) POSIX seconds."""
    local = datetime.fromtimestamp(now, config.timezone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=1, hours=2)).replace(hour=0)
    return start.timestamp(), end.timestamp()


def _first_seq_since(tx: Tx, hall_id: str, since: float, mark: int) -> int:
    """The first of events 1..mark (contiguous at central) stamped at or after ``since``, by
    bisection on the primary key (a hall's clock runs forward); mark + 1 when none."""
    low, high = 1, mark + 1
    while low < high:
        middle = (low + high) // 2
        row = tx.one("SELECT ts FROM events WHERE hall_id = ? AND seq = ?", (hall_id, middle))
        if row is not None and row[0] >= since:
            high = middle
        else:
            low = middle + 1
    return low


def _events(tx: Tx, hall_id: str, after: int, upto: int) -> list[dict[str, Any]]:
    if upto <= after:
        return []
    rows = tx.all("SELECT seq, ts, kind, data FROM events WHERE hall_id = ? AND seq > ? "
                  "AND seq <= ? ORDER BY seq", (hall_id, after, upto))
    return [{"seq": r[0], "ts": r[1], "kind": r[2], "data": json.loads(r[3])} for r in rows]
