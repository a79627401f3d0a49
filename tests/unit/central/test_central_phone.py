"""Taking a number by phone through central (central/phone.py, central/api/phone.py), over HTTP
on a real central on SQLite: halls ranked from where the citizen is, a real-name number taken
once at the chosen hall, followed to the call, cancelled; what a phone credential may not do."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from central import catalog, referrals
from central.auth import create_credential
from central.city import CityService
from central.db import open_database
from central.phone import phone_view
from central.server import CentralServer
from hall import idnumber
from hall.events import EventKind
from tests.helpers.central import CITY_TEST_ID_KEY, TEST_CITIZEN, hall_catalog, hall_day
from tests.helpers.clocks import SecondsClock

FUTIAN = (22.5410, 114.0550)          # the example hall's location (HA)
KEY = CITY_TEST_ID_KEY
CITIZEN = TEST_CITIZEN
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the halls' time zone
today = hall_day


def yesterday() -> str:
    """Yesterday in the halls' time zone, as ticket ids carry it."""
    return hall_day(1)


def next_midnight(now: float) -> float:
    """The halls' next midnight after ``now``."""
    day = datetime.fromtimestamp(now, SHANGHAI).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).timestamp()


@dataclass
class Central:
    """A central with halls HA (Futian), HB (Nanshan, 12 km away) and HC (no location), the
    halls' and an admin's credentials and two phone channels."""

    http: httpx.Client
    tokens: dict[str, dict[str, str]]

    def as_(self, who: str, method: str, path: str, **kwargs: object) -> httpx.Response:
        """A request to ``/api/v1{path}`` with ``who``'s credential."""
        return self.http.request(method, path, headers=self.tokens[who], **kwargs)  # type: ignore[arg-type]

    def push(self, hall: str, events: list[dict]) -> None:
        """The hall's agent pushes events (numbered from its last)."""
        head = self.as_(hall, "GET", f"/halls/{hall}/sync").json()["acked"]
        batch = [{**e, "seq": head + i + 1} for i, e in enumerate(events)]
        assert self.as_(hall, "POST", f"/halls/{hall}/events",
                        json={"events": batch}).json()["acked"] == head + len(batch)


def event(kind: str, ago_s: float = 60.0, **data: object) -> dict:
    """An event ``ago_s`` seconds ago."""
    return {"kind": kind, "ts": time.time() - ago_s, "data": data}


def issued(number: str, ago_s: float, channel: str = "kiosk") -> dict:
    """A ticket of theme A issued ``ago_s`` seconds ago."""
    return event(EventKind.TICKET_ISSUED, ago_s, ticket=f"{today()}-{number}", number=number,
                 theme="A", item="A01", elderly=False, channel=channel)


def start(tmp_path: Path, key: bytes | None, url: str | None = None
          ) -> tuple[CentralServer, dict[str, dict[str, str]]]:
    url = url or f"sqlite:///{tmp_path / 'central.sqlite3'}"
    db = open_database(url)
    catalog.put_catalog(db, "HA", hall_catalog("HA"))
    nanshan = hall_catalog("HB")
    nanshan["hall"]["location"] = {"lat": 22.5329, "lon": 113.9305}
    catalog.put_catalog(db, "HB", nanshan)
    plain = hall_catalog("HC")
    del plain["hall"]["location"]
    catalog.put_catalog(db, "HC", plain)
    tokens = {who: create_credential(db, role, hall) for who, role, hall in (
        ("HA", "hall", "HA"), ("HB", "hall", "HB"), ("HC", "hall", "HC"),
        ("admin", "admin", None), ("phone", "phone", None), ("other", "phone", None))}
    db.close()
    key_file = None
    if key is not None:
        key_file = tmp_path / "id.key"
        key_file.write_text(key.hex())
    server = CentralServer(url, port=0, id_key_file=str(key_file) if key_file else None,
                           data_key_file=tmp_path / "central-data.key")
    return server.start_in_thread(), {w: {"Authorization": f"Bearer {t}"}
                                      for w, t in tokens.items()}


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    yield from serve(tmp_path, None)


@pytest.fixture
def central_db(tmp_path: Path, db_url: str) -> Iterator[Central]:
    """The same on PostgreSQL and on SQLite."""
    yield from serve(tmp_path, db_url)


def serve(tmp_path: Path, url: str | None) -> Iterator[Central]:
    server, tokens = start(tmp_path, KEY, url)
    try:
        with httpx.Client(base_url=f"{server.url}/api/v1", timeout=10) as http:
            yield Central(http, tokens)
    finally:
        server.stop()


