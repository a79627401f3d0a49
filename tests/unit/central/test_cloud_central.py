"""Cloud calling at central (central/city.py, central/travel.py, central/mailbox.py,
central/referrals.py, central/api/cloud.py): the live city state fed by the ingest and rebuilt
from the stored events, holds and their timeout, recommendations, the mailboxes' relay and long
poll, and referrals issued at most once — on SQLite (the referral store on PostgreSQL too)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from central import catalog, ingest, referrals
from central.auth import create_credential
from central.city import CityService, RemoteSettings
from central.db import Database, open_database
from central.mailbox import Mailbox
from central.server import CentralServer
from central.travel import HallTravel
from hall.events import EventKind
from tests.helpers.central import hall_catalog
from tests.helpers.clocks import SecondsClock

NOW = 1710208800.0  # Tuesday 2024-03-12 10:00 in Shanghai
DAY = "20240312"


def issued(seq: int, number: str, item: str = "A02", ts: float = NOW - 900) -> dict:
    """A ticket.issued event of the example hall's catalog."""
    return {"seq": seq, "kind": EventKind.TICKET_ISSUED, "ts": ts,
            "data": {"ticket": f"{DAY}-{number}", "number": number, "theme": number[0],
                     "item": item, "elderly": False, "channel": "kiosk"}}


def event(seq: int, kind: str, **data: object) -> dict:
    """Any event, a minute ago unless ``ts`` is given."""
    ts = data.pop("ts", NOW - 60)
    return {"seq": seq, "kind": kind, "ts": ts, "data": data}


def catalogs(db: Database) -> None:
    """HA (Futian, located), HB (Nanshan, located) and HC (no location)."""
    catalog.put_catalog(db, "HA", hall_catalog("HA"))
    nanshan = hall_catalog("HB")
    nanshan["hall"]["location"] = {"lat": 22.5329, "lon": 113.9305}
    nanshan["hall"]["name_zh"] = "南山区政务服务中心"
    catalog.put_catalog(db, "HB", nanshan)
    plain = hall_catalog("HC")
    del plain["hall"]["location"]
    catalog.put_catalog(db, "HC", plain)


def chosen(service: CityService, hall: str, skills: list[str], now: float) -> str | None:
    """The ticket central chooses for a video window of ``hall`` (held for it), or None."""
    found = service.choose(hall, skills, now)
    return None if found is None else found["ticket"]


def push(db: Database, service: CityService, hall: str, batch: list[dict]) -> int:
    """Ingest a batch as central's push route does, feeding the service."""
    result = ingest.ingest(db, hall, batch, now=NOW)
    service.feed(hall, batch, result.acked)
    return result.acked


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    catalogs(db)
    yield db
    db.close()


@pytest.fixture
def service(sqlite_db: Database) -> CityService:
    built = CityService(sqlite_db, RemoteSettings(hold_s=120.0), clock=lambda: NOW)
    built.rebuild()
    for hall in ("HA", "HB", "HC"):       # every hall's agent is waiting for its mail
        built.poll_started(hall)
    return built


def test_a_video_window_gets_the_oldest_remote_ticket_of_another_hall(
        sqlite_db: Database, service: CityService) -> None:
    push(sqlite_db, service, "HA", [issued(1, "A001", "A01"), issued(2, "A002"),
                                    issued(3, "A003", ts=NOW - 800)])
    found = service.choose("HB", ["C", "A"], NOW)
    assert found == {"hall": "HA", "ticket": f"{DAY}-A002", "theme": "A", "number": "A002",
                     "wait_s": 86400.0, "item": "A02", "name_zh": "福田区政务服务中心",
                     "name_en": "Futian District Government Service Center"}
    assert service.choose("HA", ["C", "A"], NOW) is None          # never its own hall
    assert service.choose("HB", ["B"], NOW) is None               # no remote ticket of B
    # held: the next window gets the next ticket, then nothing
    assert chosen(service, "HC", ["A"], NOW + 1) == f"{DAY}-A003"
    assert service.choose("HC", ["A"], NOW + 2) is None
    # a lost request does not hide a ticket for ever
    assert chosen(service, "HB", ["A"], NOW + 121) == f"{DAY}-A002"


