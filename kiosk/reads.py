"""What the kiosk's screens read from its model: the chosen theme and its pages of items,
search results, the hall's name, and times in the hall's time zone.

:class:`KioskReads` is a base of :class:`~kiosk.viewmodel.KioskModel`, which sets the
attributes declared here.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hall.schemas import HallBody, ServiceBody, ServiceItemBody
from kiosk.referral_flow import ShownTicket
from kiosk.search import ItemSearch
from ui.viewmodel import ViewModel

log = logging.getLogger("hallq.kiosk")

#: Items per page of the item list, in normal and in elderly (适老化) mode.
PAGE_SIZE = 12
ELDERLY_PAGE_SIZE = 6
#: Search results shown at once, in normal and in elderly mode.
SEARCH_RESULTS = 6
ELDERLY_SEARCH_RESULTS = 4


class KioskReads(ViewModel):
    """The model's answers to its view's questions (no changes here)."""

    hall: HallBody | None
    services: list[ServiceBody]
    theme_prefix: str | None
    page: int
    elderly: bool
    lang: str
    ticket: ShownTicket | None
    search: ItemSearch
    _wall: Callable[[], float]

    def search_results(self) -> list[ServiceItemBody]:
        """The first matching items, as many as the screen shows."""
        limit = ELDERLY_SEARCH_RESULTS if self.elderly else SEARCH_RESULTS
        return self.search.results(self.services)[:limit]

    def theme(self) -> ServiceBody | None:
        """The chosen theme's entry of ``GET /services``."""
        return next((t for t in self.services if t["prefix"] == self.theme_prefix), None)

    def item(self, code: str) -> ServiceItemBody | None:
        """An item of ``GET /services`` by its code (None for a theme prefix)."""
        return next((i for t in self.services for i in t["items"] if i["code"] == code), None)

    def page_size(self) -> int:
        """Items per page: fewer in elderly mode."""
        return ELDERLY_PAGE_SIZE if self.elderly else PAGE_SIZE

    def page_count(self) -> int:
        """Pages of the chosen theme's items (at least 1)."""
        theme = self.theme()
        count = len(theme["items"]) if theme else 0
        return max(1, math.ceil(count / self.page_size()))

    def items_page(self) -> list[ServiceItemBody]:
        """The items on the current page."""
        theme = self.theme()
        if theme is None:
            return []
        size = self.page_size()
        return theme["items"][self.page * size:(self.page + 1) * size]

    def hall_name(self) -> str:
        """The hall's name in the current language."""
        if self.hall is None:
            return ""
        if self.lang == "en":
            return str(self.hall.get("name_en") or self.hall.get("name_zh") or "")
        return str(self.hall.get("name_zh") or "")

    def timezone(self) -> ZoneInfo | None:
        """The hall's timezone, when known (``[hall] timezone`` through ``GET /hall``)."""
        name = self.hall.get("timezone") if self.hall else None
        try:
            return ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown hall time zone %r: the machine's is shown", name)
            return None

    def local_now(self) -> datetime:
        """Now, in the hall's time zone (the machine's until the hall told its own)."""
        zone = self.timezone()
        now = datetime.fromtimestamp(self._wall(), zone)
        return now if zone is not None else now.astimezone()

    def issued_at(self) -> datetime | None:
        """When the current ticket was issued, in the hall's time."""
        if not self.ticket or "issued_at" not in self.ticket or not self.ticket["issued_at"]:
            return None  # another hall's ticket says not when
        return datetime.fromtimestamp(self.ticket["issued_at"], self.timezone())
