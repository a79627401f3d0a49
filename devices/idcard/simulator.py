"""A GA 467 reader on a pty: answers the real frames, with a card you insert and remove.

The simulator keeps a udev-like symlink (:attr:`IdCardSimulator.link`) to its pty, so a
driver opened on the link sees the reader vanish on :meth:`unplug` and come back on
:meth:`plug_in`, like ``/dev/idcard`` on a kiosk.

Faults: :meth:`pull_card_mid_read` (the next read answers 0x41, or is cut off half-way and
the line goes quiet), :meth:`corrupt_next_checksum`, :meth:`send_garbage` (bytes before the
next answer), :meth:`fail_next` (one answer with a chosen status, e.g. 0x81 select failed),
:meth:`unplug` / :meth:`plug_in`, and :attr:`sam_fault` (a SW3 the SAM answers every card
command with, e.g. 0x60 self-test failed).

With ``pace=True`` every answer is written at the speed ``baudrate`` allows (10 bits per
byte) and every request is "received" only after its wire time; a pty itself ignores baud.
"""

from __future__ import annotations

import logging
import os
import pty
import shutil
import tempfile
import threading
import time
import tty
from collections import deque
from dataclasses import dataclass

from devices.base import DeviceURLError, parse_device_url
from devices.idcard import protocol as p
from devices.idcard.parse import IdCardInfo, encode_text_block
from devices.idcard.samples import SAMPLE_CARDS, fake_wlt
from devices.idcard.serial_reader import DEFAULT_BAUD, Ga467SerialReader
from devices.pty_link import PtySimulator

log = logging.getLogger("hallq.devices.idcard")

DEFAULT_SAM_ID = "05.01-20230615-0000012345-0123456789"
PULL_MODES = ("status", "truncate")
# What the simulator remembers of the line, for tests; bounded for long standalone runs.
_KEEP_REQUESTS = 256
_KEEP_BYTES = 65536
_ADDRESS_SIZE = 70  # an appended address is one 70-byte UCS-2 field, like the card's address
_ANY = (-1, -1)  # corrupt the next answer whatever the command


@dataclass(frozen=True)
class _CardBlocks:
    text: bytes
    photo: bytes
    fingerprint: bytes | None
    appended_address: str | None


def _ucs2_field(text: str, size: int) -> bytes:
    raw = text.encode("utf-16-le")
    if len(raw) > size:
        raise ValueError(f"{len(raw)} bytes do not fit a {size}-byte field")
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


