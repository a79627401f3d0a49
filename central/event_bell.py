"""Telling every central worker at once that a hall's events were ingested, so that each
worker's open phone pages (``central/phone_page.py``) hear of a call within milliseconds, not
at the next refresh: the worker that ingested a batch sends ``NOTIFY hallq_events, '<hall>'``
(:func:`announce`), and each worker's :class:`EventListener` (a thread with its own PostgreSQL
connection, ``LISTEN hallq_events``) has its city state follow that hall at once.

PostgreSQL only: over SQLite central runs one worker, which follows what it ingests itself.
A lost notification (the listener reconnecting) costs only time: every worker still follows
the database at its refresh (``central/app.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from central.db import Database

log = logging.getLogger("hallq.central.event_bell")

#: The PostgreSQL channel.
CHANNEL = "hallq_events"


def announce(db: Database, hall_id: str) -> None:
    """Tell every worker that ``hall_id``'s events were ingested (PostgreSQL; else nothing)."""
    if db.dialect != "postgresql":
        return
    with db.transaction() as tx:
        tx.execute("SELECT pg_notify(?, ?)", (CHANNEL, hall_id))


class EventListener:
    """A thread that calls ``heard(hall_id)`` for each hall whose events a worker ingested."""

    def __init__(self, url: str, heard: Callable[[str], None]) -> None:
        self.url = url
        self.heard = heard
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-bell", daemon=True)

    def start(self) -> EventListener:
        """Start listening."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (within a second)."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        pause = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    pause = 0.5
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self._heard(note.payload)
            except psycopg.Error as err:
                log.info("not listening for ingested events now (%s); retrying", err)
                self._stop.wait(pause)
                pause = min(pause * 2, 30.0)

    def _heard(self, hall_id: str) -> None:
        try:
            self.heard(hall_id)
        except Exception:  # a bug: keep listening, but say so
            log.exception("following %s's events failed", hall_id)
