"""The lease protocol of remote calling: its rules one by one, then a lossy city where messages
are lost, duplicated and reordered, halls go offline and central restarts — and still no
ticket is served twice or lost."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from hall.lease import HomeLeases, HomeState, RemoteLease, RemoteState
from hall.protocol.messages import EXPIRED, FINISHED, GRANTED, REFUSED, RELEASED, STARTED, Message

WAITING, LEASED, LOCAL, REMOTE, DONE = "waiting", "leased", "local", "remote", "done"


class FakeEngine:
    """The home hall's tickets; every lease operation checks the ticket is where it should be."""

    def __init__(self, tickets: list[str]) -> None:
        self.status = dict.fromkeys(tickets, WAITING)
        self.calls: list[tuple[str, str]] = []

    def take(self, ticket: str, now: float) -> bool:
        self.calls.append(("take", ticket))
        if self.status.get(ticket) != WAITING:
            return False
        self.status[ticket] = LEASED
        return True

    def give_back(self, ticket: str, now: float) -> None:
        self.calls.append(("give_back", ticket))
        assert self.status[ticket] in (LEASED, REMOTE), (ticket, self.status[ticket])
        self.status[ticket] = WAITING

    def start(self, ticket: str, now: float) -> None:
        self.calls.append(("start", ticket))
        assert self.status[ticket] == LEASED
        self.status[ticket] = REMOTE

    def finish(self, ticket: str, now: float) -> None:
        self.calls.append(("finish", ticket))
        assert self.status[ticket] == REMOTE
        self.status[ticket] = DONE


def request(lease: str = "L1", ticket: str = "t1", msg_id: str = "m1") -> Message:
    return Message("request", lease, "home", "far/3", ticket, id=msg_id)


def test_grant_start_finish() -> None:
    engine = FakeEngine(["t1"])
    home = HomeLeases(engine, "home", ttl_s=60)
    answer = home.handle(request(), 0.0)
    assert (answer.kind, answer.expires_at, answer.reply_to) == (GRANTED, 60.0, "m1")
    assert home.handle(Message("start", "L1", "home", "far/3", id="m2"), 10.0).kind == STARTED
    assert home.handle(Message("finish", "L1", "home", "far/3", id="m3"), 20.0).kind == FINISHED
    assert engine.status["t1"] == DONE and not home.active


def test_refused_when_the_ticket_no_longer_waits_or_is_leased() -> None:
    engine = FakeEngine(["t1", "t2"])
    home = HomeLeases(engine, "home")
    engine.status["t2"] = LOCAL
    assert home.handle(request("L1", "t2"), 0.0).kind == REFUSED
    assert home.handle(request("L2", "t1"), 0.0).kind == GRANTED
    assert home.handle(request("L3", "t1"), 0.0).kind == REFUSED


def test_duplicates_get_the_same_answer_and_change_nothing() -> None:
    engine = FakeEngine(["t1"])
    home = HomeLeases(engine, "home")
    first = home.handle(request(), 0.0)
    again = home.handle(request(), 5.0)
    assert again.kind == first.kind == GRANTED and again.expires_at == first.expires_at
    start = Message("start", "L1", "home", "far/3", id="s")
    assert home.handle(start, 6.0).kind == home.handle(start, 7.0).kind == STARTED
    finish = Message("finish", "L1", "home", "far/3", id="f")
    assert home.handle(finish, 8.0).kind == home.handle(finish, 9.0).kind == FINISHED
    assert home.handle(start, 10.0).kind == FINISHED          # a late copy of start
    assert [c[0] for c in engine.calls] == ["take", "start", "finish"]


def test_a_lease_not_started_in_time_returns_the_ticket() -> None:
    engine = FakeEngine(["t1"])
    home = HomeLeases(engine, "home", ttl_s=60)
    home.handle(request(), 0.0)
    assert home.next_expiry() == 60.0
    assert home.expire(59.0) == [] and home.expire(60.0) == ["t1"]
    assert engine.status["t1"] == WAITING
    assert home.handle(Message("start", "L1", "home", "far/3"), 61.0).kind == EXPIRED
    assert home.handle(request(), 62.0).kind == REFUSED        # the old lease stays over
    assert home.handle(request("L2"), 62.0).kind == GRANTED    # a new one may take it


def test_release_returns_a_ticket_whose_started_answer_was_lost() -> None:
    engine = FakeEngine(["t1"])
    home = HomeLeases(engine, "home")
    home.handle(request(), 0.0)
    home.handle(Message("start", "L1", "home", "far/3"), 1.0)   # answer lost on the way
    assert home.leases["L1"].state is HomeState.SERVING
    assert home.handle(Message("release", "L1", "home", "far/3"), 2.0).kind == RELEASED
    assert engine.status["t1"] == WAITING and not home.active
    assert home.handle(Message("release", "L1", "home", "far/3"), 3.0).kind == RELEASED


