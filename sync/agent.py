"""The hall's sync agent: runs beside the hall node and keeps central up to date.

Three threads, each independent of the others' failures:

- the **pusher** reads the hall's events after the last sequence number central acknowledged
  (``HallClient.events``) one batch at a time and pushes them; central's answer (``acked``) is
  the truth it resumes from, so a retry never duplicates and a gap central reports is simply
  read and sent again. It wakes on the hall's event stream (low lag) or every ``poll_s``.
  While central (or the hall) is unreachable it backs off exponentially up to
  ``max_backoff_s``; the hall runs on, and the agent catches up afterwards, holding at most one
  batch in memory however long the outage was.
- the **puller** fetches the hall's catalog (written to ``<state dir>/catalog.json``; applying
  it to the running node is the hall's business) and the day's appointments (handed to the hall
  with ``HallClient.save_appointment``), and uploads the submissions outbox (resumably).
- the **reporter** tells the hall node its lag (events and seconds behind) every
  ``report_every_s`` (``POST /api/v1/sync/status``, shown in ``/api/v1/health`` and by
  ``hallq status``) and writes the same to ``<state dir>/status.json``.

Central must be reached over HTTPS unless it is on a loopback address or plain HTTP is
explicitly allowed (tests, a trial): submissions carry citizens' personal data.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from hall.client import EventStream, HallApiError, HallClient
from sync.client import CentralApiError, CentralClient, is_loopback
from sync.outbox import Uploader, pending
from sync.state import AgentState, StateFile, write_json_atomic

log = logging.getLogger("hallq.sync.agent")


class AgentConfigError(ValueError):
    """The agent was configured in a way that would be unsafe or cannot work."""


@dataclass
class AgentConfig:
    """Settings of the agent; durations in seconds."""

    hall_url: str
    hall_token: str             # a token of role "sync" (``hallq pair --role sync``)
    central_url: str
    credential: str             # this hall's central credential ``hq_…``
    state_dir: Path
    batch_size: int = 1000      # events per push (and the most held in memory)
    poll_s: float = 1.0         # check the hall this often when its stream is silent
    linger_s: float = 0.5       # after the first new event, wait this long to batch more
    min_backoff_s: float = 0.5
    max_backoff_s: float = 60.0
    pull_every_s: float = 60.0  # catalog and appointments
    report_every_s: float = 2.0
    verify: bool | str = True   # TLS verification: True, or a CA bundle path
    allow_plain_http: bool = False
    follow_stream: bool = True


def check_transport(central_url: str, allow_plain_http: bool) -> None:
    """Refuse plain HTTP to central except on loopback or when explicitly allowed."""
    parsed = urlparse(central_url)
    if parsed.scheme == "https" or allow_plain_http or is_loopback(parsed.hostname or ""):
        return
    raise AgentConfigError("central must be reached over https:// (personal data travels "
                           "only over TLS); --allow-plain-http is for trials only")


class Backoff:
    """Exponential backoff with jitter, capped."""

    def __init__(self, first: float, cap: float) -> None:
        self.first, self.cap = first, cap
        self._next = first

    def next(self) -> float:
        """The delay to wait now; the next one doubles."""
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        """Back to the first delay after a success."""
        self._next = self.first


class SyncHallClient(HallClient):
    """The hall client plus the one call only the sync agent makes."""

    def report_sync_status(self, status: dict[str, Any]) -> None:
        """Tell the hall node the agent's lag (``POST /api/v1/sync/status``)."""
        self._call("POST", "/sync/status", status)


