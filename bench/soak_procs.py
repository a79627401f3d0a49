"""The soak's real processes (``bench/soak.py``): a PostgreSQL cluster, central, two hall nodes
and a sync agent per hall, each a child process on 127.0.0.1 that can be killed with SIGKILL and
started again on the same port and data, with its memory (RSS) read from ``/proc``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from central.auth import create_credential
from central.catalog import put_catalog, toml_to_catalog
from central.db import open_database
from hall.net import free_port
from hall.pin_hash import hash_pin
from hall.store import Store
from tests.helpers.central import PgCluster

ROOT = Path(__file__).resolve().parents[1]
HALL_TOML = ROOT / "bench" / "soak" / "district_hall.toml"
#: Staff S001..S020 sign in with PINs 1001..1020 (set in each hall's store, hashed).
STAFF_PINS = {f"S{i:03d}": str(1000 + i) for i in range(1, 21)}
WINDOWS = [str(i) for i in range(1, 21)]


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and its children (KiB), 0 when it is gone."""
    total = 0
    for one in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except OSError:
        return []


@dataclass
class Proc:
    """One of the soak's processes: a command, its health URL, kill -9 and start again."""

    name: str
    args: list[str]
    health: str
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen | None = None
    kills: int = 0
    starts: int = 0

    def start(self, timeout: float = 30.0) -> None:
        """Start the process and wait until it answers (its health URL, or its own line)."""
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(self.args, cwd=ROOT, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True,
                                          env={**os.environ, "PYTHONPATH": str(ROOT),
                                               **self.env})
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}: "
                                   f"{self.log.read_text(errors='replace')[-1500:]}")
            if self._answers():
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start in {timeout} s")

    def _answers(self) -> bool:
        if not self.health:
            return True
        try:
            return httpx.get(self.health, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill9(self) -> None:
        """SIGKILL the process and its group: no goodbye, whatever it was doing."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)

    @property
    def rss_kb(self) -> int:
        """Its resident memory now (0 while it is down)."""
        if self.popen is None or self.popen.poll() is not None:
            return 0
        return rss_kb(self.popen.pid)


@dataclass
class HallSite:
    """A hall node, its sync agent and the tokens the soak's devices use."""

    hall_id: str
    node: Proc
    agent: Proc
    url: str
    kiosk: str
    admin: str
    callers: dict[str, str]


@dataclass
class City:
    """Everything the soak started: stop it with :meth:`close`."""

    cluster: PgCluster
    central: Proc
    central_url: str
    central_admin: str
    phone: str
    halls: list[HallSite]
    dir: Path

    def procs(self) -> list[Proc]:
        """Every process, central first."""
        return [self.central, *(p for h in self.halls for p in (h.node, h.agent))]

    def close(self) -> None:
        """Stop every process and the cluster."""
        for proc in reversed(self.procs()):
            proc.stop()
        self.cluster.stop()


def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def start_city(work: Path, hall_ids: list[str]) -> City:
    """PostgreSQL, central (with the halls' catalogs, credentials and the city's ID key),
    and for each hall a node on its own SQLite data and a sync agent."""
    cluster = PgCluster().start()
    db_url = cluster.create_database("soak")
    key_file = work / "city-id.key"
    key_file.write_text(os.urandom(32).hex())
    db = open_database(db_url)
    try:
        admin = create_credential(db, "admin")
        phone = create_credential(db, "phone", note="soak citizen app")
        creds = {h: create_credential(db, "hall", h) for h in hall_ids}
        for hall_id in hall_ids:
            catalog = toml_to_catalog(str(HALL_TOML))
            catalog["hall"]["id"] = hall_id
            catalog.setdefault("hours", {})["open_all_day"] = True
            put_catalog(db, hall_id, catalog)
    finally:
        db.close()
    port = free_port()
    central_url = f"http://127.0.0.1:{port}"
    central = Proc("central", [*_python("hallq", "central", "--db", db_url, "--bind",
                                        "127.0.0.1", "--port", str(port), "--id-key-file",
                                        str(key_file), "--data-key-file",
                                        str(work / "central-data.key"))],
                   f"{central_url}/api/v1/health", work / "central.log")
    central.start()
    pin_hashes = {s: hash_pin(p) for s, p in STAFF_PINS.items()}
    halls = [_start_hall(work, h, central_url, creds[h], key_file, pin_hashes)
             for h in hall_ids]
    return City(cluster, central, central_url, admin, phone, halls, work)


def _start_hall(work: Path, hall_id: str, central_url: str, credential: str, key_file: Path,
                pin_hashes: dict[str, str]) -> HallSite:
    data = work / hall_id
    data.mkdir(parents=True)
    toml = data / "hall.toml"
    toml.write_text(HALL_TOML.read_text(encoding="utf-8").replace(
        'id = "SOAK-HALL-1"', f'id = "{hall_id}"'), encoding="utf-8")
    store = Store(data / "hall.sqlite3")
    try:
        for staff_id, hashed in pin_hashes.items():
            store.set_staff_secret(staff_id, pin_hash=hashed)
        kiosk, admin, sync = (store.pair(r, f"soak-{r}") for r in ("kiosk", "admin", "sync"))
        callers = {w: store.pair("caller", f"soak-caller-{w}", w) for w in WINDOWS}
    finally:
        store.close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    node = Proc(f"hall {hall_id}", _python(
        "hallq", "hall", "--config", str(toml), "--data-dir", str(data), "--bind", "127.0.0.1",
        "--port", str(port), "--no-advertise", "--open-all-day", "--id-key-file",
        str(key_file)), f"{url}/api/v1/health", data / "node.log")
    node.start()
    agent = Proc(f"sync {hall_id}", _python(
        "hallq", "sync", "--hall-url", url, "--central-url", central_url, "--state-dir",
        str(data / "sync"), "--batch-size", "200", "--max-backoff", "2", "--pull-every", "30"),
        "", data / "sync.log",
        env={"HALLQ_HALL_TOKEN": sync, "HALLQ_CENTRAL_CREDENTIAL": credential})
    agent.start()
    return HallSite(hall_id, node, agent, url, kiosk, admin, callers)
