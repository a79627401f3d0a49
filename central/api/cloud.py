"""Cloud calling's routes at central (云叫号, docs/cloud.md): an idle video window asks for
another hall's ticket (``/remote/choose``); the lease protocol's messages are relayed through
the halls' mailboxes (``/remote/messages``, which each hall's agent long-polls for its mail);
a citizen is referred to another hall (``/remote/referrals``, durable in
``central/referrals.py``); and a hall asks which halls to recommend (``/recommend``).

The mailboxes, the holds and which agents are there live in one worker: route
``/api/v1/remote/*``, ``/api/v1/recommend`` and ``/api/v1/phone/*`` to one of them.
"""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from central import referrals
from central.api.dependencies import Caller, Cloud, Db, Mail
from central.api.error_handlers import error_answers
from central.errors import bad_request, forbidden
from central.phone import PHONE_ID_PREFIX
from hall.errors import ErrorCode
from hall.protocol.bodies import ReferralError, ReferredPerson, ReferredTicket
from hall.protocol.messages import ANSWERS, REFUSED, is_phone, message_from_dict

router = APIRouter()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: The longest ``wait`` a hall may ask for (central waits at most ``max_wait_s`` of it).
MAX_WAIT_S = 300.0
_HALL = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


class ChooseRequest(_Body):
    """POST /api/v1/remote/choose: an idle video window asks for a ticket of another hall."""

    hall: str = _HALL
    window: str = Field(min_length=1, max_length=16)
    skills: list[str] = Field(min_length=1, max_length=32)


class MessagesBody(_Body):
    """POST /api/v1/remote/messages: lease protocol messages to relay."""

    #: each checked by ``hall.protocol.messages.message_from_dict``, as the home hall checks it
    messages: list[Any] = Field(max_length=1000)


class ReferralBody(_Body):
    """POST /api/v1/remote/referrals: a citizen sent from ``from_hall`` to ``hall`` (named by
    ``person`` when they showed an ID card)."""

    id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    item: str = Field(min_length=1, max_length=32)
    hall: str = _HALL
    from_hall: str = _HALL
    person: ReferredPerson | None = None


class ReferralResultBody(_Body):
    """POST /api/v1/remote/referrals/{id}/result: the chosen hall's ticket, or its refusal
    (exactly one)."""

    ticket: ReferredTicket | None = None
    error: ReferralError | None = None


class ReferralCancelledBody(_Body):
    """POST /api/v1/remote/referrals/{id}/cancelled: the ticket's status at the chosen hall
    after it was asked to cancel it (``cancelled``, or where it already was)."""

    status: str | None = Field(default=None, max_length=32)


class RatingRecordedBody(_Body):
    """POST /api/v1/remote/referrals/{id}/rated: the chosen hall recorded the citizen's
    rating, or refused it (``error``)."""

    error: ReferralError | None = None


def _public(referral: dict[str, Any]) -> dict[str, Any]:
    return {k: referral[k] for k in ("id", "item", "hall", "from_hall", "state", "ticket",
                                     "error")}


@router.post("/api/v1/remote/choose", response_model=None, responses={
    204: {"description": "nothing worth calling"}, **error_answers()})
async def choose(body: ChooseRequest, who: Caller, service: Cloud) -> dict | Response:
    """A ticket waiting at another hall for an idle video window (held for it), or 204."""
    who.require_hall(body.hall)
    found = await run_in_threadpool(service.choose, body.hall, body.skills)
    return found if found is not None else Response(status_code=204)


