"""The people ahead of every waiting ticket of a hall at once (what the phone pages of a hall
ask after each call) are the same as asked ticket by ticket: the green channel, the elderly,
a ticket transferred to a named window, arrival order."""

from __future__ import annotations

import time
from pathlib import Path

from central import catalog
from central.city import CityService
from central.db import open_database
from central.ingest import ingest
from hall.events import EventKind
from tests.helpers.central import hall_catalog, hall_day


def test_every_ticket_at_once_is_every_ticket_one_by_one(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    catalog.put_catalog(db, "HA", hall_catalog("HA"))
    day, now = hall_day(), time.time()
    events = [{"kind": EventKind.WINDOW_OPENED, "ts": now - 900, "data": {"window": "1"}}]
    for n in range(1, 13):
        theme = "A" if n % 3 else "C"
        events.append({"kind": EventKind.TICKET_ISSUED, "ts": now - 800 + n, "data": {
            "ticket": f"{day}-{theme}{n:03d}", "number": f"{theme}{n:03d}", "theme": theme,
            "item": None, "channel": "kiosk", "elderly": n in (5, 11)}})
    events.append({"kind": EventKind.TICKET_PRIORITIZED, "ts": now - 700,
                   "data": {"ticket": f"{day}-A008", "number": "A008", "green": True}})
    events.append({"kind": EventKind.TICKET_TRANSFERRED, "ts": now - 600, "data": {
        "ticket": f"{day}-A013", "number": "A013", "theme": "A", "from_window": "2",
        "to_window": "12", "sort_key": now - 1000}})
    ingest(db, "HA", [{**e, "seq": i + 1} for i, e in enumerate(events)], 0)
    service = CityService(db)
    service.rebuild()
    assert service.city is not None
    at_once = service.city.aheads("HA", now)
    one_by_one = {t: service.city.ahead_of("HA", t, now) for t in at_once}
    assert at_once == one_by_one
    assert len(at_once) == 13
    assert at_once[f"{day}-A008"] == 0, "the green channel first"
    assert at_once[f"{day}-A005"] == 1 and at_once[f"{day}-A011"] == 2, "then the elderly"
    assert at_once[f"{day}-A013"] == 0, "alone in window 12's named line"
    assert service.phone_progress("HA", f"{day}-A001") == {
        "status": "waiting", "window": None, "ahead": 3}
    db.close()
