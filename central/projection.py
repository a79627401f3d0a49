"""What a run of a hall's events changes in central's small projections. Pure, no SQL.

Central keeps three projections, updated in the transaction that stores the events (never by
rescanning the log), each from the events in sequence order exactly once:

- ``live_themes``: people waiting per hall and theme, and a running service-time sum;
- ``live_windows``: each window's status (open, paused, closed);
- ``ticket_facts``: the measurements the statistics group, one row per measuring event and
  never updated (appending is what keeps ingest fast): ``issued`` (theme, item, channel),
  ``called`` (window, wait in seconds), ``finished`` (window, service seconds), ``rated``
  (window, level), ``no_show`` (window) and ``no_show_undone`` (window: the window took the
  no-show back, and the statistics count one no-show fewer). Dimensions an event does not
  carry (the item of a call) come from the ticket's ``issued`` row when the statistics are
  asked for.

Waiting counts follow the engine's rules: a ticket waits from ``issued`` (or ``rechecked_in``,
or ``transferred`` back to a queue) until ``called`` or ``cancelled``; at the start of a new
day the hall expires every open ticket, so ``expired`` sets its theme's count to zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hall.events import EventKind

#: Columns of a fact row, in table order (after hall_id).
FACT_COLUMNS = ("ticket", "day", "kind", "theme", "item", "channel", "window_no", "value", "ts")
#: The measuring events: fact kind, and the data key holding the measured value.
_FACTS: dict[str, tuple[str, str | None]] = {
    EventKind.TICKET_ISSUED: ("issued", None), EventKind.TICKET_CALLED: ("called", "waited_s"),
    EventKind.TICKET_FINISHED: ("finished", "service_s"),
    EventKind.TICKET_RATED: ("rated", "level"), EventKind.TICKET_NO_SHOW: ("no_show", None),
    EventKind.TICKET_NO_SHOW_UNDONE: ("no_show_undone", None)}

_WINDOW_STATUS = {EventKind.WINDOW_OPENED: "open", EventKind.WINDOW_PAUSED: "paused",
                  EventKind.WINDOW_RESUMED: "open", EventKind.WINDOW_CLOSED: "closed"}
_WAITING_DELTA = {EventKind.TICKET_ISSUED: 1, EventKind.TICKET_RECHECKED_IN: 1,
                  EventKind.TICKET_TRANSFERRED: 1, EventKind.TICKET_CALLED: -1,
                  EventKind.TICKET_CANCELLED: -1,
                  # lent to another hall's video window, and back in the line unserved
                  EventKind.TICKET_LEASED: -1, EventKind.TICKET_LEASE_RETURNED: 1}


@dataclass
class ThemeChange:
    """A theme's change: ``reset`` (count from zero) then add ``waiting``."""

    reset: bool = False
    waiting: int = 0
    service_count: int = 0
    service_sum: float = 0.0
    ts: float = 0.0


@dataclass
class Changes:
    """Everything a run of events changes: one upsert per theme and window, fact rows."""

    themes: dict[str, ThemeChange] = field(default_factory=dict)
    windows: dict[str, tuple[str, float]] = field(default_factory=dict)
    facts: list[tuple] = field(default_factory=list)


def ticket_day(ticket_id: str) -> str:
    """The hall-local service day of a ticket id ``YYYYMMDD-A001`` as ``YYYY-MM-DD``."""
    digits = ticket_id[:8]
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return ""


def _fact(kind: str, ts: float, data: dict[str, Any]) -> tuple | None:
    """The fact row of a measuring event (``FACT_COLUMNS`` order), else None."""
    fact_kind, value_key = _FACTS[kind]
    ticket = data.get("ticket")
    if not isinstance(ticket, str):
        return None
    value = data.get(value_key) if value_key else None
    return (ticket, ticket_day(ticket), fact_kind, data.get("theme"), data.get("item"),
            data.get("channel"), data.get("window"),
            float(value) if isinstance(value, int | float) else None, ts)


def _estimate_error(kind: str, fact: tuple, data: dict[str, Any]) -> tuple | None:
    """For a call: how much longer the citizen waited than the ticket said (seconds; > 0 is
    an under-prediction), as an ``estimate`` fact."""
    expected, waited = data.get("expected_wait_s"), data.get("waited_s")
    if kind != EventKind.TICKET_CALLED or not isinstance(expected, int | float) \
            or not isinstance(waited, int | float):
        return None
    return (*fact[:2], "estimate", *fact[3:7], float(waited) - float(expected), fact[8])


def _theme(changes: Changes, theme: str) -> ThemeChange:
    return changes.themes.setdefault(theme, ThemeChange())


def project(events: list[dict[str, Any]]) -> Changes:
    """The changes of a run of events given in sequence order."""
    changes = Changes()
    for event in events:
        kind, ts, data = event["kind"], float(event["ts"]), event["data"]
        if kind in _WINDOW_STATUS and isinstance(data.get("window"), str):
            changes.windows[data["window"]] = (_WINDOW_STATUS[kind], ts)
            continue
        if kind in _FACTS:
            fact = _fact(kind, ts, data)
            if fact is not None:
                changes.facts.append(fact)
                estimate = _estimate_error(kind, fact, data)
                if estimate is not None:
                    changes.facts.append(estimate)
        theme = data.get("theme")
        if not kind.startswith("ticket.") or not isinstance(theme, str):
            continue
        change = _theme(changes, theme)
        change.ts = ts
        if kind == EventKind.TICKET_EXPIRED:
            change.reset, change.waiting = True, 0
        else:
            change.waiting += _WAITING_DELTA.get(kind, 0)
        if kind == EventKind.TICKET_FINISHED and isinstance(data.get("service_s"), int | float):
            change.service_count += 1
            change.service_sum += float(data["service_s"])
    return changes
