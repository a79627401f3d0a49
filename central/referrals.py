"""Referrals at central (跨厅取号): a citizen at hall A's kiosk is sent to hall B for an item
that can be served at any hall (通办); the ticket is issued at B by B's sync agent.

Kept durably (table ``referrals``, migration ``002_referrals``) so that each is issued at most
once whatever is repeated or restarted: a referral is ``pending`` until B's agent *claims* it
(one atomic update), then ``issued`` or ``refused`` with B's answer. A claimed referral whose
answer has not come :data:`RECLAIM_S` after it was handed out (the long poll's answer was
lost, the agent restarted after issuing) is handed out again — but only to an agent that says
its hall issues each referral once (``reissue``: B gives the ticket it already issued for
the referral, or issues it now); to any other it is never handed out twice. A's agent
posts the same referral again while A still shows it pending, and the answer carries the
current state and result: that is how A learns the result even when the quick relay through
its mailbox was lost.

A referral may name the citizen (``person``: the keyed hash of the ID number, the masked
number and the age, never the number) so that B issues a real-name ticket. Central keeps it
only until B answers (or the referral is withdrawn or expires; at most :data:`CLAIMED_S` after
the claim): a referral handed out again carries it again.

Timeouts (the citizen is waiting at the kiosk): a referral B's agent has not claimed after
:data:`PENDING_S` is refused (``hall_unavailable``); one claimed but never answered after
:data:`CLAIMED_S` is refused (``referral_lost``) — B's agent answers within a second or two of
having it, and a reissuing agent is handed it again every :data:`RECLAIM_S`, so B's agent is
then gone (only a ticket issued the moment before it went stays at B).

Withdrawal: when A's node gave the citizen up (no answer within its deadline, the kiosk sent
them to the local line) A's agent *withdraws* the referral. Nothing issued yet: it ends
``withdrawn`` (a pending one is never handed out; a claimed one is ``withdrawing`` until B
answers). A ticket issued at B: ``cancelling`` — B's agent is handed it with every long poll
until it reports the ticket cancelled (or no longer waiting), then ``withdrawn``. A
``withdrawing`` one whose answer has not come is handed to a reissuing agent the same way,
without a ticket: B cancels whatever it issued for the referral. So no ticket waits at B for
a citizen who took a number at A. A ticket answered after central refused the referral as
lost (``referral_lost``: the citizen was told to choose again) is ``cancelling`` the same way.
A ticket B had already called or served when the cancellation reached it stays: B says so,
and the referral is ``issued`` again (the citizen came after all).

Ratings (好差评, migration ``004_referral_rating``): the citizen who took a number by phone
(``central/phone.py``) rates the finished service there; the rating stays ``pending`` and B's
agent is handed it with every long poll until it reports it recorded (``done``) or refused
(``refused``, with B's reason: say, rated at the window already).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from central.db import Database, Tx
from central.errors import CentralError
from hall.errors import ErrorCode

#: Seconds a referral waits for the chosen hall's agent to claim it. Shorter than the kiosk
#: waits for the answer (20 s, ``kiosk.viewmodel.REFERRAL_GIVE_UP_S``): the chosen hall must not
#: issue a ticket for a citizen whom the kiosk has already told to take a number here. An
#: agent that is there claims within a second (its long poll looks every half second).
PENDING_S = 15.0
#: Seconds a claimed referral waits for the chosen hall's answer.
CLAIMED_S = 120.0
#: Seconds after which a claimed referral not answered is handed out again (to an agent whose
#: hall issues each referral once). An agent that has it answers within a second or two.
RECLAIM_S = 5.0
_COLUMNS = "id, from_hall, hall_id, item, state, result, created_at, claimed_at, updated_at"


def error(code: str, message_zh: str, message_en: str) -> dict[str, str]:
    """A referral's refusal in the house error shape."""
    return {"code": code, "message_zh": message_zh, "message_en": message_en}


LOST = error(ErrorCode.REFERRAL_LOST, "转介未能完成，请重新选择",
             "The referral could not be completed; please choose again")
WITHDRAWN = error(ErrorCode.WITHDRAWN, "已改为在本大厅取号",
                  "The citizen took a number at their hall")


