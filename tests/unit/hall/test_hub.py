"""The event hub: each event serialised once, delivered in order to every subscriber, a
subscriber that falls too far behind dropped, and senders woken without a task per event."""

from __future__ import annotations

import asyncio
import json

import pytest

from hall import hub as hub_module
from hall.events import Event, EventKind
from hall.hub import EventHub, encode_event


def _event(seq: int, **data: object) -> Event:
    return Event(kind=EventKind.TICKET_ISSUED, ts=1710208800.5, data={"number": f"A{seq:03d}",
                                                                      **data},
                 seq=seq)


def test_encoding_is_the_json_of_the_event_with_the_hall_id() -> None:
    event = _event(7, service_name_zh="商事登记", window=None, ahead=3, green=False)
    text = encode_event(event, "GD-SZ-FT-001")
    assert json.loads(text) == {**event.to_dict(), "hall_id": "GD-SZ-FT-001"}
    assert list(json.loads(text)) == ["seq", "hall_id", "kind", "ts", "data"]
    assert "商事登记" in text                       # UTF-8, as send_json sent it


def test_encoding_falls_back_to_json_for_what_orjson_refuses() -> None:
    event = _event(1, big=2 ** 70)
    assert json.loads(encode_event(event, "H"))["data"]["big"] == 2 ** 70


def test_each_event_is_encoded_once_and_shared_in_order() -> None:
    async def go() -> None:
        hub = EventHub("H")
        hub.bind(asyncio.get_running_loop())
        first, second = hub.subscribe(), hub.subscribe()
        hub.publish_threadsafe([_event(1), _event(2)])
        await asyncio.wait_for(first.wait(), 1)
        assert [seq for seq, _ in first.pending] == [1, 2]
        assert [text for _, text in first.pending][0] is [text for _, text in second.pending][0]
        assert hub.subscribers == 2
        hub.unsubscribe(second)
        hub.publish_threadsafe([_event(3)])
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert [seq for seq, _ in first.pending] == [1, 2, 3]
        assert [seq for seq, _ in second.pending] == [1, 2]
    asyncio.run(go())


def test_a_waiting_sender_wakes_on_an_event_and_on_close() -> None:
    async def go() -> None:
        hub = EventHub("H")
        hub.bind(asyncio.get_running_loop())
        subscription = hub.subscribe()
        waiting = asyncio.ensure_future(subscription.wait())
        await asyncio.sleep(0.01)
        assert not waiting.done()
        hub.publish_threadsafe([_event(1)])
        await asyncio.wait_for(waiting, 1)
        subscription.pending.clear()
        waiting = asyncio.ensure_future(subscription.wait())
        await asyncio.sleep(0.01)
        subscription.close()
        await asyncio.wait_for(waiting, 1)
        await asyncio.wait_for(subscription.wait(), 1)   # closed: never waits again
    asyncio.run(go())


@pytest.mark.allow_log("stream subscriber fell")
def test_a_subscriber_too_far_behind_keeps_what_fitted_and_is_dropped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "SUBSCRIBER_BACKLOG", 3)
    hub = EventHub("H")
    slow, fast = hub.subscribe(), hub.subscribe()
    hub._publish([_event(1), _event(2)])
    fast.pending.clear()
    hub._publish([_event(3), _event(4)])
    assert [seq for seq, _ in slow.pending] == [1, 2, 3]
    assert slow.overflowed and not fast.overflowed
    assert hub.subscribers == 1
    hub._publish([_event(5)])
    assert [seq for seq, _ in slow.pending] == [1, 2, 3]
    assert [seq for seq, _ in fast.pending] == [3, 4, 5]
