"""The ID-card reader interface and its GA 467 serial driver (pyserial).

URL: ``ga467:///dev/ttyUSB0?baud=115200`` (``baud`` defaults to 115200). The port opens
lazily on first use; every exchange runs under a deadline. After any error the input is
drained, so the next read starts clean. When the reader is unplugged the state becomes
DISCONNECTED and :class:`IdCardDisconnected` is raised; the next call tries to open the
port again, so plugging the reader back in is enough.

States: CARD_ABSENT, CARD_PRESENT, BUSY, DISCONNECTED, ERROR (devices.base.DeviceState).
Error codes: see :mod:`devices.idcard.protocol` (``idcard.*``) and :mod:`.parse`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import serial

from devices.base import Device, DeviceState, DeviceURLError, parse_device_url
from devices.idcard import protocol as p
from devices.idcard.parse import IdCardInfo, parse_text_block

log = logging.getLogger("hallq.devices.idcard")

DEFAULT_BAUD = 115200
#: How long the serial port waits for bytes in one read call; deadlines are enforced above it.
_POLL = 0.05
#: After an error, drain the line until it has been quiet this long (bounded by _DRAIN_MAX).
_DRAIN_QUIET = 0.03
_DRAIN_MAX = 0.5


class IdCardReader(Device):
    """A resident ID-card reader, whatever its transport."""

    kind = "idcard"

    def read_card(self, timeout: float = 3.0) -> IdCardInfo | None:
        """Find, select and read the card on the reader, all within ``timeout`` seconds.

        None when no card is on the reader; a typed ``idcard.*`` error on any failure.
        """
        raise NotImplementedError

    def read_card_with_fingerprint(self, timeout: float = 3.0) -> IdCardInfo | None:
        """Like :meth:`read_card`, plus the fingerprint block (None if the card has none)."""
        raise NotImplementedError

    def read_appended_address(self, timeout: float = 3.0) -> str | None:
        """The address appended after issue (追加住址) of the selected card, or None."""
        raise NotImplementedError

    def sam_status(self) -> str:
        """The SAM's status as readable text; raise a typed error when it reports a fault."""
        raise NotImplementedError

    def reset_sam(self) -> None:
        """Reset the reader's security module."""
        raise NotImplementedError

    def sam_id(self) -> str:
        """The SAM's id, e.g. ``05.01-20101010-0000012345-0123456789``."""
        raise NotImplementedError


