"""The frame family of hall caller/evaluator buses (window LED screens, rating pads).

No public standard describes these buses; this module is the reference for what hallq speaks.
The line is RS-485 (or a USB-serial adapter), 9600 baud, 8 data bits, no parity, 1 stop bit.
One host (the window PC) is the master; every screen or pad has an address and only answers
frames sent to it, so two devices never talk at once.

Frame layout (all values are bytes, multi-byte fields do not occur)::

    FF  68  L  L  68  ADDR  CTRL  DATA...  CS  16
    |   |   |  |  |   |     |     |        |   +-- end byte 0x16
    |   |   |  |  |   |     |     |        +------ checksum: sum(ADDR, CTRL, DATA...) mod 256
    |   |   |  |  |   |     |     +--------------- 0..253 bytes, meaning set by CTRL
    |   |   |  |  |   |     +--------------------- command (host -> device) or reply
    |   |   |  |  |   |                            (device -> host: CTRL | 0x80)
    |   |   |  |  |   +--------------------------- device address 1..254; 0xFF = broadcast
    |   |   |  |  +------------------------------- second start byte 0x68
    |   |   +--+---------------------------------- L = len(ADDR..DATA) = 2 + len(DATA),
    |   |                                          sent twice; both copies must be equal
    |   +----------------------------------------- start byte 0x68
    +--------------------------------------------- wake-up byte 0xFF (wakes the RS-485
                                                   receivers; the sender sends exactly one)

As in DL/T 645, the header ``68 L L 68`` guards the length: a receiver only trusts L when both
copies agree and the second 0x68 follows. The checksum does not cover the header or the
wake-up byte. Devices never answer a broadcast (address 0xFF), so replies cannot collide.

The decoder (:class:`FrameDecoder`) takes bytes in any split and:

* silently skips anything before a ``68 ? ? 68`` header (wake-up bytes, line noise, a header
  whose second 0x68 is missing);
* raises :class:`BusLengthError` when the two length bytes differ or L < 2, dropping only the
  first 0x68 and scanning on (the length cannot be trusted, so neither can the frame's end);
* raises :class:`BusFrameError` when the byte after CS is not 0x16, also dropping only the
  first 0x68;
* raises :class:`BusChecksumError` when CS is wrong, dropping the whole frame (its length and
  end byte were right, so the next frame starts after it).

Each error leaves the decoder ready: calling :meth:`FrameDecoder.next_frame` again goes on.

Error codes:

* ``bus.frame``    -- a frame that does not end with 0x16, or bad values given to :func:`encode`
* ``bus.length``   -- the two length bytes differ, L < 2, or DATA longer than 253 bytes
* ``bus.checksum`` -- the checksum byte does not match the frame's content
* ``bus.address``  -- an address outside 1..254 and not the broadcast 0xFF

The module also holds :class:`BusLine`, the host's serial port on such a bus (lazy open,
every read and write under a timeout, request/reply with retries), and
:class:`BusSimulator`, the base of simulated devices on a pty line.
"""

from __future__ import annotations

import logging
import termios
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NoReturn, Protocol, Self, TypeVar

import serial

from devices.base import (
    DeviceDisconnected,
    DeviceError,
    DeviceTimeout,
    DeviceURL,
    DeviceURLError,
)
from devices.codes import DeviceErrorCode
from devices.pty_link import PtySimulator

log = logging.getLogger("hallq.devices.bus")

WAKE = 0xFF
START = 0x68
END = 0x16
REPLY = 0x80  # a device's reply has the request's CTRL with this bit set
BROADCAST = 0xFF
MAX_DATA = 253  # L is one byte and counts ADDR and CTRL too
HEADER_LEN = 4  # 68 L L 68


class BusFrameError(DeviceError):
    """A frame on the bus is malformed (wrong end byte, or bad values to encode)."""

    code = DeviceErrorCode.BUS_FRAME
    message_zh = "总线数据帧格式错误"
    message_en = "Malformed frame on the serial bus (check baud rate and wiring)"


class BusLengthError(BusFrameError):
    """The two length bytes of a frame disagree, or the data is too long."""

    code = DeviceErrorCode.BUS_LENGTH
    message_zh = "总线数据帧长度错误"
    message_en = "Bad frame length on the serial bus"


