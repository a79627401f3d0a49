"""Cloud calling (云叫号) in the apps against a real hall node on loopback: the video window's
console calls another hall through every state, and the kiosk offers another hall and shows
its ticket. The sync agent and central are played by the test with the sync role's token."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from caller.app import CallerWindow
from caller.devices import CallerDevices
from caller.viewmodel import CallerSettings
from devices.registry import open_device
from hall.client import HallClient
from kiosk.app import KioskWindow
from kiosk.devices import KioskDevices
from kiosk.viewmodel import KioskSettings
from ui.bridge import EventBridge

VIDEO_WINDOW = "30"  # skills C, A; video_booth = true in the example hall
OTHER = "GD-SZ-NS-002"


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def shown(window: QWidget, name: str) -> QWidget:
    """The visible widget called ``name`` once the window rendered."""
    view = window.view  # type: ignore[attr-defined]
    deadline = time.monotonic() + 2
    while view._render_pending and time.monotonic() < deadline:
        settle()
    found = [w for w in window.findChildren(QWidget, name) if w.isVisible()]
    assert found, f"no visible {name!r}"
    return found[0]


def text(window: QWidget, name: str) -> str:
    widget = shown(window, name)
    assert isinstance(widget, QLabel | QPushButton)
    return widget.text()


@pytest.fixture
def hall(start_hall: Callable) -> Iterator:
    running = start_hall()
    yield running
    # One last event lets the stream's server side notice its closed sockets at once.
    running.client("admin").device_status("test", "done")


@pytest.fixture
def console(qtbot, hall) -> Iterator[CallerWindow]:
    token = hall.tokens[f"caller-{VIDEO_WINDOW}"]
    client, bridge = HallClient(hall.url, token), EventBridge(hall.url, token)
    devices = CallerDevices()
    window = CallerWindow(client, bridge, VIDEO_WINDOW, devices,
                          settings=CallerSettings(name="console-30"))
    window._owned = [bridge.stop, devices.close, client.close]
    bridge.start()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.window_info is not None, timeout=5000)
    yield window
    window.shutdown()


def answer(sync: httpx.Client, message: dict, kind: str) -> None:
    """The home hall's answer to a message of this hall's window, relayed by central."""
    reply = {**message, "kind": kind, "expires_at": time.time() + 180,
             "reply_to": message["id"], "id": f"{message['id']}:{kind}"}
    assert sync.post("/api/v1/leases/messages", json={"messages": [reply]}).status_code == 200


def sent(sync: httpx.Client, kind: str) -> dict:
    """The lease message the window sends now (the agent reads the outbox)."""
    (message,) = [m for m in sync.get("/api/v1/leases/outbox").json()["messages"]
                  if m["kind"] == kind]
    return message


def test_a_video_window_calls_and_serves_a_citizen_of_another_hall(qtbot, console, hall
                                                                   ) -> None:
    sync = hall.http("sync")
    model = console.model
    hall.client("admin").sign_in(VIDEO_WINDOW, staff_id="S001", pin="1234")
    qtbot.waitUntil(lambda: model.available() == {"call", "pause", "remote_call"}, timeout=5000)
    assert "F9 远程叫号" in text(console, "keys")
    qtbot.keyClick(console, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: model.remote_state == "choosing", timeout=5000)
    assert text(console, "remote_status") == "正在向其他大厅叫号…"
    assert not shown(console, "action-call").isEnabled(), "no local call meanwhile"
    (choose,) = sync.get("/api/v1/leases/outbox").json()["choose"]
    choice = {"hall": OTHER, "ticket": "20240312-C007", "theme": "C", "number": "C007",
              "name_zh": "南山区政务服务中心", "name_en": "Nanshan"}
    sync.post("/api/v1/leases/choices", json={"request": choose["request"],
                                              "window": VIDEO_WINDOW, "choice": choice})
    answer(sync, sent(sync, "request"), "granted")
    qtbot.waitUntil(lambda: model.remote_state == "calling", timeout=5000)
    assert text(console, "remote_heading") == "远程叫号 · 南山区政务服务中心"
    assert text(console, "current_number") == "C007"
    assert text(console, "remote_status") == "请等待市民到达视频服务区"
    qtbot.mouseClick(shown(console, "action-remote_start"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: model.remote_state == "starting", timeout=5000)
    answer(sync, sent(sync, "start"), "started")
    qtbot.waitUntil(lambda: model.remote_state == "serving", timeout=5000)
    assert text(console, "remote_status") == "远程办理中"
    assert model.available() == {"remote_finish"}
    qtbot.keyClick(console, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: model.remote_state == "finishing", timeout=5000)
    answer(sync, sent(sync, "finish"), "finished")
    qtbot.waitUntil(lambda: model.remote_state == "done", timeout=5000)
    assert text(console, "remote_status") == "C007 已远程办结"
    assert shown(console, "action-call").isEnabled()


def test_nobody_waiting_elsewhere(qtbot, console, hall) -> None:
    sync = hall.http("sync")
    hall.client("admin").sign_in(VIDEO_WINDOW, staff_id="S001", pin="1234")
    qtbot.waitUntil(lambda: console.model.signed_in, timeout=5000)
    qtbot.keyClick(console, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: console.model.remote_state == "choosing", timeout=5000)
    (choose,) = sync.get("/api/v1/leases/outbox").json()["choose"]
    sync.post("/api/v1/leases/choices", json={"request": choose["request"],
                                              "window": VIDEO_WINDOW, "choice": None})
    qtbot.waitUntil(lambda: console.model.remote_state == "none", timeout=5000)
    assert text(console, "remote_status") == "其他大厅暂无可远程办理的等候"


def test_the_kiosk_sends_a_citizen_to_a_hall_that_saves_time(qtbot, hall,
                                                             tmp_path: Path) -> None:
    sync, admin = hall.http("sync"), hall.client("admin")
    admin.window_action("1", "open")
    for _ in range(12):
        admin.issue("A02", channel="staff")
    devices = KioskDevices(printer=open_device(f"sim://printer?out={tmp_path / 'paper'}"))
    client = HallClient(hall.url, hall.tokens["kiosk"])
    window = KioskWindow(client, None, devices, settings=KioskSettings(name="kiosk-1"))
    window._owned = [devices.close, client.close]
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: bool(window.model.services), timeout=5000)
        recs = [{"hall": OTHER, "name_zh": "南山区政务服务中心", "name_en": "Nanshan",
                 "expected_total_s": 1500, "wait_s": 300, "travel_s": 1200}]
        sync.put("/api/v1/sync/recommendations", json={"at": time.time(),
                                                       "items": {"A02": recs}})
        window.model.walk_in()
        window.model.choose_theme("A")
        qtbot.mouseClick(shown(window, "item-A02"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.model.screen == "offer", timeout=5000)
        assert text(window, "title").startswith("去南山区政务服务中心可节省约")
        qtbot.mouseClick(shown(window, f"go-{OTHER}"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.model.screen == "referring", timeout=5000)
        (referral,) = sync.get("/api/v1/leases/outbox").json()["referrals"]
        ticket = {"id": "20240312-A031", "number": "A031", "hall": OTHER,
                  "name_zh": "南山区政务服务中心", "name_en": "Nanshan", "ahead": 2,
                  "expected_wait_s": 300, "url": "http://ns.example/t/20240312-A031"}
        sync.post(f"/api/v1/referrals/{referral['id']}/result", json={"ticket": ticket})
        qtbot.waitUntil(lambda: window.model.screen == "ticket", timeout=5000)
        assert text(window, "go_to") == "请前往 南山区政务服务中心 办理"
        assert text(window, "number") == "A031"
        printed = devices.printer.simulator.wait_tickets(1)
        assert "A031" in printed[0].text and "南山区政务服务中心" in printed[0].text
        assert len(admin.window_queue("1")) == 12, "no ticket was issued here"
    finally:
        window.shutdown()
