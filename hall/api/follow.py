"""A citizen's phone following its own ticket: ``/api/v1/follow/{token}``, a WebSocket opened
with the ticket's phone link token (:mod:`hall.links`, the QR on the ticket), no device token.

It sends ``{"kind": "ticket.position", "ticket", "ahead"}`` at once and whenever the number of
people ahead changes (-1 once the ticket no longer waits), and each event of the ticket as the
event stream sends it (called to a window, finished …). A token the hall did not make and a
ticket that is not today's are closed alike with 4404 ``unknown_ticket``; 1013 when the phone
fell too far behind (it reconnects)."""

from fastapi import APIRouter, WebSocket

from hall import links
from hall.api.dependencies import Node
from hall.api.streams import serving
from hall.errors import ErrorCode
from hall.follow import Followers, position_message

router = APIRouter()


@router.websocket("/api/v1/follow/{token}")
async def follow(websocket: WebSocket, token: str, node: Node) -> None:
    """Follow one ticket: its place in line and its events, as they commit."""
    followers: Followers = websocket.app.state.followers
    ticket_id = links.ticket_of(node.link_key, token)
    await websocket.accept()
    if ticket_id is None or not node.read(lambda engine, now: ticket_id in engine.state.tickets):
        await websocket.close(code=4404, reason=ErrorCode.UNKNOWN_TICKET)
        return
    # following before reading the place: a commit after the read is delivered after it
    subscription = followers.follow(ticket_id, -2)

    ahead = node.read(lambda engine, now: engine.position(engine.state.tickets[ticket_id], now))
    followers.told(ticket_id, ahead)

    async with serving(websocket, subscription,
                       leave=lambda: followers.unfollow(ticket_id, subscription)):
        await websocket.send_text(position_message(ticket_id, ahead))
        pending = subscription.pending
        while not subscription.closed:
            while pending:
                await websocket.send_text(pending.popleft()[1])
            if subscription.overflowed:
                await websocket.close(code=1013, reason="fell behind; reconnect")
                return
            await subscription.wait()
