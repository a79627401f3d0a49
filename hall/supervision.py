"""A supervisor's operations on today's plan (:mod:`hall.day_plan`): a theme's quota, cutoff and
hours for today, a notice on the wall displays and kiosks, who sits at which window. Each is
an operation of the engine's kind — it changes the state and returns the events it caused,
naming who made the change — run by the node's writer like every other."""

from __future__ import annotations

from datetime import datetime

from hall import day_plan
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError
from hall.events import Event, EventKind


def _event(engine: Engine, kind: EventKind, now: datetime, **data: object) -> Event:
    return Event(kind=kind, ts=now.timestamp(), data=dict(data), hall_id=engine.config.hall_id)


def _wrong(field_name: str, zh: str, en: str) -> QueueError:
    return QueueError(ErrorCode.BAD_REQUEST, f"{field_name}：{zh}", f"{field_name}: {en}", 422)


def adjust_theme(engine: Engine, theme: str, now: datetime, *, by: str,
                 daily_quota: int | None = None, cutoff_min: int | None = None,
                 open_time: str | None = None, close_time: str | None = None
                 ) -> tuple[day_plan.ThemeToday, list[Event]]:
    """Set a theme's quota, cutoff and hours for today (``None``: the TOML's). A quota below
    what was already given only stops further numbers; nobody's ticket is taken back."""
    configured = engine.config.themes.get(theme.upper())
    if configured is None:
        raise QueueError(ErrorCode.UNKNOWN_SERVICE, f"没有主题 {theme}", f"No theme {theme!r}",
                         404)
    if daily_quota is not None and not 0 <= daily_quota <= 100_000:
        raise _wrong("daily_quota", "须在 0–100000 之间", "must be 0–100000")
    if cutoff_min is not None and not 0 <= cutoff_min <= 1440:
        raise _wrong("cutoff_min", "须在 0–1440 分钟之间", "must be 0–1440 minutes")
    for name, value in (("open_time", open_time), ("close_time", close_time)):
        if value is not None:
            try:
                day_plan.hhmm(value)
            except ValueError:
                raise _wrong(name, "须为 HH:MM", "must be HH:MM") from None
    rules = engine.config.rules
    opens = day_plan.hhmm(open_time) if open_time else rules.open_time
    closes = day_plan.hhmm(close_time) if close_time else rules.close_time
    if (open_time or close_time) and closes <= opens:
        raise _wrong("close_time", f"须晚于开始时间 {opens:%H:%M}", f"must be after {opens:%H:%M}")
    today = day_plan.ThemeToday(daily_quota=daily_quota, cutoff_min=cutoff_min,
                       open_time=open_time, close_time=close_time)
    plan = engine.state.day_plan
    plan.themes[configured.prefix] = today
    engine.state.dirty_day_plan = True
    effective = day_plan.effective_theme(configured, plan)
    event = _event(engine, EventKind.THEME_ADJUSTED, now, theme=configured.prefix, by=by,
                         daily_quota=effective.daily_quota, cutoff_min=effective.cutoff_min,
                         open=f"{opens:%H:%M}", close=f"{closes:%H:%M}",
                         issued_today=engine.state.counters.get(configured.prefix, 0))
    return today, [event]


def post_notice(engine: Engine, now: datetime, *, text_zh: str, text_en: str, minutes: int,
                by: str) -> tuple[day_plan.Notice, list[Event]]:
    """Put up a notice on the wall displays and kiosks for ``minutes`` (replacing any other)."""
    text_zh, text_en = text_zh.strip(), text_en.strip()
    if not text_zh:
        raise _wrong("text_zh", "通知内容不能为空", "the notice needs its Chinese text")
    for name, text in (("text_zh", text_zh), ("text_en", text_en)):
        if len(text) > day_plan.NOTICE_MAX_CHARS or any(ord(c) < 32 for c in text):
            raise _wrong(name, f"最多 {day_plan.NOTICE_MAX_CHARS} 个字，不含控制字符",
                         f"at most {day_plan.NOTICE_MAX_CHARS} characters, no control characters")
    if not 1 <= minutes <= day_plan.NOTICE_LONGEST_MIN:
        raise _wrong("minutes", "须在 1–1440 分钟之间", "must be 1–1440 minutes")
    notice = day_plan.Notice(text_zh=text_zh, text_en=text_en, posted_at=now.timestamp(),
                    until=now.timestamp() + minutes * 60, by=by)
    engine.state.day_plan.notice = notice
    engine.state.dirty_day_plan = True
    return notice, [_event(engine, EventKind.NOTICE_POSTED, now, text_zh=text_zh, text_en=text_en,
                                 until=notice.until, by=by)]


def clear_notice(engine: Engine, now: datetime, *, by: str) -> tuple[None, list[Event]]:
    """Take the notice down (nothing happens when none is up)."""
    if engine.state.day_plan.live_notice(now.timestamp()) is None:
        engine.state.day_plan.notice = None
        return None, []
    engine.state.day_plan.notice = None
    engine.state.dirty_day_plan = True
    return None, [_event(engine, EventKind.NOTICE_CLEARED, now, by=by)]


def assign_staff(engine: Engine, window: str, staff_id: str | None, now: datetime, *, by: str,
                 known_staff: frozenset[str]) -> tuple[str | None, list[Event]]:
    """Put a staff member at a window for today (``None``: nobody); ``known_staff`` are the ids
    of the TOML and the roster. The console of that window offers them at sign-in."""
    engine.window(window)           # 404 for an unknown window
    if staff_id is not None and staff_id not in known_staff:
        raise QueueError(ErrorCode.BAD_REQUEST, f"没有工号 {staff_id}",
                         f"No staff member {staff_id!r}", 422)
    plan = engine.state.day_plan
    if staff_id is None:
        plan.assignments.pop(window, None)
    else:
        for other, someone in list(plan.assignments.items()):
            if someone == staff_id and other != window:
                del plan.assignments[other]      # one window per person
        plan.assignments[window] = staff_id
    engine.state.dirty_day_plan = True
    return staff_id, [_event(engine, EventKind.WINDOW_ASSIGNED, now, window=window,
                                   staff=staff_id, by=by)]
