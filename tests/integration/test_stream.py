"""The event stream over a real uvicorn: a long backlog in order and then live events, the drop
of a subscriber that fell too far behind (close 1013), and no compression negotiated."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from datetime import datetime
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from hall import hub as hub_module
from hall.engine import Engine
from hall.events import Event, EventKind


def _connect(hall: Any, after: int = 0) -> Any:
    url = hall.url.replace("http://", "ws://") + f"/api/v1/stream?after={after}"
    return connect(url, additional_headers={"Authorization": f"Bearer {hall.tokens['display']}"},
                   open_timeout=5)


def _commit_events(hall: Any, count: int) -> None:
    """One write that commits ``count`` device-status events."""
    def operation(engine: Engine, now: datetime) -> tuple[None, list[Event]]:
        return None, [Event(kind=EventKind.DEVICE_STATUS, ts=now.timestamp(),
                            data={"device": f"printer-{n}", "state": "ok"},
                            hall_id=engine.config.hall_id) for n in range(count)]
    hall.server.node.run(operation)


def _wait_subscribers(hall: Any, count: int) -> None:
    deadline = time.monotonic() + 5
    while hall.client("display").health()["subscribers"] != count:
        assert time.monotonic() < deadline, "subscriber count did not settle"
        time.sleep(0.02)


def test_a_long_backlog_comes_in_order_then_live_events(hall: Any) -> None:
    _commit_events(hall, 2500)                           # more than two pages of the store
    with _connect(hall) as ws:
        assert ws.protocol.extensions == []              # no per-message deflate
        seqs = [json.loads(ws.recv(timeout=5))["seq"] for _ in range(2500)]
        assert seqs == list(range(1, 2501))
        hall.client("kiosk").issue("A")
        live = json.loads(ws.recv(timeout=5))
        assert (live["seq"], live["kind"], live["hall_id"]) == (2501, EventKind.TICKET_ISSUED,
                                                                "GD-SZ-FT-001")
    with _connect(hall, after=2400) as ws:
        assert [json.loads(ws.recv(timeout=5))["seq"] for _ in range(101)] == \
            list(range(2401, 2502))
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.3)


@pytest.mark.allow_log("stream subscriber fell")
def test_a_subscriber_too_far_behind_gets_what_fitted_then_1013(
        hall: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "SUBSCRIBER_BACKLOG", 5)
    with _connect(hall) as ws:
        hall.client("kiosk").issue("A")
        assert json.loads(ws.recv(timeout=5))["seq"] == 1   # live now
        _commit_events(hall, 8)                             # one publish of 8 > 5
        assert [json.loads(ws.recv(timeout=5))["seq"] for _ in range(5)] == [2, 3, 4, 5, 6]
        with pytest.raises(ConnectionClosed) as dropped:
            ws.recv(timeout=5)
        assert dropped.value.rcvd is not None and dropped.value.rcvd.code == 1013
    _wait_subscribers(hall, 0)
    with _connect(hall, after=6) as ws:                     # resumes where it stopped
        assert [json.loads(ws.recv(timeout=5))["seq"] for _ in range(3)] == [7, 8, 9]


def test_subscribers_that_leave_are_forgotten_at_once(hall: Any) -> None:
    with ExitStack() as stack:
        streams = [stack.enter_context(_connect(hall)) for _ in range(5)]
        _wait_subscribers(hall, 5)
        for ws in streams[:3]:
            ws.close()
        _wait_subscribers(hall, 2)
        hall.client("kiosk").issue("A")
        for ws in streams[3:]:
            assert json.loads(ws.recv(timeout=5))["kind"] == EventKind.TICKET_ISSUED
    _wait_subscribers(hall, 0)
