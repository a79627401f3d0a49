"""The ticket's phone page on the hall's LAN (``/t/{token}``, the QR code on the ticket when the
hall has no public address): the page of ``hall/web_phone/``, live by server-sent events
(``/t/{token}/events``), with the citizen's cancel and rating; no device token needed.

The link token is the ticket id and a mac under the hall's link key, or under its public
link key (:mod:`hall.links`): a bare ticket id, a token with a wrong mac and a ticket that does
not exist get the same "not found" page, and the same 404 for the stream and the actions."""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from pydantic import Field

from hall import links, views
from hall.api.dependencies import Body, Device, Hub, Node, allow, error_answers, run
from hall.api.tickets import RATE_ERRORS, RatingRequest, ticket_operation
from hall.bounds import WholeNumber
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError
from hall.hub import EventHub, Subscription
from hall.node import HallNode
from hall.web_phone.render import HEADERS, missing_page, ticket_page
from hall.web_phone.state import (
    PING_EVENT,
    PING_S,
    PhoneState,
    event_id,
    hall_state,
    state_event,
)

router = APIRouter()

#: Statuses after which the page has nothing more to follow.
_OVER = frozenset({"cancelled", "expired"})
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {
    "description": "no such ticket, or not a link the hall made: a page that says so",
    "content": {"text/html": {}}}}
#: The stream's headers: not cached, not buffered by a proxy.
STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


class EmptyRequest(Body):
    """POST /t/{token}/cancel: nothing to say (the token names the ticket)."""


def _ticket_id(node: HallNode, token: str) -> str:
    ticket_id = links.ticket_of_any(node.link_key, token)
    if ticket_id is None:
        raise QueueError(ErrorCode.UNKNOWN_TICKET, "票号不存在", "No such ticket", status=404)
    return ticket_id


def phone_state(node: HallNode, ticket_id: str) -> PhoneState | None:
    """The page's state of a ticket of today, or (``expired``) of an earlier day; None when
    the hall has no such ticket."""
    def today(engine: Engine, now: datetime) -> PhoneState | None:
        ticket = engine.state.tickets.get(ticket_id)
        if ticket is None:
            return None
        return hall_state(views.ticket_view(engine, ticket, now), engine.config)

    found = node.read(today)
    if found is not None:
        return found
    old = node.store.find_ticket(ticket_id)
    if old is None:
        return None
    return node.read(lambda engine, now: hall_state(views.ticket_view(engine, old, now),
                                                    engine.config, expired=True))


@router.get("/t/{token}", response_class=HTMLResponse,
            responses={**_NOT_FOUND, **error_answers(token=False)})
async def phone_page(token: str, node: Node) -> HTMLResponse:
    """The ticket's phone page: status, people ahead, wait, live."""
    ticket_id = links.ticket_of_any(node.link_key, token)
    state = phone_state(node, ticket_id) if ticket_id is not None else None
    if state is None:      # the same page whether the mac or the ticket was wrong
        return HTMLResponse(missing_page(), status_code=404, headers=HEADERS)
    return HTMLResponse(ticket_page(state), headers=HEADERS)


@router.get("/t/{token}/events", responses={
    200: {"description": "server-sent events: ``state`` (a PhoneState) and ``ping``",
          "content": {"text/event-stream": {}}},
    **error_answers(ErrorCode.UNKNOWN_TICKET, token=False)})
async def phone_events(token: str, node: Node, hub: Hub,
                       last: str | None = Query(None, max_length=32)) -> StreamingResponse:
    """The ticket's state as it changes (``last``: the id of the last event the page had;
    it is sent again only once the ticket changed), with a ``ping`` every ``PING_S``."""
    ticket_id = _ticket_id(node, token)
    if phone_state(node, ticket_id) is None:
        raise QueueError(ErrorCode.UNKNOWN_TICKET, "票号不存在", "No such ticket", status=404)
    return StreamingResponse(_follow(node, hub, ticket_id, last),
                             media_type="text/event-stream", headers=STREAM_HEADERS)


async def _follow(node: HallNode, hub: EventHub, ticket_id: str, last: str | None
                  ) -> AsyncIterator[str]:
    """The stream of one page: its state again after each batch of the hall's events that
    changed it (anyone's call moves the people ahead)."""
    subscription: Subscription = hub.subscribe()
    sent = last
    try:
        while True:
            state = phone_state(node, ticket_id)
            if state is None:
                return
            if event_id(state) != sent:
                sent = event_id(state)
                yield state_event(state)
            if state["status"] in _OVER:
                return
            try:
                async with asyncio.timeout(PING_S):
                    await subscription.wait()
            except TimeoutError:
                yield PING_EVENT
                continue
            subscription.pending.clear()
            if subscription.overflowed:          # dropped by the hub: follow afresh
                subscription = hub.subscribe()
    finally:
        hub.unsubscribe(subscription)


@router.post("/t/{token}/cancel", responses=error_answers(
    ErrorCode.UNKNOWN_TICKET, ErrorCode.BAD_STATE, token=False))
async def phone_cancel(token: str, node: Node, body: EmptyRequest | None = None
                       ) -> JSONResponse:
    """The citizen gives up the waiting number: the page's new state."""
    ticket_id = _ticket_id(node, token)
    await run(node, ticket_operation(ticket_id, "cancel"))
    return _answer(node, ticket_id)


@router.post("/t/{token}/rating", responses=error_answers(*RATE_ERRORS, token=False))
async def phone_rating(token: str, body: RatingRequest, node: Node) -> JSONResponse:
    """The citizen rates the finished service (好差评, five levels): the page's new state."""
    ticket_id = _ticket_id(node, token)
    await run(node, ticket_operation(ticket_id, "rate", body.level))
    return _answer(node, ticket_id)


class PhoneActionRequest(Body):
    """POST /api/v1/sync/phone-actions: a citizen's cancel or rating on central's public page,
    with the token of the page (the sync agent relays it)."""

    token: str = Field(min_length=1, max_length=120)
    action: str = Field(pattern="^(cancel|rating)$")
    level: WholeNumber | None = Field(None, ge=1, le=5)


@router.get("/api/v1/sync/phone-key", responses=error_answers())
async def phone_key(device: Device, node: Node) -> dict[str, str]:
    """The hall's public link key (hex), for its sync agent to hand to central, which checks
    the tokens of the hall's public phone pages with it (:mod:`hall.links`)."""
    allow(device, "relay")
    return {"hall_id": node.config.hall_id, "key": links.public_key(node.link_key).hex()}


@router.post("/api/v1/sync/phone-actions", responses=error_answers(*RATE_ERRORS))
async def phone_action(body: PhoneActionRequest, device: Device, node: Node) -> JSONResponse:
    """A citizen's cancel or rating on central's public phone page, relayed by the sync
    agent: done as on the LAN page, for a token the hall made."""
    allow(device, "relay")
    ticket_id = _ticket_id(node, body.token)
    if body.action == "cancel":
        await run(node, ticket_operation(ticket_id, "cancel"))
    else:
        if body.level is None:
            raise QueueError(ErrorCode.BAD_RATING, "评价等级应为 1 到 5",
                             "A rating needs a level from 1 to 5", 422)
        await run(node, ticket_operation(ticket_id, "rate", body.level))
    return _answer(node, ticket_id)


def _answer(node: HallNode, ticket_id: str) -> JSONResponse:
    state = phone_state(node, ticket_id)
    if state is None:
        raise QueueError(ErrorCode.UNKNOWN_TICKET, "票号不存在", "No such ticket", status=404)
    return JSONResponse(state, headers={"Cache-Control": "no-store"})
