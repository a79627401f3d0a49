"""Cloud calling wired end to end (云叫号): a real central (a child process on loopback, so it
can be killed), two real hall nodes (Futian and Nanshan, two catalogs of the example hall) and
their sync agents. A video window at Nanshan calls a ticket waiting at Futian through central,
also across a central crash; a Futian kiosk refers a citizen to Nanshan; recommendations reach
Futian's kiosk API; a citizen takes a number at Nanshan by phone, follows it, rates the
service and cancels another."""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import hall.cloud
from central.auth import create_credential
from central.catalog import put_catalog
from central.db import open_database
from hall import idnumber
from hall.config import EXAMPLE_HALL, parse_config
from hall.events import EventKind
from hall.node import HallNode
from hall.server import HallServer
from sync.agent import SyncAgent
from sync.agent_config import AgentConfig
from tests.helpers.central import CentralProcess, acquire_shared_cluster, release_shared_cluster
from tests.helpers.staff_pins import give_demo_pins

FT, NS = "GD-SZ-FT-001", "GD-SZ-NS-002"
#: The city's key for hashing ID numbers, shared by its halls (``hallq hall --id-key-file``).
CITY_ID_KEY = b"wiring-test-city-id-key-0123456789"
#: A console opens its window by signing in (the example hall's 王晓明).
SIGN_IN = {"staff_id": "S001", "pin": "1234"}


def hall_text(hall_id: str) -> str:
    """The example hall's TOML, open all day; Nanshan renamed and placed 1 km away."""
    text = EXAMPLE_HALL.read_text(encoding="utf-8").replace("open_all_day = false",
                                                            "open_all_day = true")
    if hall_id == NS:
        text = (text.replace(f'id = "{FT}"', f'id = "{NS}"')
                .replace("福田区政务服务中心", "南山区政务服务中心")
                .replace("Futian District", "Nanshan District")
                .replace("location = { lat = 22.5410, lon = 114.0550 }",
                         "location = { lat = 22.5450, lon = 114.0640 }"))
    return text


