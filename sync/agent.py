"""The hall's sync agent: runs beside the hall node and keeps central up to date.

Five threads, each independent of the others' failures, one class each:

- the **pusher** (:class:`~sync.event_pusher.EventPusher`) pushes the hall's events to central
  one batch at a time, resuming from what central acknowledged; it wakes on the hall's event
  stream or every ``poll_s`` and backs off while either side is unreachable;
- the **puller** (:class:`~sync.catalog_puller.CatalogPuller`) fetches the hall's catalog and
  the day's appointments;
- the **submissions** thread (:class:`~sync.submission_sync.SubmissionSync`) uploads the
  node's encrypted outbox of self-service submissions (resumably; ``hall_data_dir``) and
  brings the back office's progress of them to the node, and the **reuse** thread
  (:class:`~sync.submission_sync.ReuseRelay`) answers the kiosks' questions for documents a
  citizen gave before (一证通办) from central;
- the **reporter** (:class:`~sync.lag_reporter.LagReporter`) tells the hall node its lag every
  ``report_every_s`` and writes the same to ``<state dir>/status.json``.

Cloud calling (云叫号) adds two more (``relay=False`` leaves them out):

- the **relay** (:class:`~sync.cloud_relay.CloudRelay`) sends the node's lease outbox, its
  kiosks' referrals and their withdrawals to central, and brings the city's recommendations;
- the **inbox** (:class:`~sync.cloud_inbox.CloudInbox`) long-polls central for this hall's
  mail: lease messages, referrals to issue here and their cancellations, results of this
  hall's own referrals, ratings given on the phone.

Both back off while central or the node is unreachable and never stop on an error: the lease
protocol resends every message until answered, so a lost one costs only time.

What the threads share (both clients, the state file, the hall's id, the stop signal) is one
:class:`~sync.agent_link.AgentLink`. Central must be reached over HTTPS unless it is on a
loopback address or plain HTTP is explicitly allowed (:func:`~sync.agent_config.check_transport`):
submissions carry citizens' personal data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from hall.client import EventStream, HallApiError
from sync.agent_config import AgentConfig, check_transport
from sync.agent_link import AgentLink
from sync.agent_state import StateFile
from sync.catalog_puller import CatalogPuller
from sync.central_client import CentralClient
from sync.cloud_inbox import CloudInbox, ReferralAnswers
from sync.cloud_relay import CloudRelay
from sync.event_pusher import EventPusher
from sync.hall_client import SyncHallClient
from sync.lag_reporter import LagReporter
from sync.submission_sync import ReuseRelay, SubmissionSync


class SyncAgent:
    """Keeps one hall's central copy up to date and relays its cloud calling.
    :meth:`start`/:meth:`stop`, or drive it step by step with :meth:`push_once`,
    :meth:`catch_up`, :meth:`pull_once`, :meth:`relay_once`, :meth:`inbox_once`."""

    def __init__(self, config: AgentConfig, *, hall: SyncHallClient | None = None,
                 central: CentralClient | None = None, state_file: StateFile | None = None
                 ) -> None:
        check_transport(config.central_url, config.allow_plain_http)
        self.config = config
        self.hall = hall or SyncHallClient(config.hall_url, config.hall_token, timeout=10)
        self.central = central or CentralClient(config.central_url, config.credential,
                                                verify=config.verify)
        self.link = AgentLink(config, self.hall, self.central,
                              state_file or StateFile(config.state_dir))
        self.pusher = EventPusher(self.link)
        self.puller = CatalogPuller(self.link, wake_pusher=self.pusher.doorbell.set)
        self.submissions = SubmissionSync(self.link)
        self.reuse = ReuseRelay(self.link)
        self.reporter = LagReporter(self.link, self.pusher, self.submissions.pending)
        answers = ReferralAnswers()
        self.relay = CloudRelay(self.link, answers)
        self.inbox = CloudInbox(self.link, answers)
        self._threads: list[threading.Thread] = []
        self._stream: EventStream | None = None

    # ------------------------------------------------------------------ one step at a time
    @property
    def acked(self) -> int:
        """The highest sequence number central holds contiguously (as last heard)."""
        return self.link.acked

    def push_once(self) -> int:
        """Push one batch; the number of events sent (:meth:`EventPusher.push_once`)."""
        return self.pusher.push_once()

    def catch_up(self, timeout: float = 30.0) -> int:
        """Push until central holds everything the hall had; the events pushed."""
        return self.pusher.catch_up(timeout)

    def pull_once(self) -> dict[str, int]:
        """Fetch the catalog and today's appointments (:meth:`CatalogPuller.pull_once`)."""
        return self.puller.pull_once()

    def upload_submissions(self) -> int:
        """Send the outbox; the number of submissions sent."""
        return self.submissions.upload_all()

    def pull_progress(self) -> int:
        """Bring the back office's progress of the hall's submissions to the node."""
        return self.submissions.pull_progress()

    def answer_reuse_questions(self, wait: float = 0.0) -> int:
        """Answer the node's questions for documents given before (waiting up to ``wait``)."""
        return self.reuse.answer_once(wait)

    def relay_once(self) -> dict[str, int]:
        """One round of the node's lease outbox (:meth:`CloudRelay.relay_once`)."""
        return self.relay.relay_once()

    def pull_recommendations(self) -> int:
        """Bring central's recommendations for this hall's 通办 items to the node."""
        return self.relay.pull_recommendations()

    def inbox_once(self, wait: float = 0.0) -> dict[str, int]:
        """Take this hall's mail from central (waiting up to ``wait`` seconds) and act on it."""
        return self.inbox.inbox_once(wait)

    def lag(self) -> dict[str, Any]:
        """Events and seconds central is behind the hall, and the link's state."""
        return self.reporter.lag()

    def report(self) -> dict[str, Any]:
        """Write the lag to ``status.json`` and tell the hall node; the lag reported."""
        return self.reporter.report()

    # ------------------------------------------------------------------ life cycle
    def start(self) -> SyncAgent:
        """Start the pusher, puller, reporter, relay and inbox threads (and follow the hall's
        stream)."""
        self.link.stopping.clear()
        if self.config.follow_stream:
            try:
                head = self.hall.health().get("last_seq", 0)
            except HallApiError:
                head = self.acked
            self._stream = EventStream(self.config.hall_url, self.config.hall_token,
                                       self.pusher.on_hall_event, after=head).start()
        loops: list[tuple[str, Callable[[], None]]] = [
            ("sync-push", self.pusher.run), ("sync-pull", self.puller.run),
            ("sync-report", self.reporter.run), ("sync-submissions", self.submissions.run),
            ("sync-reuse", self.reuse.run)]
        if self.config.relay:
            loops += [("sync-relay", self.relay.run), ("sync-inbox", self.inbox.run)]
        for name, target in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def alive(self) -> bool:
        """Whether every loop started by :meth:`start` still runs (the watchdog's check)."""
        return bool(self._threads) and all(thread.is_alive() for thread in self._threads)

    def stop(self) -> None:
        """Stop the threads (a push in flight finishes or times out)."""
        self.link.stopping.set()
        self.pusher.doorbell.set()
        self.inbox.interrupt()
        if self._stream is not None:
            self._stream.stop()
            self._stream = None
        for thread in self._threads:
            thread.join(timeout=15)
        self._threads = []

    def close(self) -> None:
        """Stop and close both clients."""
        self.stop()
        self.hall.close()
        self.central.close()
