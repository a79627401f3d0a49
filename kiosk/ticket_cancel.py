"""Giving back a number taken by mistake (取错了？取消此号), on the ticket screen.

The hall answers the kiosk that took a number with the ticket's ``cancel_token``; only with it
may a kiosk cancel, and only while the ticket still waits. The kiosk keeps the token for the
citizen's session only (:class:`TicketCancel` lives in the session and is dropped by the
model's reset to the start screen), so the next person at the kiosk cannot give it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class TicketCancel:
    """The session's ticket as far as giving it back goes: its id and cancel token (None: the
    kiosk may not, e.g. another hall's ticket) and whether the citizen is asked to confirm."""

    ticket_id: str | None = None
    token: str | None = None
    confirming: bool = False

    @classmethod
    def of(cls, ticket: Any) -> TicketCancel:
        """For a ticket the kiosk shows (``POST /tickets`` answer, or another hall's)."""
        token = ticket.get("cancel_token")
        return cls(str(ticket.get("id", "")), token) if token else cls()

    @property
    def possible(self) -> bool:
        """Whether the kiosk may give this ticket back."""
        return self.token is not None
