"""What the back office's pages share: central's database and data key, the templates, the
open sessions, and the check that a request comes from a signed-in member of the back office.

Sessions (``central/web/sessions.py``) and the wrong tries that lock a staff id
(``central/office_staff.py``) are kept in central's database: any worker serves any page.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from central.data_key import DataKey
from central.db import Database, DatabaseUnavailable
from central.web.sessions import OfficeSessions
from hall.errors import BilingualError, ErrorCode, QueueError
from hall.submission_book import STATUS_EN, STATUS_ZH
from hall.webkit import csrf
from hall.webkit.forms import read_form
from hall.webkit.i18n import language, pick
from hall.webkit.roles import BACKOFFICE, ROLE_NAMES
from hall.webkit.sessions import StaffSession, session_id_of
from hall.webkit.templating import WebTemplates

TEMPLATES = Path(__file__).with_name("templates")
SIGN_IN_PATH = "/staff/sign-in"
#: The city's time zone: figures of a submission are said in its hall's (the offset it was
#: handed in with), others in this one.
CITY_TZ = ZoneInfo("Asia/Shanghai")
#: The name every page shows in its bar.
SITE_NAME = ("城市政务服务中心 · 后台受理", "City service centre · Back office")


class SignInNeeded(Exception):
    """The request has no live session (never signed in, signed out or expired)."""


def hall_stamp(ts: float | None, submitted_at: str | None = None) -> str:
    """``YYYY-MM-DD HH:MM`` of a POSIX time in the hall's time zone: the offset of
    ``submitted_at`` (when the hall handed the submission in), else the city's."""
    if ts is None:
        return ""
    zone = datetime.fromisoformat(submitted_at).tzinfo if submitted_at else None
    return datetime.fromtimestamp(ts, zone or CITY_TZ).strftime("%Y-%m-%d %H:%M")


def handed_in(submitted_at: str | None, created_at: float) -> str:
    """When the citizen handed a submission in, in the hall's time (as the hall said it),
    else when central received it."""
    if submitted_at:
        try:
            return datetime.fromisoformat(submitted_at).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            pass
    return hall_stamp(created_at)


class OfficeSite:
    """The back office's pages over central's database and its data key (the personal parts
    of submissions are opened with it); ``clock`` gives seconds (tests move it to expire
    sessions)."""

    def __init__(self, db: Database, data_key: DataKey,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.data_key = data_key
        self.clock = clock
        self.templates = WebTemplates(TEMPLATES, CITY_TZ)
        self.templates.env.filters["hall_stamp"] = hall_stamp
        self.templates.env.filters["handed_in"] = handed_in
        self.templates.env.globals["status_names"] = {
            status: (zh, STATUS_EN[status]) for status, zh in STATUS_ZH.items()}
        self.sessions = OfficeSessions(db, clock)

    async def page(self, request: Request, name: str, session: StaffSession | None = None,
                   status: int = 200, **context: Any) -> Response:
        """A page of the site, with the session's notice (shown once)."""
        lang = language(request)
        notice = context.pop("notice", None)
        if session is not None and session.notice is not None and notice is None:
            notice = pick(lang, *session.notice)
            await run_in_threadpool(self.sessions.tell, session, None)
        context.setdefault("error", None)
        return self.templates.render(request, name, session, status,
                                     site_name=pick(lang, *SITE_NAME), notice=notice, **context)

    async def error_page(self, request: Request, failed: BilingualError,
                         session: StaffSession | None, back: str) -> Response:
        """The page of a refused request: the error in the page's language, nothing changed."""
        return await self.page(request, "error.html", session, failed.status,
                               error=pick(language(request), failed.message_zh,
                                          failed.message_en), back=back)

    async def session_of(self, request: Request, role: str = BACKOFFICE) -> StaffSession:
        """The request's session; :class:`SignInNeeded` without one, a 403 when its staff
        member does not hold ``role``."""
        session = await run_in_threadpool(self.sessions.find, session_id_of(request))
        if session is None:
            raise SignInNeeded
        if role not in session.roles:
            zh, en = ROLE_NAMES[role]
            raise QueueError(ErrorCode.FORBIDDEN, f"您没有使用“{zh}”页面的权限",
                             f"You may not use the {en} page", status=403)
        return session

    async def posted(self, request: Request) -> tuple[StaffSession, dict[str, str]]:
        """The session and the form of a POST, its CSRF token and origin checked."""
        session = await self.session_of(request)
        form = await read_form(request)
        csrf.check(request, form, session.csrf)
        return session, form


def site_of(request: Request) -> OfficeSite:
    """The back office the app serves."""
    return request.app.state.office


def page_route(endpoint: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """A page's endpoint (its ``request`` passed by name) whose refusals are pages: no session
    sends the browser to sign in (and back here afterwards), a refused request answers the
    error page in the page's language, and nothing changed."""
    @functools.wraps(endpoint)
    async def guarded(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        try:
            return await endpoint(*args, **kwargs)
        except SignInNeeded:
            back = request.url.path if request.method == "GET" else "/office"
            return RedirectResponse(f"{SIGN_IN_PATH}?next={back}", status_code=303)
        except (BilingualError, DatabaseUnavailable) as failed:
            site = site_of(request)
            session = await run_in_threadpool(site.sessions.find, session_id_of(request))
            said = failed if isinstance(failed, BilingualError) else QueueError(
                ErrorCode.DATABASE_UNAVAILABLE, "系统暂时无法保存，请稍后重试",
                "Central cannot reach its database right now; try again", status=503)
            return await site.error_page(request, said, session, "/office")
    return guarded
