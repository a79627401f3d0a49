"""The devices of one kiosk: an ID-card reader, a ticket printer and a QR camera, each optional.

Each is opened from its device URL (``devices.registry.open_device``), e.g.
``ga467:///dev/idcard``, ``escpos+tcp://10.0.0.9:9100``, ``camera:///dev/video0`` or a
simulator ``sim://idcard?card=resident``. Every call here blocks: the kiosk runs them in
worker threads (:mod:`ui.tasks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devices.registry import close_all, open_all

if TYPE_CHECKING:
    from devices.camera.qr import QrScanner


#: How long one poll of the ID-card reader or the camera may take, in seconds.
READ_TIMEOUT_S = 1.0


@dataclass
class KioskDevices:
    """The kiosk's ID-card reader, ticket printer and camera (None when absent).

    ``scanner`` reads QR codes from ``camera``; it is made for the camera when not given (a
    scanner passed as ``camera`` is taken as the scanner). Self-service submissions photograph
    documents with ``document_camera`` (a document camera, 高拍仪, over the tray), or with
    ``camera`` when the kiosk has only one; then no QR codes are read while ``photographing``.
    """

    id_reader: Any = None
    printer: Any = None
    camera: Any = None
    scanner: QrScanner | None = None
    document_camera: Any = None
    photographing: bool = False

    def __post_init__(self) -> None:
        if self.camera is None or self.scanner is not None:
            return
        if hasattr(self.camera, "poll"):  # given a scanner already: keep its camera too
            self.scanner, self.camera = self.camera, getattr(self.camera, "camera", None)
            return
        from devices.camera.qr import QrScanner  # OpenCV loads only with a camera

        self.scanner = QrScanner(self.camera)

    @classmethod
    def from_urls(cls, idcard: str | None = None, printer: str | None = None,
                  camera: str | None = None, document_camera: str | None = None
                  ) -> KioskDevices:
        """Open the devices the URLs name; on a failure close what was opened and raise."""
        reader, ticket_printer, qr_camera, doc_camera = open_all(idcard, printer, camera,
                                                                 document_camera)
        return cls(reader, ticket_printer, qr_camera, document_camera=doc_camera)

    def kinds(self) -> list[str]:
        """The kinds of the devices present, as the kiosk reports them to the hall."""
        return [kind for kind, device in (("idcard", self.id_reader), ("printer", self.printer),
                                          ("camera", self.scanner)) if device is not None]

    def read_card(self) -> Any:
        """The card on the reader (an ``IdCardInfo``), or None."""
        if self.id_reader is None:
            return None
        return self.id_reader.read_card(timeout=READ_TIMEOUT_S)

    def scan_qr(self) -> str | None:
        """The payload of a QR code that came into view, or None (each code counts once
        while it stays in view)."""
        if self.scanner is None or (self.photographing and self.document_camera is None):
            return None
        codes = self.scanner.poll(READ_TIMEOUT_S)
        return codes[0] if codes else None

    def close(self) -> None:
        """Close every device (a simulator stops with its driver)."""
        close_all([self.id_reader, self.printer, self.camera, self.document_camera])


class OncePerPresence:
    """Turns repeated reader polls into single swipes: a card counts once, until the reader
    sees no card; then the next card counts again.

    ``probe()`` is called from a poller thread; only that thread uses this object.
    """

    def __init__(self, probe: Any) -> None:
        self._probe = probe
        self._present = False

    def __call__(self) -> Any:
        found = self._probe()
        if found is None:
            self._present = False
            return None
        if self._present:
            return None
        self._present = True
        return found
