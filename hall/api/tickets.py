"""Tickets: taking a number (取号), reading one, and what a citizen or staff does with it —
rating the service, checking in again after a no-show, giving up, the green channel.

Who may act on which ticket (``PERMISSIONS`` in :mod:`hall.api.dependencies` says which roles
may call each route at all): the service desk, the supervisor and admin on any ticket of the
hall; a window's console only on a ticket at its own window (called or served there, or
waiting after a transfer to it); a kiosk cancels only a ticket it took, with the
``cancel_token`` that ``POST /api/v1/tickets`` answered to it (:mod:`hall.links`). Anything
else is the 403 ``forbidden`` answer, and nothing changes.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import Field, Strict

from hall import links, views
from hall.api.dependencies import PERMISSIONS, Body, Device, Node, allow, error_answers, run
from hall.bounds import WholeNumber
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError, not_found
from hall.node import HallNode, Operation
from hall.schemas import TicketBody
from hall.state import Ticket, TicketStatus
from hall.store import PairedDevice

router = APIRouter()

#: What taking a number may be refused with (``Engine.issue``).
ISSUE_ERRORS = (ErrorCode.UNKNOWN_SERVICE, ErrorCode.BAD_CHANNEL, ErrorCode.CLOSED,
                ErrorCode.CUTOFF, ErrorCode.QUOTA_REACHED, ErrorCode.INVALID_ID_NUMBER,
                ErrorCode.ID_LIMIT_REACHED, ErrorCode.UNKNOWN_APPOINTMENT,
                ErrorCode.APPOINTMENT_USED, ErrorCode.APPOINTMENT_MISMATCH)
#: What rating a service may be refused with (``Engine.rate``).
RATE_ERRORS = (ErrorCode.UNKNOWN_TICKET, ErrorCode.BAD_RATING, ErrorCode.BAD_STATE,
               ErrorCode.ALREADY_RATED)


class TicketRequest(Body):
    """POST /api/v1/tickets."""

    service: str = Field(min_length=1, max_length=32, description="theme prefix or item code")
    id_number: str | None = Field(None, max_length=32, description="resident ID number")
    channel: Literal["kiosk", "appointment", "phone", "staff", "referral"] = "kiosk"
    appointment_id: str | None = Field(None, max_length=64)


class RatingRequest(Body):
    """POST /api/v1/tickets/{id}/rating."""

    #: a whole number (``4`` or ``4.0``, an integer by the document's JSON Schema), never
    #: ``true`` (1 非常不满意) or ``"5"``
    level: WholeNumber = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")


class CancelRequest(Body):
    """POST /api/v1/tickets/{id}/cancel (the body may be left out by staff)."""

    cancel_token: str | None = Field(None, max_length=64,
                                     description="what taking the number answered (a kiosk)")


class GreenRequest(Body):
    """POST /api/v1/tickets/{id}/green."""

    green: Annotated[bool, Strict()] = True       # true or false, not 1 or "yes"


@router.get("/api/v1/tickets/{ticket_id}",
            responses=error_answers(ErrorCode.UNKNOWN_TICKET))
async def get_ticket(ticket_id: str, device: Device, node: Node) -> Response:
    """A ticket's status and position."""
    allow(device, "read")
    return JSONResponse(ticket_or_404(node, ticket_id))


@router.post("/api/v1/tickets", status_code=201, responses=error_answers(*ISSUE_ERRORS))
async def issue(body: TicketRequest, device: Device, node: Node) -> Response:
    """Take a number (取号). The answer, to this device only, has the ticket's
    ``cancel_token``: a kiosk gives the number back with it (``…/cancel``)."""
    allow(device, "issue")
    return await run(node, issue_operation(body, device.name), 201)


@router.post("/api/v1/tickets/{ticket_id}/rating", responses=error_answers(*RATE_ERRORS))
async def rate(ticket_id: str, body: RatingRequest, device: Device, node: Node) -> Response:
    """Rate a finished service on five levels."""
    allow(device, "rate")
    return await run(node, ticket_operation(ticket_id, "rate", body.level))


@router.post("/api/v1/tickets/{ticket_id}/recheck-in", responses=error_answers(
    ErrorCode.UNKNOWN_TICKET, ErrorCode.BAD_STATE, ErrorCode.RECHECKIN_LIMIT))
