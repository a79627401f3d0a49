"""What the phone page shows of a ticket (:class:`PhoneState`), its server-sent event, and the
state the hall node builds from its own view of a ticket (:func:`hall_state`). Central builds
the same state from the hall's events (``central/phone_page.py``)."""

from __future__ import annotations

import hashlib
import json
from typing import TypedDict

from hall.config import HallConfig
from hall.schemas import TicketBody
from hall.wait_text import wait_sentence

#: "快到您了" when fewer than this many people are ahead (central's reminder says the same).
NEAR_AHEAD = 3
#: Seconds between two ``ping`` events (under the idle timeout of common proxies, 60 s): the
#: page reconnects when it hears none for 3× this. Each open page costs the server a write
#: this often, so not much more often.
PING_S = 25.0
#: What a status becomes on the page: the hall's leased ticket is at the video booth.
_PAGE_STATUS = {"leased": "booth"}


class PhoneState(TypedDict):
    """A ticket as its phone page shows it. ``status``: ``pending`` (the hall made the link
    but central has not heard of the ticket yet), ``waiting``, ``called``, ``serving``,
    ``booth`` (called to the video booth), ``no_show``, ``cancelled``, ``finished`` or
    ``expired`` (a ticket of an earlier day)."""

    status: str
    number: str
    hall_zh: str
    hall_en: str
    service_zh: str
    service_en: str
    ahead: int | None
    wait_zh: str
    wait_en: str
    window: str | None
    place_zh: str
    """Where to go when called, if not a window: the video booth's name."""
    place_en: str
    rating: int | None
    recheckin_positions: int
    """The hall's rule: a no-show who checks in again goes this many places back …"""
    max_recheckins: int
    """… this many times per ticket (0: not at all)."""


def hall_state(ticket: TicketBody, config: HallConfig, expired: bool = False) -> PhoneState:
    """The page's state of a ticket as the hall node shows it (``expired``: of an earlier
    day)."""
    status = "expired" if expired else _PAGE_STATUS.get(ticket["status"], ticket["status"])
    waiting = status == "waiting"
    wait_zh, wait_en = wait_sentence(ticket["wait_kind"], ticket["expected_wait_s"]) \
        if waiting else ("", "")
    booth = ticket["booth"]
    return PhoneState(
        status=status, number=ticket["number"], hall_zh=config.name_zh, hall_en=config.name_en,
        service_zh=_joined(ticket["service_name_zh"], ticket["item_name_zh"]),
        service_en=_joined(ticket["service_name_en"], ticket["item_name_en"]),
        ahead=ticket["ahead"] if waiting else None, wait_zh=wait_zh, wait_en=wait_en,
        window=ticket["window"], place_zh=booth["name_zh"] if booth else "",
        place_en=booth["name_en"] if booth else "", rating=ticket["rating"],
        recheckin_positions=config.rules.recheckin_positions,
        max_recheckins=config.rules.max_recheckins)


def _joined(theme: str, item: str) -> str:
    """The theme and, when the ticket is for one, its item: "工程建设 · 施工许可"."""
    return " · ".join(part for part in (theme, item) if part)


def event_id(state: PhoneState) -> str:
    """The id of the event that carries ``state``: a digest of what it shows, so a page that
    reconnects with it (``?last=``) is sent nothing until the ticket changes."""
    return hashlib.blake2s(_json(state).encode(), digest_size=6).hexdigest()


def state_event(state: PhoneState) -> str:
    """The server-sent event of ``state``."""
    return f"id: {event_id(state)}\nevent: state\ndata: {_json(state)}\n\n"


#: The event that tells the page the connection lives.
PING_EVENT = "event: ping\ndata: \n\n"


def _json(state: PhoneState) -> str:
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
