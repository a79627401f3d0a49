"""Remote calling (远程叫号): leasing a ticket to a window of another hall, as pure state
machines — no I/O, no clock of their own (every call gets ``now``).

The home hall stays the ticket's only owner. A remote window (through its hall node, every
message relayed by central) asks the home hall for a lease of one waiting ticket; the home
hall grants it atomically (the ticket leaves its line, the hall's screens send the citizen to
the video booth) or refuses. The remote window serves only after the home hall confirmed the
start; a lease not started before it expires returns the ticket to its place in the line.

Messages, remote → home, each answered by the home hall (``kind`` → possible answers)::

    request  → granted (with expires_at) | refused
    start    → started | expired | finished
    finish   → finished | expired
    release  → released | finished

The remote side sends each message again every ``retry_s`` until it gets an answer; the home
hall answers from the lease's state, so duplicates, late copies and copies out of order are
harmless (``tests/unit/cloud/test_cloud_lease.py`` injects loss, duplication, a hall offline
and a central restart). Safety rests on three rules:

1. the home hall grants a ticket only while it waits in its line, to one lease at a time;
2. a remote window starts serving only after a ``started`` answer, which the home hall gives
   only for a granted lease that has not expired (after it, the lease never expires);
3. a remote window that gives up before serving says ``release`` until it is answered, so a
   lease whose ``started`` answer was lost returns the ticket too.

The home hall's lease table must be durable (written with the ticket in one transaction);
the remote side's too. Central keeps nothing a lease depends on: a restart only loses
messages in flight, which the retries replace.

The messages themselves and their JSON form are ``hall/protocol/`` (central checks them too).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Protocol

from hall.protocol.messages import (
    EXPIRED,
    FINISH,
    FINISHED,
    GRANTED,
    REFUSED,
    RELEASE,
    RELEASED,
    REQUEST,
    START,
    STARTED,
    Message,
)


class HomePort(Protocol):
    """What the home hall's lease table needs of its queue engine (one transaction each)."""

    def take(self, ticket: str, now: float) -> bool:
        """Take a waiting ticket out of its line for a lease; False if it does not wait."""
        ...

    def give_back(self, ticket: str, now: float) -> None:
        """Put a leased ticket back at its place in its line."""
        ...

    def start(self, ticket: str, now: float) -> None:
        """A remote window serves the leased ticket."""
        ...

    def finish(self, ticket: str, now: float) -> None:
        """A remote window finished the leased ticket."""
        ...


class HomeState(enum.StrEnum):
    """A lease as the home hall knows it."""

    GRANTED = "granted"       # ticket out of the line, waiting for ``start``
    SERVING = "serving"       # a remote window serves it
    FINISHED = "finished"
    RETURNED = "returned"     # expired or released: the ticket is back in its line
    REFUSED = "refused"


@dataclass
class HomeLease:
    """One lease in the home hall's table."""

    id: str
    ticket: str
    remote: str
    state: HomeState
    expires_at: float = 0.0
    booth: str = ""           # where the citizen is served (set by the hall, not the protocol)