def take(central: Central, ticket_id: str, hall: str = "HB", item: str = "A01",
         id_number: str = CITIZEN, who: str = "phone") -> dict:
    """Take a number by phone; the answer (202)."""
    answer = central.as_(who, "POST", "/phone/tickets", json={
        "id": ticket_id, "hall": hall, "item": item, "id_number": id_number})
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def claim_and_issue(central: Central, number: str, hall: str = "HB", day: str | None = None,
                    ahead: int = 4) -> dict:
    """The chosen hall's agent claims the referral and answers with its ticket (of ``day``,
    today by default; ``ahead`` of it then)."""
    mail = central.as_(hall, "GET", "/remote/messages", params={"hall": hall}).json()
    (referral,) = mail["referrals"]
    ticket = {"id": f"{day or today()}-{number}", "number": number, "hall": hall,
              "name_zh": "南山区政务服务中心", "name_en": "Nanshan", "ahead": ahead,
              "expected_wait_s": 1800, "id_masked": referral["person"]["id_masked"],
              "elderly": False, "url": None}
    assert central.as_(hall, "POST", f"/remote/referrals/{referral['id']}/result",
                       json={"ticket": ticket}).json()["state"] == "issued"
    return dict(referral)


def test_halls_are_ranked_by_travel_from_the_citizen_and_the_wait(central: Central) -> None:
    opened = event(EventKind.WINDOW_OPENED, window="1")
    for hall in ("HB", "HC"):
        central.push(hall, [opened])
    central.push("HA", [opened, *(issued(f"A{i + 1:03d}", 900 - i) for i in range(20))])
    lat, lon = FUTIAN
    found = central.as_("phone", "GET", "/phone/halls",
                        params={"item": "A01", "lat": lat, "lon": lon}).json()
    halls = found["halls"]
    assert [h["hall"] for h in halls] == ["HC", "HB", "HA"], halls   # 20 wait at Futian
    plain, nanshan, futian = halls
    assert futian["travel_s"] == 600.0 and futian["waiting"] == 20   # next door: overhead
    assert 2000 < nanshan["travel_s"] < 2600 and nanshan["waiting"] == 0
    assert plain["travel_s"] == 1200.0                               # no location: default
    assert futian["wait_s"] > nanshan["expected_total_s"]
    assert [h["expected_total_s"] for h in halls] == sorted(h["expected_total_s"]
                                                            for h in halls)
    assert futian["name_zh"] == "福田区政务服务中心"
    one = central.as_("phone", "GET", "/phone/halls",
                      params={"item": "A01", "lat": lat, "lon": lon, "limit": 1}).json()
    assert one["halls"] == halls[:1]
    unknown = central.as_("phone", "GET", "/phone/halls",
                          params={"item": "Z99", "lat": lat, "lon": lon})
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_service"
    for bad in ({"item": "A01", "lat": 91, "lon": lon}, {"item": "A01", "lat": lat}):
        refused = central.as_("phone", "GET", "/phone/halls", params=bad)
        assert refused.status_code == 422 and refused.json()["message_zh"]


