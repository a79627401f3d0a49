"""Partitions between a hall and central, with every part real: a hall node over HTTP, central
as a separate process over PostgreSQL, the sync agent, and hall activity through the API while
the link is cut. Afterwards central must hold exactly the hall's events, no more, no fewer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from central.auth import create_credential
from central.db import open_database
from hall.client import HallClient
from hall.submission_outbox import SubmissionOutbox
from sync.agent import SyncAgent
from sync.agent_config import AgentConfig
from sync.central_client import CentralClient
from tests.helpers.central import (
    CentralProcess,
    PgCluster,
    RunningHall,
    acquire_shared_cluster,
    hall_activity,
    release_shared_cluster,
)
from tests.helpers.central import start_hall as start_hall_node

#: Central and the agent are killed on purpose here: the agent says so in the log while it
#: waits for central and resends what central did not keep.
pytestmark = [pytest.mark.slow, pytest.mark.allow_log(
    "Cannot reach the central platform", "central holds up to", "stream subscriber fell")]


@pytest.fixture(scope="module")
def cluster() -> Iterator[PgCluster]:
    """The session's PostgreSQL server (shared with the unit tests when run together)."""
    shared = acquire_shared_cluster()
    yield shared
    release_shared_cluster()


@dataclass
class World:
    """A hall, central in its own process, and the credentials between them."""

    hall: RunningHall
    central: CentralProcess
    credential: str
    other_credential: str
    admin: CentralClient
    driver: HallClient
    tmp: Path

    def hall_log(self) -> list[tuple]:
        """(seq, kind, data) of every event of the hall."""
        events = self.driver.events(after=0, limit=10_000)["events"]
        return [(e["seq"], e["kind"], e["data"]) for e in events]

    def central_log(self) -> list[tuple]:
        """(seq, kind, data) of every event central holds for the hall."""
        events = self.admin.events(self.hall.hall_id, after=0, limit=10_000)
        return [(e["seq"], e["kind"], e["data"]) for e in events]


@pytest.fixture
def world(cluster: PgCluster, tmp_path: Path) -> Iterator[World]:
    url = cluster.create_database(f"partition_{os.getpid()}_{time.monotonic_ns()}")
    db = open_database(url)
    hall = start_hall_node(tmp_path / "hall")
    credential = create_credential(db, "hall", hall.hall_id)
    other = create_credential(db, "hall", "SOME-OTHER-HALL")
    admin_token = create_credential(db, "admin")
    db.close()
    central = CentralProcess(url, log_path=tmp_path / "central.log",
                             data_key_file=tmp_path / "central-data.key").start()
    admin = CentralClient(central.url, admin_token)
    driver = HallClient(hall.url, hall.admin_token)
    try:
        yield World(hall, central, credential, other, admin, driver, tmp_path)
    finally:
        driver.close()
        admin.close()
        central.kill()
        hall.stop()
        cluster.drop_database(url)


class Activity:
    """Hall activity through the API in a thread until stopped."""

    def __init__(self, driver: HallClient) -> None:
        self.driver = driver
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            hall_activity(self.driver, 1)
            self.rounds += 1
            time.sleep(0.01)

    def __enter__(self) -> Activity:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> object:
    """Poll until ``condition()`` is truthy; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def sync_status(world: World) -> dict:
    """What the hall node's health says about the agent."""
    return world.driver.health().get("sync") or {}


def test_central_killed_during_hall_activity_ends_with_exactly_the_halls_log(
        world: World) -> None:
    config = AgentConfig(hall_url=world.hall.url, hall_token=world.hall.sync_token,
                         central_url=world.central.url, credential=world.credential,
                         state_dir=world.tmp / "sync", hall_data_dir=world.hall.data_dir,
                         batch_size=50, poll_s=0.2,
                         linger_s=0.05, min_backoff_s=0.1, max_backoff_s=0.5, pull_every_s=0.5,
                         report_every_s=0.1)
    agent = SyncAgent(config).start()
    try:
        with Activity(world.driver) as activity:
            wait_for(lambda: sync_status(world).get("acked_seq", 0) > 20)
            world.central.kill()                     # the link is cut
            client_id = "k1-20240312-0002"
            outbox = SubmissionOutbox(world.hall.data_dir)
            outbox.write(client_id, {"item": "F01", "fields": {"name": "赵六"}},
                         {"photo.jpg": os.urandom(700_000)})
            rounds_at_cut = activity.rounds
            outage = wait_for(lambda: (s := sync_status(world)).get("central_reachable") is False
                              and s["events_behind"] > 0 and s)
            time.sleep(2.0)                          # the hall runs on
            assert activity.rounds > rounds_at_cut
            behind = sync_status(world)
            world.central.start()                    # healed
            wait_for(lambda: sync_status(world).get("central_reachable") is True)
            time.sleep(0.5)
        hall_seq = world.driver.health()["last_seq"]
        wait_for(lambda: sync_status(world).get("acked_seq") == hall_seq
                 and not outbox.pending())
    finally:
        agent.close()
    assert outage["events_behind"] > 0  # type: ignore[index]
    assert behind["seconds_behind"] >= 1.5 and behind["events_behind"] > outage["events_behind"]  # type: ignore[index]
    assert world.central_log() == world.hall_log()
    sent = world.admin.call("GET", f"/halls/{world.hall.hall_id}/submissions")["submissions"]
    assert [(s["client_id"], s["status"]) for s in sent] == [(client_id, "received")]
    # and another hall's credential is refused this hall's data by the real process
    other = httpx.get(f"{world.central.url}/api/v1/halls/{world.hall.hall_id}/events",
                      headers={"Authorization": f"Bearer {world.other_credential}"})
    assert other.status_code == 403 and other.json()["code"] == "forbidden"


def test_the_agent_process_killed_mid_batch_again_and_again(world: World) -> None:
    env = {**os.environ, "HALLQ_HALL_TOKEN": world.hall.sync_token,
           "HALLQ_CENTRAL_CREDENTIAL": world.credential}
    args = [sys.executable, "-m", "sync", "--hall-url", world.hall.url,
            "--central-url", world.central.url, "--state-dir", str(world.tmp / "sync"),
            "--batch-size", "7", "--max-backoff", "0.5", "--pull-every", "3600"]
    kills = 0
    with Activity(world.driver):
        for _ in range(4):
            agent = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
            before = len(world.central_log())
            try:
                wait_for(lambda b=before: len(world.central_log()) > b + 14)  # type: ignore[misc]
            finally:
                os.killpg(agent.pid, signal.SIGKILL)  # mid-batch, whatever it was doing
                agent.wait(timeout=10)
            kills += 1
    agent = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        hall_seq = world.driver.health()["last_seq"]
        wait_for(lambda: len(world.central_log()) >= hall_seq)
        time.sleep(0.3)
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=20)
    assert kills == 4 and agent.returncode == 0
    assert world.central_log() == world.hall_log()
