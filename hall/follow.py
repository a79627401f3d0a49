"""Citizens following their own ticket (the phone page): each follower gets its ticket's events
and, after every commit that may have moved a line, its new number of people ahead.

The places of everyone waiting come from one pass over the ordered lines
(:meth:`hall.engine.Engine.positions`) per commit, not a look-up per follower: a city centre has
thousands of phones following while its windows call several citizens a second. A follower is
told its place only when it changed. Runs beside :class:`hall.hub.EventHub`: the writer thread
hands over each commit (:meth:`Followers.committed`), the server's loop delivers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import orjson

from hall.events import Event
from hall.hub import SUBSCRIBER_BACKLOG, Subscription, encode_event

#: ``positions(now)`` of the engine under the node's lock: ticket id → people ahead.
PositionsReader = Callable[[], dict[str, int]]


def position_message(ticket_id: str, ahead: int) -> str:
    """What a follower is sent when its place changed: ``{"kind": "ticket.position",
    "ticket", "ahead"}`` (``ahead`` -1 once the ticket no longer waits)."""
    return orjson.dumps({"kind": "ticket.position", "ticket": ticket_id,
                         "ahead": ahead}).decode()


class Followers:
    """The followers of each ticket and the place each was last told."""

    def __init__(self, hall_id: str, positions: PositionsReader) -> None:
        self.hall_id = hall_id
        self._positions = positions
        self._followers: dict[str, set[Subscription]] = {}
        self._told: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop that serves the followers."""
        self._loop = loop

    @property
    def count(self) -> int:
        """How many follow a ticket."""
        return sum(len(found) for found in self._followers.values())

    def follow(self, ticket_id: str, ahead: int) -> Subscription:
        """A new follower of a ticket that has ``ahead`` people before it now (on the loop)."""
        subscription = Subscription()
        self._followers.setdefault(ticket_id, set()).add(subscription)
        self._told[ticket_id] = ahead
        return subscription

    def told(self, ticket_id: str, ahead: int) -> None:
        """The place a ticket's followers were just told (on the loop)."""
        if ticket_id in self._followers:
            self._told[ticket_id] = ahead

    def unfollow(self, ticket_id: str, subscription: Subscription) -> None:
        """Forget a follower (on the loop)."""
        found = self._followers.get(ticket_id)
        if found is None:
            return
        found.discard(subscription)
        if not found:
            del self._followers[ticket_id]
            self._told.pop(ticket_id, None)

    def committed(self, events: list[Event]) -> None:
        """A node listener (writer thread): work out every place once when a ticket moved,
        and hand the commit to the loop."""
        if not self._followers or self._loop is None or self._loop.is_closed():
            return
        moved = any(event.kind.startswith("ticket.") for event in events)
        positions = self._positions() if moved else None
        self._loop.call_soon_threadsafe(self._deliver, events, positions)

    def _deliver(self, events: list[Event], positions: dict[str, int] | None) -> None:
        followers, last = self._followers, events[-1].seq if events else 0
        for event in events:
            found = followers.get(str(event.data.get("ticket", "")))
            if found:
                self._send(found, event.seq, encode_event(event, self.hall_id))
        if positions is None:
            return
        told = self._told
        for ticket_id, found in followers.items():
            ahead = positions.get(ticket_id, -1)
            if told.get(ticket_id) != ahead:
                told[ticket_id] = ahead
                self._send(found, last, position_message(ticket_id, ahead))

    def _send(self, found: set[Subscription], seq: int, text: str) -> None:
        for subscription in list(found):
            if len(subscription.pending) >= SUBSCRIBER_BACKLOG:
                subscription.overflowed = True      # its sender closes; the phone reconnects
            else:
                subscription.pending.append((seq, text))
            subscription.wake()
