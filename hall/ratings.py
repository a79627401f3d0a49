"""The five levels of the good/bad rating (好差评) and their labels: the one table.

The national scheme names the levels 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意;
the English wording here is the only one used anywhere.

Why here: the hall engine writes a level's Chinese label into the ``ticket.rated`` event and
the caller console shows it, so the table belongs to the hall's pure domain, which the apps may
import. The rating pad (``devices/rating``) may import none of our packages, so it does not
know the labels at all: it reports the number of the key pressed (``devices.rating.levels.
Rating``, 1..5) and the app that uses it looks the label up here. One table, no copy to drift.
"""

from __future__ import annotations

import enum


class RatingLevel(enum.IntEnum):
    """A rating level, 1 (worst) to 5 (best); the value is also the pad's key number."""

    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    FAIRLY_SATISFIED = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def label_zh(self) -> str:
        """The Chinese label (the national wording)."""
        return LABELS[self][0]

    @property
    def label_en(self) -> str:
        """The English label."""
        return LABELS[self][1]


#: level -> (Chinese, English).
LABELS: dict[int, tuple[str, str]] = {
    5: ("非常满意", "Very satisfied"),
    4: ("满意", "Satisfied"),
    3: ("基本满意", "Fairly satisfied"),
    2: ("不满意", "Dissatisfied"),
    1: ("非常不满意", "Very dissatisfied"),
}
