"""Other halls offered at the kiosk (跨厅推荐, 云叫号): plain Python, no widgets.

For an item that can be served at any hall (通办) the kiosk asks the hall node which other
halls would get it done sooner, travel included (``GET /recommend?item=CODE``). When some
would, the citizen sees this hall's expected wait next to the best few others and chooses;
:func:`offer_from` reads the answer and the ``*_text`` functions say it in both languages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hall.schemas import RecommendBody

Message = tuple[str, str]
#: How many other halls are offered at most.
OFFER_LIMIT = 3


@dataclass(frozen=True)
class OfferedHall:
    """Another hall for the item, with the figures of the recommendation (seconds)."""

    hall: str
    name_zh: str
    name_en: str
    travel_s: float
    wait_s: float
    total_s: float
    saved_s: float
    """Time saved against waiting here."""

    def name(self, lang: str) -> str:
        """The hall's name in a language (the Chinese name or its id when there is no other)."""
        if lang == "en":
            return self.name_en or self.name_zh or self.hall
        return self.name_zh or self.hall


@dataclass(frozen=True)
class Offer:
    """This hall's expected wait for an item and the other halls that save time, best first."""

    item: str
    here_wait_s: float
    halls: tuple[OfferedHall, ...]

    def hall(self, hall_id: str) -> OfferedHall | None:
        """One of the offered halls."""
        return next((h for h in self.halls if h.hall == hall_id), None)


def offer_from(answer: RecommendBody, here: str = "", limit: int = OFFER_LIMIT
               ) -> Offer | None:
    """The offer in a ``GET /recommend`` answer; None when there is nothing to offer (no
    other hall, stale figures, or none that saves time). ``here``: this hall's id."""
    if answer.get("stale") or not answer.get("halls"):
        return None
    here_wait = answer.get("here")
    wait_here = float((here_wait.get("wait_s") if here_wait else None) or 0.0)
    halls = []
    for entry in answer["halls"]:
        total = float(entry.get("expected_total_s", 0.0))
        if entry.get("hall") in (None, "", here) or total >= wait_here:
            continue
        halls.append(OfferedHall(str(entry["hall"]), entry.get("name_zh") or "",
                                 entry.get("name_en") or "", float(entry.get("travel_s", 0.0)),
                                 float(entry.get("wait_s", 0.0)), total, wait_here - total))
    halls.sort(key=lambda h: h.total_s)
    if not halls:
        return None
    return Offer(str(answer.get("item", "")), wait_here, tuple(halls[:limit]))


def minutes(seconds: float) -> int:
    """Whole minutes, rounded up as the kiosk's other waits are."""
    return math.ceil(seconds / 60) if seconds > 0 else 0


def minutes_saved(hall: OfferedHall) -> int:
    """The minutes a hall saves, rounded down (a saving is never overstated), at least 1."""
    return max(1, math.floor(hall.saved_s / 60))


def saving_text(hall: OfferedHall) -> Message:
    """"去南山区政务服务中心可节省约 25 分钟" / "Save about 25 min at Nanshan …"."""
    saved = minutes_saved(hall)
    return (f"去{hall.name('zh')}可节省约 {saved} 分钟",
            f"Save about {saved} min at {hall.name('en')}")


def figures_text(hall: OfferedHall) -> Message:
    """A hall's figures on one line: "路程约 20 分钟 · 等候约 5 分钟 · 共约 25 分钟" /
    "20 min travel · 5 min wait · 25 min in all"."""
    travel, wait, total = (minutes(s) for s in (hall.travel_s, hall.wait_s, hall.total_s))
    zh_wait = f"等候约 {wait} 分钟" if wait else "无需等待"
    en_wait = f"{wait} min wait" if wait else "no wait"
    return (f"路程约 {travel} 分钟 · {zh_wait} · 共约 {total} 分钟",
            f"{travel} min travel · {en_wait} · {total} min in all")


def here_text(wait_s: float) -> Message:
    """This hall's figure: "在本大厅等候约 45 分钟" / "About 45 min wait here"."""
    if wait_s <= 0:
        return "在本大厅无需等待", "No wait here"
    return (f"在本大厅等候约 {minutes(wait_s)} 分钟", f"About {minutes(wait_s)} min wait here")
