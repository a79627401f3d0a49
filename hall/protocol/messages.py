"""The lease messages of remote calling (:class:`Message`, their kinds, :func:`message_from_dict`
and :func:`message_to_dict`, whose state machines are ``hall/lease.py``) and the prefix of the
city's phone channel as a referral's referring side (:data:`PHONE_PREFIX`). Plain Python, so
that the apps that show a remote call's state do not load pydantic for it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------------- lease messages
REQUEST, START, FINISH, RELEASE = "request", "start", "finish", "release"
GRANTED, REFUSED, STARTED, EXPIRED, FINISHED, RELEASED = (
    "granted", "refused", "started", "expired", "finished", "released")
REQUESTS = (REQUEST, START, FINISH, RELEASE)
ANSWERS = (GRANTED, REFUSED, STARTED, EXPIRED, FINISHED, RELEASED)


@dataclass(frozen=True)
class Message:
    """One message of the protocol. ``id`` names one sending; a duplicate keeps it."""

    kind: str
    lease: str
    home: str                 # the home hall's id
    remote: str               # the remote window, "hall/window"
    ticket: str = ""
    expires_at: float = 0.0   # in ``granted``
    id: str = ""
    reply_to: str = ""        # in answers: the id of the message answered


#: A hall's id as central names halls (``central/api/cloud.py``).
HALL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
#: The longest lease id, ticket id and remote window ("hall/window") a message may carry.
LEASE_MAX, TICKET_MAX, REMOTE_MAX = 128, 64, 128
#: The longest id of a request (``reply_to`` names one); an answer's id is the request's plus
#: ``":<kind>"``, so every request this node accepts has an answer central accepts.
REQUEST_ID_MAX = 200
ANSWER_ID_MAX = REQUEST_ID_MAX + 16


def _text(data: dict[str, Any], key: str, max_len: int, min_len: int = 0) -> str:
    """``data[key]``, a string of ``min_len``..``max_len`` characters ("" when absent and
    ``min_len`` is 0); ValueError otherwise (never quoting the value: it may be huge)."""
    if key not in data:
        if min_len:
            raise ValueError(f"{key}: missing")
        return ""
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"{key}: not a string ({type(value).__name__})")
    if not min_len <= len(value) <= max_len:
        raise ValueError(f"{key}: {len(value)} characters, not {min_len}..{max_len}")
    return value


def _seconds(data: dict[str, Any], key: str) -> float:
    """``data[key]``, a finite number ≥ 0 (0.0 when absent); ValueError otherwise."""
    value = data.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key}: not a number ({type(value).__name__})")
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{key}: not a finite number of seconds ≥ 0")
    return seconds


def message_from_dict(data: Any) -> Message:
    """A protocol message from its JSON form; ValueError when it is not one: every field a
    real string of bounded length (``home`` and the hall of ``remote`` hall ids),
    ``expires_at`` a finite number ≥ 0. Unknown fields are ignored."""
    if not isinstance(data, dict):
        raise ValueError(f"not a lease message: not an object ({type(data).__name__})")
    try:
        kind = _text(data, "kind", 16, 1)
        if kind not in REQUESTS + ANSWERS:
            raise ValueError(f"kind: not one of {', '.join(REQUESTS + ANSWERS)}")
        home = _text(data, "home", 64, 1)
        if not HALL_ID.fullmatch(home):
            raise ValueError("home: not a hall id")
        remote = _text(data, "remote", REMOTE_MAX, 1)
        remote_hall, _, window = remote.partition("/")
        if not HALL_ID.fullmatch(remote_hall) or not window:
            raise ValueError("remote: not hall/window")
        msg = Message(kind=kind, lease=_text(data, "lease", LEASE_MAX, 1), home=home,
                      remote=remote, ticket=_text(data, "ticket", TICKET_MAX),
                      expires_at=_seconds(data, "expires_at"),
                      id=_text(data, "id", REQUEST_ID_MAX if kind in REQUESTS
                               else ANSWER_ID_MAX),
                      reply_to=_text(data, "reply_to", REQUEST_ID_MAX))
    except ValueError as err:
        raise ValueError(f"not a lease message: {err}") from None
    return msg


def message_to_dict(msg: Message) -> dict:
    """A protocol message in its JSON form (what :func:`message_from_dict` reads back)."""
    return {"kind": msg.kind, "lease": msg.lease, "home": msg.home, "remote": msg.remote,
            "ticket": msg.ticket, "expires_at": msg.expires_at, "id": msg.id,
            "reply_to": msg.reply_to}


# ---------------------------------------------------------------------- the phone channel
#: A referral whose referring side starts so came from the city's phone channel (its
#: ticket's channel is ``phone``); central names it ``phone:<credential id>``.
PHONE_PREFIX = "phone:"


def is_phone(from_hall: str) -> bool:
    """Whether a referral's referring side is the city's phone channel (微信取号 through
    central, ``central/phone.py``) rather than another hall's kiosk."""
    return from_hall.startswith(PHONE_PREFIX)
