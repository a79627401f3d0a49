"""The kiosk app: the window that wires the model, the view, the devices and the hall's events.

``hallq kiosk --url URL --token TOKEN --idcard sim://idcard --printer sim://printer
--camera sim://camera [--doc-camera sim://camera?document=3] [--fullscreen]`` runs it
(:func:`run`, or ``hallq.apps`` through :meth:`KioskWindow.from_args`). :class:`KioskWindow`
can also be built by another program (the demo) with its own client, event bridge and devices;
whoever builds them closes them:
:meth:`KioskWindow.shutdown` stops what the window started, and closes what
:meth:`~KioskWindow.from_args` opened for it.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from hall.client import HallClient
from kiosk.devices import KioskDevices, OncePerPresence
from kiosk.view import KioskView
from kiosk.viewmodel import KioskModel, KioskSettings
from ui.bridge import EventBridge
from ui.heartbeat import HEARTBEAT_S, Heartbeat
from ui.launch import add_hall_arguments, run_window
from ui.tasks import Tasks, weak_slot

log = logging.getLogger("hallq.kiosk")

#: Seconds between polls of the ID-card reader and of the camera.
CARD_POLL_S = 0.3
QR_POLL_S = 0.3
_INPUT_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin}


class KioskWindow(QMainWindow):
    """The kiosk's main window: a :class:`KioskView` over a :class:`KioskModel`.

    Cards and QR codes come from pollers in worker threads; hall calls and printing run in
    workers too; the hall's events refresh the waiting figures. Give it a
    :class:`~hall.client.HallClient` to offer other halls (a plain HallClient issues
    every number here). With ``heartbeat_s`` it sends the hall its heartbeat that often.
    """

    def __init__(self, client: HallClient, bridge: EventBridge | None, devices: KioskDevices,
                 lang: str = "zh", settings: KioskSettings | None = None,
                 heartbeat_s: float | None = None) -> None:
        super().__init__()
        self.setWindowTitle("hallq 自助取号 / Self-service kiosk")
        self.tasks = Tasks(workers=4, name="kiosk-worker", parent=self)
        self.model = KioskModel(client, devices, settings, run=self.tasks.run, lang=lang)
        self.view = KioskView(self.model)
        self.setCentralWidget(self.view)
        self.resize(QSize(1920, 1080))
        self._closed = False
        self._owned: list[Callable[[], None]] = []
        if bridge is not None:
            bridge.received.connect(self.model.on_event)
            bridge.connected.connect(self.model.set_connected)
        self._start_pollers(devices)
        timeout_ms = self.model.settings.idle_timeout_s * 1000
        self._idle = QTimer(self)
        self._idle.setInterval(int(max(50, min(1000, timeout_ms / 4))))
        self._idle.timeout.connect(self.model.check_idle)
        self._idle.start()
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(weak_slot(self._tick))
        self._clock.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.model.start()
        self.heartbeat = None if heartbeat_s is None else Heartbeat(
            client, self.model.device_states, self.model.settings.name, heartbeat_s).start()

    @classmethod
    def from_args(cls, url: str, args: argparse.Namespace) -> KioskWindow:
        """A kiosk on the hall at ``url`` with the devices ``args`` name (``--idcard``,
        ``--printer``, ``--camera``); its shutdown closes them, the client and the stream."""
        devices = KioskDevices.from_urls(getattr(args, "idcard", None),
                                         getattr(args, "printer", None),
                                         getattr(args, "camera", None),
                                         getattr(args, "doc_camera", None))
        settings = KioskSettings(name=getattr(args, "name", None) or "kiosk",
                                 idle_timeout_s=float(getattr(args, "idle", None) or 60.0),
                                 elderly_idle_timeout_s=getattr(args, "elderly_idle", None),
                                 walk_in=not getattr(args, "no_walk_in", False),
                                 start_elderly=bool(getattr(args, "elderly", False)))
        client = HallClient(url, args.token)
        bridge = EventBridge(url, args.token)
        window = cls(client, bridge, devices, getattr(args, "lang", "zh") or "zh", settings,
                     heartbeat_s=HEARTBEAT_S)
        window._owned = [bridge.stop, devices.close, client.close]
        bridge.start()
        return window

    def _start_pollers(self, devices: KioskDevices) -> None:
        model = self.model
        # Every answered poll (a card or none) is delivered, so that a reader or camera that
        # answers again after a fault is shown working again on the home screen.
        if devices.id_reader is not None:
            self.tasks.poll("idcard", answered(OncePerPresence(devices.read_card)), CARD_POLL_S,
                            partial(self._polled, "idcard", model.card_read),
                            partial(model.device_failed, "idcard"))
        if devices.scanner is not None:
            self.tasks.poll("camera", answered(devices.scan_qr), QR_POLL_S,
                            partial(self._polled, "camera", model.qr_scanned),
                            partial(model.device_failed, "camera"))

    def _tick(self) -> None:
        self.view.set_clock(self.model.local_now())
        # the printer's status now and then; a pending referral to another hall once a second
        self.model.tick()

    def _polled(self, kind: str, handle: Callable[[Any], None], answer: tuple[Any]) -> None:
        self.model.device_ok(kind)
        if answer[0] is not None:
            handle(answer[0])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Any touch or key restarts the idle countdown."""
        if event.type() in _INPUT_EVENTS and isinstance(watched, QWidget) \
                and (watched is self or self.isAncestorOf(watched)):
            self.model.touch()
        return False

    def shutdown(self) -> None:
        """Stop timers, pollers and workers (the client, bridge and devices stay open)."""
        if self._closed:
            return
        self._closed = True
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._idle.stop()
        self._clock.stop()
        self.tasks.close()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        for close in self._owned:
            close()
        self._owned = []

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Closing the window stops its workers."""
        self.shutdown()
        super().closeEvent(event)


def answered(probe: Callable[[], Any]) -> Callable[[], tuple[Any]]:
    """``probe`` whose answer, None included, comes in a 1-tuple (a poller drops None)."""
    return lambda: (probe(),)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``hallq kiosk``."""
    add_hall_arguments(parser)
    parser.add_argument("--idcard", help="ID-card reader URL, e.g. ga467:///dev/ttyUSB0 or "
                                         "sim://idcard?card=none")
    parser.add_argument("--printer", help="ticket printer URL, e.g. escpos+tcp://HOST:9100 or "
                                          "sim://printer")
    parser.add_argument("--camera", help="QR camera URL, e.g. camera:///dev/video0 or "
                                         "sim://camera")
    parser.add_argument("--doc-camera", help="document camera (高拍仪) URL for self-service "
                                             "submissions, e.g. camera:///dev/video2 or "
                                             "sim://camera?document=3 (default: --camera)")
    parser.add_argument("--name", default="kiosk", help="this kiosk's name, told to staff "
                                                        "with device faults")
    parser.add_argument("--idle", type=float, default=60.0,
                        help="seconds without a touch before the start screen returns")
    parser.add_argument("--elderly-idle", type=float, default=None,
                        help="the same in elderly mode (default: twice --idle)")
    parser.add_argument("--no-walk-in", action="store_true",
                        help="require an ID card or appointment code to take a number")


def run(args: argparse.Namespace) -> int:
    """Run the kiosk until its window closes; the exit status."""
    return run_window(args, "hallq kiosk", KioskWindow.from_args)