@router.post("/api/v1/remote/messages", status_code=202, responses=error_answers())
async def relay(body: MessagesBody, who: Caller, service: Cloud, mailbox: Mail) -> dict:
    """Lease messages into the mailbox of the hall each is addressed to: requests to the
    home hall, answers to the remote window's hall. A hall sends only its own."""
    try:
        parsed = [message_from_dict(m) for m in body.messages]
    except ValueError as err:
        raise bad_request(str(err), "租约消息格式有误") from None
    # every message is checked before any is acted on: a refusal changes nothing
    routed = []
    for msg in parsed:
        remote_hall = msg.remote.partition("/")[0]
        answer = msg.kind in ANSWERS
        sender, to = (msg.home, remote_hall) if answer else (remote_hall, msg.home)
        if not who.is_admin and sender != who.hall_id:
            raise forbidden("A hall may relay only its own windows' and leases' messages")
        routed.append((msg, to))
    await run_in_threadpool(service.refresh)    # knows the halls published since
    accepted = 0
    for msg, to in routed:
        if to not in service.configs:
            continue              # no such hall: nobody would ever take it
        if msg.kind == REFUSED and msg.ticket:
            service.unhold(msg.home, msg.ticket)
        mailbox.put(to, "messages", asdict(msg))
        accepted += 1
    return {"accepted": accepted, "dropped": len(parsed) - accepted}


@router.get("/api/v1/remote/messages", responses=error_answers())
async def inbox(request: Request, who: Caller, db: Db, service: Cloud, mailbox: Mail,
                hall: Annotated[str, Query(min_length=1, max_length=64)],
                wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, allow_inf_nan=False)] = 0.0,
                reissue: bool = False) -> dict:
    """The hall's mail: ``{"messages", "referrals", "referral_results", "cancellations",
    "ratings", "phone_actions"}`` (the last: citizens' cancels and ratings on the public
    phone page, ``central/phone_page.py``), waiting up to ``wait`` seconds (at most
    ``max_wait_s``) for some to arrive. ``reissue``: the hall issues each referral once, so
    one whose answer did not come back may be handed out again (``central/referrals.py``)."""
    who.require_hall(hall)

    async def kept() -> dict[str, list[dict[str, Any]]]:
        if not await run_in_threadpool(referrals.has_work, db, hall, None, reissue):
            return {}
        claimed = await run_in_threadpool(referrals.claim, db, hall, None, reissue)
        cancel = await run_in_threadpool(referrals.cancellations, db, hall, None, reissue)
        ratings = await run_in_threadpool(referrals.ratings_due, db, hall)
        return {"referrals": [{**_public(r), "person": r["person"]} for r in claimed],
                "cancellations": [_public(r) for r in cancel], "ratings": ratings}
    service.poll_started(hall)
    try:
        return await mailbox.collect(hall, min(wait, service.settings.max_wait_s), kept,
                                     request.is_disconnected)
    finally:
        service.poll_ended(hall)


@router.post("/api/v1/remote/referrals", status_code=202,
             responses=error_answers(ErrorCode.CONFLICT))
async def refer(body: ReferralBody, who: Caller, db: Db, service: Cloud, mailbox: Mail
                ) -> dict:
    """A citizen at ``from_hall``'s kiosk chose ``hall`` for a 通办 item: stored (once),
    relayed to the chosen hall's agent. Posting it again answers its current state."""
    if body.id.startswith(PHONE_ID_PREFIX):
        raise bad_request(
            f"A referral id may not start with {PHONE_ID_PREFIX!r} (kept for numbers "
            "taken by phone)", f"转介编号不能以 {PHONE_ID_PREFIX} 开头（为手机取号保留）")
    who.require_hall(body.from_hall)
    await run_in_threadpool(service.refresh)
    refusal = service.refused_at(body.hall, body.item) if body.hall != body.from_hall \
        else referrals.error(ErrorCode.BAD_REQUEST, "请选择其他大厅", "Choose another hall")
    person = body.person.model_dump() if body.person else None
    found, created = await run_in_threadpool(referrals.create, db, body.id, body.from_hall,
                                             body.hall, body.item, refusal, None, person)
    if created and found["state"] == "pending":
        service.expect(body.id, body.hall, body.item)
        mailbox.ring(body.hall)
    return _public(found)


@router.get("/api/v1/remote/referrals/{referral_id}",
            responses=error_answers(ErrorCode.NOT_FOUND))
