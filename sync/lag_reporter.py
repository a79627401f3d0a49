"""The sync agent's reporter thread: how far behind central is, told to the hall node.

Every ``report_every_s`` it tells the hall node the agent's lag (events and seconds behind;
``POST /api/v1/sync/status``, shown in ``/api/v1/health`` and by ``hallq status``) and writes the
same to ``<state dir>/status.json``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from hall.client import HallApiError
from sync.agent_link import AgentLink
from sync.agent_state import write_json_atomic
from sync.event_pusher import EventPusher

log = logging.getLogger("hallq.sync.agent")


class LagReporter:
    """Reports the pusher's lag and the submissions waiting in the outbox."""

    def __init__(self, link: AgentLink, pusher: EventPusher,
                 pending_submissions: Callable[[], int] = lambda: 0) -> None:
        self.link = link
        self.pusher = pusher
        self._pending_submissions = pending_submissions

    def lag(self) -> dict[str, Any]:
        """Events and seconds central is behind the hall, and the link's state."""
        link, pusher = self.link, self.pusher
        behind = max(0, link.hall_seq - link.acked)
        oldest = pusher.oldest_pending_ts
        seconds = max(0.0, time.time() - oldest) if behind and oldest is not None else 0.0
        return {"events_behind": behind, "seconds_behind": round(seconds, 1),
                "acked_seq": link.acked, "hall_seq": link.hall_seq,
                "central_reachable": pusher.central_reachable,
                "last_error": pusher.last_error[:200], "last_push_at": pusher.last_push_at,
                "pending_submissions": self._pending_submissions()}

    def report(self) -> dict[str, Any]:
        """Write the lag to ``status.json`` and tell the hall node; the lag reported."""
        status = self.lag()
        write_json_atomic(self.link.config.state_dir / "status.json", status)
        try:   # with the agent's clock, which the node's health compares with its own
            self.link.hall.report_sync_status({**status, "clock": time.time()})
        except HallApiError as err:
            log.debug("could not report sync status to the hall: %s", err)
        return status

    def run(self) -> None:
        """The thread: report every ``report_every_s`` until stopped."""
        stopping = self.link.stopping
        while not stopping.is_set():
            try:
                self.report()
            except Exception:
                log.exception("sync status report failed")
            stopping.wait(self.link.config.report_every_s)