def test_one_forgotten_540_minute_service_does_not_move_the_live_views_40_minute_mean(
        sqlite_db: Database, service: CityService) -> None:
    """The finding: one 540-minute service moved a 40-minute mean to 62. Central's live view
    takes the mean cloud calling learned robustly (each sample winsorised), not the plain one."""
    from central import live

    batch = []
    for i in range(31):
        service_min = 540 if i == 30 else 40
        batch.append(event(i + 1, EventKind.TICKET_FINISHED, ticket=f"{DAY}-A{i:03d}",
                           number=f"A{i:03d}", theme="A", item="A01", window="1",
                           service_s=service_min * 60.0, ts=NOW - 3000 + i))
    push(sqlite_db, service, "HA", batch)
    learned = service.learned_means()
    assert 40 * 60 < learned["HA"]["A"] < 46 * 60
    theme = next(t for t in live.city_view(sqlite_db, "HA", learned)[0]["themes"]
                 if t["theme"] == "A")
    assert theme["mean_service_s"] == pytest.approx(learned["HA"]["A"], abs=0.1)
    plain = next(t for t in live.city_view(sqlite_db, "HA")[0]["themes"] if t["theme"] == "A")
    assert plain["mean_service_s"] == pytest.approx((30 * 40 + 540) / 31 * 60, abs=1)


def test_a_hold_ends_with_the_home_halls_lease_events(sqlite_db: Database,
                                                      service: CityService) -> None:
    push(sqlite_db, service, "HA", [issued(1, "A002")])
    ticket = chosen(service, "HB", ["A"], NOW)
    assert ticket is not None
    lease = {"ticket": ticket, "number": "A002", "theme": "A", "item": "A02", "elderly": False,
             "sort_key": NOW - 900, "lease": "HB/30/1"}
    push(sqlite_db, service, "HA", [event(2, EventKind.TICKET_LEASED, remote="HB/30", booth="V1",
                                          **lease)])
    assert service.holds == {} and service.choose("HB", ["A"], NOW) is None
    push(sqlite_db, service, "HA", [event(3, EventKind.TICKET_LEASE_RETURNED, reason="expired",
                                          **lease), issued(4, "A003")])
    assert service.holds == {}                           # at once, not after 2 min
    # the citizen did not come to the booth: back in their place, not called by video again
    other = f"{DAY}-A003"
    assert chosen(service, "HB", ["A"], NOW) == other
    service.unhold("HA", other)                                   # a refused lease
    assert chosen(service, "HC", ["A"], NOW) == other


def test_a_hold_outlives_the_green_channel_and_still_times_out(
        sqlite_db: Database, service: CityService) -> None:
    """Staff putting a held ticket on the green channel does not end its hold; a lease that
    never comes still gives the ticket back to the other windows after ``hold_s``."""
    push(sqlite_db, service, "HA", [issued(1, "A002")])
    ticket = chosen(service, "HB", ["A"], NOW)
    push(sqlite_db, service, "HA", [event(2, EventKind.TICKET_PRIORITIZED, ticket=ticket,
                                          number="A002", theme="A", green=True)])
    assert service.choose("HC", ["A"], NOW + 1) is None, "still held"
    service.refresh(NOW + 121, force=True)
    assert chosen(service, "HC", ["A"], NOW + 121) == ticket


def test_windows_left_open_over_midnight_are_open_after_a_restart(
        sqlite_db: Database, service: CityService) -> None:
    yesterday = NOW - 86400
    push(sqlite_db, service, "HB", [event(1, EventKind.WINDOW_OPENED, window="1", ts=yesterday),
                                    event(2, EventKind.WINDOW_OPENED, window="2", ts=yesterday),
                                    event(3, EventKind.WINDOW_PAUSED, window="2", ts=NOW - 600)])
    restarted = CityService(sqlite_db, RemoteSettings(), clock=lambda: NOW)
    restarted.rebuild()
    for city in (service.city, restarted.city):     # the live worker, the restarted one
        assert city is not None
        hb, a = city.index["HB"], city.theme_index["A"]
        assert (city.share[a, hb], city.idle[a, hb]) == (2.0, 1.0), "1 open, 2 paused"


