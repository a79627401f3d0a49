"""The sync agent between a real hall node and a real central service (PostgreSQL): exactly
the hall's log at central, a restart mid-batch, a gap asked for again, appointments and the
catalog pulled, lag reported to the hall, a submission upload interrupted and resumed."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from central.auth import create_credential
from central.db import open_database
from central.server import CentralServer
from hall.client import HallClient
from hall.events import EventKind
from hall.submission_outbox import SubmissionOutbox
from sync.agent import SyncAgent
from sync.agent_config import AgentConfig, AgentConfigError, check_transport
from sync.agent_state import AgentState, StateFile
from sync.central_client import CentralApiError, CentralClient
from sync.outbox import Uploader
from tests.helpers.central import RunningHall, hall_activity, hall_catalog, start_hall


@dataclass
class Link:
    """A hall node, a central service, the hall's credential and an admin client."""

    hall: RunningHall
    central: CentralServer
    db_url: str
    credential: str
    admin: CentralClient
    driver: HallClient
    state_dir: Path

    def config(self, **overrides: object) -> AgentConfig:
        """Agent settings for tests: short waits."""
        settings: dict = {"poll_s": 0.1, "linger_s": 0.05, "min_backoff_s": 0.05,
                          "max_backoff_s": 0.3, "pull_every_s": 0.3, "report_every_s": 0.1,
                          **overrides}
        return AgentConfig(hall_url=self.hall.url, hall_token=self.hall.sync_token,
                           central_url=self.central.url, credential=self.credential,
                           state_dir=self.state_dir, **settings)

    def hall_log(self) -> list[dict]:
        """Every event of the hall, as central should hold it."""
        events = self.driver.events(after=0, limit=10_000)["events"]
        return [{k: e[k] for k in ("seq", "kind", "ts", "data")} for e in events]

    def central_log(self) -> list[dict]:
        """Every event central holds for the hall."""
        return self.admin.events(self.hall.hall_id, after=0, limit=10_000)


@pytest.fixture
def link(pg_url: str, tmp_path: Path) -> Iterator[Link]:
    db = open_database(pg_url)
    hall = start_hall(tmp_path / "hall")
    credential = create_credential(db, "hall", hall.hall_id)
    admin_token = create_credential(db, "admin")
    db.close()
    central = CentralServer(pg_url, port=0, data_key_file=tmp_path / "central-data.key"
                            ).start_in_thread()
    admin = CentralClient(central.url, admin_token)
    driver = HallClient(hall.url, hall.admin_token)
    try:
        yield Link(hall, central, pg_url, credential, admin, driver, tmp_path / "sync")
    finally:
        driver.close()
        admin.close()
        central.stop()
        hall.stop()


class SimulatedCrash(Exception):
    """The agent's process died here."""


class StateFileThatDiesOnSave(StateFile):
    """A state file whose save kills the agent: central has committed the batch, the agent
    never records it."""

    def save(self, state: AgentState) -> None:
        raise SimulatedCrash


def test_the_agent_gives_central_exactly_the_halls_log(link: Link) -> None:
    hall_activity(link.driver, 30)
    agent = SyncAgent(link.config(batch_size=25))
    try:
        assert agent.catch_up() == len(link.hall_log())
        assert agent.lag()["events_behind"] == 0
    finally:
        agent.close()
    assert link.central_log() == link.hall_log()
    live = link.admin.live(link.hall.hall_id)
    waiting = {t["theme"]: t["waiting"] for t in live["themes"]}
    assert waiting == {"A": 0, "B": 30} and live["open_windows"] == 1


def test_an_agent_restarted_mid_batch_neither_loses_nor_duplicates(link: Link) -> None:
    hall_activity(link.driver, 20)
    dying = SyncAgent(link.config(batch_size=30),
                      state_file=StateFileThatDiesOnSave(link.state_dir))
    with pytest.raises(SimulatedCrash):
        dying.push_once()
    dying.hall.close()
    dying.central.close()
    assert StateFile(link.state_dir).load().acked_seq == 0  # central has 30, the file says 0
    assert len(link.central_log()) == 30
    hall_activity(link.driver, 5)
    restarted = SyncAgent(link.config(batch_size=30))
    try:
        restarted.catch_up()
    finally:
        restarted.close()
    assert link.central_log() == link.hall_log()
    assert StateFile(link.state_dir).load().acked_seq == len(link.hall_log())


