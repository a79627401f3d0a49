"""systemd's notify protocol (hall/sd_notify.py): READY=1 once the service is ready, WATCHDOG=1
while it is alive and none once it hangs; nothing at all outside systemd."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hall import sd_notify
from hall.config import HallConfig
from hall.node import HallNode
from hall.server import HallServer


@pytest.fixture
def systemd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A notify socket as systemd opens it, with a 0.3 s watchdog."""
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "300000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield sock
    sock.close()


def received(sock: socket.socket, seconds: float) -> list[str]:
    """The messages systemd got in ``seconds``."""
    got = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            got.append(sock.recv(100).decode())
        except TimeoutError:
            break
    return got


@pytest.mark.allow_log("not answering: no watchdog ping")
def test_ready_then_a_ping_every_third_of_the_watchdog_while_alive(systemd: socket.socket):
    alive = [True]
    watchdog = sd_notify.Watchdog(ready=lambda: True, alive=lambda: alive[0]).start()
    try:
        first = received(systemd, 0.5)
        assert first[0] == "READY=1" and first.count("WATCHDOG=1") >= 2
        alive[0] = False   # hung: no more pings, so systemd restarts it
        received(systemd, 0.15)
        assert received(systemd, 0.4) == []
    finally:
        watchdog.stop()


def test_outside_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sd_notify.notify("READY=1") is False
    assert sd_notify.Watchdog(ready=lambda: True, alive=lambda: True).start()._thread is None


def test_a_watchdog_meant_for_another_process_is_not_ours(systemd: socket.socket,
                                                           monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert sd_notify.watchdog_period() is None


def test_the_hall_writer_answers_the_watchdog(example_config: HallConfig, tmp_path: Path):
    node = HallNode(example_config, tmp_path)
    server = HallServer(node, port=0, advertise=False)
    node.start()
    try:
        assert server.writer_answers()
    finally:
        node.stop()
