"""The citizen's public phone page at central (``/p/{hall}/{token}``: the page, its stream of
server-sent events, the citizen's cancel and rating) and the route by which a hall's sync agent
hands central the hall's public link key. What the page shows, and how it is checked, is
``central/phone_page.py``'s; the page itself ``hall/web_phone/``'s."""

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from central.api.dependencies import ID_FIELD, Caller, Cloud, Mail
from central.api.error_handlers import error_answers
from central.city import CityService
from central.errors import CentralError
from central.phone_page import ACTIONS_KIND, HallBells, PhoneKeys, page_state
from hall.bounds import WholeNumber
from hall.errors import ErrorCode
from hall.web_phone.render import HEADERS, missing_page, ticket_page
from hall.web_phone.state import PING_EVENT, PING_S, PhoneState, event_id, state_event

log = logging.getLogger("hallq.central.phone_page")

router = APIRouter()

HallId = Annotated[str, Path(min_length=1, max_length=64,
                             pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
Token = Annotated[str, Path(min_length=1, max_length=120)]
#: Statuses after which the page has nothing more to follow.
_OVER = frozenset({"cancelled", "expired"})
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {
    "description": "no such ticket, or not a link the hall made: a page that says so",
    "content": {"text/html": {}}}}
_STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


async def phone_keys(request: Request) -> PhoneKeys:
    """The halls' public link keys."""
    keys: PhoneKeys = request.app.state.phone_keys
    return keys


async def hall_bells(request: Request) -> HallBells:
    """The bells the open pages of each hall wait on."""
    bells: HallBells = request.app.state.phone_bells
    return bells


Keys = Annotated[PhoneKeys, Depends(phone_keys)]
Bells = Annotated[HallBells, Depends(hall_bells)]


class PhoneKeyRequest(BaseModel):
    """PUT /api/v1/halls/{hall}/phone-key: the hall's public link key (hex)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[0-9a-f]{64}$", description="32 bytes, hex")


class PageRatingRequest(BaseModel):
    """POST /p/{hall}/{token}/rating: the citizen rates the service (好差评)."""

    model_config = ConfigDict(extra="forbid")

    level: WholeNumber = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")


class PageCancelRequest(BaseModel):
    """POST /p/{hall}/{token}/cancel: nothing to say (the token names the ticket)."""

    model_config = ConfigDict(extra="forbid")


@router.put("/api/v1/halls/{hall_id}/phone-key", status_code=204,
            responses=error_answers())
async def put_phone_key(hall_id: Annotated[str, ID_FIELD], body: PhoneKeyRequest,
                        who: Caller, keys: Keys) -> None:
    """The hall's public link key, from its sync agent (on every start): central checks the
    tokens of the hall's public phone pages with it."""
    who.require_hall(hall_id)
    await run_in_threadpool(keys.store, hall_id, bytes.fromhex(body.key))
    log.info("phone link key of %s stored", hall_id)


async def _ticket(keys: PhoneKeys, hall_id: str, token: str) -> str | None:
    return await run_in_threadpool(keys.ticket_of, hall_id, token)


async def _known(keys: PhoneKeys, hall_id: str, token: str) -> str:
    ticket_id = await _ticket(keys, hall_id, token)
    if ticket_id is None:
        raise CentralError(404, ErrorCode.NOT_FOUND, "没有该号码", "No such ticket")
    return ticket_id


@router.get("/p/{hall_id}/{token}", response_class=HTMLResponse,
            responses={**_NOT_FOUND, **error_answers(credential=False)})
async def public_page(hall_id: HallId, token: Token, keys: Keys, service: Cloud
                      ) -> HTMLResponse:
    """The ticket's phone page (the QR code on the ticket): status, people ahead, wait, live;
    the same "not found" page for an unknown hall, a wrong token and a bare id."""
    ticket_id = await _ticket(keys, hall_id, token)
    if ticket_id is None:
        return HTMLResponse(missing_page(), status_code=404, headers=HEADERS)
    return HTMLResponse(ticket_page(page_state(service, hall_id, ticket_id)), headers=HEADERS)


@router.get("/p/{hall_id}/{token}/events", responses={
    200: {"description": "server-sent events: ``state`` (a PhoneState) and ``ping``",
          "content": {"text/event-stream": {}}},
    **error_answers(ErrorCode.NOT_FOUND, credential=False)})
async def public_events(hall_id: HallId, token: Token, keys: Keys, service: Cloud,
                        bells: Bells, last: Annotated[str | None, Query(max_length=32)] = None
                        ) -> StreamingResponse:
    """The ticket's state as it changes (``last``: the id of the last event the page had;
    it is sent again only once the ticket changed), with a ``ping`` every ``PING_S``."""
    ticket_id = await _known(keys, hall_id, token)
    return StreamingResponse(follow(service, bells, hall_id, ticket_id, last),
                             media_type="text/event-stream", headers=_STREAM_HEADERS)


async def follow(service: CityService, bells: HallBells, hall_id: str, ticket_id: str,
                 last: str | None) -> AsyncIterator[str]:
    """The stream of one page: its state again after each batch of the hall's events that
    changed it."""
    sent = last
    while True:
        bell = bells.bell(hall_id)
        state = page_state(service, hall_id, ticket_id)
        if event_id(state) != sent:
            sent = event_id(state)
            yield state_event(state)
        if state["status"] in _OVER:
            return
        try:
            async with asyncio.timeout(PING_S):     # no task of its own, unlike wait_for
                await bell.wait()
        except TimeoutError:
            yield PING_EVENT


@router.post("/p/{hall_id}/{token}/cancel", responses=error_answers(
    ErrorCode.NOT_FOUND, ErrorCode.BAD_STATE, ErrorCode.HALL_OFFLINE, credential=False))
async def public_cancel(hall_id: HallId, token: Token, keys: Keys, service: Cloud,
                        mailbox: Mail, body: PageCancelRequest | None = None) -> JSONResponse:
    """The citizen gives up the waiting number: sent to the hall (its agent's mail); the page
    sees it cancelled once the hall's event arrives."""
    ticket_id = await _known(keys, hall_id, token)
    state = page_state(service, hall_id, ticket_id)
    if state["status"] not in ("waiting", "pending"):
        raise CentralError(409, ErrorCode.BAD_STATE, "只有等待中的号码可以放弃",
                           "Only a waiting number can be given up")
    _to_hall(service, mailbox, hall_id, {"token": token, "action": "cancel"})
    return _answer(state)


@router.post("/p/{hall_id}/{token}/rating", responses=error_answers(
    ErrorCode.NOT_FOUND, ErrorCode.BAD_STATE, ErrorCode.ALREADY_RATED, ErrorCode.HALL_OFFLINE,
    credential=False))
async def public_rating(hall_id: HallId, token: Token, body: PageRatingRequest, keys: Keys,
                        service: Cloud, mailbox: Mail) -> JSONResponse:
    """The citizen rates the finished service (好差评): sent to the hall, which records it
    once; the page shows it once the hall's event arrives."""
    ticket_id = await _known(keys, hall_id, token)
    state = page_state(service, hall_id, ticket_id)
    if state["status"] != "finished":
        raise CentralError(409, ErrorCode.BAD_STATE, "办结后才能评价",
                           "Only a finished service can be rated")
    if state["rating"] is not None:
        raise CentralError(409, ErrorCode.ALREADY_RATED, "已经评价过了",
                           "The service was already rated")
    _to_hall(service, mailbox, hall_id,
             {"token": token, "action": "rating", "level": body.level})
    return _answer(state)


def _to_hall(service: CityService, mailbox: Any, hall_id: str, action: dict[str, Any]) -> None:
    """Leave the citizen's action for the hall's agent; 503 when the agent is not there."""
    if not service.reachable(hall_id):
        raise CentralError(503, ErrorCode.HALL_OFFLINE,
                           "大厅暂时无法联系，请稍后再试，或到大厅服务台办理",
                           "The hall cannot be reached now; retry, or ask at the hall's "
                           "service desk")
    mailbox.put(hall_id, ACTIONS_KIND, action)
    log.info("phone page %s at %s", action["action"], hall_id)


def _answer(state: PhoneState) -> JSONResponse:
    return JSONResponse(state, headers={"Cache-Control": "no-store"})
