"""Which ticket a window calls next (叫号策略), as a few named rules.

A window calls, among the tickets waiting for it, the one that comes first by:

1. NAMED_TRANSFER   — a ticket transferred to this very window goes first;
2. PRIORITY         — green channel (绿色通道), then an appointment within its slot,
                      then the elderly; everyone else after them;
3. SKILL_PREFERENCE — the window's own order of themes (its first skill before its second);
4. ARRIVAL          — first come, first served (a transfer keeps the arrival time; a no-show
                      who checks in again was placed a few positions back).

A ticket waits for a window when it was transferred to that window by name, or when it was
not transferred to a named window and its theme is one of the window's skills.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from hall.config import Window
from hall.state import Ticket, TicketStatus


class Priority(enum.IntEnum):
    """Rule 2's groups, in calling order: lower ranks are called first."""

    GREEN_CHANNEL = 0
    APPOINTMENT_IN_SLOT = 1
    ELDERLY = 2
    NORMAL = 3


def slot_open(slot_start: float, slot_end: float, now: float, early_s: float) -> bool:
    """An appointment slot has begun (or begins within ``early_s``) and not ended at ``now``."""
    return slot_start - early_s <= now <= slot_end


def appointment_in_slot(ticket: Ticket, now: float, early_s: float) -> bool:
    """The ticket's appointment slot has begun (or begins within ``early_s``) and not ended."""
    if ticket.slot_start is None or ticket.slot_end is None:
        return False
    return slot_open(ticket.slot_start, ticket.slot_end, now, early_s)


def rank(*, green: bool, in_slot: bool, elderly: bool) -> Priority:
    """Rule 2 on the facts a ticket's events carry: the green channel, an appointment within
    its slot (``in_slot``), the elderly. The hall and the city's balancer both rank with it."""
    if green:
        return Priority.GREEN_CHANNEL
    if in_slot:
        return Priority.APPOINTMENT_IN_SLOT
    if elderly:
        return Priority.ELDERLY
    return Priority.NORMAL


def priority_rank(ticket: Ticket, now: float, early_s: float) -> Priority:
    """Rule 2 for one of the hall's tickets at ``now``."""
    return rank(green=ticket.green, in_slot=appointment_in_slot(ticket, now, early_s),
                elderly=ticket.elderly)


def waits_for(ticket: Ticket, window: Window) -> bool:
    """Whether ``window`` may call ``ticket``."""
    if ticket.status is not TicketStatus.WAITING:
        return False
    if ticket.to_window is not None:
        return ticket.to_window == window.number
    return ticket.theme in window.skills


def call_order(ticket: Ticket, window: Window, now: float, early_s: float) -> tuple:
    """The sort key of rules 1-4 for one window."""
    named = 0 if ticket.to_window == window.number else 1
    preference = window.skills.index(ticket.theme) if ticket.theme in window.skills else 0
    return (named, priority_rank(ticket, now, early_s), preference, ticket.sort_key, ticket.id)


def choose_next(window: Window, tickets: Iterable[Ticket], now: float,
                early_s: float) -> Ticket | None:
    """The ticket ``window`` calls next, or None when nobody waits for its skills."""
    candidates = [t for t in tickets if waits_for(t, window)]
    if not candidates:
        return None
    return min(candidates, key=lambda t: call_order(t, window, now, early_s))


def theme_order(tickets: Iterable[Ticket], theme: str, now: float, early_s: float) -> list[Ticket]:
    """The waiting line of one theme as a citizen sees it (rules 2 and 4)."""
    line = [t for t in tickets if t.status is TicketStatus.WAITING and t.theme == theme
            and t.to_window is None]
    return sorted(line, key=lambda t: (priority_rank(t, now, early_s), t.sort_key, t.id))
