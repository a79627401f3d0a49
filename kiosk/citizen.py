"""The person at the kiosk and what they show it: the ID card they swipe (:class:`Citizen`,
whose ID number is only ever sent to the hall) and the QR codes they scan (an appointment's
``hallq:appt:<id>[:<service>]``, or a ticket's own ``hallq:ticket:…``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

APPOINTMENT_PREFIX = "hallq:appt:"
TICKET_PREFIX = "hallq:ticket:"


@dataclass(frozen=True)
class Citizen:
    """The person at the kiosk, from an ID card. ``id_number`` is only sent to the hall."""

    masked_id: str
    masked_name: str
    birth_date: date | None
    id_number: str = field(repr=False)

    @classmethod
    def from_card(cls, card: Any) -> Citizen:
        """From an ``IdCardInfo`` (or anything with the same fields)."""
        return cls(masked_id=card.masked_id, masked_name=getattr(card, "masked_name", ""),
                   birth_date=getattr(card, "birth_date", None), id_number=card.id_number)

    def age_on(self, today: date) -> int | None:
        """Age in whole years, when the birth date is known."""
        born = self.birth_date
        if born is None:
            return None
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_appointment_code(text: str) -> tuple[str, str | None] | None:
    """``(appointment_id, service or None)`` of an appointment QR code, else None."""
    text = text.strip()
    if not text.startswith(APPOINTMENT_PREFIX):
        return None
    appointment_id, _, service = text[len(APPOINTMENT_PREFIX):].partition(":")
    if not appointment_id:
        return None
    return appointment_id, service or None
