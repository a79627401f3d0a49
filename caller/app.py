"""The calling console app: the window that wires the model, the view, the window's devices
and the hall's events.

``hallq caller --url URL --token TOKEN --window 3 --led sim://led?addr=3
--rating sim://rating?addr=3&auto=5 --badge-reader sim://smartcard [--call-bar]`` runs it
(:func:`run`, or ``hallq.apps`` through :meth:`CallerWindow.from_args`). :class:`CallerWindow`
can also be built by another program (the demo) with its own client, event bridge and devices;
whoever builds them closes them: :meth:`CallerWindow.shutdown` stops what the window started,
and closes what :meth:`~CallerWindow.from_args` opened for it.
"""

from __future__ import annotations

import argparse
import logging
import threading
import weakref
from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QMainWindow

from caller.callbar import CallBar
from caller.devices import CallerDevices
from caller.hotkey import start_global_keys
from caller.pause import PAUSE_KEYS
from caller.view import CallerView
from caller.viewmodel import CallerModel, CallerSettings
from hall.client import HallApiError, HallClient
from ui.bridge import EventBridge
from ui.heartbeat import HEARTBEAT_S, Heartbeat
from ui.launch import add_hall_arguments, run_window
from ui.tasks import Tasks, weak_slot

log = logging.getLogger("hallq.caller")

_FUNCTION_KEYS = {getattr(Qt.Key, f"Key_F{n}"): f"F{n}" for n in range(1, 13)}


