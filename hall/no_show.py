"""No-shows with care (过号): the hall's minimum before a ticket may be marked a no-show, and
which no-show a window may still take back. Pure rules over plain data, used by the engine
(``Engine.no_show``, ``Engine.undo_no_show``) and by the views that tell a console how long
is left.

A no-show is allowed once the called ticket was recalled ``[rules] no_show_min_recalls``
times or ``no_show_min_wait_s`` seconds after its call, whichever comes first (either at 0:
at once). The window that marked it may undo it for ``no_show_undo_s`` seconds, counted from
the no-show (kept in the ticket's ``finished_at``: when it left the window). After that, the
citizen checks in again at the desk and goes a few places back (:func:`recheckin_sort_key`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hall.config import Rules
from hall.errors import ErrorCode, QueueError, not_found
from hall.state import HallState, Ticket, TicketStatus


def no_show_wait(rules: Rules, ticket: Ticket, now_ts: float) -> tuple[int, float]:
    """(recalls still needed, seconds still to wait) before a called ticket may be a no-show,
    either being enough; ``(0, 0.0)`` once it may."""
    recalls_left = max(0, rules.no_show_min_recalls - ticket.recalls)
    called_at = ticket.called_at if ticket.called_at is not None else now_ts
    seconds_left = max(0.0, called_at + rules.no_show_min_wait_s - now_ts)
    if recalls_left == 0 or seconds_left == 0:
        return 0, 0.0
    return recalls_left, seconds_left


def check_no_show(rules: Rules, ticket: Ticket, now_ts: float) -> None:
    """Refuse (409 ``no_show_too_early``) a no-show before the hall's minimum, saying what
    is left: the seconds to wait and the recalls that would do instead."""
    recalls, seconds = no_show_wait(rules, ticket, now_ts)
    if not recalls:
        return
    wait = math.ceil(seconds)
    raise QueueError(ErrorCode.NO_SHOW_TOO_EARLY,
                     f"{ticket.number} 刚叫号，暂不能过号：请再等 {wait} 秒，"
                     f"或先重呼 {recalls} 次",
                     f"{ticket.number} was just called; no-show allowed in {wait} s, "
                     f"or after {recalls} more recall{'s' if recalls > 1 else ''}")


def undo_left(rules: Rules, ticket: Ticket, now_ts: float) -> float:
    """Seconds left to undo a no-show (0.0 when it is not one, or too late)."""
    if ticket.status is not TicketStatus.NO_SHOW or ticket.finished_at is None:
        return 0.0
    return max(0.0, ticket.finished_at + rules.no_show_undo_s - now_ts)


def undoable(state: HallState, rules: Rules, window: str, now_ts: float,
             ticket_id: str | None = None) -> Ticket:
    """The no-show ``window`` may take back: ``ticket_id``, or its latest no-show. Refused
    (409 ``nothing_to_undo``) for a ticket that is not a no-show of this window, and
    (409 ``undo_expired``) after the grace period."""
    if ticket_id is not None:
        ticket = state.tickets.get(ticket_id)
        if ticket is None:
            raise not_found(ErrorCode.UNKNOWN_TICKET, "票号", "Ticket")
    else:
        mine = [t for t in state.tickets.values()
                if t.status is TicketStatus.NO_SHOW and t.window == window]
        if not mine:
            raise QueueError(ErrorCode.NOTHING_TO_UNDO, "本窗口没有可撤销的过号",
                             "This window has no no-show to undo")
        ticket = max(mine, key=lambda t: t.finished_at or 0.0)
    if ticket.status is not TicketStatus.NO_SHOW:
        raise QueueError(ErrorCode.NOTHING_TO_UNDO, f"{ticket.number} 不是过号的号码",
                         f"{ticket.number} is not a no-show")
    if ticket.window != window:
        raise QueueError(ErrorCode.NOTHING_TO_UNDO,
                         f"{ticket.number} 由 {ticket.window} 号窗口过号，只能由该窗口撤销",
                         f"{ticket.number} was marked a no-show by window {ticket.window}; "
                         "only that window can undo it")
    if undo_left(rules, ticket, now_ts) <= 0:
        raise QueueError(ErrorCode.UNDO_EXPIRED,
                         f"过号已超过 {rules.no_show_undo_s:g} 秒，不能撤销；"
                         "请市民到服务台重新签到",
                         f"The no-show is over {rules.no_show_undo_s:g} s old and cannot be "
                         "undone; the citizen can check in again at the desk")
    return ticket


def recheckin_sort_key(ticket: Ticket, before: int, peers: Sequence[float], back: int
                       ) -> float:
    """The sort key that puts a no-show checking in again ``back`` places back in its theme's
    line, not at the end: ``before`` people of a higher priority are in that line, ``peers``
    are the sort keys of those of its own priority, in their order (:mod:`hall.lines`)."""
    # Those with a higher priority go first anyway and count among the places; the rest
    # of the places are taken among the tickets of its own priority (the line is sorted
    # by priority, then arrival, so only their arrival times can be used as neighbours).
    place = max(back - before, 0)
    if len(peers) <= place:
        return max(peers[-1], ticket.sort_key) + 1e-3 if peers else ticket.sort_key + 1e-3
    if place == 0:
        return min(peers[0], ticket.sort_key) - 1e-3
    return (peers[place - 1] + peers[place]) / 2
