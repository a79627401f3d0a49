"""The phone channel's routes (微信取号, ``/api/v1/phone/…``): the city's citizen app lists the
halls that serve an item from where the citizen is, takes a real-name number at the one
chosen, follows it, rates the finished service and cancels a waiting number. What a phone
ticket is, and how it is shown, is ``central/phone.py``'s."""

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from central import referrals
from central.api.dependencies import Caller, Cloud, Db, IdKey, Mail
from central.api.error_handlers import error_answers
from central.errors import CentralError
from central.phone import CANCELLED, person_of, phone_ticket, phone_view, require_phone, stored_id
from hall.bounds import WholeNumber
from hall.errors import ErrorCode

log = logging.getLogger("hallq.central.phone")

router = APIRouter()

#: The app's own id of a phone ticket, in a path.
TicketId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class PhoneRatingRequest(BaseModel):
    """POST /api/v1/phone/tickets/{id}/rating: the citizen rates the service (好差评)."""

    model_config = ConfigDict(extra="forbid")

    #: a whole number (``4`` or ``4.0``, an integer by the document's JSON Schema), nothing
    #: else coerced (``true`` would be 1 非常不满意, ``"5"`` a number); a rating once recorded
    #: cannot be changed.
    level: WholeNumber = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")


class PhoneTicketRequest(BaseModel):
    """POST /api/v1/phone/tickets: a citizen takes a number at the hall they chose."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$",
                    description="the app's own id for this request; repeating it is harmless")
    hall: str = Field(min_length=1, max_length=64)
    item: str = Field(min_length=1, max_length=32)
    id_number: str = Field(min_length=15, max_length=32,
                           description="the citizen's real-name ID number (never stored)")


@router.get("/api/v1/phone/halls", responses=error_answers(ErrorCode.UNKNOWN_SERVICE))
async def halls(who: Caller, service: Cloud,
                item: Annotated[str, Query(min_length=1, max_length=32)],
                lat: Annotated[float, Query(ge=-90, le=90)],
                lon: Annotated[float, Query(ge=-180, le=180)],
                limit: Annotated[int, Query(ge=1, le=20)] = 5) -> dict:
    """Halls that serve ``item`` by expected total time from the citizen's place (travel
    + wait), best first, with the figures."""
    require_phone(who)
    found = await run_in_threadpool(service.halls_for, item, lat, lon, limit)
    if not found and not any(item in c.items for c in service.configs.values()):
        raise CentralError(404, ErrorCode.UNKNOWN_SERVICE, "没有该业务",
                           f"No such service: {item}")
    return {"item": item, "halls": found, "at": service.clock()}


@router.post("/api/v1/phone/tickets", status_code=202, responses=error_answers(
    ErrorCode.INVALID_ID_NUMBER, ErrorCode.CONFLICT, ErrorCode.PHONE_UNAVAILABLE))
async def take(body: PhoneTicketRequest, who: Caller, db: Db, service: Cloud, mailbox: Mail,
               id_key: IdKey) -> dict:
    """Take a real-name number at the chosen hall (its answer follows within seconds:
    read the ticket until its status is no longer ``taking``)."""
    origin = require_phone(who)
    if id_key is None:
        raise CentralError(503, ErrorCode.PHONE_UNAVAILABLE,
                           "中心未配置证件密钥，暂不能手机取号",
                           "Central has no ID key (--id-key-file): no numbers by phone")
    await run_in_threadpool(service.refresh)
    config = service.configs.get(body.hall)
    today = datetime.fromtimestamp(service.clock(), config.timezone if config else None)
    person = person_of(body.id_number, id_key, today.date())
    refusal = service.refused_at(body.hall, body.item, anywhere_only=False)
    stored = stored_id(who, body.id)
    found, created = await run_in_threadpool(
        referrals.create, db, stored, origin, body.hall, body.item, refusal, None,
        None if refusal else person)
    if created and found["state"] == "pending":
        service.expect(stored, body.hall, body.item)
        mailbox.ring(body.hall)
    log.info("phone ticket %s for %s at %s: %s", stored, body.item, body.hall,
             found["state"])
    return await run_in_threadpool(phone_view, db, service, found, body.id)


@router.get("/api/v1/phone/tickets/{ticket_id}", responses=error_answers(ErrorCode.NOT_FOUND))
async def follow(ticket_id: TicketId, who: Caller, db: Db, service: Cloud) -> dict:
    """The ticket now: its number once issued, the people ahead and the expected wait,
    the window it is called to, and what to remind the citizen of."""
    origin = require_phone(who)
    found = await run_in_threadpool(phone_ticket, db, stored_id(who, ticket_id), origin)
    return await run_in_threadpool(phone_view, db, service, found, ticket_id)


@router.post("/api/v1/phone/tickets/{ticket_id}/rating", responses=error_answers(
    ErrorCode.NOT_FOUND, ErrorCode.BAD_STATE, ErrorCode.ALREADY_RATED, ErrorCode.BAD_RATING))
async def rate(ticket_id: TicketId, body: PhoneRatingRequest, who: Caller, db: Db,
               service: Cloud, mailbox: Mail) -> dict:
    """The citizen rates the finished service (好差评, five levels): kept until the hall
    has recorded it (``rating.state``: pending → done, or refused with the hall's
    reason, after which it may be given again)."""
    origin = require_phone(who)
    stored = stored_id(who, ticket_id)
    found = await run_in_threadpool(phone_ticket, db, stored, origin)
    now = await run_in_threadpool(phone_view, db, service, found, ticket_id)
    if now["status"] == "expired":
        given = now["rating"]
        if given and given["level"] == body.level and given["state"] != "refused":
            return now                                  # given before: a retry
        raise CentralError(409, ErrorCode.BAD_STATE, "该号码已过期，不能再评价",
                           "The number has expired (an earlier day's): it can no longer "
                           "be rated")
    if now["status"] != "finished":
        raise CentralError(409, ErrorCode.BAD_STATE, "办结后才能评价",
                           "Only a finished service can be rated")
    await run_in_threadpool(referrals.rate, db, stored, origin, body.level)
    mailbox.ring(found["hall"])
    log.info("phone ticket %s rated %d", stored, body.level)
    return await run_in_threadpool(phone_view, db, service, found, ticket_id)


@router.post("/api/v1/phone/tickets/{ticket_id}/cancel",
             responses=error_answers(ErrorCode.NOT_FOUND, ErrorCode.BAD_STATE))
async def cancel(ticket_id: TicketId, who: Caller, db: Db, service: Cloud, mailbox: Mail
                 ) -> dict:
    """The citizen gives the number up while it waits (or is still being taken); the
    hall cancels the ticket. Repeating it changes nothing."""
    origin = require_phone(who)
    stored = stored_id(who, ticket_id)
    found = await run_in_threadpool(phone_ticket, db, stored, origin)
    now = await run_in_threadpool(phone_view, db, service, found, ticket_id)
    if now["status"] == "expired":
        raise CentralError(409, ErrorCode.BAD_STATE, "该号码已过期，无需取消",
                           "The number has expired (an earlier day's): there is nothing "
                           "to cancel")
    if now["status"] in ("called", "booth", "no_show", "finished"):
        raise CentralError(409, ErrorCode.BAD_STATE, "只有等待中的号码可以取消",
                           "Only a waiting ticket can be cancelled")
    found = await run_in_threadpool(referrals.withdraw, db, stored, origin, None, CANCELLED)
    service.arrived(stored)
    if found["state"] == "cancelling":
        mailbox.ring(found["hall"])
    log.info("phone ticket %s cancelled: %s", stored, found["state"])
    return await run_in_threadpool(phone_view, db, service, found, ticket_id)