def test_a_referral_nobody_answers_stops_counting_in_the_chosen_halls_line(
        service: CityService) -> None:
    """A citizen referred to HB counts in its line until the ticket is issued; a referral
    never answered (refused by central after at most 135 s) stops counting then, not after
    half an hour."""
    assert service.city is not None
    service.expect("R1", "HB", "A02", now=NOW)
    hb, a = service.city.index["HB"], service.city.theme_index["A"]
    assert service.city.inbound[a, hb] == 1
    service.refresh(NOW + referrals.PENDING_S + referrals.CLAIMED_S - 1, force=True)
    assert service.city.inbound[a, hb] == 1
    service.refresh(NOW + referrals.PENDING_S + referrals.CLAIMED_S, force=True)
    assert service.city.inbound[a, hb] == 0 and service.en_route == {}


def test_the_state_is_rebuilt_from_the_days_stored_events(sqlite_db: Database,
                                                          service: CityService) -> None:
    yesterday = NOW - 86400
    push(sqlite_db, service, "HA", [issued(1, "A001", ts=yesterday), issued(2, "A002",
                                                                            ts=yesterday),
                                    event(3, EventKind.TICKET_EXPIRED, ts=NOW - 3600,
                                          ticket=f"{DAY}-A001", number="A001", theme="A"),
                                    issued(4, "A001"), issued(5, "A002", ts=NOW - 800)])
    service.choose("HB", ["A"], NOW)
    restarted = CityService(sqlite_db, RemoteSettings(), clock=lambda: NOW)
    restarted.rebuild()
    assert restarted.applied == {"HA": 5, "HB": 0, "HC": 0}
    assert restarted.city is not None
    assert restarted.city.waiting[restarted.city.theme_index["A"]].tolist() == [2, 0, 0]
    assert chosen(restarted, "HB", ["A"], NOW) == f"{DAY}-A001"
    # a hall's new day empties its lines even before it says anything
    tomorrow = NOW + 86400
    restarted.refresh(tomorrow, force=True)
    assert restarted.city.waiting.sum() == 0
    assert restarted.choose("HB", ["A"], tomorrow) is None


def test_another_workers_ingest_and_a_new_catalog_are_followed(
        sqlite_db: Database, service: CityService) -> None:
    ingest.ingest(sqlite_db, "HA", [issued(1, "A002")], now=NOW)   # not fed: another worker
    assert service.choose("HB", ["A"], NOW) is None                # followed once a second
    assert chosen(service, "HB", ["A"], NOW + 1) == f"{DAY}-A002"
    catalog.put_catalog(sqlite_db, "HD", hall_catalog("HD"))
    service.refresh(NOW + 2)
    assert "HD" in service.configs and service.applied["HA"] == 1


def test_recommendations_weigh_travel_against_waiting(sqlite_db: Database,
                                                      service: CityService) -> None:
    opened = [event(1, EventKind.WINDOW_OPENED, window="1")]
    for hall in ("HB", "HC"):
        push(sqlite_db, service, hall, opened)
    push(sqlite_db, service, "HA", [*opened, *(issued(2 + i, f"A{i + 1:03d}", "A01")
                                              for i in range(20))])
    found = service.recommend("HA", "A01", limit=5, now=NOW)["A01"]
    assert [r["hall"] for r in found] == ["HC", "HB", "HA"]   # 20 min, ~12 km, 20 waiting
    plain, nanshan, here = found
    assert nanshan["name_zh"] == "南山区政务服务中心" and 2000 < nanshan["travel_s"] < 2600
    assert plain["travel_s"] == 1200.0 and here["travel_s"] == 0.0
    assert here["wait_s"] > nanshan["expected_total_s"]
    every = service.recommend("HA", limit=2, now=NOW)
    anywhere = {i["code"] for t in hall_catalog("HA")["themes"] for i in t["items"]
                if i.get("anywhere")}
    assert set(every) == anywhere and every["A01"] == found[:2]


