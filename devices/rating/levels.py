"""The five keys of the rating pad (好差评), by number: what the pad reports.

The pad knows only which key was pressed, 1 (worst) to 5 (best). The levels' labels are the
hall's (``hall/ratings.py``, the one table): ``devices`` may import none of our packages, so
the app that uses a pad (the caller console) looks a label up there.
"""

from __future__ import annotations

import enum


class Rating(enum.IntEnum):
    """A rating key; the value is the key's number on the pad and the level it stands for."""

    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    FAIRLY_SATISFIED = 3
    SATISFIED = 4
    VERY_SATISFIED = 5
