"""Fan-out of committed events to WebSocket subscribers, on the server's event loop."""

from __future__ import annotations

import asyncio
import logging

from hall.events import Event

log = logging.getLogger("hallq.stream")

#: Events a slow subscriber may fall behind before it is dropped (it reconnects with ?after=).
SUBSCRIBER_BACKLOG = 10_000


class Subscription:
    """One subscriber's queue of events; ``overflowed`` once it fell too far behind."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue(SUBSCRIBER_BACKLOG)
        self.overflowed = False


class EventHub:
    """Delivers each committed event to every subscriber, in order."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop that serves the subscribers."""
        self._loop = loop

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
        for subscription in list(self._subscriptions):
            for event in events:
                try:
                    subscription.queue.put_nowait(event)
                except asyncio.QueueFull:
                    subscription.overflowed = True
                    self._subscriptions.discard(subscription)
                    log.warning("a stream subscriber fell %d events behind; dropped",
                                SUBSCRIBER_BACKLOG)
                    break