class BusChecksumError(BusFrameError):
    """The checksum byte does not match the frame's content."""

    code = DeviceErrorCode.BUS_CHECKSUM
    message_zh = "总线数据帧校验错误"
    message_en = "Frame checksum mismatch on the serial bus (line noise or wrong baud rate)"


class BusAddressError(BusFrameError):
    """An address outside 1..254 that is not the broadcast address."""

    code = DeviceErrorCode.BUS_ADDRESS
    message_zh = "设备地址超出范围（1–254）"
    message_en = "Bus address out of range (1..254, or 255 for broadcast)"


@dataclass(frozen=True)
class Frame:
    """One decoded frame: the device address, the command and its data."""

    addr: int
    ctrl: int
    data: bytes = b""

    @property
    def is_reply(self) -> bool:
        """True when a device sent this frame (CTRL has the reply bit)."""
        return bool(self.ctrl & REPLY)


def checksum(body: bytes) -> int:
    """The checksum of ADDR..DATA: their sum mod 256."""
    return sum(body) & 0xFF


def check_address(addr: int) -> int:
    """Return ``addr`` when it is a device address or broadcast; else raise BusAddressError."""
    if not (1 <= addr <= 254 or addr == BROADCAST):
        raise BusAddressError(f"address {addr}")
    return addr


def url_address(url: DeviceURL, default: int = 1) -> int:
    """The ``addr=`` parameter of a device URL; ``device.bad_url`` when out of range."""
    addr = url.int_param("addr", default)
    if not (1 <= addr <= 254 or addr == BROADCAST):
        raise DeviceURLError(f"addr={addr} in {url.raw}; expected 1..254 or 255 (broadcast)")
    return addr


def encode(addr: int, ctrl: int, data: bytes = b"") -> bytes:
    """The bytes of one frame, wake-up byte included."""
    check_address(addr)
    if not 0 <= ctrl <= 0xFF:
        raise BusFrameError(f"command byte {ctrl} is not 0..255")
    if len(data) > MAX_DATA:
        raise BusLengthError(f"{len(data)} data bytes, at most {MAX_DATA} fit in a frame")
    body = bytes((addr, ctrl)) + bytes(data)
    length = len(body)
    return bytes((WAKE, START, length, length, START)) + body + bytes((checksum(body), END))


def decode(raw: bytes) -> Frame:
    """Decode exactly one frame from ``raw``; raise a bus error when there is none."""
    decoder = FrameDecoder()
    decoder.feed(raw)
    frame = decoder.next_frame()
    if frame is None:
        raise BusFrameError(f"no complete frame in {raw.hex(' ')}")
    return frame


