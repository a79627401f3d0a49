"""A phone following its ticket over a real uvicorn (``/api/v1/follow/{token}``, issue 21):
its place at once, a new place after each call ahead of it and none when nothing ahead moved,
then its own call; a token the hall did not make is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from hall import links


def _follow(hall: Any, token: str) -> Any:
    return connect(hall.url.replace("http://", "ws://") + f"/api/v1/follow/{token}",
                   open_timeout=5)


def test_a_phone_is_told_its_place_as_the_line_moves_then_its_call(hall: Any) -> None:
    kiosk, caller = hall.client("kiosk"), hall.client("caller-1")
    hall.client("admin").window_action("1", "open")
    ids = [kiosk.issue("A")["id"] for _ in range(3)]
    token = links.link_token(hall.server.node.link_key, ids[2])
    with _follow(hall, token) as phone:
        assert json.loads(phone.recv(timeout=5)) == {"kind": "ticket.position",
                                                     "ticket": ids[2], "ahead": 2}
        kiosk.issue("B")                 # another line: this phone's place did not change
        kiosk.issue("A")                 # behind it
        assert caller.call("1")["id"] == ids[0]
        assert json.loads(phone.recv(timeout=5))["ahead"] == 1
        caller.window_action("1", "finish")
        assert caller.call("1")["id"] == ids[1]
        assert json.loads(phone.recv(timeout=5))["ahead"] == 0
        caller.window_action("1", "finish")
        assert caller.call("1")["id"] == ids[2]
        called = json.loads(phone.recv(timeout=5))
        assert (called["kind"], called["data"]["window"]) == ("ticket.called", "1")
        assert json.loads(phone.recv(timeout=5))["ahead"] == -1
        with pytest.raises(TimeoutError):
            phone.recv(timeout=0.3)


def test_a_token_the_hall_did_not_make_is_closed_4404(hall: Any) -> None:
    ticket_id = hall.client("kiosk").issue("A")["id"]
    for token in (ticket_id, f"{ticket_id}.AAAAAAAAAAAA", "nothing"):
        with _follow(hall, token) as phone, pytest.raises(ConnectionClosed) as closed:
            phone.recv(timeout=5)
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4404, "unknown_ticket")
