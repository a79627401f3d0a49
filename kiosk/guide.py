"""The service guide (办事指南) at the kiosk: the items by theme, a search by pinyin initials on
the touch keyboard, and one item's guide — what it is, who may apply, the materials, fee, time
limit, where it is served and how else it can be done — printable as a slip; from an item a
citizen can hand in here, "自助申报" hands over to the submission flow
(:meth:`KioskModel.start_submission`).

:class:`GuideScreens` is a base of :class:`~kiosk.viewmodel.KioskModel` (like
:class:`~kiosk.reads.KioskReads`), which sets the attributes declared here. The guides come from
the hall node with the item list (``GET /services?guide=true``, asked for once and again after
each reconnection) and are kept with the items when the list is refreshed without them, so that
``model.item(code)["guide"]`` always holds one; the kiosk holds no copy of the hall's TOML.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hall.client import HallClient
from hall.schemas import GuideBody, ServiceBody, ServiceItemBody
from kiosk.devices import KioskDevices
from kiosk.guideprint import guide_slip
from kiosk.reads import KioskReads
from kiosk.screen_ids import Screen
from kiosk.search import ItemSearch
from ui.tasks import Runner

log = logging.getLogger("hallq.kiosk")

#: The guide page's parts: what it is and who may apply; fee, time limit, where and how (on
#: the first part's page but in elderly mode, where type is larger); and the materials.
OVERVIEW, DETAILS, MATERIALS = "overview", "details", "materials"
#: Items per page of the guide's list (normal, elderly) and materials per page of a guide.
GUIDE_PAGE_SIZE = 9
ELDERLY_GUIDE_PAGE_SIZE = 4
MATERIALS_PER_PAGE = 5
ELDERLY_MATERIALS_PER_PAGE = 3
#: The guide's screens, and where "back" goes from each when not told otherwise.
GUIDE_SCREENS = (Screen.GUIDE, Screen.GUIDE_SEARCH, Screen.GUIDE_ITEM)


@dataclass
class GuideState:
    """Where the citizen is in the guide: the theme listed, its page, the item open, which part
    of its guide and which page of its materials, and the screens to go back to."""

    theme: str | None = None
    page: int = 0
    item: str | None = None
    section: str = OVERVIEW
    materials_page: int = 0
    came_from: Screen = Screen.ATTRACT      # where "back" goes from the list
    item_from: Screen = Screen.GUIDE        # where "back" goes from an item's guide


class GuideScreens(KioskReads):
    """The guide's part of the kiosk's model (no widgets)."""

    screen: Screen
    client: HallClient | None
    devices: KioskDevices
    busy: bool
    print_state: str
    guide: GuideState
    guides: dict[str, GuideBody]
    """Each item's guide by its code, as the hall node last sent it."""
    guides_due: bool
    """Whether the next ``GET /services`` asks for the guides (at start and on reconnecting)."""
    _run: Runner

    if TYPE_CHECKING:
        def touch(self) -> None: ...
        def reset(self) -> None: ...
        def _in_session(self, callback: Callable[[Any], None]) -> Callable[[Any], None]: ...
        def printed(self, state: Any) -> None: ...
        def print_failed(self, err: Exception) -> None: ...
        def take_number(self, service: str) -> None: ...

    # ------------------------------------------------------------------ the guides
    def load_services(self) -> list[ServiceBody]:
        """``GET /services``, with the guides when they are due (run in a worker)."""
        assert self.client is not None
        return self.client.services(guide=True) if self.guides_due else self.client.services()

    def keep_guides(self, services: list[ServiceBody]) -> list[ServiceBody]:
        """Learn the guides an answer carries; give the others the guides known."""
        carried = {i["code"]: i["guide"] for t in services for i in t["items"] if "guide" in i}
        if carried:
            self.guides, self.guides_due = carried, False
            return services
        for theme in services:
            theme["items"] = [{**item, "guide": self.guides[item["code"]]}
                              if item["code"] in self.guides else item
                              for item in theme["items"]]
        return services

    def item_guide(self, code: str) -> GuideBody | None:
        """The guide of an item, when the hall sent it."""
        return self.guides.get(code)

    def theme_of(self, code: str) -> ServiceBody | None:
        """The theme an item belongs to."""
        return next((t for t in self.services if any(i["code"] == code for i in t["items"])),
                    None)

    # ------------------------------------------------------------------ the list
    def open_guide(self) -> None:
        """"办事指南": the items of the first theme (or the theme being looked at)."""
        self.touch()
        came_from = self.screen if self.screen in (Screen.THEMES, Screen.ITEMS) \
            else Screen.ATTRACT
        first = self.services[0]["prefix"] if self.services else None
        self.guide = GuideState(theme=self.theme_prefix or first, came_from=came_from)
        self.screen = Screen.GUIDE
        self._changed()

    def guide_theme(self, prefix: str) -> None:
        """A theme's tab of the guide's list."""
        self.touch()
        self.guide.theme, self.guide.page = prefix, 0
        self._changed()

    def guide_page_size(self) -> int:
        """Items per page of the guide's list (fewer in elderly mode)."""
        return ELDERLY_GUIDE_PAGE_SIZE if self.elderly else GUIDE_PAGE_SIZE

    def guide_items(self) -> list[ServiceItemBody]:
        """Every item of the theme listed."""
        theme = next((t for t in self.services if t["prefix"] == self.guide.theme), None)
        return theme["items"] if theme else []

    def guide_page_count(self) -> int:
        """Pages of the guide's list (at least 1)."""
        return max(1, math.ceil(len(self.guide_items()) / self.guide_page_size()))

    def guide_items_page(self) -> list[ServiceItemBody]:
        """The items on the guide list's current page."""
        size = self.guide_page_size()
        return self.guide_items()[self.guide.page * size:(self.guide.page + 1) * size]

    def guide_turn(self, step: int) -> None:
        """The next (1) or previous (-1) page of the guide's list."""
        self.touch()
        page = self.guide.page + step
        if 0 <= page < self.guide_page_count():
            self.guide.page = page
            self._changed()

    def open_guide_search(self) -> None:
        """The guide's search: every item, by pinyin initials on the touch keyboard."""
        self.touch()
        self.search = ItemSearch()
        self.screen = Screen.GUIDE_SEARCH
        self._changed()

    # ------------------------------------------------------------------ one item
    def open_guide_item(self, code: str) -> None:
        """Show the guide of an item (from the list, the search, or an item tile)."""
        self.touch()
        if self.item(code) is None:
            return
        if self.screen not in GUIDE_SCREENS:
            theme = self.theme_of(code)
            self.guide = GuideState(theme=theme["prefix"] if theme else None,
                                    came_from=self.screen)
        self.guide.item_from = self.screen if self.screen != Screen.GUIDE_ITEM \
            else self.guide.item_from
        self.guide.item, self.guide.section, self.guide.materials_page = code, OVERVIEW, 0
        self.print_state = "none"
        self.screen = Screen.GUIDE_ITEM
        self._changed()

    def guide_sections(self) -> tuple[str, ...]:
        """The parts of an item's guide, a tab each (in elderly mode the overview is two)."""
        return (OVERVIEW, DETAILS, MATERIALS) if self.elderly else (OVERVIEW, MATERIALS)

    def guide_section(self, section: str) -> None:
        """Show a part of the guide: what it is (``overview``), fee, time limit, where and how
        (``details``, elderly mode), or the materials (``materials``)."""
        self.touch()
        self.guide.section = section if section in (DETAILS, MATERIALS) else OVERVIEW
        self.guide.materials_page = 0
        self._changed()

    def materials_per_page(self) -> int:
        """Materials per page of an item's guide: fewer in elderly mode, and one fewer when
        they take more than a page (the pager takes a row)."""
        guide = self.item_guide(self.guide.item or "")
        count = len(guide["materials"]) if guide else 0
        most = ELDERLY_MATERIALS_PER_PAGE if self.elderly else MATERIALS_PER_PAGE
        return most if count <= most else most - 1

    def materials_page_count(self) -> int:
        """Pages of the open item's materials (at least 1)."""
        guide = self.item_guide(self.guide.item or "")
        count = len(guide["materials"]) if guide else 0
        return max(1, math.ceil(count / self.materials_per_page()))

    def materials_turn(self, step: int) -> None:
        """The next (1) or previous (-1) page of the materials."""
        self.touch()
        page = self.guide.materials_page + step
        if 0 <= page < self.materials_page_count():
            self.guide.materials_page = page
            self._changed()

    def guide_back(self) -> None:
        """"返回" on a guide screen: an item's guide → where it was opened from; the search →
        the list; the list → where the guide was opened from (the start: a new session)."""
        self.touch()
        if self.screen == Screen.GUIDE_ITEM:
            self.screen = self.guide.item_from
        elif self.screen == Screen.GUIDE_SEARCH:
            self.screen = Screen.GUIDE
        elif self.guide.came_from == Screen.ATTRACT:
            self.reset()
            return
        else:
            self.screen = self.guide.came_from
        self._changed()

    def take_number_for_guide(self) -> None:
        """"取号办理" on an item's guide: take a number for it (like touching its tile)."""
        code = self.guide.item
        if code is not None:
            self.take_number(code)

    def print_guide(self) -> None:
        """"打印指南": the open item's guide on the kiosk's printer, as a slip."""
        code = self.guide.item or ""
        item, guide, printer = self.item(code), self.item_guide(code), self.devices.printer
        if item is None or guide is None or self.print_state == "printing":
            return
        self.touch()
        if printer is None:
            self.print_state = "no_printer"
            self._changed()
            return
        slip = guide_slip(item, guide, self.theme_of(code), self.hall, self.local_now())
        self.print_state = "printing"
        self._changed()
        self._run(lambda: printer.print_slip(slip), self._in_session(self.printed),
                  self._in_session(self.print_failed))
