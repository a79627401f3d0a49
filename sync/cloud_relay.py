"""The sync agent's relay thread (cloud calling, 云叫号): the node's lease outbox to central.

It reads the node's lease outbox every ``relay_every_s``: asks central to choose a ticket for
each video window that wants one and hands the choice to the node, sends the lease messages
(first sendings and the protocol's retries) and the kiosk's referrals to central (a referral
again every ``referral_every_s`` while the node shows it pending: the answer carries its
result) and withdraws the referrals the node gave up (no answer within 18 s: the citizen took a
number here); every ``recommend_every_s`` it brings the city's recommendations for this hall's
通办 items to the node. It backs off while central or the node is unreachable and never stops
on an error: the lease protocol resends every message until answered, so a lost one costs only
time.
"""

from __future__ import annotations

import logging
import time

from hall.client import HallApiError
from sync.agent_link import AgentLink, Backoff
from sync.central_client import CentralApiError
from sync.cloud_inbox import ReferralAnswers, deliver_referral_result

log = logging.getLogger("hallq.sync.agent")


class CloudRelay:
    """Relays the node's lease outbox, referrals and withdrawals to central, and central's
    recommendations back."""

    def __init__(self, link: AgentLink, answers: ReferralAnswers) -> None:
        self.link = link
        self.answers = answers
        self._referrals_sent: dict[str, float] = {}       # id -> when last sent (monotonic)
        self._next_recommend = 0.0

    def relay_once(self) -> dict[str, int]:
        """One round of the node's lease outbox (see the module docstring); what was done."""
        link = self.link
        link.prepare()
        outbox = link.hall.lease_outbox()
        for ask in outbox.get("choose", []):
            self._choose(ask)
        if outbox.get("messages"):
            link.central.send_messages(outbox["messages"])
        now, sent = time.monotonic(), 0
        listed = {r["id"] for r in outbox.get("referrals", [])}
        self._referrals_sent = {k: v for k, v in self._referrals_sent.items() if k in listed}
        for referral in outbox.get("referrals", []):
            if now - self._referrals_sent.get(referral["id"], -1e9) < link.config.referral_every_s:
                continue
            self._refer(referral)
            self._referrals_sent[referral["id"]] = now
            sent += 1
        for withdrawal in outbox.get("withdrawals", []):
            self._withdraw(withdrawal["id"])
        self.answers.send(link.central)
        if now >= self._next_recommend:
            self.pull_recommendations()
            self._next_recommend = now + link.config.recommend_every_s
        return {"choose": len(outbox.get("choose", [])),
                "messages": len(outbox.get("messages", [])), "referrals": sent,
                "withdrawals": len(outbox.get("withdrawals", []))}

    def _withdraw(self, referral_id: str) -> None:
        """The node gave a referred citizen up (no answer in time): withdraw at central, which
        has a ticket already issued at the other hall cancelled; then tell the node."""
        try:
            answer = self.link.central.withdraw_referral(referral_id)
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
            self.link.hall.referral_withdrawn(referral_id)
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            log.info("hall did not take referral %s as withdrawn: %s", referral_id, err.code)

    def _choose(self, ask: dict) -> None:
        """Ask central for a ticket for a window and hand the node the answer."""
        link = self.link
        try:
            choice = link.central.remote_choose(link.hall_id, ask["window"], ask["skills"])
        except CentralApiError as err:
            if err.transient:
                raise
            log.warning("central refused to choose for window %s: %s", ask["window"], err)
            choice = None
        try:
            link.hall.lease_choice(ask["request"], ask["window"], choice)
        except HallApiError as err:
            if err.status == 0 or err.status >= 500:
                raise
            log.info("window %s no longer waits for a choice: %s", ask["window"], err.code)

    def _refer(self, referral: dict) -> None:
        """Send one of the node's pending referrals to central; hand the node its result."""
        try:
            answer = self.link.central.refer(referral)
        except CentralApiError as err:
            if err.transient:
                raise
            log.warning("central refused referral %s: %s", referral["id"], err)
            answer = {"id": referral["id"], "state": "refused", "ticket": None,
                      "error": {"code": err.code, "message_zh": err.message_zh,
                                "message_en": err.message_en}}
        if answer["state"] in ("issued", "refused"):
            deliver_referral_result(self.link.hall, answer)

    def pull_recommendations(self) -> int:
        """Bring central's recommendations for this hall's 通办 items to the node; how many
        items (0 when central has no catalog of this hall)."""
        link = self.link
        link.prepare()
        try:
            found = link.central.recommend(link.hall_id)
        except CentralApiError as err:
            if err.status == 404:
                return 0
            raise
        # stamped on this machine's clock, which the node judges freshness by (central's may
        # be a little off)
        link.hall.put_recommendations(time.time(), found["items"])
        return len(found["items"])

    def run(self) -> None:
        """The thread: a round every ``relay_every_s`` until stopped, backing off on errors."""
        config, stopping = self.link.config, self.link.stopping
        backoff = Backoff(config.min_backoff_s, config.relay_max_backoff_s)
        while not stopping.is_set():
            try:
                self.relay_once()
            except (HallApiError, CentralApiError) as err:
                log.info("cloud calling relay: %s", err)
                stopping.wait(backoff.next())
                continue
            except Exception:  # a bug: keep relaying, but say so
                log.exception("cloud calling relay failed")
                stopping.wait(backoff.next())
                continue
            backoff.reset()
            if config.relay_every_s:
                stopping.wait(config.relay_every_s)
