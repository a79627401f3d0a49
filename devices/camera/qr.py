"""QR codes from camera frames: decode, report each code once, and tell what kind it is.

Payloads the hall understands:
    ``hallq:appt:<code>``                  an online appointment (网上预约) to check in
    ``hallq:ticket:<ticket id>``           a ticket taken by phone (微信取号), e.g. 20250101-A001
    ``https://<host>/.../t/<ticket id>``   the phone page of a ticket, whose QR the citizen shows
Anything else is kind ``unknown`` (the kiosk says it is not a hall code).

Error codes: camera.bad_image (a frame that is not a picture), plus the camera's own.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import cv2
import numpy as np

from devices.camera.capture import Camera
from devices.camera.errors import BadImage

log = logging.getLogger("hallq.devices.camera")

APPOINTMENT = "appointment"
TICKET = "ticket"
UNKNOWN = "unknown"

_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_URL_TICKET = re.compile(r"/t/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})/?")


@dataclass(frozen=True)
class ScannedCode:
    """A decoded QR payload: ``kind`` (appointment / ticket / unknown), its ``value``, ``raw``."""

    kind: str
    value: str
    raw: str


def classify(raw: str) -> ScannedCode:
    """What a QR payload means to the hall (never raises; unknown payloads keep ``raw``)."""
    text = raw.strip()
    for prefix, kind in (("hallq:appt:", APPOINTMENT), ("hallq:ticket:", TICKET)):
        if text.startswith(prefix) and _VALUE.fullmatch(text[len(prefix):]):
            return ScannedCode(kind, text[len(prefix):], raw)
    if text.startswith("https://"):
        try:
            parts = urlsplit(text)
        except ValueError:
            return ScannedCode(UNKNOWN, raw, raw)
        match = _URL_TICKET.search(parts.path)
        if parts.hostname and match and match.end() == len(parts.path):
            return ScannedCode(TICKET, match.group(1), raw)
    return ScannedCode(UNKNOWN, raw, raw)


def _gray(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.size == 0 or frame.ndim not in (2, 3):
        raise BadImage(f"not an image: {type(frame).__name__} "
                       f"{getattr(frame, 'shape', '')}")
    if frame.dtype != np.uint8:
        raise BadImage(f"pixels must be 8-bit, got {frame.dtype}")
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 3:
        return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    raise BadImage(f"an image has 1, 3 or 4 channels, got {frame.shape[2]}")


class QrDecoder:
    """Finds and decodes every QR code in a frame (cv2.QRCodeDetector).

    Detection runs on a copy whose long side is at most ``max_side`` pixels: a QR code held
    up to the kiosk camera stays readable, and decoding a 720p frame costs a quarter.
    """

    def __init__(self, max_side: int = 960) -> None:
        self.max_side = max_side
        self._detector = cv2.QRCodeDetector()

    def decode(self, frame: np.ndarray) -> list[str]:
        """The payloads of the QR codes in ``frame`` (BGR or gray), in no particular order."""
        gray = _gray(frame)
        scale = self.max_side / max(gray.shape[:2])
        if scale < 1:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        try:
            ok, texts, _, _ = self._detector.detectAndDecodeMulti(gray)
        except cv2.error as exc:  # seen on degenerate frames; a bad frame is not a crash
            log.debug("QR decode failed: %s", exc)
            return []
        if not ok:
            return []
        found: list[str] = []
        for text in texts:
            if text and text not in found:
                found.append(text)
        return found


class QrScanner:
    """Reads frames from a camera and reports each QR payload once while it stays in view.

    A payload is new when it was not seen within the last ``window`` seconds, so a phone held
    still in front of the camera for several seconds gives one check-in, not thirty.
    """

    def __init__(self, camera: Camera | None = None, *, window: float = 3.0,
                 callback: Callable[[ScannedCode], None] | None = None,
                 decoder: QrDecoder | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.camera = camera
        self.window = window
        self.callback = callback
        self.decoder = decoder or QrDecoder()
        self.clock = clock
        self._last_seen: dict[str, float] = {}

    def feed(self, frame: np.ndarray) -> list[str]:
        """Decode one frame; return the payloads not reported within the window."""
        now = self.clock()
        new: list[str] = []
        for raw in self.decoder.decode(frame):
            last = self._last_seen.get(raw)
            if last is None or now - last > self.window:
                new.append(raw)
            self._last_seen[raw] = now
        self._forget_before(now - self.window)
        for raw in new:
            code = classify(raw)
            log.info("QR code scanned: kind %s", code.kind)  # never the value: it names a person
            if self.callback is not None:
                try:
                    self.callback(code)
                except Exception:
                    log.exception("QR callback failed")
        return new

    def poll(self, timeout: float | None = None) -> list[str]:
        """Read one frame from the camera and return the new payloads in it."""
        if self.camera is None:
            raise ValueError("QrScanner.poll needs a camera; use feed(frame) without one")
        return self.feed(self.camera.read(timeout))

    def poll_codes(self, timeout: float | None = None) -> list[ScannedCode]:
        """Like :meth:`poll`, classified."""
        return [classify(raw) for raw in self.poll(timeout)]

    def _forget_before(self, cutoff: float) -> None:
        for raw in [raw for raw, seen in self._last_seen.items() if seen < cutoff]:
            del self._last_seen[raw]
