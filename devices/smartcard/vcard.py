"""A virtual smart card plugged into Debian's vpcd reader driver: pcscd and pyscard run for real.

vpcd (``/etc/reader.conf.d/vpcd``) listens on 127.0.0.1:35963 for its first reader, "Virtual PCD
00 00". The card connects as a TCP client (connecting = inserting the card, closing = removing
it). Each message either way is a 2-byte big-endian length and a payload. A 1-byte payload from
vpcd is a control command: 0 power off, 1 power on, 2 reset, 4 get ATR (answered with the ATR);
any longer payload is a command APDU, answered with response data + SW1 SW2.

The card answers the PC/SC UID pseudo-APDU ``FF CA 00 00 00`` and holds a small ISO 7816 file
system (MF 3F00 with transparent EFs) answering SELECT (FCP through 61xx + GET RESPONSE, as a
T=0 card does), GET RESPONSE and READ BINARY (6Cxx when Le asks past the end of the file).

``sim://smartcard?uid=04A1B2C3D4E5F6&slot=0&inserted=1`` gives a :class:`PcscReader` on the
vpcd reader with the card as ``.simulator``; pcscd is started first when it is not running.

Error codes: smartcard.vpcd_unreachable (pcscd or vpcd not there), plus the reader's own.
"""

from __future__ import annotations

import atexit
import logging
import socket
import struct
import threading
from functools import reduce

from devices.base import DeviceURLError, parse_device_url
from devices.smartcard import service
from devices.smartcard.errors import VpcdUnreachable
from devices.smartcard.pcsc import PcscReader

log = logging.getLogger("hallq.devices.smartcard")

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4

MF = b"\x3f\x00"
#: EF with the card's own data (card number, issuer, validity).
EF_CARD_INFO = b"\x00\x01"
#: EF with the holder's data (fictitious), large enough to need several READ BINARY chunks.
EF_HOLDER = b"\x00\x05"


def make_atr(historical: bytes) -> bytes:
    """An ATR for a T=1 card: TS T0 TD1 TD2 + historical bytes + TCK (XOR of T0..last)."""
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    return b"\x3b" + body + bytes([reduce(lambda a, b: a ^ b, body, 0)])


DEFAULT_ATR = make_atr(b"HALLQ-VCARD")
DEFAULT_UID = bytes.fromhex("04A1B2C3D4E5F6")


def sample_files() -> dict[bytes, bytes]:
    """EFs of a social-security-like card with fictitious holder data (UTF-8 key=value lines)."""
    card_info = ("卡号=HQ0000123456\n发卡机构=虚构市人力资源和社会保障局\n"
                 "有效期=20300101\n").encode()
    holder = ("姓名=测试用户\n性别=女\n民族=汉\n出生日期=19900307\n"
              "社会保障号码=110101199003070000\n").encode()
    # a fake photo blob: real cards keep the holder photo in the same EF, after the text
    photo = bytes((i * 37 + 11) & 0xFF for i in range(480))
    return {EF_CARD_INFO: card_info, EF_HOLDER: holder + b"\x00" + photo}


def _sw(value: int) -> bytes:
    return bytes([value >> 8, value & 0xFF])


