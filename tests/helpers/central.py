"""Test and benchmark helpers: a throwaway PostgreSQL cluster and a central service run as a
separate process (so that a test can kill it and start it again).

:class:`PgCluster` runs ``initdb`` and ``pg_ctl`` from Debian's PostgreSQL packages (as the
``postgres`` user when we are root, since PostgreSQL refuses to run as root) in a temporary
directory, listening on a free port on 127.0.0.1 and on a unix socket in that directory. A
missing PostgreSQL is an error, never a skip: ``make test`` installs it (apt-packages.txt).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import psycopg

from hall.client import HallApiError, HallClient
from hall.config import EXAMPLE_HALL, HallConfig, load_config
from hall.idnumber import check_char
from hall.net import free_port
from hall.node import HallNode
from hall.server import HallServer
from tests.helpers.staff_pins import give_demo_pins


class PostgresMissing(RuntimeError):
    """PostgreSQL's server binaries are not installed (run ``make setup``)."""


def pg_bindir() -> Path:
    """The directory of ``initdb`` and ``pg_ctl`` (Debian keeps them off the PATH)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not candidates:
        raise PostgresMissing("PostgreSQL is not installed: run `make setup` "
                              "(packaging/apt-packages.txt lists postgresql)")
    return Path(candidates[-1]).parent


def _as_postgres() -> list[str]:
    """The command prefix that runs a program as the postgres user when we are root."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


class PgCluster:
    """A PostgreSQL server in a temporary directory, removed by :meth:`stop`.

    ``durable=False`` (tests) turns off fsync for speed; the benchmark keeps PostgreSQL's
    defaults so that its figures hold for a real server.
    """

    def __init__(self, durable: bool = False, max_connections: int = 200) -> None:
        self.durable = durable
        self.max_connections = max_connections
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="hallq-pg-"))
        self.data = self.dir / "data"
        self.bindir = pg_bindir()
        self.running = False

    def _run(self, *args: str) -> None:
        result = subprocess.run([*_as_postgres(), *args], capture_output=True, text=True,
                                timeout=120, cwd=self.dir)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    def start(self) -> PgCluster:
        """initdb, configure and start the server; returns once it accepts connections."""
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
        settings = [f"port = {self.port}", "listen_addresses = '127.0.0.1'",
                    f"unix_socket_directories = '{self.dir}'",
                    f"max_connections = {self.max_connections}",
                    "shared_buffers = 128MB", "logging_collector = off"]
        if not self.durable:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n".join(settings) + "\n")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.dir / "server.log"), "-w", "-t", "60", "start")
        self.running = True
        return self

    def postmaster_pid(self) -> int:
        """The server's main process id."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, dbname: str = "postgres") -> str:
        """A ``postgresql://`` URL of a database of this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`create_database` (closing its connections)."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        if self.running:
            try:
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop")
            finally:
                self.running = False
        shutil.rmtree(self.dir, ignore_errors=True)


