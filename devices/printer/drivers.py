"""Ticket printer drivers: one interface, one driver per transport, all over python-escpos.

URLs (``timeout`` is seconds for every I/O, default 3; ``width`` the printable width of the
paper in dots, 576 for 80 mm paper (the default) or 384 for 58 mm):

* ``escpos+tcp://host:9100``                network printer (``escpos.printer.Network``)
* ``escpos+serial:///dev/ttyS1?baud=9600``  serial printer (``escpos.printer.Serial``)
* ``escpos+usb://0416:5011?in_ep=0x81&out_ep=0x03``  USB printer (``escpos.printer.Usb``, pyusb)
* ``escpos+file:///dev/usb/lp0``            printer device file (``escpos.printer.File``)

A ticket is checked for, then confirmed by, real ``DLE EOT`` status answers: the printer must
say it has paper before the ticket is sent and say it is still fine after. Silence is never
"paper OK" (python-escpos 3.1's ``paper_status()`` returns "paper adequate" when nothing
answers): no answer in time is :class:`PrinterTimeout`. After any I/O failure the transport
is closed, and the next call reconnects.

Error codes: see :mod:`devices.printer.errors` (printer.paper_out, printer.cover_open,
printer.offline, printer.timeout, printer.disconnected, printer.print_failed,
printer.bad_status, printer.bad_ticket, printer.no_pyusb; printer.paper_low is a warning).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import select
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from escpos.constants import DLE, EOT
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network, Serial, Usb
from escpos.printer import usb as escpos_usb

from devices.base import Device, DeviceState, DeviceURLError, parse_device_url
from devices.printer import layout, status
from devices.printer.errors import (
    PrinterBadStatus,
    PrinterCoverOpen,
    PrinterDisconnected,
    PrinterError,
    PrinterOffline,
    PrinterPaperOut,
    PrinterTimeout,
    PrintFailed,
    UsbUnavailable,
)
from devices.printer.receipt import ReceiptContent, render_receipt
from devices.printer.slip import SlipContent, render_slip
from devices.printer.ticket import TicketContent, render_test_page, render_ticket

log = logging.getLogger("hallq.devices.printer")

DEFAULT_TIMEOUT_S = 3.0
DEFAULT_TCP_PORT = 9100
PRINTED_STATES = frozenset({DeviceState.READY, DeviceState.PAPER_LOW})
_TIMEOUT_NAMES = {"SerialTimeoutException", "USBTimeoutError"}


class TicketPrinter(Device):
    """A thermal ticket printer: print a hall ticket, report paper and printer status."""

    kind = "printer"

    def print_ticket(self, content: TicketContent) -> DeviceState:
        """Print one ticket; return READY or PAPER_LOW once the printer confirmed it.

        Raises a PrinterError subclass when the ticket was refused or not confirmed.
        """
        raise NotImplementedError

    def print_slip(self, content: SlipContent) -> DeviceState:
        """Print a slip (a service guide, a receipt); returns like :meth:`print_ticket`."""
        raise NotImplementedError

    def print_receipt(self, content: ReceiptContent) -> DeviceState:
        """Print a self-service submission's receipt (回执); returns like :meth:`print_ticket`."""
        raise NotImplementedError

    def paper_status(self) -> DeviceState:
        """READY, PAPER_LOW or PAPER_OUT from the roll paper sensor."""
        raise NotImplementedError

    def check_status(self) -> DeviceState:
        """Ask the printer for its full status, update :attr:`state` and return it."""
        raise NotImplementedError

    def print_test_page(self) -> DeviceState:
        """Print a technician's test page; returns like :meth:`print_ticket`."""
        raise NotImplementedError


def timeout_param(params: dict[str, str], url: str) -> float:
    """The ``timeout`` query parameter in seconds (positive), or the default."""
    value = params.get("timeout")
    if value is None:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise DeviceURLError(f"timeout={value!r} is not a positive number in {url}")
    return seconds


def width_param(params: dict[str, str], url: str) -> int:
    """The ``width`` query parameter: printable dots across the paper (default 80 mm)."""
    value = params.get("width")
    if value is None:
        return layout.PAPER_80MM_DOTS
    if not value.isdigit() or not 96 <= int(value) <= 832:
        raise DeviceURLError(f"width={value!r} is not 96-832 dots (576 = 80 mm, 384 = 58 mm) "
                             f"in {url}")
    return int(value)


