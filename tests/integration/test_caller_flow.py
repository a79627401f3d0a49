"""The calling console end to end: a real hall node on loopback, the window's LED screen,
rating pad and badge reader simulators, and the console driven by clicks and F1…F8."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from caller.app import CallerWindow
from caller.devices import CallerDevices
from caller.viewmodel import CallerSettings
from devices.registry import open_device
from hall.client import HallClient
from hall.config import EXAMPLE_HALL, load_config
from hall.events import EventKind
from hall.node import HallNode
from hall.server import HallServer
from tests.helpers.staff_pins import give_demo_pins
from ui.bridge import EventBridge

WINDOW = "3"  # skills: A only
BADGE_S001 = "04A1B2C3D4E5F6"  # hall/example_hall.toml


@dataclass
class Hall:
    """A hall node on loopback with a console token for window 3 and an admin client."""

    url: str
    caller_token: str
    admin: HallClient


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    config = load_config(EXAMPLE_HALL)
    config = replace(config, rules=replace(config.rules, open_all_day=True))
    node = HallNode(config, tmp_path / "hall")
    give_demo_pins(node.store)
    caller_token = node.store.pair("caller", "console-3", WINDOW)
    admin_token = node.store.pair("admin", "test-admin", None)
    server = HallServer(node, port=0, advertise=False).start_in_thread()
    admin = HallClient(server.url, admin_token)
    yield Hall(server.url, caller_token, admin)
    # The stream's server side notices a closed socket only when it sends: one last event
    # lets it finish at once instead of at uvicorn's graceful-shutdown timeout.
    admin.device_status("test", "done")
    admin.close()
    server.stop()


def open_console(qtbot, hall: Hall, devices: CallerDevices) -> CallerWindow:
    client = HallClient(hall.url, hall.caller_token)
    bridge = EventBridge(hall.url, hall.caller_token)
    console = CallerWindow(client, bridge, WINDOW, devices,
                           settings=CallerSettings(name="console-3", rating_timeout_s=10))
    console._owned = [bridge.stop, devices.close, client.close]
    bridge.start()
    qtbot.addWidget(console)
    console.show()
    qtbot.waitUntil(lambda: console.model.window_info is not None, timeout=5000)
    return console


@pytest.fixture
def console(qtbot, hall: Hall) -> Iterator[CallerWindow]:
    devices = CallerDevices(led=open_device(f"sim://led?addr={WINDOW}"),
                            rating=open_device(f"sim://rating?addr={WINDOW}"))
    window = open_console(qtbot, hall, devices)
    yield window
    window.shutdown()


def settle(console: CallerWindow) -> None:
    for _ in range(3):
        QApplication.processEvents()


def shown(console: CallerWindow, name: str) -> QWidget:
    settle(console)
    found = [w for w in console.findChildren(QWidget, name) if w.isVisible()]
    assert found, f"no visible {name!r}"
    return found[0]


def text(console: CallerWindow, name: str) -> str:
    widget = shown(console, name)
    assert isinstance(widget, QLabel | QPushButton)
    return widget.text()


def click(qtbot, console: CallerWindow, name: str) -> None:
    qtbot.mouseClick(shown(console, name), Qt.MouseButton.LeftButton)


def key(qtbot, console: CallerWindow, number: int) -> None:
    """Press F<number> and wait until the hall answered and the console reloaded."""
    qtbot.keyClick(console, getattr(Qt.Key, f"Key_F{number}"))
    qtbot.waitUntil(lambda: not console.model.busy and not console.model._refreshing,
                    timeout=5000)
    settle(console)


def sign_in_with_keypad(qtbot, console: CallerWindow, pin: str = "1234") -> None:
    for pressed in "S001":
        click(qtbot, console, f"key-{pressed}")
    click(qtbot, console, "pin_field")
    for pressed in pin:
        click(qtbot, console, f"key-{pressed}")
    assert text(console, "pin_field") == "●" * len(pin)
    click(qtbot, console, "sign_in")


def test_pin_sign_in(qtbot, console: CallerWindow, hall: Hall) -> None:
    assert not console.model.signed_in
    sign_in_with_keypad(qtbot, console, pin="9999")
    qtbot.waitUntil(lambda: console.model.message is not None, timeout=5000)
    assert text(console, "message") == "工号、工牌或密码错误"
    click(qtbot, console, "key-clear")
    sign_in_with_keypad(qtbot, console)
    qtbot.waitUntil(lambda: console.model.signed_in, timeout=5000)
    window = next(w for w in hall.admin.windows() if w["number"] == WINDOW)
    assert (window["status"], window["staff_id"]) == ("open", "S001")
    assert text(console, "staff") == "王晓明 S001"
    assert text(console, "connection") == "● 已连接大厅"


def test_keys_drive_the_window_the_led_and_the_rating(qtbot, console: CallerWindow,
                                                      hall: Hall) -> None:
    hall.admin.sign_in(WINDOW, staff_id="S001", pin="1234")
    first = hall.admin.issue("A01", channel="staff")
    hall.admin.issue("B01", channel="staff")  # not for window 3
    second = hall.admin.issue("A02", channel="staff")
    qtbot.waitUntil(lambda: len(console.model.queue) == 2, timeout=5000)
    settle(console)
    numbers = [w.text() for w in console.findChildren(QLabel, "queue_number") if w.isVisible()]
    assert numbers == ["A001", "A002"]
    led = console.model.devices.led.simulator
    pad = console.model.devices.rating.simulator

    key(qtbot, console, 1)  # call next
    assert text(console, "current_number") == "A001"
    assert led.wait_for_text(int(WINDOW), "A001 请到3号窗口")
    key(qtbot, console, 2)  # recall
    assert hall.admin.ticket(first["id"])["recalls"] == 1
    key(qtbot, console, 3)  # start serving
    assert hall.admin.ticket(first["id"])["status"] == "serving"
    key(qtbot, console, 4)  # finish: the pad asks the citizen
    qtbot.waitUntil(lambda: pad.pads[int(WINDOW)].lit, timeout=5000)
    assert pad.press(4)
    qtbot.waitUntil(lambda: console.model.rating is not None
                    and console.model.rating.level == 4, timeout=5000)
    assert hall.admin.ticket(first["id"])["rating"] == 4
    assert text(console, "rating") == "A001 评价：满意"
    assert text(console, "served") == "今日办结 1 件"

    key(qtbot, console, 1)
    assert text(console, "current_number") == "A002"
    assert led.wait_for_text(int(WINDOW), "A002 请到3号窗口")
    key(qtbot, console, 5)  # no-show at once: the hall's minimum is not reached
    assert text(console, "message").startswith("还不能过号：请再等")
    assert text(console, "no_show_wait").endswith("或重呼 1 次")
    assert hall.admin.ticket(second["id"])["status"] == "called"
    key(qtbot, console, 2)  # one recall is enough; F5 then asks to be pressed again
    key(qtbot, console, 5)
    assert text(console, "message") == "确认过号？再按 F5 确认"
    assert hall.admin.ticket(second["id"])["status"] == "called"
    key(qtbot, console, 5)  # confirmed
    assert hall.admin.ticket(second["id"])["status"] == "no_show"
    assert text(console, "undo_no_show").startswith("撤销过号 A002（")
    click(qtbot, console, "undo_no_show")  # the citizen walks up after all
    qtbot.waitUntil(lambda: hall.admin.ticket(second["id"])["status"] == "called",
                    timeout=5000)
    qtbot.waitUntil(lambda: console.model.current is not None, timeout=5000)
    assert text(console, "current_number") == "A002"
    assert led.wait_for_text(int(WINDOW), "A002 请到3号窗口")
    key(qtbot, console, 5)
    key(qtbot, console, 5)  # and then did not come after all
    assert hall.admin.ticket(second["id"])["status"] == "no_show"
    key(qtbot, console, 7)  # pause: first, why?
    assert text(console, "pause_prompt") == "请选择暂停原因" and console.model.status == "open"
    qtbot.keyClicks(console, "3")  # 会议
    qtbot.waitUntil(lambda: console.model.status == "paused", timeout=5000)
    assert hall.admin.windows()[int(WINDOW) - 1]["pause_reason"] == "meeting"
    assert text(console, "pause_reason") == "会议" and text(console, "status") == "暂停中 · 会议"
    assert led.wait_for_text(int(WINDOW), "暂停服务")
    key(qtbot, console, 1)  # refused while paused: a sentence, not a call
    assert text(console, "message").startswith("窗口已暂停")
    key(qtbot, console, 8)  # resume
    assert console.model.status == "open"

    third = hall.admin.issue("A03", channel="staff")
    qtbot.waitUntil(lambda: len(console.model.queue) == 1, timeout=5000)
    key(qtbot, console, 1)
    qtbot.keyClick(console, Qt.Key.Key_F6)  # transfer: a small dialog
    dialog = console.view.transfer_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.findChild(QPushButton, "to-theme-C"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: console.model.current is None and not console.model.busy,
                    timeout=5000)
    moved = hall.admin.ticket(third["id"])
    assert (moved["status"], moved["service"]) == ("waiting", "C")
    events = [e["kind"] for e in hall.admin.events()["events"]]
    assert events.count(EventKind.TICKET_CALLED) == 3 and EventKind.TICKET_TRANSFERRED in events


def test_badge_sign_in(qtbot, hall: Hall) -> None:
    badge = open_device(f"sim://smartcard?uid={BADGE_S001}&slot=1&inserted=0")
    console = open_console(qtbot, hall, CallerDevices(badge=badge))
    try:
        assert not console.model.signed_in
        qtbot.waitUntil(lambda: badge.reader_name is not None, timeout=5000)
        badge.simulator.insert()
        qtbot.waitUntil(lambda: console.model.signed_in, timeout=8000)
        window = next(w for w in hall.admin.windows() if w["number"] == WINDOW)
        assert window["staff_id"] == "S001"
    finally:
        console.shutdown()
