"""What every route of the hall node's LAN API shares: the node and the event hub (kept in
``app.state`` by :func:`hall.api.create_app`, handed to routes by ``Depends``), the paired
device of a request's token and what its role may do, running a write on the node, and the
error answers.

Every call but ``/api/v1/health`` and the phone page needs a paired device token
(``Authorization: Bearer …``, from ``hallq pair``) whose role allows it; a caller's token is
bound to its window. Errors are JSON ``{"code", "message_zh", "message_en"}`` with a 4xx status
(503 when the store cannot write, 500 for a bug); each route lists the codes it may answer in
the OpenAPI document (``responses=error_answers(…)``).
"""

import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response, WebSocket
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

from hall.errors import ErrorCode, QueueError, error_responses
from hall.hub import EventHub
from hall.node import HallNode, InternalError, Operation
from hall.store import ROLES, PairedDevice, StoreError

API_VERSION = "1"
ALL_ROLES = frozenset(ROLES)
#: What each kind of call needs: the one table of who may do what. A caller acts only on its
#: own window and on the tickets at it; a kiosk cancels only a ticket it took, with the
#: ticket's cancel token (``hall/api/tickets.py``); "any_ticket" is acting on any ticket of
#: the hall (the service desk 服务台, the supervisor 大厅管理).
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": ALL_ROLES,
    "issue": frozenset({"kiosk", "caller", "desk", "sync", "admin"}),  # sync: referred citizens
    "rate": frozenset({"kiosk", "caller", "admin"}),
    "cancel": frozenset({"kiosk", "caller", "desk", "supervisor", "admin"}),
    "green": frozenset({"caller", "desk", "supervisor", "admin"}),
    "recheck_in": frozenset({"caller", "desk", "supervisor", "admin"}),
    "any_ticket": frozenset({"desk", "supervisor", "admin"}),
    "window": frozenset({"caller", "supervisor", "admin"}),   # a caller: its own window
    "supervise": frozenset({"supervisor", "admin"}),    # open a window with nobody signed in
    "desk_card": frozenset({"desk"}),           # an ID card swiped at the desk's reader
    "appointments": frozenset({"sync", "admin"}),
    "device_status": ALL_ROLES,
    "sync_status": frozenset({"sync", "admin"}),
    "relay": frozenset({"sync", "admin"}),      # cloud calling: what central relays
    "submit": frozenset({"kiosk", "desk", "admin"}),    # self-service submissions (自助申报)
}
#: The code and messages of a write the store could not save (503), and of a bug (500).
STORE_UNAVAILABLE = (ErrorCode.STORE_UNAVAILABLE, "系统暂时无法保存，请稍后重试",
                     "The hall cannot save right now; try again")
INTERNAL_ERROR = (ErrorCode.INTERNAL_ERROR, "系统内部错误，请重试", "Internal error; try again")
#: What any route may answer: a malformed request, the store unable to save, a bug.
ANY_ROUTE_ERRORS = (ErrorCode.BAD_REQUEST, ErrorCode.STORE_UNAVAILABLE, ErrorCode.INTERNAL_ERROR)
#: What a route that needs a device token may answer besides: no token or an unknown one, a
#: role (or a console's window) that may not.
TOKEN_ERRORS = (ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN)


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer …`` header; None for any other scheme."""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


#: Seconds a token's device is trusted before the store is asked again: ``hallq revoke``
#: (from another process) takes effect within this long, without a restart.
TOKEN_RECHECK_S = 5.0


class DeviceTokens:
    """The paired device of each token, looked up in the store at most every
    ``TOKEN_RECHECK_S`` seconds per token (so a revoked device is refused soon after)."""

    def __init__(self, node: HallNode) -> None:
        self._node = node
        self._known: dict[str, tuple[PairedDevice, float]] = {}

    def device_of(self, token: str | None) -> PairedDevice:
        """The device paired with ``token``; a 401 QueueError when there is none."""
        if not token:
            raise QueueError(ErrorCode.UNAUTHORIZED, "设备未配对",
                             "A paired device token is required", status=401)
        known = self._known.get(token)
        now = time.monotonic()
        if known is not None and now - known[1] < TOKEN_RECHECK_S:
            return known[0]
        device = self._node.store.device_for(token)
        if device is None:
            self._known.pop(token, None)
            raise QueueError(ErrorCode.UNAUTHORIZED, "设备令牌无效", "Unknown device token",
                             status=401)
        self._known[token] = (device, now)
        return device


def still_paired(tokens: DeviceTokens, token: str | None) -> bool:
    """Whether ``token`` still belongs to a paired device (checked against the store at most
    every ``TOKEN_RECHECK_S``)."""
    try:
        tokens.device_of(token)
    except QueueError:
        return False
    return True


def allow(device: PairedDevice, what: str, window: str | None = None) -> None:
    """Refuse (403) unless the device's role may do ``what``; a caller only on its window."""
    if device.role not in PERMISSIONS[what]:
        raise forbidden(device)
    if window is not None and device.role == "caller" and device.window != window:
        raise QueueError(ErrorCode.FORBIDDEN, "只能操作本窗口",
                         f"This console is paired to window {device.window}", status=403)


