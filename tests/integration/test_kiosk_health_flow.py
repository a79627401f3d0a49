"""A kiosk whose printer is out of paper before anyone came, against a real hall node on
loopback and the ESC/POS printer simulator over TCP (``sim://printer?paper=out``): the home
screen says so and what still works, staff are told, and the banner goes once paper is back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from devices.registry import open_device
from hall.events import EventKind
from kiosk.app import KioskWindow
from kiosk.devices import KioskDevices
from kiosk.viewmodel import KioskSettings
from tests.helpers.hall_servers import Hall


@pytest.fixture
def kiosk(qtbot, hall: Hall) -> Iterator[KioskWindow]:
    devices = KioskDevices(id_reader=open_device("sim://idcard?card=none"),
                           printer=open_device("sim://printer?paper=out"))
    client = hall.client("kiosk")
    window = KioskWindow(client, None, devices, settings=KioskSettings(
        name="kiosk-entrance", printer_check_s=0.5))
    window._owned = [devices.close]
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()


def visible_texts(window: KioskWindow, name: str) -> list[str]:
    return [w.text() for w in window.findChildren(QLabel, name) if w.isVisible()]


def shown(window: KioskWindow, name: str) -> QWidget:
    return [w for w in window.findChildren(QWidget, name) if w.isVisible()][0]


def printer_events(hall: Hall) -> list[dict]:
    return [e["data"] for e in hall.client("admin").events()["events"]
            if e["kind"] == EventKind.DEVICE_STATUS and e["data"]["device"] == "printer"]


def test_paper_out_is_on_the_home_screen_before_the_first_citizen(qtbot, kiosk: KioskWindow,
                                                                  hall: Hall) -> None:
    qtbot.waitUntil(lambda: bool(visible_texts(kiosk, "health_line")), timeout=5000)
    assert visible_texts(kiosk, "health_line") == ["⚠ 打印机缺纸：仍可取号，请拍照或记下号码"]
    assert kiosk.model.screen == "attract" and kiosk.model.ticket is None
    qtbot.waitUntil(lambda: bool(printer_events(hall)), timeout=5000)
    assert printer_events(hall)[0] == {"device": "printer", "state": "paper_out",
                                       "where": "kiosk-entrance", "detail": "printer.paper_out"}
    assert shown(kiosk, "walk_in").isEnabled(), "numbers can still be taken"
    kiosk.model.devices.printer.simulator.set_paper("ok")  # a technician refills the roll
    qtbot.waitUntil(lambda: not visible_texts(kiosk, "health_line"), timeout=5000)
    qtbot.waitUntil(lambda: printer_events(hall)[-1]["state"] == "ready", timeout=5000)
    qtbot.mouseClick(shown(kiosk, "walk_in"), Qt.MouseButton.LeftButton)
    assert kiosk.model.screen == "themes"