@dataclass
class Site:
    """A running hall node, its agent and clients with its devices' tokens."""

    hall_id: str
    server: HallServer
    agent: SyncAgent
    http: dict[str, httpx.Client]

    def get(self, device: str, path: str) -> Any:
        """GET an API path as ``device``; the JSON answer."""
        response = self.http[device].get(f"/api/v1{path}")
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, device: str, path: str, body: dict | None = None) -> Any:
        """POST to an API path as ``device``; the JSON answer (2xx expected)."""
        response = self.http[device].post(f"/api/v1{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json()

    def events(self, kind: str) -> list[dict]:
        """The node's events of one kind."""
        return [e for e in self.get("kiosk", "/events?limit=10000")["events"]
                if e["kind"] == kind]


@dataclass
class City:
    """Central and two halls."""

    central: CentralProcess
    admin: httpx.Client
    phone: httpx.Client               # the city's citizen app (微信取号)
    ft: Site
    ns: Site
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def central_has(self, site: Site) -> None:
        """Wait until central holds every event the hall has."""
        head = site.get("kiosk", "/events?after=0&limit=1")["last_seq"]
        until(lambda: self.admin.get(f"/api/v1/halls/{site.hall_id}/sync").json()["acked"]
              >= head, what=f"central to catch up with {site.hall_id}")


def until(check: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
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
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.05)


@pytest.fixture(params=["sqlite"])
def dialect(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def city(tmp_path: Path, dialect: str) -> Iterator[City]:
    closers: list[Callable[[], None]] = []
    try:
        if dialect == "postgresql":
            cluster = acquire_shared_cluster()
            closers.append(release_shared_cluster)
            url = cluster.create_database(f"wiring_{tmp_path.name[-12:].lower()}")
            closers.append(lambda: cluster.drop_database(url))
        else:
            url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
        db = open_database(url)
        credentials = {h: create_credential(db, "hall", h) for h in (FT, NS)}
        admin_token = create_credential(db, "admin")
        phone_token = create_credential(db, "phone", note="the city's citizen app")
        for hall_id in (FT, NS):
            put_catalog(db, hall_id, json.loads(json.dumps(tomllib.loads(hall_text(hall_id)),
                                                           default=str)))
        db.close()
        key_file = tmp_path / "city-id.key"
        key_file.write_text(CITY_ID_KEY.hex())
        central = CentralProcess(url, log_path=tmp_path / "central.log",
                                 id_key_file=key_file,
                                 data_key_file=tmp_path / "central-data.key").start()
        closers.append(central.stop)
        admin, phone = (httpx.Client(base_url=central.url, timeout=10,
                                     headers={"Authorization": f"Bearer {token}"})
                        for token in (admin_token, phone_token))
        closers.extend((admin.close, phone.close))
        ft, ns = (start_site(hall_id, tmp_path, central.url, credentials[hall_id], closers)
                  for hall_id in (FT, NS))
        yield City(central, admin, phone, ft, ns)
    finally:
        for close in reversed(closers):
            close()


def start_site(hall_id: str, tmp_path: Path, central_url: str, credential: str,
               closers: list[Callable[[], None]]) -> Site:
    """A hall node on a free port and its sync agent, relaying quickly."""
    node = HallNode(parse_config(tomllib.loads(hall_text(hall_id))), tmp_path / hall_id,
                    id_key=CITY_ID_KEY)
    give_demo_pins(node.store)
    tokens = {role: node.store.pair(role, f"test-{role}") for role in ("kiosk", "sync")}
    tokens["caller-1"] = node.store.pair("caller", "console-1", "1")
    tokens["caller-30"] = node.store.pair("caller", "console-30", "30")
    server = HallServer(node, host="127.0.0.1", port=0, advertise=False).start_in_thread()
    closers.append(server.stop)
    http = {device: httpx.Client(base_url=server.url, timeout=10,
                                 headers={"Authorization": f"Bearer {token}"})
            for device, token in tokens.items()}
    closers.extend(client.close for client in http.values())
    agent = SyncAgent(AgentConfig(
        hall_url=server.url, hall_token=tokens["sync"], central_url=central_url,
        credential=credential, state_dir=tmp_path / f"sync-{hall_id}", poll_s=0.2,
        linger_s=0.05, min_backoff_s=0.1, max_backoff_s=1.0, report_every_s=1.0,
        relay_every_s=0.2, inbox_wait_s=1.0, recommend_every_s=1.0, referral_every_s=1.0,
        relay_max_backoff_s=1.0)).start()
    closers.append(agent.close)
    return Site(hall_id, server, agent, http)


def remote_state(site: Site, state: str) -> dict:
    """Wait until Nanshan's window 30 reaches ``state``; its remote view."""
    return until(lambda: (v := site.get("caller-30", "/windows/30/remote"))["state"] == state
                 and v, what=f"window 30 to reach {state}")


def call_remotely(city: City) -> dict:
    """A Futian citizen waits for a remotely servable item; Nanshan's idle video window calls
    them through central. The ticket, once lent."""
    ticket = city.ft.post("kiosk", "/tickets", {"service": "A02"})
    city.central_has(city.ft)
    city.ns.post("caller-30", "/windows/30/sign-in", SIGN_IN)
    assert city.ns.post("caller-30", "/windows/30/remote-call")["state"] == "choosing"
    calling = remote_state(city.ns, "calling")
    assert (calling["home"], calling["ticket"], calling["number"]) == (
        FT, ticket["id"], ticket["number"])
    assert calling["home_name_zh"] == "福田区政务服务中心"
    lent = city.ft.get("kiosk", f"/tickets/{ticket['id']}")
    assert lent["status"] == "leased" and lent["booth"]["id"] == "V1"
    (leased,) = city.ft.events(EventKind.TICKET_LEASED)
    assert leased["data"]["ticket"] == ticket["id"] and leased["data"]["remote"] == f"{NS}/30"
    return ticket


def serve_remotely(city: City, ticket: dict, start: bool = True) -> None:
    """The citizen reaches the booth (``start``); Nanshan serves and finishes."""
    if start:
        city.ns.post("caller-30", "/windows/30/remote-start")
    remote_state(city.ns, "serving")
    city.ns.post("caller-30", "/windows/30/remote-finish")
    remote_state(city.ns, "done")
    assert city.ft.get("kiosk", f"/tickets/{ticket['id']}")["status"] == "finished"


def served_once(city: City, ticket: dict) -> None:
    """The ticket's lease history at Futian: lent, served and finished once, never returned."""
    for kind in (EventKind.TICKET_LEASED, EventKind.TICKET_REMOTE_SERVING,
                 EventKind.TICKET_REMOTE_FINISHED):
        assert [e["data"]["ticket"] for e in city.ft.events(kind)] == [ticket["id"]], kind
    assert city.ft.events(EventKind.TICKET_LEASE_RETURNED) == []
    assert city.ft.events(EventKind.TICKET_CALLED) == []


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"], indirect=True)
def test_a_video_window_serves_a_ticket_of_another_hall(city: City) -> None:
    ticket = call_remotely(city)
    serve_remotely(city, ticket)
    served_once(city, ticket)
    # central saw it all: the lent ticket left Futian's line
    city.central_has(city.ft)
    live = city.admin.get(f"/api/v1/halls/{FT}/live").json()
    assert all(t["waiting"] == 0 for t in live["themes"])


@pytest.mark.allow_log("Cannot reach the central platform", "stream subscriber fell")
def test_a_lease_survives_a_central_crash(city: City) -> None:
    ticket = call_remotely(city)
    city.central.kill()
    city.ns.post("caller-30", "/windows/30/remote-start")     # START cannot reach Futian
    time.sleep(1.5)
    assert city.ns.get("caller-30", "/windows/30/remote")["state"] == "starting"
    city.central.start()                                       # everything in flight is lost
    serve_remotely(city, ticket, start=False)
    served_once(city, ticket)
    # the restarted central rebuilt its city state: the ticket is not offered again
    city.ns.post("caller-30", "/windows/30/remote-call")
    remote_state(city.ns, "none")


def test_a_referral_issues_one_ticket_at_the_other_hall(city: City) -> None:
    referral = city.ft.post("kiosk", "/referrals", {"item": "A01", "hall": NS})
    assert referral["state"] == "pending"
    done = until(lambda: (r := city.ft.get("kiosk", f"/referrals/{referral['id']}"))[
        "state"] != "pending" and r, what="the referral's result")
    assert done["state"] == "issued", done
    ticket = done["ticket"]
    assert ticket["hall"] == NS and ticket["name_zh"] == "南山区政务服务中心"
    assert ticket["number"].startswith("A") and ticket["ahead"] == 0
    time.sleep(2.5)                     # the agents keep relaying: still one ticket
    issued = city.ns.events(EventKind.TICKET_ISSUED)
    assert [(e["data"]["ticket"], e["data"]["channel"]) for e in issued] == [
        (ticket["id"], "referral")]
    assert city.ns.get("kiosk", f"/tickets/{ticket['id']}")["status"] == "waiting"


def test_a_citizen_referred_with_their_id_card_keeps_priority_and_the_limit(
        city: City, tmp_path: Path) -> None:
    elder = "11010119500101001"
    elder += idnumber.check_char(elder)
    masked = idnumber.mask(elder)
    city.ns.post("kiosk", "/tickets", {"service": "A01"})             # someone waits there
    refused = city.ns.http["kiosk"].post("/api/v1/referrals/incoming", json={
        "referral": "X", "item": "A01", "from_hall": FT})
    assert refused.status_code == 403, "only the sync agent issues referred tickets"

    def refer() -> dict:
        referral = city.ft.post("kiosk", "/referrals", {"item": "A01", "hall": NS,
                                                        "id_number": elder})
        assert elder not in json.dumps(referral) and referral["id_masked"] == masked
        return until(lambda: (r := city.ft.get("kiosk", f"/referrals/{referral['id']}"))[
            "state"] != "pending" and r, what="the referral's result")
    done = refer()
    assert done["state"] == "issued", done
    ticket = city.ns.get("kiosk", f"/tickets/{done['ticket']['id']}")
    assert (ticket["elderly"], ticket["id_masked"], ticket["ahead"]) == (
        True, masked, 0), "called first, ahead of the one who came before"
    assert done["ticket"]["id_masked"] == masked      # printed on the kiosk's paper
    # theme A allows 2 tickets per ID a day: one with the card at Nanshan, then no more
    city.ns.post("kiosk", "/tickets", {"service": "A01", "id_number": elder})
    again = refer()
    assert again["state"] == "refused" and again["error"]["code"] == "id_limit_reached", again
    assert elder not in (tmp_path / "central.log").read_text()


def test_an_answer_too_late_cancels_the_ticket_at_the_other_hall(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """Futian's agent is down while Nanshan issues: Futian gives the citizen up (they take a
    number at Futian), withdraws when its agent is back, and Nanshan cancels its ticket."""
    monkeypatch.setattr(hall.cloud, "REFERRAL_ANSWER_S", 3.0)
    city.ns.agent.close()                              # Nanshan does not claim it yet
    referral = city.ft.post("kiosk", "/referrals", {"item": "A01", "hall": NS})
    path = f"/api/v1/remote/referrals/{referral['id']}"
    until(lambda: city.admin.get(path).status_code == 200, what="the referral at central")
    city.ft.agent.close()                              # Futian will hear nothing back
    agents = [SyncAgent(city.ns.agent.config).start()]
    try:
        issued = until(lambda: (r := city.admin.get(path).json())["state"] == "issued" and r,
                       what="Nanshan's ticket")
        ticket_id = issued["ticket"]["id"]
        assert city.ns.get("kiosk", f"/tickets/{ticket_id}")["status"] == "waiting"
        time.sleep(max(0.0, referral["created_at"] + 3.0 - time.time()))
        agents.append(SyncAgent(city.ft.agent.config).start())   # back, past the deadline
        until(lambda: city.ns.get("kiosk", f"/tickets/{ticket_id}")["status"] == "cancelled",
              what="Nanshan's ticket cancelled")
        until(lambda: city.admin.get(path).json()["state"] == "withdrawn",
              what="the referral withdrawn at central")
        shown = until(lambda: (r := city.ft.get("kiosk", f"/referrals/{referral['id']}"))[
            "state"] == "withdrawn" and r, what="Futian's referral withdrawn")
        assert shown["error"]["code"] == "referral_timeout" and shown["ticket"] is None
        cancelled = city.ns.events(EventKind.TICKET_CANCELLED)
        assert [e["data"]["ticket"] for e in cancelled] == [ticket_id]
    finally:
        for agent in agents:
            agent.close()


def test_recommendations_reach_the_kiosk(city: City) -> None:
    city.ft.post("caller-1", "/windows/1/sign-in", SIGN_IN)
    for _ in range(6):
        city.ft.post("kiosk", "/tickets", {"service": "A01"})
    city.ns.post("caller-1", "/windows/1/sign-in", SIGN_IN)
    city.central_has(city.ft)
    city.central_has(city.ns)
    found = until(lambda: (r := city.ft.get("kiosk", "/recommend?item=A01"))["halls"] and r,
                  what="recommendations at Futian")
    assert found["stale"] is False and found["here"]["hall"] == FT
    (nanshan,) = found["halls"]
    assert nanshan["hall"] == NS and nanshan["name_zh"] == "南山区政务服务中心"
    assert 600 < nanshan["travel_s"] < 1000 and nanshan["wait_s"] == 0
    assert nanshan["expected_total_s"] + 300 <= found["here"]["wait_s"]


def test_a_number_taken_by_phone_is_issued_followed_and_cancelled(
        city: City, tmp_path: Path) -> None:
    citizen = "44030419900101123"
    citizen += idnumber.check_char(citizen)
    for site in (city.ft, city.ns):
        site.post("caller-1", "/windows/1/sign-in", SIGN_IN)
    first = city.ns.post("kiosk", "/tickets", {"service": "A01"})        # someone waits there
    city.central_has(city.ns)
    at_nanshan = {"item": "A01", "lat": 22.5450, "lon": 114.0640}
    halls = city.phone.get("/api/v1/phone/halls", params=at_nanshan).json()["halls"]
    # Futian's window is idle 1 km further, but Nanshan's one citizen ahead may be called at
    # once: one in five sent to Futian would lose by it, so only Nanshan is offered
    assert [h["hall"] for h in halls] == [NS], "a saving that is not sure is not offered"
    assert halls[0]["waiting"] == 1 and halls[0]["travel_s"] == 600.0

    def take(app_id: str) -> dict:
        taken = city.phone.post("/api/v1/phone/tickets", json={
            "id": app_id, "hall": NS, "item": "A01", "id_number": citizen})
        assert taken.status_code == 202, taken.text
        return until(lambda: (r := city.phone.get(f"/api/v1/phone/tickets/{app_id}").json())[
            "status"] != "taking" and r, what=f"phone ticket {app_id}")

    shown = take("app-000001")
    assert shown["status"] == "waiting", shown
    ticket = city.ns.get("kiosk", f"/tickets/{shown['ticket']['id']}")
    assert (ticket["channel"], ticket["id_masked"], ticket["status"]) == (
        "phone", idnumber.mask(citizen), "waiting")
    assert shown["ticket"]["number"] == ticket["number"] and shown["ahead"] == 1
    assert shown["reminder"]["en"].startswith("Your turn is near")
    # Nanshan calls the one before, then the phone ticket: the app follows
    assert city.ns.post("caller-1", "/windows/1/call")["id"] == first["id"]
    city.ns.post("caller-1", "/windows/1/finish")
    assert city.ns.post("caller-1", "/windows/1/call")["id"] == ticket["id"]
    called = until(lambda: (r := city.phone.get("/api/v1/phone/tickets/app-000001").json())[
        "status"] == "called" and r, what="the call on the phone")
    assert called["window"] == "1" and called["reminder"]["zh"] == "请到1号窗口办理"
    # served; the citizen rates it on the phone, and Nanshan records it (好差评)
    city.ns.post("caller-1", "/windows/1/finish")
    until(lambda: city.phone.get("/api/v1/phone/tickets/app-000001").json()["status"]
          == "finished", what="the end of the service on the phone")
    rated = city.phone.post("/api/v1/phone/tickets/app-000001/rating", json={"level": 5})
    assert rated.status_code == 200 and rated.json()["rating"]["state"] == "pending"
    until(lambda: city.phone.get("/api/v1/phone/tickets/app-000001").json()["rating"][
        "state"] == "done", what="the rating recorded at Nanshan")
    assert city.ns.get("kiosk", f"/tickets/{ticket['id']}")["rating"] == 5
    assert [e["data"]["level"] for e in city.ns.events(EventKind.TICKET_RATED)] == [5]
    # a second number, given up: Nanshan cancels it; the per-ID limit (2 a day) counts
    second = take("app-000002")
    cancelled = city.phone.post("/api/v1/phone/tickets/app-000002/cancel").json()
    assert cancelled["status"] == "cancelled"
    until(lambda: city.ns.get("kiosk", f"/tickets/{second['ticket']['id']}")["status"]
          == "cancelled", what="Nanshan's ticket cancelled")
    assert take("app-000003")["status"] == "waiting"
    refused = take("app-000004")
    assert refused["status"] == "refused" and refused["error"]["code"] == "id_limit_reached"
    issued = [e["data"]["channel"] for e in city.ns.events(EventKind.TICKET_ISSUED)]
    assert issued == ["kiosk", "phone", "phone", "phone"], "each phone number issued once"
    assert citizen not in (tmp_path / "central.log").read_text()


def test_a_phone_number_whose_answer_is_lost_is_issued_once_all_the_same(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """Faults between central and Nanshan's agent: the long poll's answer carrying the number
    is lost; handed out again, the agent issues it and loses its own answer (a restart).
    Central hands it out once more and Nanshan answers with the one ticket it issued; the
    next number goes through as usual."""
    inbox = city.ns.agent.inbox
    act, issue = inbox._act_on_mail, inbox._issue_referral
    lost: list[str] = []

    def lose_the_first_mail(mail: dict) -> dict:
        if mail.get("referrals") and not lost:
            lost.append(mail["referrals"][0]["id"])        # the answer never arrived
            return {}
        return act(mail)

    def issue_then_forget(referral: dict) -> None:
        issue(referral)
        if len(lost) == 1:
            lost.append(referral["id"])
            with inbox.answers._lock:
                inbox.answers._waiting.clear()             # the agent went down here

    monkeypatch.setattr(inbox, "_act_on_mail", lose_the_first_mail)
    monkeypatch.setattr(inbox, "_issue_referral", issue_then_forget)
    citizen = "44030419900101123"
    citizen += idnumber.check_char(citizen)
    shown = []
    for app_id in ("app-lost-01", "app-lost-02"):
        taken = city.phone.post("/api/v1/phone/tickets", json={
            "id": app_id, "hall": NS, "item": "A01", "id_number": citizen})
        assert taken.status_code == 202, taken.text
        shown.append(until(lambda a=app_id: (r := city.phone.get(
            f"/api/v1/phone/tickets/{a}").json())["status"] != "taking" and r,
            what=f"{app_id} answered after all"))
    assert [v["status"] for v in shown] == ["waiting", "waiting"], shown
    assert len(lost) == 2 and lost[0] == lost[1], "both faults hit the first number"
    issued = [e["data"]["ticket"] for e in city.ns.events(EventKind.TICKET_ISSUED)]
    assert issued == [v["ticket"]["id"] for v in shown], "one ticket each, no more"


def test_a_referral_given_up_while_its_answer_was_lost_leaves_no_ticket_behind(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nanshan's agent issues the referred ticket and loses its answer (a restart); Futian
    gives the citizen up meanwhile. Central hands Nanshan the withdrawal without a ticket, and
    Nanshan cancels the one it issued for that referral."""
    monkeypatch.setattr(hall.cloud, "REFERRAL_ANSWER_S", 3.0)
    inbox = city.ns.agent.inbox
    issue = inbox._issue_referral

    def issue_then_forget(referral: dict) -> None:
        issue(referral)
        with inbox.answers._lock:
            inbox.answers._waiting.clear()                 # the agent went down here

    monkeypatch.setattr(inbox, "_issue_referral", issue_then_forget)
    referral = city.ft.post("kiosk", "/referrals", {"item": "A01", "hall": NS})
    (issued,) = until(lambda: city.ns.events(EventKind.TICKET_ISSUED), what="Nanshan's ticket")
    ticket_id = issued["data"]["ticket"]
    until(lambda: city.ns.get("kiosk", f"/tickets/{ticket_id}")["status"] == "cancelled",
          what="Nanshan's ticket cancelled after all")
    path = f"/api/v1/remote/referrals/{referral['id']}"
    assert until(lambda: city.admin.get(path).json()["state"] == "withdrawn",
                 what="the referral withdrawn at central")
    shown = city.ft.get("kiosk", f"/referrals/{referral['id']}")
    assert shown["state"] == "withdrawn" and shown["ticket"] is None
    assert len(city.ns.events(EventKind.TICKET_ISSUED)) == 1
