"""Remote calling in the simulated city: idle windows call tickets of other halls through the
lease protocol of ``hall/lease.py`` (the real state machines), messages taking
``message_delay_s`` each way.

An idle window with nobody waiting for its skills asks the central balancer
(``central.balancer.choose_remote``) for a ticket; the home hall's :class:`~hall.lease.HomeLeases`
grants a lease if the ticket still waits and a video booth is free; the citizen is called to
the booth at once (their wait ends), walks there, the window asks to start, serves
``remote_slowdown`` times slower, and reports the end. What the video service cost the citizen
beyond a local one — the walk and the start's messages, the slower service — is their
``remote_extra_s``. A citizen who declines a video call (``decline_share``) does not come; the
window gives up after the walk's time and the ticket goes back to its place, not to be offered
by video again. Only windows of halls within their hours call, and only tickets of halls within
theirs. Idle windows are woken when a ticket that could be served remotely waits long enough
somewhere else.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from central.balancer import choose_remote
from hall.events import Event, EventKind
from hall.lease import HomeLeases, RemoteLease, RemoteState

if TYPE_CHECKING:
    from bench.cloudsim.city_model import CityModel


class SimHomePort:
    """A simulated home hall's engine operations for leases (``hall.lease.HomePort``)."""

    def __init__(self, calls: RemoteCalls, hall: int) -> None:
        self.calls = calls
        self.hall = hall
        self.granted_at: dict[str, float] = {}
        self.declining: set[str] = set()

    def take(self, ticket: str, now: float) -> bool:
        """Lease a waiting ticket if a video booth is free."""
        if self.calls.booths[self.hall] <= 0:
            return False
        events = self.calls.model.halls[self.hall].lease_out(ticket, now)
        if events is None:
            return False
        self.calls.booths[self.hall] -= 1
        self.granted_at[ticket] = now
        self.calls.model.publish(self.hall, events)
        return True

    def give_back(self, ticket: str, now: float) -> None:
        """The ticket returns to its line (without video if its citizen declined); its booth
        is free again."""
        self.calls.booths[self.hall] += 1
        hall = self.calls.model.halls[self.hall]
        declined = ticket in self.declining
        self.declining.discard(ticket)
        events = hall.give_back(ticket, now, declined=declined)
        self.calls.model.publish(self.hall, events)
        self.calls.returned += 1
        self.calls.model.lease_over(self.hall, str(events[0].data["theme"]))

    def start(self, ticket: str, now: float) -> None:
        """A remote window serves the ticket."""
        self.calls.model.publish(self.hall, self.calls.model.halls[self.hall].start_remote(
            ticket, now))

    def finish(self, ticket: str, now: float) -> None:
        """The remote service is over; the booth is free."""
        self.calls.booths[self.hall] += 1
        events = self.calls.model.halls[self.hall].finish_remote(ticket, now)
        self.calls.model.publish(self.hall, events)
        self.calls.model.lease_over(self.hall, str(events[0].data["theme"]))


