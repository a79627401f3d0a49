"""Finding the hall node on the LAN with zeroconf, here on the loopback interface: a console
finds the hall by its advert, with its id and API version, and no longer after it stopped.

The advert answers queries from the event loop it was started on (as in the hall server), so
each test runs one loop and browses from a worker thread, as a console would from its own
process.
"""

from __future__ import annotations

import asyncio
import uuid

from hall.discovery import Advertiser, HallAddress, find_hall, find_halls
from hall.net import free_port


def _unique_id() -> str:
    return f"TEST-{uuid.uuid4().hex[:8]}"          # other tests may advertise halls too


def test_a_hall_advertised_on_loopback_is_found_and_then_gone() -> None:
    hall_id, port = _unique_id(), free_port()

    async def scenario() -> tuple[HallAddress | None, list[HallAddress], HallAddress | None]:
        advertiser = Advertiser(hall_id, "测试大厅", "127.0.0.1", port, "1")
        assert await advertiser.start() is True
        try:
            found = await asyncio.to_thread(find_hall, 10, hall_id, "127.0.0.1")
            every = await asyncio.to_thread(find_halls, 1.5, "127.0.0.1")
        finally:
            await advertiser.stop()
        gone = await asyncio.to_thread(find_hall, 2, hall_id, "127.0.0.1")
        return found, every, gone

    found, every, gone = asyncio.run(scenario())
    assert found is not None
    assert (found.hall_id, found.api_version, found.name) == (hall_id, "1", "测试大厅")
    assert found.url == f"http://127.0.0.1:{port}"
    assert hall_id in {h.hall_id for h in every}
    assert gone is None


def test_two_halls_are_told_apart_by_their_id() -> None:
    ids = [_unique_id() for _ in range(2)]

    async def scenario() -> tuple[list[HallAddress | None], list[HallAddress]]:
        advertisers = [Advertiser(hall_id, f"大厅{n}", "127.0.0.1", free_port(), "1")
                       for n, hall_id in enumerate(ids)]
        try:
            for advertiser in advertisers:
                assert await advertiser.start() is True
            found = [await asyncio.to_thread(find_hall, 10, hall_id, "127.0.0.1")
                     for hall_id in ids]
            every = await asyncio.to_thread(find_halls, 2, "127.0.0.1")
        finally:
            for advertiser in advertisers:
                await advertiser.stop()
        return found, every

    found, every = asyncio.run(scenario())
    assert [h.hall_id if h else None for h in found] == ids
    mine = [h for h in every if h.hall_id in ids]
    assert sorted(h.hall_id for h in mine) == sorted(ids)          # once each
    assert len({h.url for h in mine}) == 2


def test_the_default_interfaces_advertise_and_find_a_hall() -> None:
    """What every user runs: ``hallq hall`` binds 0.0.0.0 and the apps and ``hallq status``
    browse without naming an interface (zeroconf 0.154 refused the old default, "all")."""
    hall_id, port = _unique_id(), free_port()

    async def scenario() -> HallAddress | None:
        advertiser = Advertiser(hall_id, "默认网卡大厅", "0.0.0.0", port, "1")
        assert await advertiser.start() is True
        try:
            return await asyncio.to_thread(find_hall, 10, hall_id)
        finally:
            await advertiser.stop()

    found = asyncio.run(scenario())
    assert found is not None and found.hall_id == hall_id and found.url.endswith(f":{port}")
