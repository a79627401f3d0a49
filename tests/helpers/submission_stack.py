"""The path behind the kiosk as the self-service tests start it (issue #22), every part real:
a hall node over HTTP, its kiosk's client, the sync agent's settings, central as its own
process over PostgreSQL and the back office's client. A pytest plugin (``path3``, ``cluster``)
and the waits the tests share."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from central.auth import create_credential
from central.cli import main as central_main
from central.db import open_database
from hall.client import HallClient
from sync.agent import SyncAgent
from sync.agent_config import AgentConfig
from sync.central_client import CentralClient
from tests.helpers.central import (
    CentralProcess,
    PgCluster,
    RunningHall,
    acquire_shared_cluster,
    release_shared_cluster,
)
from tests.helpers.central import start_hall as start_hall_node


@pytest.fixture(scope="module")
def cluster() -> Iterator[PgCluster]:
    """The session's PostgreSQL server."""
    shared = acquire_shared_cluster()
    yield shared
    release_shared_cluster()


@dataclass
class Path3:
    """A hall with a kiosk, its agent's settings, central and its back office."""

    hall: RunningHall
    kiosk: HallClient
    driver: HallClient
    central: CentralProcess
    db_url: str
    office: CentralClient
    config: AgentConfig
    tmp: Path

    def agent(self) -> SyncAgent:
        """The sync agent of this hall, started."""
        return SyncAgent(self.config).start()

    def office_cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> str:
        """``hallq central --db … --data-key-file … submissions ARGS`` as the back office
        runs it."""
        capsys.readouterr()
        assert central_main(["--db", self.db_url, "--data-key-file",
                             str(self.central.data_key_file), "submissions", *args]) == 0
        return capsys.readouterr().out


@pytest.fixture
def path3(cluster: PgCluster, tmp_path: Path) -> Iterator[Path3]:
    """A hall, its kiosk, central on a fresh database and the agent's settings (the agent
    itself is started by the test: ``path3.agent()``)."""
    url = cluster.create_database(f"path_{os.getpid()}_{time.monotonic_ns()}")
    db = open_database(url)
    hall = start_hall_node(tmp_path / "hall")
    credential = create_credential(db, "hall", hall.hall_id)
    office_token = create_credential(db, "office")
    db.close()
    central = CentralProcess(url, log_path=tmp_path / "central.log",
                             data_key_file=tmp_path / "central-data.key").start()
    kiosk = HallClient(hall.url, hall.server.node.store.pair("kiosk", "kiosk-1"))
    office = CentralClient(central.url, office_token)
    driver = HallClient(hall.url, hall.admin_token)
    config = AgentConfig(hall_url=hall.url, hall_token=hall.sync_token,
                         central_url=central.url, credential=credential,
                         state_dir=tmp_path / "sync", hall_data_dir=hall.data_dir, poll_s=0.1,
                         linger_s=0.05, min_backoff_s=0.05, max_backoff_s=0.3,
                         pull_every_s=0.5, report_every_s=0.1, progress_every_s=0.1,
                         reuse_wait_s=0.3, relay=False)
    try:
        yield Path3(hall, kiosk, driver, central, url, office, config, tmp_path)
    finally:
        kiosk.close()
        driver.close()
        office.close()
        central.kill()
        hall.stop()
        cluster.drop_database(url)


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> object:
    """Poll until ``condition()`` is truthy; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def at_central(path3: Path3, receipt: str) -> dict:
    """The submission central holds for a receipt code (as the back office sees it)."""
    [listed] = [s for s in path3.office.call("GET", "/submissions")["submissions"]
                if s["receipt"] == receipt]
    return path3.office.submission(listed["id"])


def central_reachable(path3: Path3) -> bool:
    """Whether the hall node's sync report says central answers."""
    return bool((path3.kiosk.health().get("sync") or {}).get("central_reachable"))
