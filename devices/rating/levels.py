"""The five levels of the good/bad rating (好差评) and their labels."""

from __future__ import annotations

import enum


class Rating(enum.IntEnum):
    """A rating level; the value is the key's number on the pad."""

    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    FAIRLY_SATISFIED = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def label_zh(self) -> str:
        """The Chinese label printed on the key."""
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
