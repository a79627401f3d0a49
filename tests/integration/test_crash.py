"""A hall node killed with SIGKILL in the middle of a rush: every ticket a kiosk was given
(HTTP 201) is there after the restart, with its number, and no number is given twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hall.net import free_port
from hall.store import Store

ROOT = Path(__file__).resolve().parents[2]


class HallProcess:
    """``python -m hallq hall`` on 127.0.0.1, its output in files of the data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(data_dir / f"hall-{self.port}.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hallq", "hall", "--data-dir", str(data_dir),
             "--port", str(self.port), "--bind", "127.0.0.1", "--no-advertise",
             "--open-all-day"],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the hall exited: {self.output()}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"the hall did not answer in {timeout} s: {self.output()}")

    def output(self) -> str:
        self._log.flush()
        return (self.data_dir / f"hall-{self.port}.log").read_text(errors="replace")[-2000:]

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "hall"


@pytest.fixture
def token(data_dir: Path) -> str:
    data_dir.mkdir()
    store = Store(data_dir / "hall.sqlite3")
    try:
        return store.pair("kiosk", "crash-test-kiosk")
    finally:
        store.close()


@pytest.fixture
def processes(data_dir: Path) -> Iterator[list[HallProcess]]:
    started: list[HallProcess] = []
    yield started
    for hall in started:
        hall.stop()


@pytest.mark.slow
def test_kill_9_loses_no_acknowledged_ticket(data_dir: Path, token: str,
                                             processes: list[HallProcess]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    first = HallProcess(data_dir)
    processes.append(first)
    first.wait_ready()

    acked: list[tuple[str, str]] = []
    lock = threading.Lock()
    enough = threading.Event()

    def kiosk(services: str) -> None:
        with httpx.Client(base_url=first.url, headers=headers, timeout=5) as http:
            i = 0
            while True:
                try:
                    response = http.post("/api/v1/tickets",
                                         json={"service": services[i % len(services)]})
                except httpx.HTTPError:
                    return                              # the hall is gone
                i += 1
                if response.status_code == 201:
                    with lock:
                        acked.append((response.json()["id"], response.json()["number"]))
                        if len(acked) >= 120:
                            enough.set()

    threads = [threading.Thread(target=kiosk, args=(s,)) for s in ("A", "B", "C", "AB", "BC",
                                                                  "CA")]
    for thread in threads:
        thread.start()
    assert enough.wait(60), first.output()
    first.kill()                                        # mid-stream: requests are in flight
    for thread in threads:
        thread.join(10)
    assert not any(t.is_alive() for t in threads)
    assert first.process.returncode == -signal.SIGKILL
    assert len(acked) >= 120

    second = HallProcess(data_dir)
    processes.append(second)
    second.wait_ready()
    with httpx.Client(base_url=second.url, headers=headers, timeout=10) as http:
        for ticket_id, number in acked:
            response = http.get(f"/api/v1/tickets/{ticket_id}")
            assert response.status_code == 200, (ticket_id, response.text)
            assert response.json()["number"] == number
            assert response.json()["status"] == "waiting"
        after = [http.post("/api/v1/tickets", json={"service": s}).json()["number"]
                 for s in "ABC" * 10]
    numbers = Counter([number for _, number in acked] + after)
    assert max(numbers.values()) == 1, "a number was given twice"
    for prefix in "ABC":
        before = max((int(n[1:]) for _, n in acked if n[0] == prefix), default=0)
        assert min(int(n[1:]) for n in after if n[0] == prefix) > before
    second.stop()

    # the log is whole: consecutive sequence numbers, one ticket.issued per ticket stored
    with sqlite3.connect(data_dir / "hall.sqlite3") as db:
        seqs = [row[0] for row in db.execute("SELECT seq FROM events ORDER BY seq")]
        issued = db.execute("SELECT COUNT(*) FROM events WHERE kind = 'ticket.issued'").fetchone()
        tickets = db.execute("SELECT COUNT(*) FROM tickets").fetchone()
    db.close()
    assert seqs == list(range(1, len(seqs) + 1))
    assert issued == tickets and tickets[0] >= len(acked) + 30
