"""A lean ASGI path for the hall node's hottest routes, in front of the FastAPI app.

Taking a number (``POST /api/v1/tickets``), calling the next citizen and finishing with them
(``POST /api/v1/windows/{window}/call`` and ``…/finish``) and reading a ticket
(``GET /api/v1/tickets/{id}``) cost FastAPI about a millisecond of CPU each, which the event
loop shares (and the GIL) with the node's writer. Here they take a fraction of that.

Why a second way to serve a route: without it the node does not hold its target (≥ 2,000
durable operations a second with p99 < 20 ms, 200 window desks paced at 2,000 requests a
second: ``python -m bench.bench_hall --history 0 --clients 200 --paced-only`` with and without
``--no-fast-path``). On 2 cores shared with other jobs, the FastAPI routes alone fell behind
(p99 0.2–1.4 s in four 25-second runs) where this path kept p99 at 9–27 ms (once 118 ms, the
machine's other load peaking); the README has the figures. Measured again for a city centre
(issue 21, ``python -m bench.bench_scale --clients 50 [--no-fast-path]``): docs/design.md.

It is the same route, not a copy: the routers' own dependencies and operations, taken from
:mod:`hall.api` — the node and the device tokens from ``app.state`` as ``Depends`` gives them,
:func:`~hall.api.dependencies.bearer_token`, :class:`~hall.api.dependencies.DeviceTokens`
and :func:`~hall.api.dependencies.allow` for the token and the role, the body model
:class:`~hall.api.tickets.TicketRequest`, the node operations
:func:`~hall.api.tickets.issue_operation` and :func:`~hall.api.windows.window_operation`, the
read :func:`~hall.api.tickets.ticket_or_404`, and :func:`~hall.api.dependencies.error_of`
for an error's answer — answered once the write is on disk as there. Only the plain good case
is taken: a request with a missing or unknown token, a role that may not, a body that is not a
valid JSON object of the model, any other route or method — all go to FastAPI unchanged (with
the body already read replayed), so every refusal is FastAPI's own. Middleware added to the
FastAPI app does not see the fast routes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from fastapi import FastAPI
from pydantic import ValidationError

from hall.api.dependencies import DeviceTokens, allow, bearer_token, error_of
from hall.api.tickets import TicketRequest, issue_operation, ticket_or_404
from hall.api.windows import window_operation
from hall.errors import QueueError
from hall.node import HallNode, InternalError, Operation
from hall.store import PairedDevice, StoreError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

TICKETS = "/api/v1/tickets"
TICKET = "/api/v1/tickets/"
WINDOW = "/api/v1/windows/"
#: The window operations taken here (``POST /api/v1/windows/{window}/<key>``) and their
#: engine methods: a desk calls and finishes all day long.
WINDOW_OPERATIONS = {"call": "call_next", "finish": "finish"}
_JSON_HEADERS = (b"content-type", b"application/json")


class FastPath:
    """ASGI app: the hot routes handled here, everything else passed to ``app``."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.node: HallNode = app.state.node
        self.tokens: DeviceTokens = app.state.device_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            method, path = scope["method"], scope["path"]
            if method == "POST" and path == TICKETS:
                return await self._issue(scope, receive, send)
            if method == "POST" and path.startswith(WINDOW):
                window, _, action = path[len(WINDOW):].partition("/")
                operation = WINDOW_OPERATIONS.get(action)
                if window and operation:
                    return await self._window(window, operation, scope, receive, send)
            if method == "GET" and path.startswith(TICKET):
                ticket_id = path[len(TICKET):]
                if ticket_id and "/" not in ticket_id:
                    return await self._ticket(ticket_id, scope, receive, send)
        await self.app(scope, receive, send)

    # ------------------------------------------------------------------ routes
    async def _issue(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        if body is None:
            return                      # the client left before it finished asking
        device = self._device(scope)
        request = _ticket_request(scope, body) if device is not None else None
        if device is None or request is None or not _allowed(device, "issue"):
            return await self.app(scope, _replay(body, receive), send)
        await self._run(send, issue_operation(request, device.name), 201)

    async def _window(self, window: str, method: str, scope: Scope, receive: Receive,
                      send: Send) -> None:
        device = self._device(scope)
        if device is None or not _allowed(device, "window", window):
            return await self.app(scope, receive, send)
        await self._run(send, window_operation(window, method), 200)

    async def _ticket(self, ticket_id: str, scope: Scope, receive: Receive, send: Send) -> None:
        device = self._device(scope)
        if device is None or not _allowed(device, "read"):
            return await self.app(scope, receive, send)
        try:
            found = ticket_or_404(self.node, ticket_id)
        except (QueueError, StoreError) as failed:
            return await _respond(send, *error_of(failed))
        await _respond(send, 200, found)

    # ------------------------------------------------------------------ helpers
    def _device(self, scope: Scope) -> PairedDevice | None:
        """The paired device of the request's bearer token, None when there is none."""
        header = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        try:
            return self.tokens.device_of(bearer_token(header))
        except QueueError:
            return None

    async def _run(self, send: Send, operation: Operation, status: int) -> None:
        """As :func:`hall.api.dependencies.run`: the answer is sent once it is on disk."""
        try:
            result = await self.node.submit_async(operation)
        except (QueueError, StoreError, InternalError) as failed:
            return await _respond(send, *error_of(failed))
        if result is None:
            return await _respond(send, 204, None)
        await _respond(send, status, result)


def _allowed(device: PairedDevice, what: str, window: str | None = None) -> bool:
    try:
        allow(device, what, window)
    except QueueError:
        return False
    return True


def _ticket_request(scope: Scope, body: bytes) -> TicketRequest | None:
    """The body as FastAPI would take it, when it surely would: JSON by its content type and
    valid for the model. None for anything else (FastAPI then answers)."""
    content_type = ""
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value.decode("latin-1")
            break
    if content_type.partition(";")[0].strip().lower() != "application/json":
        return None
    try:
        return TicketRequest.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError):
        return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body already read once, then the client's own."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}
    return replay


async def _respond(send: Send, status: int, content: Any) -> None:
    """A JSON answer as Starlette's JSONResponse gives it; no body at all for None."""
    if content is None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    try:
        body = orjson.dumps(content)
    except TypeError:       # what orjson refuses (an int beyond 64 bits …), json may still take
        body = json.dumps(content, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), _JSON_HEADERS]})
    await send({"type": "http.response.body", "body": body})
