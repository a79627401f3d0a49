"""A pseudo-terminal pair for serial-device simulators.

The simulator owns the master side and reads/writes raw bytes; the driver opens the slave
path (``/dev/pts/N``) with pyserial exactly as it would open ``/dev/ttyUSB0``.
"""

from __future__ import annotations

import logging
import os
import pty
import select
import threading
import tty

log = logging.getLogger("hallq.devices.pty")


class PtySimulator:
    """Base of a serial simulator: subclasses implement :meth:`on_bytes`.

    ``start()`` runs a reader thread that hands every chunk read from the line to
    ``on_bytes``; ``write()`` sends bytes back to the driver; ``stop()`` closes both ends.
    ``unplug()`` closes the master so the driver sees the device vanish.
    """

    def __init__(self) -> None:
        self._master, self._slave = pty.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._running = False
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()

    def on_bytes(self, data: bytes) -> None:
        """Handle bytes the driver wrote to the line."""
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        """Send bytes to the driver."""
        with self._write_lock:
            view = memoryview(data)
            while view:
                written = os.write(self._master, view)
                view = view[written:]

    def start(self) -> PtySimulator:
        """Start serving in a daemon thread; returns self."""
        self._running = True
        self._thread = threading.Thread(target=self._loop, name=f"sim-{self.port}", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while self._running:
            try:
                ready, _, _ = select.select([self._master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self._master, 4096)
            except OSError:
                break
            if data:
                try:
                    self.on_bytes(data)
                except Exception:
                    log.exception("simulator on %s failed", self.port)

    def unplug(self) -> None:
        """Close the line as if the cable were pulled."""
        self._running = False
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self._master = self._slave = -1

    def stop(self) -> None:
        """Stop the reader thread and close the pty."""
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=1)
        if self._master >= 0:
            self.unplug()

    def __enter__(self) -> PtySimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
