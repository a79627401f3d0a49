"""GA 467 "SAM" frames between a host and a resident ID-card reader.

Request:  ``AA AA AA 96 69 | LEN(2, big-endian) | CMD | PARA | DATA | CHK``
Response: ``AA AA AA 96 69 | LEN(2, big-endian) | SW1 SW2 SW3 | DATA | CHK``

``LEN`` counts every byte after itself (command or status bytes, data and the checksum);
``CHK`` is the XOR of the two length bytes and everything up to the checksum. ``SW3`` is the
SAM's status (0x90 success, 0x9F card found, 0x80 no card ...; see :data:`STATUS_TEXT`).

Error codes raised here (all :class:`devices.base.DeviceError` subclasses):

- ``idcard.checksum``       a frame's XOR checksum does not match
- ``idcard.frame``          a frame has an impossible length or a malformed body
- ``idcard.truncated``      a frame was cut off (card pulled mid-read, line interrupted)
- ``idcard.timeout``        the reader did not answer in time
- ``idcard.disconnected``   the reader is unplugged or its port cannot be opened
- ``idcard.no_card``        SW3 0x80: no card on the reader
- ``idcard.select_failed``  SW3 0x81: the card was found but could not be selected
- ``idcard.read_failed``    SW3 0x41: reading the card failed (card pulled mid-read)
- ``idcard.auth_failed``    SW3 0x31-0x33: card and SAM did not authenticate each other
- ``idcard.unknown_card``   SW3 0x40, or a text block of an unknown card type
- ``idcard.sam_error``      any other SW3 the SAM reports (0x10 0x11 0x21 0x23 0x24 0x47 0x60 0x66)
- ``idcard.parse``          the card's text block does not decode (raised by :mod:`.parse`)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from devices.base import DeviceDisconnected, DeviceError, DeviceTimeout
from devices.codes import DeviceErrorCode

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
#: Bytes before the body: preamble and the two length bytes.
HEADER_SIZE = len(PREAMBLE) + 2
#: Smallest LEN of a request (CMD PARA CHK) and of a response (SW1 SW2 SW3 CHK).
REQUEST_MIN_LENGTH = 3
RESPONSE_MIN_LENGTH = 4
#: Largest LEN accepted; the longest real answer (text + photo + fingerprint) is 0x090A.
MAX_LENGTH = 0x1000

# Commands (CMD, PARA).
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
READ_SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_BASE = (0x30, 0x01)
READ_APPENDED_ADDRESS = (0x30, 0x03)
READ_BASE_FINGERPRINT = (0x30, 0x10)

COMMAND_NAMES: dict[tuple[int, int], str] = {
    RESET_SAM: "reset_sam",
    SAM_STATUS: "sam_status",
    READ_SAM_ID: "read_sam_id",
    FIND_CARD: "find_card",
    SELECT_CARD: "select_card",
    READ_BASE: "read_base",
    READ_APPENDED_ADDRESS: "read_appended_address",
    READ_BASE_FINGERPRINT: "read_base_fingerprint",
}

# SW3 status codes.
SW_OK = 0x90
SW_NO_CONTENT = 0x91
SW_CARD_FOUND = 0x9F
SW_BAD_CHECKSUM = 0x10
SW_BAD_LENGTH = 0x11
SW_BAD_COMMAND = 0x21
SW_NOT_PERMITTED = 0x23
SW_UNRECOGNISED = 0x24
SW_CARD_AUTH_SAM_FAILED = 0x31
SW_SAM_AUTH_CARD_FAILED = 0x32
SW_VERIFY_FAILED = 0x33
SW_UNKNOWN_CARD = 0x40
SW_READ_FAILED = 0x41
SW_RANDOM_FAILED = 0x47
SW_SELF_TEST_FAILED = 0x60
SW_NOT_AUTHORISED = 0x66
SW_NO_CARD = 0x80
SW_SELECT_FAILED = 0x81

#: The SW3 codes of GA 467, in Chinese and English.
STATUS_TEXT: dict[int, tuple[str, str]] = {
    SW_OK: ("操作成功", "success"),
    SW_NO_CONTENT: ("居民身份证中此项无内容", "the card holds nothing for this item"),
    SW_CARD_FOUND: ("寻找居民身份证成功", "card found"),
    SW_BAD_CHECKSUM: ("接收业务终端数据的校验和错", "the SAM received a frame with a bad checksum"),
    SW_BAD_LENGTH: ("接收业务终端数据的长度错", "the SAM received a frame with a bad length"),
    SW_BAD_COMMAND: ("接收业务终端的命令错误", "the SAM received an invalid command"),
    SW_NOT_PERMITTED: ("越权操作", "operation not permitted"),
    SW_UNRECOGNISED: ("无法识别的错误", "unrecognised error"),
    SW_CARD_AUTH_SAM_FAILED: ("居民身份证认证SAM失败", "the card did not accept the SAM"),
    SW_SAM_AUTH_CARD_FAILED: ("SAM认证居民身份证失败", "the SAM did not accept the card"),
    SW_VERIFY_FAILED: ("信息验证错误", "the card's data failed verification"),
    SW_UNKNOWN_CARD: ("无法识别的卡类型", "unknown card type"),
    SW_READ_FAILED: ("读居民身份证操作失败", "reading the card failed"),
    SW_RANDOM_FAILED: ("取随机数失败", "the SAM could not get a random number"),
    SW_SELF_TEST_FAILED: ("SAM自检失败，不能接收命令", "the SAM failed its self-test"),
    SW_NOT_AUTHORISED: ("SAM未经授权，无法使用", "the SAM is not authorised"),
    SW_NO_CARD: ("寻找居民身份证失败", "no card found"),
    SW_SELECT_FAILED: ("选取居民身份证失败", "selecting the card failed"),
}


def status_text(sw3: int) -> str:
    """``"0x90 操作成功 / success"`` for a status code, unknown ones included."""
    zh, en = STATUS_TEXT.get(sw3, ("未知状态", "unknown status"))
    return f"0x{sw3:02X} {zh} / {en}"


# --- typed errors -------------------------------------------------------------------------


class IdCardError(DeviceError):
    """Base of every ID-card reader error."""

    code = DeviceErrorCode.IDCARD_ERROR
    message_zh = "身份证阅读器故障"
    message_en = "ID-card reader failure"


class ChecksumError(IdCardError):
    """A frame arrived with a wrong XOR checksum (line noise or a loose cable)."""

    code = DeviceErrorCode.IDCARD_CHECKSUM
    message_zh = "数据校验错误，请重新读卡"
    message_en = "A frame from the reader had a bad checksum; read the card again"


class FrameError(IdCardError):
    """A frame has an impossible length or a malformed body."""

    code = DeviceErrorCode.IDCARD_FRAME
    message_zh = "阅读器数据格式错误"
    message_en = "The reader sent a malformed frame"


class TruncatedFrameError(FrameError):
    """The line went quiet in the middle of a frame."""

    code = DeviceErrorCode.IDCARD_TRUNCATED
    message_zh = "数据不完整，读卡时请勿移开证件"
    message_en = "The frame was cut off (card pulled mid-read or line interrupted)"


class IdCardTimeout(DeviceTimeout, IdCardError):
    """The reader did not answer within the time limit."""

    code = DeviceErrorCode.IDCARD_TIMEOUT
    message_zh = "身份证阅读器无响应"
    message_en = "The ID-card reader did not answer in time"


class IdCardDisconnected(DeviceDisconnected, IdCardError):
    """The reader is unplugged or its serial port cannot be opened."""

    code = DeviceErrorCode.IDCARD_DISCONNECTED
    message_zh = "身份证阅读器未连接"
    message_en = "The ID-card reader is not connected"


class StatusError(IdCardError):
    """The SAM answered with a failure status; ``sw3`` holds it."""

    def __init__(self, sw3: int, detail: str = "") -> None:
        self.sw3 = sw3
        super().__init__(detail or status_text(sw3))


class NoCardError(StatusError):
    """SW3 0x80: no card on the reader."""

    code = DeviceErrorCode.IDCARD_NO_CARD
    message_zh = "请放置身份证"
    message_en = "No ID card on the reader"


class SelectFailedError(StatusError):
    """SW3 0x81: a card was found but could not be selected."""

    code = DeviceErrorCode.IDCARD_SELECT_FAILED
    message_zh = "选卡失败，请重新放置身份证"
    message_en = "The card could not be selected; place it again"


class ReadFailedError(StatusError):
    """SW3 0x41: reading failed, usually because the card was pulled mid-read."""

    code = DeviceErrorCode.IDCARD_READ_FAILED
    message_zh = "读卡失败，请将身份证放稳后重试"
    message_en = "Reading the card failed (card moved or pulled); hold it still and retry"


class AuthFailedError(StatusError):
    """SW3 0x31-0x33: the card and the SAM did not authenticate each other."""

    code = DeviceErrorCode.IDCARD_AUTH_FAILED
    message_zh = "证件认证失败，证件可能损坏"
    message_en = "Card authentication failed; the card may be damaged or not genuine"


class UnknownCardError(StatusError):
    """SW3 0x40 (or a text block of an unknown type): not a card this reader knows."""

    code = DeviceErrorCode.IDCARD_UNKNOWN_CARD
    message_zh = "无法识别的证件类型"
    message_en = "Unknown card type"


class SamError(StatusError):
    """Any other SAM failure (self-test, authorisation, bad command ...)."""

    code = DeviceErrorCode.IDCARD_SAM_ERROR
    message_zh = "阅读器安全模块(SAM)故障"
    message_en = "The reader's security module (SAM) reported an error"


_STATUS_ERRORS: dict[int, type[StatusError]] = {
    SW_NO_CARD: NoCardError,
    SW_SELECT_FAILED: SelectFailedError,
    SW_READ_FAILED: ReadFailedError,
    SW_CARD_AUTH_SAM_FAILED: AuthFailedError,
    SW_SAM_AUTH_CARD_FAILED: AuthFailedError,
    SW_VERIFY_FAILED: AuthFailedError,
    SW_UNKNOWN_CARD: UnknownCardError,
}


def status_error(sw3: int) -> StatusError:
    """The typed error for a failure status."""
    return _STATUS_ERRORS.get(sw3, SamError)(sw3)


# --- frames -------------------------------------------------------------------------------


def checksum(body: bytes) -> int:
    """XOR of ``body`` (the length bytes through the last data byte)."""
    value = 0
    for byte in body:
        value ^= byte
    return value


def _frame(payload: bytes) -> bytes:
    length = len(payload) + 1
    if length > 0xFFFF:
        raise ValueError(f"payload too long for a GA 467 frame: {len(payload)} bytes")
    body = struct.pack(">H", length) + payload
    return PREAMBLE + body + bytes([checksum(body)])


def encode_request(cmd: int, param: int, data: bytes = b"") -> bytes:
    """A host → reader frame."""
    return _frame(bytes([cmd, param]) + data)


def encode_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A reader → host frame (used by the simulator and tests)."""
    return _frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Request:
    """A decoded host → reader frame."""

    cmd: int
    param: int
    data: bytes = b""

    @classmethod
    def from_payload(cls, payload: bytes) -> Request:
        """Split a payload (bytes between LEN and CHK) into command, parameter and data."""
        if len(payload) < REQUEST_MIN_LENGTH - 1:
            raise FrameError(f"request payload of {len(payload)} bytes")
        return cls(payload[0], payload[1], bytes(payload[2:]))

    @property
    def name(self) -> str:
        """The command's name, or its hex bytes when unknown."""
        return COMMAND_NAMES.get((self.cmd, self.param), f"0x{self.cmd:02X}/0x{self.param:02X}")


