"""Bad input to central's cloud-calling routes gets a clear 4xx in the house shape and changes
nothing (central/api/cloud.py, central/api/phone.py): the chosen hall's answer to a referral,
the relay of lease messages, and referral ids of the phone channel — over HTTP on a real
central on SQLite."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from central import catalog, referrals
from central.auth import create_credential
from central.db import Database, open_database
from central.server import CentralServer
from hall.events import EventKind
from tests.helpers.central import CITY_TEST_ID_KEY, TEST_CITIZEN, hall_catalog, hall_day

KEY, CITIZEN = CITY_TEST_ID_KEY, TEST_CITIZEN
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the halls' time zone
today = hall_day


@dataclass
class Central:
    """A central with halls HA and HB, their credentials, an admin's and a phone channel's."""

    http: httpx.Client
    url: str
    tokens: dict[str, dict[str, str]]
    phone_cred: str

    def as_(self, who: str, method: str, path: str, **kwargs: object) -> httpx.Response:
        """A request to ``/api/v1{path}`` with ``who``'s credential."""
        return self.http.request(method, path, headers=self.tokens[who], **kwargs)  # type: ignore[arg-type]

    def raw(self, who: str, path: str, body: bytes) -> httpx.Response:
        """A POST of a body as sent (JSON with ``NaN`` or ``Infinity``)."""
        return self.http.post(path, content=body, headers={
            **self.tokens[who], "content-type": "application/json"})

    def mail(self, hall: str) -> dict:
        """What waits for the hall's agent (now taken)."""
        answer = self.as_(hall, "GET", "/remote/messages", params={"hall": hall})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def row(self, referral_id: str) -> tuple | None:
        """The referral as stored: (from_hall, state, result)."""
        db = open_database(self.url)
        try:
            with db.transaction() as tx:
                return tx.one("SELECT from_hall, state, result FROM referrals WHERE id = ?",
                              (referral_id,))
        finally:
            db.close()

    def db(self) -> Database:
        """A second connection to central's database (close it)."""
        return open_database(self.url)


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    db = open_database(url)
    catalog.put_catalog(db, "HA", hall_catalog("HA"))
    nanshan = hall_catalog("HB")
    nanshan["hall"]["location"] = {"lat": 22.5329, "lon": 113.9305}
    catalog.put_catalog(db, "HB", nanshan)
    tokens = {who: create_credential(db, role, hall) for who, role, hall in (
        ("HA", "hall", "HA"), ("HB", "hall", "HB"), ("admin", "admin", None),
        ("phone", "phone", None))}
    db.close()
    key_file = tmp_path / "id.key"
    key_file.write_text(KEY.hex())
    server = CentralServer(url, port=0, id_key_file=str(key_file),
                           data_key_file=tmp_path / "central-data.key").start_in_thread()
    try:
        with httpx.Client(base_url=f"{server.url}/api/v1", timeout=10) as http:
            yield Central(http, url, {w: {"Authorization": f"Bearer {t}"}
                                      for w, t in tokens.items()},
                          tokens["phone"].split("_")[1])
    finally:
        server.stop()


def refused(answer: httpx.Response, status: int = 422, code: str = "bad_request") -> None:
    """A refusal in the house shape, Chinese first."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"code", "message_zh", "message_en"} and body["code"] == code, body
    assert body["message_zh"] and body["message_en"]


# ---------------------------------------------------------------------- the chosen hall's answer
def ticket(**changed: object) -> dict:
    """A ticket as the chosen hall's agent reports it (``CloudInbox._issue_referral``)."""
    return {"id": f"{today()}-A001", "number": "A001", "hall": "HB",
            "name_zh": "南山区政务服务中心", "name_en": "Nanshan", "ahead": 4,
            "expected_wait_s": 1800, "url": "http://hallq.local/t/x",
            "id_masked": "4403**********123X", "elderly": False, **changed}


def claimed_referral(central: Central, referral_id: str) -> str:
    """A referral from HA to HB, claimed by HB's agent; its result's path."""
    posted = central.as_("HA", "POST", "/remote/referrals", json={
        "id": referral_id, "item": "A01", "hall": "HB", "from_hall": "HA"})
    assert posted.status_code == 202 and posted.json()["state"] == "pending", posted.text
    assert [r["id"] for r in central.mail("HB")["referrals"]] == [referral_id]
    return f"/remote/referrals/{referral_id}/result"


