"""The order in which a hall calls its waiting tickets, as central follows it.

:class:`CallOrder` is the part of ``central.city_state.CityState`` that answers "how many are
before this ticket" from the tickets central follows per hall and line: the green channel,
then appointments within their slot, then the elderly, then everyone else (``hall.policy``);
a ticket transferred to a named window among those transferred to that window.
:class:`FirstBy` is why one ticket may be called before earlier arrivals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hall.policy import Priority, rank, slot_open


@dataclass(slots=True)
class FirstBy:
    """Why a waiting ticket may be called before earlier arrivals (``hall.policy``'s rule 2)."""

    green: bool = False
    elderly: bool = False
    appointment: bool = False
    slot: tuple[float, float] | None = None    # the appointment's slot, when the hall says it

    def rank(self, now: float, early_s: float) -> Priority:
        """The hall's priority rank at ``now`` (``hall.policy.rank``). An appointment without
        a known slot counts as in it."""
        in_slot = self.appointment and (self.slot is None
                                        or slot_open(*self.slot, now, early_s))
        return rank(green=self.green, in_slot=in_slot, elderly=self.elderly)



class CallOrder:
    """People before each waiting ticket, as its hall calls them; mixed into ``CityState``,
    which keeps the per-ticket lines this reads."""

    index: dict[str, int]
    theme_index: dict[str, int]
    #: Every waiting ticket of a hall's line of a theme, with its place (sort key).
    _lines: dict[tuple[int, int], dict[str, float]]
    #: The window a ticket was transferred to by name, and each such window's tickets.
    _to_window: dict[tuple[int, str], str]
    _named_lines: dict[tuple[int, str], dict[str, int]]
    _theme_of: dict[tuple[int, str], int]
    #: Waiting tickets that may be called first, and why.
    _first: dict[tuple[int, str], FirstBy]
    _early_s: np.ndarray
    _windows: list[dict[str, Any]]   # per hall, window number → its themes (``.themes``)

    def ahead_of(self, hall_id: str, ticket: str, now: float) -> int | None:
        """People before a waiting ticket at ``now``, as its hall calls them (``hall.policy``):
        in its theme's line the green channel, then appointments within their slot, then the
        elderly, then everyone else, each group in its order; a ticket transferred to a named
        window among those transferred to that window. None when it does not wait there."""
        hall = self.index.get(hall_id)
        theme = None if hall is None else self._theme_of.get((hall, ticket))
        if hall is None or theme is None:
            return None
        early_s = float(self._early_s[hall])

        def rank_of(other: str) -> Priority:
            first = self._first.get((hall, other))
            return Priority.NORMAL if first is None else first.rank(now, early_s)

        window = self._to_window.get((hall, ticket))
        if window is None:
            line = self._lines[(hall, theme)]
            others = [t for t in line if (hall, t) not in self._to_window]

            def order(other: str) -> tuple:
                return (rank_of(other), line[other], other)
        else:
            named = self._named_lines[(hall, window)]
            skills = self._windows[hall][window].themes if window in self._windows[hall] else ()
            others = list(named)

            def order(other: str) -> tuple:
                preference = skills.index(named[other]) if named[other] in skills else 0
                return (rank_of(other), preference, self._lines[(hall, named[other])][other],
                        other)

        mine = order(ticket)
        return sum(1 for other in others if order(other) < mine)

    def call_order(self, hall: int, theme: int, now: float) -> list[str]:
        """The tickets waiting in ``hall``'s line of ``theme`` (not those transferred to a
        named window) in the order the hall calls them (as :meth:`ahead_of`)."""
        early_s = float(self._early_s[hall])
        line = self._lines.get((hall, theme), {})

        def order(ticket: str) -> tuple:
            first = self._first.get((hall, ticket))
            rank_now = Priority.NORMAL if first is None else first.rank(now, early_s)
            return (rank_now, line[ticket], ticket)

        return sorted((t for t in line if (hall, t) not in self._to_window), key=order)

    def aheads(self, hall_id: str, now: float) -> dict[str, int]:
        """:meth:`ahead_of` of every waiting ticket of the hall at once (one sort per line,
        not one pass per ticket: the phone pages of a hall all ask after each call)."""
        hall = self.index.get(hall_id)
        if hall is None:
            return {}
        early_s = float(self._early_s[hall])

        def rank_of(other: str) -> Priority:
            first = self._first.get((hall, other))
            return Priority.NORMAL if first is None else first.rank(now, early_s)

        found: dict[str, int] = {}
        for theme in self.theme_index.values():
            line = self._lines.get((hall, theme))
            if line:
                ordered = sorted((t for t in line if (hall, t) not in self._to_window),
                                 key=lambda t: (rank_of(t), line[t], t))
                found.update((t, i) for i, t in enumerate(ordered))
        for (at, window), named in self._named_lines.items():
            if at != hall or not named:
                continue
            skills = self._windows[hall][window].themes if window in self._windows[hall] else ()
            ordered = sorted(named, key=lambda t: (
                rank_of(t), skills.index(named[t]) if named[t] in skills else 0,
                self._lines[(hall, named[t])][t], t))
            found.update((t, i) for i, t in enumerate(ordered))
        return found