def test_a_phone_ticket_is_issued_once_and_followed_to_its_call(
        central_db: Central, caplog: pytest.LogCaptureFixture) -> None:
    central = central_db
    caplog.set_level(logging.INFO)
    central.push("HB", [event(EventKind.WINDOW_OPENED, window="1"),
                        *(issued(f"A{i + 1:03d}", 300 - i) for i in range(4))])
    taken = take(central, "app-0001")
    assert (taken["status"], taken["hall"], taken["ticket"]) == ("taking", "HB", None)
    assert take(central, "app-0001")["status"] == "taking"            # a retry: the same
    referral = claim_and_issue(central, "A005")
    assert referral["from_hall"].startswith("phone:")
    person = referral["person"]
    assert person["id_masked"] == idnumber.mask(CITIZEN) and person["age"] >= 35
    assert person["id_hash"] == idnumber.keyed_hash(CITIZEN, KEY)     # as the halls hash it
    assert central.as_("HB", "GET", "/remote/messages",
                       params={"hall": "HB"}).json()["referrals"] == [], "issued once"
    # issued; its issue has not reached central yet: what the hall said
    shown = central.as_("phone", "GET", "/phone/tickets/app-0001").json()
    assert (shown["status"], shown["ticket"]["number"], shown["ahead"]) == ("waiting", "A005", 4)
    assert shown["ticket"]["id_masked"] == idnumber.mask(CITIZEN)
    assert shown["expected_wait_s"] > 0 and shown["reminder"] is None
    mine = f"{today()}-A005"
    central.push("HB", [issued("A005", 200, channel="phone"),
                        event(EventKind.TICKET_CALLED, 100, ticket=f"{today()}-A001", theme="A",
                              window="1", waited_s=200.0),
                        event(EventKind.TICKET_CANCELLED, 90, ticket=f"{today()}-A002", theme="A",
                              number="A002")])
    shown = central.as_("phone", "GET", "/phone/tickets/app-0001").json()
    assert (shown["status"], shown["ahead"]) == ("waiting", 2)
    assert shown["reminder"]["zh"] == "快到您了，前面还有2人，请尽快到大厅"
    # one before is lent to another hall's video window, and comes back unserved
    lent = {"ticket": f"{today()}-A003", "theme": "A", "number": "A003", "booth": "V1",
            "sort_key": time.time() - 298}                  # its place in line: kept
    central.push("HB", [event(EventKind.TICKET_LEASED, 80, **lent)])
    assert central.as_("phone", "GET", "/phone/tickets/app-0001").json()["ahead"] == 1
    central.push("HB", [event(EventKind.TICKET_LEASE_RETURNED, 70, **lent)])
    assert central.as_("phone", "GET", "/phone/tickets/app-0001").json()["ahead"] == 2
    # an elderly citizen who came later is called first (the hall's priority rule)
    central.push("HB", [{**issued("A007", 60), "data": {**issued("A007", 60)["data"],
                                                         "elderly": True}}])
    shown = central.as_("phone", "GET", "/phone/tickets/app-0001").json()
    assert (shown["ahead"], shown["reminder"]) == (3, None)
    central.push("HB", [event(EventKind.TICKET_CALLED, 10, ticket=mine, theme="A", window="1",
                              waited_s=190.0)])
    shown = central.as_("phone", "GET", "/phone/tickets/app-0001").json()
    assert (shown["status"], shown["window"], shown["ahead"]) == ("called", "1", None)
    assert shown["reminder"] == {"zh": "请到1号窗口办理", "en": "Please go to window 1"}
    late = central.as_("phone", "POST", "/phone/tickets/app-0001/cancel")
    assert late.status_code == 409 and late.json()["code"] == "bad_state"
    # a second one is called to the video booth: served by another hall's window
    take(central, "app-0002")
    claim_and_issue(central, "A006")
    booth = {"ticket": f"{today()}-A006", "theme": "A", "number": "A006", "booth": "V2"}
    central.push("HB", [issued("A006", 50, channel="phone"),
                        event(EventKind.TICKET_LEASED, 5, **booth)])
    shown = central.as_("phone", "GET", "/phone/tickets/app-0002").json()
    assert (shown["status"], shown["ahead"]) == ("booth", None)
    assert shown["reminder"] == {"zh": "请到视频服务区办理", "en": "Please go to the video booth"}
    not_yet = central.as_("phone", "POST", "/phone/tickets/app-0002/rating", json={"level": 5})
    assert not_yet.status_code == 409 and not_yet.json()["message_zh"] == "办结后才能评价"
    central.push("HB", [event(EventKind.TICKET_REMOTE_FINISHED, 1, **booth, service_s=600.0)])
    assert central.as_("phone", "GET", "/phone/tickets/app-0002").json()["status"] == "finished"
    rate_the_finished_service(central, "app-0002", f"{today()}-A006")
    # another phone channel does not see it; nobody logged the ID number
    assert central.as_("other", "GET", "/phone/tickets/app-0001").status_code == 404
    assert CITIZEN not in caplog.text and CITIZEN not in json.dumps(shown)