def test_a_gap_at_central_is_asked_for_and_sent_again(link: Link) -> None:
    hall_activity(link.driver, 10)
    agent = SyncAgent(link.config(batch_size=20))
    try:
        agent.catch_up()
        # central is restored from a backup that ends at event 10
        db = open_database(link.db_url)
        with db.transaction() as tx:
            tx.execute("DELETE FROM events WHERE hall_id = ? AND seq > 10", (link.hall.hall_id,))
            tx.execute("UPDATE halls SET acked = 10, max_seq = 10 WHERE hall_id = ?",
                       (link.hall.hall_id,))
        db.close()
        hall_activity(link.driver, 5)
        agent.push_once()  # sends what is new; central answers acked 10, the rest missing
        assert agent.acked == 10
        agent.catch_up()
    finally:
        agent.close()
    assert link.central_log() == link.hall_log()


def test_appointments_and_catalog_are_handed_to_the_hall(link: Link) -> None:
    hall_id = link.hall.hall_id
    link.admin.put_catalog(hall_id, hall_catalog(hall_id))
    # a slot of the hall's today whatever the hour (at 23:55 in Shanghai, now + 10 min is
    # tomorrow, and the agent hands over today's appointments only)
    local_now = datetime.now(link.hall.server.node.config.timezone)
    noon = local_now.replace(hour=12, minute=0, second=0, microsecond=0).timestamp()
    booked = link.admin.book(hall_id, "A01", noon, noon + 1800)
    cancelled = link.admin.book(hall_id, "B", noon, noon + 1800)
    link.admin.cancel(cancelled["code"])
    agent = SyncAgent(link.config())
    try:
        first = agent.pull_once()
        again = agent.pull_once()
    finally:
        agent.close()
    assert first == {"catalog": 1, "handed": 1} and again == {"catalog": 1, "handed": 0}
    ticket = link.driver.issue("A", channel="appointment", appointment_id=booked["code"])
    assert ticket["appointment_id"] == booked["code"]
    saved = [e for e in link.hall_log() if e["kind"] == EventKind.APPOINTMENT_SAVED]
    assert [e["data"]["appointment"] for e in saved] == [booked["code"]]
    published = json.loads((link.state_dir / "catalog.json").read_text(encoding="utf-8"))
    assert published["version"] == 1 and published["catalog"]["hall"]["id"] == hall_id
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert booked["day"] == day


class AckedWhileAsking(CentralClient):
    """Central as the puller sees it when the pusher's batch is acknowledged while the
    puller's question about what central holds is on its way (the answer is older)."""

    agent: SyncAgent | None = None

    def sync_state(self, hall_id: str) -> dict:
        answer = super().sync_state(hall_id)
        agent, self.agent = self.agent, None      # once: the push asks central too
        if agent is not None:
            agent.push_once()
        return answer


def test_a_batch_acknowledged_during_the_pull_is_not_sent_again(link: Link) -> None:
    """The puller asked central what it holds, the pusher's batch was acknowledged meanwhile:
    nothing was lost, so no warning and no rewind (it warned and resent in some runs)."""
    hall_activity(link.driver, 3)
    central = AckedWhileAsking(link.central.url, link.credential)
    agent = SyncAgent(link.config(), central=central)
    try:
        agent.link.prepare()                          # first contact: where central stands
        central.agent = agent
        agent.pull_once()
        assert central.agent is None                  # the batch went during the question
        assert agent.acked == len(link.hall_log()) > 0
    finally:
        agent.close()
    assert link.central_log() == link.hall_log()