def _row(row: tuple) -> dict[str, Any]:
    result = json.loads(row[5]) if row[5] else {}
    return {"id": row[0], "from_hall": row[1], "hall": row[2], "item": row[3], "state": row[4],
            "ticket": result.get("ticket"), "error": result.get("error"),
            "created_at": row[6], "claimed_at": row[7], "updated_at": row[8]}


def _expire(tx: Tx, now: float, hall_id: str | None = None, referral_id: str | None = None
            ) -> None:
    """Refuse the referrals that waited too long (see the module docstring)."""
    params: tuple[str, ...]
    where, params = "", ()
    if hall_id is not None:
        where, params = " AND hall_id = ?", (hall_id,)
    elif referral_id is not None:
        where, params = " AND id = ?", (referral_id,)
    for state, since, limit, refusal, ends in (
            ("pending", "created_at", PENDING_S, error(
                ErrorCode.HALL_UNAVAILABLE, "目标大厅暂时无法接收转介，请在本大厅取号或稍后再试",
                "The chosen hall cannot take the referral now; take a number here or retry"),
             "refused"),
            ("claimed", "claimed_at", CLAIMED_S, LOST, "refused"),
            ("withdrawing", "claimed_at", CLAIMED_S, LOST, "withdrawn")):
        tx.execute(f"UPDATE referrals SET state = ?, result = ?, updated_at = ?, "
                   f"person = NULL "
                   f"WHERE state = ? AND {since} < ?{where}",
                   (ends, json.dumps({"error": refusal}, ensure_ascii=False), now, state,
                    now - limit, *params))


def _person_check(referral_id: str, person: dict[str, Any] | None) -> str | None:
    """Which citizen a referral names, as a digest that matches nothing but this referral
    (kept after the person is cleared, to refuse the id posted again for someone else)."""
    if not person or not person.get("id_hash"):
        return None
    text = f"{referral_id}\n{person['id_hash']}".encode()
    return hashlib.sha256(text).hexdigest()[:32]


