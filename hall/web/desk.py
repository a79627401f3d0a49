"""服务台, the service desk's page (role ``desk``): find a ticket of today by its number or by
the citizen's ID card swiped at the desk's reader, and act on it — re-check-in a no-show, the
green channel on or off with a reason, cancel, reprint on the desk's printer — or issue a
number for a citizen without a card (the staff channel). Every change is a node operation of
:mod:`hall.web.desk_actions`, recorded with the staff member who did it."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from hall import views
from hall.desk_cards import DeskCards
from hall.errors import ErrorCode, QueueError
from hall.node import Operation
from hall.web import desk_actions
from hall.web.site import SignInNeeded, page_route, site_of
from hall.webkit.i18n import language, pick
from hall.webkit.roles import DESK
from hall.webkit.sessions import StaffSession

router = APIRouter(include_in_schema=False)

#: What each action's button did, said on the next page.
DONE = {"recheck-in": ("已重新签到", "Checked in again"),
        "green-on": ("已加入绿色通道", "Put on the green channel"),
        "green-off": ("已取消绿色通道", "Taken off the green channel"),
        "cancel": ("已取消该号码", "The ticket was cancelled"),
        "reprint": ("已发送到本台打印机", "Sent to this desk's printer")}


@router.get("/desk")
@page_route
async def desk_page(request: Request) -> Response:
    """The desk's start page: search, the card reader, the staff channel, today's no-shows."""
    site = site_of(request)
    session = site.session_of(request, DESK)
    swipe = _cards(request).latest(session.desk, site.node.clock().timestamp())
    services, missed = site.node.read(lambda engine, now: (
        views.services_view(engine, now), desk_actions.no_shows(engine)))
    return site.page(request, "desk.html", session, services=services, no_shows=missed,
                     swiped=swipe.number if swipe else 0,
                     recheckin_positions=site.node.config.rules.recheckin_positions)


@router.get("/desk/find")
@page_route
async def find(request: Request, q: str = "") -> Response:
    """Today's ticket by its number (``A012``, ``a12``)."""
    site = site_of(request)
    session = site.session_of(request, DESK)
    try:
        ticket = site.node.read(lambda engine, now: desk_actions.find_today(engine, q))
    except QueueError as failed:
        session.notice = (f"未找到今日号码“{q[:16]}”", f"No ticket {q[:16]!r} today")
        if failed.code is not ErrorCode.UNKNOWN_TICKET:
            raise
        return RedirectResponse("/desk", status_code=303)
    return RedirectResponse(f"/desk/tickets/{ticket.id}", status_code=303)


@router.get("/desk/tickets/{ticket_id}")
@page_route
async def ticket_page(request: Request, ticket_id: str) -> Response:
    """One ticket of today and what the desk may do with it."""
    site = site_of(request)
    return _ticket_page(request, site.session_of(request, DESK), ticket_id)


def _ticket_page(request: Request, session: StaffSession, ticket_id: str,
                 error: QueueError | None = None) -> Response:
    site = site_of(request)
    view, ticket = site.node.read(
        lambda engine, now: desk_actions.ticket_page(engine, ticket_id, now))
    said = pick(language(request), error.message_zh, error.message_en) if error else None
    return site.page(request, "desk_ticket.html", session, error.status if error else 200,
                     ticket=view, recheckins=ticket.recheckins, error=said,
                     rules=site.node.config.rules)


@router.post("/desk/tickets/{ticket_id}/{action}")
@page_route
async def act(request: Request, ticket_id: str, action: str) -> Response:
    """Re-check-in, green channel on or off, cancel or reprint; the ticket's page again."""
    site = site_of(request)
    session, form = await site.posted(request, DESK)
    done = action
    try:
        operation: Operation
        if action == "recheck-in":
            operation = desk_actions.recheck_in(ticket_id, session)
        elif action == "green":
            green = form.get("green") == "on"
            done = "green-on" if green else "green-off"
            operation = desk_actions.set_green(ticket_id, green, form.get("reason", ""),
                                               session)
        elif action == "cancel":
            operation = desk_actions.cancel(ticket_id, session)
        elif action == "reprint":
            operation = desk_actions.reprint(ticket_id, session)
        else:
            raise QueueError(ErrorCode.BAD_REQUEST, "未知操作", f"Unknown action {action!r}",
                             status=422)
        await site.node.submit_async(operation)
    except QueueError as failed:
        if failed.code is ErrorCode.UNKNOWN_TICKET:
            raise
        return _ticket_page(request, session, ticket_id, failed)
    session.notice = DONE[done]
    return RedirectResponse(f"/desk/tickets/{ticket_id}", status_code=303)


@router.post("/desk/issue")
@page_route
async def issue(request: Request) -> Response:
    """A number for a citizen without a card (the staff channel)."""
    site = site_of(request)
    session, form = await site.posted(request, DESK)
    issued = await site.node.submit_async(
        desk_actions.issue_for(form.get("service", ""), session))
    session.notice = (f"已取号 {issued['number']}", f"Issued {issued['number']}")
    return RedirectResponse(f"/desk/tickets/{issued['id']}", status_code=303)


@router.get("/desk/card")
async def card(request: Request, after: int = 0) -> Response:
    """For the page's poll: where to go once a card newer than swipe ``after`` was swiped
    at the session's desk (``{"go": …}``), else ``{}``; without a live session, the sign-in
    page (the desk's screen then shows it by itself)."""
    site = site_of(request)
    try:
        session = site.session_of(request, DESK, touch=False)
    except (SignInNeeded, QueueError):
        return JSONResponse({"go": "/staff/sign-in?next=/desk"}, status_code=200)
    swipe = _cards(request).latest(session.desk, site.node.clock().timestamp())
    if swipe is not None and swipe.number > after:
        return JSONResponse({"go": f"/desk/swipe/{swipe.number}"})
    return JSONResponse({})


@router.get("/desk/swipe/{number}")
@page_route
async def swiped(request: Request, number: int) -> Response:
    """The citizen whose card was just swiped at this desk: their tickets of today."""
    site = site_of(request)
    session = site.session_of(request, DESK)
    swipe = _cards(request).latest(session.desk, site.node.clock().timestamp())
    if swipe is None or swipe.number != number:
        session.notice = ("刷卡已过期，请重新刷卡", "That swipe has expired; swipe the card again")
        return RedirectResponse("/desk", status_code=303)
    tickets = site.node.read(lambda engine, now: [
        views.ticket_view(engine, t, now) for t in desk_actions.tickets_of(engine, swipe.id_hash)])
    return site.page(request, "desk_swipe.html", session, swipe=swipe, tickets=tickets)


def _cards(request: Request) -> DeskCards:
    return request.app.state.desk_cards
