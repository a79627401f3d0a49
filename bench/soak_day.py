"""The soak's day at one hall (``bench/soak.py``): kiosks issuing numbers with a morning peak
(ID numbers, some of the elderly), the city app taking numbers by phone through central, and 20
windows calling, starting, finishing or marking no-shows, with ratings, every step a real HTTP
request on the soak's clock (the day runs ``speed`` times faster than the wall clock).

Every acknowledged (2xx) operation goes into the :class:`Ledger`. A request that got no answer
(the process was killed, a timeout, a 5xx) is unacknowledged: a kiosk tries again, as a real one
would, and it is counted apart; a window that does not know where it stands reads its state
from ``GET /windows`` before its next step."""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from bench.soak_procs import STAFF_PINS, WINDOWS, HallSite
from hall.idnumber import check_char

#: Arrivals an hour at a busy district hall, by the hour of the day (09:00 to 17:00): a morning
#: peak, a lunch dip, a smaller afternoon peak.
ARRIVALS_PER_HOUR = {9: 90, 10: 130, 11: 120, 12: 60, 13: 70, 14: 110, 15: 100, 16: 80, 17: 40}
#: Items and their share of arrivals, with each theme's mean service (minutes).
ITEMS = {"A01": 8, "A02": 6, "A03": 6, "B01": 4, "B02": 4, "C01": 10, "C02": 6, "C03": 8,
         "D01": 12, "D02": 5, "D03": 8, "E01": 5, "E02": 4, "F01": 9, "F02": 5}
MEAN_SERVICE_MIN = {"A": 12, "B": 20, "C": 8, "D": 8, "E": 15, "F": 8}
ELDERLY_SHARE = 0.12
REAL_NAME_SHARE = 0.7
NO_SHOW_SHARE = 0.04
RATING_SHARE = 0.6
#: Seconds of wall time between tries of an unanswered request.
RETRY_S = 0.3


@dataclass
class SoakClock:
    """The soak's day: ``start_min`` minutes after midnight at the start, ``speed`` × faster."""

    start_min: float
    speed: float
    t0: float = field(default_factory=time.monotonic)

    def minute(self) -> float:
        """Minutes after midnight of the soak's day now."""
        return self.start_min + (time.monotonic() - self.t0) * self.speed / 60

    def wall_s(self, sim_min: float) -> float:
        """Wall seconds that ``sim_min`` minutes of the day take."""
        return sim_min * 60 / self.speed


@dataclass
class Ledger:
    """What the soak's devices were told, shared by the halls' threads."""

    acked: list[tuple[str, str, str]] = field(default_factory=list)   # (hall, op, ticket)
    numbers: list[tuple[str, str, str]] = field(default_factory=list)  # (hall, ticket, number)
    unacked: Counter = field(default_factory=Counter)                  # op -> tries unanswered
    refused: Counter = field(default_factory=Counter)                  # (op, code) -> count
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, hall: str, op: str, ticket: str, number: str | None = None) -> None:
        """Record an acknowledged operation."""
        with self.lock:
            self.acked.append((hall, op, ticket))
            if number is not None:
                self.numbers.append((hall, ticket, number))


def citizen_id(rng: random.Random, elderly: bool) -> str:
    """A valid 18-character ID number of someone born between 1940 and 2004."""
    year = rng.randint(1940, 1956) if elderly else rng.randint(1965, 2004)
    born = date(year, rng.randint(1, 12), rng.randint(1, 28)).strftime("%Y%m%d")
    first = f"440304{born}{rng.randint(0, 999):03d}"
    return first + check_char(first)


class Answer:
    """What a request came back with: ``ok`` (2xx), ``refused`` (4xx, with ``code``) or
    neither (no answer or a 5xx: unacknowledged)."""

    def __init__(self, response: httpx.Response | None) -> None:
        self.status = response.status_code if response is not None else 0
        self.body: Any = None
        if response is not None and response.content:
            try:
                self.body = response.json()
            except ValueError:
                self.body = None
        self.ok = 200 <= self.status < 300
        self.refused = 400 <= self.status < 500
        self.code = self.body.get("code", "") if isinstance(self.body, dict) else ""


