"""The whole path through a hall, on loopback with the device simulators:

kiosk swipe (ID-card simulator) → ticket (the printer simulator renders a PNG) → the console
calls it (the window's LED screen shows it) → the wall display's model shows it and the widget
repaints → the announcement is queued and spoken → the citizen presses the rating pad → the
rating is recorded in the hall.

The kiosk and the console are driven through their view-models (``kiosk.viewmodel.KioskModel``,
``caller.viewmodel.CallerModel``) with real device drivers on simulators; the wall display is the
real widget with its controller and the announcer.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from caller.devices import CallerDevices
from caller.viewmodel import CallerModel, CallerSettings
from devices.idcard.samples import SAMPLE_CARDS
from devices.led.screen import call_text
from devices.registry import open_device
from display.announcer import Announcer
from display.app import WallDisplay
from display.audio import FileWriter
from display.viewmodel import DisplayModel
from display.wall import DisplayWindow
from hall.client import HallClient
from hall.node import HallNode
from hall.server import HallServer
from hallq.display_scenarios import open_all_day
from kiosk.devices import KioskDevices
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.caller_steps import sign_in
from tests.helpers.staff_pins import give_demo_pins
from ui.tasks import run_now

WINDOW = "1"


@dataclass
class Hall:
    """A hall node on loopback and a token per device."""

    server: HallServer
    tokens: dict[str, str]

    def client(self, name: str) -> HallClient:
        return HallClient(self.server.url, self.tokens[name])


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    node = HallNode(open_all_day(), tmp_path / "hall")
    give_demo_pins(node.store)
    tokens = {"kiosk": node.store.pair("kiosk", "kiosk-1"),
              "caller": node.store.pair("caller", "console-1", WINDOW),
              "display": node.store.pair("display", "wall"),
              "admin": node.store.pair("admin", "admin")}
    server = HallServer(node, host="127.0.0.1", port=0, advertise=False).start_in_thread()
    yield Hall(server, tokens)
    server.stop()


@pytest.fixture
def kiosk_devices(tmp_path: Path) -> Iterator[KioskDevices]:
    devices = KioskDevices.from_urls(idcard="sim://idcard?card=none",
                                     printer=f"sim://printer?out={tmp_path / 'tickets'}")
    yield devices
    devices.close()


def take_a_number(client: HallClient, devices: KioskDevices) -> dict:
    """The kiosk: a citizen swipes the ID card and takes a number; the ticket is printed
    without the ID number."""
    kiosk = KioskModel(client, devices, KioskSettings(name="kiosk-1"), run=run_now)
    kiosk.start()
    devices.id_reader.simulator.insert(SAMPLE_CARDS["resident"])
    card = devices.read_card()
    assert card is not None
    kiosk.card_read(card)
    assert kiosk.screen == "themes" and kiosk.citizen is not None
    kiosk.choose_theme("A")
    kiosk.take_number("A01")
    assert kiosk.screen == "ticket", kiosk.error
    ticket = kiosk.ticket
    assert ticket is not None and ticket["number"] == "A001"
    assert kiosk.print_state == "printed"
    [printed] = devices.printer.simulator.wait_tickets(1)
    assert printed.png_path is not None and printed.png_path.is_file()
    assert "A001" in printed.text
    assert card.id_number not in printed.text
    return ticket


def signed_in_console(client: HallClient, led: Any, pad: Any) -> CallerModel:
    """The console of the window, with its LED screen and rating pad, signed in by PIN."""
    console = CallerModel(client, WINDOW, CallerDevices(led=led, rating=pad),
                          CallerSettings(name="console-1", rating_timeout_s=5), run=run_now)
    console.start()
    sign_in(console)
    assert console.signed_in, console.message
    return console


def check_the_wall_shows_and_announces_a001(qtbot: QtBot, window: DisplayWindow,
                                            painted: list[int], announcer: Announcer) -> None:
    """The wall display shows the call, highlighted, and repaints; the announcement is
    queued, then spoken as a whole sentence by espeak-ng."""
    qtbot.waitUntil(lambda: WINDOW in window.model.current, timeout=5000)
    call = window.model.current[WINDOW]
    assert call.number == "A001" and window.model.highlighted(call)
    revision = window.model.revision
    qtbot.waitUntil(lambda: any(r >= revision for r in painted), timeout=3000)
    qtbot.waitUntil(lambda: any(t.prefix == "A" and t.waiting == 0
                                for t in window.model.themes), timeout=3000)
    assert announcer.wait_idle(20)
    [spoken] = announcer.announced
    assert (spoken.number, spoken.window, spoken.source) == ("A001", WINDOW, "sentence")
    assert spoken.text == "请 A001 号到 1 号窗口办理"
    assert Path(spoken.output).is_file()


def test_swipe_ticket_call_display_announce_rate(hall: Hall, kiosk_devices: KioskDevices,
                                                 tmp_path: Path, qtbot: QtBot) -> None:
    clients = [hall.client(name) for name in ("kiosk", "caller", "display", "admin")]
    kiosk_client, caller, display_client, admin = clients
    announcer = Announcer(player=FileWriter(tmp_path / "announcements"),
                          cache_dir=tmp_path / "sentences")
    window = DisplayWindow(DisplayModel(), animate=False)
    qtbot.addWidget(window)
    window.resize(960, 540)
    window.show()
    wall = WallDisplay(display_client, window=window, announcer=announcer).start()
    led = open_device(f"sim://led?addr={WINDOW}")
    pad = open_device(f"sim://rating?addr={WINDOW}&auto=4&delay=0.1")
    try:
        qtbot.waitUntil(lambda: window.model.loaded and window.model.connected, timeout=5000)
        ticket = take_a_number(kiosk_client, kiosk_devices)

        # the console calls it, the window's LED screen follows
        console = signed_in_console(caller, led, pad)
        painted: list[int] = []
        window.paint_listeners.append(painted.append)
        console.act("call")
        assert console.current is not None and console.current["id"] == ticket["id"]
        assert led.simulator.wait_for_text(int(WINDOW), call_text("A001", WINDOW))
        check_the_wall_shows_and_announces_a001(qtbot, window, painted, announcer)

        # finish: the rating pad asks, the citizen presses 4, the hall records it
        console.act("finish")
        assert console.rating is not None and console.rating.level == 4
        qtbot.waitUntil(lambda: WINDOW not in window.model.current, timeout=5000)
        assert admin.ticket(ticket["id"])["rating"] == 4
    finally:
        wall.stop()
        announcer.stop()
        led.close()
        pad.close()
        for client in clients:
            client.close()
