"""Windows: the list and each window's line, and what its console does — call (叫号),
recall, serve, no-show (and its undo), finish, pause, resume, close, transfer, open, and staff
signing in."""

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from hall import views
from hall.api.dependencies import Body, Device, Node, allow, error_answers, run
from hall.engine import Engine
from hall.errors import ErrorCode
from hall.node import Operation
from hall.schemas import QueueEntryBody
from hall.staff_auth import LockedOut, Lockout, SignInGuard
from hall.window_states import PauseReason, pause_reason

router = APIRouter()

#: What each window operation (an ``Engine`` method) may be refused with.
WINDOW_ERRORS: dict[str, tuple[ErrorCode, ...]] = {
    "call_next": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_CLOSED, ErrorCode.WINDOW_PAUSED,
                  ErrorCode.WINDOW_BUSY, ErrorCode.REMOTE_BUSY),
    "recall": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE, ErrorCode.BAD_STATE,
               ErrorCode.RECALL_LIMIT),
    "start_serving": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE, ErrorCode.BAD_STATE),
    "no_show": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE, ErrorCode.BAD_STATE,
                ErrorCode.NO_SHOW_TOO_EARLY),
    "undo_no_show": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.UNKNOWN_TICKET,
                     ErrorCode.NOTHING_TO_UNDO, ErrorCode.UNDO_EXPIRED, ErrorCode.WINDOW_CLOSED,
                     ErrorCode.WINDOW_PAUSED, ErrorCode.WINDOW_BUSY, ErrorCode.REMOTE_BUSY),
    "finish": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE),
    "pause": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.BAD_STATE, ErrorCode.WINDOW_BUSY,
              ErrorCode.REMOTE_BUSY, ErrorCode.BAD_REQUEST),
    "resume": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.BAD_STATE),
    "close_window": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.BAD_STATE, ErrorCode.WINDOW_BUSY,
                     ErrorCode.REMOTE_BUSY),
    "transfer": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE, ErrorCode.BAD_TRANSFER,
                 ErrorCode.UNKNOWN_SERVICE),
    "open_window": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.BAD_STATE),
}


class TransferRequest(Body):
    """POST /api/v1/windows/{window}/transfer: exactly one of the two."""

    to_service: str | None = Field(None, max_length=32)
    to_window: str | None = Field(None, max_length=16)


class UndoNoShowRequest(Body):
    """POST /api/v1/windows/{window}/no-show/undo: the no-show to take back (default: the
    window's latest)."""

    ticket: str | None = Field(None, max_length=32)


class PauseRequest(Body):
    """POST /api/v1/windows/{window}/pause: why (``lunch`` 午休, ``away`` 暂离, ``meeting``
    会议, ``other`` 其他: ``hall.window_states.PauseReason``); none is needed."""

    reason: str | None = Field(None, max_length=16,
                               json_schema_extra={"enum": [r.value for r in PauseReason]})


class OpenRequest(Body):
    """POST /api/v1/windows/{window}/open: no fields (staff sign in at ``/sign-in``, with
    their PIN or badge; a ``staff_id`` here is refused)."""


class SignInRequest(Body):
    """POST /api/v1/windows/{window}/sign-in: a PIN or a badge UID."""

    staff_id: str | None = Field(None, max_length=32)
    pin: str | None = Field(None, max_length=32)
    badge_uid: str | None = Field(None, max_length=64)


@router.get("/api/v1/windows", responses=error_answers())
async def windows(device: Device, node: Node) -> Response:
    """Every window: skills, status, current ticket."""
    allow(device, "read")
    return JSONResponse(node.read(lambda engine, now: views.windows_view(engine)))


@router.get("/api/v1/windows/{window}/queue",
            responses=error_answers(ErrorCode.UNKNOWN_WINDOW))
async def window_queue(window: str, device: Device, node: Node) -> Response:
    """The numbers waiting for this window's skills, in calling order."""
    allow(device, "read")

    def read(engine: Engine, now: datetime) -> list[QueueEntryBody]:
        engine.window(window)
        return views.window_queue_view(engine, window, now)
    return JSONResponse(node.read(read))


@router.post("/api/v1/windows/{window}/call", responses={
    204: {"description": "nobody waits"}, **error_answers(*WINDOW_ERRORS["call_next"])})
async def call(window: str, device: Device, node: Node) -> Response:
    """Call the next ticket for this window's skills; 204 when nobody waits."""
    allow(device, "window", window)
    return await run(node, window_operation(window, "call_next"))


def _window_endpoint(method: str) -> Any:
    async def endpoint(window: str, device: Device, node: Node) -> Response:
        allow(device, "window", window)
        return await run(node, window_operation(window, method))
    endpoint.__doc__ = f"Window operation: {method.replace('_', ' ')}."
    return endpoint


