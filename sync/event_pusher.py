"""The sync agent's pusher thread: the hall's events up to central.

It reads the hall's events after the last sequence number central acknowledged
(``HallClient.events``) one batch at a time and pushes them; central's answer (``acked``) is the
truth it resumes from, so a retry never duplicates and a gap central reports is simply read and
sent again. It wakes on the hall's event stream (low lag) or every ``poll_s``. While central
(or the hall) is unreachable it backs off exponentially up to ``max_backoff_s``; the hall runs
on, and the agent catches up afterwards, holding at most one batch in memory however long the
outage was.
"""

from __future__ import annotations

import logging
import threading
import time

from hall.client import HallApiError
from sync.agent_link import AgentLink, Backoff
from sync.central_client import CentralApiError

log = logging.getLogger("hallq.sync.agent")


class EventPusher:
    """Pushes the hall's event log to central, batch by batch, and knows how far behind
    central is (``oldest_pending_ts``, ``central_reachable``, ``last_error``, ``last_push_at``)."""

    def __init__(self, link: AgentLink) -> None:
        self.link = link
        self.central_reachable: bool | None = None
        self.last_error = ""
        self.last_push_at: float | None = None
        self.oldest_pending_ts: float | None = None
        """When the oldest event central does not hold yet happened (None: none known)."""
        self.doorbell = threading.Event()
        """Rung when there is something to push (a hall event, central missing some)."""

    def push_once(self) -> int:
        """Push one batch; the number of events sent (0 when central is caught up).

        Raises :class:`HallApiError` or :class:`CentralApiError` when either side fails.
        """
        link = self.link
        link.prepare()
        page = link.hall.events(after=link.acked, limit=link.config.batch_size)
        events = page["events"]
        link.hall_seq = max(link.hall_seq, page["last_seq"])
        if not events:
            self.oldest_pending_ts = None
            return 0
        self.oldest_pending_ts = events[0]["ts"]
        batch = [{"seq": e["seq"], "kind": e["kind"], "ts": e["ts"], "data": e["data"]}
                 for e in events]
        try:
            answer = link.central.push(link.hall_id, batch, head_seq=link.hall_seq)
        except CentralApiError:
            self.central_reachable = False
            raise
        self.central_reachable, self.last_push_at = True, time.time()
        if answer["missing"]:
            log.info("central misses ranges %s; resending from %d", answer["missing"],
                     answer["acked"])
        with link.lock:
            link.state.acked_seq = answer["acked"]
            link.save()
        if link.acked >= link.hall_seq:
            self.oldest_pending_ts = None
        return len(events)

    def catch_up(self, timeout: float = 30.0) -> int:
        """Push until central holds everything the hall had; the events pushed."""
        deadline = time.monotonic() + timeout
        total = 0
        while time.monotonic() < deadline:
            sent = self.push_once()
            total += sent
            if sent == 0:
                return total
        raise TimeoutError("did not catch up in time")

    def on_hall_event(self, event: dict) -> None:
        """An event of the hall's stream: note how far the hall is and wake the pusher."""
        self.link.hall_seq = max(self.link.hall_seq, event["seq"])
        if self.oldest_pending_ts is None and event["seq"] > self.link.acked:
            self.oldest_pending_ts = event["ts"]
        self.doorbell.set()

    def run(self) -> None:
        """The thread: push, then wait for the doorbell (or ``poll_s``), until stopped."""
        config, stopping = self.link.config, self.link.stopping
        backoff = Backoff(config.min_backoff_s, config.max_backoff_s)
        while not stopping.is_set():
            try:
                sent = self.push_once()
            except (HallApiError, CentralApiError) as err:
                self._note_error(err)
                stopping.wait(backoff.next())
                continue
            except Exception as err:  # a bug: keep the hall's link alive, but say so
                log.exception("sync push failed")
                self._note_error(err)
                stopping.wait(backoff.next())
                continue
            backoff.reset()
            self.last_error = ""
            if sent < config.batch_size:
                if self.doorbell.wait(config.poll_s):
                    stopping.wait(config.linger_s)  # let a batch gather
                self.doorbell.clear()

    def _note_error(self, err: Exception) -> None:
        text = str(err)
        if text != self.last_error:
            log.warning("sync: %s", text)
        self.last_error = text