class FrameDecoder:
    """A streaming decoder: feed bytes in any split, take frames out one by one."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        """Append bytes read from the line."""
        self._buf += data

    def reset(self) -> None:
        """Forget any partial input."""
        self._buf.clear()

    @property
    def pending(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._buf)

    def next_frame(self) -> Frame | None:
        """The next complete frame, or None when more bytes are needed.

        Raises a :class:`BusFrameError` subclass for a bad frame, after dropping its bytes
        (see the module docstring), so the next call continues with the following bytes.
        """
        while True:
            start = self._find_header()
            if start < 0:
                return None
            length, copy = self._buf[1], self._buf[2]
            if length != copy:
                del self._buf[0]
                raise BusLengthError(f"length bytes differ: {length:#04x} {copy:#04x}")
            if length < 2:
                del self._buf[0]
                raise BusLengthError(f"length {length} leaves no room for address and command")
            total = HEADER_LEN + length + 2
            if len(self._buf) < total:
                return None
            body = bytes(self._buf[HEADER_LEN:HEADER_LEN + length])
            cs, end = self._buf[total - 2], self._buf[total - 1]
            if end != END:
                del self._buf[0]
                raise BusFrameError(f"end byte {end:#04x}, expected 0x16")
            del self._buf[:total]
            if cs != checksum(body):
                raise BusChecksumError(f"checksum {cs:#04x}, computed {checksum(body):#04x}")
            return Frame(body[0], body[1], body[2:])

    def _find_header(self) -> int:
        """Drop bytes until the buffer starts with ``68 ? ? 68``; -1 when it needs more bytes."""
        buf = self._buf
        while buf:
            index = buf.find(START)
            if index < 0:
                buf.clear()
                return -1
            del buf[:index]
            if len(buf) < HEADER_LEN:
                return -1
            if buf[3] == START:
                return 0
            del buf[0]  # a stray 0x68 in noise, not a header
        return -1


T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


class ReplyReader(Protocol[T_co]):
    """Takes the bytes of a reply as they arrive; returns the result once complete."""

    def feed(self, data: bytes) -> T_co | None:
        """Add bytes; return the reply when complete, None when more are needed."""
        ...


class FrameReply:
    """A :class:`ReplyReader` for the reply ``CTRL | 0x80`` from ``addr``; returns its Frame.

    Frames from other addresses or with other commands are ignored (stale replies of an
    earlier, timed-out request); a malformed frame raises its bus error.
    """

    def __init__(self, addr: int, ctrl: int) -> None:
        self.addr = addr
        self.ctrl = ctrl | REPLY
        self._decoder = FrameDecoder()

    def feed(self, data: bytes) -> Frame | None:
        """Add bytes; the matching reply frame once complete."""
        self._decoder.feed(data)
        while (frame := self._decoder.next_frame()) is not None:
            if frame.addr == self.addr and frame.ctrl == self.ctrl:
                return frame
            log.debug("ignored frame addr=%d ctrl=%#04x", frame.addr, frame.ctrl)
        return None


class BusLine:
    """The host's serial port on a bus: opens lazily, runs every I/O under a timeout.

    ``disconnected`` and ``timeout`` are the error classes raised (each device kind passes
    its own, e.g. ``LedDisconnected``), so errors carry the kind's codes. When the port
    fails (unplugged adapter) it is closed; the next call tries to open it again.
    """

    def __init__(self, port: str, *, baud: int = 9600, timeout: float = 0.5, retries: int = 2,
                 disconnected: type[DeviceDisconnected] = DeviceDisconnected,
                 timeout_error: type[DeviceTimeout] = DeviceTimeout) -> None:
        self.port = port
        self.baud = baud
        self.timeout = timeout
        self.retries = retries
        self._disconnected = disconnected
        self._timeout_error = timeout_error
        self._serial: serial.Serial | None = None

    @classmethod
    def from_url(cls, url: DeviceURL, *, disconnected: type[DeviceDisconnected],
                 timeout_error: type[DeviceTimeout]) -> BusLine:
        """The line a device URL names: its path, ``baud``, ``timeout`` (s), ``retries``."""
        if not url.path:
            raise DeviceURLError(f"no serial port in {url.raw} (e.g. {url.scheme}:///dev/ttyUSB0)")
        raw_timeout = url.param("timeout", "0.5")
        try:
            timeout = float(raw_timeout or "")
        except ValueError:
            raise DeviceURLError(f"timeout={raw_timeout!r} is not a number in {url.raw}") from None
        baud, retries = url.int_param("baud", 9600), url.int_param("retries", 2)
        if timeout <= 0 or baud <= 0 or retries < 0:
            raise DeviceURLError(f"timeout, baud and retries must be positive in {url.raw}")
        return cls(url.path, baud=baud, timeout=timeout, retries=retries,
                   disconnected=disconnected, timeout_error=timeout_error)

    @property
    def is_open(self) -> bool:
        """True while the port is open."""
        return self._serial is not None

    def open(self) -> None:
        """Open the port (8N1) if it is not open; raise the disconnected error if it cannot."""
        if self._serial is not None:
            return
        try:
            self._serial = serial.Serial(
                self.port, self.baud, bytesize=serial.EIGHTBITS, parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE, timeout=self.timeout, write_timeout=self.timeout)
        except (OSError, ValueError) as exc:
            raise self._disconnected(f"{self.port}: {exc}") from None
        log.info("opened %s at %d baud", self.port, self.baud)

    def close(self) -> None:
        """Close the port (safe to call twice)."""
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (OSError, termios.error):
                log.debug("closing %s failed", self.port, exc_info=True)

    def send(self, data: bytes) -> None:
        """Drop stale input, then write ``data`` (a frame or a line) to the device."""
        self.open()
        assert self._serial is not None
        try:
            self._serial.reset_input_buffer()
            self._serial.write(data)
            self._serial.flush()
        except serial.SerialTimeoutException:
            self.close()
            raise self._timeout_error(f"{self.port}: write timed out") from None
        except (OSError, termios.error) as exc:
            self._lost(exc)

    def receive(self, reader: ReplyReader[T], timeout: float) -> T | None:
        """Read until ``reader`` returns a reply or ``timeout`` seconds pass (then None)."""
        assert self._serial is not None
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                self._serial.timeout = remaining
                chunk = self._serial.read(max(1, self._serial.in_waiting))
            except (OSError, termios.error) as exc:
                self._lost(exc)
            if chunk:
                reply = reader.feed(chunk)
                if reply is not None:
                    return reply
        return None

    def exchange(self, request: bytes, make_reader: Callable[[], ReplyReader[T]]) -> T:
        """Send ``request`` and return its reply, trying ``1 + retries`` times.

        Raises the timeout error when no attempt got a reply, or the last bus error when
        replies came but were malformed (a technician should know the line is noisy).
        """
        last_error: BusFrameError | None = None
        for attempt in range(1 + self.retries):
            self.send(request)
            try:
                reply = self.receive(make_reader(), self.timeout)
            except BusFrameError as exc:
                log.warning("bad reply on %s (attempt %d): %s", self.port, attempt + 1, exc.code)
                last_error = exc
                continue
            if reply is not None:
                return reply
            log.warning("no reply on %s (attempt %d)", self.port, attempt + 1)
        if last_error is not None:
            raise last_error
        raise self._timeout_error(
            f"{self.port}: no reply after {1 + self.retries} tries of {self.timeout:g} s")

    def _lost(self, exc: BaseException) -> NoReturn:
        self.close()
        raise self._disconnected(f"{self.port}: {exc}") from None


SIM_FAULTS = ("no_ack", "bad_checksum", "noise")
SIM_NOISE = b"\x00\x68\x13\xfe"  # line noise before a reply, with a stray start byte in it


class BusSimulator(PtySimulator):
    """Base of simulated bus devices at ``addrs`` on one pty line.

    Decodes the host's frames, hands each one addressed to it to :meth:`handle` (broadcast:
    once per address) and sends back ``CTRL | 0x80`` with the DATA that ``handle`` returns
    (no reply to broadcast). :meth:`inject` makes the replies misbehave.
    """

    def __init__(self, addrs: Iterable[int]) -> None:
        addrs = [check_address(a) for a in addrs]  # before the pty opens, so nothing leaks
        super().__init__()
        self.addrs = addrs
        self.received: list[Frame] = []
        self.bad_frames = 0
        self._decoder = FrameDecoder()
        self._fault: str | None = None
        self._fault_left: int | None = None

    def start(self) -> Self:
        """Start serving in a daemon thread; returns self (typed as the subclass)."""
        super().start()
        return self

    def handle(self, addr: int, frame: Frame) -> bytes:
        """Do the command for device ``addr``; return the reply's DATA."""
        raise NotImplementedError

    def inject(self, fault: str | None, count: int | None = None) -> None:
        """Misbehave on the next ``count`` replies (all when None); ``None`` behaves again.

        ``no_ack``: do the command but do not reply; ``bad_checksum``: reply with a wrong
        checksum; ``noise``: send noise bytes before a good reply.
        """
        if fault is not None and fault not in SIM_FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {SIM_FAULTS}")
        self._fault, self._fault_left = fault, count

    def on_bytes(self, data: bytes) -> None:
        """Decode the host's frames and answer them."""
        self._decoder.feed(data)
        while True:
            try:
                frame = self._decoder.next_frame()
            except BusFrameError as exc:
                self.bad_frames += 1
                log.warning("simulated bus device got a bad frame: %s", exc.code)
                continue
            if frame is None:
                return
            if frame.is_reply or (frame.addr not in self.addrs and frame.addr != BROADCAST):
                continue  # another device's traffic
            self.received.append(frame)
            if frame.addr == BROADCAST:
                for addr in self.addrs:
                    self.handle(addr, frame)
            else:
                self._reply(frame.addr, frame.ctrl, self.handle(frame.addr, frame))

    def _reply(self, addr: int, ctrl: int, data: bytes) -> None:
        fault = self._take_fault()
        reply = encode(addr, ctrl | REPLY, data)
        if fault == "no_ack":
            return
        if fault == "bad_checksum":
            reply = reply[:-2] + bytes(((reply[-2] + 1) & 0xFF, reply[-1]))
        elif fault == "noise":
            reply = SIM_NOISE + reply
        self.write(reply)

    def _take_fault(self) -> str | None:
        fault = self._fault
        if fault is not None and self._fault_left is not None:
            self._fault_left -= 1
            if self._fault_left <= 0:
                self._fault = None
        return fault