def test_the_remote_side_serves_only_after_started() -> None:
    lease = RemoteLease("L1", "home", "far/3", "t1", now=0.0, retry_s=5, give_up_s=30)
    sent = lease.outgoing(0.0)
    assert sent is not None and sent.kind == "request" and lease.outgoing(1.0) is None
    retry = lease.outgoing(5.0)
    assert retry is not None and retry.id != sent.id
    lease.on_answer(Message(GRANTED, "L1", "home", "far/3", expires_at=60.0), 6.0)
    assert lease.state is RemoteState.CALLING and lease.outgoing(7.0) is None
    lease.at_booth(20.0)
    assert lease.outgoing(20.0).kind == "start"                # type: ignore[union-attr]
    lease.on_answer(Message(GRANTED, "L1", "home", "far/3"), 21.0)   # a late duplicate
    assert lease.state is RemoteState.STARTING
    lease.on_answer(Message(STARTED, "L1", "home", "far/3"), 22.0)
    assert lease.state is RemoteState.SERVING
    lease.served(30.0)
    assert lease.outgoing(30.0).kind == "finish"               # type: ignore[union-attr]
    lease.on_answer(Message(FINISHED, "L1", "home", "far/3"), 31.0)
    assert lease.over and not lease.conflict


def test_the_remote_side_gives_up_and_releases() -> None:
    lease = RemoteLease("L1", "home", "far/3", "t1", now=0.0, retry_s=5, give_up_s=30)
    lease.outgoing(0.0)
    assert lease.outgoing(30.0).kind == "release"              # type: ignore[union-attr]
    lease.on_answer(Message(GRANTED, "L1", "home", "far/3"), 31.0)   # too late: ignored
    assert lease.state is RemoteState.RELEASING
    lease.on_answer(Message(RELEASED, "L1", "home", "far/3"), 32.0)
    assert lease.state is RemoteState.ENDED


# ---------------------------------------------------------------------- a lossy city
@dataclass
class Faults:
    """What goes wrong, per message or per tick."""

    loss: float = 0.2
    duplicate: float = 0.2
    max_delay: int = 8
    offline: float = 0.002        # chance per tick that a hall goes offline (for 10–60 ticks)
    restart: float = 0.003        # chance per tick that central restarts