def rate_the_finished_service(central: Central, app_id: str, ticket_id: str) -> None:
    """好差评 on the phone: kept until the hall's agent has recorded it, handed out until
    then; the hall may refuse it, and then it may be given again."""
    path = f"/phone/tickets/{app_id}/rating"
    assert central.as_("phone", "POST", path, json={"level": 6}).status_code == 422
    rated = central.as_("phone", "POST", path, json={"level": 5}).json()
    assert rated["rating"] == {"level": 5, "state": "pending", "error": None}
    for _ in range(2):                                      # until the hall says it has it
        mail = central.as_("HB", "GET", "/remote/messages", params={"hall": "HB"}).json()
        (due,) = mail["ratings"]
        assert (due["ticket"], due["level"]) == (ticket_id, 5)
    rated_path = f"/remote/referrals/{due['id']}/rated"
    assert central.as_("HA", "POST", rated_path, json={}).status_code == 403
    refusal = {"code": "already_rated", "message_zh": "该次服务已评价", "message_en": "x"}
    assert central.as_("HB", "POST", rated_path, json={"error": refusal}).json()[
        "state"] == "refused"
    shown = central.as_("phone", "GET", f"/phone/tickets/{app_id}").json()
    assert shown["rating"]["state"] == "refused" and shown["rating"]["error"] == refusal
    again = central.as_("phone", "POST", path, json={"level": 4}).json()   # given again
    assert again["rating"]["state"] == "pending"
    assert central.as_("HB", "POST", rated_path, json={}).json()["state"] == "done"
    assert central.as_("HB", "GET", "/remote/messages",
                       params={"hall": "HB"}).json()["ratings"] == []
    assert central.as_("phone", "POST", path, json={"level": 4}).json()["rating"] == {
        "level": 4, "state": "done", "error": None}                      # the same: nothing
    changed = central.as_("phone", "POST", path, json={"level": 1})
    assert changed.status_code == 409 and changed.json()["code"] == "already_rated"


def finished(number: str) -> list[dict]:
    """The events of a phone ticket of theme A issued, called and finished today."""
    mine = {"ticket": f"{today()}-{number}", "theme": "A"}
    return [issued(number, 300, channel="phone"),
            event(EventKind.TICKET_CALLED, 200, **mine, window="1", waited_s=100.0),
            event(EventKind.TICKET_FINISHED, 100, **mine, window="1", service_s=100.0)]


def test_a_rating_is_a_whole_level_from_1_to_5_and_nothing_else(central: Central) -> None:
    """``true`` is no 1-star rating (非常不满意, which could never be changed), nor ``"5"``
    or ``4.5`` a level: refused, nothing recorded, nothing handed to the hall. (``4.0`` is
    the integer 4 by the JSON Schema of the OpenAPI document, so it is taken as 4.)"""
    central.push("HB", [event(EventKind.WINDOW_OPENED, 400, window="1")])
    take(central, "app-rate-1")
    claim_and_issue(central, "A001")
    central.push("HB", finished("A001"))
    path = "/phone/tickets/app-rate-1/rating"
    for bad in (True, False, "5", "4", 4.5, 0.0, 6.0, None, [5], {"level": 5}):
        refused = central.as_("phone", "POST", path, json={"level": bad})
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["code"] == "bad_request" and "level" in refused.json()[
            "message_en"], refused.json()
    assert central.as_("phone", "POST", path, json={}).status_code == 422
    shown = central.as_("phone", "GET", "/phone/tickets/app-rate-1").json()
    assert (shown["status"], shown["rating"]) == ("finished", None), "nothing recorded"
    assert central.as_("HB", "GET", "/remote/messages",
                       params={"hall": "HB"}).json()["ratings"] == []
    rated = central.as_("phone", "POST", path, json={"level": 4}).json()   # a whole level
    assert rated["rating"] == {"level": 4, "state": "pending", "error": None}