class Ga467SerialReader(IdCardReader):
    """GA 467 reader on a serial or USB-serial port."""

    def __init__(self, url: str, port: str, baudrate: int = DEFAULT_BAUD,
                 command_timeout: float = 1.0) -> None:
        super().__init__(url)
        self.port = port
        self.baudrate = baudrate
        self.command_timeout = command_timeout
        self._serial: serial.Serial | None = None
        self._lock = threading.RLock()
        self._card_state = DeviceState.CARD_ABSENT

    # --- transport --------------------------------------------------------------------

    def open(self) -> None:
        """Open the port now (otherwise it opens on first use)."""
        with self._lock:
            self._ensure_open()
            if self.state in (DeviceState.UNKNOWN, DeviceState.DISCONNECTED):
                self._set_state(self._card_state)

    def close(self) -> None:
        """Close the port."""
        with self._lock:
            self._close_port()

    def _ensure_open(self) -> serial.Serial:
        if self._serial is not None:
            return self._serial
        try:
            self._serial = serial.Serial(self.port, self.baudrate, timeout=_POLL,
                                         write_timeout=self.command_timeout, exclusive=True)
        except (serial.SerialException, OSError) as exc:
            self._set_state(DeviceState.DISCONNECTED)
            raise p.IdCardDisconnected(f"cannot open {self.port}: {exc}") from None
        log.info("opened ID-card reader on %s at %d baud", self.port, self.baudrate)
        return self._serial

    def _close_port(self) -> None:
        ser, self._serial = self._serial, None
        if ser is not None:
            try:
                ser.close()
            except (serial.SerialException, OSError):
                pass

    def _lost(self, exc: Exception) -> p.IdCardDisconnected:
        log.warning("ID-card reader on %s lost: %s", self.port, exc)
        self._close_port()
        return p.IdCardDisconnected(f"{self.port}: {exc}")

    def _drain(self) -> None:
        """Throw away whatever the reader still sends, so the next exchange starts clean."""
        ser = self._serial
        if ser is None:
            return
        end = time.monotonic() + _DRAIN_MAX
        try:
            ser.reset_input_buffer()
            quiet_since = time.monotonic()
            while time.monotonic() < end and time.monotonic() - quiet_since < _DRAIN_QUIET:
                if ser.in_waiting:
                    ser.reset_input_buffer()
                    quiet_since = time.monotonic()
                else:
                    time.sleep(0.005)
        except (serial.SerialException, OSError) as exc:
            self._lost(exc)

    def _exchange(self, command: tuple[int, int], deadline: float) -> p.Response:
        """Send one command and return its answer, all before ``deadline``."""
        ser = self._ensure_open()
        decoder = p.FrameDecoder()
        name = p.COMMAND_NAMES.get(command, str(command))
        try:
            ser.reset_input_buffer()  # stale bytes belong to no question of ours
            ser.write(p.encode_request(*command))
            while True:
                payload = decoder.next_frame()
                if payload is not None:
                    response = p.Response.from_payload(payload)
                    log.debug("%s -> SW3 0x%02X, %d data bytes", name, response.sw3,
                              len(response.data))
                    return response
                if time.monotonic() >= deadline:
                    decoder.finish()
                    raise p.IdCardTimeout(f"no answer to {name} from {self.port}")
                decoder.feed(ser.read(max(1, ser.in_waiting)))
        except serial.SerialTimeoutException as exc:
            raise p.IdCardTimeout(f"writing {name} to {self.port}: {exc}") from None
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc) from None

    @contextmanager
    def _operation(self) -> Iterator[None]:
        """One exchange sequence: BUSY while it runs, the resulting state after."""
        with self._lock:
            self._ensure_open()
            self._set_state(DeviceState.BUSY)
            try:
                yield
            except p.IdCardDisconnected:
                self._set_state(DeviceState.DISCONNECTED)
                raise
            except (p.NoCardError, p.SelectFailedError, p.ReadFailedError):
                self._drain()
                self._card_state = DeviceState.CARD_ABSENT
                self._set_state(DeviceState.CARD_ABSENT if self._serial
                                else DeviceState.DISCONNECTED)
                raise
            except BaseException:
                self._drain()
                self._set_state(DeviceState.ERROR if self._serial else DeviceState.DISCONNECTED)
                raise
            else:
                self._set_state(self._card_state)

    def _deadline(self, timeout: float | None) -> float:
        return time.monotonic() + (self.command_timeout if timeout is None else timeout)

    # --- card -------------------------------------------------------------------------

    def _select(self, deadline: float) -> bool:
        """Find and select the card; False when there is none."""
        found = self._exchange(p.FIND_CARD, deadline)
        if found.sw3 == p.SW_NO_CARD:
            self._card_state = DeviceState.CARD_ABSENT
            return False
        found.expect(p.SW_CARD_FOUND)
        self._exchange(p.SELECT_CARD, deadline).expect(p.SW_OK)
        return True

    def _read(self, command: tuple[int, int], timeout: float) -> IdCardInfo | None:
        with_fingerprint = command == p.READ_BASE_FINGERPRINT
        with self._operation():
            deadline = self._deadline(timeout)
            if not self._select(deadline):
                return None
            data = self._exchange(command, deadline).expect(p.SW_OK).data
            blocks = p.split_card_data(data, with_fingerprint=with_fingerprint)
            info = parse_text_block(blocks.text, blocks.photo, blocks.fingerprint)
            self._card_state = DeviceState.CARD_PRESENT
            log.info("read a %s card", info.card_type.label)  # never the holder's data
            return info

    def read_card(self, timeout: float = 3.0) -> IdCardInfo | None:
        """Find, select and read the card on the reader; None when there is none."""
        return self._read(p.READ_BASE, timeout)

    def read_card_with_fingerprint(self, timeout: float = 3.0) -> IdCardInfo | None:
        """Like :meth:`read_card`, plus the fingerprint block (None if the card has none)."""
        return self._read(p.READ_BASE_FINGERPRINT, timeout)

    def read_appended_address(self, timeout: float = 3.0) -> str | None:
        """Find and select the card and read its appended address; None when it has none.

        Raises :class:`NoCardError` when no card is on the reader.
        """
        with self._operation():
            deadline = self._deadline(timeout)
            if not self._select(deadline):
                raise p.NoCardError(p.SW_NO_CARD)
            answer = self._exchange(p.READ_APPENDED_ADDRESS, deadline)
            self._card_state = DeviceState.CARD_PRESENT
            if answer.sw3 == p.SW_NO_CONTENT:
                return None
            data = answer.expect(p.SW_OK).data
            try:
                text = data.decode("utf-16-le").strip(" \x00")
            except UnicodeDecodeError:
                raise p.FrameError("appended address is not UCS-2") from None
            return text or None

    # --- SAM --------------------------------------------------------------------------

    def sam_status(self) -> str:
        """The SAM's status as readable text; raise a typed error when it reports a fault."""
        with self._operation():
            answer = self._exchange(p.SAM_STATUS, self._deadline(None)).expect(p.SW_OK)
            return p.status_text(answer.sw3)

    def reset_sam(self) -> None:
        """Reset the reader's security module."""
        with self._operation():
            self._exchange(p.RESET_SAM, self._deadline(None)).expect(p.SW_OK)

    def sam_id(self) -> str:
        """The SAM's id, e.g. ``05.01-20101010-0000012345-0123456789``."""
        with self._operation():
            answer = self._exchange(p.READ_SAM_ID, self._deadline(None)).expect(p.SW_OK)
            return p.format_sam_id(answer.data)


def open_url(url: str) -> Ga467SerialReader:
    """The driver for a ``ga467:///dev/ttyUSB0?baud=115200`` URL (not opened yet)."""
    parsed = parse_device_url(url)
    if parsed.scheme != "ga467":
        raise DeviceURLError(f"not a ga467 URL: {url}")
    if not parsed.path:
        raise DeviceURLError(f"no serial port in {url}; e.g. ga467:///dev/ttyUSB0?baud=115200")
    baud = parsed.int_param("baud", DEFAULT_BAUD)
    if baud <= 0:
        raise DeviceURLError(f"baud={baud} in {url}")
    return Ga467SerialReader(url, parsed.path, baud)