class RemoteCalls:
    """Remote calling for a :class:`~bench.cloudsim.city_model.CityModel`."""

    def __init__(self, model: CityModel) -> None:
        self.model = model
        scenario = model.scenario
        self.ports = [SimHomePort(self, h) for h in range(len(model.halls))]
        self.homes = [HomeLeases(port, hall.config.hall_id, scenario.lease_ttl_s)
                      for port, hall in zip(self.ports, model.halls, strict=True)]
        self.capacity = [spec.video_booths for spec in scenario.halls]
        self.booths = list(self.capacity)       # free booths
        self.leases = 0
        self.refused = 0
        self.returned = 0
        self.declined = 0
        self._next = 0

    def out(self, hall: int) -> bool:
        """Whether a ticket of ``hall`` is out on a lease (granted, not yet back or done)."""
        return self.booths[hall] < self.capacity[hall]

    def end_day(self) -> None:
        """Every lease of the day is over; forget them."""
        for home in self.homes:
            assert not home.active, f"{home.hall_id}: leases still active at the end of a day"
            home.leases.clear()

    def notice(self, hall: int, theme: str) -> None:
        """A ticket of ``theme`` joined ``hall``'s line: wake an idle window elsewhere if it
        could be served remotely and waits long enough."""
        model, city = self.model, self.model.city
        t = city.theme_index[theme]
        if city.remote[t, hall] <= 0:
            return
        if city.wait_one(hall, t, model.env.now) <= model.scenario.remote_min_wait_s:
            return
        count = len(model.halls)
        for step in range(count):
            other = (self._next + step) % count
            idle = model.idle[other].get(theme)
            if other != hall and idle and model.hall_open(other):
                self._next = other + 1
                model.wake_window(other, next(iter(idle)))
                return

    def _event(self, hall: int, kind: EventKind, **data: Any) -> Event:
        config = self.model.halls[hall].config
        return Event(kind=kind, ts=self.model.env.now, data=data, hall_id=config.hall_id)

    def call(self, hall: int, window: str) -> Generator[simpy.Event, Any, bool]:
        """An idle window tries one remote call; True when it served someone."""
        model, env, city = self.model, self.model.env, self.model.city
        if not city.remote.any():
            return False
        hall_id = model.halls[hall].config.hall_id
        skills = model.halls[hall].config.windows[window].skills
        choice = choose_remote(skills, city, env.now, home=hall_id,
                               min_wait_s=model.scenario.remote_min_wait_s,
                               halls=model.open_halls(),
                               slowdown=model.scenario.remote_slowdown,
                               booth_walk_s=model.scenario.booth_walk_s)
        if choice is None:
            return False
        home = city.index[choice.hall]
        city.hold(choice.hall, choice.ticket, choice.theme)
        self.leases += 1
        lease = RemoteLease(f"{hall_id}/{window}/{self.leases}", choice.hall,
                            f"{hall_id}/{window}", choice.ticket, env.now,
                            give_up_s=model.scenario.lease_ttl_s)
        model.publish(hall, [self._event(hall, EventKind.WINDOW_REMOTE_BUSY, window=window,
                                         lease=lease.id, home=choice.hall)])
        served = yield from self._serve(lease, home)
        if not served:
            city.unhold(choice.hall, choice.ticket, choice.theme)
        model.publish(hall, [self._event(hall, EventKind.WINDOW_REMOTE_FREE, window=window,
                                         lease=lease.id)])
        return served

    def _serve(self, lease: RemoteLease, home: int) -> Generator[simpy.Event, Any, bool]:
        model, env = self.model, self.model.env
        yield from self._exchange(lease, home)
        if lease.state is not RemoteState.CALLING:
            self.refused += 1
            return False
        called_at = self.ports[home].granted_at.pop(lease.ticket)
        model.later(model.scenario.lease_ttl_s + 1e-6, self._expire, home)
        yield env.timeout(model.scenario.booth_walk_s)
        if model.waiting[(home, lease.ticket)].declines_video:
            self.declined += 1                  # they did not come: give the ticket back
            self.ports[home].declining.add(lease.ticket)
            lease.give_up(env.now)
            yield from self._exchange(lease, home)
            return False
        lease.at_booth(env.now)
        yield from self._exchange(lease, home)
        if lease.state is not RemoteState.SERVING:
            return False
        citizen = model.served(home, lease.ticket, called_at, remotely=True)
        slowdown = model.scenario.remote_slowdown
        citizen.remote_extra_s = env.now - called_at + citizen.service_s * (slowdown - 1.0)
        yield env.timeout(citizen.service_s * slowdown)
        lease.served(env.now)
        yield from self._exchange(lease, home)
        return True

    def _expire(self, home: int) -> None:
        self.homes[home].expire(self.model.env.now)

    def _exchange(self, lease: RemoteLease, home: int) -> Generator[simpy.Event, Any, None]:
        """One message to the home hall and its answer (no loss in the simulated city)."""
        env, delay = self.model.env, self.model.scenario.message_delay_s
        message = lease.outgoing(env.now)
        assert message is not None
        yield env.timeout(delay)
        answer = self.homes[home].handle(message, env.now)
        yield env.timeout(delay)
        lease.on_answer(answer, env.now)