OK = {"code": "hall_closed", "message_zh": "大厅已停止取号", "message_en": "The hall is closed"}
BAD_ANSWERS = [
    {"ticket": {}},
    {"ticket": {"id": f"{today()}-A001"}},                                # no number
    {"ticket": ticket(ahead="abc")},
    {"ticket": ticket(ahead=-1)},
    {"ticket": ticket(ahead=1.5)},
    {"ticket": ticket(ahead=[1])},
    {"ticket": ticket(expected_wait_s=-5)},
    {"ticket": ticket(expected_wait_s="soon")},
    {"ticket": ticket(expected_wait_s="nan")},
    {"ticket": ticket(number=7)},
    {"ticket": ticket(id="")},
    {"ticket": ticket(id="x" * 65)},
    {"ticket": ticket(name_zh={"a": 1})},
    {"ticket": ticket(url="http://x/" + "x" * 5000)},
    {"ticket": ticket(elderly=[])},
    {"ticket": "x"},
    {"error": {}},
    {"error": {"code": "x"}},
    {"error": {**OK, "code": ""}},
    {"error": {**OK, "code": 5}},
    {"error": {**OK, "message_zh": None}},
    {"error": {**OK, "message_en": "x" * 2001}},
    {"error": "x"},
    {"ticket": ticket(), "error": OK},
    {},
]
RAW_BAD_ANSWERS = [
    b'{"ticket": {"id": "%s-A001", "number": "A001", "ahead": Infinity}}',
    b'{"ticket": {"id": "%s-A001", "number": "A001", "ahead": NaN}}',
    b'{"ticket": {"id": "%s-A001", "number": "A001", "expected_wait_s": NaN}}',
    b'{"ticket": {"id": "%s-A001", "number": "A001", "expected_wait_s": Infinity}}',
    b'{"ticket": {"id": "%s-A001", "number": "A001", "expected_wait_s": 1e999}}',
    b'{"ticket": {"id": "%s-A001", "number": NaN}}',
]


def test_an_answer_whose_ticket_or_error_is_not_in_shape_is_refused_and_changes_nothing(
        central: Central) -> None:
    path = claimed_referral(central, "HA-R0001")
    answers = [central.as_("HB", "POST", path, json=bad) for bad in BAD_ANSWERS]
    answers += [central.raw("HB", path, raw % today().encode()) for raw in RAW_BAD_ANSWERS]
    for bad, answer in zip(BAD_ANSWERS + RAW_BAD_ANSWERS, answers, strict=True):
        assert answer.status_code == 422, (bad, answer.text)
        refused(answer)
    assert central.row("HA-R0001") == ("HA", "claimed", None)
    assert central.as_("HA", "GET", "/remote/referrals/HA-R0001").json()["state"] == "claimed"
    assert central.mail("HA")["referral_results"] == []
    # the hall's real answer is taken afterwards, stored as given
    good = central.as_("HB", "POST", path, json={"ticket": ticket()})
    assert good.status_code == 200 and good.json()["state"] == "issued", good.text
    assert json.loads(central.row("HA-R0001")[2]) == {"ticket": ticket()}
    (result,) = central.mail("HA")["referral_results"]
    assert result["ticket"] == ticket()


def test_a_refusal_is_stored_in_the_house_shape_and_unknown_fields_are_left_out(
        central: Central) -> None:
    path = claimed_referral(central, "HA-R0002")
    answer = central.as_("HB", "POST", path, json={"error": {**OK, "trace": {"deep": [1]}}})
    assert answer.status_code == 200 and answer.json()["error"] == OK, answer.text
    assert json.loads(central.row("HA-R0002")[2]) == {"error": OK}
    (result,) = central.mail("HA")["referral_results"]
    assert (result["state"], result["error"]) == ("refused", OK)
    # a ticket's fields central does not know are not stored (nor their NaN)
    path = claimed_referral(central, "HA-R0003")
    body = json.dumps({"ticket": {**ticket(), "later": float("nan")}}).encode()
    assert b"NaN" in body
    assert central.raw("HB", path, body).json()["ticket"] == ticket()
    assert json.loads(central.row("HA-R0003")[2]) == {"ticket": ticket()}
    # a rating the hall refused is kept in the same shape
    rated = central.as_("HB", "POST", "/remote/referrals/HA-R0003/rated", json={"error": {}})
    refused(rated)