class HallDay:
    """One hall's day, driven from one thread by a schedule of steps on the wall clock."""

    def __init__(self, site: HallSite, clock: SoakClock, ledger: Ledger, central_url: str,
                 phone_token: str, seed: int, end_min: float, phone_share: float = 0.05
                 ) -> None:
        self.site = site
        self.clock = clock
        self.ledger = ledger
        self.end_min = end_min
        self.rng = random.Random(seed)
        self.http = httpx.Client(timeout=5)
        self.central_url = central_url
        self.phone_token = phone_token
        self.phone_share = phone_share
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._phone_ids = itertools.count(1)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"day-{site.hall_id}",
                                       daemon=True)

    # ------------------------------------------------------------------ plumbing
    def at(self, delay_s: float, step: Callable[[], None]) -> None:
        """Run ``step`` after ``delay_s`` wall seconds."""
        heapq.heappush(self._queue, (time.monotonic() + delay_s, next(self._seq), step))

    def request(self, op: str, method: str, url: str, token: str,
                body: dict | None = None) -> Answer:
        """One request; an unanswered one is counted under ``op``, a refused one under its
        code."""
        try:
            response = self.http.request(method, url, json=body,
                                         headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError:
            response = None
        answer = Answer(response)
        if not answer.ok and not answer.refused:
            with self.ledger.lock:
                self.ledger.unacked[op] += 1
        elif answer.refused:
            with self.ledger.lock:
                self.ledger.refused[(op, answer.code)] += 1
        return answer

    def hall(self, op: str, method: str, path: str, token: str,
             body: dict | None = None) -> Answer:
        """A request to the hall node's API."""
        return self.request(op, method, f"{self.site.url}/api/v1{path}", token, body)

    def start(self) -> HallDay:
        """Sign in every window and start the day's arrivals in the thread."""
        for window in WINDOWS:
            self.at(0.05 * int(window), functools.partial(self.sign_in, window))
        self.at(0.1, self.arrival)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop the day (steps still scheduled are dropped)."""
        self.stopping.set()
        self.thread.join(timeout=30)
        self.http.close()

    def _run(self) -> None:
        while not self.stopping.is_set():
            if not self._queue or self._queue[0][0] > time.monotonic():
                time.sleep(0.01)
                continue
            _, _, step = heapq.heappop(self._queue)
            step()

    def open_for_arrivals(self) -> bool:
        """Whether kiosks still issue (the soak's day is not over)."""
        return self.clock.minute() < self.end_min

    # ------------------------------------------------------------------ citizens
    def arrival(self) -> None:
        """A citizen arrives: a kiosk (or the phone) issues a number; the next one is due
        after an exponential gap at this hour's rate."""
        if not self.open_for_arrivals():
            return
        rate = ARRIVALS_PER_HOUR.get(int(self.clock.minute() // 60), 30) / 60   # per minute
        self.at(self.clock.wall_s(self.rng.expovariate(rate)), self.arrival)
        item = self.rng.choices(list(ITEMS), weights=list(ITEMS.values()))[0]
        elderly = self.rng.random() < ELDERLY_SHARE
        if self.rng.random() < self.phone_share:
            self.phone_take(item, citizen_id(self.rng, elderly))
            return
        body: dict[str, Any] = {"service": item}
        if elderly or self.rng.random() < REAL_NAME_SHARE:
            body["id_number"] = citizen_id(self.rng, elderly)
        self.issue(body)

    def issue(self, body: dict) -> None:
        """The kiosk asks for a number, again and again until it gets an answer."""
        answer = self.hall("issue", "POST", "/tickets", self.site.kiosk, body)
        if answer.ok:
            self.ledger.ack(self.site.hall_id, "issue", answer.body["id"], answer.body["number"])
        elif not answer.refused and not self.stopping.is_set():
            self.at(RETRY_S, lambda: self.issue(body))

    def phone_take(self, item: str, id_number: str) -> None:
        """The city app takes a number at this hall (a request id of its own, so that a
        repeat is harmless), then follows it until it is issued."""
        app_id = f"soak-{self.site.hall_id}-{next(self._phone_ids):06d}"
        body = {"id": app_id, "hall": self.site.hall_id, "item": item, "id_number": id_number}

        def take() -> None:
            answer = self.request("phone", "POST", f"{self.central_url}/api/v1/phone/tickets",
                                  self.phone_token, body)
            if answer.ok:
                self.at(0.5, follow)
            elif not answer.refused and not self.stopping.is_set():
                self.at(1.0, take)

        def follow() -> None:
            answer = self.request("phone_follow", "GET",
                                  f"{self.central_url}/api/v1/phone/tickets/{app_id}",
                                  self.phone_token)
            status = answer.body.get("status") if answer.ok else None
            if answer.ok and status not in ("taking", None) and answer.body.get("ticket"):
                ticket = answer.body["ticket"]
                self.ledger.ack(self.site.hall_id, "phone", ticket["id"], ticket["number"])
            elif (status in ("taking", None)) and not self.stopping.is_set():
                self.at(1.0, follow)
            elif answer.ok:
                with self.ledger.lock:
                    self.ledger.refused[("phone", str(status))] += 1
        take()

    # ------------------------------------------------------------------ windows
    def window_call(self, window: str, path: str, op: str) -> Answer:
        """A step of the window's console (its caller token)."""
        return self.hall(op, "POST", f"/windows/{window}/{path}", self.site.callers[window])

    def sign_in(self, window: str) -> None:
        """The window's staff member signs in with their PIN; then the window works. A refusal
        (the window already open after a lost answer) sends it to read its state."""
        staff = f"S{int(window):03d}"
        answer = self.hall("sign_in", "POST", f"/windows/{window}/sign-in",
                           self.site.callers[window], {"staff_id": staff, "pin": STAFF_PINS[staff]})
        if answer.ok:
            self.at(0.05, lambda: self.call(window))
        else:
            self.at(RETRY_S if not answer.refused else 1.0, lambda: self.next_step(window))

    def next_step(self, window: str) -> None:
        """A window that does not know where it stands reads it from ``GET /windows``."""
        if self.stopping.is_set():
            return
        answer = self.hall("window_state", "GET", "/windows", self.site.admin)
        if not answer.ok:
            self.at(RETRY_S, lambda: self.next_step(window))
            return
        state = next(w for w in answer.body if w["number"] == window)
        if state["status"] == "closed":
            self.sign_in(window)
        elif state["current_status"] == "called":
            self.came(window, state["current_ticket"], state["current"])
        elif state["current_status"] == "serving":
            self.serving(window, state["current_ticket"], state["current"])
        else:
            self.call(window)

    def call(self, window: str) -> None:
        """Call the next number; nobody waiting: try again half a minute later."""
        if self.stopping.is_set():
            return
        answer = self.window_call(window, "call", "call")
        if answer.status == 204:
            self.at(self.clock.wall_s(0.5), lambda: self.call(window))
        elif answer.ok:
            self.ledger.ack(self.site.hall_id, "call", answer.body["id"])
            self.came(window, answer.body["id"], answer.body["number"])
        else:
            self.at(RETRY_S, lambda: self.next_step(window))

    def came(self, window: str, ticket: str, number: str) -> None:
        """The citizen walks up (or never comes: a no-show after two minutes)."""
        if self.rng.random() < NO_SHOW_SHARE:
            self.at(self.clock.wall_s(2.0), lambda: self.step(window, "no-show", "no_show",
                                                                ticket, self.call))
        else:
            walk = self.clock.wall_s(self.rng.uniform(0.3, 1.5))
            self.at(walk, lambda: self.step(window, "serve", "serve", ticket,
                                            lambda w: self.serving(w, ticket, number)))

    def serving(self, window: str, ticket: str, number: str) -> None:
        """The service takes a lognormal time around its theme's mean, then it finishes."""
        mean = MEAN_SERVICE_MIN.get(number[:1], 10)
        minutes = self.rng.lognormvariate(math.log(mean) - 0.18, 0.6)

        def done(w: str) -> None:
            if self.rng.random() < RATING_SHARE:
                self.rate(w, ticket, self.rng.choice([3, 4, 5, 5, 5]))
            self.at(self.clock.wall_s(0.3), lambda: self.call(w))
        self.at(self.clock.wall_s(minutes),
                lambda: self.step(window, "finish", "finish", ticket, done))

    def step(self, window: str, path: str, op: str, ticket: str,
             then: Callable[[str], None]) -> None:
        """A window step on ``ticket``; unanswered, the window reads its state and goes on."""
        if self.stopping.is_set():
            return
        answer = self.window_call(window, path, op)
        if answer.ok:
            self.ledger.ack(self.site.hall_id, op, ticket)
            then(window)
        else:
            self.at(RETRY_S, lambda: self.next_step(window))

    def rate(self, window: str, ticket: str, level: int) -> None:
        """The citizen presses a key of the window's rating pad (tried until answered)."""
        answer = self.hall("rate", "POST", f"/tickets/{ticket}/rating",
                           self.site.callers[window], {"level": level})
        if answer.ok:
            self.ledger.ack(self.site.hall_id, "rate", ticket)
        elif not answer.refused and not self.stopping.is_set():
            self.at(RETRY_S, lambda: self.rate(window, ticket, level))