class EscposTicketPrinter(TicketPrinter):
    """The ticket-printer protocol over a python-escpos transport; subclasses make the transport.

    Subclasses implement :meth:`_make_escpos`, :meth:`_read_answer` (raise TimeoutError on
    silence, ConnectionError when the other end closed) and optionally :meth:`_drain`.
    """

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        super().__init__(url)
        self.timeout = timeout
        self.paper_dots = width_param(
            dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)), url)
        self._escpos: Escpos | None = None
        self._lock = threading.RLock()

    # -- transport hooks -------------------------------------------------------------------
    def _make_escpos(self) -> Escpos:
        raise NotImplementedError

    def _read_answer(self, printer: Escpos) -> bytes:
        raise NotImplementedError

    def _drain(self, printer: Escpos) -> None:
        """Discard bytes already waiting (late answers to an earlier query)."""

    # -- connection --------------------------------------------------------------------------
    def open(self) -> None:
        """Connect now (otherwise the first call connects); raise PrinterDisconnected."""
        with self._lock:
            self._connected()

    def close(self) -> None:
        """Close the transport."""
        with self._lock:
            self._drop()

    def _connected(self) -> Escpos:
        if self._escpos is None:
            printer = self._make_escpos()
            with self._io("open"):
                printer.open()
            self._escpos = printer
        return self._escpos

    def _drop(self) -> None:
        printer, self._escpos = self._escpos, None
        if printer is not None:
            try:
                printer.close()
            except (OSError, ValueError) as exc:
                log.debug("closing %s: %s", self.url, exc)

    @contextlib.contextmanager
    def _io(self, what: str) -> Iterator[None]:
        """Turn transport exceptions into typed errors; drop the transport so the next call
        reconnects."""
        try:
            yield
        except PrinterError:
            raise
        except Exception as exc:
            timed_out = isinstance(exc, TimeoutError) or type(exc).__name__ in _TIMEOUT_NAMES
            if not timed_out and not isinstance(exc, OSError | DeviceNotFoundError):
                raise
            self._drop()
            if timed_out:
                self._set_state(DeviceState.ERROR)
                raise PrinterTimeout(f"{what} on {self.url}: {exc}") from exc
            self._set_state(DeviceState.DISCONNECTED)
            raise PrinterDisconnected(f"{what} on {self.url}: {exc}") from exc

    # -- status ------------------------------------------------------------------------------
    def _query(self, n: int) -> int:
        printer = self._connected()
        with self._io(f"DLE EOT {n}"):
            self._drain(printer)
            printer._raw(DLE + EOT + bytes([n]))
            answer = self._read_answer(printer)
        try:
            return status.answer_byte(n, answer)
        except PrinterBadStatus:
            self._drop()  # the byte stream is out of step: start over on a new connection
            self._set_state(DeviceState.ERROR)
            raise

    def paper_status(self) -> DeviceState:
        """READY, PAPER_LOW or PAPER_OUT from ``DLE EOT 4``; raises when the printer is silent."""
        with self._lock:
            return status.paper_state(self._query(status.QUERY_PAPER))

    def check_status(self) -> DeviceState:
        """Full status from ``DLE EOT 1`` and ``4`` (and ``2`` when offline); sets :attr:`state`."""
        with self._lock:
            printer_byte = self._query(status.QUERY_PRINTER)
            paper_byte = self._query(status.QUERY_PAPER)
            cause = None
            if printer_byte & status.OFFLINE:
                cause = self._query(status.QUERY_OFFLINE_CAUSE)
            state = status.printer_state(printer_byte, paper_byte, cause)
            self._set_state(state)
            return state

    # -- printing ----------------------------------------------------------------------------
    def print_ticket(self, content: TicketContent) -> DeviceState:
        """Print one ticket (see :meth:`TicketPrinter.print_ticket`)."""
        return self._print(render_ticket(content, self.paper_dots), f"ticket {content.number}")

    def print_slip(self, content: SlipContent) -> DeviceState:
        """Print one slip (see :meth:`TicketPrinter.print_slip`)."""
        return self._print(render_slip(content, self.paper_dots), "slip")
    def print_receipt(self, content: ReceiptContent) -> DeviceState:
        """Print a submission receipt (see :meth:`TicketPrinter.print_receipt`)."""
        return self._print(render_receipt(content, self.paper_dots),
                           f"receipt {content.receipt_code}")

    def print_test_page(self) -> DeviceState:
        """Print the technician's test page."""
        return self._print(render_test_page(self.url, datetime.now()), "test page")

    def _print(self, data: bytes, what: str) -> DeviceState:
        with self._lock:
            _refuse_unless_printable(self.check_status())
            self._set_state(DeviceState.BUSY)
            printer = self._connected()
            with self._io(f"sending {what}"):
                printer._raw(data)
            # The printer answers DLE EOT once it has received everything before it: an
            # answer saying "paper OK, online" is the confirmation that the ticket went out.
            try:
                after = self.check_status()
            except PrinterError as exc:
                raise type(exc)(f"{what} sent but not confirmed: {exc.detail}") from exc
            if after not in PRINTED_STATES:
                raise PrintFailed(f"{what}: printer reports {after.value} after printing")
            log.info("printed %s on %s (%s)", what, self.url, after.value)
            return after


