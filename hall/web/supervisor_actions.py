"""The changes a supervisor makes on the 大厅管理 page, each a node operation run by the node's
writer like every other, recorded with the staff member who made it (``by`` of the day plan's
events, ``by_staff`` of a window's): open a window with nobody signed in or close it, a theme's
quota, cutoff or hours for today, a notice on the wall displays and kiosks (or none), who sits
at which window. A refused change shows the page with the engine's bilingual error, and
nothing changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hall import supervision
from hall.api.windows import window_operation
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError
from hall.events import Event
from hall.node import Operation
from hall.web.desk_actions import stamped
from hall.web.site import page_route, site_of
from hall.web.supervisor import now_page
from hall.webkit.roles import SUPERVISOR
from hall.webkit.sessions import StaffSession

router = APIRouter(include_in_schema=False)

#: The numbers of a theme's form: field → (Chinese, English) name, as a refusal says it.
NUMBER_FIELDS = {"daily_quota": ("放号量", "Quota"), "cutoff_min": ("提前停号（分钟）",
                                                                    "Cutoff (minutes)")}
TIME_FIELDS = ("open_time", "close_time")


def open_window(window: str, session: StaffSession) -> Operation:
    """Open a closed window with nobody signed in (the supervisor's override)."""
    return stamped(window_operation(window, "open_window", by=session.staff_id), session)


def close_window(window: str, session: StaffSession) -> Operation:
    """Close a window; refused while a citizen is at it (the engine's ``window_busy``)."""
    return stamped(window_operation(window, "close_window"), session)


def theme_settings(form: dict[str, str]) -> dict[str, Any]:
    """Today's settings of a theme's form: a blank field keeps the TOML's (None)."""
    settings: dict[str, Any] = {}
    for name, (zh, en) in NUMBER_FIELDS.items():
        text = form.get(name, "").strip()
        if text and not text.isdecimal():
            raise QueueError(ErrorCode.BAD_REQUEST, f"{zh}：须为不小于 0 的整数",
                             f"{en}: a whole number, 0 or more", 422)
        settings[name] = int(text) if text else None
    for name in TIME_FIELDS:
        settings[name] = form.get(name, "").strip() or None
    return settings


def adjust_theme(theme: str, settings: dict[str, Any], session: StaffSession) -> Operation:
    """A theme's quota, cutoff and hours for today."""
    def operation(engine: Engine, now: datetime) -> tuple[Any, list[Event]]:
        return supervision.adjust_theme(engine, theme, now, by=session.staff_id, **settings)
    return operation


def post_notice(form: dict[str, str], session: StaffSession) -> Operation:
    """Put up a notice for the minutes chosen (replacing the one up)."""
    minutes = form.get("minutes", "").strip()
    if not minutes.isdecimal():
        raise QueueError(ErrorCode.BAD_REQUEST, "显示时长：须为分钟数",
                         "Show for: a number of minutes", 422)

    def operation(engine: Engine, now: datetime) -> tuple[Any, list[Event]]:
        return supervision.post_notice(engine, now, text_zh=form.get("text_zh", ""),
                                       text_en=form.get("text_en", ""), minutes=int(minutes),
                                       by=session.staff_id)
    return operation


def clear_notice(session: StaffSession) -> Operation:
    """Take the notice down."""
    def operation(engine: Engine, now: datetime) -> tuple[None, list[Event]]:
        return supervision.clear_notice(engine, now, by=session.staff_id)
    return operation


def assign(window: str, staff_id: str, session: StaffSession) -> Operation:
    """Put a staff member of the TOML or the roster at a window for today ("": nobody)."""
    def operation(engine: Engine, now: datetime) -> tuple[Any, list[Event]]:
        return supervision.assign_staff(engine, window, staff_id.strip() or None, now,
                                        by=session.staff_id,
                                        known_staff=frozenset(engine.config.staff))
    return operation


# ---------------------------------------------------------------------- routes
async def _change(request: Request, make: Any, done: tuple[str, str]) -> Response:
    """Run the change ``make(form, session)`` builds; the page again, with what was done or
    the refusal (nothing changed)."""
    site = site_of(request)
    session, form = await site.posted(request, SUPERVISOR)
    try:
        await site.node.submit_async(make(form, session))
    except QueueError as failed:
        return now_page(request, session, failed)
    session.notice = done
    return RedirectResponse("/supervisor", status_code=303)


@router.post("/supervisor/windows/{window}/open")
@page_route
async def open_route(request: Request, window: str) -> Response:
    """Open the window with nobody signed in."""
    return await _change(request, lambda form, s: open_window(window, s),
                         (f"已开启 {window} 号窗口", f"Window {window} opened"))


@router.post("/supervisor/windows/{window}/close")
@page_route
async def close_route(request: Request, window: str) -> Response:
    """Close the window (refused while a citizen is at it)."""
    return await _change(request, lambda form, s: close_window(window, s),
                         (f"已关闭 {window} 号窗口", f"Window {window} closed"))


@router.post("/supervisor/assign")
@page_route
async def assign_route(request: Request) -> Response:
    """Put a staff member at a window for today, or nobody."""
    site_of(request).node.refresh_staff()      # staff added with `hallq staff add`
    return await _change(request, lambda form, s: assign(form.get("window", ""),
                                                         form.get("staff_id", ""), s),
                         ("已保存排班", "Assignment saved"))


@router.post("/supervisor/themes/{theme}")
@page_route
async def theme_route(request: Request, theme: str) -> Response:
    """A theme's quota, cutoff and hours for today."""
    return await _change(request, lambda form, s: adjust_theme(theme, theme_settings(form), s),
                         (f"已调整 {theme} 类业务今日设置", f"Today's settings of {theme} changed"))


@router.post("/supervisor/notice")
@page_route
async def notice_route(request: Request) -> Response:
    """Put up a notice on the wall displays and kiosks."""
    return await _change(request, post_notice, ("通知已发布", "Notice posted"))


@router.post("/supervisor/notice/clear")
@page_route
async def clear_notice_route(request: Request) -> Response:
    """Take the notice down."""
    return await _change(request, lambda form, s: clear_notice(s),
                         ("通知已撤下", "Notice taken down"))

