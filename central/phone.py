"""Taking a number by phone (微信取号) through central: the city's citizen app (its server, with
a ``phone`` credential from ``hallq central add-phone``) lists the halls that serve an item by
expected total time — travel from where the citizen is plus the wait there — takes a real-name
number at the hall the citizen chose, follows it ("your turn is near", the call), cancels it,
and rates the service once it is finished (好差评).

A phone ticket is a referral (``central/referrals.py``) whose referring side is the app's
credential (``phone:<credential id>``): the chosen hall's sync agent claims it once and issues
it through its hall node (channel ``phone``). So what referrals guarantee holds here too: it is
issued at most once whatever is repeated, a hall that does not answer refuses it within
``referrals.PENDING_S``, and a cancellation withdraws it — the hall cancels a ticket it already
issued; a rating waits at central until the hall's agent has recorded it there. The ID
number is turned at once into the keyed hash under the city's key (the halls'
``--id-key-file``), the masked number and the age, as a kiosk's hall node does for a referral;
the number itself is never stored or logged. Without the key no number is taken by phone.

Progress comes from the hall's events as central follows them in memory
(``CityService.phone_progress``; no database read): the ticket's call (to a window, or to the
video booth when another hall's window serves it) or its end, and the people ahead in its line
as the hall calls them (green channel, appointments within their slot, the elderly, then
arrival order).

A ticket is valid on its day at the hall (its id starts with the hall's local day,
``YYYYMMDD-``): at the hall's midnight the hall expires what is still open and central
forgets the day's progress, so a ticket of an earlier day is ``expired`` — a final status,
whatever became of it — and can no longer be cancelled or rated (the hall knows only its
current day's tickets, so it could not record a rating of an earlier day's either).
"""

import logging
import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from central import referrals
from central.auth import Principal
from central.cloud import PHONE_ID_PREFIX, CityService, Mailbox
from central.db import Database
from central.errors import CentralError
from hall import idnumber
from hall.protocol import PHONE_PREFIX

log = logging.getLogger("hallq.central.phone")

#: The paths a phone credential may use.
PHONE_PATHS = ("/api/v1/phone/", "/api/v1/whoami")
#: "Your turn is near" when at most this many people are ahead.
NEAR_AHEAD = 3
#: A phone ticket's status by its referral's state (``waiting`` is refined by its progress).
STATUS = {"pending": "taking", "claimed": "taking", "issued": "waiting", "refused": "refused",
          "withdrawing": "cancelled", "cancelling": "cancelled", "withdrawn": "cancelled"}
CANCELLED = referrals.error("cancelled", "已取消", "Cancelled by the citizen")
#: Why a ticket of an earlier day at its hall is ``expired`` (shown as its ``error``).
EXPIRED = referrals.error("expired", "该号码已过期（仅限取号当日有效）",
                          "This number has expired (it is valid only on the day it was taken)")
#: Refusals whose words (meant for a kiosk: "take a number here") a phone shows its own way.
_PHONE_WORDS = {
    "hall_unavailable": ("该大厅暂时无法取号，请稍后再试或选择其他大厅",
                         "The hall cannot issue a number now; retry or choose another hall"),
    "unreachable": ("该大厅暂时无法联系，请稍后再试或选择其他大厅",
                    "The hall cannot be reached now; retry or choose another hall"),
    "referral_lost": ("取号未能完成，请重新取号", "The number could not be taken; try again")}

TicketId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


class PhoneRatingRequest(BaseModel):
    """POST /api/v1/phone/tickets/{id}/rating: the citizen rates the service (好差评)."""

    model_config = ConfigDict(extra="forbid")

    #: strict: an integer, nothing coerced (``true`` would be 1 非常不满意, ``"5"`` or ``4.0`` an
    #: integer), and a rating once recorded cannot be changed.
    level: int = Field(ge=1, le=5, strict=True, description="5 非常满意 … 1 非常不满意")


class PhoneTicketRequest(BaseModel):
    """POST /api/v1/phone/tickets: a citizen takes a number at the hall they chose."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$",
                    description="the app's own id for this request; repeating it is harmless")
    hall: str = Field(min_length=1, max_length=64)
    item: str = Field(min_length=1, max_length=32)
    id_number: str = Field(min_length=15, max_length=32,
                           description="the citizen's real-name ID number (never stored)")


def _require_phone(who: Principal) -> str:
    """The referring side of the phone credential's tickets (403 for any other credential)."""
    if not who.is_phone:
        raise CentralError(403, "forbidden", "只有手机取号渠道可以使用",
                           "Only a phone channel credential may do this")
    return f"{PHONE_PREFIX}{who.credential_id}"


def _stored_id(who: Principal, ticket_id: str) -> str:
    return f"{PHONE_ID_PREFIX}{who.credential_id}-{ticket_id}"


