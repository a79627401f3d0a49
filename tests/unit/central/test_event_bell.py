"""Every central worker hears at once that another ingested a hall's events (PostgreSQL
NOTIFY), and its city state follows that hall then, not at its next refresh."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from central import catalog
from central.city import CityService
from central.db import open_database
from central.event_bell import EventListener, announce
from central.ingest import ingest
from hall.events import EventKind
from tests.helpers.central import hall_catalog, hall_day


def wait_for(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return found


def test_a_worker_follows_what_another_ingested_as_soon_as_it_is_announced(
        pg_url: str) -> None:
    db = open_database(pg_url)
    catalog.put_catalog(db, "HA", hall_catalog("HA"))
    other_worker = CityService(open_database(pg_url))
    other_worker.rebuild()
    other_worker.refresh(force=True)
    rung: list[str] = []
    other_worker.on_change = rung.append
    listener = EventListener(pg_url, other_worker.catch_up).start()
    try:
        time.sleep(0.3)                                  # listening
        ticket = f"{hall_day()}-A001"
        ingest(db, "HA", [{"seq": 1, "kind": EventKind.TICKET_ISSUED, "ts": time.time(),
                           "data": {"ticket": ticket, "number": "A001", "theme": "A",
                                    "item": "A01", "channel": "kiosk", "elderly": False}}], 0)
        assert other_worker.phone_progress("HA", ticket, refresh=False) is None
        announce(db, "HA")
        wait_for(lambda: rung == ["HA"], "the other worker to follow HA")
        assert other_worker.phone_progress("HA", ticket, refresh=False) == {
            "status": "waiting", "window": None, "ahead": 0}
        announce(db, "HA")                               # nothing new: nothing rung
        time.sleep(0.3)
        assert rung == ["HA"]
    finally:
        listener.stop()
        other_worker.db.close()
        db.close()
