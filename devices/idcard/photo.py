"""The card photo: 1024 bytes of WLT, a format only the vendors' licensed library decodes.

hallq ships no WLT decoder. A site that has one plugs it in with :func:`set_photo_decoder`;
until then :func:`decode_photo` answers "no image" with the reason, and the raw WLT bytes
stay available in :attr:`IdCardInfo.photo_wlt`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("hallq.devices.idcard")

NO_DECODER_REASON = ("未配置 WLT 照片解码器（需厂商授权的解码库）/ "
                     "no WLT photo decoder is configured (it needs the vendor's licensed library)")


class PhotoDecoder(Protocol):
    """Turns the card's WLT photo into PNG or BMP bytes, or None when it cannot."""

    def decode(self, wlt: bytes) -> bytes | None:
        """Decode one 1024-byte WLT photo."""
        ...


@dataclass(frozen=True)
class PhotoResult:
    """A decoded image (PNG/BMP bytes) or None, with the reason when there is none."""

    image: bytes | None
    reason: str = ""


_lock = threading.Lock()
_decoder: PhotoDecoder | None = None


def set_photo_decoder(decoder: PhotoDecoder | None) -> None:
    """Install the decoder every later :func:`decode_photo` uses (None removes it)."""
    global _decoder
    with _lock:
        _decoder = decoder


def get_photo_decoder() -> PhotoDecoder | None:
    """The installed decoder, or None (the default)."""
    return _decoder


def decode_photo(wlt: bytes) -> PhotoResult:
    """Decode a WLT photo with the installed decoder; never raises."""
    decoder = _decoder
    if decoder is None:
        return PhotoResult(None, NO_DECODER_REASON)
    name = type(decoder).__name__
    try:
        image = decoder.decode(wlt)
    except Exception:  # a third-party decoder's bug must not stop the kiosk
        log.exception("WLT photo decoder %s failed", name)
        return PhotoResult(None, f"照片解码器出错 / photo decoder {name} failed")
    if image is None:
        return PhotoResult(None, f"照片无法解码 / photo decoder {name} could not decode the photo")
    return PhotoResult(image)
