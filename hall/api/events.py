"""The event log: committed events after a sequence number, and the WebSocket stream of every
event as it commits (what displays, consoles and the sync agent follow).

A refused stream is accepted and closed at once with a code that says why, 4000 + the HTTP
status of the same refusal and the error code as the reason: 4401 ``unauthorized`` (no token
or an unknown one), 4403 ``forbidden``, 4422 ``bad_request: …`` (an ``after`` that is not a
sequence number, 0 … 2^63−1); 1013 when the subscriber fell too far behind."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, WebSocket
from fastapi.responses import JSONResponse

from hall.api.dependencies import (
    Device,
    DeviceTokens,
    Hub,
    Node,
    allow,
    error_answers,
    still_paired,
)
from hall.api.streams import serving
from hall.bounds import MAX_SEQ
from hall.errors import ErrorCode, QueueError
from hall.node import HallNode

router = APIRouter()


@router.get("/api/v1/events", responses=error_answers())
async def events(device: Device, node: Node,
                 after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
                 limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> Response:
    """Committed events after a sequence number, oldest first."""
    allow(device, "read")
    found = await asyncio.to_thread(node.store.events_after, after, limit)
    return JSONResponse({"events": [_event_dict(node, e) for e in found],
                         "last_seq": node.store.last_seq})


@router.websocket("/api/v1/stream")
async def stream(websocket: WebSocket, node: Node, hub: Hub,
                 after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
                 token: str | None = None) -> None:
    """Every event as it commits, after those with seq > ``after`` that already exist."""
    device_tokens: DeviceTokens = websocket.app.state.device_tokens
    header = websocket.headers.get("authorization", "")
    token = token or header.partition(" ")[2].strip() or None
    try:
        device = device_tokens.device_of(token)
        allow(device, "read")
    except QueueError as refused:
        # Accept first: a close before accept reaches the client as a bare HTTP 403,
        # and the technician would not learn whether the token is unknown or forbidden.
        await websocket.accept()
        await websocket.close(code=4401 if refused.status == 401 else 4403,
                              reason=refused.code)
        return
    await websocket.accept()
    subscription = hub.subscribe()

    async with serving(websocket, subscription, leave=lambda: hub.unsubscribe(subscription)):
        sent = after
        while not subscription.closed:
            backlog = await asyncio.to_thread(node.store.events_after, sent, 1000)
            for event in backlog:
                await websocket.send_text(hub.encode(event))
                sent = event.seq
            if len(backlog) < 1000:
                break
        pending = subscription.pending
        while not subscription.closed:
            if pending and not still_paired(device_tokens, token):
                # revoked (hallq revoke) while connected: nothing more for this device
                await websocket.close(code=4401, reason=ErrorCode.UNAUTHORIZED)
                return
            while pending:
                seq, text = pending.popleft()
                if seq > sent:          # already sent from the backlog
                    await websocket.send_text(text)
                    sent = seq
            if subscription.overflowed:
                await websocket.close(code=1013, reason="fell behind; reconnect with after")
                return
            await subscription.wait()


def _event_dict(node: HallNode, event: Any) -> dict:
    data = event.to_dict()
    data["hall_id"] = node.config.hall_id
    return data
