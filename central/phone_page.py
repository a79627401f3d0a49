"""The citizen's phone page at central, on the city's public address: a ticket of any hall whose
config names that address (``[hall] public_phone_url``) carries a QR code to
``/p/<hall>/<public token>``, which a phone reaches on mobile data too (the routes are
``central/api/phone_page.py``; the page itself is ``hall/web_phone/``).

The public token is the ticket id and a mac under the hall's public link key
(:func:`hall.links.public_key`), which the hall's sync agent hands to central
(:class:`PhoneKeys`); central checks the token with it and never holds the key that makes a
kiosk's cancel token. An unknown hall, a wrong mac and a bare id get the same page.

What the page shows comes from the hall's events as central follows them in memory
(:meth:`central.city.CityService.phone_progress`, no database read): a ticket of the hall's day
that has not reached central yet is ``pending`` (the hall made the link, so it exists), one of
an earlier day ``expired``. Each batch of a hall's events rings that hall's bell
(:class:`HallBells`): every page of the hall looks again, since anyone's call moves the people
ahead. A citizen's cancel or rating goes to the hall through its agent's mailbox
(``phone_actions``), which presents the same token at the hall node's LAN page; the page learns
the outcome from the hall's events like everything else.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from datetime import datetime

from central.city import CityService
from central.db import Database
from hall import links
from hall.wait_text import wait_sentence
from hall.web_phone.state import PhoneState

#: Seconds after which a hall's key is looked up again in the database (another worker may
#: have stored it).
KEY_RECHECK_S = 5.0
_TICKET_ID = re.compile(r"^(\d{8})-([A-Za-z]{1,2}\d{1,6})$")
#: The mailbox kind of a citizen's cancel or rating on the public page (``central/mailbox.py``).
ACTIONS_KIND = "phone_actions"


class PhoneKeys:
    """The halls' public link keys, from the ``phone_keys`` table, cached (thread-safe)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._keys: dict[str, tuple[bytes | None, float]] = {}
        self._lock = threading.Lock()

    def store(self, hall_id: str, key: bytes) -> None:
        """Keep the hall's key (its agent sends it on every start; a new one replaces it)."""
        with self.db.transaction() as tx:
            tx.execute("INSERT INTO phone_keys (hall_id, key_hex, stored_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (hall_id) DO UPDATE SET key_hex = excluded.key_hex, "
                       "stored_at = excluded.stored_at", (hall_id, key.hex(), time.time()))
        with self._lock:
            self._keys[hall_id] = (key, time.monotonic())

    def key_of(self, hall_id: str) -> bytes | None:
        """The hall's key, None when its agent has not sent one."""
        with self._lock:
            known = self._keys.get(hall_id)
        if known is not None and time.monotonic() - known[1] < KEY_RECHECK_S:
            return known[0]
        with self.db.transaction() as tx:
            row = tx.one("SELECT key_hex FROM phone_keys WHERE hall_id = ?", (hall_id,))
        key = bytes.fromhex(row[0]) if row else None
        with self._lock:
            self._keys[hall_id] = (key, time.monotonic())
        return key

    def ticket_of(self, hall_id: str, token: str) -> str | None:
        """The ticket a public token names, None unless the hall made it (the same work for
        a hall central has no key of)."""
        key = self.key_of(hall_id)
        found = links.ticket_of(key or b"\0" * 32, token)
        return found if key is not None and found and _TICKET_ID.match(found) else None


class HallBells:
    """One bell per hall that every open page of it waits on; rung (from any thread) when
    central followed the hall's events. A page takes the bell *before* it looks at the
    ticket, so no ring between the look and the wait is missed."""

    def __init__(self) -> None:
        self._bells: dict[str, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop that serves the pages."""
        self._loop = loop

    def bell(self, hall_id: str) -> asyncio.Event:
        """The bell to wait on for the hall's next events (on the loop)."""
        found = self._bells.get(hall_id)
        if found is None:
            found = self._bells[hall_id] = asyncio.Event()
        return found

    def ring_threadsafe(self, hall_id: str) -> None:
        """Wake every page of the hall (callable from any thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._ring, hall_id)

    def _ring(self, hall_id: str) -> None:
        bell = self._bells.pop(hall_id, None)
        if bell is not None:
            bell.set()


_TODAY: dict[tuple[str, int], str] = {}


def _is_earlier_day(service: CityService, hall_id: str, ticket_id: str, now: float) -> bool:
    """Whether the ticket is of a day before the hall's current one (as central follows it;
    the day looked up once a minute per hall)."""
    start = service.days.get(hall_id, (now, now))[0]
    moment = max(now, start)
    key = (hall_id, int(moment // 60))
    today = _TODAY.get(key)
    if today is None:
        if len(_TODAY) > 10_000:
            _TODAY.clear()
        config = service.configs.get(hall_id)
        today = _TODAY[key] = \
            f"{datetime.fromtimestamp(moment, config.timezone if config else None):%Y%m%d}"
    return ticket_id[:8] < today


def page_state(service: CityService, hall_id: str, ticket_id: str) -> PhoneState:
    """What the page of a ticket the hall made shows now (no database read)."""
    now = service.clock()
    config = service.configs.get(hall_id)
    rules = config.rules if config else None
    state = PhoneState(
        status="pending", number=ticket_id.partition("-")[2],
        hall_zh=config.name_zh if config else hall_id, hall_en=config.name_en if config else "",
        service_zh="", service_en="", ahead=None, wait_zh="", wait_en="", window=None,
        place_zh="", place_en="", rating=None,
        recheckin_positions=rules.recheckin_positions if rules else 3,
        max_recheckins=rules.max_recheckins if rules else 1)
    if _is_earlier_day(service, hall_id, ticket_id, now):
        state["status"] = "expired"
        return state
    progress = service.phone_progress(hall_id, ticket_id, now, refresh=False)
    facts = service.ticket_facts(hall_id, ticket_id)
    if progress is None or facts is None or config is None:
        return state
    number, theme_prefix, item_code, rating = facts
    theme = config.themes.get(theme_prefix)
    item = config.items.get(item_code or "")
    state["status"], state["window"] = progress["status"], progress["window"]
    state["number"] = number or state["number"]
    state["rating"] = rating
    state["service_zh"] = " · ".join(n for n in (theme and theme.name_zh,
                                                 item and item.name_zh) if n)
    state["service_en"] = " · ".join(n for n in (theme and theme.name_en,
                                                 item and item.name_en) if n)
    if progress["status"] == "booth":
        state["place_zh"], state["place_en"] = "视频服务区", "the video booth"
    if progress["status"] == "waiting" and progress["ahead"] is not None:
        ahead = int(progress["ahead"])
        wait = service.wait_in_theme(hall_id, theme_prefix, ahead, now)
        state["ahead"] = ahead
        state["wait_zh"], state["wait_en"] = wait_sentence(None, wait) if wait is not None \
            else ("", "")
    return state
