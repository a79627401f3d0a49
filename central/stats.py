"""Statistics from the stored events (through the ``ticket_facts`` projection).

Waits are issued → called, one per call (a citizen called again after a re-check-in or a
transfer counts again, still from the original arrival); service times are called (or serving)
→ finished; both as the hall measured them. Group by any of hall, theme, item, channel (kiosk,
appointment, phone, staff, referral: citizens another hall sent), window and day (the
hall-local service day of the ticket); rating shares are the share of each of the five
levels among the rated services (5 非常满意 … 1 非常不满意). Tickets issued have no window.
The error of the expected wait printed on each ticket is measured at its call: the mean
absolute error (``estimate_mae_s``) and the share of citizens who waited longer than told
(``under_predicted_share``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from central.db import Database
from central.errors import bad_request

GROUPS = {"hall": "f.hall_id", "theme": "COALESCE(f.theme, i.theme)",
          "item": "COALESCE(f.item, i.item)", "channel": "COALESCE(f.channel, i.channel)",
          "window": "f.window_no", "day": "f.day"}
#: Groups that a call or a service takes from its ticket's issue.
_FROM_ISSUE = ("theme", "item", "channel")
_LEVELS = (5, 4, 3, 2, 1)


def _filters(hall_id: str | None, day_from: str | None, day_to: str | None
             ) -> tuple[str, list[Any]]:
    where, params = [], []
    if hall_id is not None:
        where.append("f.hall_id = ?")
        params.append(hall_id)
    if day_from:
        where.append("f.day >= ?")
        params.append(day_from)
    if day_to:
        where.append("f.day <= ?")
        params.append(day_to)
    return (" WHERE " + " AND ".join(where)) if where else "", params


def _of(kind: str, aggregate: str = "COUNT(*)") -> str:
    return f"{aggregate} FILTER (WHERE f.kind = '{kind}')"


_MEASURES = ", ".join([
    _of("issued"), _of("called", "COUNT(f.value)"), _of("called", "AVG(f.value)"),
    _of("called", "MAX(f.value)"), _of("finished", "COUNT(f.value)"),
    _of("finished", "AVG(f.value)"), _of("finished", "MAX(f.value)"),
    f"{_of('no_show')} - {_of('no_show_undone')}",   # a no-show its window took back
    *(f"COUNT(*) FILTER (WHERE f.kind = 'rated' AND f.value = {level})" for level in _LEVELS),
    _of("estimate", "AVG(ABS(f.value))"),
    _of("estimate", "AVG(CASE WHEN f.value > 0 THEN 1.0 ELSE 0.0 END)")])


def statistics(db: Database, by: list[str], hall_id: str | None = None,
               day_from: str | None = None, day_to: str | None = None) -> list[dict[str, Any]]:
    """One row per group: tickets issued, waits, service times, no-shows, ratings and shares.
    ``by``: groups of :data:`GROUPS`, each once; ``day_from``/``day_to``: ``YYYY-MM-DD``."""
    unknown = [g for g in by if g not in GROUPS]
    if unknown:
        raise bad_request(f"cannot group by {unknown[:5]}; choose from {sorted(GROUPS)}")
    if len(set(by)) != len(by):
        raise bad_request("each group may be named once")
    for day in (day_from, day_to):
        if day is not None and not _is_day(day):
            raise bad_request("a day is written YYYY-MM-DD (a real date)")
    dims = [GROUPS[g] for g in by]
    sql = f"SELECT {', '.join([*dims, _MEASURES])} FROM ticket_facts f"
    if any(g in by for g in _FROM_ISSUE):  # a call names no item: its ticket's issue does
        sql += (" LEFT JOIN ticket_facts i ON i.hall_id = f.hall_id AND i.ticket = f.ticket "
                "AND i.kind = 'issued' AND f.kind <> 'issued'")
    where, params = _filters(hall_id, day_from, day_to)
    sql += where
    if dims:
        positions = ", ".join(str(n) for n in range(1, len(dims) + 1))
        sql += f" GROUP BY {positions} ORDER BY {positions}"
    with db.transaction() as tx:
        rows = tx.all(sql, params)
    return [_row(by, row) for row in rows]


def _is_day(text: str) -> bool:
    """Whether ``text`` is a real date written ``YYYY-MM-DD`` (as the facts' days are)."""
    try:
        return len(text) == 10 and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _row(by: list[str], row: tuple) -> dict[str, Any]:
    n = len(by)
    out: dict[str, Any] = dict(zip(by, row[:n], strict=True))
    issued, called, wait_mean, wait_max, served, service_mean, service_max, no_shows = \
        row[n:n + 8]
    counts = {str(level): int(c or 0)
              for level, c in zip(_LEVELS, row[n + 8:n + 13], strict=True)}
    estimate_mae, under = row[n + 13:n + 15]
    rated = sum(counts.values())
    out.update(issued=int(issued), called=int(called), wait_mean_s=_round(wait_mean),
               wait_max_s=_round(wait_max), served=int(served),
               service_mean_s=_round(service_mean), service_max_s=_round(service_max),
               no_shows=int(no_shows), rated=rated, ratings=counts,
               rating_shares={k: round(v / rated, 4) if rated else None
                              for k, v in counts.items()},
               satisfied_share=round((counts["5"] + counts["4"]) / rated, 4) if rated else None,
               estimate_mae_s=_round(estimate_mae),
               under_predicted_share=None if under is None else round(float(under), 4))
    return out