@dataclass(frozen=True)
class Response:
    """A decoded reader → host frame."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    @classmethod
    def from_payload(cls, payload: bytes) -> Response:
        """Split a payload (bytes between LEN and CHK) into status and data."""
        if len(payload) < RESPONSE_MIN_LENGTH - 1:
            raise FrameError(f"response payload of {len(payload)} bytes")
        return cls(payload[0], payload[1], payload[2], bytes(payload[3:]))

    def expect(self, *ok: int) -> Response:
        """Return self when SW3 is one of ``ok``; raise the typed error of SW3 otherwise."""
        if self.sw3 not in ok:
            raise status_error(self.sw3)
        return self


class FrameDecoder:
    """Streaming decoder: feed bytes in any chunks, take whole frames out one by one.

    Garbage before a preamble is skipped. A bad length or checksum raises a typed error
    after dropping the bad preamble, so calling :meth:`next_frame` again resumes with
    whatever followed it.
    """

    def __init__(self, *, min_length: int = RESPONSE_MIN_LENGTH,
                 max_length: int = MAX_LENGTH) -> None:
        self.min_length = min_length
        self.max_length = max_length
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        """Add bytes read from the line."""
        self._buf += data

    def reset(self) -> None:
        """Forget everything buffered."""
        self._buf.clear()

    @property
    def in_frame(self) -> bool:
        """True when a frame has started (a preamble is buffered) but is not complete."""
        return self._buf.startswith(PREAMBLE)

    def finish(self) -> None:
        """The line went quiet: raise :class:`TruncatedFrameError` if a frame was cut off."""
        self._skip_garbage()
        if self.in_frame:
            have = len(self._buf)
            self.reset()
            raise TruncatedFrameError(f"line went quiet after {have} bytes of a frame")

    def next_frame(self) -> bytes | None:
        """The payload (between LEN and CHK) of the next whole frame, or None for now."""
        self._skip_garbage()
        if len(self._buf) < HEADER_SIZE:
            return None
        length = (self._buf[5] << 8) | self._buf[6]
        if not self.min_length <= length <= self.max_length:
            del self._buf[:1]  # drop this preamble; resync on the next one
            raise FrameError(f"impossible frame length {length}")
        end = HEADER_SIZE + length
        if len(self._buf) < end:
            return None
        frame = bytes(self._buf[:end])
        if checksum(frame[5:-1]) != frame[-1]:
            del self._buf[:1]
            raise ChecksumError(
                f"XOR 0x{checksum(frame[5:-1]):02X} != 0x{frame[-1]:02X} in a {end}-byte frame")
        del self._buf[:end]
        return frame[HEADER_SIZE:-1]

    def _skip_garbage(self) -> None:
        start = self._buf.find(PREAMBLE)
        if start > 0:
            del self._buf[:start]
        elif start < 0:
            # keep a tail that may be the start of a preamble split across chunks
            keep = next((n for n in range(len(PREAMBLE) - 1, 0, -1)
                         if self._buf.endswith(PREAMBLE[:n])), 0)
            del self._buf[:len(self._buf) - keep]


def decode_response_frame(frame: bytes) -> Response:
    """Decode exactly one whole response frame; raise a typed error if it is not one."""
    decoder = FrameDecoder()
    decoder.feed(frame)
    payload = decoder.next_frame()
    if payload is None:
        decoder.finish()
        raise FrameError("no frame in the given bytes")
    return Response.from_payload(payload)


# --- data of particular answers -----------------------------------------------------------

TEXT_SIZE = 256
PHOTO_SIZE = 1024
FINGERPRINT_SIZE = 1024
SAM_ID_SIZE = 16


@dataclass(frozen=True)
class CardData:
    """The raw blocks of a read-card answer."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None


