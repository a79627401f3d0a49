"""Wire protocols of window LED screens; chosen per screen by the URL's ``protocol=`` param.

Adding a vendor's protocol is one small :class:`LedProtocol` subclass and one line in
:data:`PROTOCOLS`.

``hallbus`` (:class:`HallBusLedProtocol`) uses the frames of :mod:`devices.busframe`.
Commands (host -> screen), DATA layout, and the screen's reply:

======  ==============  ===========================================  =====================
CTRL    command         DATA                                         reply CTRL, DATA
======  ==============  ===========================================  =====================
0x30    status          (none)                                       0xB0, status
0x31    show text       effect byte, then the text in GB 18030       0xB1, status
0x32    clear           (none)                                       0xB2, status
0x33    brightness      level byte, 0 (dimmest) .. 15 (brightest)    0xB3, status
======  ==============  ===========================================  =====================

Effect byte: 0x00 static, 0x01 scroll left, 0x02 flash. Text: at most 252 bytes of GB 18030
(126 Chinese characters). Status byte: 0x00 done, 0x01 unknown command, 0x02 bad data
(undecodable text, bad effect or level). Screens do not reply to broadcast (address 0xFF).
Status changes nothing on the screen; a screen older than it answers 0x01 (unknown command),
which still tells that a screen is at that address (``hallq devices list`` asks it).

``rawline`` (:class:`RawLineLedProtocol`) is what some cheap single-line screens take: the
text in GB 18030 followed by CR (0x0D); an empty line clears. No address, no reply.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from typing import ClassVar

from devices import busframe
from devices.busframe import BROADCAST, FrameReply, ReplyReader
from devices.led.errors import LedBadText, LedBadValue, LedUnsupported

MAX_BRIGHTNESS = 15


class Effect(enum.Enum):
    """How the screen presents a text."""

    STATIC = "static"
    SCROLL = "scroll"
    FLASH = "flash"


@dataclass(frozen=True)
class LedAck:
    """A screen's answer to one command."""

    addr: int
    status: int

    @property
    def ok(self) -> bool:
        """True when the screen did the command."""
        return self.status == 0


def encode_text_gb18030(text: str, limit: int) -> bytes:
    """``text`` in GB 18030; LedBadText when empty, not encodable, or over ``limit`` bytes."""
    if not text:
        raise LedBadText("empty text (use clear() to blank the screen)")
    try:
        raw = text.encode("gb18030")
    except UnicodeEncodeError as exc:
        raise LedBadText(f"character at {exc.start} cannot be encoded") from None
    if len(raw) > limit:
        raise LedBadText(f"{len(raw)} bytes in GB 18030, the screen takes at most {limit}")
    return raw


def check_brightness(level: int) -> int:
    """Return ``level`` when it is 0..15; else raise LedBadValue."""
    if not 0 <= level <= MAX_BRIGHTNESS:
        raise LedBadValue(f"brightness {level}, expected 0..{MAX_BRIGHTNESS}")
    return level


class LedProtocol(abc.ABC):
    """How commands to one kind of screen are written as bytes and how it answers."""

    name: ClassVar[str]
    description: ClassVar[str]
    #: True when the screen answers each command (except broadcast).
    acknowledged: ClassVar[bool] = False

    @abc.abstractmethod
    def encode_text(self, addr: int, text: str, effect: Effect = Effect.STATIC) -> bytes:
        """The bytes that make screen ``addr`` show ``text``."""

    @abc.abstractmethod
    def encode_clear(self, addr: int) -> bytes:
        """The bytes that blank screen ``addr``."""

    def encode_brightness(self, addr: int, level: int) -> bytes:
        """The bytes that set the brightness (0..15) of screen ``addr``."""
        raise LedUnsupported(f"protocol {self.name!r} has no brightness command")

    def ack_reader(self, request: bytes) -> ReplyReader[LedAck] | None:
        """A reader for the screen's answer to ``request``; None when no answer comes."""
        return None


class HallBusAck:
    """Reads the ``CTRL | 0x80`` reply of a hallbus screen into a :class:`LedAck`."""

    def __init__(self, addr: int, ctrl: int) -> None:
        self._reply = FrameReply(addr, ctrl)

    def feed(self, data: bytes) -> LedAck | None:
        """Add bytes; the ack once complete."""
        frame = self._reply.feed(data)
        if frame is None:
            return None
        if len(frame.data) != 1:
            raise busframe.BusLengthError(f"ack with {len(frame.data)} data bytes, expected 1")
        return LedAck(frame.addr, frame.data[0])


class HallBusLedProtocol(LedProtocol):
    """Screens on a hall bus with busframe frames (see the module docstring)."""

    name = "hallbus"
    description = "hall bus frames FF 68 L L 68 … 16, GB 18030 text, acknowledged"
    acknowledged = True

    STATUS = 0x30
    SHOW_TEXT = 0x31
    CLEAR = 0x32
    BRIGHTNESS = 0x33
    EFFECT_CODES: ClassVar[dict[Effect, int]] = {
        Effect.STATIC: 0x00, Effect.SCROLL: 0x01, Effect.FLASH: 0x02}
    MAX_TEXT = busframe.MAX_DATA - 1  # one DATA byte is the effect
    STATUS_TEXT: ClassVar[dict[int, str]] = {
        0x00: "done", 0x01: "unknown command", 0x02: "bad data"}

    def encode_text(self, addr: int, text: str, effect: Effect = Effect.STATIC) -> bytes:
        """Frame 0x31: effect byte + GB 18030 text."""
        raw = encode_text_gb18030(text, self.MAX_TEXT)
        return busframe.encode(addr, self.SHOW_TEXT, bytes((self.EFFECT_CODES[effect],)) + raw)

    def encode_clear(self, addr: int) -> bytes:
        """Frame 0x32 without data."""
        return busframe.encode(addr, self.CLEAR)

    def encode_brightness(self, addr: int, level: int) -> bytes:
        """Frame 0x33 with the level byte."""
        return busframe.encode(addr, self.BRIGHTNESS, bytes((check_brightness(level),)))

    def ack_reader(self, request: bytes) -> ReplyReader[LedAck] | None:
        """Reads the ``CTRL | 0x80`` ack; None for broadcast, which is never acknowledged."""
        frame = busframe.decode(request)
        if frame.addr == BROADCAST:
            return None
        return HallBusAck(frame.addr, frame.ctrl)


class RawLineLedProtocol(LedProtocol):
    """Cheap one-line screens: GB 18030 text + CR; no address, no answer."""

    name = "rawline"
    description = "GB 18030 text line ended by CR, no address, no acknowledgement"

    MAX_TEXT = 256

    def encode_text(self, addr: int, text: str, effect: Effect = Effect.STATIC) -> bytes:
        """The text and CR; the effect is ignored (these screens show text statically)."""
        if "\r" in text or "\n" in text:
            raise LedBadText("line breaks cannot be sent to a one-line screen")
        return encode_text_gb18030(text, self.MAX_TEXT) + b"\r"

    def encode_clear(self, addr: int) -> bytes:
        """An empty line."""
        return b"\r"


#: protocol name (the URL's ``protocol=``) -> class.
PROTOCOLS: dict[str, type[LedProtocol]] = {
    HallBusLedProtocol.name: HallBusLedProtocol,
    RawLineLedProtocol.name: RawLineLedProtocol,
}
