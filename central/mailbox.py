"""The mailboxes that relay cloud calling's lease protocol between halls (云叫号): per hall, the
lease messages addressed to it, referrals to issue and results of its own referrals, the
citizens' cancels and ratings on central's public phone pages (``central/phone_page.py``), until its
agent's long poll (``GET /api/v1/remote/messages``) takes them.

In memory and bounded: central keeps nothing the protocol depends on (the remote window resends
every message until answered), and referrals themselves are durable (``central/referrals.py``).
They live in one worker's memory: with several workers, route ``/api/v1/remote/*``,
``/api/v1/recommend`` and ``/api/v1/phone/*`` to one of them.
"""

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

#: Kinds of what a mailbox holds.
BOX_KINDS = ("messages", "referrals", "referral_results", "cancellations", "ratings",
             "phone_actions")


class Mailbox:
    """What waits for each hall's agent (``BOX_KINDS``), in memory, at most ``size`` of each
    kind (the oldest dropped). Used from the event loop only; :meth:`collect` waits for mail."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._boxes: dict[str, dict[str, deque[dict[str, Any]]]] = {}
        self._bells: dict[str, asyncio.Event] = {}

    def put(self, hall_id: str, kind: str, item: dict[str, Any]) -> None:
        """Leave ``item`` for the hall's agent."""
        box = self._boxes.setdefault(hall_id, {k: deque(maxlen=self.size) for k in BOX_KINDS})
        box[kind].append(item)
        self.ring(hall_id)

    def ring(self, hall_id: str) -> None:
        """Wake the hall's waiting long poll (something may wait for it elsewhere)."""
        bell = self._bells.get(hall_id)
        if bell is not None:
            bell.set()

    def take(self, hall_id: str) -> dict[str, list[dict[str, Any]]]:
        """Everything waiting for the hall, now removed."""
        box = self._boxes.pop(hall_id, None)
        return {kind: list(box[kind]) if box else [] for kind in BOX_KINDS}

    async def collect(self, hall_id: str, timeout: float,
                      also: Callable[[], Coroutine[Any, Any, dict[str, list[dict[str, Any]]]]],
                      gone: Callable[[], Coroutine[Any, Any, bool]] | None = None
                      ) -> dict[str, list[dict[str, Any]]]:
        """Wait up to ``timeout`` seconds for mail; ``also()`` adds what is kept in the
        database (referrals to issue, tickets to cancel), by kind. ``gone()`` tells whether the
        asker hung up (checked every half second: then the mail stays in the box)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        bell = self._bells.setdefault(hall_id, asyncio.Event())
        while True:
            bell.clear()
            got = self.take(hall_id)
            for kind, items in (await also()).items():
                got[kind] += items
            left = deadline - loop.time()
            if any(got.values()) or left <= 0:
                return got
            try:
                await asyncio.wait_for(bell.wait(), min(left, 0.5))
            except TimeoutError:
                if gone is not None and await gone():
                    return got

