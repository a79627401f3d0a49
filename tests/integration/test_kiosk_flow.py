"""The kiosk end to end: a real hall node on loopback, the ID-card, printer and camera
simulators, and the kiosk window driven as a citizen would (swipe, touch, scan, walk away)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from devices.base import DeviceState
from devices.idcard.samples import FOREIGN, RESIDENT
from devices.registry import open_device
from hall.client import HallClient
from hall.config import EXAMPLE_HALL, load_config
from hall.events import EventKind
from hall.node import HallNode
from hall.server import HallServer
from kiosk.app import CARD_POLL_S, KioskWindow
from kiosk.devices import KioskDevices
from kiosk.viewmodel import KioskSettings
from tests.helpers.browser import page_state
from ui.bridge import EventBridge


@dataclass
class Hall:
    """A hall node served on loopback, with a kiosk and an admin token."""

    url: str
    kiosk_token: str
    admin: HallClient


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    config = load_config(EXAMPLE_HALL)
    themes = dict(config.themes)
    themes["B"] = replace(themes["B"], daily_quota=1)  # a theme whose tickets run out
    config = replace(config, themes=themes,
                     rules=replace(config.rules, open_all_day=True))
    node = HallNode(config, tmp_path / "hall")
    kiosk_token = node.store.pair("kiosk", "kiosk-entrance", None)
    admin_token = node.store.pair("admin", "test-admin", None)
    server = HallServer(node, port=0, advertise=False).start_in_thread()
    admin = HallClient(server.url, admin_token)
    yield Hall(server.url, kiosk_token, admin)
    # The stream's server side notices a closed socket only when it sends: one last event
    # lets it finish at once instead of at uvicorn's graceful-shutdown timeout.
    admin.device_status("test", "done")
    admin.close()
    server.stop()


def open_kiosk(qtbot, hall: Hall, tmp_path: Path, *, camera: str | None = None,
               idle: float = 60.0) -> KioskWindow:
    devices = KioskDevices(id_reader=open_device("sim://idcard?card=none"),
                           printer=open_device(f"sim://printer?out={tmp_path / 'paper'}"),
                           camera=open_device(camera) if camera else None)
    client = HallClient(hall.url, hall.kiosk_token)
    bridge = EventBridge(hall.url, hall.kiosk_token)
    window = KioskWindow(client, bridge, devices, settings=KioskSettings(
        name="kiosk-entrance", idle_timeout_s=idle))
    window._owned = [bridge.stop, devices.close, client.close]
    bridge.start()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.model.services), timeout=5000)
    return window


@pytest.fixture
def kiosk(qtbot, hall: Hall, tmp_path: Path) -> Iterator[KioskWindow]:
    window = open_kiosk(qtbot, hall, tmp_path)
    yield window
    window.shutdown()


def shown(window: KioskWindow, name: str) -> QWidget:
    """The visible widget called ``name`` on the current page."""
    qtbot_wait_render(window)
    found = [w for w in window.findChildren(QWidget, name) if w.isVisible()]
    assert found, f"no visible {name!r} on the {window.model.screen} screen"
    return found[0]


def qtbot_wait_render(window: KioskWindow) -> None:
    deadline = time.monotonic() + 2
    while window.view._render_pending and time.monotonic() < deadline:
        from PySide6.QtWidgets import QApplication
        QApplication.processEvents()


def text(window: KioskWindow, name: str) -> str:
    widget = shown(window, name)
    assert isinstance(widget, QLabel)
    return widget.text()


def touch(qtbot, window: KioskWindow, name: str) -> None:
    qtbot.mouseClick(shown(window, name), Qt.MouseButton.LeftButton)


def swipe(qtbot, window: KioskWindow, card=RESIDENT) -> None:
    window.model.devices.id_reader.simulator.insert(card)
    qtbot.waitUntil(lambda: window.model.citizen is not None, timeout=5000)


def lift_card(qtbot, window: KioskWindow) -> None:
    reader = window.model.devices.id_reader
    reader.simulator.remove()
    qtbot.waitUntil(lambda: reader.state is DeviceState.CARD_ABSENT, timeout=3000)
    # a card counts again only once the poller saw the reader empty: give it three polls (on a
    # busy machine one poll can come late)
    qtbot.wait(int(3 * CARD_POLL_S * 1000))


def issue_through_screens(qtbot, window: KioskWindow, theme: str, item: str) -> None:
    touch(qtbot, window, f"theme-{theme}")
    assert window.model.screen == "items"
    touch(qtbot, window, f"item-{item}")
    qtbot.waitUntil(lambda: window.model.screen in ("ticket", "error"), timeout=5000)


def device_events(hall: Hall) -> list[dict]:
    return [e["data"] for e in hall.admin.events()["events"]
            if e["kind"] == EventKind.DEVICE_STATUS]


def test_swipe_choose_and_print(qtbot, kiosk: KioskWindow, hall: Hall) -> None:
    swipe(qtbot, kiosk)
    assert kiosk.model.screen == "themes"
    assert text(kiosk, "masked_id").endswith(RESIDENT.masked_id)
    issue_through_screens(qtbot, kiosk, "A", "A01")
    qtbot.waitUntil(lambda: kiosk.model.print_state == "printed", timeout=5000)
    ticket = kiosk.model.ticket
    assert ticket is not None and ticket["number"] == "A001"
    assert text(kiosk, "number") == "A001"
    assert text(kiosk, "ahead") == "前面还有 0 人"
    assert text(kiosk, "wait") == "暂无窗口办理此业务"     # no window is open yet
    assert text(kiosk, "print_status") == "请取走小票"
    qr = shown(kiosk, "qr")
    assert isinstance(qr, QLabel) and not qr.pixmap().isNull()
    printed = kiosk.model.devices.printer.simulator.wait_tickets(1)
    assert "A001" in printed[0].text
    assert printed[0].qr_payloads == (ticket["url"],)
    assert RESIDENT.id_number not in printed[0].text
    stored = hall.admin.ticket(ticket["id"])
    assert (stored["channel"], stored["item"]) == ("kiosk", "A01")
    assert stored["id_masked"] == RESIDENT.masked_id
    assert kiosk.grab().width() > 0  # the screen paints with a ticket on it


def test_printer_out_of_paper_is_shown_and_reported(qtbot, kiosk: KioskWindow,
                                                    hall: Hall) -> None:
    kiosk.model.devices.printer.simulator.set_paper("out")
    swipe(qtbot, kiosk)
    issue_through_screens(qtbot, kiosk, "C", "C04")
    qtbot.waitUntil(lambda: kiosk.model.print_state == "failed", timeout=5000)
    assert text(kiosk, "number") == "C001"
    assert text(kiosk, "print_status").startswith("打印机故障，请拍照或扫码保存号码")
    qtbot.waitUntil(lambda: bool(device_events(hall)), timeout=5000)
    assert device_events(hall)[0] == {"device": "printer", "state": "paper_out",
                                      "where": "kiosk-entrance", "detail": "printer.paper_out"}


def test_per_id_limit_and_quota_are_plain_sentences(qtbot, kiosk: KioskWindow,
                                                    hall: Hall) -> None:
    swipe(qtbot, kiosk)
    for number in ("A001", "A002"):
        issue_through_screens(qtbot, kiosk, "A", "A02")
        assert kiosk.model.ticket is not None and kiosk.model.ticket["number"] == number
        touch(qtbot, kiosk, "done")
        assert kiosk.model.citizen is None
        lift_card(qtbot, kiosk)
        swipe(qtbot, kiosk)
    issue_through_screens(qtbot, kiosk, "A", "A02")
    assert kiosk.model.screen == "error"
    assert text(kiosk, "error_text") == "同一证件今日在商事登记最多取号2次"
    touch(qtbot, kiosk, "back")
    assert kiosk.model.screen == "themes"
    touch(qtbot, kiosk, "home")
    touch(qtbot, kiosk, "walk_in")
    touch(qtbot, kiosk, "lang")
    touch(qtbot, kiosk, "theme-B")
    hall.admin.issue("B", channel="staff")  # the last ticket of the day goes elsewhere
    touch(qtbot, kiosk, "item-B02")
    qtbot.waitUntil(lambda: kiosk.model.screen == "error", timeout=5000)
    assert text(kiosk, "error_text") == "工程建设今日号源已发完"
    assert text(kiosk, "error_text_en") == "Construction projects: today's tickets are all taken"


def test_invalid_id_card_is_a_sentence(qtbot, kiosk: KioskWindow) -> None:
    swipe(qtbot, kiosk, FOREIGN)
    issue_through_screens(qtbot, kiosk, "C", "C01")
    assert text(kiosk, "error_text") == "身份证号码无效：应为17位数字加1位校验码（数字或X），请核对"


def test_idle_timeout_clears_personal_data(qtbot, hall: Hall, tmp_path: Path) -> None:
    window = open_kiosk(qtbot, hall, tmp_path, idle=0.5)
    try:
        swipe(qtbot, window)
        issue_through_screens(qtbot, window, "A", "A01")
        assert RESIDENT.masked_id in text(window, "ticket_id")
        qtbot.waitUntil(lambda: window.model.screen == "attract", timeout=3000)
        qtbot_wait_render(window)
        assert window.model.citizen is None and window.model.ticket is None
        labels = [w.text() for w in window.findChildren(QLabel) if w.isVisible()]
        assert not any(RESIDENT.masked_id in t or "A001" in t for t in labels)
    finally:
        window.shutdown()


def test_appointment_qr_gives_a_priority_ticket(qtbot, hall: Hall, tmp_path: Path) -> None:
    now = time.time()
    hall.admin.issue("C", channel="staff")  # someone already waiting in the same theme
    hall.admin.save_appointment("AP123", "C05", now - 300, now + 1800)
    window = open_kiosk(qtbot, hall, tmp_path,
                        camera="sim://camera?codes=hallq:appt:AP123&loop=0&page=0&size=640x480")
    try:
        qtbot.waitUntil(lambda: window.model.screen == "ticket", timeout=8000)
        ticket = window.model.ticket
        assert ticket is not None
        assert (ticket["channel"], ticket["appointment_id"], ticket["item"]) == \
            ("appointment", "AP123", "C05")
        assert ticket["ahead"] == 0  # ahead of the walk-in who came first
        assert text(window, "appointment") == "预约签到成功 · 优先办理"
        queue = hall.admin.window_queue("20")
        assert [q["number"] for q in queue] == [ticket["number"], "C001"]
    finally:
        window.shutdown()


def test_a_number_taken_by_mistake_is_given_back(qtbot, kiosk: KioskWindow, hall: Hall) -> None:
    touch(qtbot, kiosk, "walk_in")
    issue_through_screens(qtbot, kiosk, "A", "A01")
    ticket = kiosk.model.ticket
    assert ticket is not None and "cancel_token" in ticket
    printed = kiosk.model.devices.printer.simulator.wait_tickets(1)
    link = urlsplit(printed[0].qr_payloads[0]).path            # the printed QR's phone page
    phone = httpx.get(hall.url + link, timeout=5)
    assert phone.status_code == 200 and "A001" in phone.text
    assert shown(kiosk, "cancel_ticket").text() == "取错了？取消此号"  # type: ignore[attr-defined]
    touch(qtbot, kiosk, "cancel_ticket")
    assert text(kiosk, "cancel_question") == "确定取消 A001 号吗？取消后需重新取号"
    touch(qtbot, kiosk, "keep_ticket")                          # changed their mind
    assert kiosk.model.screen == "ticket" and hall.admin.ticket(ticket["id"])["status"] == \
        "waiting"
    touch(qtbot, kiosk, "cancel_ticket")
    touch(qtbot, kiosk, "confirm_cancel")
    qtbot.waitUntil(lambda: kiosk.model.screen == "attract", timeout=5000)
    assert hall.admin.ticket(ticket["id"])["status"] == "cancelled"
    assert page_state(httpx.get(hall.url + link, timeout=5).text)["status"] == "cancelled"
    assert kiosk.model.cancel.token is None                     # forgotten with the session
