"""Pairing a device by a short code: no token is typed, pasted or left on a command line.

The supervisor (or ``hallq pair --code`` on the hall's server) makes a 6-digit code valid ten
minutes (``POST /api/v1/pairing/codes``); the new device claims its token with it, once
(``POST /api/v1/pairing/claim``, no token needed: ``hallq provision`` does it). A wrong, expired
or used code answers the same 401, so an answer tells a guesser nothing. A client address may
try ``CLAIMS_PER_CLIENT`` claims per ``CLIENT_PERIOD_S`` seconds (more answer 429); after
``MAX_WRONG_CLAIMS`` wrong codes within ``WRONG_PERIOD_S`` seconds from anywhere, every open
code is voided and a ``pairing.abused`` event tells the supervisor. A claim is recorded as a
``device.paired`` event (never its token). The counters live in the node's memory.
"""

import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Literal, get_args

from fastapi import APIRouter, Request
from pydantic import Field

from hall.api.dependencies import Body, Device, Node, allow, error_answers, forbidden
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError
from hall.events import Event, EventKind
from hall.node import HallNode
from hall.store import PAIRING_CODE_TTL_S, ROLES, StoreError

router = APIRouter()

CLAIMS_PER_CLIENT = 10
CLIENT_PERIOD_S = 60.0
MAX_WRONG_CLAIMS = 30
WRONG_PERIOD_S = 600.0
#: The roles a supervisor may make a code for (an admin: any role).
SUPERVISOR_ROLES = frozenset({"kiosk", "caller", "desk", "display"})

Role = Literal["kiosk", "caller", "desk", "supervisor", "display", "sync", "admin"]
assert set(get_args(Role)) == set(ROLES)


class CodeRequest(Body):
    """POST /api/v1/pairing/codes: a code that pairs one device as ``role``."""

    role: Role
    window: str | None = Field(None, min_length=1, max_length=16)
    name: str | None = Field(None, min_length=1, max_length=64)


class ClaimRequest(Body):
    """POST /api/v1/pairing/claim: a device claims its token with a code."""

    code: str = Field(pattern=r"^[0-9]{6}$")
    name: str = Field(min_length=1, max_length=64)


def wrong_code() -> QueueError:
    """The one answer to a wrong, expired or used code."""
    return QueueError(ErrorCode.UNAUTHORIZED, "配对码错误、已过期或已使用",
                      "The pairing code is wrong, expired or already used", status=401)


class ClaimGuard:
    """Recent claims of each client address and recent wrong codes of all of them.
    ``clock`` gives seconds (the node's clock, so tests can move it)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._claims: dict[str, deque[float]] = {}
        self._wrong: deque[float] = deque()

    def count_claim(self, client: str) -> None:
        """Count a claim of ``client``; a 429 when it claimed too often lately."""
        now = self._clock()
        with self._lock:
            recent = self._claims.setdefault(client, deque())
            _forget(recent, now - CLIENT_PERIOD_S)
            if len(recent) >= CLAIMS_PER_CLIENT:
                raise QueueError(ErrorCode.TOO_MANY_ATTEMPTS, "配对尝试过于频繁，请一分钟后再试",
                                 "Too many pairing attempts; try again in a minute", status=429)
            recent.append(now)

    def wrong_claim(self) -> int:
        """Count a wrong code; how many there were in the period when that reaches
        ``MAX_WRONG_CLAIMS`` (the count starts again), else 0."""
        now = self._clock()
        with self._lock:
            _forget(self._wrong, now - WRONG_PERIOD_S)
            self._wrong.append(now)
            if len(self._wrong) < MAX_WRONG_CLAIMS:
                return 0
            self._wrong.clear()
            return MAX_WRONG_CLAIMS


def _forget(times: deque[float], before: float) -> None:
    while times and times[0] <= before:
        times.popleft()


def _event(node: HallNode, kind: EventKind, **data: object) -> Callable:
    """An operation that only records an event of ``kind``."""
    def operation(_: Engine, now: datetime) -> tuple[None, list[Event]]:
        return None, [Event(kind, now.timestamp(), dict(data), hall_id=node.config.hall_id)]
    return operation


@router.post("/api/v1/pairing/codes", status_code=201,
             responses=error_answers(ErrorCode.UNKNOWN_WINDOW))
async def make_code(body: CodeRequest, device: Device, node: Node) -> dict:
    """A 6-digit code valid ten minutes that pairs one device (supervisor, admin)."""
    allow(device, "supervise")
    if device.role != "admin" and body.role not in SUPERVISOR_ROLES:
        raise forbidden(device)
    if (body.role == "caller") != (body.window is not None) or (
            body.window is not None and body.window not in node.config.windows):
        raise QueueError(ErrorCode.UNKNOWN_WINDOW, "窗口号有误（窗口终端须给出本厅的窗口号）",
                         "A caller needs one of the hall's windows, other roles none",
                         status=404)
    now = node.clock().timestamp()
    code = node.store.add_pairing_code(body.role, body.window, body.name, now)
    return {"code": code, "role": body.role, "window": body.window,
            "expires_at": now + PAIRING_CODE_TTL_S}


@router.post("/api/v1/pairing/claim",
             responses=error_answers(ErrorCode.UNAUTHORIZED, ErrorCode.TOO_MANY_ATTEMPTS,
                                     ErrorCode.CONFLICT, token=False))
async def claim(body: ClaimRequest, request: Request, node: Node) -> dict:
    """Claim this device's token with a pairing code (once); the token is in this answer
    only."""
    guard: ClaimGuard = request.app.state.pairing_guard
    client = request.client.host if request.client else "?"
    guard.count_claim(client)
    try:
        claimed = node.store.claim_pairing_code(body.code, body.name, node.clock().timestamp())
    except ValueError:
        raise QueueError(ErrorCode.CONFLICT, "该名称已有设备使用：请换一个名称，或先注销旧设备"
                         "（hallq revoke 名称）",
                         "A device of this name is paired already: choose another name, or "
                         "revoke the old one first (hallq revoke NAME)", status=409) from None
    if claimed is None:
        wrong = guard.wrong_claim()
        if wrong:
            voided = node.store.void_pairing_codes(node.clock().timestamp())
            await node.submit_async(_event(node, EventKind.PAIRING_ABUSED, wrong_claims=wrong,
                                           period_s=WRONG_PERIOD_S, voided=voided,
                                           client=client))
        raise wrong_code()
    token, device = claimed
    try:
        await node.submit_async(_event(node, EventKind.DEVICE_PAIRED, name=device.name,
                                       role=device.role, window=device.window))
    except StoreError:
        pass    # the device is paired all the same; the node's log says why the disk refused
    return {"token": token, "name": device.name, "role": device.role,
            "window": device.window, "hall_id": node.config.hall_id}