def encode_card_data(text: bytes, photo: bytes, fingerprint: bytes | None = None,
                     *, with_fingerprint: bool = False) -> bytes:
    """The data of a read answer: lengths (2 bytes each, big-endian) then the blocks.

    With ``with_fingerprint`` the answer has a third length (0 when the card has none).
    """
    if not with_fingerprint:
        return struct.pack(">HH", len(text), len(photo)) + text + photo
    fp = fingerprint or b""
    return struct.pack(">HHH", len(text), len(photo), len(fp)) + text + photo + fp


def split_card_data(data: bytes, *, with_fingerprint: bool = False) -> CardData:
    """Split a read answer's data into text, photo (and fingerprint) blocks."""
    header = 6 if with_fingerprint else 4
    if len(data) < header:
        raise FrameError(f"read answer of {len(data)} bytes has no length header")
    lengths = struct.unpack(">HHH" if with_fingerprint else ">HH", data[:header])
    if header + sum(lengths) != len(data):
        raise FrameError(f"block lengths {lengths} do not add up to {len(data) - header} bytes")
    if lengths[0] != TEXT_SIZE:
        raise FrameError(f"text block of {lengths[0]} bytes, expected {TEXT_SIZE}")
    text = data[header:header + lengths[0]]
    photo = data[header + lengths[0]:header + lengths[0] + lengths[1]]
    fingerprint = data[header + lengths[0] + lengths[1]:] if with_fingerprint else None
    return CardData(text, photo, fingerprint or None)


def format_sam_id(data: bytes) -> str:
    """The printed SAM id, e.g. ``05.01-20101010-0000012345-0123456789``.

    The 16 bytes are two little-endian 16-bit numbers and three little-endian 32-bit numbers,
    printed the way the vendors' tools print them.
    """
    if len(data) != SAM_ID_SIZE:
        raise FrameError(f"SAM id of {len(data)} bytes, expected {SAM_ID_SIZE}")
    a, b, c, d, e = struct.unpack("<HHIII", data)
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"


def encode_sam_id(text: str) -> bytes:
    """Inverse of :func:`format_sam_id` (for the simulator)."""
    try:
        head, c, d, e = text.split("-")
        a, b = head.split(".")
        return struct.pack("<HHIII", int(a), int(b), int(c), int(d), int(e))
    except (ValueError, struct.error):
        raise ValueError(f"not a SAM id: {text!r}") from None