class CentralProcess:
    """``python -m central`` in a child process on a fixed port: kill it, start it again."""

    def __init__(self, db_url: str, port: int | None = None, workers: int = 1,
                 log_path: Path | None = None, id_key_file: Path | None = None, *,
                 data_key_file: Path) -> None:
        self.db_url = db_url
        self.id_key_file = id_key_file
        self.data_key_file = data_key_file
        self.port = port or free_port()
        self.workers = workers
        self.log_path = log_path
        self._proc: subprocess.Popen | None = None
        self._log: object = None

    @property
    def url(self) -> str:
        """Base URL of the service."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The process id of the running service."""
        assert self._proc is not None
        return self._proc.pid

    def start(self, timeout: float = 20.0) -> CentralProcess:
        """Start the process and wait until /api/v1/health answers."""
        args = [sys.executable, "-m", "central", "--db", self.db_url, "--bind",
                "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
                "--data-key-file", str(self.data_key_file)]
        if self.id_key_file is not None:
            args += ["--id-key-file", str(self.id_key_file)]
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._log = out
        self._proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"central exited with {self._proc.returncode}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("central did not start")

    def kill(self) -> None:
        """SIGKILL the whole process group (no goodbye: a crash or a cut cable)."""
        if self._proc is not None:
            if self._proc.poll() is None:
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)
            self._proc = None
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()  # type: ignore[attr-defined]
        self._log = None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), killing it if it lingers."""
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


_shared: PgCluster | None = None
_shared_users = 0


def acquire_shared_cluster() -> PgCluster:
    """One cluster for the whole test session, however many fixtures ask for it."""
    global _shared, _shared_users
    if _shared is None:
        _shared = PgCluster().start()
    _shared_users += 1
    return _shared


def release_shared_cluster() -> None:
    """Stop the shared cluster when its last user is done."""
    global _shared, _shared_users
    _shared_users -= 1
    if _shared_users <= 0 and _shared is not None:
        _shared.stop()
        _shared = None


#: The city's ID key in tests (every hall's and central's ``--id-key-file``).
CITY_TEST_ID_KEY = b"phone-test-city-key-0123456789ab"
#: A valid ID number of a citizen born on 1 January 1990, for tests.
TEST_CITIZEN = "44030419900101123" + check_char("44030419900101123")


def hall_day(days_ago: int = 0, timezone: str = "Asia/Shanghai") -> str:
    """A day of the halls' time zone as ticket ids carry it (``YYYYMMDD``)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    return (datetime.now(ZoneInfo(timezone)) - timedelta(days=days_ago)).strftime("%Y%m%d")


def hall_config(hall_id: str | None = None) -> HallConfig:
    """The example hall, open all day and without daily quotas (tests and simulations run at
    any hour and issue many tickets), optionally renamed."""
    config = load_config(EXAMPLE_HALL)
    config = replace(config, rules=replace(config.rules, open_all_day=True),
                     themes={p: replace(t, daily_quota=0) for p, t in config.themes.items()})
    return replace(config, hall_id=hall_id) if hall_id else config


@dataclass
class RunningHall:
    """A real hall node served over HTTP, with a sync token and an admin token."""

    server: HallServer
    sync_token: str
    admin_token: str

    @property
    def url(self) -> str:
        """Base URL of the hall's API."""
        return self.server.url

    @property
    def hall_id(self) -> str:
        """The hall's id."""
        return self.server.node.config.hall_id

    @property
    def data_dir(self) -> Path:
        """The node's data directory (its submissions outbox)."""
        return self.server.node.data_dir

    def stop(self) -> None:
        """Stop the hall node."""
        self.server.stop()


def start_hall(data_dir: Path, hall_id: str | None = None) -> RunningHall:
    """Start a hall node (no LAN advert) in a thread."""
    node = HallNode(hall_config(hall_id), data_dir)
    give_demo_pins(node.store)
    sync_token = node.store.pair("sync", "sync-agent")
    admin_token = node.store.pair("admin", "test-admin")
    server = HallServer(node, port=0, advertise=False).start_in_thread()
    return RunningHall(server, sync_token, admin_token)


def hall_catalog(hall_id: str) -> dict:
    """The example hall's TOML as a catalog for ``hall_id`` (open all day)."""
    from central.catalog import toml_to_catalog

    body = toml_to_catalog(EXAMPLE_HALL)
    body["hall"]["id"] = hall_id
    body.setdefault("hours", {})["open_all_day"] = True
    return body


def hall_activity(client: HallClient, rounds: int, window: str = "1") -> None:
    """Plausible activity at a hall: open a window, then each round two citizens take a
    number and the window calls and finishes one (every call a real API request)."""
    try:
        client.window_action(window, "open")
    except HallApiError:
        pass  # already open
    for _ in range(rounds):
        client.issue("A")
        client.issue("B")
        if client.call(window) is not None:
            client.window_action(window, "finish")
