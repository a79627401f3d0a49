"""Staff sign-in for the web pages: staff id + PIN, or a badge, against the same checks a
window's console uses (:class:`hall.staff_auth.SignInGuard`, shared with the API: wrong tries
lock a staff id for the consoles and the pages alike, and each client address may try ten
times a minute); the staff member must hold a web role (``roles`` in ``[[staff]]``).

A desk PC picks its desk (the paired ``desk`` device whose reader and printer stand there, see
``hallq desk-agent``) on the form, or opens ``/staff/sign-in?desk=desk-1``; the session
remembers it, and the browser keeps it for its next sign-in.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hall.errors import ErrorCode, QueueError
from hall.node import HallNode
from hall.staff_auth import LockedOut, SignInGuard
from hall.web.desk_actions import report_lockout
from hall.web.site import SIGN_IN_PATH, WebSite, site_of
from hall.webkit import csrf, roles
from hall.webkit.forms import read_form
from hall.webkit.i18n import language, pick
from hall.webkit.routes import local_path
from hall.webkit.sessions import (
    StaffSession,
    clear_session_cookie,
    session_id_of,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)

#: The desk this browser signed in at last: chosen again on the form (a desk PC stays a desk).
DESK_COOKIE = "hallq_desk"
#: The sign-in page's heading (the kit's ``sign_in.html``, shared with central's back office).
HEADING = ("员工登录", "Staff sign-in")
#: The page each role starts on, in order of preference.
START_PAGES = {roles.DESK: "/desk", roles.SUPERVISOR: "/supervisor"}


def desks(node: HallNode) -> list[str]:
    """The names of the hall's paired desk devices (a desk's reader and printer)."""
    return [d["name"] for d in node.store.devices() if d["role"] == "desk" and not d["revoked"]]


def start_page(session: StaffSession) -> str:
    """Where a staff member goes after signing in."""
    return next((START_PAGES[r] for r in session.roles if r in START_PAGES), "/staff/sign-in")


@router.get("/")
async def front_door() -> RedirectResponse:
    """The node's address alone (http://hall.local:8470/) opens the staff's sign-in."""
    return RedirectResponse(SIGN_IN_PATH, status_code=303)


@router.get(SIGN_IN_PATH)
async def sign_in_page(request: Request, next: str = "", desk: str = "") -> Response:
    """The sign-in form (a staff member already signed in goes on to their page)."""
    site = site_of(request)
    session = site.sessions.find(session_id_of(request))
    if session is not None:
        return RedirectResponse(local_path(next, start_page(session)), status_code=303)
    return _form(request, site, next, desk or request.cookies.get(DESK_COOKIE, ""))


def _form(request: Request, site: WebSite, next: str, desk: str, error: str | None = None,
          status: int = 200) -> Response:
    token = csrf.sign_in_token(request)
    response = site.page(request, "sign_in.html", None, status, csrf=token, next=next,
                         heading=HEADING, badge=True, desks=desks(site.node), chosen_desk=desk,
                         error=error)
    csrf.keep_sign_in_token(response, request, token)
    return response


@router.post(SIGN_IN_PATH)
async def sign_in(request: Request) -> Response:
    """Check the staff id and PIN (or the badge), then start a session."""
    site = site_of(request)
    node = site.node
    form: dict[str, str] = {}
    try:
        form = await read_form(request)
        csrf.check(request, form, request.cookies.get(csrf.SIGN_IN_COOKIE, ""))
        staff_id = await _checked_staff(request, node, form)
        person = node.config.staff[staff_id]
        held = tuple(r for r in person.roles if r in roles.ROLES)
        if not held:
            raise QueueError(ErrorCode.FORBIDDEN, "您没有网页使用权限，请联系大厅管理员",
                             "You hold no web role; ask the hall's supervisor", status=403)
    except QueueError as failed:
        said = pick(language(request), failed.message_zh, failed.message_en)
        return _form(request, site, form.get("next", ""), form.get("desk", ""), said,
                     failed.status)
    desk = form.get("desk") or None
    session = site.sessions.start(staff_id, person.name_zh, held,
                                  desk if desk in desks(node) else None)
    response = RedirectResponse(local_path(form.get("next"), start_page(session)),
                                status_code=303)
    set_session_cookie(response, request, session, site.sessions.absolute_s)
    response.delete_cookie(csrf.SIGN_IN_COOKIE)
    response.set_cookie(DESK_COOKIE, session.desk or "", max_age=365 * 24 * 3600,
                        httponly=True, samesite="strict")
    return response


async def _checked_staff(request: Request, node: HallNode, form: dict[str, str]) -> str:
    """The staff id the form's PIN or badge proves; the guard's refusal otherwise."""
    guard: SignInGuard = request.app.state.sign_in_guard
    client = request.client.host if request.client else "unknown"
    guard.count_attempt(f"web:{client}")
    node.refresh_staff()
    badge = form.get("badge_uid", "").strip()
    if badge:
        return guard.check_badge(node.config.staff, node.store.staff_secrets(), badge)
    staff_id, pin = form.get("staff_id", "").strip(), form.get("pin", "")
    try:   # scrypt takes ~50 ms: not on the event loop
        return await asyncio.to_thread(
            guard.check_pin, node.config.staff, node.store.staff_secrets(), staff_id, pin,
            f"web:{client}")
    except LockedOut as locked:
        await node.submit_async(report_lockout(locked.lockout))
        raise


@router.post("/staff/sign-out")
async def sign_out(request: Request) -> Response:
    """End the session (its form's token checked), and back to the sign-in page."""
    site = site_of(request)
    session = site.sessions.find(session_id_of(request))
    if session is not None:
        form = await read_form(request)
        csrf.check(request, form, session.csrf)
        site.sessions.end(session.id)
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    clear_session_cookie(response, request)
    return response