async def recheck_in(ticket_id: str, device: Device, node: Node) -> Response:
    """A no-show checks in again and goes a few places back: at the service desk (any
    ticket), or at the window that marked it a no-show (its console, that ticket only: the
    citizen comes back to where they were called, and small halls have no desk). A kiosk may
    not: ids are guessable, and the desk sees the citizen before putting them back in line."""
    allow(device, "recheck_in")
    return await run(node, ticket_operation(ticket_id, "recheck_in", guard=device))


@router.post("/api/v1/tickets/{ticket_id}/cancel",
             responses=error_answers(ErrorCode.UNKNOWN_TICKET, ErrorCode.BAD_STATE))
async def cancel(ticket_id: str, device: Device, node: Node,
                 body: CancelRequest | None = None) -> Response:
    """Give up a waiting ticket: a kiosk with the ticket's ``cancel_token`` (one it took), a
    console for a ticket at its window, the desk or the supervisor for any."""
    allow(device, "cancel")
    token = body.cancel_token if body else None
    if links.may_cancel(node.link_key, device.name, ticket_id, token):
        return await run(node, ticket_operation(ticket_id, "cancel"))
    if device.role == "kiosk":
        raise QueueError(ErrorCode.FORBIDDEN, "只能取消本机刚取的号码",
                         "A kiosk cancels only a ticket it took, with its cancel token",
                         status=403)
    return await run(node, ticket_operation(ticket_id, "cancel", guard=device))


@router.post("/api/v1/tickets/{ticket_id}/green",
             responses=error_answers(ErrorCode.UNKNOWN_TICKET, ErrorCode.BAD_STATE))
async def green(ticket_id: str, body: GreenRequest, device: Device, node: Node) -> Response:
    """Put a waiting ticket on (or off) the green channel: the desk or the supervisor for any
    ticket, a console only for one transferred to its window."""
    allow(device, "green")
    return await run(node, ticket_operation(ticket_id, "set_green", body.green, guard=device))


def issue_operation(body: TicketRequest, device: str) -> Operation:
    """The node operation of ``POST /api/v1/tickets`` from the device named ``device``: the
    ticket, people ahead and wait, and its cancel token."""
    def operation(engine: Engine, now: datetime) -> tuple[TicketBody, list]:
        issued, events = engine.issue(body.service, now, id_number=body.id_number,
                                      channel=body.channel,
                                      appointment_id=body.appointment_id)
        view = views.ticket_view(engine, issued.ticket, now, issued.ahead)
        view["cancel_token"] = links.cancel_token(engine.link_key, device, issued.ticket.id)
        return view, events
    return operation


def ticket_operation(ticket_id: str, method: str, *args: Any,
                     guard: PairedDevice | None = None) -> Operation:
    """The node operation of ``POST /api/v1/tickets/{ticket_id}/…``: ``Engine.<method>`` and
    the ticket it leaves; with ``guard``, first a 403 unless that device may act on the
    ticket (:func:`check_at_window`), in the same step as the change."""
    def operation(engine: Engine, now: datetime) -> tuple[TicketBody, list]:
        if guard is not None:
            check_at_window(guard, engine.ticket(ticket_id))
        ticket, events = getattr(engine, method)(ticket_id, *args, now) if method == "rate" \
            else getattr(engine, method)(ticket_id, now, *args)
        return views.ticket_view(engine, ticket, now), events
    return operation


def check_at_window(device: PairedDevice, ticket: Ticket) -> None:
    """A 403 unless ``device`` may act on any ticket, or is the console of the window the
    ticket is at (called or served there; while it waits, transferred to it)."""
    if device.role in PERMISSIONS["any_ticket"]:
        return
    at = ticket.to_window if ticket.status is TicketStatus.WAITING else ticket.window
    if device.role != "caller" or device.window is None or at != device.window:
        raise QueueError(ErrorCode.FORBIDDEN, "只能操作本窗口的号码",
                         f"This console acts only on tickets at window {device.window}"
                         if device.role == "caller" else
                         f"A {device.role} device may not do this", status=403)


def ticket_or_404(node: HallNode, ticket_id: str) -> TicketBody:
    """A ticket as ``GET /api/v1/tickets/{ticket_id}`` shows it, today's or an older one; a
    404 QueueError when there is none."""
    def read(engine: Engine, now: datetime) -> TicketBody | None:
        ticket = engine.state.tickets.get(ticket_id)
        return views.ticket_view(engine, ticket, now) if ticket else None
    found = node.read(read)
    if found is None:
        old = node.store.find_ticket(ticket_id)
        if old is None:
            raise not_found(ErrorCode.UNKNOWN_TICKET, "票号", "Ticket")
        found = node.read(lambda engine, now: views.ticket_view(engine, old, now))
    return found