def _refuse_unless_printable(state: DeviceState) -> None:
    if state is DeviceState.PAPER_OUT:
        raise PrinterPaperOut("refused before printing")
    if state is DeviceState.COVER_OPEN:
        raise PrinterCoverOpen("refused before printing")
    if state not in PRINTED_STATES:
        raise PrinterOffline(f"printer state {state.value}")


# -- TCP ---------------------------------------------------------------------------------------
class _Network(Network):
    """python-escpos Network that closes its socket when connecting fails and sets TCP_NODELAY."""

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            self.device = None
            raise DeviceNotFoundError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.device = sock


class NetworkTicketPrinter(EscposTicketPrinter):
    """A printer on TCP port 9100 (``escpos+tcp://host:9100``)."""

    def __init__(self, url: str) -> None:
        parsed = parse_device_url(url)
        if not parsed.host:
            raise DeviceURLError(f"no host in {url}")
        super().__init__(url, timeout_param(parsed.params, url))
        self.host = parsed.host
        self.port = parsed.port or DEFAULT_TCP_PORT

    def _make_escpos(self) -> Escpos:
        return _Network(self.host, self.port, timeout=self.timeout)

    def _read_answer(self, printer: Escpos) -> bytes:
        data = printer._read()
        if not data:
            raise ConnectionResetError("the printer closed the connection")
        return data

    def _drain(self, printer: Escpos) -> None:
        sock = printer.device
        assert isinstance(sock, socket.socket)
        sock.setblocking(False)
        try:
            while sock.recv(64):
                pass
        except BlockingIOError:
            pass
        finally:
            sock.settimeout(self.timeout)


# -- serial ------------------------------------------------------------------------------------
class _Serial(Serial):
    """python-escpos Serial with a write timeout, and reads that return as soon as the
    answer is in (its own ``read(16)`` waits the whole timeout for 16 bytes)."""

    def open(self, raise_not_found: bool = True) -> None:
        super().open(raise_not_found)
        if self._device:
            self._device.write_timeout = self.timeout

    def _read(self) -> bytes:
        assert self._device
        data = self._device.read(1)
        if data and self._device.in_waiting:
            data += self._device.read(self._device.in_waiting)
        return bytes(data)


class SerialTicketPrinter(EscposTicketPrinter):
    """A printer on a serial port (``escpos+serial:///dev/ttyS1?baud=9600``)."""

    def __init__(self, url: str) -> None:
        parsed = parse_device_url(url)
        if not parsed.path:
            raise DeviceURLError(f"no serial port path in {url}")
        super().__init__(url, timeout_param(parsed.params, url))
        self.path = parsed.path
        self.baud = parsed.int_param("baud", 9600)

    def _make_escpos(self) -> Escpos:
        return _Serial(devfile=self.path, baudrate=self.baud, timeout=self.timeout)

    def _read_answer(self, printer: Escpos) -> bytes:
        data = printer._read()
        if not data:
            raise TimeoutError(f"no answer within {self.timeout} s")
        return bytes(data)

    def _drain(self, printer: Escpos) -> None:
        printer.device.reset_input_buffer()  # type: ignore[union-attr]


# -- USB ---------------------------------------------------------------------------------------
class _Usb(Usb):
    """python-escpos Usb whose status reads use the driver's timeout."""

    def _read(self) -> bytes:
        assert self.device
        return bytes(self.device.read(self.in_ep, 16, self.timeout))  # type: ignore[attr-defined]


