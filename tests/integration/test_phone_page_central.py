"""The citizen's phone page on the city's public address, end to end on loopback: a real hall
node whose config names central's address (``[hall] public_phone_url``), its sync agent, and
central as a child process over real PostgreSQL. The ticket's QR code points to central; in
real Chromium at a phone's size the page follows the ticket from waiting to called without a
reload, says "快到您了", gives the number up and rates the service through central and the
agent, survives central going away (reconnecting, then resuming), and answers an unknown, a
wrong or an expired link with a proper page."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from central.auth import create_credential
from central.catalog import put_catalog
from central.db import open_database
from hall import links
from hall.node import HallNode
from hall.server import HallServer
from sync.agent import SyncAgent
from sync.agent_config import AgentConfig
from tests.helpers.browser import Page
from tests.helpers.central import CentralProcess, PgCluster, hall_catalog, hall_config
from tests.helpers.staff_pins import give_demo_pins

HALL = "GD-SZ-FT-001"


@dataclass
class PublicHall:
    """Central, a hall node that points its QR codes at central, and the hall's agent."""

    central: CentralProcess
    node: HallNode
    server: HallServer
    agent: SyncAgent
    clients: dict[str, httpx.Client]

    def post(self, device: str, path: str, body: dict | None = None) -> Any:
        """POST to the hall's API as ``device``; the JSON answer (2xx expected)."""
        response = self.clients[device].post(f"/api/v1{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def ticket(self, ticket_id: str) -> dict:
        """A ticket as the hall node has it."""
        return dict(self.clients["admin"].get(f"/api/v1/tickets/{ticket_id}").json())

    def central_has_everything(self) -> None:
        """Wait until central holds every event of the hall."""
        head = self.node.store.last_seq
        admin = self.clients["central-admin"]
        wait_until(lambda: admin.get(f"/api/v1/halls/{HALL}/sync").json()["acked"] >= head,
                   "central to catch up with the hall")


def wait_until(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Wait for ``check()`` to be truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except (httpx.HTTPError, KeyError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def city(pg_cluster: PgCluster, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[PublicHall]:
    """One city for the module's tests (each its own themes and windows): starting central,
    the hall and the agent takes longer than any test."""
    closers: list[Callable[[], None]] = []
    tmp_path = tmp_path_factory.mktemp("public-phone")
    pg_url = pg_cluster.create_database(f"phone_{uuid.uuid4().hex[:12]}")
    closers.append(lambda: pg_cluster.drop_database(pg_url))
    try:
        db = open_database(pg_url)
        credential = create_credential(db, "hall", HALL)
        admin_token = create_credential(db, "admin")
        put_catalog(db, HALL, hall_catalog(HALL))
        db.close()
        central = CentralProcess(pg_url, log_path=tmp_path / "central.log",
                                 data_key_file=tmp_path / "central-data.key").start()
        closers.append(central.stop)
        node = HallNode(replace(hall_config(), public_phone_url=central.url), tmp_path / "hall")
        give_demo_pins(node.store)
        tokens = {role: node.store.pair(role, f"test-{role}") for role in ("kiosk", "sync",
                                                                            "admin")}
        server = HallServer(node, host="127.0.0.1", port=0, advertise=False).start_in_thread()
        closers.append(server.stop)
        clients = {device: httpx.Client(base_url=server.url, timeout=10,
                                        headers={"Authorization": f"Bearer {token}"})
                   for device, token in tokens.items()}
        clients["central-admin"] = httpx.Client(
            base_url=central.url, timeout=10, headers={"Authorization": f"Bearer {admin_token}"})
        closers.extend(client.close for client in clients.values())
        agent = SyncAgent(AgentConfig(
            hall_url=server.url, hall_token=tokens["sync"], central_url=central.url,
            credential=credential, state_dir=tmp_path / "sync", poll_s=0.2, linger_s=0.05,
            min_backoff_s=0.1, max_backoff_s=1.0, report_every_s=1.0, relay_every_s=0.2,
            inbox_wait_s=1.0, recommend_every_s=5.0, referral_every_s=1.0,
            relay_max_backoff_s=1.0)).start()
        closers.append(agent.close)
        yield PublicHall(central, node, server, agent, clients)
    finally:
        for close in reversed(closers):
            close()


def test_the_qr_points_to_central_and_the_page_follows_the_ticket_live(
        city: PublicHall, phone_browser: Callable[..., Page]) -> None:
    for _ in range(4):
        ticket = city.post("kiosk", "/tickets", {"service": "A"})
    assert ticket["url"].startswith(f"{city.central.url}/p/{HALL}/{ticket['id']}.")
    phone = phone_browser()
    phone.open(ticket["url"])
    assert phone.wait_text("number", "A004") == "A004"
    phone.wait_text("detail", "前面还有 3 人")
    assert phone.text("hall") == "福田区政务服务中心" and phone.text("near") == ""
    phone.driver.execute_script("window.__same = 'not reloaded';")
    city.post("admin", "/windows/1/open")
    assert city.post("admin", "/windows/1/call")["number"] == "A001"
    near = phone.wait_text("near", "快到您了")
    assert "前面还有 2 人" in near
    assert ["notification", "A004", near] in phone.buzzes()
    for _ in range(3):
        city.post("admin", "/windows/1/finish")
        city.post("admin", "/windows/1/call")
    phone.wait_text("status", "已叫号，请到 1 号窗口办理")
    assert phone.text("near") == "轮到您了！请到 1 号窗口"
    assert phone.driver.execute_script("return window.__same;") == "not reloaded"


def test_the_citizen_gives_up_and_rates_through_central(
        city: PublicHall, phone_browser: Callable[..., Page]) -> None:
    given_up = city.post("kiosk", "/tickets", {"service": "B"})
    served = city.post("kiosk", "/tickets", {"service": "C"})
    phone = phone_browser()
    phone.open(given_up["url"])
    phone.wait_text("detail", "前面还有 0 人")
    phone.click("cancel")
    assert "确定放弃 B001 号吗" in phone.accept_confirm()
    phone.wait_text("status", "已放弃")
    assert city.ticket(given_up["id"])["status"] == "cancelled"
    city.post("admin", "/windows/20/open")
    city.post("admin", "/windows/20/call")
    city.post("admin", "/windows/20/finish")
    phone.open(served["url"])
    phone.wait_text("rate", "请为本次服务评价")
    phone.click_button("非常满意")
    phone.wait_text("thanks", "感谢您的评价：非常满意")
    assert city.ticket(served["id"])["rating"] == 5
    again = httpx.post(served["url"] + "/rating", json={"level": 2})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    late = httpx.post(given_up["url"] + "/cancel", json={})
    assert late.status_code == 409 and late.json()["code"] == "bad_state"


@pytest.mark.allow_log("Cannot reach the central platform")
def test_the_page_reconnects_after_central_went_away_and_catches_up(
        city: PublicHall, phone_browser: Callable[..., Page]) -> None:
    city.post("kiosk", "/tickets", {"service": "B"})
    ticket = city.post("kiosk", "/tickets", {"service": "B"})
    phone = phone_browser()
    phone.open(ticket["url"])
    phone.wait_text("detail", "前面还有 1 人")
    city.central.kill()
    phone.wait_text("conn", "正在重新连接")
    city.post("admin", "/windows/14/open")
    city.post("admin", "/windows/14/call")           # while central is away
    city.central.start()
    phone.wait_text("detail", "前面还有 0 人", timeout=40)
    assert phone.text("conn") == ""
    assert phone.text("near").startswith("快到您了")


def test_unknown_wrong_and_expired_links_get_a_proper_page(
        city: PublicHall, phone_browser: Callable[..., Page]) -> None:
    ticket = city.post("kiosk", "/tickets", {"service": "A"})
    city.central_has_everything()
    base = f"{city.central.url}/p/{HALL}/"
    lan_token = links.link_token(city.node.link_key, ticket["id"])    # the LAN page's token
    last = ticket["url"][-1]
    wrong_mac = ticket["url"][:-1] + ("1" if last == "0" else "0")   # never the same link
    misses = [httpx.get(url) for url in (
        base + lan_token, base + ticket["id"], wrong_mac,
        ticket["url"].replace(f"/p/{HALL}/", "/p/GD-SZ-XX-009/"), base + "20240101-Z001.abc")]
    assert {m.status_code for m in misses} == {404}
    assert len({m.text for m in misses}) == 1, "no oracle: the same page for every miss"
    phone = phone_browser()
    phone.open(base + lan_token)
    assert "没有找到该号码" in phone.body() and "Ticket not found" in phone.body()
    yesterday = (datetime.now(city.node.config.timezone) - timedelta(days=1)).strftime("%Y%m%d")
    old = links.link_token(links.public_key(city.node.link_key), f"{yesterday}-A001")
    phone.open(base + old)
    phone.wait_text("status", "该号码已过期")
    assert phone.text("detail") == "号码仅限取号当日有效，如需办理请重新取号。"
    assert phone.text("cancel") == ""