def create(db: Database, referral_id: str, from_hall: str, hall_id: str, item: str,
           refusal: dict[str, str] | None = None, now: float | None = None,
           person: dict[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
    """Store a referral (idempotent on its id); ``(referral, created)``. A ``refusal`` stores
    it refused at once (central knows the chosen hall cannot issue it); ``person`` (see the
    module docstring) is kept for the chosen hall's claim."""
    now = time.time() if now is None else now
    state, result = ("refused", json.dumps({"error": refusal}, ensure_ascii=False)) if (
        refusal) else ("pending", None)
    check = _person_check(referral_id, person)
    with db.transaction() as tx:
        _expire(tx, now, referral_id=referral_id)
        found = tx.one(f"SELECT {_COLUMNS}, person_check FROM referrals WHERE id = ?",
                       (referral_id,))
        if found is not None:
            existing = _row(found)
            if (existing["from_hall"], existing["hall"], existing["item"], found[9]) != (
                    from_hall, hall_id, item, check):
                raise CentralError(409, ErrorCode.CONFLICT, "转介编号已被使用",
                                   "This referral id was used for another referral")
            return existing, False
        tx.execute(f"INSERT INTO referrals ({_COLUMNS}, person, person_check) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                   (referral_id, from_hall, hall_id, item, state, result, now, now,
                    json.dumps(person) if person and not refusal else None, check))
    return {"id": referral_id, "from_hall": from_hall, "hall": hall_id, "item": item,
            "state": state, "ticket": None, "error": refusal, "created_at": now,
            "claimed_at": None, "updated_at": now}, True


def _to_hand_out(reissue: bool, now: float) -> tuple[str, tuple[float, ...]]:
    """The condition (and its parameters) of the referrals to hand out to a hall's agent."""
    if not reissue:
        return "state = 'pending'", ()
    return ("(state = 'pending' OR (state = 'claimed' "
            "AND COALESCE(handed_at, claimed_at) < ?))", (now - RECLAIM_S,))


def claim(db: Database, hall_id: str, now: float | None = None, reissue: bool = False
          ) -> list[dict[str, Any]]:
    """The pending referrals to ``hall_id``, now claimed, each with its ``person`` (None when
    the citizen was not named). With ``reissue`` (the hall issues each referral once) also
    the claimed ones not answered :data:`RECLAIM_S` after they were handed out."""
    now = time.time() if now is None else now
    with db.transaction() as tx:
        _expire(tx, now, hall_id=hall_id)
        due, params = _to_hand_out(reissue, now)
        rows = tx.all(f"SELECT {_COLUMNS}, person FROM referrals WHERE hall_id = ? AND {due} "
                      "ORDER BY created_at" + tx.for_update, (hall_id, *params))
        for row in rows:
            tx.execute("UPDATE referrals SET state = 'claimed', claimed_at = ?, handed_at = ?, "
                       "updated_at = ? WHERE id = ?", (row[7] or now, now, now, row[0]))
    return [{**_row(row), "state": "claimed", "claimed_at": row[7] or now,
             "person": json.loads(row[9]) if row[9] else None} for row in rows]


def has_work(db: Database, hall_id: str, now: float | None = None,
             reissue: bool = False) -> bool:
    """Whether a referral waits to be handed to ``hall_id``'s agent (see :func:`claim`), a
    ticket it issued for one to be cancelled, or a rating to be recorded (a cheap check)."""
    now = time.time() if now is None else now
    due, params = _to_hand_out(reissue, now)
    cancel, cancel_params = _to_cancel(reissue, now)
    with db.transaction() as tx:
        return tx.one(f"SELECT 1 FROM referrals WHERE hall_id = ? AND ({due} OR {cancel} "
                      "OR rating_state = 'pending') LIMIT 1",
                      (hall_id, *params, *cancel_params)) is not None


def _locked(tx: Tx, referral_id: str, side: str, hall_id: str | None,
            refusal: tuple[str, str]) -> dict[str, Any]:
    """The referral, locked for an update by ``hall_id`` (None: an admin), which must be its
    ``side`` ("hall": the chosen hall, "from_hall": the referring one); 404 / 403 else."""
    row = tx.one(f"SELECT {_COLUMNS} FROM referrals WHERE id = ?" + tx.for_update,
                 (referral_id,))
    if row is None:
        raise CentralError(404, ErrorCode.NOT_FOUND, "转介记录不存在", "Referral not found")
    found = _row(row)
    if hall_id is not None and found[side] != hall_id:
        raise CentralError(403, ErrorCode.FORBIDDEN, *refusal)
    return found


def set_result(db: Database, referral_id: str, hall_id: str | None, ticket: dict | None,
               refusal: dict | None, now: float | None = None) -> tuple[dict[str, Any], bool]:
    """The chosen hall's answer: ``(referral, changed)``; a repeated or late answer changes
    nothing. ``hall_id`` (the answering hall; None for an admin) must be the chosen hall."""
    if (ticket is None) == (refusal is None):
        raise CentralError(422, ErrorCode.BAD_REQUEST, "结果须为票号或错误之一",
                           "Give exactly one of ticket and error")
    now = time.time() if now is None else now
    with db.transaction() as tx:
        found = _locked(tx, referral_id, "hall", hall_id, (
            "只有被转介的大厅可以答复", "Only the hall the citizen was referred to may answer"))
        lost = (found["error"] or {}).get("code") == LOST["code"]
        if ticket is not None and lost and found["state"] in ("refused", "withdrawn"):
            state = "cancelling"    # issued after the citizen was told it was lost: cancel it
            refusal = LOST
        elif found["state"] not in ("pending", "claimed", "withdrawing"):
            return found, False
        elif found["state"] == "withdrawing":     # the citizen went: cancel what B issued
            state = "cancelling" if ticket is not None else "withdrawn"
        else:
            state = "issued" if ticket is not None else "refused"
        body = {key: value for key, value in (("ticket", ticket), ("error", refusal))
                if value is not None}
        tx.execute("UPDATE referrals SET state = ?, result = ?, updated_at = ?, person = NULL "
                   "WHERE id = ?", (state, json.dumps(body, ensure_ascii=False), now,
                                    referral_id))
    return {**found, "state": state, "ticket": ticket, "error": refusal, "updated_at": now}, True


def get(db: Database, referral_id: str, now: float | None = None) -> dict[str, Any]:
    """A referral by id, or a 404."""
    now = time.time() if now is None else now
    with db.transaction() as tx:
        _expire(tx, now, referral_id=referral_id)
        row = tx.one(f"SELECT {_COLUMNS} FROM referrals WHERE id = ?", (referral_id,))
    if row is None:
        raise CentralError(404, ErrorCode.NOT_FOUND, "转介记录不存在", "Referral not found")
    return _row(row)


def withdraw(db: Database, referral_id: str, from_hall: str | None,
             now: float | None = None, reason: dict[str, str] | None = None) -> dict[str, Any]:
    """The referring hall gave the citizen up (see the module docstring); the referral after.
    ``from_hall`` (None for an admin) must be the referring hall; ``reason`` is the error the
    referral ends with (default :data:`WITHDRAWN`). Repeating it changes nothing."""
    reason = reason or WITHDRAWN
    now = time.time() if now is None else now
    with db.transaction() as tx:
        _expire(tx, now, referral_id=referral_id)
        found = _locked(tx, referral_id, "from_hall", from_hall, (
            "只有转出的大厅可以撤回", "Only the referring hall may withdraw a referral"))
        state = {"pending": "withdrawn", "claimed": "withdrawing",
                 "issued": "cancelling"}.get(found["state"])
        if state is None:
            return found
        result = {"ticket": found["ticket"], "error": reason}   # no ticket: None
        tx.execute("UPDATE referrals SET state = ?, result = ?, updated_at = ?, person = NULL "
                   "WHERE id = ?", (state, json.dumps(result, ensure_ascii=False), now,
                                    referral_id))
    return {**found, "state": state, "error": reason, "updated_at": now}


def _to_cancel(reissue: bool, now: float) -> tuple[str, tuple[float, ...]]:
    """The condition (and its parameters) of the referrals whose ticket a hall is to cancel:
    those it answered with a ticket after they were withdrawn, and — for a hall that issues
    each referral once — those withdrawn while claimed whose answer has not come
    :data:`RECLAIM_S` after they were handed out (its ticket, if it issued one, is found by
    the referral)."""
    if not reissue:
        return "state = 'cancelling'", ()
    return ("(state = 'cancelling' OR (state = 'withdrawing' "
            "AND COALESCE(handed_at, claimed_at) < ?))", (now - RECLAIM_S,))


def cancellations(db: Database, hall_id: str, now: float | None = None,
                  reissue: bool = False) -> list[dict[str, Any]]:
    """Referrals whose ticket ``hall_id`` is to cancel (:func:`_to_cancel`; a ``ticket`` of
    None when its answer never came): handed out until :func:`cancelled` is called for each."""
    due, params = _to_cancel(reissue, time.time() if now is None else now)
    with db.transaction() as tx:
        rows = tx.all(f"SELECT {_COLUMNS} FROM referrals WHERE hall_id = ? AND {due} "
                      "ORDER BY updated_at", (hall_id, *params))
    return [_row(row) for row in rows]


#: A ticket's status at the chosen hall that means the citizen came after all: called to a
#: window or the video booth, served. Its referral is not withdrawn but issued again.
SERVED_STATUSES = frozenset({"called", "serving", "finished", "leased"})


def cancelled(db: Database, referral_id: str, hall_id: str | None,
              now: float | None = None, status: str | None = None) -> dict[str, Any]:
    """The chosen hall cancelled the ticket of a withdrawn referral (or it no longer waited,
    or none was issued): the referral is ``withdrawn``. ``status`` is the ticket's status at
    the hall: one the hall had already called or served (:data:`SERVED_STATUSES`, the citizen
    gave up too late) puts the referral back to ``issued``. Repeating it changes nothing."""
    now = time.time() if now is None else now
    with db.transaction() as tx:
        found = _locked(tx, referral_id, "hall", hall_id, (
            "只有被转介的大厅可以取消", "Only the hall the citizen was referred to may cancel"))
        if found["state"] not in ("cancelling", "withdrawing"):
            return found
        if status in SERVED_STATUSES and found["ticket"] and found["error"] != LOST:
            tx.execute("UPDATE referrals SET state = 'issued', result = ?, updated_at = ? "
                       "WHERE id = ?", (json.dumps({"ticket": found["ticket"]},
                                                   ensure_ascii=False), now, referral_id))
            return {**found, "state": "issued", "error": None, "updated_at": now}
        tx.execute("UPDATE referrals SET state = 'withdrawn', updated_at = ? WHERE id = ?",
                   (now, referral_id))
    return {**found, "state": "withdrawn", "updated_at": now}


# ---------------------------------------------------------------------- ratings (好差评)
def rate(db: Database, referral_id: str, from_hall: str | None, level: int,
         now: float | None = None) -> dict[str, Any]:
    """The citizen rates the service of the ticket issued for the referral (a number taken by
    phone): kept ``pending`` until the chosen hall's agent has recorded it there. Giving the
    same level again changes nothing; a rating the hall refused may be given again."""
    if level not in range(1, 6):
        raise CentralError(422, ErrorCode.BAD_RATING, "评价等级应为1到5",
                           "A rating is a level from 1 to 5")
    now = time.time() if now is None else now
    with db.transaction() as tx:
        found = _locked(tx, referral_id, "from_hall", from_hall, (
            "只有取号的一方可以评价", "Only who took the number may rate it"))
        if found["state"] != "issued":
            raise CentralError(409, ErrorCode.BAD_STATE, "只有已取到的号码可以评价",
                               "Only a number that was issued can be rated")
        row = tx.one("SELECT rating, rating_state FROM referrals WHERE id = ?", (referral_id,))
        if row is not None and row[0] is not None and row[1] != "refused":
            if row[0] == level:
                return rating_of(tx, referral_id) or {}
            raise CentralError(409, ErrorCode.ALREADY_RATED, "该次服务已评价",
                               "This service was already rated")
        tx.execute("UPDATE referrals SET rating = ?, rating_state = 'pending', "
                   "rating_error = NULL, updated_at = ? WHERE id = ?",
                   (level, now, referral_id))
        return rating_of(tx, referral_id) or {}


def rating_of(tx: Tx, referral_id: str) -> dict[str, Any] | None:
    """``{"level", "state": pending | done | refused, "error"}`` of a referral, or None."""
    row = tx.one("SELECT rating, rating_state, rating_error FROM referrals WHERE id = ?",
                 (referral_id,))
    if row is None or row[0] is None:
        return None
    return {"level": row[0], "state": row[1], "error": json.loads(row[2]) if row[2] else None}


def rating(db: Database, referral_id: str) -> dict[str, Any] | None:
    """:func:`rating_of` in its own transaction."""
    with db.transaction() as tx:
        return rating_of(tx, referral_id)


def ratings_due(db: Database, hall_id: str) -> list[dict[str, Any]]:
    """Ratings ``hall_id`` is to record: ``[{id, ticket, level}]`` (handed out until
    :func:`rating_recorded` is called for each)."""
    with db.transaction() as tx:
        rows = tx.all("SELECT id, result, rating FROM referrals WHERE hall_id = ? AND "
                      "rating_state = 'pending' ORDER BY updated_at", (hall_id,))
    return [{"id": row[0], "ticket": (json.loads(row[1]).get("ticket") or {}).get("id"),
             "level": row[2]} for row in rows if row[1]]


def rating_recorded(db: Database, referral_id: str, hall_id: str | None,
                    refusal: dict[str, Any] | None = None) -> dict[str, Any]:
    """The chosen hall recorded the rating (``done``) or refused it (``refused``, why);
    repeating it changes nothing."""
    with db.transaction() as tx:
        _locked(tx, referral_id, "hall", hall_id, (
            "只有被转介的大厅可以记录评价", "Only the hall of the ticket may record its rating"))
        tx.execute("UPDATE referrals SET rating_state = ?, rating_error = ? "
                   "WHERE id = ? AND rating_state = 'pending'",
                   ("refused" if refusal else "done",
                    json.dumps(refusal, ensure_ascii=False) if refusal else None, referral_id))
        return rating_of(tx, referral_id) or {}
