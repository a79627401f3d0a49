"""systemd's notify protocol without a dependency: one datagram to ``$NOTIFY_SOCKET``.

A unit with ``Type=notify`` waits for ``READY=1``; with ``WatchdogSec=`` it restarts the
service when no ``WATCHDOG=1`` arrives in time. Outside systemd (no ``$NOTIFY_SOCKET``) every
call here does nothing, so the commands run the same by hand and in tests.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

log = logging.getLogger("hallq.sd_notify")


def notify(message: str) -> bool:
    """Send ``message`` (``READY=1``, ``WATCHDOG=1``, ``STATUS=…``) to systemd; False when
    not run by systemd or the socket refuses it."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as err:
        log.warning("systemd notify socket %s refused %r: %s", address, message, err)
        return False
    return True


def watchdog_period() -> float | None:
    """Seconds between two ``WATCHDOG=1`` (a third of the unit's ``WatchdogSec=``), or None
    when systemd watches nothing for this process."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    # the watched process, or its child (a screen app under cage, with NotifyAccess=all)
    if not usec or (pid and pid not in (str(os.getpid()), str(os.getppid()))):
        return None
    try:
        return max(int(usec) / 3e6, 0.01)
    except ValueError:
        return None


class Watchdog:
    """A daemon thread that says ``READY=1`` once ``ready()`` is true, then ``WATCHDOG=1``
    every period while ``alive()`` is true: a process that hangs stops the pings, and
    systemd restarts it."""

    def __init__(self, ready: Callable[[], bool], alive: Callable[[], bool]) -> None:
        self.ready = ready
        self.alive = alive
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Watchdog:
        """Start watching when systemd asks for it (``$NOTIFY_SOCKET``); else nothing."""
        if os.environ.get("NOTIFY_SOCKET"):
            self._thread = threading.Thread(target=self._run, name="sd-notify", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop pinging (systemd is told the service is stopping)."""
        self.stopping.set()
        if self._thread is not None:
            notify("STOPPING=1")
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self.ready():
            if self.stopping.wait(0.05):
                return
        notify("READY=1")
        period = watchdog_period()
        if period is None:
            return
        while not self.stopping.wait(period):
            if self.alive():
                notify("WATCHDOG=1")
            else:
                log.error("not answering: no watchdog ping; systemd will restart the service")