def test_the_running_agent_reports_its_lag_to_the_hall(link: Link) -> None:
    agent = SyncAgent(link.config()).start()
    try:
        hall_activity(link.driver, 5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sync = link.driver.health().get("sync")
            if sync and sync["acked_seq"] == len(link.hall_log()):
                break
            time.sleep(0.05)
    finally:
        agent.close()
    assert sync is not None
    assert (sync["events_behind"], sync["seconds_behind"], sync["central_reachable"]) == \
        (0, 0.0, True)
    status = json.loads((link.state_dir / "status.json").read_text(encoding="utf-8"))
    assert status["acked_seq"] == len(link.hall_log())
    assert link.central_log() == link.hall_log()


class LinkCutAfter:
    """A central client whose link goes down after ``chunks`` uploaded chunks."""

    def __init__(self, real: CentralClient, chunks: int) -> None:
        self.real, self.left = real, chunks

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def put_chunk(self, *args: object, **kwargs: object) -> dict:
        if self.left == 0:
            raise CentralApiError(0, "unreachable", "无法连接中心平台", "link cut")
        self.left -= 1
        return self.real.put_chunk(*args, **kwargs)  # type: ignore[arg-type]


class CountingClient(LinkCutAfter):
    """A central client that counts the bytes it uploads."""

    sent = 0

    def put_chunk(self, *args: object, **kwargs: object) -> dict:
        self.sent += len(args[3])  # type: ignore[arg-type]
        return self.real.put_chunk(*args, **kwargs)  # type: ignore[arg-type]


def test_an_interrupted_upload_resumes_where_central_stopped(link: Link) -> None:
    photo = os.urandom(600_000)
    outbox = SubmissionOutbox(link.state_dir / "hall-data")
    client_id = "k1-20240312-0001"
    outbox.write(client_id, {"item": "F01", "fields": {"name": "王五"}},
                 {"id-front.jpg": photo, "form.png": b"\x89PNG" * 10})
    real = CentralClient(link.central.url, link.credential)
    hall_id = link.hall.hall_id
    try:
        with pytest.raises(CentralApiError):
            Uploader(LinkCutAfter(real, 3), hall_id, outbox,  # type: ignore[arg-type]
                     link.state_dir, chunk_bytes=64 * 1024).upload_all()
        sub = real.call("GET", f"/halls/{hall_id}/submissions")["submissions"][0]
        held = real.file_progress(sub["id"], "id-front.jpg")["received"]
        counting = CountingClient(real, -1)
        sent = Uploader(counting, hall_id, outbox,  # type: ignore[arg-type]
                        link.state_dir, chunk_bytes=64 * 1024).upload_all()
    finally:
        real.close()
    assert sub["client_id"] == client_id and sub["status"] == "uploading"
    assert held > 0
    assert counting.sent == len(photo) + 40 - held
    assert [s["status"] for s in sent] == ["received"]
    assert outbox.pending() == []
    assert not (outbox.root / client_id).exists()  # no personal data left
    content = link.admin.call("GET", f"/submissions/{sent[0]['id']}/files/id-front.jpg/content")
    assert content == photo
    line = json.loads((link.state_dir / "sent.jsonl").read_text(encoding="utf-8"))
    assert line["receipt"] == sent[0]["receipt"] and "name" not in json.dumps(line["client_id"])


@pytest.mark.allow_log("central refused submission k1-bad")
def test_a_submission_central_refuses_is_set_aside_and_the_next_goes(link: Link) -> None:
    outbox = SubmissionOutbox(link.state_dir / "hall-data")
    outbox.write("k1-bad", {"item": "F01", "fields": {}, "receipt": "O0O0O0O0O0"},
                 {"a-1.jpg": b"\xff\xd8\xff"})
    outbox.write("k1-good", {"item": "F01", "fields": {}, "receipt": "ABCDEFGHJK"},
                 {"a-1.jpg": b"\xff\xd8\xffgood"})
    agent = SyncAgent(link.config(hall_data_dir=link.state_dir / "hall-data"))
    try:
        assert agent.upload_submissions() == 1
    finally:
        agent.close()
    assert outbox.pending() == []
    assert (link.state_dir / "hall-data" / "outbox-refused" / "k1-bad" / "meta.enc").is_file()
    held = link.admin.call("GET", f"/halls/{link.hall.hall_id}/submissions")["submissions"]
    assert [s["receipt"] for s in held] == ["ABCDEFGHJK"]


def test_personal_data_goes_to_central_only_over_tls() -> None:
    with pytest.raises(AgentConfigError):
        check_transport("http://central.example.gov.cn", allow_plain_http=False)
    check_transport("https://central.example.gov.cn", allow_plain_http=False)
    check_transport("http://127.0.0.1:8480", allow_plain_http=False)
    with pytest.raises(ValueError):
        CentralServer("sqlite:///x", host="0.0.0.0", data_key_file="x.key")