def forbidden(device: PairedDevice) -> QueueError:
    """The 403 of a device whose role may not do what it asked."""
    return QueueError(ErrorCode.FORBIDDEN, "该设备无权执行此操作",
                      f"A {device.role} device may not do this", status=403)


class Body(BaseModel):
    """Base of request bodies: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------- dependencies
async def node_of(connection: HTTPConnection) -> HallNode:
    """The hall node the app serves."""
    return connection.app.state.node


async def hub_of(connection: HTTPConnection) -> EventHub:
    """The hub that sends the node's events to the stream's subscribers."""
    return connection.app.state.hub


async def bearer(request: Request) -> PairedDevice:
    """The paired device of the request's bearer token; 401 when there is none."""
    tokens: DeviceTokens = request.app.state.device_tokens
    return tokens.device_of(bearer_token(request.headers.get("authorization", "")))


Node = Annotated[HallNode, Depends(node_of)]
Hub = Annotated[EventHub, Depends(hub_of)]
Device = Annotated[PairedDevice, Depends(bearer)]


async def run(node: HallNode, operation: Operation, status: int = 200) -> Response:
    """Run a write through the node; the answer is sent once it is on disk."""
    result = await node.submit_async(operation)
    if result is None:
        return Response(status_code=204)
    return JSONResponse(result, status_code=status)


# ---------------------------------------------------------------------- errors
def error_answers(*codes: ErrorCode, token: bool = True) -> dict[int | str, Any]:
    """The ``responses=`` of a route that may refuse with ``codes``, besides what any route
    may answer (and, with ``token``, a route that needs a device token): the error bodies
    by status, for the OpenAPI document."""
    chosen = {*codes, *ANY_ROUTE_ERRORS, *(TOKEN_ERRORS if token else ())}
    return error_responses(code for code in ErrorCode if code in chosen)


def error_of(failed: QueueError | StoreError | InternalError) -> tuple[int, dict[str, str]]:
    """Status and body of the answer to an error an operation raised."""
    if isinstance(failed, QueueError):
        return failed.status, failed.to_dict()
    code, zh, en = STORE_UNAVAILABLE if isinstance(failed, StoreError) else INTERNAL_ERROR
    return code.status, {"code": str(code), "message_zh": zh, "message_en": en}


def add_error_handlers(app: FastAPI) -> None:
    """Answer the node's errors and a malformed request as the module docstring says."""

    @app.exception_handler(QueueError)
    @app.exception_handler(StoreError)
    @app.exception_handler(InternalError)
    async def known_error(_: Request, err: QueueError | StoreError | InternalError
                          ) -> JSONResponse:
        status, body = error_of(err)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_body(_: Request, err: RequestValidationError) -> JSONResponse:
        return bad_request(f"Bad request: {where_invalid(err)}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> Response:
        # a body that is not even text (FastAPI's 400) is as malformed as any other
        if err.status_code == 400:
            return bad_request(f"Bad request: {err.detail}")
        return await http_exception_handler(request, err)

    @app.exception_handler(WebSocketRequestValidationError)
    async def bad_stream(websocket: WebSocket, err: WebSocketRequestValidationError) -> None:
        # accepted first: a close before accept reaches the client as a bare HTTP 403
        await websocket.accept()
        reason = f"{ErrorCode.BAD_REQUEST}: {where_invalid(err)}"
        await websocket.close(code=4422, reason=reason.encode()[:123].decode(errors="ignore"))


def where_invalid(err: RequestValidationError | WebSocketRequestValidationError) -> str:
    """Where and why a request was invalid, in one line."""
    return "; ".join(".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in err.errors())


def bad_request(message_en: str) -> JSONResponse:
    """A 422 ``bad_request`` answer."""
    return JSONResponse({"code": str(ErrorCode.BAD_REQUEST), "message_zh": "请求内容有误",
                         "message_en": message_en}, status_code=422)
