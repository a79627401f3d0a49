"""Finding an item by typing: pinyin initials (``sbk`` → 社保卡申领), whole pinyin
(``shebao``) or English words, on the kiosk's own letter keyboard.

Plain Python; the pinyin of each item name is worked out once (``pypinyin``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from hall.schemas import ServiceBody, ServiceItemBody

#: The longest query the keyboard takes.
MAX_QUERY = 12


@functools.lru_cache(maxsize=4096)
def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, whole pinyin) of a name in lower case, without spaces or punctuation:
    ``"社保卡申领"`` → ``("sbksl", "shebaokashenling")``. Latin letters and digits in the
    name are kept as they are."""
    initials = "".join(_letters(part) for part in lazy_pinyin(name, style=Style.FIRST_LETTER))
    whole = "".join(_letters(part) for part in lazy_pinyin(name))
    return initials, whole


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


def rank(item: ServiceItemBody, query: str) -> int | None:
    """How well ``item`` matches ``query`` (0 best), or None when it does not."""
    initials, whole = pinyin_keys(item.get("name_zh", ""))
    english = _letters(item.get("name_en", ""))
    if initials.startswith(query):
        return 0
    if query in initials:
        return 1
    if query in whole:
        return 2
    if query in english:
        return 3
    return None


@dataclass
class ItemSearch:
    """What the citizen typed, and where to look: one theme (``scope`` its prefix) or all."""

    scope: str | None = None
    query: str = ""

    def type(self, key: str) -> None:
        """Add a letter or digit (others are ignored)."""
        key = _letters(key)
        if key and len(self.query) < MAX_QUERY:
            self.query = (self.query + key)[:MAX_QUERY]

    def erase(self) -> None:
        """Take back the last letter."""
        self.query = self.query[:-1]

    def clear(self) -> None:
        """Start the query again."""
        self.query = ""

    def results(self, services: list[ServiceBody]) -> list[ServiceItemBody]:
        """The items in scope that match, best first (in the catalog's order among equals);
        none for an empty query."""
        if not self.query:
            return []
        found: list[tuple[int, int, ServiceItemBody]] = []
        for theme in services:
            if self.scope is not None and theme["prefix"] != self.scope:
                continue
            for item in theme["items"]:
                score = rank(item, self.query)
                if score is not None:
                    found.append((score, len(found), item))
        return [item for _, _, item in sorted(found, key=lambda f: (f[0], f[1]))]