def test_a_phone_ticket_of_an_earlier_day_has_expired(central_db: Central, db_url: str
                                                      ) -> None:
    """Central forgot the hall's earlier days: a ticket of one is ``expired`` — not waiting
    with the people ahead at its issue — and can no longer be cancelled or rated."""
    central = central_db
    central.push("HB", [event(EventKind.WINDOW_OPENED, window="1")])
    take(central, "app-old-01")
    referral = claim_and_issue(central, "A001", day=yesterday(), ahead=1)
    mine = {"ticket": f"{yesterday()}-A001", "theme": "A"}       # served yesterday
    central.push("HB", [event(EventKind.TICKET_CALLED, 86_000, **mine, window="1", waited_s=60.0),
                        event(EventKind.TICKET_FINISHED, 85_900, **mine, window="1",
                              service_s=100.0)])
    shown = central.as_("phone", "GET", "/phone/tickets/app-old-01").json()
    assert (shown["status"], shown["ticket"]["number"]) == ("expired", "A001"), shown
    assert (shown["ahead"], shown["expected_wait_s"], shown["window"], shown["reminder"],
            shown["rating"]) == (None, None, None, None, None), shown
    assert shown["error"] == {"code": "expired", "message_zh": "该号码已过期（仅限取号当日有效）",
                              "message_en": "This number has expired (it is valid only on "
                                            "the day it was taken)"}
    late = central.as_("phone", "POST", "/phone/tickets/app-old-01/cancel")
    assert late.status_code == 409 and late.json()["code"] == "bad_state"
    assert late.json()["message_zh"] == "该号码已过期，无需取消"
    unrated = central.as_("phone", "POST", "/phone/tickets/app-old-01/rating", json={"level": 5})
    assert unrated.status_code == 409 and unrated.json()["message_zh"] == "该号码已过期，不能再评价"
    assert central.as_("phone", "GET", "/phone/tickets/app-old-01").json() == shown, "unchanged"
    mail = central.as_("HB", "GET", "/remote/messages", params={"hall": "HB"}).json()
    assert (mail["cancellations"], mail["ratings"]) == ([], []), "the hall is told nothing"
    # a rating given before the hall's midnight: giving it again is harmless, changing it not
    db = open_database(db_url)
    try:
        referrals.rate(db, referral["id"], referral["from_hall"], 4)
    finally:
        db.close()
    path = "/phone/tickets/app-old-01/rating"
    again = central.as_("phone", "POST", path, json={"level": 4})
    assert again.status_code == 200 and again.json()["rating"] == {
        "level": 4, "state": "pending", "error": None}
    assert again.json()["status"] == "expired"
    assert central.as_("phone", "POST", path, json={"level": 5}).status_code == 409
    # today's number, its issue not at central yet, waits with what the hall said at issue
    take(central, "app-new-01")
    claim_and_issue(central, "A002", ahead=1)
    shown = central.as_("phone", "GET", "/phone/tickets/app-new-01").json()
    assert (shown["status"], shown["ahead"], shown["error"]) == ("waiting", 1, None)
    assert shown["reminder"]["zh"] == "快到您了，前面还有1人，请尽快到大厅"


