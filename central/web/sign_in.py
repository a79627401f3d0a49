"""The back office's sign-in at central: staff id + PIN of ``hallq central office-staff add``
(``central/office_staff.py``: scrypt hash, lockout after wrong tries), ``/staff/sign-in`` and
``/staff/sign-out`` (the kit's page bar posts there); each client address may try
``ATTEMPTS`` times a ``PERIOD_S`` at each worker (the lockout of a staff id, in the database,
holds across workers). A session (kept in central's database, ``central/web/sessions.py``)
holds the role ``backoffice`` and expires as the kit's do (20 minutes idle, 10 hours after
sign-in)."""

from __future__ import annotations

import threading
from collections import deque

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from central import office_staff
from central.web.site import SIGN_IN_PATH, OfficeSite, site_of
from hall.errors import BilingualError, ErrorCode, QueueError
from hall.webkit import csrf
from hall.webkit.forms import read_form
from hall.webkit.i18n import language, pick
from hall.webkit.roles import BACKOFFICE
from hall.webkit.routes import local_path
from hall.webkit.sessions import clear_session_cookie, session_id_of, set_session_cookie

router = APIRouter(include_in_schema=False)
START_PAGE = "/office"
#: The sign-in page's heading (the kit's ``sign_in.html``: staff id and PIN, no badge here).
HEADING = ("后台受理人员登录", "Back-office sign-in")
ATTEMPTS = 10
PERIOD_S = 60.0


class AttemptLimit:
    """The recent sign-in attempts of each client address (in this worker's memory)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def count(self, address: str, now: float) -> None:
        """Count an attempt; a 429 when the address tried too often lately."""
        with self._lock:
            recent = self._seen.setdefault(address, deque())
            while recent and recent[0] <= now - PERIOD_S:
                recent.popleft()
            if len(recent) >= ATTEMPTS:
                raise QueueError(ErrorCode.TOO_MANY_ATTEMPTS, "登录尝试过于频繁，请一分钟后再试",
                                 "Too many sign-in attempts; try again in a minute", status=429)
            recent.append(now)


@router.get("/office/")
@router.get("/staff/")
async def front_door() -> RedirectResponse:
    """The back office's address alone opens its queue (or the sign-in)."""
    return RedirectResponse(START_PAGE, status_code=303)


@router.get(SIGN_IN_PATH)
async def sign_in_page(request: Request, next: str = "") -> Response:
    """The sign-in form (someone already signed in goes on to the queue)."""
    site = site_of(request)
    if await run_in_threadpool(site.sessions.find, session_id_of(request)) is not None:
        return RedirectResponse(local_path(next, START_PAGE), status_code=303)
    return await _form(request, site, next)


async def _form(request: Request, site: OfficeSite, next: str, error: str | None = None,
          status: int = 200) -> Response:
    token = csrf.sign_in_token(request)
    response = await site.page(request, "sign_in.html", None, status, csrf=token,
                               next=next, heading=HEADING, error=error)
    csrf.keep_sign_in_token(response, request, token)
    return response


@router.post(SIGN_IN_PATH)
async def sign_in(request: Request) -> Response:
    """Check the staff id and PIN, then start a session with the role ``backoffice``."""
    site = site_of(request)
    form: dict[str, str] = {}
    try:
        form = await read_form(request)
        csrf.check(request, form, request.cookies.get(csrf.SIGN_IN_COOKIE, ""))
        limit: AttemptLimit = request.app.state.office_attempts
        limit.count(request.client.host if request.client else "unknown", site.clock())
        person = await run_in_threadpool(   # scrypt: ~50 ms, not on the event loop
            office_staff.check_pin, site.db, form.get("staff_id", "").strip(),
            form.get("pin", ""), site.clock())
    except BilingualError as failed:
        said = pick(language(request), failed.message_zh, failed.message_en)
        return await _form(request, site, form.get("next", ""), said, failed.status)
    session = await run_in_threadpool(site.sessions.start, person.id, person.name_zh,
                                      (BACKOFFICE,), None)
    response = RedirectResponse(local_path(form.get("next"), START_PAGE), status_code=303)
    set_session_cookie(response, request, session, site.sessions.absolute_s)
    response.delete_cookie(csrf.SIGN_IN_COOKIE)
    return response


@router.post("/staff/sign-out")
async def sign_out(request: Request) -> Response:
    """End the session (its form's token checked), and back to the sign-in page."""
    site = site_of(request)
    session = await run_in_threadpool(site.sessions.find, session_id_of(request))
    if session is not None:
        form = await read_form(request)
        csrf.check(request, form, session.csrf)
        await run_in_threadpool(site.sessions.end, session.id)
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    clear_session_cookie(response, request)
    return response
