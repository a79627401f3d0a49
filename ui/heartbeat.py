"""Each app's heartbeat: every :data:`HEARTBEAT_S` seconds, one small request that tells the
hall node this app is alive, what its clock says, and the state of each of its devices
(``POST /api/v1/devices/heartbeat``). The node calls an app it has not heard from for a minute
silent, and an app whose clock is off its own drifting (``hall/health.py``).

:class:`~ui.viewmodel.DeviceStates` holds the last state the app knows of each device
(``ready`` until a fault is reported); the view-model records every state it reports to the
hall there, so the heartbeat never says a device is fine while a fault stands.
:class:`Heartbeat` sends from its own thread, never the Qt thread; a hall that does not answer
is said once in the log, at INFO, and tried again at the next beat.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from hall.client import HallApiError, HallClient
from ui.viewmodel import DeviceStates

log = logging.getLogger("hallq.ui.heartbeat")

#: Seconds between two heartbeats (the node's limit is ``[rules] device_silent_limit_s``, 60).
HEARTBEAT_S = 20.0


class Heartbeat:
    """Sends the app's heartbeat at start and then every ``interval`` seconds until stopped."""

    def __init__(self, client: HallClient, states: DeviceStates | None = None,
                 where: str = "", interval: float = HEARTBEAT_S,
                 clock: Callable[[], float] = time.time) -> None:
        """``where``: the name the app reports its devices under (as its fault reports do)."""
        self.client = client
        self.states = states or DeviceStates()
        self.where = where
        self.interval = interval
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        #: Heartbeats the node acknowledged.
        self.sent = 0

    def start(self) -> Heartbeat:
        """Start beating in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop beating (waits for a beat under way)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def beat(self) -> bool:
        """Send one heartbeat now; whether the node took it."""
        try:
            self.client.heartbeat(self._clock(), self.states.reports(), self.where)
        except HallApiError as err:
            if not self._failing:
                log.info("heartbeat not taken (tried again every %g s): %s", self.interval, err)
            self._failing = True
            return False
        if self._failing:
            log.info("heartbeat taken again")
        self._failing = False
        self.sent += 1
        return True

    def _loop(self) -> None:
        self.beat()
        while not self._stop.wait(self.interval):
            self.beat()
