"""The sync agent's inbox thread (cloud calling, 云叫号): this hall's mail from central.

It long-polls central for this hall's mail: lease messages go to the node and its answers back
to central; referrals to this hall are issued at the node (channel ``referral``, real-name when
the referring hall read the citizen's ID card) and the ticket (or the refusal) is sent to
central; results of this hall's own referrals go to the node; a ticket issued here for a
referral since withdrawn is cancelled if it still waits; a rating given on the phone is recorded.
It backs off while central or the node is unreachable and never stops on an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from hall.client import HallApiError
from sync.agent_link import AgentLink, Backoff
from sync.central_client import CentralApiError, CentralClient
from sync.hall_client import SyncHallClient

log = logging.getLogger("hallq.sync.agent")


class ReferralAnswers:
    """The answers (ticket or refusal) to referrals issued at this hall, kept until central
    has each; the inbox adds them, the inbox and the relay send them."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._waiting: dict[str, dict] = {}

    def keep(self, referral_id: str, answer: dict) -> None:
        """Keep the answer to a referral until :meth:`send` delivers it."""
        with self._lock:
            self._waiting[referral_id] = answer

    def send(self, central: CentralClient) -> None:
        """Send central the answers to referrals issued here, until it has them."""
        with self._lock:
            waiting = list(self._waiting.items())
        for referral_id, answer in waiting:
            try:
                central.referral_result(referral_id, **answer)
            except CentralApiError as err:
                if err.transient:
                    raise
                log.warning("central refused the answer to referral %s: %s", referral_id, err)
            with self._lock:
                self._waiting.pop(referral_id, None)


def deliver_referral_result(hall: SyncHallClient, result: dict) -> None:
    """Hand the node the result (ticket or refusal) of one of its own referrals."""
    try:
        hall.referral_result(result["id"], ticket=result.get("ticket"),
                             error=result.get("error"))
    except HallApiError as err:
        if err.status == 0 or err.status >= 500:
            raise
        log.info("hall did not take referral result %s: %s", result["id"], err.code)


class CloudInbox:
    """Takes this hall's mail from central and acts on it."""

    def __init__(self, link: AgentLink, answers: ReferralAnswers) -> None:
        self.link = link
        self.answers = answers
        self._hall_names: tuple[str, str] | None = None
        self._interrupt: Callable[[], Any] | None = None

    def inbox_once(self, wait: float = 0.0) -> dict[str, int]:
        """Take this hall's mail from central (waiting up to ``wait`` seconds) and act on it."""
        self.link.prepare()
        return self._act_on_mail(self.link.central.remote_inbox(self.link.hall_id, wait))

    def _act_on_mail(self, mail: dict[str, list[dict]]) -> dict[str, int]:
        hall, central = self.link.hall, self.link.central
        if mail["messages"]:
            answers = hall.lease_messages(mail["messages"])
            if answers:
                central.send_messages(answers)
        for referral in mail["referrals"]:
            self._issue_referral(referral)
        self.answers.send(central)
        for result in mail["referral_results"]:
            deliver_referral_result(hall, result)
        for withdrawn in mail.get("cancellations", []):
            self._cancel_referred(withdrawn)
        for rating in mail.get("ratings", []):
            self._record_rating(rating)
        for action in mail.get("phone_actions", []):
            self._phone_action(action)
        return {kind: len(mail.get(kind, [])) for kind in (
            "messages", "referrals", "referral_results", "cancellations", "ratings",
            "phone_actions")}

    def _phone_action(self, action: dict) -> None:
        """A citizen gave up their number or rated the service on central's public phone
        page: do it at the hall node (the page sees the outcome in the hall's events). A
        refusal (the ticket was called meanwhile …) is the citizen's to see, not a fault."""
        try:
            self.link.hall.phone_action(action)
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            log.info("phone page %s refused by the hall: %s", action.get("action"), err.code)

    def _record_rating(self, rating: dict) -> None:
        """A citizen rated on the phone the service of a ticket issued here: record it, then
        tell central (which hands it out until then) — or why the hall refused it."""
        error = None
        try:
            self.link.hall.rate_referred(rating["id"], str(rating["ticket"]),
                                         int(rating["level"]))
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            error = {"code": err.code, "message_zh": err.message_zh,
                     "message_en": err.message_en}
            log.info("rating of referral %s refused: %s", rating["id"], err.code)
        self.link.central.rating_recorded(rating["id"], error)

    def _cancel_referred(self, referral: dict) -> None:
        """A citizen referred here was given up by their hall: cancel the ticket issued for
        them if it still waits, then tell central (which hands it out until then)."""
        ticket = (referral.get("ticket") or {}).get("id")
        status = None
        try:
            view = self.link.hall.cancel_referred(referral["id"],
                                                  str(ticket) if ticket else None)
            status = view.get("status")
            log.info("referral %s withdrawn: ticket %s is %s", referral["id"],
                     view.get("id", ticket), status)
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            log.warning("could not cancel ticket %s of referral %s: %s", ticket,
                        referral["id"], err.code)
        self.link.central.referral_cancelled(referral["id"], status)

    def _issue_referral(self, referral: dict) -> None:
        """Issue a citizen referred here by another hall. The node issues each referral once
        (asked again, it gives the same ticket), so when it does not answer at all nothing
        is said to central, which hands the referral out again a few seconds later; nor when
        it cannot now (a 5xx: its store unavailable, say)."""
        try:
            name_zh, name_en = self._names()
            view = self.link.hall.issue_referred(referral["id"], referral["item"],
                                                 str(referral.get("from_hall") or ""),
                                                 referral.get("person"))
            answer: dict[str, Any] = {"ticket": {
                "id": view["id"], "number": view["number"], "hall": self.link.hall_id,
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
        self.answers.keep(referral["id"], answer)

    def _names(self) -> tuple[str, str]:
        if self._hall_names is None:
            about = self.link.hall.hall()
            self._hall_names = (about.get("name_zh", ""), about.get("name_en", ""))
        return self._hall_names

    def run(self) -> None:
        """The thread: long polls until stopped (:meth:`interrupt` ends one at once)."""
        asyncio.run(self._inbox_main())

    def interrupt(self) -> None:
        """End a long poll under way (the agent is stopping)."""
        if self._interrupt is not None:
            with contextlib.suppress(RuntimeError):   # its loop has ended already
                self._interrupt()
            self._interrupt = None

    async def _inbox_main(self) -> None:
        """The inbox's long polls, in an event loop of this thread so that :meth:`interrupt`
        ends a poll at once; acting on the mail is plain blocking calls."""
        link, config = self.link, self.link.config
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._interrupt = lambda: loop.call_soon_threadsafe(stopped.set)
        backoff = Backoff(config.min_backoff_s, config.relay_max_backoff_s)
        async with link.central.async_client() as client:
            while not link.stopping.is_set():
                pause = 0.0
                try:
                    link.prepare()
                    poll = asyncio.ensure_future(link.central.remote_inbox_async(
                        client, link.hall_id, config.inbox_wait_s))
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