async def referral(referral_id: str, who: Caller, db: Db) -> dict:
    """A referral's state (the referring hall, the chosen hall or an admin)."""
    found = await run_in_threadpool(referrals.get, db, referral_id)
    if not (who.is_admin or who.hall_id in (found["hall"], found["from_hall"])):
        raise forbidden()
    return _public(found)


@router.post("/api/v1/remote/referrals/{referral_id}/result",
             responses=error_answers(ErrorCode.NOT_FOUND))
async def referral_result(referral_id: str, body: ReferralResultBody, who: Caller, db: Db,
                          service: Cloud, mailbox: Mail) -> dict:
    """The chosen hall issued the referred ticket (or refused): relayed to the referring
    hall's agent. A repeated answer changes nothing."""
    found, changed = await run_in_threadpool(
        referrals.set_result, db, referral_id, None if who.is_admin else who.hall_id,
        body.ticket.model_dump(exclude_unset=True) if body.ticket else None,
        body.error.model_dump() if body.error else None)
    if changed:
        service.arrived(referral_id)
        if found["state"] in ("issued", "refused") and not is_phone(found["from_hall"]):
            mailbox.put(found["from_hall"], "referral_results", _public(found))
        elif found["state"] == "cancelling":
            mailbox.ring(found["hall"])     # issued for a citizen who went: cancel it
    return _public(found)


@router.post("/api/v1/remote/referrals/{referral_id}/withdraw",
             responses=error_answers(ErrorCode.NOT_FOUND))
async def withdraw(referral_id: str, who: Caller, db: Db, service: Cloud, mailbox: Mail
                   ) -> dict:
    """The referring hall gave the citizen up (they took a number there): nothing is
    issued any more, and a ticket already issued is cancelled at the chosen hall."""
    found = await run_in_threadpool(referrals.withdraw, db, referral_id,
                                    None if who.is_admin else who.hall_id)
    service.arrived(referral_id)
    if found["state"] == "cancelling":
        mailbox.ring(found["hall"])
    return _public(found)


@router.post("/api/v1/remote/referrals/{referral_id}/cancelled",
             responses=error_answers(ErrorCode.NOT_FOUND))
async def cancelled(referral_id: str, who: Caller, db: Db,
                    body: ReferralCancelledBody | None = None) -> dict:
    """The chosen hall cancelled the ticket of a withdrawn referral (or it no longer
    waited: ``status`` says where it is)."""
    return _public(await run_in_threadpool(
        referrals.cancelled, db, referral_id, None if who.is_admin else who.hall_id,
        None, body.status if body else None))


@router.post("/api/v1/remote/referrals/{referral_id}/rated",
             responses=error_answers(ErrorCode.NOT_FOUND))
async def rated(referral_id: str, body: RatingRecordedBody, who: Caller, db: Db) -> dict:
    """The chosen hall recorded the rating given on the phone (or refused it, why)."""
    return await run_in_threadpool(referrals.rating_recorded, db, referral_id,
                                   None if who.is_admin else who.hall_id,
                                   body.error.model_dump() if body.error else None)


@router.get("/api/v1/recommend",
            responses=error_answers(ErrorCode.NOT_FOUND, ErrorCode.UNKNOWN_SERVICE))
async def recommend_halls(who: Caller, service: Cloud,
                          origin: Annotated[str, Query(min_length=1, max_length=64)],
                          item: Annotated[str | None, Query(max_length=32)] = None,
                          limit: Annotated[int, Query(ge=1, le=50)] = 5) -> dict:
    """Halls by expected total time (travel + wait) for an item, or for every 通办 item
    of the origin's catalog (``{"items": {code: [...]}}``)."""
    who.require_hall(origin)
    found = await run_in_threadpool(service.recommend, origin, item, limit)
    at = service.clock()
    if item is not None:
        return {"origin": origin, "item": item, "halls": found[item], "at": at}
    return {"origin": origin, "items": found, "at": at}