class CallerWindow(QMainWindow):
    """The console of one window: a :class:`CallerView` over a :class:`CallerModel`.

    F1…F8 drive the actions, F9…F12 the remote call at a window with video; on the sign-in
    screen digits, Backspace, Tab and Enter work the keypad. Hall calls run in workers; the
    LED screen and the rating pad each have their own worker lane; the badge reader reports
    cards from its own monitor thread. With ``heartbeat_s`` it sends the hall its heartbeat
    that often.
    """

    badge_seen = Signal(str)
    global_key = Signal(str)

    def __init__(self, client: HallClient, bridge: EventBridge | None, window: str,
                 devices: CallerDevices, lang: str = "zh",
                 settings: CallerSettings | None = None, call_bar: bool = False,
                 global_keys: bool = False, heartbeat_s: float | None = None) -> None:
        super().__init__()
        self.setWindowTitle(f"hallq 叫号 {window}号窗口 / Calling console, window {window}")
        self.tasks = Tasks(workers=4, name="caller-worker", parent=self)
        self.led_lane = Tasks(workers=1, name="caller-led", parent=self)
        self.rating_lane = Tasks(workers=1, name="caller-rating", parent=self)
        self.model = CallerModel(client, window, devices, settings, run=self.tasks.run,
                                 lanes={"led": self.led_lane.run, "rating": self.rating_lane.run},
                                 lang=lang)
        self.view = CallerView(self.model)
        self.setCentralWidget(self.view)
        self.resize(QSize(1920, 1080))
        self._closed = threading.Event()
        self._owned: list[Callable[[], None]] = []
        if bridge is not None:
            bridge.received.connect(self.model.on_event)
            bridge.connected.connect(self.model.set_connected)
        self.badge_seen.connect(self.model.badge_seen)
        if devices.badge is not None:
            self._watch_badges(devices)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(weak_slot(self._tick))
        self._clock.start()
        self.call_bar: CallBar | None = None
        if call_bar:
            self.show_call_bar()
        self.global_key.connect(self.model.press_key)
        self._stop_keys = start_global_keys(self.global_key.emit) if global_keys else None
        self.model.start()
        self.heartbeat = None if heartbeat_s is None else Heartbeat(
            client, self.model.device_states, self.model.settings.name, heartbeat_s).start()

    def show_call_bar(self) -> CallBar:
        """Show the always-on-top call bar (top right of the screen, where staff move it)."""
        if self.call_bar is None:
            self.call_bar = CallBar(self.model)
            screen = self.screen().availableGeometry()
            self.call_bar.move(screen.right() - self.call_bar.width() - 24, screen.top() + 24)
        self.call_bar.show()
        return self.call_bar

    @classmethod
    def from_args(cls, url: str, args: argparse.Namespace) -> CallerWindow:
        """A console on the hall at ``url`` for ``--window`` (default: the window the token
        is paired to) with the devices ``args`` name (``--led``, ``--rating``,
        ``--badge-reader`` or ``--smartcard``); its shutdown closes them, the client and the
        stream."""
        client = HallClient(url, args.token)
        try:
            window = getattr(args, "window", None) or client.hall()["device"]["window"]
            badge = getattr(args, "badge_reader", None) or getattr(args, "smartcard", None)
            devices = CallerDevices.from_urls(getattr(args, "led", None),
                                              getattr(args, "rating", None), badge) \
                if window else None
        except Exception:
            client.close()
            raise
        if devices is None:
            client.close()
            raise SystemExit("hallq caller: this token is not paired to a window; "
                             "give --window")
        settings = CallerSettings(name=getattr(args, "name", None) or f"console-{window}",
                                  rating_timeout_s=float(getattr(args, "rating_timeout", None)
                                                         or 30.0))
        bridge = EventBridge(url, args.token)
        console = cls(client, bridge, str(window), devices, getattr(args, "lang", "zh") or "zh",
                      settings, call_bar=bool(getattr(args, "call_bar", False)),
                      global_keys=not getattr(args, "no_global_keys", False),
                      heartbeat_s=HEARTBEAT_S)
        console._owned = [bridge.stop, devices.close, client.close]
        bridge.start()
        return console

    def _watch_badges(self, devices: CallerDevices) -> None:
        closed = self._closed
        console = weakref.ref(self)  # the reader must not keep the window alive

        def inserted(_atr: bytes, uid: str | None) -> None:  # from the reader's thread
            window = console()
            if window is not None and not closed.is_set():
                window.badge_seen.emit(uid or "")
        devices.badge.on_inserted(inserted)
        self.tasks.run(devices.badge.open, None,
                       partial(self.model.device_failed, "smartcard"))

    def _tick(self) -> None:
        self.view.tick(datetime.now())
        if self.call_bar is not None:
            self.call_bar.tick()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """F1…F12 act (after F7, 1-4 say why and Esc cancels); on the sign-in screen the
        keyboard works the keypad."""
        key = _FUNCTION_KEYS.get(Qt.Key(event.key()))
        model = self.model
        if model.pause_asked and (event.key() == Qt.Key.Key_Escape or event.text() in PAUSE_KEYS):
            model.press_key("Esc" if event.key() == Qt.Key.Key_Escape else event.text())
            return
        if key is not None:
            if key == "F6":
                self.view.open_transfer()
            else:
                model.press_key(key)
            return
        if not model.signed_in:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                model.sign_in_pin()
                return
            if event.key() == Qt.Key.Key_Backspace:
                model.keypad("⌫")
                return
            if event.key() == Qt.Key.Key_Tab:
                model.select_field("staff" if model.active_field == "pin" else "pin")
                return
            if event.text() and event.text().isalnum():
                model.keypad(event.text())
                return
        super().keyPressEvent(event)

    def shutdown(self) -> None:
        """Stop timers and workers (closing what :meth:`from_args` opened)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._clock.stop()
        if self._stop_keys is not None:
            self._stop_keys()
        if self.call_bar is not None:
            self.call_bar.close()
        self.model.close()
        if self.view.transfer_dialog is not None:
            self.view.transfer_dialog.close()
        for lane in (self.tasks, self.led_lane, self.rating_lane):
            lane.close()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        for close in self._owned:
            close()
        self._owned = []

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Closing the window stops its workers."""
        self.shutdown()
        super().closeEvent(event)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``hallq caller``."""
    add_hall_arguments(parser)
    parser.add_argument("--window", help="the window (default: the one the token is paired to)")
    parser.add_argument("--led", help="window LED screen URL, e.g. led:///dev/ttyUSB1?addr=3 "
                                      "or sim://led?addr=3")
    parser.add_argument("--rating", help="rating pad URL, e.g. rating:///dev/ttyUSB2?addr=3 "
                                         "or sim://rating?addr=3&auto=5")
    parser.add_argument("--badge-reader", help="staff badge reader URL, e.g. pcsc:// or "
                                               "sim://smartcard")
    parser.add_argument("--rating-timeout", type=float, default=30.0,
                        help="seconds the rating pad waits for the citizen")
    parser.add_argument("--call-bar", action="store_true",
                        help="also show the small always-on-top call bar (呼叫条)")
    parser.add_argument("--no-global-keys", action="store_true",
                        help="do not listen for Ctrl+F1…F5 while other programs have the "
                             "focus (X11 with pynput only)")


def run(args: argparse.Namespace) -> int:
    """Run the console until its window closes; the exit status."""
    return run_window(args, "hallq caller", CallerWindow.from_args,
                      plain=(HallApiError, OSError))
