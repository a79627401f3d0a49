"""The bridge from a hall node's event stream into Qt signals, on the Qt thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from hall.client import EventStream


class EventBridge(QObject):
    """Delivers hall events to the Qt thread: ``received(dict)`` and ``connected(bool)``.

    The underlying :class:`~hall.client.EventStream` reconnects by itself and resumes after
    the last event, so a screen never misses a call after a network drop.
    """

    received = Signal(dict)
    connected = Signal(bool)

    def __init__(self, base_url: str, token: str, after: int = 0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stream = EventStream(base_url, token, self.received.emit, after=after,
                                   on_state=self.connected.emit)

    def start(self) -> EventBridge:
        """Start following the stream."""
        self._stream.start()
        return self

    def stop(self) -> None:
        """Stop following."""
        self._stream.stop()

    @property
    def last_seq(self) -> int:
        """The last event delivered."""
        return self._stream.last_seq
