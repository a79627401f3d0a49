"""The windows of ``hallq demo``: wall display, kiosk, calling consoles and a simulator panel.

Each app gets its own client and event stream as it would on its own machine. The kiosk and
the consoles are opened when their packages provide ``kiosk.app.KioskWindow`` and
``caller.app.CallerWindow``; a missing one is reported and the rest still runs.
"""

from __future__ import annotations

import importlib
import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from devices.keypad.keys import LABELS, Key
from display.announcer import Announcer
from display.app import WallDisplay
from display.audio import choose_player
from display.viewmodel import DisplayModel
from display.wall import DisplayWindow
from hall.client import HallClient
from hallq.demo_devices import KEYPAD_WINDOW
from ui.bridge import EventBridge
from ui.heartbeat import HEARTBEAT_S, Heartbeat
from ui.qt import font

log = logging.getLogger("hallq.demo")

CONSOLE_WINDOWS = ("1", "14")
#: The console that also shows the always-on-top call bar (for staff working in another
#: program).
CALL_BAR_WINDOW = "1"
#: The wall display's languages take turns this often (seconds).
ALTERNATE_S = 20.0
#: How long the simulated card stays on the reader after "swipe".
CARD_ON_READER_S = 3.0


#: The keypad keys the panel offers, in its grid of two columns.
PANEL_KEYS = (Key.CALL, Key.RECALL, Key.START, Key.FINISH, Key.NO_SHOW, Key.PAUSE)


