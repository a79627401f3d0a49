"""Find which device is on each serial port by asking it, instead of guessing from the port.

Each port is asked, with short timeouts, in an order that cannot disturb another kind of device:

1. **ESC/POS printer** — ``DLE EOT 1`` (real-time printer status) at the printer bauds. A
   printer prints any byte it does not understand, so it must be found before anything else is
   sent; ``DLE EOT`` is answered without printing. A printer counts when it answers exactly one
   byte with the fixed status bits, twice (``DLE EOT 1`` and ``DLE EOT 4``); it then gets
   ``ESC @`` (initialise), which drops any noise it took at the wrong bauds from its buffer.
2. **GA 467 ID-card reader** — a SAM status request at the reader bauds. Any GA 467 answer with
   a good checksum counts, whatever its status (a reader with a failing SAM is still there).
3. **Hall bus** (LED screens, rating pads, calling keypads) at 9600 baud — each address 1..16
   gets one frame; a device answers only its own address, each command in turn (no two devices
   talk at once). A device that answered is named by the status command it knows (LED 0x30,
   rating pad 0x40, keypad 0x50); status changes nothing on any of them.

The readers and the bus devices ignore every byte that is not a whole frame of their own
protocol with a good checksum, so steps 1 and 2 leave them untouched; steps 2 and 3 are never
sent to a port where a printer answered. Answers that are not a whole, well-formed reply
(line noise, an echo, another protocol) count as silence. Ports are probed in parallel, one
thread each, so the whole probe takes about as long as one silent port:
``(len(PRINTER_BAUDS) + len(READER_BAUDS) + len(BUS_ADDRESSES)) * timeout`` plus a little.

A port another program holds open (``exclusive``) is reported busy, not probed. Stop the
hallq apps on this machine before probing: a port they use without a lock would get the
probe's frames in the middle of theirs.
"""

from __future__ import annotations

import glob
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import serial
from serial.tools import list_ports

from devices import busframe
from devices.base import DeviceError
from devices.busframe import FrameReply
from devices.idcard import protocol as ga467
from devices.keypad import protocol as keypad_protocol
from devices.led.protocols import HallBusLedProtocol
from devices.printer import status as escpos_status
from devices.rating import protocol as rating_protocol

log = logging.getLogger("hallq.devices.probe")

PRINTER_BAUDS = (9600, 19200, 38400, 115200)
READER_BAUDS = (115200, 9600, 57600)
BUS_BAUD = 9600
BUS_ADDRESSES = range(1, 17)
#: Seconds to wait for each answer; a device on a 9600-baud line answers within ~30 ms.
DEFAULT_TIMEOUT = 0.15
#: A printer's status answer is one byte; more bytes within this time make it noise.
QUIET_S = 0.03

DLE_EOT = b"\x10\x04"
ESC_INIT = b"\x1b\x40"
#: (kind, status CTRL) of the bus devices, in the order they are asked.
BUS_KINDS = (("led", HallBusLedProtocol.STATUS), ("rating", rating_protocol.STATUS),
             ("keypad", keypad_protocol.STATUS))
BUS_STATUS_OK = 0x00
KIND_NAMES = {
    "printer": "小票打印机 / ticket printer",
    "idcard": "身份证阅读器 / ID-card reader",
    "led": "窗口屏 / LED screen",
    "rating": "评价器 / rating pad",
    "keypad": "呼叫器 / calling keypad",
}

T = TypeVar("T")


@dataclass(frozen=True)
class Found:
    """A device that answered: its kind (``printer``, ``idcard``, ``led``, ``rating``,
    ``keypad``), the port it answered on, its driver URL and a bilingual description."""

    kind: str
    port: str
    url: str
    description: str


@dataclass
class PortResult:
    """What one port gave: the devices that answered, or why none could (``error``)."""

    port: str
    found: list[Found] = field(default_factory=list)
    error: str = ""


def candidate_ports() -> list[str]:
    """The serial ports to probe: pyserial's list plus the ``/dev/hallq-*`` links the udev
    rules make; a port reachable by a link is listed once, by its link (the stable name)."""
    links = [path for path in sorted(glob.glob("/dev/hallq-*"))  # not USB printers' nodes
             if not os.path.realpath(path).startswith(("/dev/usb/", "/dev/bus/"))]
    named = {os.path.realpath(path) for path in links}
    others = [port.device for port in sorted(list_ports.comports(), key=lambda p: p.device)
              if os.path.realpath(port.device) not in named]
    return links + others


