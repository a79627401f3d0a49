"""Smart-card readers over PC/SC: the interface every reader has, and the pyscard driver.

URLs: ``pcsc://`` (the first reader pcscd knows) or ``pcsc://?reader=<part of the reader name>``;
``&timeout=<seconds>`` bounds each command (default 5).

States: CARD_ABSENT / CARD_PRESENT while pcscd and the reader answer, DISCONNECTED otherwise
(the monitor keeps retrying, so a restarted pcscd or a re-plugged reader comes back by itself).

Error codes (see :mod:`devices.smartcard.errors`): smartcard.service_down, smartcard.no_reader,
smartcard.no_card, smartcard.removed, smartcard.apdu_failed, smartcard.io, smartcard.timeout,
smartcard.bad_apdu.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from smartcard import scard

from devices.base import Device, DeviceState, DeviceURLError, parse_device_url
from devices.smartcard import apdu as cmd
from devices.smartcard import service
from devices.smartcard.errors import (
    ApduFailed,
    BadApdu,
    CardRemoved,
    CardTimeout,
    NoCard,
    NoReader,
    ServiceDown,
    SmartCardError,
    TransmitFailed,
)

log = logging.getLogger("hallq.devices.smartcard")

InsertedCallback = Callable[[bytes, "str | None"], None]
RemovedCallback = Callable[[], None]

_SERVICE_DOWN = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED,
                 scard.SCARD_E_INVALID_HANDLE}
_READER_GONE = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE,
                scard.SCARD_E_NO_READERS_AVAILABLE}
_CARD_GONE = {scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD}
#: How long to look for the reader to report the card gone after a failed command.
_REMOVAL_GRACE = 1.5


def _hr(value: int) -> int:
    """A PC/SC result as the unsigned 32-bit number the constants use."""
    return value & 0xFFFFFFFF


def _pcsc_error(hr: int, what: str) -> SmartCardError:
    """The typed error for a failed PC/SC call (card absence maps to :class:`NoCard`)."""
    hr = _hr(hr)
    detail = f"{what}: {scard.SCardGetErrorMessage(hr)} (0x{hr:08X})"
    # a dying pcscd makes calls fail with assorted codes (RPC transport error, access denied)
    if hr in _SERVICE_DOWN or not service.pcscd_running():
        return ServiceDown(detail)
    if hr in _READER_GONE:
        return NoReader(detail)
    if hr in _CARD_GONE:
        return NoCard(detail)
    if hr == scard.SCARD_E_TIMEOUT:
        return CardTimeout(detail)
    return TransmitFailed(detail)


class SmartCardReader(Device):
    """A smart-card reader: card insert/remove events, APDUs, the UID and files of a card.

    Drivers implement :meth:`_transmit_raw` (one APDU to the card and its raw answer),
    :meth:`wait_for_card` and :attr:`atr`; the ISO 7816 logic built on them lives here.
    """

    kind = "smartcard"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._inserted_callbacks: list[InsertedCallback] = []
        self._removed_callbacks: list[RemovedCallback] = []

    def on_inserted(self, callback: InsertedCallback) -> None:
        """Call ``callback(atr, uid)`` when a card arrives (uid is None if the card has none)."""
        self._inserted_callbacks.append(callback)

    def on_removed(self, callback: RemovedCallback) -> None:
        """Call ``callback()`` when the card leaves the reader."""
        self._removed_callbacks.append(callback)

    def _fire_inserted(self, atr: bytes, uid: str | None) -> None:
        for callback in list(self._inserted_callbacks):
            try:
                callback(atr, uid)
            except Exception:  # an app's bug must not stop the monitor
                log.exception("on_inserted callback failed for %s", self.url)

    def _fire_removed(self) -> None:
        for callback in list(self._removed_callbacks):
            try:
                callback()
            except Exception:
                log.exception("on_removed callback failed for %s", self.url)

    @property
    def atr(self) -> bytes | None:
        """The ATR of the card in the reader, or None."""
        raise NotImplementedError

    def wait_for_card(self, timeout: float) -> bytes:
        """Wait up to ``timeout`` seconds for a card; return its ATR or raise :class:`NoCard`."""
        raise NotImplementedError

    def _transmit_raw(self, apdu: bytes) -> bytes:
        """Send one APDU; return the card's answer (data + SW1 SW2, at least 2 bytes)."""
        raise NotImplementedError

    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
        """Send a command APDU; return ``(data, sw1, sw2)`` as the card answered.

        61xx (more data waiting) is followed by GET RESPONSE and 6Cxx (wrong Le) by the same
        command with the right Le, so callers see the final answer only.
        """
        command = cmd.check_apdu(apdu)
        answer = self._transmit_raw(command)
        if answer[-2] == 0x6C:
            answer = self._transmit_raw(cmd.with_le(command, answer[-1]))
        data = answer[:-2]
        while answer[-2] == 0x61:
            answer = self._transmit_raw(cmd.get_response(answer[-1]))
            data += answer[:-2]
        return data, answer[-2], answer[-1]

    def _checked(self, apdu: bytes, what: str) -> bytes:
        data, sw1, sw2 = self.transmit(apdu)
        if (sw1, sw2) != cmd.SW_OK:
            raise ApduFailed(sw1, sw2, f"{what}: {cmd.describe_sw(sw1, sw2)}")
        return data

    def read_uid(self) -> str:
        """The card's UID in upper-case hex (PC/SC pseudo-APDU ``FF CA 00 00 00``)."""
        uid = self._checked(cmd.GET_UID, "GET UID")
        if not uid:
            raise ApduFailed(0x90, 0x00, "GET UID returned no bytes")
        return uid.hex().upper()

    def read_file(self, file_id: bytes, length: int | None = None) -> bytes:
        """Read an EF: SELECT it by ``file_id`` (2 bytes), then READ BINARY in chunks.

        ``length`` is the most bytes wanted; None reads the size the FCP gives, or until the
        card reports the end of the file.
        """
        if length is not None and not 0 <= length <= cmd.MAX_OFFSET + 1:
            raise BadApdu(f"length {length} outside 0..{cmd.MAX_OFFSET + 1}")
        fcp = self._checked(cmd.select_ef(file_id), f"SELECT {bytes(file_id).hex().upper()}")
        size = cmd.fcp_file_size(fcp)
        want = min(x for x in (length, size, cmd.MAX_OFFSET + 1) if x is not None)
        out = bytearray()
        while len(out) < want:
            chunk = min(cmd.READ_CHUNK, want - len(out))
            data, sw1, sw2 = self.transmit(cmd.read_binary(len(out), chunk))
            if (sw1, sw2) == (0x6B, 0x00) or ((sw1, sw2) == (0x62, 0x82) and not data):
                break  # past the end of the file
            if (sw1, sw2) not in (cmd.SW_OK, (0x62, 0x82)):
                what = f"READ BINARY at {len(out)}: {cmd.describe_sw(sw1, sw2)}"
                raise ApduFailed(sw1, sw2, what)
            out += data
            if len(data) < chunk or (sw1, sw2) == (0x62, 0x82):
                break  # the card had fewer bytes than asked: end of file
        return bytes(out)