def test_a_hall_whose_agent_fell_silent_is_offered_to_nobody(sqlite_db: Database) -> None:
    clock = SecondsClock(NOW)
    service = CityService(sqlite_db, RemoteSettings(silent_s=60.0), clock=clock)
    service.rebuild()
    opened = [event(1, EventKind.WINDOW_OPENED, window="1")]
    for hall in ("HB", "HC"):
        push(sqlite_db, service, hall, opened)
    push(sqlite_db, service, "HA", [*opened, *(issued(2 + i, f"A{i + 1:03d}",
                                                      "A01" if i % 2 else "A02", ts=NOW - 900)
                                               for i in range(20))])
    # just after central started, nobody was heard yet: every hall has its chance
    assert [r["hall"] for r in service.recommend("HA", "A01", now=NOW)["A01"]] == [
        "HC", "HB", "HA"]
    clock.now = NOW + 61                      # HC's agent polls; HB's and HA's are silent
    service.poll_started("HC")
    service.poll_ended("HC")
    found = service.recommend("HA", "A01", now=clock.now)["A01"]
    assert [r["hall"] for r in found] == ["HC", "HA"]   # its own hall is always there
    assert service.choose("HC", ["A"], clock.now) is None        # HA's tickets stay at home
    refused = service.refused_at("HB", "A01")
    assert refused is not None and refused["code"] == "unreachable" and refused["message_zh"]
    clock.now = NOW + 200                     # HC long-polling for a while still counts
    service.poll_started("HC")
    service.poll_started("HA")               # and HA's agent is back
    assert [r["hall"] for r in service.recommend("HA", "A01", now=clock.now)["A01"]] == [
        "HC", "HA"]
    assert service.choose("HC", ["A"], clock.now) is not None
    assert service.refused_at("HC", "A01") is None


def test_travel_without_a_location_uses_the_default() -> None:
    travel = HallTravel([(22.54, 114.05), None, (22.54, 114.15)], speed_kmh=30.0,
                        overhead_s=300.0, default_s=900.0)
    row = travel.row(0)
    assert row[0] == 0.0 and row[1] == 900.0 and 300 + 10 * 120 < row[2] < 300 + 11 * 120
    assert travel.row(1).tolist() == [900.0, 0.0, 900.0]


def test_a_mailbox_is_bounded_and_wakes_its_long_poll() -> None:
    async def scenario() -> None:
        box = Mailbox(size=3)
        for n in range(5):
            box.put("HA", "messages", {"n": n})
        assert [m["n"] for m in box.take("HA")["messages"]] == [2, 3, 4]

        async def nothing() -> dict[str, list[dict]]:
            return {}
        started = time.monotonic()
        assert not any((await box.collect("HA", 0.2, nothing)).values())
        assert time.monotonic() - started >= 0.2
        waiting = asyncio.create_task(box.collect("HA", 5.0, nothing))
        await asyncio.sleep(0.05)
        box.put("HA", "messages", {"n": 9})
        got = await asyncio.wait_for(waiting, 1.0)
        assert got["messages"] == [{"n": 9}]
    asyncio.run(scenario())


# ---------------------------------------------------------------------- over HTTP
@dataclass
class Central:
    """A central API on SQLite with the credentials of halls HA, HB and an admin."""

    url: str
    http: httpx.Client
    a: dict[str, str]
    b: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    db = open_database(url)
    catalogs(db)
    tokens = [create_credential(db, "hall", "HA"), create_credential(db, "hall", "HB"),
              create_credential(db, "admin")]
    db.close()
    server = CentralServer(url, port=0, data_key_file=tmp_path / "central-data.key"
                           ).start_in_thread()
    try:
        with httpx.Client(base_url=f"{server.url}/api/v1", timeout=10) as http:
            yield Central(server.url, http, *({"Authorization": f"Bearer {t}"} for t in tokens))
    finally:
        server.stop()


def message(kind: str, lease: str = "HB/30/1", n: int = 1) -> dict:
    """A lease message between window 30 of HB and a ticket of HA."""
    return {"kind": kind, "lease": lease, "home": "HA", "remote": "HB/30",
            "ticket": f"{DAY}-A002", "id": f"{lease}:{kind}:{n}"}


def test_lease_messages_are_relayed_to_the_hall_they_are_addressed_to(central: Central) -> None:
    http = central.http
    assert http.post("/remote/messages", headers=central.b, json={"messages": [
        message("request"), {**message("start"), "home": "NOWHERE"}]}).json() == {
        "accepted": 1, "dropped": 1}
    mail = http.get("/remote/messages", params={"hall": "HA"}, headers=central.a).json()
    assert [m["kind"] for m in mail["messages"]] == ["request"]
    assert mail["messages"][0]["expires_at"] == 0.0 and mail["referrals"] == []
    # the answer goes back to the window's hall; a long poll wakes for it
    answer = {**message("granted"), "expires_at": NOW + 180, "reply_to": "HB/30/1:request:1"}
    got: dict = {}
    poll = threading.Thread(target=lambda: got.update(http.get(
        "/remote/messages", params={"hall": "HB", "wait": 5}, headers=central.b).json()))
    started = time.monotonic()
    poll.start()
    time.sleep(0.3)
    assert http.post("/remote/messages", headers=central.a,
                     json={"messages": [answer]}).status_code == 202
    poll.join(5)
    assert got["messages"] == [answer] and time.monotonic() - started < 3


