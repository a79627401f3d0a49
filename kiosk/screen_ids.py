"""The kiosk's screens by name, shared by the view-model and the flows it is made of
(:mod:`kiosk.guide`, :mod:`kiosk.progress`); ``kiosk.viewmodel`` re-exports :class:`Screen`."""

from __future__ import annotations

from enum import StrEnum


class Screen(StrEnum):
    """The kiosk's screens; each equals its name as a string (``Screen.TICKET == "ticket"``)."""

    ATTRACT = "attract"
    THEMES = "themes"
    ITEMS = "items"
    OFFER = "offer"
    REFERRING = "referring"
    REFERRAL_FAILED = "referral_failed"
    TICKET = "ticket"
    ERROR = "error"
    SEARCH = "search"
    CARD_GUIDE = "card_guide"
    GUIDE = "guide"                 # the service guide (办事指南): items by theme
    GUIDE_SEARCH = "guide_search"   # the guide's search, on the touch keyboard
    GUIDE_ITEM = "guide_item"       # one item's guide
    PROGRESS = "progress"           # 进度查询: a receipt's progress
    SUBMISSION = "submission"       # 自助申报: handing an item in (kiosk/submission*.py)
