"""Taking a number at another hall from the kiosk (跨厅推荐, 云叫号): the offer, the referral
and its polling, as plain state and rules. :class:`~kiosk.viewmodel.KioskModel` owns one
:class:`ReferralFlow` per session, makes the hall calls and moves its screens by what the flow
says.

For an item that can be served at any hall (通办) the kiosk first asks which other halls would do
it sooner (``GET /recommend``). When some would, ``offer`` shows them next to this hall's wait;
the citizen takes a number here, or chooses a hall: ``POST /referrals``, then ``referring`` while
the node asks that hall (``GET /referrals/{id}`` about once a second, see
:meth:`ReferralFlow.next_step`) and ``ticket`` with the other hall's ticket, or
``referral_failed`` (a plain sentence, and a number here instead). No answer, a stale one, or
none that saves time: the number is issued here, without a word.
"""

from __future__ import annotations

from enum import StrEnum
from typing import final

from hall.schemas import ReferralBody, ReferredTicketBody, ServiceBody, TicketBody
from kiosk.offer import Offer, OfferedHall
from ui.viewmodel import Message

#: Seconds between two questions about a referral, and before giving up on it.
REFERRAL_POLL_S = 1.0
REFERRAL_GIVE_UP_S = 20.0


@final
class ReferredTicketShown(ReferredTicketBody):
    """The other hall's ticket as the kiosk shows and prints it (:meth:`ReferralFlow.shown_ticket`):
    with this hall's names of the item and its theme (None, "" when this hall has not the
    item)."""

    item: str | None
    item_name_zh: str | None
    item_name_en: str | None
    service: str | None
    service_name_zh: str
    service_name_en: str


#: The ticket on the kiosk's ticket screen and on paper: one this hall issued, or another hall's
#: for a referred citizen. Only this hall's has ``issued_at`` and ``appointment_id``.
ShownTicket = TicketBody | ReferredTicketShown


class Step(StrEnum):
    """What the kiosk does about a pending referral now (:meth:`ReferralFlow.next_step`)."""

    WAIT = "wait"
    ASK = "ask"
    GIVE_UP = "give_up"


class ReferralFlow:
    """One session's offer of other halls and its referral: what the screens show, when to ask
    about the referral again, and what each answer means."""

    def __init__(self) -> None:
        self.offer: Offer | None = None
        """The other halls offered for an item (the ``offer`` screen), when some save time."""
        self.hall: OfferedHall | None = None
        """The hall chosen on the offer screen (and then the one the ticket is for)."""
        self.id: str | None = None
        """The referral's id, once the hall node took it."""
        self.error: Message | None = None
        """Why the other hall issued no ticket (the ``referral_failed`` screen)."""
        self.since = 0.0
        self.next_poll = 0.0
        self.polling = False
        """True while a question about the referral is under way."""

    def started(self, referral_id: str, now: float) -> None:
        """The hall node took the referral at ``now``: the first question comes a poll later."""
        self.id = referral_id
        self.since = now
        self.next_poll = now + REFERRAL_POLL_S

    def next_step(self, now: float) -> Step:
        """About once a second while the referral is pending: ask about it (the flow then
        counts a question under way), give up after :data:`REFERRAL_GIVE_UP_S`, or wait."""
        if self.polling:
            return Step.WAIT
        if now - self.since >= REFERRAL_GIVE_UP_S:
            return Step.GIVE_UP
        if now < self.next_poll:
            return Step.WAIT
        self.polling = True
        # The poll interval counts from the question: a timer a hair early must not skip one.
        self.next_poll = now + 0.8 * REFERRAL_POLL_S
        return Step.ASK

    def issued_ticket(self, answer: ReferralBody) -> ReferredTicketBody | None:
        """The other hall's ticket, when ``answer`` (``GET /referrals/{id}``) says it issued
        one for this referral."""
        if answer.get("id") == self.id and answer.get("state") == "issued":
            return answer.get("ticket") or None
        return None

    def failure(self, answer: ReferralBody) -> Message | None:
        """Why no ticket will come, when ``answer`` says so: the other hall refused (its own
        sentence), or the node gave up waiting (withdrawn: the answer came too late)."""
        if answer.get("id") != self.id:
            return None
        if answer.get("state") == "refused":
            error = answer.get("error")
            zh = error.get("message_zh") if error else None
            en = error.get("message_en") if error else None
            return zh or self.too_slow()[0], en or self.too_slow()[1]
        if answer.get("state") in ("withdrawing", "withdrawn"):
            return self.too_slow()
        return None

    def too_slow(self) -> Message:
        """The plain sentence when the other hall gave no ticket in time: a number here."""
        hall = self.hall
        zh, en = (hall.name("zh"), hall.name("en")) if hall else ("其他大厅", "the other hall")
        return (f"暂时无法在{zh}取号，请在本大厅取号",
                f"Could not get a number at {en} just now; please take one here")

    def shown_ticket(self, ticket: ReferredTicketBody, services: list[ServiceBody]
                     ) -> ReferredTicketShown:
        """The other hall's ticket as the kiosk shows and prints it: with the item's and its
        theme's names from this hall's ``GET /services``; the chosen hall takes the names the
        other hall gave with its ticket."""
        code = self.offer.item if self.offer else ""
        item = next((i for t in services for i in t["items"] if i["code"] == code), None)
        theme = next((t for t in services if any(i["code"] == code for i in t["items"])), None)
        hall = self.hall
        shown: ReferredTicketShown = {
            **ticket, "item": item["code"] if item else None,
            "item_name_zh": item.get("name_zh") if item else None,
            "item_name_en": item.get("name_en") if item else None,
            "service": theme.get("prefix") if theme else None,
            "service_name_zh": theme.get("name_zh", "") if theme else "",
            "service_name_en": theme.get("name_en", "") if theme else ""}
        if hall is not None:
            self.hall = OfferedHall(
                ticket.get("hall") or hall.hall, ticket.get("name_zh") or hall.name_zh,
                ticket.get("name_en") or hall.name_en, hall.travel_s, hall.wait_s,
                hall.total_s, hall.saved_s)
        return shown