def test_a_hall_relays_and_reads_only_its_own_mail(central: Central) -> None:
    http = central.http
    for bad in ({"messages": [message("request")]},                   # HA is not the remote
                {"messages": [{**message("granted"), "home": "HB"}]}):  # …nor is HB the home
        refused = http.post("/remote/messages", headers=central.a, json=bad)
        assert refused.status_code == 403 and refused.json()["message_zh"]
    assert http.get("/remote/messages", params={"hall": "HB"},
                    headers=central.a).status_code == 403
    assert http.post("/remote/choose", headers=central.a,
                     json={"hall": "HB", "window": "30", "skills": ["A"]}).status_code == 403
    assert http.get("/recommend", params={"origin": "HB"}, headers=central.a).status_code == 403
    malformed = http.post("/remote/messages", headers=central.b,
                          json={"messages": [{"kind": "steal", "lease": "x"}]})
    assert malformed.status_code == 422 and malformed.json()["code"] == "bad_request"
    assert http.get("/remote/messages", params={"hall": "HA"},
                    headers=central.admin).status_code == 200


def test_choose_and_recommend_over_http(central: Central) -> None:
    http, now = central.http, time.time()
    body = {"hall": "HB", "window": "30", "skills": ["C", "A"]}
    assert http.post("/remote/choose", headers=central.b, json=body).status_code == 204
    # issued today in the hall's time zone (central follows the hall's current day), also
    # in the first minutes after midnight there
    midnight = datetime.now(ZoneInfo("Asia/Shanghai")).replace(
        hour=0, minute=0, second=0, microsecond=0).timestamp()
    first = max(now - 600, midnight + (now - midnight) / 3)
    pushed = http.post("/halls/HA/events", headers=central.a, json={"events": [
        issued(1, "A001", ts=first), issued(2, "A002", "A01", ts=first + (now - first) / 2)]})
    assert pushed.json()["acked"] == 2
    chosen = http.post("/remote/choose", headers=central.b, json=body)
    assert chosen.status_code == 200 and chosen.json()["number"] == "A001"
    assert http.post("/remote/choose", headers=central.b, json=body).status_code == 204
    one = http.get("/recommend", params={"origin": "HA", "item": "A01", "limit": 2},
                   headers=central.a).json()
    assert one["item"] == "A01" and len(one["halls"]) <= 2
    every = http.get("/recommend", params={"origin": "HA"}, headers=central.a).json()
    assert set(every["items"]) >= {"A01", "A02"} and every["at"] > now - 5
    unknown = http.get("/recommend", params={"origin": "HA", "item": "Z99"}, headers=central.a)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_service"


def test_a_referral_is_relayed_issued_once_and_its_result_relayed_back(central: Central
                                                                      ) -> None:
    http = central.http
    referral = {"id": "HA-20240312-R0001", "item": "A01", "hall": "HB", "from_hall": "HA"}
    assert http.post("/remote/referrals", headers=central.b, json=referral).status_code == 403
    posted = http.post("/remote/referrals", headers=central.a, json=referral)
    assert posted.status_code == 202 and posted.json()["state"] == "pending"
    assert http.post("/remote/referrals", headers=central.a, json=referral).json()[
        "state"] == "pending"                                           # idempotent
    mail = http.get("/remote/messages", params={"hall": "HB", "wait": 2},
                    headers=central.b).json()
    assert [r["id"] for r in mail["referrals"]] == [referral["id"]]
    assert http.get("/remote/messages", params={"hall": "HB"},
                    headers=central.b).json()["referrals"] == []        # handed out once
    ticket = {"id": f"{DAY}-A001", "number": "A001", "hall": "HB"}
    path = f"/remote/referrals/{referral['id']}/result"
    assert http.post(path, headers=central.a, json={"ticket": ticket}).status_code == 403
    assert http.post(path, headers=central.b, json={"ticket": ticket}).json()["state"] == "issued"
    assert http.post(path, headers=central.b, json={
        "error": {"code": "x", "message_zh": "x", "message_en": "x"}}).json()["state"] == "issued"
    back = http.get("/remote/messages", params={"hall": "HA"}, headers=central.a).json()
    assert back["referral_results"][0]["ticket"] == ticket
    again = http.post("/remote/referrals", headers=central.a, json=referral).json()
    assert again["state"] == "issued" and again["ticket"] == ticket
    # a hall that cannot take it is refused at once, stored like any other
    nowhere = http.post("/remote/referrals", headers=central.a, json={
        **referral, "id": "HA-20240312-R0002", "hall": "NOWHERE"}).json()
    assert nowhere["state"] == "refused" and nowhere["error"]["code"] == "unknown_hall"