#: The window operations without a body: ``POST /api/v1/windows/{window}/<path>`` → the
#: ``Engine`` method.
WINDOW_ACTIONS = {"recall": "recall", "serve": "start_serving", "no-show": "no_show",
                  "finish": "finish", "resume": "resume", "close": "close_window"}
for path, method in WINDOW_ACTIONS.items():
    router.add_api_route(f"/api/v1/windows/{{window}}/{path}", _window_endpoint(method),
                         methods=["POST"], name=f"window_{method}",
                         responses=error_answers(*WINDOW_ERRORS[method]))


@router.post("/api/v1/windows/{window}/pause", responses=error_answers(*WINDOW_ERRORS["pause"]))
async def pause(window: str, device: Device, node: Node, body: PauseRequest | None = None
                ) -> Response:
    """Pause the window (暂停服务), with a reason or none; an unknown reason is refused (422)
    and nothing changes."""
    allow(device, "window", window)
    reason = pause_reason(body.reason if body is not None else None)
    return await run(node, window_operation(window, "pause", reason=reason))


@router.post("/api/v1/windows/{window}/transfer",
             responses=error_answers(*WINDOW_ERRORS["transfer"]))
async def transfer(window: str, body: TransferRequest, device: Device, node: Node
                   ) -> Response:
    """Transfer the current ticket to a theme or a named window, keeping its arrival."""
    allow(device, "window", window)
    return await run(node, window_operation(window, "transfer", to_service=body.to_service,
                                            to_window=body.to_window))


@router.post("/api/v1/windows/{window}/no-show/undo",
             responses=error_answers(*WINDOW_ERRORS["undo_no_show"]))
async def undo_no_show(window: str, device: Device, node: Node,
                       body: UndoNoShowRequest | None = None) -> Response:
    """Take back this window's no-show within ``[rules] no_show_undo_s``: the same ticket is
    called here again; the event names the staff signed in. Another window's no-show, or one
    too old, is refused."""
    allow(device, "window", window)
    ticket = body.ticket if body is not None else None
    return await run(node, window_operation(window, "undo_no_show", ticket_id=ticket))


@router.post("/api/v1/windows/{window}/open",
             responses=error_answers(*WINDOW_ERRORS["open_window"]))
async def open_window(window: str, device: Device, node: Node,
                      body: OpenRequest | None = None) -> Response:
    """Open the window with nobody signed in: a supervisor's override (admin devices only),
    recorded in the event with the device's name. Staff open their window at ``/sign-in``."""
    allow(device, "supervise", window)
    return await run(node, window_operation(window, "open_window", by=device.name))


@router.post("/api/v1/windows/{window}/sign-in", responses=error_answers(
    ErrorCode.BAD_CREDENTIALS, ErrorCode.TOO_MANY_ATTEMPTS, *WINDOW_ERRORS["open_window"]))
async def sign_in(window: str, body: SignInRequest, device: Device, node: Node,
                  request: Request) -> Response:
    """Staff sign in with a PIN or a badge; the window opens with them. Every refused
    credential answers 401 ``bad_credentials`` alike (five wrong PINs lock the staff id for a
    while); the window's state is checked only once the credential is right; a device trying
    too often answers 429."""
    allow(device, "window", window)
    guard: SignInGuard = request.app.state.sign_in_guard
    guard.count_attempt(device.name)
    node.refresh_staff()    # staff added by `hallq staff add` while the node runs
    try:
        if body.badge_uid:
            staff_id = guard.check_badge(node.config.staff, node.store.staff_secrets(),
                                         body.badge_uid)
        else:   # scrypt takes ~50 ms: not on the event loop
            staff_id = await asyncio.to_thread(
                lambda: guard.check_pin(node.config.staff, node.store.staff_secrets(),
                                        body.staff_id or "", body.pin or "", device.name))
    except LockedOut as locked:
        await run(node, _report_lockout(locked.lockout))
        raise
    return await run(node, window_operation(window, "open_window", staff_id=staff_id))


def window_operation(window: str, method: str, **kwargs: Any) -> Operation:
    """The node operation of ``POST /api/v1/windows/{window}/…``: ``Engine.<method>`` and the
    ticket or window it leaves (None: nothing to answer)."""
    def operation(engine: Engine, now: datetime) -> tuple[Any, list]:
        result, events = getattr(engine, method)(window, now, **kwargs)
        if result is None:
            return None, events
        if hasattr(result, "sort_key"):
            return views.ticket_view(engine, result, now), events
        return next(w for w in views.windows_view(engine) if w["number"] == window), events
    return operation


def _report_lockout(lockout: Lockout) -> Operation:
    """The node operation storing a ``staff.locked`` event."""
    def operation(engine: Engine, now: datetime) -> tuple[None, list]:
        return None, engine.staff_locked(lockout.staff_id, now, lockout.seconds,
                                         lockout.failures, lockout.device)
    return operation