def take_by_phone(central: Central, app_id: str) -> str:
    """A number taken by phone at HB, claimed by HB's agent; the referral's result path."""
    taken = central.as_("phone", "POST", "/phone/tickets", json={
        "id": app_id, "hall": "HB", "item": "A01", "id_number": CITIZEN})
    assert taken.status_code == 202 and taken.json()["status"] == "taking", taken.text
    (referral,) = central.mail("HB")["referrals"]
    assert referral["id"] == f"phone-{central.phone_cred}-{app_id}"
    return f"/remote/referrals/{referral['id']}/result"


def test_a_phone_ticket_with_a_bad_count_ahead_is_refused_so_the_phone_can_follow_it(
        central: Central) -> None:
    path = take_by_phone(central, "app-0001")
    for bad in ("abc", -3, 2.5, [], 10**7):
        refused(central.as_("HB", "POST", path, json={"ticket": ticket(ahead=bad)}))
    refused(central.raw("HB", path, b'{"ticket": {"id": "%s-A001", "number": "A001", '
                                    b'"ahead": Infinity}}' % today().encode()))
    follow = central.as_("phone", "GET", "/phone/tickets/app-0001")
    assert follow.status_code == 200 and follow.json()["status"] == "taking", follow.text
    issued = central.as_("HB", "POST", path, json={"ticket": ticket(ahead=2)})
    assert issued.json()["state"] == "issued"
    shown = central.as_("phone", "GET", "/phone/tickets/app-0001").json()
    assert (shown["status"], shown["ahead"]) == ("waiting", 2)
    assert shown["reminder"]["zh"].startswith("快到您了")
    cancel = central.as_("phone", "POST", "/phone/tickets/app-0001/cancel")
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled", cancel.text


def test_a_phone_ticket_stored_with_a_bad_count_ahead_is_still_shown(central: Central) -> None:
    """One stored before answers were checked: its count is not shown, never a 500."""
    path = take_by_phone(central, "app-0002")
    stored = path.split("/")[3]
    db = central.db()
    try:
        with db.transaction() as tx:
            tx.execute("UPDATE referrals SET state = 'issued', result = ? WHERE id = ?",
                       (json.dumps({"ticket": {"id": f"{today()}-A001", "number": "A001",
                                               "ahead": "abc"}}), stored))
    finally:
        db.close()
    follow = central.as_("phone", "GET", "/phone/tickets/app-0002")
    assert follow.status_code == 200, follow.text
    assert (follow.json()["status"], follow.json()["ahead"]) == ("waiting", None)
    cancel = central.as_("phone", "POST", "/phone/tickets/app-0002/cancel")
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled", cancel.text


# ---------------------------------------------------------------------- the relay of lease messages
def message(kind: str, home: str = "HA", remote: str = "HB/30", **more: object) -> dict:
    """A lease message between window 30 of HB and a ticket of HA."""
    return {"kind": kind, "lease": "HB/30/1", "home": home, "remote": remote,
            "ticket": f"{today()}-A002", "id": f"HB/30/1:{kind}:1", **more}


def test_a_batch_with_a_message_of_another_hall_relays_none_of_it(central: Central) -> None:
    own = message("request")                                   # HB's window asks HA
    foreign = message("request", home="HB", remote="HA/7")     # …as if HA's window asked
    refused(central.as_("HB", "POST", "/remote/messages", json={"messages": [own, foreign]}),
            403, "forbidden")
    assert central.mail("HA")["messages"] == []
    assert central.mail("HB")["messages"] == []
    relayed = central.as_("HB", "POST", "/remote/messages", json={"messages": [own]})
    assert relayed.json() == {"accepted": 1, "dropped": 0}
    assert [m["id"] for m in central.mail("HA")["messages"]] == [own["id"]]