class HomeLeases:
    """The home hall's side: the lease table and the answer to every message."""

    def __init__(self, port: HomePort, hall_id: str, ttl_s: float = 120.0) -> None:
        self.port = port
        self.hall_id = hall_id
        self.ttl_s = ttl_s
        self.leases: dict[str, HomeLease] = {}
        self.active: dict[str, str] = {}      # ticket -> lease granted or serving

    def handle(self, msg: Message, now: float) -> Message:
        """Answer one message (any number of times: the answer follows the lease's state)."""
        self.expire(now)
        lease = self.leases.get(msg.lease)
        if msg.kind == REQUEST:
            if lease is None:
                lease = self._grant_or_refuse(msg, now)
            kind = GRANTED if lease.state in (HomeState.GRANTED, HomeState.SERVING,
                                              HomeState.FINISHED) else REFUSED
        elif msg.kind in (START, FINISH, RELEASE):
            if lease is None:
                # the request is late (reordered, or never came): a request arriving after
                # this is refused, so the ticket is never lent to a window gone already
                self.leases[msg.lease] = HomeLease(msg.lease, msg.ticket, msg.remote,
                                                   HomeState.RETURNED)
            kind = {START: self._start, FINISH: self._finish,
                    RELEASE: self._release}[msg.kind](lease, now)
        else:
            raise ValueError(f"not a request: {msg.kind!r}")
        return replace(msg, kind=kind, ticket=lease.ticket if lease else msg.ticket,
                       expires_at=lease.expires_at if lease else 0.0,
                       id=f"{msg.id}:{kind}", reply_to=msg.id)

    def _grant_or_refuse(self, msg: Message, now: float) -> HomeLease:
        granted = msg.ticket not in self.active and self.port.take(msg.ticket, now)
        lease = HomeLease(msg.lease, msg.ticket, msg.remote,
                          HomeState.GRANTED if granted else HomeState.REFUSED,
                          now + self.ttl_s if granted else 0.0)
        self.leases[lease.id] = lease
        if granted:
            self.active[lease.ticket] = lease.id
        return lease

    def _start(self, lease: HomeLease | None, now: float) -> str:
        if lease is None or lease.state in (HomeState.RETURNED, HomeState.REFUSED):
            return EXPIRED
        if lease.state is HomeState.GRANTED:
            lease.state = HomeState.SERVING
            self.port.start(lease.ticket, now)
        return FINISHED if lease.state is HomeState.FINISHED else STARTED

    def _finish(self, lease: HomeLease | None, now: float) -> str:
        if lease is None or lease.state not in (HomeState.SERVING, HomeState.FINISHED):
            return EXPIRED
        if lease.state is HomeState.SERVING:
            lease.state = HomeState.FINISHED
            self.active.pop(lease.ticket, None)
            self.port.finish(lease.ticket, now)
        return FINISHED

    def _release(self, lease: HomeLease | None, now: float) -> str:
        if lease is not None and lease.state is HomeState.FINISHED:
            return FINISHED
        if lease is not None and lease.state in (HomeState.GRANTED, HomeState.SERVING):
            self._return(lease, now)
        return RELEASED

    def _return(self, lease: HomeLease, now: float) -> None:
        lease.state = HomeState.RETURNED
        self.active.pop(lease.ticket, None)
        self.port.give_back(lease.ticket, now)

    def expire(self, now: float) -> list[str]:
        """Return the tickets of granted leases not started in time; their ids."""
        expired = [self.leases[lease_id] for lease_id in self.active.values()
                   if self.leases[lease_id].state is HomeState.GRANTED
                   and self.leases[lease_id].expires_at <= now]
        for lease in expired:
            self._return(lease, now)
        return [lease.ticket for lease in expired]

    def next_expiry(self) -> float | None:
        """When the next granted lease expires (None when none is granted)."""
        times = [self.leases[i].expires_at for i in self.active.values()
                 if self.leases[i].state is HomeState.GRANTED]
        return min(times, default=None)


class RemoteState(enum.StrEnum):
    """A lease as the remote window knows it."""

    REQUESTING = "requesting"   # waiting for granted / refused
    CALLING = "calling"         # granted: the citizen walks to the home hall's video booth
    STARTING = "starting"       # the citizen is at the booth: waiting for started
    SERVING = "serving"         # serving (only after ``started``)
    FINISHING = "finishing"     # done: waiting for the home hall to take note
    RELEASING = "releasing"     # gave up before serving: waiting for ``released``
    DONE = "done"               # finished and acknowledged
    ENDED = "ended"             # never served; the home hall has the ticket back


class RemoteCallState(enum.StrEnum):
    """A window's remote call (远程叫号) as the hall node keeps it and the calling console
    shows it (``GET /windows/{n}/remote``): ``idle`` (no call), ``choosing`` (central is asked
    for a ticket), ``none`` (there was none), then its lease's :class:`RemoteState`."""

    IDLE = "idle"
    CHOOSING = "choosing"
    NONE = "none"
    REQUESTING = RemoteState.REQUESTING.value
    CALLING = RemoteState.CALLING.value
    STARTING = RemoteState.STARTING.value
    SERVING = RemoteState.SERVING.value
    FINISHING = RemoteState.FINISHING.value
    RELEASING = RemoteState.RELEASING.value
    DONE = RemoteState.DONE.value
    ENDED = RemoteState.ENDED.value


#: Remote calls under way: the window calls nobody of its own hall meanwhile.
CALL_ACTIVE = frozenset({RemoteCallState.CHOOSING, RemoteCallState.REQUESTING,
                         RemoteCallState.CALLING, RemoteCallState.STARTING,
                         RemoteCallState.SERVING, RemoteCallState.FINISHING,
                         RemoteCallState.RELEASING})
