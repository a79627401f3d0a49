"""The person at the kiosk and what they show it: the ID card they swipe (:class:`Citizen`,
whose ID number is only ever sent to the hall) and the QR codes they scan (an appointment's
``hallq:appt:<id>[:<service>]``, checked in with :func:`check_in`, or a ticket's own
``hallq:ticket:…``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hall.client import HallApiError, HallClient
from hall.errors import ErrorCode
from hall.schemas import ServiceBody, TicketBody

APPOINTMENT_PREFIX = "hallq:appt:"
TICKET_PREFIX = "hallq:ticket:"


@dataclass(frozen=True)
class Citizen:
    """The person at the kiosk, from an ID card. ``id_number``, ``name`` and ``address`` are
    only sent to the hall (a self-service submission's form fills them from the card)."""

    masked_id: str
    masked_name: str
    birth_date: date | None
    id_number: str = field(repr=False)
    name: str = field(default="", repr=False)
    address: str = field(default="", repr=False)

    @classmethod
    def from_card(cls, card: Any) -> Citizen:
        """From an ``IdCardInfo`` (or anything with the same fields)."""
        return cls(masked_id=card.masked_id, masked_name=getattr(card, "masked_name", ""),
                   birth_date=getattr(card, "birth_date", None), id_number=card.id_number,
                   name=getattr(card, "name", "") or getattr(card, "name_en", ""),
                   address=getattr(card, "address", ""))

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


def check_in(client: HallClient | None, services: list[ServiceBody], appointment_id: str,
             service: str | None, id_number: str | None) -> TicketBody:
    """POST /tickets for an appointment, finding its theme when the code does not say (each
    theme of ``services``, or of the hall's when none are known yet)."""
    assert client is not None
    if service:
        candidates = [service]
    else:
        candidates = [t["prefix"] for t in (services or client.services())]
    refusals: list[HallApiError] = []
    for prefix in candidates:
        try:
            return client.issue(prefix, id_number=id_number, channel="appointment",
                                appointment_id=appointment_id)
        except HallApiError as err:
            if err.code != ErrorCode.APPOINTMENT_MISMATCH:
                raise
            refusals.append(err)
    # Every wrong theme gives the same refusal; the booked one may say why (ID mismatch).
    messages = [err.message_zh for err in refusals]
    raise min(refusals, key=lambda err: messages.count(err.message_zh))
