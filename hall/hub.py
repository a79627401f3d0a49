"""Fan-out of committed events to WebSocket subscribers, on the server's event loop.

Each event is serialised once, here, and the same text goes to every subscriber.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque

import orjson

from hall.events import Event

log = logging.getLogger("hallq.stream")

#: Events a slow subscriber may fall behind before it is dropped (it reconnects with ?after=).
SUBSCRIBER_BACKLOG = 10_000


def encode_event(event: Event, hall_id: str) -> str:
    """The JSON text of an event as the stream and ``/api/v1/events`` send it."""
    data = event.to_dict()
    data["hall_id"] = hall_id
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:       # what orjson refuses (an int beyond 64 bits …), json may still take
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class Subscription:
    """One subscriber's events still to send, as ``(seq, json text)``, oldest first.

    ``overflowed`` once it fell too far behind (what is pending is all it will get);
    ``closed`` once the subscriber left.
    """

    def __init__(self) -> None:
        self.pending: deque[tuple[int, str]] = deque()
        self.overflowed = False
        self.closed = False
        self._waiter: asyncio.Future[None] | None = None

    async def wait(self) -> None:
        """Return once something is pending or the subscription is closed."""
        if self.pending or self.closed:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def close(self) -> None:
        """The subscriber left: wake its sender for good."""
        self.closed = True
        self.wake()

    def wake(self) -> None:
        """Let its sender look at what is pending."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class EventHub:
    """Delivers each committed event to every subscriber, in order."""

    def __init__(self, hall_id: str = "") -> None:
        self.hall_id = hall_id
        self._subscriptions: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop that serves the subscribers."""
        self._loop = loop

    def encode(self, event: Event) -> str:
        """The JSON text of an event of this hall."""
        return encode_event(event, self.hall_id)

    def subscribe(self) -> Subscription:
        """A new subscription (call on the loop)."""
        subscription = Subscription()
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget a subscription."""
        self._subscriptions.discard(subscription)

    @property
    def subscribers(self) -> int:
        """How many are connected."""
        return len(self._subscriptions)

    def publish_threadsafe(self, events: list[Event]) -> None:
        """Hand events over from the writer thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._publish, events)

    def _publish(self, events: list[Event]) -> None:
        if not self._subscriptions:
            return
        encoded = [(event.seq, self.encode(event)) for event in events]
        for subscription in list(self._subscriptions):
            room = SUBSCRIBER_BACKLOG - len(subscription.pending)
            if room >= len(encoded):
                subscription.pending.extend(encoded)
            else:
                subscription.pending.extend(encoded[:max(room, 0)])
                subscription.overflowed = True
                self._subscriptions.discard(subscription)
                log.warning("a stream subscriber fell %d events behind; dropped",
                            SUBSCRIBER_BACKLOG)
            subscription.wake()