PERSON = {"id_hash": "ab" * 32, "id_masked": "4403**********123X", "age": 74}


def test_a_named_citizen_reaches_the_chosen_hall_and_central_then_forgets_them(
        central: Central, tmp_path: Path) -> None:
    http = central.http
    referral = {"id": "HA-20240312-R0007", "item": "A01", "hall": "HB", "from_hall": "HA",
                "person": PERSON}
    for bad in ({**PERSON, "id_hash": "110101195001010019"}, {**PERSON, "age": -1},
                {**PERSON, "id_number": "110101195001010019"}):
        refused = http.post("/remote/referrals", headers=central.a,
                            json={**referral, "person": bad})
        assert refused.status_code == 422, bad
    posted = http.post("/remote/referrals", headers=central.a, json=referral).json()
    assert posted["state"] == "pending" and "person" not in posted
    assert "person" not in http.get(f"/remote/referrals/{referral['id']}",
                                    headers=central.a).json()
    mail = http.get("/remote/messages", params={"hall": "HB", "wait": 2},
                    headers=central.b).json()
    assert [(r["id"], r["person"]) for r in mail["referrals"]] == [(referral["id"], PERSON)]
    ticket = {"id": f"{DAY}-A001", "number": "A001", "hall": "HB"}
    assert http.post(f"/remote/referrals/{referral['id']}/result", headers=central.b,
                     json={"ticket": ticket}).json()["state"] == "issued"
    db = open_database(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    try:
        with db.transaction() as tx:
            assert tx.one("SELECT person FROM referrals WHERE id = ?",
                          (referral["id"],)) == (None,), "central forgets them once answered"
    finally:
        db.close()


def test_a_referral_whose_answer_was_lost_is_handed_out_again_to_a_reissuing_agent(
        db: Database) -> None:
    again_at = NOW + referrals.RECLAIM_S + 1
    referrals.create(db, "R1", "HA", "HB", "A01", now=NOW, person=PERSON)
    first = referrals.claim(db, "HB", now=NOW, reissue=True)
    assert [(r["id"], r["person"]) for r in first] == [("R1", PERSON)]
    assert referrals.claim(db, "HB", now=NOW + 1, reissue=True) == [], "being answered"
    assert not referrals.has_work(db, "HB", now=NOW + 1, reissue=True)
    # an agent whose hall may issue a referral twice is never handed it twice
    assert not referrals.has_work(db, "HB", now=again_at)
    assert referrals.claim(db, "HB", now=again_at) == []
    assert referrals.has_work(db, "HB", now=again_at, reissue=True)
    again = referrals.claim(db, "HB", now=again_at, reissue=True)
    assert [(r["id"], r["person"], r["claimed_at"]) for r in again] == [("R1", PERSON, NOW)]
    referrals.set_result(db, "R1", "HB", {"id": "T1", "number": "A001"}, None, now=again_at)
    assert referrals.claim(db, "HB", now=again_at + 60, reissue=True) == [], "answered"
    with db.transaction() as tx:
        assert tx.one("SELECT person FROM referrals WHERE id = 'R1'") == (None,)
    # withdrawn while its answer is lost: the hall cancels whatever it issued for it
    referrals.create(db, "R3", "HA", "HB", "A01", now=NOW)
    referrals.claim(db, "HB", now=NOW, reissue=True)
    referrals.withdraw(db, "R3", "HA", now=NOW + 1)
    assert referrals.cancellations(db, "HB", now=NOW + 1, reissue=True) == []
    assert referrals.cancellations(db, "HB", now=again_at) == [], "not to an old agent"
    (cancel,) = referrals.cancellations(db, "HB", now=again_at, reissue=True)
    assert (cancel["id"], cancel["state"], cancel["ticket"]) == ("R3", "withdrawing", None)
    assert referrals.has_work(db, "HB", now=again_at, reissue=True)
    assert referrals.cancelled(db, "R3", "HB", now=again_at)["state"] == "withdrawn"
    assert referrals.cancellations(db, "HB", now=again_at + 1, reissue=True) == []
    # handed out again and again, never answered: refused from the first claim's deadline
    referrals.create(db, "R2", "HA", "HB", "A01", now=NOW)
    referrals.claim(db, "HB", now=NOW, reissue=True)
    assert [r["id"] for r in referrals.claim(db, "HB", now=NOW + 60, reissue=True)] == ["R2"]
    lost = referrals.get(db, "R2", now=NOW + referrals.CLAIMED_S + 1)
    assert lost["state"] == "refused" and lost["error"]["code"] == "referral_lost"


def test_a_withdrawn_referral_is_never_issued_and_its_late_ticket_is_cancelled(
        db: Database) -> None:
    def state(referral_id: str) -> str:
        return str(referrals.get(db, referral_id, now=NOW + 2)["state"])
    for referral_id in ("kept", "claimed", "issued", "refused"):
        referrals.create(db, referral_id, "HA", "HB", "A01", now=NOW)
    referrals.claim(db, "HB", now=NOW)
    referrals.create(db, "late", "HA", "HB", "A01", now=NOW)
    referrals.set_result(db, "issued", "HB", {"id": "T1", "number": "A001"}, None, now=NOW)
    referrals.set_result(db, "refused", "HB", None, {"code": "quota_reached"}, now=NOW)
    with pytest.raises(referrals.CentralError):
        referrals.withdraw(db, "issued", "HB", now=NOW + 1)      # only the referring hall
    for referral_id in ("late", "claimed", "issued", "refused"):
        referrals.withdraw(db, referral_id, "HA", now=NOW + 1)
    assert [state(r) for r in ("late", "claimed", "issued", "refused")] == [
        "withdrawn", "withdrawing", "cancelling", "refused"]
    assert referrals.claim(db, "HB", now=NOW + 1) == [], "a withdrawn one is never handed out"
    # B's answer to the claimed one comes after the withdrawal: its ticket is cancelled too
    referrals.set_result(db, "claimed", "HB", {"id": "T2", "number": "A002"}, None, now=NOW + 1)
    assert referrals.has_work(db, "HB")
    to_cancel = referrals.cancellations(db, "HB")
    assert sorted((r["id"], r["ticket"]["id"]) for r in to_cancel) == [("claimed", "T2"),
                                                                         ("issued", "T1")]
    assert referrals.cancellations(db, "HB") == to_cancel, "handed out until done"
    for referral_id in ("issued", "claimed"):
        referrals.cancelled(db, referral_id, "HB", now=NOW + 2)
        referrals.cancelled(db, referral_id, "HB", now=NOW + 3)            # repeated
    assert referrals.cancellations(db, "HB") == [] and not referrals.has_work(db, "HB")
    assert [state(r) for r in ("issued", "claimed", "kept")] == ["withdrawn"] * 2 + [
        "claimed"], "a referral nobody withdrew is left alone"
    # a withdrawal B never answers ends with the claim's timeout: nothing was issued
    referrals.create(db, "silent", "HA", "HB", "A01", now=NOW)
    referrals.claim(db, "HB", now=NOW)
    referrals.withdraw(db, "silent", "HA", now=NOW + 1)
    assert referrals.get(db, "silent", now=NOW + referrals.CLAIMED_S + 1)["state"] == "withdrawn"


def test_a_ticket_issued_after_its_referral_was_lost_is_cancelled_at_the_hall(
        db: Database) -> None:
    """The chosen hall's answer comes after central told the citizen the referral was lost
    (a central restart, a slow node): the ticket is handed back to be cancelled, so nobody's
    number waits there for no one (and counts against their daily limit)."""
    referrals.create(db, "R1", "HA", "HB", "A01", now=NOW, person=PERSON)
    referrals.claim(db, "HB", now=NOW + 1)
    assert referrals.get(db, "R1", now=NOW + referrals.CLAIMED_S + 2)["state"] == "refused"
    late, changed = referrals.set_result(db, "R1", "HB", {"id": "T1", "number": "A001"}, None,
                                         now=NOW + referrals.CLAIMED_S + 3)
    assert changed and late["state"] == "cancelling"
    assert late["error"]["code"] == "referral_lost", "the citizen still reads why"
    assert [r["ticket"]["id"] for r in referrals.cancellations(db, "HB", now=NOW + 200)] == \
        ["T1"]
    assert referrals.cancelled(db, "R1", "HB", now=NOW + 201)["state"] == "withdrawn"
    # a refusal for a referral long refused changes nothing
    referrals.create(db, "R2", "HA", "HB", "A01", now=NOW)
    assert referrals.get(db, "R2", now=NOW + referrals.PENDING_S + 1)["state"] == "refused"
    assert referrals.set_result(db, "R2", "HB", {"id": "T2"}, None, now=NOW + 20)[1] is False


def test_a_number_given_up_after_the_hall_called_it_stays_issued(db: Database) -> None:
    """The citizen gives the number up on the phone just as the hall calls it: the hall
    leaves a called ticket alone and says so; the referral is issued again (its progress
    and rating follow), not withdrawn."""
    for referral, status in (("R1", "called"), ("R2", "finished"), ("R3", "cancelled"),
                             ("R4", None)):
        referrals.create(db, referral, "phone:app", "HB", "A01", now=NOW)
        referrals.claim(db, "HB", now=NOW + 1)
        referrals.set_result(db, referral, "HB", {"id": f"T-{referral}"}, None, now=NOW + 2)
        assert referrals.withdraw(db, referral, "phone:app", now=NOW + 3)["state"] == \
            "cancelling"
        after = referrals.cancelled(db, referral, "HB", now=NOW + 4, status=status)
        assert after["state"] == ("issued" if status in ("called", "finished")
                                  else "withdrawn"), referral
        assert referrals.get(db, referral, now=NOW + 5)["state"] == after["state"]
    assert referrals.get(db, "R1", now=NOW + 5)["error"] is None
    assert referrals.cancellations(db, "HB", now=NOW + 6) == []


def test_the_referral_store_expires_what_nobody_answers(db: Database) -> None:
    created, new = referrals.create(db, "R1", "HA", "HB", "A01", now=NOW)
    assert new and created["state"] == "pending"
    assert referrals.create(db, "R1", "HA", "HB", "A01", now=NOW)[1] is False
    with pytest.raises(referrals.CentralError):
        referrals.create(db, "R1", "HA", "HC", "A01", now=NOW)
    referrals.create(db, "R2", "HA", "HB", "A01", now=NOW, person=PERSON)
    assert referrals.create(db, "R2", "HA", "HB", "A01", now=NOW, person=PERSON)[1] is False
    for someone_else in ({**PERSON, "id_hash": "f" * 64}, None):
        with pytest.raises(referrals.CentralError) as refused:   # the id names one citizen
            referrals.create(db, "R2", "HA", "HB", "A01", now=NOW, person=someone_else)
        assert refused.value.status == 409
    claimed = referrals.claim(db, "HB", now=NOW + 1)
    assert [(r["id"], r["person"]) for r in claimed] == [("R1", None), ("R2", PERSON)]
    assert referrals.claim(db, "HB", now=NOW + 2) == []
    referrals.set_result(db, "R1", "HB", {"number": "A001"}, None, now=NOW + 3)
    late = referrals.get(db, "R2", now=NOW + 1 + referrals.CLAIMED_S + 1)
    assert late["state"] == "refused" and late["error"]["code"] == "referral_lost"
    referrals.create(db, "R3", "HA", "HC", "A01", now=NOW, person=PERSON)
    assert referrals.get(db, "R3", now=NOW + referrals.PENDING_S + 1)["error"]["code"] == \
        "hall_unavailable"
    with db.transaction() as tx:      # nobody is named at central once answered or refused
        assert tx.all("SELECT id FROM referrals WHERE person IS NOT NULL") == []
    assert referrals.get(db, "R1", now=NOW + 9999)["state"] == "issued"
