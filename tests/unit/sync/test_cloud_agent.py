"""The sync agent's cloud-calling threads (sync/cloud_relay.py, sync/cloud_inbox.py): they
outlive central being away, stopping the agent interrupts a long poll at once, and a referral
the hall node did not answer is asked again, not refused. The relaying itself is exercised end
to end in tests/integration/test_cloud_wiring.py."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from central import referrals
from central.auth import create_credential
from central.catalog import put_catalog
from central.db import open_database
from central.server import CentralServer
from hall.client import HallApiError
from hall.events import EventKind
from hall.net import free_port
from sync.agent import SyncAgent
from sync.agent_config import AgentConfig
from sync.central_client import CentralApiError
from sync.hall_client import SyncHallClient
from tests.helpers.central import RunningHall, hall_catalog, start_hall


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[RunningHall]:
    running = start_hall(tmp_path / "hall", "HA")
    yield running
    running.stop()


def config(hall: RunningHall, central_url: str, credential: str, tmp_path: Path,
           **overrides: Any) -> AgentConfig:
    """Agent settings with short waits."""
    return AgentConfig(hall_url=hall.url, hall_token=hall.sync_token, central_url=central_url,
                       credential=credential, state_dir=tmp_path / "sync", poll_s=0.1,
                       min_backoff_s=0.05, max_backoff_s=0.2, relay_every_s=0.1,
                       relay_max_backoff_s=0.2, **overrides)


@pytest.mark.allow_log("Cannot reach the central platform", "central refused to withdraw")
def test_the_relay_outlives_central_being_away(hall: RunningHall, tmp_path: Path) -> None:
    agent = SyncAgent(config(hall, f"http://127.0.0.1:{free_port()}", "hq_x_y", tmp_path))
    with pytest.raises(CentralApiError) as refused:
        agent.relay_once()
    assert refused.value.code == "unreachable"
    agent.start()
    try:
        time.sleep(0.6)
        alive = {t.name for t in agent._threads if t.is_alive()}
        assert {"sync-relay", "sync-inbox"} <= alive
    finally:
        started = time.monotonic()
        agent.close()
    assert time.monotonic() - started < 3


def test_stopping_the_agent_interrupts_its_long_poll(hall: RunningHall, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    db = open_database(url)
    credential = create_credential(db, "hall", "HA")
    put_catalog(db, "HA", hall_catalog("HA"))
    db.close()
    central = CentralServer(url, port=0, data_key_file=tmp_path / "central-data.key"
                            ).start_in_thread()
    try:
        agent = SyncAgent(config(hall, central.url, credential, tmp_path, inbox_wait_s=15.0))
        assert agent.inbox_once(0.0) == {"messages": 0, "referrals": 0, "referral_results": 0,
                                         "cancellations": 0, "ratings": 0,
                                         "phone_actions": 0}
        assert agent.relay_once() == {"choose": 0, "messages": 0, "referrals": 0,
                                      "withdrawals": 0}
        agent.start()
        time.sleep(1.0)                      # the inbox now waits in a 15 s long poll
        started = time.monotonic()
        agent.close()
        assert time.monotonic() - started < 3
    finally:
        central.stop()


class NodeAwayOnce(SyncHallClient):
    """The hall client, but the node does not answer the first referred issue at all
    (``status`` 0), or cannot now (a 5xx: its store unavailable)."""

    def __init__(self, hall: RunningHall, status: int = 0) -> None:
        super().__init__(hall.url, hall.sync_token)
        self.asked, self.status = 0, status

    def issue_referred(self, referral: str, item: str, from_hall: str,
                       person: dict | None = None) -> dict:
        self.asked += 1
        if self.asked == 1:
            raise HallApiError(self.status, "unreachable", "无法连接大厅", "timed out")
        return super().issue_referred(referral, item, from_hall, person)


@pytest.mark.parametrize("status", [0, 503])
def test_a_referral_the_node_did_not_answer_is_issued_when_handed_out_again(
        hall: RunningHall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        status: int) -> None:
    monkeypatch.setattr(referrals, "RECLAIM_S", 0.3)
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    db = open_database(url)
    credential = create_credential(db, "hall", "HA")
    put_catalog(db, "HA", hall_catalog("HA"))
    referrals.create(db, "HB-R1", "HB", "HA", "A01")
    central = CentralServer(url, port=0, data_key_file=tmp_path / "central-data.key"
                            ).start_in_thread()
    node = NodeAwayOnce(hall, status)
    agent = SyncAgent(config(hall, central.url, credential, tmp_path), hall=node)
    try:
        assert agent.inbox_once(0.0)["referrals"] == 1
        assert referrals.get(db, "HB-R1")["state"] == "claimed", "not refused: not known"
        time.sleep(0.4)
        assert agent.inbox_once(0.0)["referrals"] == 1          # handed out again
        done = referrals.get(db, "HB-R1")
        assert done["state"] == "issued" and node.asked == 2
        issued = node.events(0)["events"]
        assert [e["data"]["channel"] for e in issued if e["kind"] == EventKind.TICKET_ISSUED] == [
            "referral"], "issued once"
    finally:
        agent.close()
        node.close()
        central.stop()
        db.close()


def agent_with_fake_central(hall: RunningHall, tmp_path: Path,
                            answer: Callable[[Any], Any]) -> tuple[Any, Any, SyncAgent]:
    """An agent of ``hall`` whose central is ``answer`` (an ``httpx.MockTransport``
    handler): the central client, the node client and the agent."""
    import httpx

    from sync.central_client import CentralClient

    central = CentralClient("http://127.0.0.1:1", "hq_x")
    central._http = httpx.Client(base_url="http://127.0.0.1:1",
                                 transport=httpx.MockTransport(answer))
    node = SyncHallClient(hall.url, hall.sync_token)
    return central, node, SyncAgent(config(hall, "http://127.0.0.1:1", "hq_x", tmp_path),
                                    hall=node, central=central)


@pytest.mark.allow_log("Cannot reach the central platform", "central refused to withdraw")
def test_a_withdrawal_central_refuses_is_sent_again_until_it_is_taken(
        hall: RunningHall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The node gave a referred citizen up; central refuses the withdrawal (a credential
    being rotated, say). The node keeps it and the agent sends it again next round — only a
    referral central never had (404) is withdrawn at the node at once."""
    import json

    import httpx

    import hall.cloud as hall_remote
    from hall.client import HallClient

    monkeypatch.setattr(hall_remote, "REFERRAL_ANSWER_S", 0.2)
    answers = [401, 401, 200]
    withdrawals: list[str] = []

    def central_app(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/withdraw"):
            withdrawals.append(path)
            status = answers[min(len(withdrawals), len(answers)) - 1]
            if status != 200:
                return httpx.Response(status, json={
                    "code": "unauthorized", "message_zh": "凭证无效或缺失",
                    "message_en": "A valid credential is required"})
            return httpx.Response(200, json={"id": path.split("/")[-2], "state": "cancelling"})
        if path.endswith("/remote/referrals"):
            return httpx.Response(202, json={**json.loads(request.content), "state": "claimed",
                                             "ticket": None, "error": None})
        if path.endswith("/recommend"):
            return httpx.Response(200, json={"items": {}, "at": time.time()})
        return httpx.Response(200, json={"acked": 0, "missing": []})

    central, node, agent = agent_with_fake_central(hall, tmp_path, central_app)
    admin = HallClient(hall.url, hall.admin_token)
    try:
        referral = admin.refer("A01", "HB")
        agent.relay_once()                                  # at central, claimed at HB
        time.sleep(0.3)                                     # the node gives the citizen up
        for expected in (1, 2, 3):
            agent.relay_once()
            assert len(withdrawals) == expected
            state = node.referral(referral["id"])["state"]
            assert state == ("withdrawing" if expected < 3 else "withdrawn"), expected
        agent.relay_once()
        assert len(withdrawals) == 3, "taken: not sent again"
    finally:
        agent.close()
        node.close()
        admin.close()
        central.close()


def test_recommendations_are_fresh_by_the_halls_clock_not_centrals(
        hall: RunningHall, tmp_path: Path) -> None:
    """Central's clock is two minutes behind the hall's: the figures just fetched are shown
    at the kiosk as fresh, not dropped as stale."""
    import httpx

    from hall.client import HallClient

    def central_app(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/recommend"):
            return httpx.Response(200, json={"acked": 0, "missing": []})
        offer = {"hall": "HB", "name_zh": "南山", "name_en": "Nanshan",
                 "expected_total_s": 600.0, "wait_s": 300.0, "travel_s": 300.0}
        return httpx.Response(200, json={"at": time.time() - 120, "items": {"A02": [offer]}})

    central, node, agent = agent_with_fake_central(hall, tmp_path, central_app)
    kiosk = HallClient(hall.url, hall.admin_token)
    try:
        assert agent.pull_recommendations() == 1
        shown = kiosk.recommend("A02")
        assert shown["stale"] is False and abs(shown["at"] - time.time()) < 5
    finally:
        agent.close()
        node.close()
        kiosk.close()
        central.close()