class SimulatorPanel(QWidget):
    """Buttons that act on the simulated devices: swipe the sample ID card, paper out/in, show
    the kiosk camera the demo appointment's QR code, and press window 14's keypad keys (with
    what its display shows)."""

    def __init__(self, devices: dict[str, Any], appointment_code: str | None = None) -> None:
        super().__init__()
        self.devices = devices
        self.appointment_code = appointment_code
        self.setWindowTitle("模拟设备 / Simulated devices")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("模拟设备 / Simulated devices"))
        actions = [("刷身份证 / Swipe the ID card", self.swipe_card),
                   ("打印机缺纸 / Printer paper out", lambda: self.paper("out")),
                   ("装纸 / Load paper", lambda: self.paper("ok"))]
        if appointment_code is not None and devices.get("camera") is not None:
            actions.append(("出示预约码 / Show the appointment QR", self.show_appointment))
        for text, action in actions:
            layout.addWidget(self._button(text, action))
        self.keypad = devices.get(f"keypad-{KEYPAD_WINDOW}")
        self.keypad_display = QLabel()
        if self.keypad is not None:
            layout.addWidget(QLabel(f"{KEYPAD_WINDOW}号窗口呼叫器 / Window {KEYPAD_WINDOW} keypad"))
            self.keypad_display.setFont(font(16))
            self.keypad_display.setStyleSheet(
                "background: #1d3b2a; color: #c8f7c5; padding: 6px; font-family: monospace;")
            layout.addWidget(self.keypad_display)
            grid = QGridLayout()
            for index, key in enumerate(PANEL_KEYS):
                zh, en = LABELS[key]
                grid.addWidget(self._button(f"{zh} / {en}", lambda _=False, k=key: self.press(k),
                                            size=16), index // 2, index % 2)
            layout.addLayout(grid)
            self.timer = QTimer(self)
            self.timer.timeout.connect(self.show_keypad)
            self.timer.start(300)
            self.show_keypad()

    def _button(self, text: str, action: Any, size: int = 18) -> QPushButton:
        button = QPushButton(text)
        button.setFont(font(size))
        button.setMinimumHeight(40)
        button.clicked.connect(action)
        return button

    def swipe_card(self) -> None:
        """Put the sample resident card on the reader for a few seconds."""
        reader = self.devices.get("idcard")
        if reader is None:
            return
        from devices.idcard.samples import SAMPLE_CARDS

        simulator = reader.simulator
        simulator.insert(SAMPLE_CARDS["resident"])
        timer = threading.Timer(CARD_ON_READER_S, simulator.remove)
        timer.daemon = True
        timer.start()

    def paper(self, state: str) -> None:
        """Set the simulated printer's paper roll."""
        printer = self.devices.get("printer")
        if printer is not None:
            printer.simulator.set_paper(state)

    def show_appointment(self) -> None:
        """Hold the demo appointment's QR code to the kiosk camera (the sample is written in
        a thread: it takes a moment)."""
        camera = self.devices.get("camera")
        code = self.appointment_code
        if camera is None or code is None:
            return
        threading.Thread(target=camera.play, args=([code],), daemon=True,
                         name="demo-show-qr").start()

    def press(self, key: Key) -> None:
        """Press ``key`` on window 14's simulated keypad."""
        if self.keypad is not None:
            self.keypad.simulator.press(key)

    def show_keypad(self) -> None:
        """Copy what the simulated keypad's display shows into the panel."""
        if self.keypad is not None:
            lines = self.keypad.simulator.keypads[int(KEYPAD_WINDOW)].lines
            self.keypad_display.setText("\n".join(line or " " for line in lines))


class DemoWindows:
    """Opens and closes every window of the demo."""

    def __init__(self, url: str, tokens: dict[str, str], devices: dict[str, Any],
                 data_dir: Path, lang: str = "zh", appointment_code: str | None = None) -> None:
        self.url = url
        self.appointment_code = appointment_code
        self.controller: Any = None
        self.tokens = tokens
        self.devices = devices
        self.data_dir = data_dir
        self.lang = lang
        self.clients: list[HallClient] = []
        self.bridges: list[EventBridge] = []
        self.windows: list[Any] = []
        self.wall: WallDisplay | None = None
        self.announcer: Announcer | None = None
        self.heartbeat: Heartbeat | None = None

    def _client(self, token_name: str) -> HallClient:
        # With the cloud calls (云叫号): the kiosk offers other halls, window 30 calls them.

        client = HallClient(self.url, self.tokens[token_name])
        self.clients.append(client)
        return client

    def _bridge(self, token_name: str) -> EventBridge:
        bridge = EventBridge(self.url, self.tokens[token_name]).start()
        self.bridges.append(bridge)
        return bridge

    def open(self) -> None:
        """Open every window, tiled over the screen."""
        area = self._screen_area()
        half_w, half_h = area.width() // 2, area.height() // 2
        self._open_wall(QRect(area.x() + half_w, area.y(), half_w, half_h))
        self._open_kiosk(QRect(area.x(), area.y(), half_w, half_h))
        for index, window in enumerate(CONSOLE_WINDOWS):
            third = area.width() // 3
            self._open_caller(window, QRect(area.x() + index * third, area.y() + half_h,
                                            third, half_h))
        self._start_controller()
        panel = SimulatorPanel(self.devices, self.appointment_code)
        panel.setGeometry(area.x() + 2 * (area.width() // 3) + 20, area.y() + half_h + 20,
                          440, 560)
        panel.show()
        self.windows.append(panel)

    def _screen_area(self) -> QRect:
        screen = QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1920, 1080)

    def _open_wall(self, where: QRect) -> None:
        window = DisplayWindow(DisplayModel(), lang=self.lang, alternate_s=ALTERNATE_S)
        self.announcer = Announcer(player=choose_player("auto", self.data_dir / "announcements"),
                                   out_dir=self.data_dir / "announcements")
        client = self._client("demo-wall")
        self.wall = WallDisplay(client, window=window, announcer=self.announcer).start()
        self.heartbeat = Heartbeat(client).start()
        window.setGeometry(where)
        window.show()
        self.windows.append(window)

    def _open_kiosk(self, where: QRect) -> None:
        try:
            app = importlib.import_module("kiosk.app")
            from kiosk.devices import KioskDevices
            from kiosk.viewmodel import KioskSettings
        except ImportError as err:
            print(f"hallq demo: the kiosk is not available yet ({err})")
            return
        camera = self.devices.get("camera")
        if camera is not None and not hasattr(camera, "poll"):
            from devices.camera.qr import QrScanner

            camera = QrScanner(camera)
        devices = KioskDevices(id_reader=self.devices.get("idcard"),
                               printer=self.devices.get("printer"), camera=camera,
                               document_camera=self.devices.get("doc_camera"))
        window = app.KioskWindow(self._client("demo-kiosk"), self._bridge("demo-kiosk"),
                                 devices, self.lang, KioskSettings(name="demo-kiosk"),
                                 heartbeat_s=HEARTBEAT_S)
        window.setGeometry(where)
        window.show()
        self.windows.append(window)

    def _open_caller(self, number: str, where: QRect) -> None:
        try:
            app = importlib.import_module("caller.app")
            from caller.devices import CallerDevices
            from caller.viewmodel import CallerSettings
        except ImportError as err:
            print(f"hallq demo: the calling console is not available yet ({err})")
            return
        name = f"demo-caller-{number}"
        devices = CallerDevices(led=self.devices.get(f"led-{number}"),
                                rating=self.devices.get(f"rating-{number}"))
        window = app.CallerWindow(self._client(name), self._bridge(name), number, devices,
                                  self.lang, CallerSettings(name=name),
                                  call_bar=number == CALL_BAR_WINDOW, heartbeat_s=HEARTBEAT_S)
        window.setGeometry(where)
        window.show()
        self.windows.append(window)

    def _start_controller(self) -> None:
        """The window controller of window 14 on its simulated keypad (the console drives
        that window's LED screen and rating pad)."""
        keypad = self.devices.get(f"keypad-{KEYPAD_WINDOW}")
        if keypad is None:
            return
        from caller.window_controller import WindowController

        client = self._client(f"demo-keypad-{KEYPAD_WINDOW}")
        self.controller = WindowController(client, KEYPAD_WINDOW, keypad,
                                           name=f"demo-keypad-{KEYPAD_WINDOW}").start()

    def close(self) -> None:
        """Stop what the windows started, then the streams and clients."""
        if self.controller is not None:
            self.controller.stop()
        for window in self.windows:
            shutdown = getattr(window, "shutdown", None)
            if shutdown is not None:
                shutdown()
            window.close()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self.wall is not None:
            self.wall.stop()
        if self.announcer is not None:
            self.announcer.stop(timeout=2)
        for bridge in self.bridges:
            bridge.stop()
        for client in self.clients:
            client.close()
