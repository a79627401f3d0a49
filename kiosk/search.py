"""Finding an item by typing: pinyin initials (``sbk`` → 社保卡申领), whole pinyin
(``shebao``) or English words, on the kiosk's own letter keyboard.

Plain Python; the pinyin of each item name is worked out once, for the whole catalog at the
first search, by ``pypinyin`` in a child process (:mod:`kiosk.pinyin_child`).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from hall.schemas import ServiceBody, ServiceItemBody
from kiosk.pinyin_child import letters as _letters

log = logging.getLogger("hallq.kiosk")

#: The longest query the keyboard takes.
MAX_QUERY = 12
#: (initials, whole pinyin) of each item name seen (:func:`learn_pinyin`).
_PINYIN: dict[str, tuple[str, str]] = {}


def learn_pinyin(names: Iterable[str]) -> None:
    """Work out the pinyin of the names not known yet, in one short-lived child process
    (:mod:`kiosk.pinyin_child`; in this process only if that fails)."""
    new = sorted({name for name in names if name not in _PINYIN})
    if not new:
        return
    try:
        done = subprocess.run([sys.executable, "-m", "kiosk.pinyin_child"],
                              input=json.dumps(new), capture_output=True, text=True,
                              timeout=60, check=True)
        answered = json.loads(done.stdout)
        _PINYIN.update((name, (pair[0], pair[1])) for name, pair in answered.items())
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, IndexError) as err:
        log.info("pinyin worked out in the kiosk itself (%s)", type(err).__name__)
        from kiosk.pinyin_child import keys

        _PINYIN.update((name, keys(name)) for name in new)


def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, whole pinyin) of a name in lower case, without spaces or punctuation:
    ``"社保卡申领"`` → ``("sbksl", "shebaokashenling")``. Latin letters and digits in the
    name are kept as they are."""
    if name not in _PINYIN:
        learn_pinyin([name])
    return _PINYIN[name]


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
        learn_pinyin(item.get("name_zh", "") for theme in services for item in theme["items"])
        found: list[tuple[int, int, ServiceItemBody]] = []
        for theme in services:
            if self.scope is not None and theme["prefix"] != self.scope:
                continue
            for item in theme["items"]:
                score = rank(item, self.query)
                if score is not None:
                    found.append((score, len(found), item))
        return [item for _, _, item in sorted(found, key=lambda f: (f[0], f[1]))]
