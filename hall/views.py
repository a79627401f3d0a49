"""What the API shows of the hall's state: plain dicts built from the engine, typed by the bodies
of ``hall/schemas.py``; no personal data beyond the masked ID number on a citizen's own ticket."""

from __future__ import annotations

from datetime import datetime

from hall import day_plan, links
from hall.engine import Engine
from hall.estimate import called_first
from hall.item_view import item_body
from hall.no_show import no_show_wait, undo_left
from hall.schemas import (
    BoothBody,
    NoShowBody,
    NoticeBody,
    QueueEntryBody,
    ServiceBody,
    StatsBody,
    ThemeStatsBody,
    ThemeTodayBody,
    TicketBody,
    TodayBody,
    WindowBody,
)
from hall.state import Ticket, TicketStatus
from hall.window_states import window_activity


def ticket_view(engine: Engine, ticket: Ticket, now: datetime,
                ahead: int | None = None) -> TicketBody:
    """A ticket with its position and expected wait, as a citizen or a console sees it
    (``ahead`` when the caller already knows it)."""
    theme = engine.config.themes.get(ticket.theme)
    item = engine.config.items.get(ticket.item or "")
    if ahead is None:
        ahead = engine.position(ticket, now) if ticket.day == engine.state.day else -1
    waiting = ticket.status is TicketStatus.WAITING
    kind, expected_wait_s = None, None
    if waiting and ahead >= 0:
        figure = engine.theme_wait(ticket.theme, now).figure(ahead, called_first(ticket))
        kind, expected_wait_s = figure.kind.value, figure.seconds
    body: TicketBody = {
        "id": ticket.id, "number": ticket.number, "service": ticket.theme, "item": ticket.item,
        "service_name_zh": theme.name_zh if theme else "",
        "service_name_en": theme.name_en if theme else "",
        "item_name_zh": item.name_zh if item else "", "item_name_en": item.name_en if item else "",
        "status": ticket.status.value, "channel": ticket.channel,
        "ahead": ahead if waiting else None,
        "expected_wait_s": expected_wait_s if waiting else None, "wait_kind": kind,
        "window": ticket.window if not waiting else ticket.to_window,
        "issued_at": ticket.issued_at, "called_at": ticket.called_at,
        "finished_at": ticket.finished_at, "recalls": ticket.recalls,
        "green": ticket.green, "elderly": ticket.elderly,
        "appointment_id": ticket.appointment_id, "id_masked": ticket.id_masked,
        "rating": ticket.rating,
        "url": links.phone_url(engine.link_key, engine.config.ticket_url,
                               engine.config.public_phone_url, engine.config.hall_id, ticket.id),
        "booth": booth_of(engine, ticket),
        "windows": serving_windows(engine, ticket.theme),
        "waiting_area_zh": theme.waiting_area_zh if theme else "",
        "waiting_area_en": theme.waiting_area_en if theme else "",
    }
    no_show = no_show_of(engine, ticket, now)
    if no_show is not None:
        body["no_show"] = no_show
    return body


def no_show_of(engine: Engine, ticket: Ticket, now: datetime) -> NoShowBody | None:
    """The no-show countdowns of a ticket called at a window or a no-show, else None."""
    rules, now_ts = engine.config.rules, now.timestamp()
    if ticket.status is TicketStatus.CALLED:
        recalls, seconds = no_show_wait(rules, ticket, now_ts)
        return {"allowed_in_s": round(seconds, 1), "recalls_left": recalls, "undo_s_left": 0.0}
    if ticket.status is TicketStatus.NO_SHOW:
        return {"allowed_in_s": 0.0, "recalls_left": 0,
                "undo_s_left": round(undo_left(rules, ticket, now_ts), 1)}
    return None


def serving_windows(engine: Engine, theme: str) -> list[str]:
    """The numbers of the windows with the skill of ``theme``, in numeric order."""
    return list(engine.serving.get(theme, ()))


def booth_of(engine: Engine, ticket: Ticket) -> BoothBody | None:
    """The video booth a ticket lent to another hall's window is served at (else None)."""
    if ticket.status not in (TicketStatus.LEASED, TicketStatus.SERVING):
        return None
    lease_id = engine.leasing.home.active.get(ticket.id)
    if lease_id is None:
        return None
    booth_id = engine.leasing.home.leases[lease_id].booth
    booth = next((b for b in engine.config.booths if b.id == booth_id), None)
    if booth is None:
        return None
    return {"id": booth.id, "name_zh": booth.name_zh, "name_en": booth.name_en}


def services_view(engine: Engine, now: datetime, guide: bool = False) -> list[ServiceBody]:
    """Every theme with its items, people waiting, the wait a new ticket would get, quota left,
    the windows that serve it and where its citizens wait; with ``guide``, each item's service
    guide too (:mod:`hall.item_view`)."""
    themes: list[ServiceBody] = []
    for configured in engine.config.themes.values():
        theme = day_plan.effective_theme(configured, engine.state.day_plan)   # today's quota
        taken = engine.state.counters.get(theme.prefix, 0)
        estimate = engine.theme_wait(theme.prefix, now)
        figure = estimate.next_figure()
        themes.append({
            "prefix": theme.prefix, "name_zh": theme.name_zh, "name_en": theme.name_en,
            "waiting": estimate.waiting, "expected_wait_s": figure.seconds,
            "wait_kind": figure.kind.value,
            "quota": theme.daily_quota, "issued_today": taken,
            "quota_left": (theme.daily_quota - taken) if theme.daily_quota else None,
            "per_id_daily_limit": theme.per_id_daily_limit,
            "windows": serving_windows(engine, theme.prefix),
            "waiting_area_zh": theme.waiting_area_zh, "waiting_area_en": theme.waiting_area_en,
            "items": [item_body(i, guide) for i in theme.items],
        })
    return themes


