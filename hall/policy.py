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

from collections.abc import Iterable

from hall.config import Window
from hall.state import Ticket, TicketStatus

GREEN_CHANNEL, APPOINTMENT_IN_SLOT, ELDERLY, NORMAL = range(4)


def appointment_in_slot(ticket: Ticket, now: float, early_s: float) -> bool:
    """The ticket's appointment slot has begun (or begins within ``early_s``) and not ended."""
    if ticket.slot_start is None or ticket.slot_end is None:
        return False
    return ticket.slot_start - early_s <= now <= ticket.slot_end


def priority_rank(ticket: Ticket, now: float, early_s: float) -> int:
    """Rule 2: lower ranks are called first."""
    if ticket.green:
        return GREEN_CHANNEL
    if appointment_in_slot(ticket, now, early_s):
        return APPOINTMENT_IN_SLOT
    if ticket.elderly:
        return ELDERLY
    return NORMAL


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
