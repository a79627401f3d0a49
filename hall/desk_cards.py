"""ID cards swiped at the service desks: the latest swipe of each desk's reader, kept as the
keyed hash and the masked number only (never the ID number), for the desk's page to find the
citizen's tickets. A swipe is forgotten after ``KEEP_S`` seconds; the swipes live in the node's
memory only."""

from __future__ import annotations

import threading
from dataclasses import dataclass

#: Seconds a swipe stays findable from the desk's page.
KEEP_S = 120.0


@dataclass(frozen=True)
class Swipe:
    """One card at one desk: its number (1, 2, … per desk), the holder's keyed hash and masked
    ID number, and when (POSIX seconds)."""

    number: int
    id_hash: str
    id_masked: str
    at: float


class DeskCards:
    """The latest swipe of each desk (by its paired device's name)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, Swipe] = {}

    def swiped(self, desk: str, id_hash: str, id_masked: str, at: float) -> Swipe:
        """Record a card swiped at ``desk``."""
        with self._lock:
            before = self._latest.get(desk)
            swipe = Swipe((before.number if before else 0) + 1, id_hash, id_masked, at)
            self._latest[desk] = swipe
            return swipe

    def latest(self, desk: str | None, now: float) -> Swipe | None:
        """The desk's latest swipe, while it is recent."""
        with self._lock:
            swipe = self._latest.get(desk or "")
        return swipe if swipe is not None and now - swipe.at <= KEEP_S else None