def _phone_ticket(db: Database, stored: str, origin: str) -> dict[str, Any]:
    """The referral behind a phone ticket taken with the credential whose tickets' referring
    side is ``origin``; 404 in a phone's words — also for a referral of that id someone else
    made (no hall may make one: ``central.cloud.PHONE_ID_PREFIX``)."""
    try:
        found = referrals.get(db, stored)
    except CentralError as err:
        if err.status != 404:
            raise
        found = None
    if found is None or found["from_hall"] != origin:
        raise CentralError(404, "not_found", "没有该号码", "No such ticket")
    return found


def _count(value: Any) -> int | None:
    """A count of people as stored (``ahead``): an integer ≥ 0, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else None


def person_of(id_number: str, key: bytes, today: date) -> dict[str, Any]:
    """The citizen as the chosen hall is told (hash, masked number, age); 422 when the number
    is not a valid resident ID number."""
    try:
        id_hash, id_masked, age = idnumber.identify(id_number, key, today)
    except idnumber.InvalidIdNumber as err:
        raise CentralError(422, "invalid_id_number", f"身份证号码无效：{err.message_zh}，请核对",
                           f"Invalid ID number: {err}") from None
    return {"id_hash": id_hash, "id_masked": id_masked, "age": age}


_TICKET_DAY = re.compile(r"^(\d{8})-")


def _expired(service: CityService, hall: str, ticket_id: str) -> bool:
    """Whether a ticket issued at ``hall`` is of a day before the hall's current one (its id
    starts with its local day, ``hall.engine.Engine.issue``). The hall's day is that of
    central's clock in the hall's time zone, or the day central already follows there if
    later (the hall's clock a little ahead of central's at midnight); without the hall's
    catalog, central's own time zone (as when the number was taken)."""
    found = _TICKET_DAY.match(ticket_id)
    if found is None:
        return False
    service.refresh()                                  # the catalogs, the day followed
    now = service.clock()
    config = service.configs.get(hall)
    if config is not None:
        now = max(now, service.days.get(hall, (now, now))[0])
    today = datetime.fromtimestamp(now, config.timezone if config else None)
    return found.group(1) < f"{today:%Y%m%d}"


def _reminder(progress: dict[str, Any]) -> dict[str, str] | None:
    """What the app tells the citizen now (its push notification), if anything."""
    if progress["status"] == "called":
        window = progress["window"] or ""
        return {"zh": f"请到{window}号窗口办理", "en": f"Please go to window {window}"}
    if progress["status"] == "booth":
        return {"zh": "请到视频服务区办理", "en": "Please go to the video booth"}
    ahead = progress["ahead"]
    if progress["status"] == "waiting" and ahead is not None and ahead < NEAR_AHEAD:
        return {"zh": f"快到您了，前面还有{ahead}人，请尽快到大厅",
                "en": f"Your turn is near: {ahead} ahead of you; please come to the hall"}
    return None


def phone_view(db: Database, service: CityService, found: dict[str, Any], client_id: str
               ) -> dict[str, Any]:
    """A phone ticket as the citizen's app shows it."""
    state = found["state"]
    view: dict[str, Any] = {"id": client_id, "hall": found["hall"], "item": found["item"],
                            "status": STATUS.get(state, state), "error": None, "ticket": None,
                            "ahead": None, "expected_wait_s": None, "window": None,
                            "reminder": None, "rating": None}
    if state == "refused":
        error = dict(found["error"] or {})
        if error.get("code") in _PHONE_WORDS:
            error["message_zh"], error["message_en"] = _PHONE_WORDS[error["code"]]
        view["error"] = error
    ticket = found.get("ticket")
    if not ticket:
        return view
    view["ticket"] = {key: ticket.get(key) for key in (
        "id", "number", "hall", "name_zh", "name_en", "id_masked", "elderly", "url")}
    if state != "issued":
        return view
    if _expired(service, found["hall"], str(ticket.get("id") or "")):
        # the hall's day is over: central no longer follows the ticket; what it was shown
        # at issue (waiting, so many ahead) is long out of date
        view.update(status="expired", error=EXPIRED, rating=referrals.rating(db, found["id"]))
        return view
    progress = service.phone_progress(found["hall"], str(ticket.get("id") or "")) or {
        "status": "waiting", "window": None, "ahead": _count(ticket.get("ahead"))}
    view.update(status=progress["status"], window=progress["window"], ahead=progress["ahead"],
                reminder=_reminder(progress), rating=referrals.rating(db, found["id"]))
    if progress["status"] == "waiting" and progress["ahead"] is not None:
        view["expected_wait_s"] = service.wait_behind(found["hall"], found["item"],
                                                      int(progress["ahead"]))
    return view


