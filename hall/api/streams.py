"""What the hall API's WebSocket streams (:mod:`hall.api.events`, :mod:`hall.api.follow`) do
alike once a client is accepted: notice at once when it leaves, and let it go quietly."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import WebSocket, WebSocketDisconnect

from hall.hub import Subscription


@asynccontextmanager
async def serving(websocket: WebSocket, subscription: Subscription,
                  leave: Callable[[], None]) -> AsyncIterator[None]:
    """Serve ``subscription`` on the accepted ``websocket`` for the body of the ``with``.

    A client that leaves closes the subscription at once, even while the hall is quiet (not at
    the next event, nor at shutdown by cancelling the handler); a connection that breaks is
    just a disconnect; ``leave`` runs last, whatever ended the stream.
    """
    async def until_disconnect() -> None:
        try:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        finally:
            subscription.close()
    gone = asyncio.ensure_future(until_disconnect())
    try:
        yield
    except WebSocketDisconnect:
        pass
    finally:
        gone.cancel()
        if gone.done() and not gone.cancelled():
            gone.exception()       # a connection that broke is just a disconnect
        leave()
