"""What the hall's staff pages share: the node, the templates, the open sessions, and the
check that a request comes from a signed-in member of staff who may open the page."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hall.errors import ErrorCode, QueueError
from hall.node import HallNode
from hall.store import StoreError
from hall.webkit import csrf
from hall.webkit.forms import read_form
from hall.webkit.i18n import language, pick
from hall.webkit.roles import ROLE_NAMES
from hall.webkit.sessions import SessionStore, StaffSession, session_id_of
from hall.webkit.templating import WebTemplates

TEMPLATES = Path(__file__).with_name("templates")
SIGN_IN_PATH = "/staff/sign-in"
#: A ticket's status (``hall.state.TicketStatus``) in Chinese and English, as pages say it.
STATUS_NAMES = {"waiting": ("等待中", "Waiting"), "called": ("已叫号", "Called"),
                "serving": ("办理中", "Being served"), "finished": ("已办结", "Finished"),
                "no_show": ("已过号", "No-show"), "cancelled": ("已取消", "Cancelled"),
                "expired": ("已过期", "Expired"), "leased": ("视频服务中", "At a video booth")}


class SignInNeeded(Exception):
    """The request has no live session (never signed in, signed out or expired)."""


class WebSite:
    """The staff pages of one hall node."""

    def __init__(self, node: HallNode) -> None:
        self.node = node
        self.templates = WebTemplates(TEMPLATES, node.config.timezone)
        self.templates.env.globals["status_names"] = STATUS_NAMES
        self.sessions = SessionStore(lambda: node.clock().timestamp())

    def page(self, request: Request, name: str, session: StaffSession | None = None,
             status: int = 200, **context: Any) -> Response:
        """A page of the site, with the hall's name and the session's notice (shown once)."""
        lang = language(request)
        notice = context.pop("notice", None)
        if session is not None and session.notice is not None and notice is None:
            notice = pick(lang, *session.notice)
            session.notice = None
        context.setdefault("error", None)
        site_name = pick(lang, self.node.config.name_zh, self.node.config.name_en)
        return self.templates.render(request, name, session, status, site_name=site_name,
                                     notice=notice, **context)

    def error_page(self, request: Request, failed: QueueError, session: StaffSession | None,
                   back: str) -> Response:
        """The page of a refused request: the error in the page's language, nothing changed."""
        return self.page(request, "error.html", session, failed.status,
                         error=pick(language(request), failed.message_zh, failed.message_en),
                         back=back)

    def session_of(self, request: Request, role: str, touch: bool = True) -> StaffSession:
        """The request's session; :class:`SignInNeeded` without one, a 403 when its staff
        member does not hold ``role``. ``touch``: the request is a person's (not a poll)."""
        session = self.sessions.find(session_id_of(request), touch)
        if session is None:
            raise SignInNeeded
        if role not in session.roles:
            zh, en = ROLE_NAMES[role]
            raise QueueError(ErrorCode.FORBIDDEN, f"您没有使用“{zh}”页面的权限",
                             f"You may not use the {en} page", status=403)
        return session

    async def posted(self, request: Request, role: str) -> tuple[StaffSession, dict[str, str]]:
        """The session and the form of a POST, its CSRF token and origin checked."""
        session = self.session_of(request, role)
        form = await read_form(request)
        csrf.check(request, form, session.csrf)
        return session, form


def site_of(request: Request) -> WebSite:
    """The site the app serves."""
    return request.app.state.web


def to_sign_in(request: Request) -> RedirectResponse:
    """Send the browser to the sign-in page, and back here afterwards (GET pages only)."""
    back = request.url.path if request.method == "GET" else "/"
    return RedirectResponse(f"{SIGN_IN_PATH}?next={back}", status_code=303)


def page_route(endpoint: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """A page's endpoint (its ``request`` passed by name) whose refusals are pages: no session
    sends the browser to sign in, a refused request (a bad form, a forbidden page, a closed
    store) answers the error page in the page's language, and nothing changed."""
    @functools.wraps(endpoint)
    async def guarded(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        try:
            return await endpoint(*args, **kwargs)
        except SignInNeeded:
            return to_sign_in(request)
        except (QueueError, StoreError) as failed:
            site = site_of(request)
            session = site.sessions.find(session_id_of(request))
            return site.error_page(request, as_queue_error(failed), session, SIGN_IN_PATH)
    return guarded


def as_queue_error(failed: QueueError | StoreError) -> QueueError:
    """A store that cannot write, said as the API says it (503)."""
    if isinstance(failed, QueueError):
        return failed
    return QueueError(ErrorCode.STORE_UNAVAILABLE, "系统暂时无法保存，请稍后重试",
                      "The hall cannot save right now; try again", status=503)