def add_phone_routes(app: FastAPI, db: Database, service: CityService, mailbox: Mailbox,
                     caller: Any, id_key: bytes | None) -> None:
    """Add ``/api/v1/phone/…`` to central's app."""
    Caller = Annotated[Principal, Depends(caller)]

    @app.get("/api/v1/phone/halls")
    async def halls(who: Caller, item: Annotated[str, Query(min_length=1, max_length=32)],
                    lat: Annotated[float, Query(ge=-90, le=90)],
                    lon: Annotated[float, Query(ge=-180, le=180)],
                    limit: Annotated[int, Query(ge=1, le=20)] = 5) -> dict:
        """Halls that serve ``item`` by expected total time from the citizen's place (travel
        + wait), best first, with the figures."""
        _require_phone(who)
        found = await run_in_threadpool(service.halls_for, item, lat, lon, limit)
        if not found and not any(item in c.items for c in service.configs.values()):
            raise CentralError(404, "unknown_service", "没有该业务", f"No such service: {item}")
        return {"item": item, "halls": found, "at": service.clock()}

    @app.post("/api/v1/phone/tickets", status_code=202)
    async def take(body: PhoneTicketRequest, who: Caller) -> dict:
        """Take a real-name number at the chosen hall (its answer follows within seconds:
        read the ticket until its status is no longer ``taking``)."""
        origin = _require_phone(who)
        if id_key is None:
            raise CentralError(503, "phone_unavailable", "中心未配置证件密钥，暂不能手机取号",
                               "Central has no ID key (--id-key-file): no numbers by phone")
        await run_in_threadpool(service.refresh)
        config = service.configs.get(body.hall)
        today = datetime.fromtimestamp(service.clock(), config.timezone if config else None)
        person = person_of(body.id_number, id_key, today.date())
        refusal = service.refused_at(body.hall, body.item, anywhere_only=False)
        stored = _stored_id(who, body.id)
        found, created = await run_in_threadpool(
            referrals.create, db, stored, origin, body.hall, body.item, refusal, None,
            None if refusal else person)
        if created and found["state"] == "pending":
            service.expect(stored, body.hall, body.item)
            mailbox.ring(body.hall)
        log.info("phone ticket %s for %s at %s: %s", stored, body.item, body.hall,
                 found["state"])
        return await run_in_threadpool(phone_view, db, service, found, body.id)

    @app.get("/api/v1/phone/tickets/{ticket_id}")
    async def follow(ticket_id: TicketId, who: Caller) -> dict:
        """The ticket now: its number once issued, the people ahead and the expected wait,
        the window it is called to, and what to remind the citizen of."""
        origin = _require_phone(who)
        found = await run_in_threadpool(_phone_ticket, db, _stored_id(who, ticket_id), origin)
        return await run_in_threadpool(phone_view, db, service, found, ticket_id)

    @app.post("/api/v1/phone/tickets/{ticket_id}/rating")
    async def rate(ticket_id: TicketId, body: PhoneRatingRequest, who: Caller) -> dict:
        """The citizen rates the finished service (好差评, five levels): kept until the hall
        has recorded it (``rating.state``: pending → done, or refused with the hall's
        reason, after which it may be given again)."""
        origin = _require_phone(who)
        stored = _stored_id(who, ticket_id)
        found = await run_in_threadpool(_phone_ticket, db, stored, origin)
        now = await run_in_threadpool(phone_view, db, service, found, ticket_id)
        if now["status"] == "expired":
            given = now["rating"]
            if given and given["level"] == body.level and given["state"] != "refused":
                return now                                  # given before: a retry
            raise CentralError(409, "bad_state", "该号码已过期，不能再评价",
                               "The number has expired (an earlier day's): it can no longer "
                               "be rated")
        if now["status"] != "finished":
            raise CentralError(409, "bad_state", "办结后才能评价",
                               "Only a finished service can be rated")
        await run_in_threadpool(referrals.rate, db, stored, origin, body.level)
        mailbox.ring(found["hall"])
        log.info("phone ticket %s rated %d", stored, body.level)
        return await run_in_threadpool(phone_view, db, service, found, ticket_id)

    @app.post("/api/v1/phone/tickets/{ticket_id}/cancel")
    async def cancel(ticket_id: TicketId, who: Caller) -> dict:
        """The citizen gives the number up while it waits (or is still being taken); the
        hall cancels the ticket. Repeating it changes nothing."""
        origin = _require_phone(who)
        stored = _stored_id(who, ticket_id)
        found = await run_in_threadpool(_phone_ticket, db, stored, origin)
        now = await run_in_threadpool(phone_view, db, service, found, ticket_id)
        if now["status"] == "expired":
            raise CentralError(409, "bad_state", "该号码已过期，无需取消",
                               "The number has expired (an earlier day's): there is nothing "
                               "to cancel")
        if now["status"] in ("called", "booth", "no_show", "finished"):
            raise CentralError(409, "bad_state", "只有等待中的号码可以取消",
                               "Only a waiting ticket can be cancelled")
        found = await run_in_threadpool(referrals.withdraw, db, stored, origin, None, CANCELLED)
        service.arrived(stored)
        if found["state"] == "cancelling":
            mailbox.ring(found["hall"])
        log.info("phone ticket %s cancelled: %s", stored, found["state"])
        return await run_in_threadpool(phone_view, db, service, found, ticket_id)
