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

The routes (``/api/v1/phone/…``) are ``central/api/phone.py``'s; this module holds what they
show and check.
"""

import re
from datetime import date, datetime
from typing import Any

from central import referrals
from central.auth import Principal
from central.city import CityService
from central.db import Database
from central.errors import CentralError
from hall import idnumber
from hall.errors import ErrorCode
from hall.protocol.messages import PHONE_PREFIX

#: How the ids of the phone channel's referrals start: no hall's may (``central/api/cloud.py``).
PHONE_ID_PREFIX = "phone-"
#: The paths a phone credential may use.
PHONE_PATHS = ("/api/v1/phone/", "/api/v1/whoami")
#: "Your turn is near" when at most this many people are ahead.
NEAR_AHEAD = 3
#: A phone ticket's status by its referral's state (``waiting`` is refined by its progress).
STATUS = {"pending": "taking", "claimed": "taking", "issued": "waiting", "refused": "refused",
          "withdrawing": "cancelled", "cancelling": "cancelled", "withdrawn": "cancelled"}
CANCELLED = referrals.error(ErrorCode.CANCELLED, "已取消", "Cancelled by the citizen")
#: Why a ticket of an earlier day at its hall is ``expired`` (shown as its ``error``).
EXPIRED = referrals.error(ErrorCode.EXPIRED, "该号码已过期（仅限取号当日有效）",
                          "This number has expired (it is valid only on the day it was taken)")
#: Refusals whose words (meant for a kiosk: "take a number here") a phone shows its own way.
_PHONE_WORDS = {
    ErrorCode.HALL_UNAVAILABLE: (
        "该大厅暂时无法取号，请稍后再试或选择其他大厅",
        "The hall cannot issue a number now; retry or choose another hall"),
    ErrorCode.UNREACHABLE: (
        "该大厅暂时无法联系，请稍后再试或选择其他大厅",
        "The hall cannot be reached now; retry or choose another hall"),
    ErrorCode.REFERRAL_LOST: (
        "取号未能完成，请重新取号", "The number could not be taken; try again")}

def require_phone(who: Principal) -> str:
    """The referring side of the phone credential's tickets (403 for any other credential)."""
    if not who.is_phone:
        raise CentralError(403, ErrorCode.FORBIDDEN, "只有手机取号渠道可以使用",
                           "Only a phone channel credential may do this")
    return f"{PHONE_PREFIX}{who.credential_id}"


def stored_id(who: Principal, ticket_id: str) -> str:
    """The id of the referral behind the phone ticket the app calls ``ticket_id``."""
    return f"{PHONE_ID_PREFIX}{who.credential_id}-{ticket_id}"


def phone_ticket(db: Database, stored: str, origin: str) -> dict[str, Any]:
    """The referral behind a phone ticket taken with the credential whose tickets' referring
    side is ``origin``; 404 in a phone's words — also for a referral of that id someone else
    made (no hall may make one: ``PHONE_ID_PREFIX``)."""
    try:
        found = referrals.get(db, stored)
    except CentralError as err:
        if err.status != 404:
            raise
        found = None
    if found is None or found["from_hall"] != origin:
        raise CentralError(404, ErrorCode.NOT_FOUND, "没有该号码", "No such ticket")
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
        raise CentralError(422, ErrorCode.INVALID_ID_NUMBER,
                           f"身份证号码无效：{err.message_zh}，请核对",
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