def windows_view(engine: Engine) -> list[WindowBody]:
    """Every window with its skills, status, current ticket and today's figures."""
    result: list[WindowBody] = []
    for number, window in engine.config.windows.items():
        state = engine.state.windows[number]
        current = engine.state.tickets.get(state.current) if state.current else None
        staff = engine.config.staff.get(state.staff_id or "")
        result.append({
            "number": number, "name_zh": window.name_zh, "name_en": window.name_en,
            "skills": list(window.skills), "video_booth": window.video_booth,
            "status": state.status.value,
            "state": window_activity(state.status.value,
                                     current.status.value if current else None).value,
            "pause_reason": state.pause_reason, "staff_id": state.staff_id,
            "staff_name_zh": staff.name_zh if staff else None,
            "current": current.number if current else None,
            "current_ticket": current.id if current else None,
            "current_status": current.status.value if current else None,
            "served_today": state.served_today,
            "mean_service_s": round(state.service_s_today / state.served_today, 1)
            if state.served_today else None,
            "assigned_staff_id": engine.state.day_plan.assignments.get(number),
        })
    return result


def notice_view(engine: Engine, now: datetime) -> NoticeBody | None:
    """The notice up on the wall displays and kiosks now, if any."""
    notice = engine.state.day_plan.live_notice(now.timestamp())
    if notice is None:
        return None
    return {"text_zh": notice.text_zh, "text_en": notice.text_en, "until": notice.until,
            "posted_at": notice.posted_at, "by": notice.by}


def today_view(engine: Engine, now: datetime) -> TodayBody:
    """What a supervisor changed today over the TOML: each theme's quota, cutoff and hours in
    force (and whether changed), the notice, who is put at which window."""
    rules, plan = engine.config.rules, engine.state.day_plan
    themes: dict[str, ThemeTodayBody] = {}
    for prefix, configured in engine.config.themes.items():
        theme = day_plan.effective_theme(configured, plan)
        hours = day_plan.effective_rules(rules, prefix, plan)
        themes[prefix] = {
            "daily_quota": theme.daily_quota, "cutoff_min": theme.cutoff_min,
            "open": f"{hours.open_time:%H:%M}", "close": f"{hours.close_time:%H:%M}",
            "open_all_day": hours.open_all_day, "changed": prefix in plan.themes,
            "issued_today": engine.state.counters.get(prefix, 0)}
    return {"day": engine.state.day, "themes": themes, "notice": notice_view(engine, now),
            "assignments": dict(plan.assignments)}


def window_queue_view(engine: Engine, number: str, now: datetime, limit: int = 50
                      ) -> list[QueueEntryBody]:
    """The tickets waiting for one window, in the order it would call them (no personal data)."""
    from hall import policy

    early = engine.config.rules.appointment_early_min * 60.0
    waiting = engine.window_queue(number, now, limit)
    return [{"id": t.id, "number": t.number, "service": t.theme,
             "priority": policy.priority_rank(t, now.timestamp(), early),
             "waited_s": round(now.timestamp() - t.issued_at),
             "transferred": t.transfers > 0} for t in waiting]


#: The tickets of a theme counted in today's figures.
_COUNTED = ("issued", "waiting", "served", "no_show")


def stats_view(engine: Engine, now: datetime) -> StatsBody:
    """Today's figures for a supervisor: per theme and the ratings."""
    counts: dict[str, dict[str, int]] = {}      # issued, waiting, served, no_show per theme
    totals: dict[str, dict[str, float]] = {}    # seconds waited and served per theme
    ratings = {str(level): 0 for level in range(1, 6)}   # JSON keys: "1" … "5"
    for theme in engine.config.themes:
        counts[theme] = dict.fromkeys(_COUNTED, 0)
        totals[theme] = {"wait_s": 0.0, "service_s": 0.0}
    for t in engine.state.tickets.values():
        row = counts.setdefault(t.theme, dict.fromkeys(_COUNTED, 0))
        total = totals.setdefault(t.theme, {"wait_s": 0.0, "service_s": 0.0})
        row["issued"] += 1
        if t.status is TicketStatus.WAITING:
            row["waiting"] += 1
        if t.status is TicketStatus.NO_SHOW:
            row["no_show"] += 1
        if t.status is TicketStatus.FINISHED and t.called_at and t.finished_at:
            row["served"] += 1
            total["wait_s"] += t.called_at - t.issued_at
            total["service_s"] += t.finished_at - (t.serving_at or t.called_at)
        if t.rating:
            ratings[str(t.rating)] += 1
    per_theme: dict[str, ThemeStatsBody] = {}
    for theme, row in counts.items():
        served, total = row["served"], totals[theme]
        if served:
            per_theme[theme] = {
                "issued": row["issued"], "waiting": row["waiting"], "served": served,
                "no_show": row["no_show"], "mean_wait_s": round(total["wait_s"] / served, 1),
                "mean_service_s": round(total["service_s"] / served, 1)}
        else:   # the (zero) totals too, as this body always had them while nobody was served
            per_theme[theme] = {
                "issued": row["issued"], "waiting": row["waiting"], "served": 0,
                "no_show": row["no_show"], "wait_s_total": total["wait_s"],
                "service_s_total": total["service_s"], "mean_wait_s": None,
                "mean_service_s": None}
    return {"day": engine.state.day, "themes": per_theme, "ratings": ratings}