@dataclass
class World:
    """Three halls, each with waiting tickets, local windows and remote windows."""

    rng: random.Random
    faults: Faults
    now: int = 0
    engines: dict[str, FakeEngine] = field(default_factory=dict)
    homes: dict[str, HomeLeases] = field(default_factory=dict)
    leases: dict[str, RemoteLease] = field(default_factory=dict)   # remote window -> lease
    finished_leases: list[RemoteLease] = field(default_factory=list)
    in_flight: list[tuple[int, str, Message]] = field(default_factory=list)
    offline_until: dict[str, int] = field(default_factory=dict)
    local: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    walking: dict[str, int] = field(default_factory=dict)
    serving_until: dict[str, int] = field(default_factory=dict)
    served: dict[tuple[str, str], int] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    epoch: int = 0

    def count(self, what: str) -> None:
        self.stats[what] = self.stats.get(what, 0) + 1

    def online(self, hall: str) -> bool:
        return self.offline_until.get(hall, -1) < self.now

    def serve(self, hall: str, ticket: str) -> None:
        self.served[(hall, ticket)] = self.served.get((hall, ticket), 0) + 1

    def send(self, dest: str, msg: Message, faulty: bool) -> None:
        """Through central to ``dest`` (a hall id, or a remote window's hall/window)."""
        if faulty and self.rng.random() < self.faults.loss:
            self.count("lost")
            return
        copies = 2 if faulty and self.rng.random() < self.faults.duplicate else 1
        if copies == 2:
            self.count("duplicated")
        for _ in range(copies):
            delay = self.rng.randint(1, self.faults.max_delay) if faulty else 1
            self.in_flight.append((self.now + delay, dest, msg))

    def step(self, faulty: bool, new_work: bool) -> None:
        self.now += 1
        rng = self.rng
        if faulty and rng.random() < self.faults.restart:      # central loses what it relays
            self.count("central_restarts")
            self.in_flight.clear()
            self.epoch += 1
        if faulty and rng.random() < self.faults.offline:
            hall = rng.choice(list(self.engines))
            self.offline_until[hall] = self.now + rng.randint(10, 60)
            self.count("hall_offline")
        self._deliver(faulty)
        for home in self.homes.values():
            home.expire(self.now)
        self._local_windows()
        self._remote_windows(faulty, new_work)

    def _deliver(self, faulty: bool) -> None:
        due = [m for m in self.in_flight if m[0] <= self.now]
        self.in_flight = [m for m in self.in_flight if m[0] > self.now]
        self.rng.shuffle(due)
        for _, dest, msg in due:
            home_hall, remote_hall = msg.home, msg.remote.split("/")[0]
            if faulty and not (self.online(home_hall) and self.online(remote_hall)):
                self.count("dropped_offline")
                continue
            if dest in self.homes:
                self.send(msg.remote, self.homes[dest].handle(msg, self.now), faulty)
                continue
            lease = self.leases.get(dest)
            if lease is None or lease.id != msg.lease:
                continue                                        # an answer for an old lease
            before = lease.state
            lease.on_answer(msg, self.now)
            if before is RemoteState.STARTING and lease.state is RemoteState.SERVING:
                assert self.engines[lease.home].status[lease.ticket] == REMOTE
                self.serve(lease.home, lease.ticket)
                self.serving_until[dest] = self.now + self.rng.randint(3, 15)
                self.count("served_remotely")

    def _local_windows(self) -> None:
        for hall, engine in self.engines.items():
            for window in range(2):
                busy = self.local.get((hall, window))
                if busy is not None and busy[1] <= self.now:
                    engine.status[busy[0]] = DONE
                    del self.local[(hall, window)]
                elif busy is None and self.rng.random() < 0.05:
                    waiting = [t for t, s in engine.status.items() if s == WAITING]
                    if waiting:
                        ticket = waiting[0]
                        engine.status[ticket] = LOCAL
                        self.serve(hall, ticket)
                        self.local[(hall, window)] = (ticket, self.now + self.rng.randint(3, 15))

    def _remote_windows(self, faulty: bool, new_work: bool) -> None:
        for hall in self.engines:
            for window in range(2):
                name = f"{hall}/{window}"
                lease = self.leases.get(name)
                if lease is None or lease.over:
                    if lease is not None:
                        self.finished_leases.append(lease)
                        del self.leases[name]
                    if new_work and self.rng.random() < 0.1:
                        self._start_lease(hall, name)
                    continue
                if lease.state is RemoteState.CALLING:
                    walked = self.walking.setdefault(name, self.now + self.rng.randint(1, 6))
                    if walked <= self.now:
                        del self.walking[name]
                        lease.at_booth(self.now)
                if lease.state is RemoteState.SERVING and self.serving_until[name] <= self.now:
                    lease.served(self.now)
                message = lease.outgoing(self.now)
                if message is not None:
                    if not self.online(hall) and faulty:
                        self.count("dropped_offline")
                    else:
                        self.send(lease.home, message, faulty)

    def _start_lease(self, hall: str, name: str) -> None:
        """Central picks a ticket of another hall from a stale view: any ticket at all."""
        home = self.rng.choice([h for h in self.engines if h != hall])
        ticket = self.rng.choice(list(self.engines[home].status))
        self.count("leases")
        self.leases[name] = RemoteLease(f"{self.epoch}:{name}:{self.now}", home, name, ticket,
                                        self.now, retry_s=4, give_up_s=25)


def make_world(seed: int, tickets: int = 60) -> World:
    world = World(random.Random(seed), Faults())
    for hall in ("H1", "H2", "H3"):
        engine = FakeEngine([f"{hall}-{i}" for i in range(tickets)])
        world.engines[hall] = engine
        world.homes[hall] = HomeLeases(engine, hall, ttl_s=20)
    return world


@pytest.mark.parametrize("seed", range(6))
def test_no_ticket_is_served_twice_or_lost_under_faults(seed: int) -> None:
    world = make_world(seed)
    for _ in range(1500):
        world.step(faulty=True, new_work=True)
    for _ in range(400):                       # the network heals; no new remote calls
        world.step(faulty=False, new_work=False)
    assert all(count == 1 for count in world.served.values()), "a ticket was served twice"
    for hall, engine in world.engines.items():
        assert set(engine.status.values()) <= {WAITING, DONE}, (hall, engine.status)
        assert not world.homes[hall].active
        served = {t for (h, t) in world.served if h == hall}
        assert served == {t for t, s in engine.status.items() if s == DONE}
    leases = world.finished_leases + list(world.leases.values())
    assert all(lease.over and not lease.conflict for lease in leases)
    for what in ("lost", "duplicated", "hall_offline", "central_restarts", "served_remotely"):
        assert world.stats.get(what, 0) > 0, (what, world.stats)
    returned = sum(1 for home in world.homes.values() for lease in home.leases.values()
                   if lease.state is HomeState.RETURNED)
    assert returned > 0