def probe_ports(ports: Iterable[str], timeout: float = DEFAULT_TIMEOUT) -> list[Found]:
    """Ask every port in ``ports`` (paths such as ``/dev/ttyUSB0``) which device is on it.

    Returns the devices that answered, in the order of ``ports`` (bus devices by address),
    each with the URL a driver opens it with. Never raises for a port: a silent, busy, missing
    or garbage-speaking port gives nothing. ``timeout`` (seconds) is how long each question
    waits; ports are probed in parallel, so the whole call takes about
    ``23 * timeout`` seconds (see the module docstring). Used by ``hallq devices list`` and
    ``hallq provision``; :func:`probe_all` also tells why a port gave nothing.
    """
    return [found for result in probe_all(ports, timeout) for found in result.found]


def probe_all(ports: Iterable[str], timeout: float = DEFAULT_TIMEOUT) -> list[PortResult]:
    """One :class:`PortResult` per port, in order, the ports probed in parallel."""
    results = [PortResult(port) for port in dict.fromkeys(ports)]
    threads = [threading.Thread(target=_probe_into, args=(result, timeout), daemon=True,
                                name=f"probe-{result.port}") for result in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _probe_into(result: PortResult, timeout: float) -> None:
    try:
        result.found = probe_port(result.port, timeout)
    except (OSError, serial.SerialException, DeviceError) as exc:
        result.error = _port_error(exc)
    except Exception as exc:  # one port's surprise must not stop the others
        log.debug("probing %s failed", result.port, exc_info=True)
        result.error = f"探测失败 / probe failed: {type(exc).__name__}: {exc}"


def _port_error(exc: BaseException) -> str:
    text = str(exc)
    if "exclusive" in text.lower() or "lock" in text.lower():
        return "端口被其他程序占用 / port busy (another program holds it)"
    return f"无法打开端口 / cannot open the port: {text}"


def probe_port(port: str, timeout: float = DEFAULT_TIMEOUT) -> list[Found]:
    """The devices on one port (see the module docstring for the order of the questions);
    raises OSError or ``serial.SerialException`` when the port cannot be opened."""
    line = serial.Serial(port, PRINTER_BAUDS[0], timeout=timeout, write_timeout=timeout,
                         exclusive=True)
    try:
        printer = _find_printer(line, port, timeout)
        if printer is not None:
            return [printer]
        reader = _find_reader(line, port, timeout)
        if reader is not None:
            return [reader]
        return _scan_bus(line, port, timeout)
    finally:
        line.close()


def ask(line: serial.Serial, request: bytes, take: Callable[[bytes], T | None],
        timeout: float) -> T | None:
    """Send ``request`` (after dropping stale input) and feed what comes back to ``take``
    until it returns an answer or ``timeout`` passes (None)."""
    line.reset_input_buffer()
    line.write(request)
    line.flush()
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        line.timeout = remaining
        chunk = line.read(max(1, line.in_waiting))
        if chunk:
            answer = take(chunk)
            if answer is not None:
                return answer
    return None


def _first_byte(chunk: bytes) -> bytes:
    return chunk


def _status_byte(line: serial.Serial, query: int, timeout: float) -> int | None:
    """The answer to ``DLE EOT query`` when it is exactly one status byte, else None."""
    answer = ask(line, DLE_EOT + bytes((query,)), _first_byte, timeout)
    if answer is None or len(answer) != 1:
        return None
    line.timeout = QUIET_S
    if line.read(1):
        return None  # more bytes follow: noise, not a status answer
    try:
        return escpos_status.check_status_byte(query, answer[0])
    except DeviceError:
        return None


def _find_printer(line: serial.Serial, port: str, timeout: float) -> Found | None:
    for baud in PRINTER_BAUDS:
        line.baudrate = baud
        printer = _status_byte(line, escpos_status.QUERY_PRINTER, timeout)
        if printer is None:
            continue
        paper = _status_byte(line, escpos_status.QUERY_PAPER, timeout)
        if paper is None:
            continue
        line.write(ESC_INIT)
        line.flush()
        state = escpos_status.printer_state(printer, paper)
        return Found("printer", port, f"escpos+serial://{port}?baud={baud}",
                     f"{KIND_NAMES['printer']}, {baud} baud, 状态 / state: {state.value}")
    return None


class _Ga467Answer:
    """Takes GA 467 answer bytes; the Response once a whole frame with a good checksum came.
    A bad frame is noise: it is skipped and the answer still awaited."""

    def __init__(self) -> None:
        self._decoder = ga467.FrameDecoder()

    def __call__(self, chunk: bytes) -> ga467.Response | None:
        self._decoder.feed(chunk)
        while True:
            try:
                payload = self._decoder.next_frame()
                return None if payload is None else ga467.Response.from_payload(payload)
            except ga467.FrameError:  # checksum and length errors are FrameErrors too
                continue


def _find_reader(line: serial.Serial, port: str, timeout: float) -> Found | None:
    request = ga467.encode_request(*ga467.SAM_STATUS)
    for baud in READER_BAUDS:
        line.baudrate = baud
        answer = ask(line, request, _Ga467Answer(), timeout)
        if answer is not None:
            sam = ga467.status_text(answer.sw3)
            return Found("idcard", port, f"ga467://{port}?baud={baud}",
                         f"{KIND_NAMES['idcard']}, {baud} baud, SAM {sam}")
    return None


class _BusAnswer:
    """Takes bus bytes; the reply frame from ``addr`` to ``ctrl`` once whole. Malformed
    frames are noise: skipped, the reply still awaited."""

    def __init__(self, addr: int, ctrl: int) -> None:
        self._reply = FrameReply(addr, ctrl)

    def __call__(self, chunk: bytes) -> busframe.Frame | None:
        data = chunk
        while True:
            try:
                return self._reply.feed(data)
            except busframe.BusFrameError:
                data = b""  # the decoder dropped the bad bytes; go on with what is left


def _scan_bus(line: serial.Serial, port: str, timeout: float) -> list[Found]:
    line.baudrate = BUS_BAUD
    found = []
    for addr in BUS_ADDRESSES:
        kind = _bus_kind(line, addr, timeout)
        if kind is None:
            continue
        url = f"{kind}://{port}?addr={addr}"
        description = f"{KIND_NAMES[kind]}, 地址 / address {addr}"
        if kind == "led":
            url += "&protocol=hallbus"
        found.append(Found(kind, port, url, description))
    return found


def _bus_kind(line: serial.Serial, addr: int, timeout: float) -> str | None:
    """The kind of device at ``addr``: the one whose status command it answers "done"; None
    when nothing answers. A device that answers but knows none of them is taken for an LED
    screen older than the LED status command (screens are the only other hall bus device)."""
    answered = False
    for kind, ctrl in BUS_KINDS:
        reply = ask(line, busframe.encode(addr, ctrl), _BusAnswer(addr, ctrl), timeout)
        if reply is None:
            if not answered:
                return None  # the first question doubles as "is anyone there"
            continue
        answered = True
        if reply.data[:1] == bytes((BUS_STATUS_OK,)):
            return kind
    return "led" if answered else None


def describe(results: Sequence[PortResult]) -> list[str]:
    """One note per port that gave no device: why (busy, cannot open) or that none answered."""
    notes = []
    for result in results:
        if result.error:
            notes.append(f"{result.port}: {result.error}")
        elif not result.found:
            notes.append(f"{result.port}: 没有设备应答 / no device answered")
    return notes


#: Where udev names each USB serial port by the socket it is plugged into.
BY_PATH = Path("/dev/serial/by-path")


def stable_port(port: str, by_path: Path = BY_PATH) -> str:
    """The name of ``port`` that stays the same across reboots and re-plugs in the same socket
    (``/dev/serial/by-path/…``), for a config to keep: ``/dev/ttyUSB0`` may be another adapter
    tomorrow when the bridge chip is a generic one with no serial number. ``port`` itself when
    it has no such name (a built-in port, a ``/dev/hallq-*`` link the udev rules made)."""
    if Path(port).name.startswith("hallq-"):
        return port
    target = os.path.realpath(port)
    for link in sorted(by_path.glob("*")) if by_path.is_dir() else []:
        if os.path.realpath(link) == target:
            return str(link)
    return port