def test_past_the_halls_midnight_a_phone_ticket_has_expired(central: Central,
                                                            tmp_path: Path) -> None:
    """At the hall's midnight central forgets its day's tickets: a number served today
    is then ``expired``, not back to waiting; the same once the hall's events show its new
    day while central's clock is still a little behind."""
    central.push("HB", [event(EventKind.WINDOW_OPENED, 400, window="1")])
    take(central, "app-late-1")
    referral = claim_and_issue(central, "A001", ahead=1)
    central.push("HB", finished("A001"))
    clock = SecondsClock(time.time())
    db = open_database(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    try:
        service = CityService(db, clock=clock)
        service.rebuild()
        found = referrals.get(db, referral["id"])
        assert phone_view(db, service, found, "app-late-1")["status"] == "finished"
        midnight = next_midnight(clock.now)
        clock.now = midnight + 60
        shown = phone_view(db, service, found, "app-late-1")
        assert service.phone_progress("HB", f"{today()}-A001") is None, "forgotten"
        assert (shown["status"], shown["ahead"], shown["expected_wait_s"],
                shown["reminder"]) == ("expired", None, None, None), shown
        # the hall's clock a little ahead: its new day reaches central first
        clock.now = midnight - 2
        central.push("HB", [{"kind": EventKind.WINDOW_OPENED, "ts": midnight + 1,
                             "data": {"window": "2"}}])
        late = CityService(db, clock=clock)
        late.rebuild()
        assert phone_view(db, late, found, "app-late-1")["status"] == "expired"
    finally:
        db.close()


def test_a_restarted_central_knows_where_each_phone_ticket_is(central: Central,
                                                              tmp_path: Path) -> None:
    """What central follows in memory is built again from the day's stored events."""
    central.push("HB", [event(EventKind.WINDOW_OPENED, window="1"),
                        issued("A001", 300), issued("A002", 200, channel="phone"),
                        issued("A003", 100, channel="phone"),
                        event(EventKind.TICKET_CALLED, 50, ticket=f"{today()}-A003", theme="A",
                              window="1", waited_s=50.0)])
    restarted = CityService(open_database(f"sqlite:///{tmp_path / 'central.sqlite3'}"))
    try:
        restarted.rebuild()
        assert restarted.phone_progress("HB", f"{today()}-A002") == {
            "status": "waiting", "window": None, "ahead": 1}
        assert restarted.phone_progress("HB", f"{today()}-A003") == {
            "status": "called", "window": "1", "ahead": None}
        assert restarted.phone_progress("HB", f"{today()}-A001") == {
            "status": "waiting", "window": None, "ahead": 0}, "every ticket: its public page"
    finally:
        restarted.db.close()


def test_a_cancelled_phone_ticket_is_never_issued_or_is_cancelled_at_the_hall(
        central: Central) -> None:
    take(central, "app-pending")
    gone = central.as_("phone", "POST", "/phone/tickets/app-pending/cancel").json()
    assert gone["status"] == "cancelled" and gone["ticket"] is None
    assert central.as_("HB", "GET", "/remote/messages",
                       params={"hall": "HB"}).json()["referrals"] == [], "never handed out"
    take(central, "app-issued")
    referral = claim_and_issue(central, "A001")
    gone = central.as_("phone", "POST", "/phone/tickets/app-issued/cancel").json()
    assert gone["status"] == "cancelled" and gone["ticket"]["number"] == "A001"
    mail = central.as_("HB", "GET", "/remote/messages", params={"hall": "HB"}).json()
    assert [(c["id"], c["ticket"]["number"]) for c in mail["cancellations"]] == [
        (referral["id"], "A001")], "the hall is told to cancel its ticket"
    assert central.as_("phone", "POST", "/phone/tickets/app-issued/cancel").json()[
        "status"] == "cancelled"                                          # repeated
    missing = central.as_("phone", "POST", "/phone/tickets/app-never1/cancel")
    assert missing.status_code == 404 and missing.json()["message_zh"] == "没有该号码"


def test_a_hall_that_does_not_answer_refuses_the_number_in_phone_words(
        central: Central, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(referrals, "PENDING_S", 0.3)
    take(central, "app-silent")
    time.sleep(0.5)                                   # HB's agent never claimed it
    shown = central.as_("phone", "GET", "/phone/tickets/app-silent").json()
    assert shown["status"] == "refused" and shown["error"]["code"] == "hall_unavailable"
    assert shown["error"]["message_zh"] == "该大厅暂时无法取号，请稍后再试或选择其他大厅"
    assert central.as_("HB", "GET", "/remote/messages",
                       params={"hall": "HB"}).json()["referrals"] == [], "never issued"


def test_bad_phone_requests_are_refused_and_change_nothing(central: Central) -> None:
    body = {"id": "app-bad-01", "hall": "HB", "item": "A01", "id_number": CITIZEN[:-1] + "0"}
    refused = central.as_("phone", "POST", "/phone/tickets", json=body)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_id_number"
    for bad in ({**body, "id": "x"}, {**body, "id_number": CITIZEN, "extra": 1},
                {"hall": "HB", "item": "A01", "id_number": CITIZEN}):
        assert central.as_("phone", "POST", "/phone/tickets", json=bad).status_code == 422
    assert central.as_("phone", "GET", "/phone/tickets/app-bad-01").status_code == 404
    nowhere = take(central, "app-bad-02", hall="NOWHERE")
    assert nowhere["status"] == "refused" and nowhere["error"]["code"] == "unknown_hall"
    unknown = take(central, "app-bad-03", item="Z99")
    assert unknown["status"] == "refused" and unknown["error"]["message_zh"]
    assert central.as_("HB", "GET", "/remote/messages",
                       params={"hall": "HB"}).json()["referrals"] == []
    # a phone credential reaches nothing else; no other credential takes numbers by phone
    for method, path in (("GET", "/recommend?origin=HA"), ("GET", "/halls/HA/live"),
                         ("GET", "/stats"), ("GET", "/city")):
        assert central.as_("phone", method, path).status_code == 403, path
    for who in ("HA", "admin"):
        assert central.as_(who, "POST", "/phone/tickets", json={
            **body, "id_number": CITIZEN}).status_code == 403
    assert central.as_("phone", "GET", "/whoami").json()["role"] == "phone"


def test_without_the_citys_id_key_no_number_is_taken_by_phone(tmp_path: Path) -> None:
    server, tokens = start(tmp_path, None)
    try:
        with httpx.Client(base_url=f"{server.url}/api/v1", timeout=10) as http:
            refused = http.post("/phone/tickets", headers=tokens["phone"], json={
                "id": "app-0001", "hall": "HB", "item": "A01", "id_number": CITIZEN})
            assert refused.status_code == 503 and refused.json()["code"] == "phone_unavailable"
            assert http.get("/phone/halls", headers=tokens["phone"], params={
                "item": "A01", "lat": 22.5, "lon": 114.0}).status_code == 200
    finally:
        server.stop()
