"""The wall display app: a :class:`~display.wall.DisplayWindow` fed by a hall node.

:class:`WallDisplay` reads the hall (name, recent events, windows, services) in a worker thread,
then follows the event stream: each event updates the model on the Qt thread, a call is
announced, and the waiting counts are read again shortly after any event that changes them
(and every 30 s). Nothing here blocks the Qt thread on the network.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypedDict

from PySide6.QtCore import QObject, QTimer, Signal

from display.viewmodel import DisplayModel, windows_touched
from display.wall import DisplayWindow
from hall.client import HallApiError, HallClient
from hall.schemas import EventsBody, HallBody, ServiceBody, WindowBody
from ui.bridge import EventBridge

if TYPE_CHECKING:
    from display.announcer import Announcer

log = logging.getLogger("hallq.display")

#: How many past events are read at start to fill the "called earlier" list and the missed
#: numbers (a busy hall's day is a few thousand events; the node gives up to 10,000 at once).
HISTORY_EVENTS = 5000
RELOAD_DELAY_MS = 100
PERIODIC_RELOAD_MS = 30_000
RETRY_MS = 3_000


class StartRead(TypedDict):
    """What the display reads of the hall before it follows the stream."""

    hall: HallBody
    history: EventsBody
    """The last :data:`HISTORY_EVENTS` events."""
    windows: list[WindowBody]
    services: list[ServiceBody]


class WallDisplay(QObject):
    """Connects a model (and its window) to a hall node and an optional announcer."""

    loaded = Signal()
    _finished = Signal(object, object)

    def __init__(self, client: HallClient, model: DisplayModel | None = None,
                 window: DisplayWindow | None = None, announcer: Announcer | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.model = model or (window.model if window is not None else DisplayModel())
        self.window = window
        self.announcer = announcer
        self.bridge: EventBridge | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="display-io")
        self._reloading = False
        self._reload_again = False
        self._windows_reads = 0
        self._touched: set[str] = set()
        self._was_connected = False
        self._stopped = False
        self._finished.connect(self._deliver)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload_services)
        self._periodic = QTimer(self)
        self._periodic.setInterval(PERIODIC_RELOAD_MS)
        self._periodic.timeout.connect(self.reload_all)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> WallDisplay:
        """Read the hall, then follow its events."""
        self._run(self._read_start, self._started)
        return self

    def stop(self) -> None:
        """Stop following, stop the worker (the client is the caller's to close)."""
        self._stopped = True
        self._reload_timer.stop()
        self._periodic.stop()
        if self.bridge is not None:
            self.bridge.received.disconnect(self.on_event)
            self.bridge.connected.disconnect(self.on_connected)
            self.bridge.stop()
            self.bridge = None
        self._pool.shutdown(wait=True)

    def idle(self) -> bool:
        """True when no read of the waiting counts is pending."""
        return not self._reloading and not self._reload_timer.isActive()

    def _read_start(self) -> StartRead:
        last = int(self.client.health().get("last_seq", 0))
        history = self.client.events(after=max(0, last - HISTORY_EVENTS), limit=HISTORY_EVENTS)
        return {"hall": self.client.hall(), "history": history,
                "windows": self.client.windows(), "services": self.client.services()}

    def _started(self, data: StartRead) -> None:
        self.model.load_hall(data["hall"])
        today = self.model.day_of(time.time())
        for event in data["history"]["events"]:
            if self.model.day_of(float(event.get("ts", 0.0))) == today:
                self.model.apply(event, live=False)
        self.model.load_windows(data["windows"])
        self.model.load_services(data["services"])
        self.bridge = EventBridge(self.client.base_url, self.client.token,
                                  after=int(data["history"]["last_seq"]), parent=self)
        self.bridge.received.connect(self.on_event)
        self.bridge.connected.connect(self.on_connected)
        self.bridge.start()
        self._periodic.start()
        self._changed()
        self.loaded.emit()

    # ------------------------------------------------------------------ events
    def on_event(self, event: dict) -> None:
        """One event of the stream (on the Qt thread)."""
        outcome = self.model.apply(event)
        if self._windows_reads:
            self._touched |= windows_touched(event)
        if outcome.announce is not None and self.announcer is not None:
            self.announcer.announce(*outcome.announce)
        if outcome.announce_booth is not None and self.announcer is not None:
            self.announcer.announce_booth(*outcome.announce_booth)
        if outcome.changed:
            self._changed(waiting=event.get("kind", "").startswith("window."))
        if outcome.reload_services and not self._reload_timer.isActive():
            self._reload_timer.start()

    def on_connected(self, connected: bool) -> None:
        """The stream went up or down; after a drop, read everything again."""
        self.model.set_connected(connected)
        self._changed()
        if connected and self._was_connected:
            self.reload_all()
        self._was_connected = self._was_connected or connected

    # ------------------------------------------------------------------ reads
    def reload_services(self) -> None:
        """Read the waiting counts again (one read at a time)."""
        if self._reloading:
            self._reload_again = True
            return
        self._reloading = True
        self._run(self.client.services, self._services_read)

    def reload_all(self) -> None:
        """Read the windows and the waiting counts again. Windows changed by events while
        the read is under way keep what the events said."""
        if self._windows_reads == 0:
            self._touched = set()
        self._windows_reads += 1
        self._run(lambda: (self.client.windows(), self.client.services()), self._all_read)

    def _services_read(self, services: list[ServiceBody]) -> None:
        self._reloading = False
        self.model.load_services(services)
        self._changed(calls=False)
        if self._reload_again:
            self._reload_again = False
            self.reload_services()

    def _all_read(self, result: tuple[list[WindowBody], list[ServiceBody]]) -> None:
        self._windows_reads -= 1
        self.model.load_windows(result[0], keep=self._touched)
        self.model.load_services(result[1])
        self._changed()

    # ------------------------------------------------------------------ plumbing
    def _changed(self, calls: bool = True, waiting: bool = True) -> None:
        if self.window is not None:
            self.window.refresh(calls, waiting)

    def _run(self, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """Run ``work`` on the worker thread and ``then(result)`` back on the Qt thread."""
        if self._stopped:
            return
        future = self._pool.submit(work)
        future.add_done_callback(lambda done: self._finished.emit(then, done))

    def _deliver(self, then: Callable[[Any], None], done: Future) -> None:
        if self._stopped:
            return
        error = done.exception()
        if error is None:
            then(done.result())
            return
        if then == self._services_read:
            self._reloading = False
        if then == self._all_read:
            self._windows_reads -= 1
        message = error.message_zh if isinstance(error, HallApiError) else str(error)
        log.warning("reading the hall failed: %s", message)
        if then == self._started:
            QTimer.singleShot(RETRY_MS, self.start)
