"""The hall's waiting lines in calling order, as order-statistic lists (``sortedcontainers``).

Each theme's line (the tickets any window with its skill may call) and each window's named line
(tickets transferred to that window by name) is a sorted list of keys that sort as
:mod:`hall.policy` calls: ``(rank, sort_key, id)`` in a theme's line and
``(rank, preference, sort_key, id)`` in a window's named line. Issuing, calling, transferring,
re-check-in, cancel, no-show and the people ahead of one ticket then cost O(log n) however long
the line is; the positions of everyone waiting come from one pass (:meth:`WaitingLines.positions`).

Ranks move with time for one kind of ticket only: an appointment off the green channel ranks
"appointment in its slot" from ``slot_start - early`` until ``slot_end``, and by its other
facts before and after. Every key holds its ticket's rank at one moment (:attr:`synced`); each
such ticket keeps the moment its rank next changes in a heap, and :meth:`at` files again the
ones that fell due. When the clock goes back (set back by hand, a test), every such ticket is
filed again at the earlier time.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import NamedTuple, overload

from sortedcontainers import SortedList

from hall import policy
from hall.state import Ticket

#: A key in a theme's line: (rank, sort key, ticket id); in a named line the window's
#: preference for the ticket's theme comes after the rank.
Key = tuple


class Filed(NamedTuple):
    """Where a waiting ticket is filed: its theme, its line and key there, when its rank next
    changes."""

    theme: str
    line: SortedList
    key: Key
    change_at: float | None


def rank_changes(ticket: Ticket, at: float, early_s: float) -> float | None:
    """The first moment after ``at`` when the ticket's rank (:func:`hall.policy.priority_rank`)
    differs from its rank at ``at``, or None when it never will: its appointment slot opening
    (``early_s`` before it starts) or ending (just after ``slot_end``)."""
    if ticket.green or ticket.slot_start is None or ticket.slot_end is None:
        return None
    opens = ticket.slot_start - early_s
    closes = math.nextafter(ticket.slot_end, math.inf)    # in the slot up to slot_end itself
    if at < opens:
        return opens
    if at < closes:
        return closes
    return None


class SortKeys(Sequence[float]):
    """The sort keys of a run of one line, without copying it (for re-check-in)."""

    def __init__(self, line: SortedList, start: int, stop: int) -> None:
        self._line, self._start, self._len = line, start, max(0, stop - start)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> float: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[float]: ...

    def __getitem__(self, index: int | slice) -> float | Sequence[float]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        return self._line[self._start + index][-2]


class WaitingLines:
    """Every waiting line of a hall in calling order.

    ``skills``: each window's skills in its order of preference; ``early_s``: how early an
    appointment's slot counts as begun (``[rules] appointment_early_min``). The hall's state
    files and drops tickets (:meth:`file`, :meth:`drop`) as they change; a query first brings
    the ranks to its moment (:meth:`at`).
    """

    def __init__(self, skills: Mapping[str, tuple[str, ...]], early_s: float) -> None:
        self.skills = skills
        self.early_s = early_s
        #: The moment every key's rank was worked out for.
        self.synced = -math.inf
        self.themes: dict[str, SortedList] = {}
        self.named: dict[str, SortedList] = {}
        self.tickets: dict[str, Ticket] = {}
        self._filed: dict[str, Filed] = {}
        self._changes: list[tuple[float, str]] = []      # (when, ticket id), a heap
        self._timed: set[str] = set()                     # tickets whose rank moves with time
        self._theme_counts: dict[str, int] = {}           # waiting per theme, named included

    # ------------------------------------------------------------------ changes
    def file(self, ticket: Ticket) -> None:
        """File a waiting ticket (again) by its facts now: theme, named window, priority,
        place in line."""
        self.drop(ticket.id)
        rank = int(policy.priority_rank(ticket, self.synced, self.early_s))
        key: Key
        if ticket.to_window is None:
            line = self.themes.setdefault(ticket.theme, SortedList())
            key = (rank, ticket.sort_key, ticket.id)
        else:
            skills = self.skills.get(ticket.to_window, ())
            preference = skills.index(ticket.theme) if ticket.theme in skills else 0
            line = self.named.setdefault(ticket.to_window, SortedList())
            key = (rank, preference, ticket.sort_key, ticket.id)
        line.add(key)
        change_at = rank_changes(ticket, self.synced, self.early_s)
        self._filed[ticket.id] = Filed(ticket.theme, line, key, change_at)
        self.tickets[ticket.id] = ticket
        self._theme_counts[ticket.theme] = self._theme_counts.get(ticket.theme, 0) + 1
        if not ticket.green and ticket.slot_start is not None:
            self._timed.add(ticket.id)
        if change_at is not None:
            heapq.heappush(self._changes, (change_at, ticket.id))

    def drop(self, ticket_id: str) -> None:
        """A ticket left the lines (called, cancelled, lent, a new day), if it was in one."""
        filed = self._filed.pop(ticket_id, None)
        if filed is None:
            return
        filed.line.remove(filed.key)
        del self.tickets[ticket_id]
        self._theme_counts[filed.theme] -= 1
        self._timed.discard(ticket_id)

    def clear(self) -> None:
        """Forget every ticket (a new day, the state loaded again)."""
        for index in (self.themes, self.named, self.tickets, self._filed, self._timed,
                      self._theme_counts):
            index.clear()
        self._changes.clear()

    def at(self, now: float) -> None:
        """Bring every rank to ``now``: file again the tickets whose rank changed since."""
        if now >= self.synced:
            self.synced = now
            changes = self._changes
            while changes and changes[0][0] <= now:
                when, ticket_id = heapq.heappop(changes)
                filed = self._filed.get(ticket_id)
                if filed is not None and filed.change_at == when:
                    self.file(self.tickets[ticket_id])
            return
        self.synced = now               # the clock went back: file every timed ticket again
        self._changes.clear()
        for ticket_id in list(self._timed):
            self.file(self.tickets[ticket_id])

    # ------------------------------------------------------------------ queries
    def ahead(self, ticket: Ticket) -> int:
        """People ahead of a waiting ticket in its line (0 = next); -1 when it is in none."""
        filed = self._filed.get(ticket.id)
        return -1 if filed is None else filed.line.bisect_left(filed.key)

    def line(self, theme: str) -> list[Ticket]:
        """A theme's line, first to be called first."""
        return [self.tickets[key[-1]] for key in self.themes.get(theme, ())]

    def waiting(self, theme: str) -> int:
        """People waiting in a theme, those transferred to a named window included."""
        return self._theme_counts.get(theme, 0)

    def in_line(self, theme: str) -> int:
        """People in a theme's line (not those transferred to a named window)."""
        return len(self.themes.get(theme, ()))

    def rank_run(self, theme: str, rank: int) -> tuple[int, SortKeys]:
        """For one rank of a theme's line: how many come before that rank, and the sort keys
        of those of that rank in their order."""
        line = self.themes.get(theme, SortedList())
        start, stop = line.bisect_left((rank,)), line.bisect_left((rank + 1,))
        return start, SortKeys(line, start, stop)

    def next_for(self, window: str) -> Ticket | None:
        """The ticket ``window`` calls next (:func:`hall.policy.choose_next`): the first of its
        named line, else the first by rank, its preference, arrival among its skills' lines."""
        named = self.named.get(window)
        if named:
            return self.tickets[named[0][-1]]
        best: Key | None = None
        for preference, theme in self._preferences(window):
            line = self.themes.get(theme)
            if line:
                rank, sort_key, ticket_id = line[0]
                candidate = (rank, preference, sort_key, ticket_id)
                if best is None or candidate < best:
                    best = candidate
        return None if best is None else self.tickets[best[-1]]

    def window_queue(self, window: str, limit: int) -> list[Ticket]:
        """The first ``limit`` tickets ``window`` would call, in that order."""
        def named() -> Iterator[Key]:
            for key in self.named.get(window, ()):
                yield (0, *key)

        def skill(preference: int, theme: str) -> Iterator[Key]:
            for rank, sort_key, ticket_id in self.themes.get(theme, ()):
                yield (1, rank, preference, sort_key, ticket_id)

        runs = [named(), *(skill(p, t) for p, t in self._preferences(window))]
        return [self.tickets[key[-1]] for key in islice(heapq.merge(*runs), limit)]

    def positions(self) -> dict[str, int]:
        """The people ahead of every waiting ticket, by ticket id, in one pass over the lines."""
        found: dict[str, int] = {}
        for lines in (self.themes, self.named):
            for line in lines.values():
                found.update((key[-1], place) for place, key in enumerate(line))
        return found

    def _preferences(self, window: str) -> Iterator[tuple[int, str]]:
        """A window's skills with their preference (the first place each theme has)."""
        skills = self.skills.get(window, ())
        for preference, theme in enumerate(skills):
            if skills.index(theme) == preference:
                yield preference, theme