class SyncAgent:
    """Keeps one hall's central copy up to date. :meth:`start`/:meth:`stop`, or drive it
    step by step with :meth:`push_once`, :meth:`catch_up`, :meth:`pull_once`."""

    def __init__(self, config: AgentConfig, *, hall: SyncHallClient | None = None,
                 central: CentralClient | None = None, state_file: StateFile | None = None
                 ) -> None:
        check_transport(config.central_url, config.allow_plain_http)
        self.config = config
        self.hall = hall or SyncHallClient(config.hall_url, config.hall_token, timeout=10)
        self.central = central or CentralClient(config.central_url, config.credential,
                                                verify=config.verify)
        self.state_file = state_file or StateFile(config.state_dir)
        self.state: AgentState = self.state_file.load()
        self.hall_id = ""
        self.hall_seq = 0
        self.central_reachable: bool | None = None
        self.last_error = ""
        self.last_push_at: float | None = None
        self._aligned = False
        self._oldest_pending_ts: float | None = None
        self._timezone: ZoneInfo | None = None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._doorbell = threading.Event()
        self._threads: list[threading.Thread] = []
        self._stream: EventStream | None = None

    # ------------------------------------------------------------------ set-up
    @property
    def acked(self) -> int:
        """The highest sequence number central holds contiguously (as last heard)."""
        return self.state.acked_seq

    def _save(self) -> None:
        with self._lock:
            self.state_file.save(self.state)

    def _prepare(self) -> None:
        """Learn the hall's id and where central stands (once, on first contact)."""
        if not self.hall_id:
            health = self.hall.health()
            self.hall_id = health["hall_id"]
            self.hall_seq = max(self.hall_seq, health.get("last_seq", 0))
            if self.state.hall_id not in ("", self.hall_id):
                log.warning("state dir belonged to another hall; starting afresh")
                self.state = AgentState()
            self.state.hall_id = self.hall_id
        if not self._aligned:
            at_central = self.central.sync_state(self.hall_id)["acked"]
            if at_central != self.state.acked_seq:
                log.info("central holds up to %d, state file said %d; resuming from central",
                         at_central, self.state.acked_seq)
                self.state.acked_seq = at_central
                self._save()
            self._aligned = True

    # ------------------------------------------------------------------ pushing
    def push_once(self) -> int:
        """Push one batch; the number of events sent (0 when central is caught up).

        Raises :class:`HallApiError` or :class:`CentralApiError` when either side fails.
        """
        self._prepare()
        page = self.hall.events(after=self.acked, limit=self.config.batch_size)
        events = page["events"]
        self.hall_seq = max(self.hall_seq, page["last_seq"])
        if not events:
            self._oldest_pending_ts = None
            return 0
        self._oldest_pending_ts = events[0]["ts"]
        batch = [{"seq": e["seq"], "kind": e["kind"], "ts": e["ts"], "data": e["data"]}
                 for e in events]
        try:
            answer = self.central.push(self.hall_id, batch, head_seq=self.hall_seq)
        except CentralApiError:
            self.central_reachable = False
            raise
        self.central_reachable, self.last_push_at = True, time.time()
        if answer["missing"]:
            log.info("central misses ranges %s; resending from %d", answer["missing"],
                     answer["acked"])
        with self._lock:
            self.state.acked_seq = answer["acked"]
            self._save()
        if self.acked >= self.hall_seq:
            self._oldest_pending_ts = None
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

    def _on_hall_event(self, event: dict) -> None:
        self.hall_seq = max(self.hall_seq, event["seq"])
        if self._oldest_pending_ts is None and event["seq"] > self.acked:
            self._oldest_pending_ts = event["ts"]
        self._doorbell.set()

    def _push_loop(self) -> None:
        backoff = Backoff(self.config.min_backoff_s, self.config.max_backoff_s)
        while not self._stop.is_set():
            try:
                sent = self.push_once()
            except (HallApiError, CentralApiError) as err:
                self._note_error(err)
                self._stop.wait(backoff.next())
                continue
            except Exception as err:  # a bug: keep the hall's link alive, but say so
                log.exception("sync push failed")
                self._note_error(err)
                self._stop.wait(backoff.next())
                continue
            backoff.reset()
            self.last_error = ""
            if sent < self.config.batch_size:
                if self._doorbell.wait(self.config.poll_s):
                    self._stop.wait(self.config.linger_s)  # let a batch gather
                self._doorbell.clear()

    def _note_error(self, err: Exception) -> None:
        text = str(err)
        if text != self.last_error:
            log.warning("sync: %s", text)
        self.last_error = text

    # ------------------------------------------------------------------ pulling
    def _hall_day(self) -> str:
        if self._timezone is None:
            self._timezone = ZoneInfo(self.hall.hall()["timezone"])
        return datetime.now(self._timezone).date().isoformat()

    def pull_once(self) -> dict[str, int]:
        """Fetch the catalog and today's appointments; ``{"catalog": version, "handed": n}``.
        Also notices when central holds less than it acknowledged (restored, or it lost its
        last asynchronous commits in a crash) and makes the pusher send the rest again."""
        self._prepare()
        self._check_central_holds()
        version = self._pull_catalog()
        handed = self._pull_appointments()
        return {"catalog": version, "handed": handed}

    def _check_central_holds(self) -> None:
        held = self.central.sync_state(self.hall_id)["acked"]
        with self._lock:
            if held < self.state.acked_seq:
                log.warning("central holds up to %d, not %d; sending the rest again", held,
                            self.state.acked_seq)
                self.state.acked_seq = held
                self._save()
                self._doorbell.set()

    def _pull_catalog(self) -> int:
        try:
            published = self.central.catalog(self.hall_id)
        except CentralApiError as err:
            if err.status == 404:
                return 0
            raise
        if published["version"] != self.state.catalog_version:
            write_json_atomic(self.config.state_dir / "catalog.json", published)
            with self._lock:
                self.state.catalog_version = published["version"]
                self._save()
            log.info("catalog version %d fetched", published["version"])
        return published["version"]

    def _pull_appointments(self) -> int:
        listed = self.central.day_list(self.hall_id, self._hall_day())
        handed = 0
        pushed = self.state.pushed_appointments
        for item in listed:
            if pushed.get(item["code"]) == item["updated_at"]:
                continue
            if item["status"] == "booked":
                try:
                    self.hall.save_appointment(item["code"], item["service"], item["slot_start"],
                                               item["slot_end"], item["id_hash"])
                    handed += 1
                except HallApiError as err:
                    if err.status in (0, 503) or err.status >= 500:
                        raise
                    log.warning("hall refused appointment %s: %s", item["code"], err.code)
            elif item["code"] in pushed:
                log.warning("appointment %s was cancelled; the hall cannot drop it yet",
                            item["code"])
            pushed[item["code"]] = item["updated_at"]
        with self._lock:
            self.state.pushed_appointments = {c: pushed[c] for c in
                                              {i["code"] for i in listed} if c in pushed}
            self._save()
        return handed

    def upload_submissions(self) -> int:
        """Send the outbox; the number of submissions sent."""
        self._prepare()
        return len(Uploader(self.central, self.hall_id, self.config.state_dir).upload_all())

    def _pull_loop(self) -> None:
        backoff = Backoff(self.config.min_backoff_s, self.config.max_backoff_s)
        next_pull = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_pull:
                    self.pull_once()
                    next_pull = time.monotonic() + self.config.pull_every_s
                if pending(self.config.state_dir):
                    self.upload_submissions()
                backoff.reset()
                self._stop.wait(min(self.config.poll_s, self.config.pull_every_s))
            except (HallApiError, CentralApiError) as err:
                log.info("sync pull/upload: %s", err)
                self._stop.wait(backoff.next())
            except Exception:
                log.exception("sync pull/upload failed")
                self._stop.wait(backoff.next())

    # ------------------------------------------------------------------ lag
    def lag(self) -> dict[str, Any]:
        """Events and seconds central is behind the hall, and the link's state."""
        behind = max(0, self.hall_seq - self.acked)
        oldest = self._oldest_pending_ts
        seconds = max(0.0, time.time() - oldest) if behind and oldest is not None else 0.0
        return {"events_behind": behind, "seconds_behind": round(seconds, 1),
                "acked_seq": self.acked, "hall_seq": self.hall_seq,
                "central_reachable": self.central_reachable, "last_error": self.last_error[:200],
                "last_push_at": self.last_push_at,
                "pending_submissions": len(pending(self.config.state_dir))}

    def report(self) -> dict[str, Any]:
        """Write the lag to ``status.json`` and tell the hall node; the lag reported."""
        status = self.lag()
        write_json_atomic(self.config.state_dir / "status.json", status)
        try:
            self.hall.report_sync_status(status)
        except HallApiError as err:
            log.debug("could not report sync status to the hall: %s", err)
        return status

    def _report_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.report()
            except Exception:
                log.exception("sync status report failed")
            self._stop.wait(self.config.report_every_s)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> SyncAgent:
        """Start the pusher, puller and reporter threads (and follow the hall's stream)."""
        self._stop.clear()
        if self.config.follow_stream:
            try:
                head = self.hall.health().get("last_seq", 0)
            except HallApiError:
                head = self.acked
            self._stream = EventStream(self.config.hall_url, self.config.hall_token,
                                       self._on_hall_event, after=head).start()
        for name, target in (("sync-push", self._push_loop), ("sync-pull", self._pull_loop),
                             ("sync-report", self._report_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop the threads (a push in flight finishes or times out)."""
        self._stop.set()
        self._doorbell.set()
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