#: Remote calls that are over: the window is free again.
CALL_OVER = frozenset({RemoteCallState.NONE, RemoteCallState.DONE, RemoteCallState.ENDED})
#: Remote calls staff may still give up (nothing served yet).
CALL_CANCELLABLE = frozenset({RemoteCallState.CHOOSING, RemoteCallState.REQUESTING,
                              RemoteCallState.CALLING, RemoteCallState.STARTING})


#: Answers that end a lease that was never served.
_OVER = (REFUSED, EXPIRED, RELEASED)


@dataclass
class RemoteLease:
    """The remote window's side of one lease; :meth:`outgoing` is what to send now.

    ``give_up_s``: without ``granted``, the citizen at the booth, or ``started`` this long
    after the previous step, the window gives up (and releases, in case the home hall granted
    or started it). The window serves only in state ``SERVING``.
    """

    id: str
    home: str
    remote: str
    ticket: str
    now: float
    retry_s: float = 5.0
    give_up_s: float = 60.0
    state: RemoteState = RemoteState.REQUESTING
    expires_at: float = 0.0
    sends: int = 0
    conflict: bool = False    # the home hall contradicted the protocol (a bug if ever True)
    asked_at: float = field(init=False)
    next_send: float = field(init=False)

    def __post_init__(self) -> None:
        self.asked_at = self.now
        self.next_send = self.now

    _KIND = {RemoteState.REQUESTING: REQUEST, RemoteState.STARTING: START,
             RemoteState.FINISHING: FINISH, RemoteState.RELEASING: RELEASE}

    def outgoing(self, now: float) -> Message | None:
        """The message to send at ``now`` (a first sending or a retry), if any is due."""
        if self.state in (RemoteState.REQUESTING, RemoteState.CALLING,
                          RemoteState.STARTING) and now - self.asked_at >= self.give_up_s:
            self._set(RemoteState.RELEASING, now)
        kind = self._KIND.get(self.state)
        if kind is None or now < self.next_send:
            return None
        self.sends += 1
        self.next_send = now + self.retry_s
        return Message(kind, self.id, self.home, self.remote, self.ticket,
                       id=f"{self.id}:{kind}:{self.sends}")

    def _set(self, state: RemoteState, now: float) -> None:
        self.state = state
        self.asked_at = self.next_send = now

    def on_answer(self, msg: Message, now: float) -> None:
        """Take note of the home hall's answer (late and duplicate answers are ignored)."""
        if msg.lease != self.id:
            return
        state, kind = self.state, msg.kind
        if state is RemoteState.REQUESTING and kind == GRANTED:
            self.expires_at = msg.expires_at
            self._set(RemoteState.CALLING, now)
        elif state is RemoteState.REQUESTING and kind in _OVER:
            self.state = RemoteState.ENDED
        elif state is RemoteState.STARTING and kind == STARTED:
            self.state = RemoteState.SERVING
        elif state is RemoteState.STARTING and kind in _OVER:
            self.state = RemoteState.ENDED
        elif state is RemoteState.FINISHING and kind == FINISHED:
            self.state = RemoteState.DONE
        elif state is RemoteState.RELEASING and kind in (RELEASED, REFUSED, EXPIRED):
            self.state = RemoteState.ENDED
        elif state is RemoteState.FINISHING and kind == EXPIRED:
            self.conflict = True
            self.state = RemoteState.DONE

    def at_booth(self, now: float) -> None:
        """The citizen reached the video booth: ask the home hall to confirm the start."""
        if self.state is RemoteState.CALLING:
            self._set(RemoteState.STARTING, now)

    def give_up(self, now: float) -> None:
        """Stop before serving (the window closes, the citizen never came): release."""
        if self.state in (RemoteState.REQUESTING, RemoteState.CALLING, RemoteState.STARTING):
            self._set(RemoteState.RELEASING, now)

    def served(self, now: float) -> None:
        """The service is over: tell the home hall."""
        if self.state is RemoteState.SERVING:
            self._set(RemoteState.FINISHING, now)

    @property
    def over(self) -> bool:
        """Nothing more to send or do."""
        return self.state in (RemoteState.DONE, RemoteState.ENDED)