class PcscReader(SmartCardReader):
    """A PC/SC reader driven through pyscard and pcscd, with a thread that watches the card."""

    def __init__(self, url: str, reader: str | None = None, *, timeout: float = 5.0,
                 poll_interval: float = 0.25) -> None:
        super().__init__(url)
        self.reader_filter = reader
        self.reader_name: str | None = None
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.simulator: Any = None
        self._io_lock = threading.RLock()
        self._io_ctx: int | None = None
        self._card: int | None = None
        self._protocol = 0
        self._atr: bytes | None = None
        self._present = threading.Event()
        self._down: SmartCardError | None = None
        self._opened = False
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self._monitor_ctx: int | None = None
        self._last_event = (False, -1)  # (card present, pcscd event counter)

    # -- set-up ------------------------------------------------------------------------------
    def open(self) -> None:
        """Connect to pcscd, find the reader, report the card state and start watching it."""
        with self._io_lock:  # re-entrant: the first poll reads the UID through transmit()
            if self._opened:
                return
            try:
                ctx = self._establish()
                self._monitor_ctx = ctx
                self.reader_name = self._find_reader(ctx)
                self._down = None
                self._last_event = (False, -1)
                self._opened = True  # from here on commands may run
                self._poll(ctx, 0)
            except SmartCardError as exc:
                self._opened = False
                self._release_monitor_ctx()
                self._down = exc
                self._set_state(DeviceState.DISCONNECTED)
                raise
            self._stop.clear()
            self._monitor = threading.Thread(target=self._watch, daemon=True,
                                             name=f"pcsc-{self.reader_name}")
            self._monitor.start()

    def close(self) -> None:
        """Stop watching, let go of the card and release the PC/SC contexts."""
        self._stop.set()
        ctx = self._monitor_ctx
        if ctx is not None:
            scard.SCardCancel(ctx)
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join(timeout=self.poll_interval + 2)  # (not when closed by a callback)
        self._monitor = None
        self._release_monitor_ctx()
        with self._io_lock:
            self._drop_card()
            if self._io_ctx is not None:
                scard.SCardReleaseContext(self._io_ctx)
                self._io_ctx = None
        self._opened = False
        self._present.clear()
        self._set_state(DeviceState.DISCONNECTED)

    def _release_monitor_ctx(self) -> None:
        if self._monitor_ctx is not None:
            scard.SCardReleaseContext(self._monitor_ctx)
            self._monitor_ctx = None

    @staticmethod
    def _establish() -> int:
        hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if _hr(hr) != scard.SCARD_S_SUCCESS:
            raise _pcsc_error(hr, "SCardEstablishContext")
        return int(ctx)

    def _find_reader(self, ctx: int) -> str:
        hr, readers = scard.SCardListReaders(ctx, [])
        if _hr(hr) == scard.SCARD_E_NO_READERS_AVAILABLE:
            readers = []
        elif _hr(hr) != scard.SCARD_S_SUCCESS:
            raise _pcsc_error(hr, "SCardListReaders")
        wanted = (self.reader_filter or "").lower()
        for name in readers:
            if wanted in name.lower():
                return str(name)
        raise NoReader(f"no reader matches {self.reader_filter!r}; pcscd has {list(readers)}")

    # -- card monitoring -----------------------------------------------------------------------
    @property
    def atr(self) -> bytes | None:
        """The ATR of the card in the reader, or None."""
        return self._atr if self._present.is_set() else None

    def wait_for_card(self, timeout: float) -> bytes:
        """Wait up to ``timeout`` seconds for a card; return its ATR or raise :class:`NoCard`."""
        self.open()
        if not self._present.wait(timeout):
            if self._down is not None:
                raise self._down
            raise NoCard(f"no card in {self.reader_name} within {timeout:g} s")
        return self._atr or b""

    def _watch(self) -> None:
        while not self._stop.is_set():
            ctx = self._monitor_ctx
            try:
                if ctx is None:
                    ctx = self._reconnect()
                self._poll(ctx, int(self.poll_interval * 1000))
            except SmartCardError as exc:
                self._went_down(exc)
                self._stop.wait(1.0)

    def _reconnect(self) -> int:
        ctx = self._establish()
        try:
            self.reader_name = self._find_reader(ctx)
        except SmartCardError:
            scard.SCardReleaseContext(ctx)
            raise
        self._monitor_ctx = ctx
        self._down = None
        self._last_event = (False, -1)
        log.info("smartcard reader %s is back", self.reader_name)
        return ctx

    def _went_down(self, exc: SmartCardError) -> None:
        if self._down is None:
            log.warning("smartcard reader %s lost: %s", self.reader_name, exc.describe())
        self._down = exc
        self._release_monitor_ctx()
        with self._io_lock:
            self._drop_card()
            if self._io_ctx is not None:
                scard.SCardReleaseContext(self._io_ctx)
                self._io_ctx = None
        was_present = self._present.is_set()
        self._present.clear()
        self._set_state(DeviceState.DISCONNECTED)
        if was_present:
            self._fire_removed()

    def _poll(self, ctx: int, wait_ms: int) -> None:
        """One SCardGetStatusChange round: report insertions and removals it shows."""
        current = scard.SCARD_STATE_UNAWARE
        present_before, counter_before = self._last_event
        if counter_before >= 0:
            current = (counter_before << 16) | (
                scard.SCARD_STATE_PRESENT if present_before else scard.SCARD_STATE_EMPTY)
        hr, states = scard.SCardGetStatusChange(ctx, wait_ms, [(self.reader_name, current)])
        hr = _hr(hr)
        if hr in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
            return
        if hr != scard.SCARD_S_SUCCESS:
            raise _pcsc_error(hr, "SCardGetStatusChange")
        _, event, atr = states[0]
        if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            raise NoReader(f"{self.reader_name} is gone")
        present = bool(event & scard.SCARD_STATE_PRESENT)
        counter = (event >> 16) & 0xFFFF
        self._last_event = (present, counter)
        if present_before and (not present or counter != counter_before):
            self._card_left()
        if present and (not present_before or counter != counter_before):
            self._card_arrived(bytes(atr))
        elif not present and not present_before:
            self._set_state(DeviceState.CARD_ABSENT)

    def _card_arrived(self, atr: bytes) -> None:
        self._atr = atr
        self._down = None
        uid: str | None
        try:
            uid = self.read_uid()
        except SmartCardError as exc:
            uid = None
            log.info("card in %s has no UID (%s)", self.reader_name, exc.code)
        log.info("card inserted in %s, ATR %s", self.reader_name, atr.hex().upper())
        self._present.set()
        self._set_state(DeviceState.CARD_PRESENT)
        self._fire_inserted(atr, uid)

    def _card_left(self) -> None:
        log.info("card removed from %s", self.reader_name)
        self._present.clear()
        with self._io_lock:
            self._drop_card()
        self._set_state(DeviceState.CARD_ABSENT)
        self._fire_removed()

    # -- commands -------------------------------------------------------------------------------
    def _transmit_raw(self, apdu: bytes) -> bytes:
        self.open()
        with self._io_lock:
            for attempt in range(2):
                handle = self._connect_card()
                hr, answer = self._bounded(scard.SCardTransmit, handle, self._protocol, list(apdu))
                hr = _hr(hr)
                if hr == scard.SCARD_S_SUCCESS and len(answer) >= 2:
                    return bytes(answer)
                self._drop_card()
                if hr == scard.SCARD_W_RESET_CARD and attempt == 0:
                    continue  # another program reset the card: connect again and resend once
                break
            gone = self._card_is_gone()
        if gone:
            self._present.clear()
            self._set_state(DeviceState.CARD_ABSENT)  # the monitor still fires on_removed
            raise CardRemoved(f"during APDU {apdu[:4].hex().upper()}")
        if hr == scard.SCARD_S_SUCCESS:
            raise TransmitFailed(f"answer of {len(answer)} byte(s) to {apdu[:4].hex().upper()}")
        raise _pcsc_error(hr, f"SCardTransmit {apdu[:4].hex().upper()}")

    def _bounded(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run one blocking PC/SC call with the command time limit."""
        result: list[Any] = []
        done = threading.Event()

        def run() -> None:
            try:
                result.append(func(*args))
            except Exception as exc:  # pyscard raises on bad arguments
                result.append(exc)
            done.set()

        threading.Thread(target=run, name="pcsc-call", daemon=True).start()
        if not done.wait(self.timeout):
            self._card = None  # that handle is stuck inside pcscd; never reuse it
            raise CardTimeout(f"{func.__name__} took more than {self.timeout:g} s")
        if isinstance(result[0], Exception):
            raise TransmitFailed(f"{func.__name__}: {result[0]}")
        return result[0]

    def _connect_card(self) -> int:
        if self._down is not None:
            raise self._down
        if self._card is not None:
            return self._card
        if self._io_ctx is None:
            self._io_ctx = self._establish()
        hr, handle, protocol = self._bounded(
            scard.SCardConnect, self._io_ctx, self.reader_name, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if _hr(hr) != scard.SCARD_S_SUCCESS:
            if _hr(hr) in _SERVICE_DOWN:
                scard.SCardReleaseContext(self._io_ctx)
                self._io_ctx = None
            raise _pcsc_error(hr, f"SCardConnect {self.reader_name}")
        self._card, self._protocol = int(handle), int(protocol)
        return self._card

    def _drop_card(self) -> None:
        if self._card is not None:
            scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
            self._card = None

    def _card_is_gone(self) -> bool:
        """After a failed command: does the reader report the card gone within a short grace?"""
        deadline = time.monotonic() + _REMOVAL_GRACE
        while time.monotonic() < deadline:
            if self._io_ctx is None:
                return False
            hr, states = scard.SCardGetStatusChange(
                self._io_ctx, 0, [(self.reader_name, scard.SCARD_STATE_UNAWARE)])
            if _hr(hr) != scard.SCARD_S_SUCCESS:
                return False
            if not states[0][1] & scard.SCARD_STATE_PRESENT:
                return True
            time.sleep(0.05)
        return False


def open_url(url: str) -> PcscReader:
    """The PC/SC reader a ``pcsc://`` URL names (opened lazily)."""
    parsed = parse_device_url(url)
    if parsed.scheme != "pcsc":
        raise DeviceURLError(f"not a pcsc:// URL: {url}")
    raw_timeout = parsed.param("timeout", "5")
    try:
        timeout = float(raw_timeout or "5")
    except ValueError:
        raise DeviceURLError(f"timeout={raw_timeout!r} is not a number in {url}") from None
    return PcscReader(url, parsed.param("reader"), timeout=timeout)