class UsbTicketPrinter(EscposTicketPrinter):
    """A USB printer by vendor:product id in hex (``escpos+usb://0416:5011``); needs pyusb."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query))
        vendor, _, product = parts.netloc.partition(":")
        try:
            self.vendor, self.product = int(vendor, 16), int(product, 16)
            self.in_ep = int(params.get("in_ep", "0x82"), 0)
            self.out_ep = int(params.get("out_ep", "0x01"), 0)
        except ValueError:
            raise DeviceURLError(f"expected escpos+usb://VVVV:PPPP (hex ids) in {url}") from None
        super().__init__(url, timeout_param(params, url))

    def _make_escpos(self) -> Escpos:
        if not escpos_usb.is_usable():
            raise UsbUnavailable(f"cannot open {self.url}: install pyusb (python package 'pyusb')")
        return _Usb(self.vendor, self.product, timeout=int(self.timeout * 1000),
                    in_ep=self.in_ep, out_ep=self.out_ep)

    def _read_answer(self, printer: Escpos) -> bytes:
        data = printer._read()
        if not data:
            raise TimeoutError(f"no answer within {self.timeout} s")
        return data


# -- device file -------------------------------------------------------------------------------
class _ReadWriteFile(File):
    """python-escpos File opened read-write, so status answers can be read back.

    ``/dev/usb/lp0`` may be opened only once, so reads and writes share one descriptor;
    both run under the timeout (the descriptor is non-blocking).
    """

    def __init__(self, devfile: str, timeout: float) -> None:
        super().__init__(devfile)
        self.timeout = timeout
        self._file: io.FileIO | None = None

    def open(self, raise_not_found: bool = True) -> None:
        self.close()
        try:
            fd = os.open(self.devfile, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            self.device = None
            raise DeviceNotFoundError(f"cannot open {self.devfile}: {exc}") from exc
        self._file = io.FileIO(fd, "r+", closefd=True)
        self.device = self._file

    def _fd(self) -> int:
        assert self._file is not None, "device file not open"
        return self._file.fileno()

    def _raw(self, msg: bytes) -> None:
        view = memoryview(msg)
        deadline = time.monotonic() + self.timeout
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"writing to {self.devfile} timed out")
            if select.select([], [self._fd()], [], remaining)[1]:
                with contextlib.suppress(BlockingIOError):
                    view = view[os.write(self._fd(), view):]

    def _read(self) -> bytes:
        if not select.select([self._fd()], [], [], self.timeout)[0]:
            raise TimeoutError(f"no answer within {self.timeout} s")
        data = os.read(self._fd(), 16)
        if not data:
            raise ConnectionResetError(f"{self.devfile} was closed")
        return data

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._device = False


class FileTicketPrinter(EscposTicketPrinter):
    """A printer device file such as ``/dev/usb/lp0`` (``escpos+file:///dev/usb/lp0``)."""

    def __init__(self, url: str) -> None:
        parsed = parse_device_url(url)
        if not parsed.path:
            raise DeviceURLError(f"no device file path in {url}")
        super().__init__(url, timeout_param(parsed.params, url))
        self.path = parsed.path

    def _make_escpos(self) -> Escpos:
        return _ReadWriteFile(self.path, self.timeout)

    def _read_answer(self, printer: Escpos) -> bytes:
        return printer._read()

    def _drain(self, printer: Escpos) -> None:
        assert isinstance(printer, _ReadWriteFile)
        with contextlib.suppress(BlockingIOError):
            while os.read(printer._fd(), 64):
                pass


_DRIVERS: dict[str, type[EscposTicketPrinter]] = {
    "escpos+tcp": NetworkTicketPrinter,
    "escpos+serial": SerialTicketPrinter,
    "escpos+usb": UsbTicketPrinter,
    "escpos+file": FileTicketPrinter,
}


def open_url(url: str) -> EscposTicketPrinter:
    """The ticket printer an ``escpos+<transport>://`` URL names (it connects on first use)."""
    driver = _DRIVERS.get(urlsplit(url).scheme.lower())
    if driver is None:
        raise DeviceURLError(f"not a ticket printer URL: {url!r}; known: {sorted(_DRIVERS)}")
    return driver(url)