class CardApplet:
    """The card's answers to APDUs: UID, SELECT, GET RESPONSE and READ BINARY over ``files``."""

    def __init__(self, uid: bytes, files: dict[bytes, bytes]) -> None:
        self.uid = uid
        self.files = files
        self.reset()

    def reset(self) -> None:
        """Power-on state: the MF selected, no EF, no pending response."""
        self.current_ef: bytes | None = None
        self.pending = b""

    def process(self, apdu: bytes) -> bytes:
        """The response (data + SW) to one command APDU."""
        if len(apdu) < 4:
            return _sw(0x6700)
        cla, ins, p1, p2 = apdu[:4]
        data, le = b"", None
        if len(apdu) == 5:
            le = apdu[4] or 256
        elif len(apdu) > 5:
            lc = apdu[4]
            data = apdu[5 : 5 + lc]
            if lc == 0 or len(apdu) not in (5 + lc, 6 + lc):
                return _sw(0x6700)
            if len(apdu) == 6 + lc:
                le = apdu[-1] or 256
        if cla == 0xFF and ins == 0xCA:
            return self._get_uid(p1, le)
        if cla != 0x00:
            return _sw(0x6E00)
        if ins == 0xA4:
            return self._select(p1, p2, data)
        if ins == 0xC0:
            return self._get_response(le or 256)
        if ins == 0xB0:
            return self._read_binary(p1, p2, le or 256)
        return _sw(0x6D00)

    def _get_uid(self, p1: int, le: int | None) -> bytes:
        if p1 != 0x00:
            return _sw(0x6A81)
        if le not in (None, 256, len(self.uid)):
            return _sw(0x6C00 | len(self.uid))
        return self.uid + _sw(0x9000)

    def _select(self, p1: int, p2: int, fid: bytes) -> bytes:
        if p1 not in (0x00, 0x02) or len(fid) != 2:
            return _sw(0x6A86)
        if fid == MF:
            self.current_ef, fcp = None, bytes.fromhex("62078201388302") + MF
        elif fid in self.files:
            size = len(self.files[fid])
            self.current_ef = fid
            body = b"\x82\x01\x01" + b"\x83\x02" + fid + b"\x80\x02" + struct.pack(">H", size)
            fcp = bytes([0x62, len(body)]) + body
        else:
            return _sw(0x6A82)
        if p2 == 0x0C:
            return _sw(0x9000)
        if p2 != 0x00:
            return _sw(0x6A86)
        self.pending = fcp
        return _sw(0x6100 | len(fcp))

    def _get_response(self, le: int) -> bytes:
        if not self.pending:
            return _sw(0x6985)
        if le != len(self.pending):
            return _sw(0x6C00 | len(self.pending))
        out, self.pending = self.pending, b""
        return out + _sw(0x9000)

    def _read_binary(self, p1: int, p2: int, le: int) -> bytes:
        if p1 & 0x80:
            return _sw(0x6A81)  # short EF ids are not supported by this card
        if self.current_ef is None:
            return _sw(0x6986)
        content = self.files[self.current_ef]
        offset = (p1 << 8) | p2
        if offset >= len(content):
            return _sw(0x6B00)
        available = len(content) - offset
        if le > available:
            return _sw(0x6C00 | available)
        return content[offset : offset + le] + _sw(0x9000)


