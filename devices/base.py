"""What every device kind shares: the state enum, typed errors and the URL that names a device.

A device kind (ID-card reader, ticket printer, camera, LED screen, rating pad, smart card)
has one interface class deriving from :class:`Device`, one driver class per transport, and a
simulator that speaks the real protocol over a real transport.

Error codes are stable (``<kind>.<what>``, e.g. ``printer.paper_out``), members of
``devices.codes.DeviceErrorCode``; each error carries a Chinese message first and an English
one, both readable by a technician.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from devices.codes import DeviceErrorCode

log = logging.getLogger("hallq.devices")


class DeviceState(enum.Enum):
    """The state of one device, as a technician and the apps see it."""

    UNKNOWN = "unknown"
    READY = "ready"
    BUSY = "busy"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    CARD_ABSENT = "card_absent"
    CARD_PRESENT = "card_present"
    DISCONNECTED = "disconnected"
    ERROR = "error"


#: States in which the device can do its job.
OPERATIONAL_STATES = frozenset(
    {DeviceState.READY, DeviceState.BUSY, DeviceState.PAPER_LOW,
     DeviceState.CARD_ABSENT, DeviceState.CARD_PRESENT}
)
#: States that need a person to act (refill paper, plug in, repair).
ATTENTION_STATES = frozenset(
    {DeviceState.PAPER_LOW, DeviceState.PAPER_OUT, DeviceState.COVER_OPEN,
     DeviceState.DISCONNECTED, DeviceState.ERROR}
)


class DeviceError(Exception):
    """A known device failure with a stable code and a message in Chinese and English."""

    code: DeviceErrorCode = DeviceErrorCode.DEVICE_ERROR
    message_zh = "设备故障"
    message_en = "Device failure"

    def __init__(self, detail: str = "", *, code: DeviceErrorCode | None = None,
                 message_zh: str | None = None, message_en: str | None = None) -> None:
        if code is not None:
            self.code = code
        if message_zh is not None:
            self.message_zh = message_zh
        if message_en is not None:
            self.message_en = message_en
        self.detail = detail
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line for a technician: code, Chinese, English and the detail."""
        text = f"[{self.code}] {self.message_zh} / {self.message_en}"
        return f"{text}: {self.detail}" if self.detail else text


class DeviceTimeout(DeviceError):
    """The device did not answer within its time limit."""

    code = DeviceErrorCode.DEVICE_TIMEOUT
    message_zh = "设备无响应"
    message_en = "The device did not answer in time"


class DeviceDisconnected(DeviceError):
    """The device is unplugged or its port cannot be opened."""

    code = DeviceErrorCode.DEVICE_DISCONNECTED
    message_zh = "设备未连接"
    message_en = "The device is not connected"


class DeviceURLError(DeviceError):
    """A device URL that names no known device or transport."""

    code = DeviceErrorCode.DEVICE_BAD_URL
    message_zh = "设备地址无效"
    message_en = "Invalid device URL"


@dataclass(frozen=True)
class DeviceURL:
    """A parsed device URL such as ``ga467:///dev/ttyUSB0?baud=115200``.

    ``scheme`` is the whole scheme (``escpos+tcp``); ``kind`` its part before ``+`` and
    ``transport`` the part after it (empty when there is none).
    """

    raw: str
    scheme: str
    kind: str
    transport: str
    host: str
    port: int | None
    path: str
    params: dict[str, str] = field(default_factory=dict)

    def param(self, name: str, default: str | None = None) -> str | None:
        """A query parameter, or ``default``."""
        return self.params.get(name, default)

    def int_param(self, name: str, default: int) -> int:
        """A query parameter as an int, or ``default``; a clear error when it is not a number."""
        value = self.params.get(name)
        if value is None:
            return default
        try:
            return int(value, 0)
        except ValueError:
            raise DeviceURLError(f"{name}={value!r} is not a number in {self.raw}") from None


def parse_device_url(url: str) -> DeviceURL:
    """Parse a device URL; raise :class:`DeviceURLError` when it has no scheme."""
    parts = urlsplit(url)
    if not parts.scheme:
        raise DeviceURLError(f"no scheme in {url!r}")
    scheme = parts.scheme.lower()
    kind, _, transport = scheme.partition("+")
    try:
        port = parts.port
    except ValueError:
        raise DeviceURLError(f"bad port in {url!r}") from None
    return DeviceURL(
        raw=url, scheme=scheme, kind=kind, transport=transport,
        host=parts.hostname or "", port=port, path=parts.path,
        params=dict(parse_qsl(parts.query)),
    )


StateListener = Callable[["DeviceState", "DeviceState"], None]


class Device:
    """Base of every device: a URL, a state, and listeners told of each state change."""

    kind = "device"

    def __init__(self, url: str) -> None:
        self.url = url
        self._state = DeviceState.UNKNOWN
        self._settled = DeviceState.UNKNOWN     # the last state other than BUSY, as logged
        self._listeners: list[StateListener] = []
        self._state_lock = threading.Lock()

    @property
    def state(self) -> DeviceState:
        """The current state."""
        return self._state

    def on_state_change(self, listener: StateListener) -> None:
        """Call ``listener(old, new)`` after each change of state."""
        self._listeners.append(listener)

    def _set_state(self, new: DeviceState) -> None:
        with self._state_lock:
            old, self._state = self._state, new
        if old is new:
            return
        # A reader is BUSY for each poll, several times a second: the hall's log gets a line
        # when the state it settles in changes (card_absent -> card_present), not each poll.
        if new is DeviceState.BUSY or new is self._settled:
            log.debug("%s %s: %s -> %s", self.kind, self.url, old.value, new.value)
        else:
            log.info("%s %s: %s -> %s", self.kind, self.url, self._settled.value, new.value)
            self._settled = new
        for listener in list(self._listeners):
            try:
                listener(old, new)
            except Exception:  # a listener's bug must not break the device
                log.exception("state listener failed for %s", self.url)

    def open(self) -> None:
        """Open the transport (drivers open lazily; calling this early checks the device)."""

    def close(self) -> None:
        """Release the transport."""

    def __enter__(self) -> Device:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
