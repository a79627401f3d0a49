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

Cloud calling (云叫号) adds two more (``relay=False`` leaves them out):

- the **relay** reads the node's lease outbox every ``relay_every_s``: asks central to choose a
  ticket for each video window that wants one and hands the choice to the node, sends the
  lease messages (first sendings and the protocol's retries) and the kiosk's referrals to
  central (a referral again every ``referral_every_s`` while the node shows it pending: the
  answer carries its result) and withdraws the referrals the node gave up (no answer within
  18 s: the citizen took a number here); every ``recommend_every_s`` it brings the city's
  recommendations for this hall's 通办 items to the node;
- the **inbox** long-polls central for this hall's mail: lease messages go to the node and
  its answers back to central; referrals to this hall are issued at the node (channel
  ``referral``, real-name when the referring hall read the citizen's ID card) and the ticket
  (or the refusal) is sent to central; results of this hall's own referrals go to the node;
  a ticket issued here for a referral since withdrawn is cancelled if it still waits.

Both back off while central or the node is unreachable and never stop on an error: the lease
protocol resends every message until answered, so a lost one costs only time.

Central must be reached over HTTPS unless it is on a loopback address or plain HTTP is
explicitly allowed (tests, a trial): submissions carry citizens' personal data.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from hall.net import is_loopback
from sync.agent_state import AgentState, StateFile, write_json_atomic
from sync.central_client import CentralApiError, CentralClient
from sync.outbox import Uploader, pending

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
    relay: bool = True          # cloud calling: the relay and inbox threads
    relay_every_s: float = 0.5
    inbox_wait_s: float = 10.0  # long poll (stopping the agent may wait this long)
    recommend_every_s: float = 15.0
    referral_every_s: float = 5.0
    relay_max_backoff_s: float = 10.0


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

    def issue_referred(self, referral: str, item: str, from_hall: str,
                       person: dict | None = None) -> dict:
        """Issue the ticket of a citizen another hall referred here."""
        body: dict[str, Any] = {"referral": referral, "item": item, "from_hall": from_hall}
        if person:
            body["person"] = person
        return self._call("POST", "/referrals/incoming", body)

    def rate_referred(self, referral_id: str, ticket_id: str, level: int) -> dict:
        """Record the rating a referred citizen gave on the phone."""
        return self._call("POST", "/referrals/incoming/rating",
                          {"referral": referral_id, "ticket": ticket_id, "level": level})

    def referral_withdrawn(self, referral_id: str) -> dict:
        """Central has this hall's withdrawal of a referral."""
        return self._call("POST", f"/referrals/{referral_id}/withdrawn")

    def cancel_referred(self, referral_id: str, ticket_id: str | None) -> dict:
        """Cancel the ticket issued here for a referral its hall withdrew (if it waits; with
        no ticket id, whichever the node issued for the referral, if any)."""
        return self._call("POST", "/referrals/incoming/cancel",
                          {"referral": referral_id, "ticket": ticket_id})

    def lease_outbox(self) -> dict[str, list]:
        """What to send now: ``{"choose", "messages", "referrals", "withdrawals"}`` (drives
        the retries)."""
        return self._call("GET", "/leases/outbox")

    def lease_choice(self, request: str, window: str, choice: dict | None) -> dict:
        """Central's choice (or None) for a window's request; the window's remote state."""
        return self._call("POST", "/leases/choices",
                          {"request": request, "window": window, "choice": choice})

    def lease_messages(self, messages: list[dict]) -> list[dict]:
        """Lease messages for this hall; the answers to send back."""
        return self._call("POST", "/leases/messages", {"messages": messages})["answers"]

    def put_recommendations(self, at: float, items: dict[str, list[dict]]) -> dict:
        """The city's best halls for this hall's 通办 items."""
        return self._call("PUT", "/sync/recommendations", {"at": at, "items": items})

    def referral_result(self, referral_id: str, ticket: dict | None = None,
                        error: dict | None = None) -> dict:
        """The other hall's ticket for a referral of this hall's kiosk (or its refusal)."""
        body = {"ticket": ticket} if ticket is not None else {"error": error}
        return self._call("POST", f"/referrals/{referral_id}/result", body)


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
        self._hall_names: tuple[str, str] | None = None
        self._referrals_sent: dict[str, float] = {}       # id -> when last sent (monotonic)
        self._referral_answers: dict[str, dict] = {}      # referrals issued here, to report
        self._next_recommend = 0.0
        self._inbox_stop: Any = None

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

    # ------------------------------------------------------------------ cloud calling
    def relay_once(self) -> dict[str, int]:
        """One round of the node's lease outbox (see the module docstring); what was done."""
        self._prepare()
        outbox = self.hall.lease_outbox()
        for ask in outbox.get("choose", []):
            self._choose(ask)
        if outbox.get("messages"):
            self.central.send_messages(outbox["messages"])
        now, sent = time.monotonic(), 0
        listed = {r["id"] for r in outbox.get("referrals", [])}
        self._referrals_sent = {k: v for k, v in self._referrals_sent.items() if k in listed}
        for referral in outbox.get("referrals", []):
            if now - self._referrals_sent.get(referral["id"], -1e9) < self.config.referral_every_s:
                continue
            self._refer(referral)
            self._referrals_sent[referral["id"]] = now
            sent += 1
        for withdrawal in outbox.get("withdrawals", []):
            self._withdraw(withdrawal["id"])
        self._report_referrals()
        if now >= self._next_recommend:
            self.pull_recommendations()
            self._next_recommend = now + self.config.recommend_every_s
        return {"choose": len(outbox.get("choose", [])),
                "messages": len(outbox.get("messages", [])), "referrals": sent,
                "withdrawals": len(outbox.get("withdrawals", []))}

    def _withdraw(self, referral_id: str) -> None:
        """The node gave a referred citizen up (no answer in time): withdraw at central, which
        has a ticket already issued at the other hall cancelled; then tell the node."""
        try:
            answer = self.central.withdraw_referral(referral_id)
            log.info("referral %s withdrawn at central (%s)", referral_id, answer["state"])
        except CentralApiError as err:
            if err.transient:
                raise
            if err.status != 404:      # kept at the node: withdrawn again next round
                log.warning("central refused to withdraw referral %s: %s", referral_id, err)
                return
            # never reached central: nothing was issued for it anywhere
            log.info("referral %s never reached central", referral_id)
        try:
            self.hall.referral_withdrawn(referral_id)
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            log.info("hall did not take referral %s as withdrawn: %s", referral_id, err.code)

    def _choose(self, ask: dict) -> None:
        """Ask central for a ticket for a window and hand the node the answer."""
        try:
            choice = self.central.remote_choose(self.hall_id, ask["window"], ask["skills"])
        except CentralApiError as err:
            if err.transient:
                raise
            log.warning("central refused to choose for window %s: %s", ask["window"], err)
            choice = None
        try:
            self.hall.lease_choice(ask["request"], ask["window"], choice)
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            log.info("window %s no longer waits for a choice: %s", ask["window"], err.code)

    def _refer(self, referral: dict) -> None:
        """Send one of the node's pending referrals to central; hand the node its result."""
        try:
            answer = self.central.refer(referral)
        except CentralApiError as err:
            if err.transient:
                raise
            log.warning("central refused referral %s: %s", referral["id"], err)
            answer = {"id": referral["id"], "state": "refused", "ticket": None,
                      "error": {"code": err.code, "message_zh": err.message_zh,
                                "message_en": err.message_en}}
        if answer["state"] in ("issued", "refused"):
            self._deliver_referral_result(answer)

    def pull_recommendations(self) -> int:
        """Bring central's recommendations for this hall's 通办 items to the node; how many
        items (0 when central has no catalog of this hall)."""
        self._prepare()
        try:
            found = self.central.recommend(self.hall_id)
        except CentralApiError as err:
            if err.status == 404:
                return 0
            raise
        # stamped on this machine's clock, which the node judges freshness by (central's may
        # be a little off)
        self.hall.put_recommendations(time.time(), found["items"])
        return len(found["items"])

    def inbox_once(self, wait: float = 0.0) -> dict[str, int]:
        """Take this hall's mail from central (waiting up to ``wait`` seconds) and act on it."""
        self._prepare()
        return self._act_on_mail(self.central.remote_inbox(self.hall_id, wait))

    def _act_on_mail(self, mail: dict[str, list[dict]]) -> dict[str, int]:
        if mail["messages"]:
            answers = self.hall.lease_messages(mail["messages"])
            if answers:
                self.central.send_messages(answers)
        for referral in mail["referrals"]:
            self._issue_referral(referral)
        self._report_referrals()
        for result in mail["referral_results"]:
            self._deliver_referral_result(result)
        for withdrawn in mail.get("cancellations", []):
            self._cancel_referred(withdrawn)
        for rating in mail.get("ratings", []):
            self._record_rating(rating)
        return {kind: len(mail.get(kind, [])) for kind in (
            "messages", "referrals", "referral_results", "cancellations", "ratings")}

    def _record_rating(self, rating: dict) -> None:
        """A citizen rated on the phone the service of a ticket issued here: record it, then
        tell central (which hands it out until then) — or why the hall refused it."""
        error = None
        try:
            self.hall.rate_referred(rating["id"], str(rating["ticket"]), int(rating["level"]))
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            error = {"code": err.code, "message_zh": err.message_zh,
                     "message_en": err.message_en}
            log.info("rating of referral %s refused: %s", rating["id"], err.code)
        self.central.rating_recorded(rating["id"], error)

    def _cancel_referred(self, referral: dict) -> None:
        """A citizen referred here was given up by their hall: cancel the ticket issued for
        them if it still waits, then tell central (which hands it out until then)."""
        ticket = (referral.get("ticket") or {}).get("id")
        status = None
        try:
            view = self.hall.cancel_referred(referral["id"], str(ticket) if ticket else None)
            status = view.get("status")
            log.info("referral %s withdrawn: ticket %s is %s", referral["id"],
                     view.get("id", ticket), status)
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            log.warning("could not cancel ticket %s of referral %s: %s", ticket,
                        referral["id"], err.code)
        self.central.referral_cancelled(referral["id"], status)

    def _issue_referral(self, referral: dict) -> None:
        """Issue a citizen referred here by another hall. The node issues each referral once
        (asked again, it gives the same ticket), so when it does not answer at all nothing
        is said to central, which hands the referral out again a few seconds later; nor when
        it cannot now (a 5xx: its store unavailable, say)."""
        try:
            name_zh, name_en = self._names()
            view = self.hall.issue_referred(referral["id"], referral["item"],
                                            str(referral.get("from_hall") or ""),
                                            referral.get("person"))
            answer: dict[str, Any] = {"ticket": {
                "id": view["id"], "number": view["number"], "hall": self.hall_id,
                "name_zh": name_zh, "name_en": name_en, "ahead": view.get("ahead"),
                "expected_wait_s": view.get("expected_wait_s"), "url": view.get("url"),
                "id_masked": view.get("id_masked"), "elderly": view.get("elderly")}}
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:   # not known, or not now: ask again
                log.info("referral %s: the hall node cannot answer now (%s)", referral["id"],
                         err.code or err)
                return
            answer = {"error": {"code": err.code, "message_zh": err.message_zh,
                                "message_en": err.message_en}}
        log.info("referral %s from %s: %s", referral["id"], referral.get("from_hall"),
                 "issued" if "ticket" in answer else answer["error"]["code"])
        with self._lock:
            self._referral_answers[referral["id"]] = answer

    def _names(self) -> tuple[str, str]:
        if self._hall_names is None:
            about = self.hall.hall()
            self._hall_names = (about.get("name_zh", ""), about.get("name_en", ""))
        return self._hall_names

    def _report_referrals(self) -> None:
        """Send central the answers to referrals issued here, until it has them."""
        with self._lock:
            waiting = list(self._referral_answers.items())
        for referral_id, answer in waiting:
            try:
                self.central.referral_result(referral_id, **answer)
            except CentralApiError as err:
                if err.transient:
                    raise
                log.warning("central refused the answer to referral %s: %s", referral_id, err)
            with self._lock:
                self._referral_answers.pop(referral_id, None)

    def _deliver_referral_result(self, result: dict) -> None:
        try:
            self.hall.referral_result(result["id"], ticket=result.get("ticket"),
                                      error=result.get("error"))
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            log.info("hall did not take referral result %s: %s", result["id"], err.code)

    def _relay_loop(self) -> None:
        self._loop(self.relay_once, self.config.relay_every_s)

    def _inbox_loop(self) -> None:
        asyncio.run(self._inbox_main())

    async def _inbox_main(self) -> None:
        """The inbox's long polls, in an event loop of this thread so that :meth:`stop`
        interrupts a poll at once; acting on the mail is plain blocking calls."""
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._inbox_stop = lambda: loop.call_soon_threadsafe(stopped.set)
        backoff = Backoff(self.config.min_backoff_s, self.config.relay_max_backoff_s)
        async with self.central.async_client() as client:
            while not self._stop.is_set():
                pause = 0.0
                try:
                    self._prepare()
                    poll = asyncio.ensure_future(self.central.remote_inbox_async(
                        client, self.hall_id, self.config.inbox_wait_s))
                    stop = asyncio.ensure_future(stopped.wait())
                    await asyncio.wait((poll, stop), return_when=asyncio.FIRST_COMPLETED)
                    stop.cancel()
                    if not poll.done():
                        poll.cancel()
                        break
                    self._act_on_mail(poll.result())
                    backoff.reset()
                except (HallApiError, CentralApiError) as err:
                    log.info("cloud calling inbox: %s", err)
                    pause = backoff.next()
                except Exception:  # a bug: keep relaying, but say so
                    log.exception("cloud calling inbox failed")
                    pause = backoff.next()
                if pause:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopped.wait(), pause)

    def _loop(self, step: Any, pause_s: float) -> None:
        backoff = Backoff(self.config.min_backoff_s, self.config.relay_max_backoff_s)
        while not self._stop.is_set():
            try:
                step()
            except (HallApiError, CentralApiError) as err:
                log.info("cloud calling relay: %s", err)
                self._stop.wait(backoff.next())
                continue
            except Exception:  # a bug: keep relaying, but say so
                log.exception("cloud calling relay failed")
                self._stop.wait(backoff.next())
                continue
            backoff.reset()
            if pause_s:
                self._stop.wait(pause_s)

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
        """Start the pusher, puller, reporter, relay and inbox threads (and follow the hall's
        stream)."""
        self._stop.clear()
        if self.config.follow_stream:
            try:
                head = self.hall.health().get("last_seq", 0)
            except HallApiError:
                head = self.acked
            self._stream = EventStream(self.config.hall_url, self.config.hall_token,
                                       self._on_hall_event, after=head).start()
        loops = [("sync-push", self._push_loop), ("sync-pull", self._pull_loop),
                 ("sync-report", self._report_loop)]
        if self.config.relay:
            loops += [("sync-relay", self._relay_loop), ("sync-inbox", self._inbox_loop)]
        for name, target in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop the threads (a push in flight finishes or times out)."""
        self._stop.set()
        self._doorbell.set()
        if self._inbox_stop is not None:
            with contextlib.suppress(RuntimeError):   # its loop has ended already
                self._inbox_stop()
            self._inbox_stop = None
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