class IdCardSimulator(PtySimulator):
    """A resident ID-card reader with its SAM, on the master side of a pty."""

    def __init__(self, card: IdCardInfo | None = None, *, sam_id: str = DEFAULT_SAM_ID,
                 baudrate: int = DEFAULT_BAUD, pace: bool = False) -> None:
        super().__init__()
        self.sam_id = sam_id
        self.baudrate = baudrate
        self.pace = pace
        #: SW3 the SAM answers card commands and status queries with; None when healthy.
        self.sam_fault: int | None = None
        #: The latest request frames received, decoded, oldest first.
        self.requests: deque[p.Request] = deque(maxlen=_KEEP_REQUESTS)
        #: The latest raw bytes the driver wrote (up to _KEEP_BYTES).
        self.received = bytearray()
        self._lock = threading.Lock()
        self._decoder = p.FrameDecoder(min_length=p.REQUEST_MIN_LENGTH)
        self._card: _CardBlocks | None = None
        self._found = self._selected = False
        self._pull: str | None = None
        self._corrupt: tuple[int, int] | None = None
        self._fail: dict[tuple[int, int], int] = {}
        self._garbage = b""
        self._link_dir = tempfile.mkdtemp(prefix="hallq-idcard-")
        self.link = os.path.join(self._link_dir, "ttyIDCARD")
        os.symlink(self.port, self.link)
        if card is not None:
            try:
                self.insert(card)
            except ValueError:
                self.stop()  # release the pty and the link before refusing the card
                raise

    # --- the card -----------------------------------------------------------------

    def insert(self, card: IdCardInfo, *, appended_address: str | None = None) -> None:
        """Place a card on the reader (its text block encoded exactly as a card holds it)."""
        if appended_address is not None:
            _ucs2_field(appended_address, _ADDRESS_SIZE)  # refuse one that does not fit now
        blocks = _CardBlocks(
            text=encode_text_block(card),
            photo=card.photo_wlt or fake_wlt(card.id_number),
            fingerprint=card.fingerprint,
            appended_address=appended_address,
        )
        with self._lock:
            self._card = blocks
            self._found = self._selected = False

    def remove(self) -> None:
        """Take the card away."""
        with self._lock:
            self._card = None
            self._found = self._selected = False

    @property
    def has_card(self) -> bool:
        """True while a card lies on the reader."""
        return self._card is not None

    # --- faults -------------------------------------------------------------------

    def pull_card_mid_read(self, mode: str = "status") -> None:
        """The next read loses the card: answer 0x41 (``status``) or cut the frame
        half-way and go quiet (``truncate``). The card is gone afterwards."""
        if mode not in PULL_MODES:
            raise ValueError(f"mode must be one of {PULL_MODES}")
        with self._lock:
            self._pull = mode

    def corrupt_next_checksum(self, command: tuple[int, int] | None = None) -> None:
        """Send the next answer (to ``command``, when given) with a wrong checksum byte."""
        with self._lock:
            self._corrupt = command or _ANY

    def fail_next(self, command: tuple[int, int], sw3: int) -> None:
        """Answer the next ``command`` (e.g. SELECT_CARD) with status ``sw3`` (e.g. 0x81)."""
        with self._lock:
            self._fail[command] = sw3

    def send_garbage(self, data: bytes = b"\x00\xffNOISE\xaa\xaa\x96") -> None:
        """Put ``data`` on the line just before the next answer (line noise, a stale tail)."""
        with self._lock:
            self._garbage += data

    def unplug(self) -> None:
        """Pull the reader's cable: the pty closes and the symlink disappears."""
        super().unplug()
        try:
            os.unlink(self.link)
        except FileNotFoundError:
            pass

    def plug_in(self) -> None:
        """Plug the reader back in: a fresh pty behind the same :attr:`link`."""
        if self._master >= 0:
            return
        if self._thread is not None:
            self._thread.join(timeout=1)  # the old loop must not see the new fds
        # Re-create what PtySimulator.__init__ set up; this is the only base state we touch.
        self._master, self._slave = pty.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        with self._lock:
            self._decoder.reset()
            self._found = self._selected = False
        os.symlink(self.port, self.link)
        self.start()

    def stop(self) -> None:
        """Stop serving and remove the pty and the symlink."""
        super().stop()  # unplugs (closing the pty, removing the link) if still plugged in
        shutil.rmtree(self._link_dir, ignore_errors=True)

    # --- the line -----------------------------------------------------------------

    def on_bytes(self, data: bytes) -> None:
        """Decode request frames and answer each one."""
        self.received += data
        del self.received[:-_KEEP_BYTES]
        self._decoder.feed(data)
        while True:
            try:
                payload = self._decoder.next_frame()
            except p.ChecksumError:
                self._send(p.encode_response(p.SW_BAD_CHECKSUM))
                continue
            except p.FrameError:
                self._send(p.encode_response(p.SW_BAD_LENGTH))
                continue
            if payload is None:
                return
            request = p.Request.from_payload(payload)
            self.requests.append(request)
            if self.pace:  # the request's own time on the wire
                time.sleep((p.HEADER_SIZE + len(payload) + 1) * 10 / self.baudrate)
            self._send(self._answer(request), (request.cmd, request.param))

    def _answer(self, request: p.Request) -> bytes:
        command = (request.cmd, request.param)
        ok = p.encode_response
        with self._lock:
            if command in self._fail:
                return ok(self._fail.pop(command))
            if command == p.RESET_SAM:
                self._found = self._selected = False
                return ok(p.SW_OK)
            if command == p.READ_SAM_ID:
                return ok(p.SW_OK, p.encode_sam_id(self.sam_id))
            if self.sam_fault is not None:
                return ok(self.sam_fault)
            if command == p.SAM_STATUS:
                return ok(p.SW_OK)
            if command == p.FIND_CARD:
                self._found = self._card is not None
                return ok(p.SW_CARD_FOUND, bytes(4)) if self._found else ok(p.SW_NO_CARD)
            if command == p.SELECT_CARD:
                self._selected = self._found and self._card is not None
                return ok(p.SW_OK, bytes(8)) if self._selected else ok(p.SW_SELECT_FAILED)
            if command in (p.READ_BASE, p.READ_BASE_FINGERPRINT):
                return self._read_answer(command == p.READ_BASE_FINGERPRINT)
            if command == p.READ_APPENDED_ADDRESS:
                if self._card is None or not self._selected:
                    return ok(p.SW_READ_FAILED)
                address = self._card.appended_address
                if not address:
                    return ok(p.SW_NO_CONTENT)
                return ok(p.SW_OK, _ucs2_field(address, _ADDRESS_SIZE))
            return ok(p.SW_BAD_COMMAND)

    def _read_answer(self, with_fingerprint: bool) -> bytes:
        card = self._card
        if card is None or not self._selected:
            return p.encode_response(p.SW_READ_FAILED)
        data = p.encode_card_data(card.text, card.photo, card.fingerprint,
                                  with_fingerprint=with_fingerprint)
        frame = p.encode_response(p.SW_OK, data)
        pull, self._pull = self._pull, None
        if pull is None:
            return frame
        self._card = None
        self._found = self._selected = False
        if pull == "status":
            return p.encode_response(p.SW_READ_FAILED)
        return frame[:len(frame) // 2]

    def _send(self, frame: bytes, command: tuple[int, int] | None = None) -> None:
        with self._lock:
            garbage, self._garbage = self._garbage, b""
            if self._corrupt in (_ANY, command):
                self._corrupt = None
                frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
        self._write_line(garbage + frame)

    def _write_line(self, data: bytes) -> None:
        if not self.pace:
            self.write(data)
            return
        byte_time = 10 / self.baudrate
        start = time.monotonic()
        for offset in range(0, len(data), 16):
            chunk = data[offset:offset + 16]
            self.write(chunk)
            delay = start + (offset + len(chunk)) * byte_time - time.monotonic()
            if delay > 0:
                time.sleep(delay)


class SimulatedGa467Reader(Ga467SerialReader):
    """The serial driver wired to an in-process simulator; closing it stops the simulator."""

    def __init__(self, url: str, simulator: IdCardSimulator) -> None:
        super().__init__(url, simulator.link, simulator.baudrate)
        self.simulator = simulator

    def close(self) -> None:
        """Close the port and stop the simulator."""
        super().close()
        self.simulator.stop()


def open_sim_url(url: str) -> SimulatedGa467Reader:
    """``sim://idcard?card=resident|foreign|foreign2023|hmt|none&pace=0|1&baud=115200``."""
    parsed = parse_device_url(url)
    name = parsed.param("card", "resident") or "resident"
    if name != "none" and name not in SAMPLE_CARDS:
        raise DeviceURLError(f"card={name!r}; known: none, {', '.join(SAMPLE_CARDS)}")
    baud = parsed.int_param("baud", DEFAULT_BAUD)
    if baud <= 0:
        raise DeviceURLError(f"baud={baud} in {url}")
    pace = parsed.param("pace", "0") in ("1", "true", "yes")
    card = None if name == "none" else SAMPLE_CARDS[name]
    simulator = IdCardSimulator(card, baudrate=baud, pace=pace)
    simulator.start()
    log.info("simulated ID-card reader (%s card) on %s", name, simulator.port)
    return SimulatedGa467Reader(url, simulator)
