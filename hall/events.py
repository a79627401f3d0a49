"""Events: every state change of the hall, in the order it happened.

The engine returns the events an operation caused; the store gives each a per-hall sequence
number in the same transaction as the state it changes. Event data holds no personal data.

Kinds: ticket.issued, ticket.called, ticket.recalled, ticket.serving, ticket.finished,
ticket.no_show, ticket.rechecked_in, ticket.transferred, ticket.cancelled, ticket.expired,
ticket.prioritized, ticket.rated, window.opened, window.paused, window.resumed, window.closed,
appointment.saved, device.status.

Cloud calling (``hall/cloud.py``): ticket.leased, ticket.lease_returned,
ticket.remote_serving, ticket.remote_finished (a ticket of this hall lent to another hall's
window), window.remote_busy, window.remote, window.remote_free (a window of this hall calling
elsewhere), referral.requested, referral.issued, referral.refused, referral.withdrawing,
referral.withdrawn (a citizen sent to another hall; withdrawn when its answer came too late).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    """One state change. ``seq`` is 0 until the store commits it."""

    kind: str
    ts: float
    data: dict[str, Any]
    seq: int = 0
    hall_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form sent to clients and to the central platform."""
        return {"seq": self.seq, "hall_id": self.hall_id, "kind": self.kind, "ts": self.ts,
                "data": self.data}