class VirtualCard:
    """The card side of vpcd's protocol in a thread: :meth:`insert` connects, :meth:`remove` leaves.

    ``apdus`` records every (command, response) pair the card saw, for tests to assert.
    """

    def __init__(self, *, uid: bytes = DEFAULT_UID, files: dict[bytes, bytes] | None = None,
                 atr: bytes = DEFAULT_ATR, host: str = "127.0.0.1",
                 port: int | None = None) -> None:
        self.applet = CardApplet(uid, sample_files() if files is None else files)
        self.atr = atr
        self.host = host
        self.port = service.vpcd_port() if port is None else port
        self.apdus: list[tuple[bytes, bytes]] = []
        self.powered = False
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._drop_at: int | None = None  # remove the card when this APDU number arrives
        self._hang = threading.Event()

    @property
    def uid(self) -> bytes:
        """The UID answered to ``FF CA 00 00 00``."""
        return self.applet.uid

    @property
    def inserted(self) -> bool:
        """True while the card is connected to vpcd."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def reader_name(self) -> str:
        """The PC/SC name of the vpcd reader this card goes into."""
        return service.vpcd_reader_name(self.port - service.vpcd_port(0))

    def insert(self, timeout: float = 2.0, *, wait: bool = True) -> None:
        """Put the card on the reader (connect to vpcd); :class:`VpcdUnreachable` when it can't.

        With ``wait``, return once pcscd reports the card (up to ``timeout``).
        """
        with self._lock:
            self._join()
            try:
                sock = socket.create_connection((self.host, self.port), timeout=timeout)
            except OSError as exc:
                raise VpcdUnreachable(f"{self.host}:{self.port}: {exc}") from None
            sock.settimeout(0.1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._stop.clear()
            self._hang.clear()
            self.applet.reset()
            self._thread = threading.Thread(target=self._serve, args=(sock,),
                                            name=f"vcard-{self.port}", daemon=True)
            self._thread.start()
        log.info("virtual card inserted into vpcd port %d", self.port)
        if wait:
            service.wait_card_state(self.reader_name, True, timeout)

    def remove(self, timeout: float = 2.0, *, wait: bool = True) -> None:
        """Take the card away (close the connection to vpcd).

        With ``wait``, return once pcscd reports the reader empty (up to ``timeout``), so a
        reader opened right after does not see the card that just left.
        """
        with self._lock:
            was_inserted = self._thread is not None
            self._stop.set()
            self._join()
        if was_inserted:
            log.info("virtual card removed from vpcd port %d", self.port)
            if wait:
                service.wait_card_state(self.reader_name, False, timeout)

    stop = remove

    def remove_during_apdu(self, count: int = 1) -> None:
        """Pull the card out when the ``count``-th next APDU arrives, before answering it."""
        self._drop_at = len(self.apdus) + count

    def hang_next_apdu(self) -> None:
        """Never answer the next APDU (a mute card) until the card is removed."""
        self._hang.set()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _serve(self, sock: socket.socket) -> None:
        try:
            while (message := self._receive(sock)) is not None:
                reply = self._answer(message)
                if reply is None and len(message) > 1:
                    return  # pulled out mid-command
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError as exc:
            log.info("vpcd closed the virtual card's connection: %s", exc)
        finally:
            sock.close()  # closing is what tells vpcd the card is gone

    def _receive(self, sock: socket.socket) -> bytes | None:
        header = self._read_exact(sock, 2)
        if header is None:
            return None
        (length,) = struct.unpack(">H", header)
        return self._read_exact(sock, length) if length else b""

    def _read_exact(self, sock: socket.socket, size: int) -> bytes | None:
        buf = b""
        while len(buf) < size:
            if self._stop.is_set():
                return None
            try:
                chunk = sock.recv(size - len(buf))
            except TimeoutError:
                continue
            # vpcd writes the length and the payload in two sends; with Nagle on its side, our
            # delayed ACK of the length would hold the payload back 40 ms. Linux clears
            # TCP_QUICKACK after use, so set it again after every read.
            if hasattr(socket, "TCP_QUICKACK"):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            if not chunk:
                return None
            buf += chunk
        return buf

    def _answer(self, message: bytes) -> bytes | None:
        """The reply to one vpcd message; None for no reply (control commands, pulled card)."""
        if len(message) == 1:
            if message[0] == CTRL_ATR:
                return self.atr
            if message[0] in (CTRL_ON, CTRL_RESET):
                self.powered = True
                self.applet.reset()
            elif message[0] == CTRL_OFF:
                self.powered = False
            return None
        if self._drop_at is not None and len(self.apdus) + 1 >= self._drop_at:
            self._drop_at = None
            self.apdus.append((message, b""))
            return None
        if self._hang.is_set():
            self._stop.wait()
            return None
        response = self.applet.process(message)
        self.apdus.append((message, response))
        return response


class SimulatedPcscReader(PcscReader):
    """A :class:`PcscReader` on vpcd whose ``close()`` also takes its virtual card away."""

    simulator: VirtualCard

    def close(self) -> None:
        """Close the reader and remove the virtual card."""
        super().close()
        self.simulator.remove()


_pcscd: service.PcscdService | None = None


def _shared_pcscd() -> None:
    """Start pcscd once per process when it is not running; stop it at exit if started here."""
    global _pcscd
    if _pcscd is None or not service.pcscd_running():
        _pcscd = service.ensure_pcscd()
        if _pcscd.started_here:
            atexit.register(_pcscd.stop)


def open_sim_url(url: str) -> SimulatedPcscReader:
    """``sim://smartcard?uid=<hex>&slot=<0|1>&inserted=<1|0>``: a reader with a virtual card."""
    parsed = parse_device_url(url)
    try:
        uid = bytes.fromhex(parsed.param("uid", DEFAULT_UID.hex()) or "")
    except ValueError:
        raise DeviceURLError(f"uid must be hex in {url}") from None
    if not 4 <= len(uid) <= 10:
        raise DeviceURLError(f"uid must have 4 to 10 bytes in {url}")
    slot = parsed.int_param("slot", 0)
    _shared_pcscd()
    card = VirtualCard(uid=uid, port=service.vpcd_port(slot))
    reader = SimulatedPcscReader(url, service.vpcd_reader_name(slot))
    reader.simulator = card
    if parsed.param("inserted", "1") != "0":
        card.insert()
        try:
            reader.wait_for_card(5.0)
        except Exception:
            reader.close()
            raise
    return reader
