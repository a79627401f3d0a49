"""Windows: the list and each window's line, and what its console does — call (叫号),
recall, serve, no-show, finish, pause, resume, close, transfer, open, and staff signing in."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from hall import views
from hall.api.dependencies import Body, Device, Node, allow, error_answers, run
from hall.engine import Engine
from hall.errors import ErrorCode, QueueError
from hall.node import HallNode, Operation
from hall.schemas import QueueEntryBody

router = APIRouter()

#: What each window operation (an ``Engine`` method) may be refused with.
WINDOW_ERRORS: dict[str, tuple[ErrorCode, ...]] = {
    "call_next": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_CLOSED, ErrorCode.WINDOW_PAUSED,
                  ErrorCode.WINDOW_BUSY, ErrorCode.REMOTE_BUSY),
    "recall": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE, ErrorCode.BAD_STATE,
               ErrorCode.RECALL_LIMIT),
    "start_serving": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE, ErrorCode.BAD_STATE),
    "no_show": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE, ErrorCode.BAD_STATE),
    "finish": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE),
    "pause": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.BAD_STATE, ErrorCode.WINDOW_BUSY,
              ErrorCode.REMOTE_BUSY),
    "resume": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.BAD_STATE),
    "close_window": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.BAD_STATE, ErrorCode.WINDOW_BUSY,
                     ErrorCode.REMOTE_BUSY),
    "transfer": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.WINDOW_IDLE, ErrorCode.BAD_TRANSFER,
                 ErrorCode.UNKNOWN_SERVICE),
    "open_window": (ErrorCode.UNKNOWN_WINDOW, ErrorCode.UNKNOWN_STAFF, ErrorCode.BAD_STATE),
}


class TransferRequest(Body):
    """POST /api/v1/windows/{window}/transfer: exactly one of the two."""

    to_service: str | None = Field(None, max_length=32)
    to_window: str | None = Field(None, max_length=16)


class OpenRequest(Body):
    """POST /api/v1/windows/{window}/open (optionally naming the staff member)."""

    staff_id: str | None = Field(None, max_length=32)


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
                  "finish": "finish", "pause": "pause", "resume": "resume",
                  "close": "close_window"}
for path, method in WINDOW_ACTIONS.items():
    router.add_api_route(f"/api/v1/windows/{{window}}/{path}", _window_endpoint(method),
                         methods=["POST"], name=f"window_{method}",
                         responses=error_answers(*WINDOW_ERRORS[method]))


@router.post("/api/v1/windows/{window}/transfer",
             responses=error_answers(*WINDOW_ERRORS["transfer"]))
async def transfer(window: str, body: TransferRequest, device: Device, node: Node
                   ) -> Response:
    """Transfer the current ticket to a theme or a named window, keeping its arrival."""
    allow(device, "window", window)
    return await run(node, window_operation(window, "transfer", to_service=body.to_service,
                                            to_window=body.to_window))


@router.post("/api/v1/windows/{window}/open",
             responses=error_answers(*WINDOW_ERRORS["open_window"]))
async def open_window(window: str, device: Device, node: Node,
                      body: OpenRequest | None = None) -> Response:
    """Open the window."""
    allow(device, "window", window)
    return await run(node, window_operation(window, "open_window",
                                            staff_id=body.staff_id if body else None))


@router.post("/api/v1/windows/{window}/sign-in", responses=error_answers(
    ErrorCode.BAD_CREDENTIALS, *WINDOW_ERRORS["open_window"]))
async def sign_in(window: str, body: SignInRequest, device: Device, node: Node) -> Response:
    """Staff sign in with a PIN or a badge; the window opens with them."""
    allow(device, "window", window)
    staff_id = _check_staff(node, body)
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


def _check_staff(node: HallNode, body: SignInRequest) -> str:
    staff = node.config.staff
    if body.badge_uid:
        for badge_holder in staff.values():
            if badge_holder.badge_uid and badge_holder.badge_uid.upper() == body.badge_uid.upper():
                return badge_holder.id
        raise QueueError(ErrorCode.BAD_CREDENTIALS, "工作证未登记", "Unknown staff badge",
                         status=401)
    person = staff.get(body.staff_id or "")
    if person is None or not person.pin_matches(body.pin or ""):
        raise QueueError(ErrorCode.BAD_CREDENTIALS, "工号或密码错误", "Wrong staff id or PIN",
                         status=401)
    return person.id
