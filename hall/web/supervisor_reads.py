"""What the supervisor's pages (大厅管理) read: the hall now — every window, each theme's line
and what is in force today, the device faults and the sync lag that ``hallq status`` shows —
and the day so far and the ratings over a period. Plain rows for the templates; figures are
POSIX times (the templates say them in the hall's time zone) and seconds; no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hall import day_report, views
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError
from hall.health import HallHealth
from hall.node import HallNode
from hall.schemas import HealthReasonBody, StatsBody, WindowBody
from hall.state import Ticket
from hall.store import Store
from hall.wait_text import wait_words
from hall.window_states import activity_label

#: The longest period the ratings page reads at once (a year of a hall's events).
LONGEST_PERIOD_DAYS = 366


@dataclass
class HallNow:
    """The hall at one moment, as the supervisor's page shows it."""

    at: float
    windows: list[dict[str, Any]]
    themes: list[dict[str, Any]]
    faults: list[HealthReasonBody]
    sync: dict[str, Any] | None
    notice: dict[str, Any] | None
    staff: list[tuple[str, str]]


def hall_now(engine: Engine, now: datetime) -> HallNow:
    """Windows, themes, notice and staff from the engine (faults and sync are added by
    :func:`with_health`, outside the node's lock)."""
    staff_names = {sid: s.name_zh for sid, s in engine.config.staff.items()}
    windows = [_window_row(w, staff_names) for w in views.windows_view(engine)]
    today = views.today_view(engine, now)
    plan = engine.state.day_plan.themes
    themes = []
    for service in views.services_view(engine, now):
        prefix = service["prefix"]
        in_force = today["themes"][prefix]
        asked = plan.get(prefix)
        themes.append({
            "prefix": prefix, "name_zh": service["name_zh"], "name_en": service["name_en"],
            "waiting": service["waiting"],
            "wait": wait_words(service["wait_kind"], service["expected_wait_s"]),
            "issued": in_force["issued_today"], "quota": in_force["daily_quota"],
            "quota_left": service["quota_left"], "cutoff_min": in_force["cutoff_min"],
            "open": in_force["open"], "close": in_force["close"],
            "open_all_day": in_force["open_all_day"], "changed": in_force["changed"],
            # what the form shows: today's own settings (blank: the TOML's)
            "today": {"daily_quota": asked.daily_quota if asked else None,
                      "cutoff_min": asked.cutoff_min if asked else None,
                      "open_time": asked.open_time if asked else None,
                      "close_time": asked.close_time if asked else None}})
    return HallNow(at=now.timestamp(), windows=windows, themes=themes, faults=[], sync=None,
                   notice=dict(today["notice"]) if today["notice"] else None,
                   staff=sorted(staff_names.items()))


def with_health(hall: HallNow, health: HallHealth, sync: dict[str, Any] | None) -> HallNow:
    """``hall`` with what the node's health says (what ``hallq status`` prints): its faults
    and the sync agent's last report (None: no agent reports; a hall without central)."""
    hall.faults = health.reasons(sync, hall.at)
    if sync is not None:
        reported = datetime.fromisoformat(sync["reported_at"]).timestamp()
        hall.sync = {"seconds_behind": sync.get("seconds_behind"), "reported_at": reported}
    return hall


def _window_row(window: WindowBody, staff_names: dict[str, str]) -> dict[str, Any]:
    assigned = window["assigned_staff_id"]
    return {**window, "label": activity_label(window["state"], window["pause_reason"]),
            "assigned_name": staff_names.get(assigned, "") if assigned else ""}


# ------------------------------------------------------------------ the day so far
@dataclass
class DaySoFar:
    """Today's figures for the plots and the exports (snapshots, read outside the lock)."""

    day: str
    themes: dict[str, tuple[str, str]]
    hours: list[day_report.HourRow]
    stats: StatsBody
    windows: list[WindowBody]
    tickets: list[Ticket]


def day_so_far(node: HallNode) -> DaySoFar:
    """Today's hours, figures, windows and tickets. Under the node's lock only what must be
    (the tickets' snapshot, the figures); the hours are counted from the snapshot after."""
    def snapshot(engine: Engine, now: datetime) -> tuple[DaySoFar, datetime]:
        themes = {p: (t.name_zh, t.name_en) for p, t in engine.config.themes.items()}
        return DaySoFar(day=engine.state.day, themes=themes, hours=[],
                        stats=views.stats_view(engine, now),
                        windows=views.windows_view(engine),
                        tickets=[_copy(t) for t in engine.state.tickets.values()]), now
    day, now = node.read(snapshot)
    day.hours = day_report.hours_of_day(day.tickets, day.themes, node.config.timezone, now)
    return day


def _copy(ticket: Ticket) -> Ticket:
    """A ticket's snapshot: its fields as they are now (the writer goes on changing the
    ticket itself); ten times quicker than :func:`copy.copy`."""
    made = object.__new__(Ticket)
    made.__dict__.update(ticket.__dict__)
    return made


# ------------------------------------------------------------------ ratings over a period
@dataclass
class Period:
    """Whole days ``first`` to ``last`` in the hall's time zone, and their POSIX bounds."""

    first: date
    last: date
    start_ts: float
    end_ts: float


def period(first: str, last: str, today: date, zone: ZoneInfo) -> Period:
    """The days a form chose (``YYYY-MM-DD``; blank: today); a bad date, a period ending
    before it starts or longer than a year is refused (422) and nothing is read."""
    start = _day(first, ("开始日期", "The start date"), today)
    end = _day(last, ("结束日期", "The end date"), today)
    if end < start:
        raise QueueError(ErrorCode.BAD_REQUEST, "结束日期不能早于开始日期",
                         "The end date is before the start date", 422)
    if (end - start).days >= LONGEST_PERIOD_DAYS:
        raise QueueError(ErrorCode.BAD_REQUEST, f"一次最多查询 {LONGEST_PERIOD_DAYS} 天",
                         f"At most {LONGEST_PERIOD_DAYS} days at a time", 422)
    return Period(start, end, datetime.combine(start, time(), zone).timestamp(),
                  datetime.combine(end + timedelta(days=1), time(), zone).timestamp())


def _day(text: str, name: tuple[str, str], today: date) -> date:
    text = text.strip()
    if not text:
        return today
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QueueError(ErrorCode.BAD_REQUEST, f"{name[0]}须为 YYYY-MM-DD 格式",
                         f"{name[1]} must be YYYY-MM-DD", 422) from None


def ratings_over(store: Store, chosen: Period) -> day_report.RatingsReport:
    """The ratings per window and per staff member of the period, from the event log."""
    return day_report.ratings_report(
        store.events_between(chosen.start_ts, chosen.end_ts, day_report.RATING_KINDS))
