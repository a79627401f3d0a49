"""The day so far, for the supervisor (大厅管理): tickets issued and people waiting by hour, the
waits of each theme by hour, the ratings — from the engine's state of today, in the hall's
time zone; and the ratings per window and per staff member over a chosen period, from the
event log (who was signed in at a window when it finished a ticket, and the level the citizen
gave). Pure functions over plain data; no personal data in any figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hall.events import WINDOW_STATUS_KINDS, Event, EventKind
from hall.ratings import LABELS
from hall.state import Ticket, TicketStatus

#: Levels a citizen was pleased with (满意, 非常满意) and displeased with (不满意, 非常不满意).
PLEASED = (4, 5)
DISPLEASED = (1, 2)


@dataclass
class HourRow:
    """One hour of the day (local time): tickets issued, people waiting at its end, and of
    the tickets called in it how many and their mean wait, per theme."""

    hour: int
    issued: dict[str, int] = field(default_factory=dict)
    waiting_at_end: dict[str, int] = field(default_factory=dict)
    called: dict[str, int] = field(default_factory=dict)
    mean_wait_s: dict[str, float] = field(default_factory=dict)


def _hour_of(ts: float, zone: ZoneInfo) -> int:
    return datetime.fromtimestamp(ts, zone).hour


def hours_of_day(tickets: Iterable[Ticket], themes: Iterable[str], zone: ZoneInfo,
                 now: datetime) -> list[HourRow]:
    """Today's tickets by hour from the first ticket's hour to the current one (none: [])."""
    chosen = list(tickets)
    if not chosen:
        return []
    prefixes = list(themes)
    local_now = now.astimezone(zone)
    first = min(_hour_of(t.issued_at, zone) for t in chosen)
    rows = {h: HourRow(h, issued=dict.fromkeys(prefixes, 0), called=dict.fromkeys(prefixes, 0))
            for h in range(first, local_now.hour + 1)}
    waited: dict[tuple[int, str], float] = {}
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    # people waiting at an hour's end: +1 from the hour a ticket came, -1 from the hour it left
    change: dict[tuple[int, str], int] = {}
    for ticket in chosen:
        hour = _hour_of(ticket.issued_at, zone)
        if hour in rows:
            rows[hour].issued[ticket.theme] = rows[hour].issued.get(ticket.theme, 0) + 1
        if ticket.called_at is not None and (called := _hour_of(ticket.called_at, zone)) in rows:
            rows[called].called[ticket.theme] = rows[called].called.get(ticket.theme, 0) + 1
            key = (called, ticket.theme)
            waited[key] = waited.get(key, 0.0) + ticket.called_at - ticket.issued_at
        came = int((ticket.issued_at - day_start) // 3600)
        change[(came, ticket.theme)] = change.get((came, ticket.theme), 0) + 1
        left = _left_at(ticket)
        if left is not None:
            went = int((left - day_start) // 3600)
            change[(went, ticket.theme)] = change.get((went, ticket.theme), 0) - 1
    running = dict.fromkeys(prefixes, 0)
    for hour in range(0, local_now.hour + 1):
        for theme in prefixes:
            running[theme] += change.get((hour, theme), 0)
        if hour in rows:
            rows[hour].waiting_at_end = dict(running)
            for theme, count in rows[hour].called.items():
                if count:
                    rows[hour].mean_wait_s[theme] = round(waited[(hour, theme)] / count, 1)
    return [rows[h] for h in sorted(rows)]


def _left_at(ticket: Ticket) -> float | None:
    """When the ticket stopped waiting (called, or cancelled/expired); None while it waits."""
    if ticket.called_at is not None:
        return ticket.called_at
    if ticket.status is TicketStatus.WAITING:
        return None
    return ticket.finished_at if ticket.finished_at is not None else ticket.issued_at


@dataclass
class RatingRow:
    """The ratings of one window or one staff member: count per level (1–5)."""

    key: str
    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))

    @property
    def total(self) -> int:
        """How many ratings."""
        return sum(self.levels.values())

    @property
    def mean(self) -> float | None:
        """The mean level, None without a rating."""
        total = self.total
        return round(sum(k * n for k, n in self.levels.items()) / total, 2) if total else None

    @property
    def pleased_share(self) -> float | None:
        """The share of 满意 and 非常满意 (the national 满意率), None without a rating."""
        total = self.total
        return round(sum(self.levels[k] for k in PLEASED) / total, 3) if total else None

    @property
    def displeased(self) -> int:
        """How many 不满意 and 非常不满意 (差评) — each to be followed up."""
        return sum(self.levels[k] for k in DISPLEASED)


@dataclass
class RatingsReport:
    """Ratings per window and per staff member over a period."""

    by_window: dict[str, RatingRow] = field(default_factory=dict)
    by_staff: dict[str, RatingRow] = field(default_factory=dict)
    unattributed: int = 0
    """Ratings of a ticket whose server is not in the period's events (finished before it)."""


#: The event kinds :func:`ratings_report` reads.
RATING_KINDS = (*WINDOW_STATUS_KINDS, EventKind.TICKET_FINISHED, EventKind.TICKET_RATED)


def ratings_report(events: Iterable[Event]) -> RatingsReport:
    """Ratings per window and per staff member from the events of a period, oldest first: the
    staff member is the one signed in at the window when it finished the ticket."""
    report = RatingsReport()
    at_window: dict[str, str | None] = {}      # window -> staff signed in
    served_by: dict[str, tuple[str, str | None]] = {}   # ticket -> (window, staff)
    for event in events:
        data = event.data
        if event.kind in WINDOW_STATUS_KINDS:      # each names who is signed in
            at_window[data["window"]] = (None if event.kind == EventKind.WINDOW_CLOSED
                                         else data.get("staff"))
        elif event.kind == EventKind.TICKET_FINISHED:
            served_by[data["ticket"]] = (data["window"], at_window.get(data["window"]))
        elif event.kind == EventKind.TICKET_RATED:
            level = int(data["level"])
            window, staff = served_by.get(data["ticket"], (data.get("window"), None))
            if window is None:
                report.unattributed += 1
                continue
            report.by_window.setdefault(window, RatingRow(window)).levels[level] += 1
            if staff:
                report.by_staff.setdefault(staff, RatingRow(staff)).levels[level] += 1
    return report