def test_a_refused_lease_in_a_refused_batch_keeps_its_hold(central: Central) -> None:
    http, now = central.http, time.time()
    midnight = datetime.now(SHANGHAI).replace(hour=0, minute=0, second=0,
                                              microsecond=0).timestamp()
    first = max(now - 600, midnight + (now - midnight) / 3)
    pushed = central.as_("HA", "POST", "/halls/HA/events", json={"events": [
        {"seq": 1, "kind": EventKind.TICKET_ISSUED, "ts": first,
         "data": {"ticket": f"{today()}-A001", "number": "A001", "theme": "A",
                  "item": "A02", "elderly": False, "channel": "kiosk"}}]})
    assert pushed.json()["acked"] == 1
    body = {"hall": "HB", "window": "30", "skills": ["A"]}
    chosen = central.as_("HB", "POST", "/remote/choose", json=body)
    assert chosen.status_code == 200, chosen.text
    held = chosen.json()["ticket"]
    assert central.as_("HB", "POST", "/remote/choose", json=body).status_code == 204
    answer = message("refused", ticket=held, reply_to="HB/30/1:request:1")   # HA's answer
    foreign = message("request")                                             # HB's
    refused(central.as_("HA", "POST", "/remote/messages",
                        json={"messages": [answer, foreign]}), 403, "forbidden")
    assert central.as_("HB", "POST", "/remote/choose", json=body).status_code == 204, \
        "still held"
    assert central.mail("HB")["messages"] == []
    assert central.as_("HA", "POST", "/remote/messages",
                       json={"messages": [answer]}).json()["accepted"] == 1
    again = http.post("/remote/choose", headers=central.tokens["HB"], json=body)
    assert again.status_code == 200 and again.json()["ticket"] == held


BAD_MESSAGES = [
    message("request", expires_at="nan"),
    message("request", expires_at="inf"),
    message("request", expires_at=None),
    message("request", id={"a": [1, 2]}),
    message("request", ticket="X" * 65),
    message("request", lease="L" * 257),
    message("request", id="i" * 513),
    message("request", reply_to=["x"]),
    message("request", lease=""),
    message("request", home=7),
    message("request", remote="HB30"),
    {**message("request"), "kind": "steal"},
    {"kind": "request", "lease": "x"},
]
RAW_BAD_MESSAGES = [b"NaN", b"Infinity", b"-Infinity", b"1e999"]


def test_a_message_not_in_shape_is_refused_with_its_whole_batch(central: Central) -> None:
    good = message("request")
    for bad in BAD_MESSAGES:
        answer = central.as_("HB", "POST", "/remote/messages", json={"messages": [good, bad]})
        assert answer.status_code == 422, (bad, answer.text)
        refused(answer)
    for number in RAW_BAD_MESSAGES:
        raw = {**good, "expires_at": "@"}
        body = json.dumps({"messages": [good, raw]}).encode().replace(b'"@"', number)
        answer = central.raw("HB", "/remote/messages", body)
        assert answer.status_code == 422, (number, answer.text)
        refused(answer)
    assert central.mail("HA")["messages"] == []
    granted = message("granted", remote="HB/30", expires_at=time.time() + 180,
                      reply_to=good["id"])
    assert central.as_("HA", "POST", "/remote/messages",
                       json={"messages": [granted]}).json()["accepted"] == 1
    (relayed,) = central.mail("HB")["messages"]
    assert relayed == granted


# ---------------------------------------------------------------------- the phone channel's ids
def test_no_hall_makes_a_referral_with_a_phone_ticket_id(central: Central) -> None:
    squatted = f"phone-{central.phone_cred}-app-0003"
    for who in ("HA", "admin"):
        answer = central.as_(who, "POST", "/remote/referrals", json={
            "id": squatted, "item": "A01", "hall": "HB", "from_hall": "HA"})
        refused(answer)
        assert "phone-" in answer.json()["message_zh"]
    assert central.row(squatted) is None
    refused(central.as_("HA", "GET", f"/remote/referrals/{squatted}"), 404, "not_found")
    assert central.mail("HB")["referrals"] == []
    # the citizen's number is theirs to take
    take_by_phone(central, "app-0003")
    assert central.row(squatted)[:2] == (f"phone:{central.phone_cred}", "claimed")
    assert central.as_("phone", "GET", "/phone/tickets/app-0003").json()["status"] == "taking"


def test_a_phone_ticket_id_another_side_made_is_not_the_phones(central: Central) -> None:
    """One a hall made before such ids were refused: not shown, cancelled or rated."""
    squatted = f"phone-{central.phone_cred}-app-0004"
    db = central.db()
    try:
        referrals.create(db, squatted, "HA", "HB", "A01")
    finally:
        db.close()
    refused(central.as_("phone", "GET", "/phone/tickets/app-0004"), 404, "not_found")
    refused(central.as_("phone", "POST", "/phone/tickets/app-0004/cancel"), 404, "not_found")
    refused(central.as_("phone", "POST", "/phone/tickets/app-0004/rating", json={"level": 5}),
            404, "not_found")
    assert central.row(squatted) == ("HA", "pending", None)
