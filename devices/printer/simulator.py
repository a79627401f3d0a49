"""A simulated ESC/POS thermal ticket printer on a real TCP socket (like port 9100).

It parses the byte stream as a printer does (text in GB 18030 after ``FS &``, alignment, bold,
character size, feeds, native QR codes, cuts, ``DLE EOT`` status queries); each cut becomes one
:class:`PrintedTicket` with its text lines, QR payloads and a PNG of the paper. Unknown commands
are logged and skipped; malformed ones are recorded (code ``printer.bad_stream``) and skipped.
Paper and cover are controlled by :meth:`EscposPrinterSimulator.set_paper` and
:meth:`~EscposPrinterSimulator.open_cover`; without paper, or with the cover open, nothing is
printed and the status answers say so. :meth:`~EscposPrinterSimulator.attach_pty` serves the same
printer on a pseudo-terminal, for the serial and device-file drivers.

``sim://printer?out=DIR&paper=ok|low|out&width=576&timeout=3`` (:func:`open_sim_url`) gives a
TCP driver wired to a simulator started for it.
"""

from __future__ import annotations

import logging
import socket
import struct
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devices.base import DeviceURLError, parse_device_url
from devices.printer import paper
from devices.printer.drivers import NetworkTicketPrinter
from devices.printer.errors import EscposStreamError
from devices.printer.escpos_stream import Command, parse_command
from devices.pty_link import PtySimulator

log = logging.getLogger("hallq.devices.printer.sim")

PAPER_STATES = ("ok", "low", "out")
# Status bits as an Epson printer sends them (fixed bits 1 and 4 always set).
_FIXED = 0x12
_OFFLINE, _COVER, _PAPER_END_STOP = 0x08, 0x04, 0x20
_NEAR_END, _PAPER_END = 0x0C, 0x60
_ALIGN = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}
_FEED_CUT_MODES = {65, 66, 97, 98, 103, 104}


@dataclass(frozen=True)
class PrintedTicket:
    """One cut piece of paper: its text lines, QR payloads and PNG."""

    index: int
    lines: tuple[str, ...]
    qr_payloads: tuple[str, ...]
    png_path: Path | None
    size: tuple[int, int]
    raw: bytes
    overflowing: tuple[str, ...] = ()
    """Lines wider than the paper, which the printer had to wrap (a layout fault)."""

    @property
    def text(self) -> str:
        """All text lines joined by newlines."""
        return "\n".join(self.lines)


class PrinterSession:
    """The print modes and buffers of one connection to the simulated printer."""

    def __init__(self, printer: EscposPrinterSimulator) -> None:
        self.printer = printer
        self._buf = bytearray()
        self._page_raw = bytearray()
        self._reset()

    def _reset(self) -> None:
        self.chinese = False
        self.align = 0
        self.bold = False
        self.size = (1, 1)
        self.qr_module, self.qr_ec, self.qr_model = 3, 0, 2
        self.qr_data: bytes | None = None
        self._line: list[tuple[tuple[bool, int, int, bool], bytearray]] = []
        self._line_align = 0
        self._blocks: list[paper.Block] = []
        self._lines: list[str] = []
        self._qrs: list[str] = []

    def feed(self, data: bytes) -> bytes:
        """Process received bytes; return the bytes the printer sends back (status answers)."""
        buf = bytes(self._buf + data)
        replies = bytearray()
        pos = 0
        while True:
            start = pos
            try:
                parsed = parse_command(buf, pos)
            except EscposStreamError as exc:
                self.printer.record_error(exc)
                pos += exc.skip
                self._page_raw += buf[start:pos]
                continue
            if parsed is None:
                break
            command, pos = parsed
            self._page_raw += buf[start:pos]
            replies += self._apply(command)
        self._buf = bytearray(buf[pos:])
        return bytes(replies)

    def _apply(self, cmd: Command) -> bytes:
        name = cmd.name
        if name == "text":
            self._add_text(cmd.data)
        elif name == "lf":
            self._end_line()
        elif name == "ht":
            self._add_text(b" " * (8 - sum(len(b) for _, b in self._line) % 8))
        elif name == "init":
            self._reset()
        elif name == "bold":
            self.bold = bool(cmd.args[0] & 1)
        elif name == "align":
            self.align = _ALIGN[cmd.args[0]]
        elif name == "print_mode":
            n = cmd.args[0]
            self.bold = bool(n & 0x08)
            self.size = (2 if n & 0x20 else 1, 2 if n & 0x10 else 1)
        elif name == "size":
            self.size = ((cmd.args[0] >> 4) + 1, (cmd.args[0] & 0x0F) + 1)
        elif name in ("chinese_on", "chinese_off"):
            self.chinese = name == "chinese_on"
        elif name in ("feed_lines", "feed_dots"):
            self._flush_line()
            unit = paper.LINE_SPACING if name == "feed_lines" else 1
            self._blocks.append(paper.Feed(cmd.args[0] * unit))
        elif name == "cut":
            self._cut(cmd.args[0], cmd.args[1])
        elif name == "status":
            return self.printer.status_answer(cmd.args[0])
        elif name.startswith("qr_"):
            self._qr(cmd)
        elif name == "unknown":
            self.printer.record_unknown(cmd.data)
        return b""

    # -- text --------------------------------------------------------------------------------
    def _add_text(self, data: bytes) -> None:
        attrs = (self.chinese, self.size[0], self.size[1], self.bold)
        if not self._line:
            self._line_align = self.align
        if self._line and self._line[-1][0] == attrs:
            self._line[-1][1].extend(data)
        else:
            self._line.append((attrs, bytearray(data)))

    def _end_line(self) -> None:
        if not self._line:
            self._blocks.append(paper.Feed(paper.LINE_SPACING))
            return
        segments = [
            paper.Segment(raw.decode("gb18030" if chinese else "cp437", errors="replace"),
                          width, height, bold, chinese)
            for (chinese, width, height, bold), raw in self._line
        ]
        line = paper.TextLine(segments, self._line_align)
        self._blocks.append(line)
        if line.text.strip():
            self._lines.append(line.text.strip())
        self._line = []

    def _flush_line(self) -> None:
        if self._line:
            self._end_line()

    # -- QR and cut --------------------------------------------------------------------------
    def _qr(self, cmd: Command) -> None:
        if cmd.name == "qr_model":
            self.qr_model = cmd.args[0]
        elif cmd.name == "qr_size":
            self.qr_module = cmd.args[0]
        elif cmd.name == "qr_ec":
            self.qr_ec = cmd.args[0]
        elif cmd.name == "qr_store":
            self.qr_data = cmd.data
        elif self.qr_data is None:
            self.printer.record_error(EscposStreamError("QR print without stored data"))
        elif self.qr_model == 3:
            self.printer.record_unknown(b"micro QR print (not simulated)")
        else:
            self._flush_line()
            try:
                image = paper.make_qr(self.qr_data, self.qr_module, self.qr_ec,
                                      self.printer.paper_width)
            except paper.QrTooLarge as exc:
                self.printer.record_error(EscposStreamError(str(exc)))
                return
            self._blocks.append(paper.QrBlock(image, self.qr_data, self.align))
            self._qrs.append(self.qr_data.decode("utf-8", errors="replace"))

    def _cut(self, mode: int, feed: int) -> None:
        self._flush_line()
        if mode in _FEED_CUT_MODES:
            self._blocks.append(paper.Feed(feed))
        self.printer.deliver(self._blocks, self._lines, self._qrs, bytes(self._page_raw))
        self._blocks, self._lines, self._qrs = [], [], []
        self._page_raw = bytearray()


class EscposPrinterSimulator:
    """A simulated ticket printer serving TCP (``start()``) and, on demand, a pty.

    ``tickets`` lists what was cut, in order; ``errors`` the malformed commands met (as
    EscposStreamError); ``unknown`` the skipped unknown commands; ``discarded`` how many cuts
    produced nothing because of paper or cover. ``silent = True`` makes it stop answering
    status queries; ``drop_after_bytes = n`` resets each connection after n received bytes;
    ``tickets_left = n`` ends the roll after n more tickets (the next one runs out mid-ticket).
    """

    def __init__(self, out_dir: str | Path | None = None, host: str = "127.0.0.1",
                 port: int = 0, paper_state: str = "ok",
                 paper_width: int = paper.PAPER_80MM) -> None:
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.host = host
        self.port = port
        self.paper_width = paper_width
        self.tickets: list[PrintedTicket] = []
        self.errors: list[EscposStreamError] = []
        self.unknown: list[bytes] = []
        self.discarded = 0
        self.silent = False
        self.drop_after_bytes: int | None = None
        self.tickets_left: int | None = None
        self._paper = "ok"
        self._cover_open = False
        self.set_paper(paper_state)
        self._cond = threading.Condition()
        self._running = False
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._threads_lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._ptys: list[_PtyLink] = []

    # -- paper and cover ---------------------------------------------------------------------
    @property
    def paper_roll(self) -> str:
        """The paper roll: "ok", "low" or "out"."""
        return self._paper

    def set_paper(self, state: str) -> None:
        """Set the paper roll to "ok", "low" (near end: still prints) or "out"."""
        if state not in PAPER_STATES:
            raise ValueError(f"paper state must be one of {PAPER_STATES}, not {state!r}")
        self._paper = state

    def open_cover(self) -> None:
        """Open the paper cover: the printer goes offline."""
        self._cover_open = True

    def close_cover(self) -> None:
        """Close the paper cover."""
        self._cover_open = False

    @property
    def can_print(self) -> bool:
        """True when paper is loaded and the cover closed."""
        return self._paper != "out" and not self._cover_open

    def status_byte(self, n: int) -> int:
        """The answer to ``DLE EOT n`` (1 printer, 2 offline cause, 3 errors, 4 paper)."""
        out = self._paper == "out"
        if n == 1:
            return _FIXED | (_OFFLINE if not self.can_print else 0)
        if n == 2:
            return _FIXED | (_COVER if self._cover_open else 0) | (_PAPER_END_STOP if out else 0)
        if n == 4:
            near = _NEAR_END if self._paper in ("low", "out") else 0
            return _FIXED | near | (_PAPER_END if out else 0)
        return _FIXED

    def status_answer(self, n: int) -> bytes:
        """The bytes sent back for ``DLE EOT n`` (none when ``silent``)."""
        return b"" if self.silent else bytes([self.status_byte(n)])

    # -- what was printed --------------------------------------------------------------------
    def record_error(self, error: EscposStreamError) -> None:
        """Note a malformed command (it was skipped)."""
        log.warning("malformed ESC/POS skipped: %s", error.detail)
        self.errors.append(error)

    def record_unknown(self, data: bytes) -> None:
        """Note an unknown or unsimulated command (it was skipped)."""
        log.debug("unknown ESC/POS command skipped: %r", data[:16])
        self.unknown.append(data)

    def deliver(self, blocks: list[paper.Block], lines: list[str], qrs: list[str],
                raw: bytes) -> None:
        """A cut: render the page to a ticket, or discard it when the printer cannot print."""
        if self.tickets_left is not None:
            if self.tickets_left <= 0:
                self._paper = "out"
            self.tickets_left -= 1
        if not self.can_print:
            log.info("cut without paper or with the cover open: nothing printed")
            with self._cond:
                self.discarded += 1
            return
        image = paper.render_page(blocks, self.paper_width)
        overflowing = tuple(block.text.strip() for block in blocks
                            if isinstance(block, paper.TextLine)
                            and len(paper.wrap(block, self.paper_width)) > 1)
        with self._cond:
            index = len(self.tickets) + 1
            path = None
            if self.out_dir is not None:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                path = self.out_dir / f"ticket-{index:04d}.png"
                image.save(path, compress_level=1)
            self.tickets.append(PrintedTicket(index, tuple(lines), tuple(qrs), path,
                                              image.size, raw, overflowing))
            self._cond.notify_all()

    def wait_tickets(self, count: int, timeout: float = 5.0) -> list[PrintedTicket]:
        """Wait until ``count`` tickets were printed; return them all (raise TimeoutError)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.tickets) >= count, timeout):
                raise TimeoutError(f"{len(self.tickets)} of {count} tickets printed")
            return list(self.tickets)

    def new_session(self) -> PrinterSession:
        """A parser session on this printer (one per connection)."""
        return PrinterSession(self)

    # -- TCP server --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The driver URL of this simulator."""
        return f"escpos+tcp://{self.host}:{self.port}"

    def start(self) -> EscposPrinterSimulator:
        """Listen on host:port (port 0 picks a free one, then :attr:`port` tells it)."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self.port))
            listener.listen(8)
        except OSError:
            listener.close()
            raise
        listener.settimeout(0.05)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._running = True
        self._spawn(self._accept_loop, "accept")
        log.info("ESC/POS printer simulator listening on %s:%d", self.host, self.port)
        return self

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True,
                                  name=f"printer-sim-{name}")
        with self._threads_lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while self._running:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            conn.settimeout(0.05)
            self._conns.add(conn)
            self._spawn(self._serve, "conn", conn)

    def _serve(self, conn: socket.socket) -> None:
        session = self.new_session()
        received = 0
        try:
            while self._running:
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    continue
                if not data:
                    break
                received += len(data)
                limit = self.drop_after_bytes
                if limit is not None and received >= limit:
                    session.feed(data[:len(data) - (received - limit)])
                    _reset(conn)
                    break
                reply = session.feed(data)
                if reply:
                    conn.sendall(reply)
        except OSError as exc:
            log.info("printer simulator connection ended: %s", exc)
        finally:
            self._conns.discard(conn)
            conn.close()

    def drop_connections(self) -> None:
        """Reset every open connection, as when the printer is switched off."""
        for conn in list(self._conns):
            _reset(conn)

    def attach_pty(self) -> _PtyLink:
        """Serve this printer on a new pty too; its ``.port`` is the path a driver opens."""
        link = _PtyLink(self)
        link.start()
        self._ptys.append(link)
        return link

    def stop(self) -> None:
        """Stop serving and close every socket and pty."""
        self._running = False
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._threads_lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=2)
        for link in self._ptys:
            link.stop()
        self._ptys = []

    def __enter__(self) -> EscposPrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _reset(conn: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a printer that lost power."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _PtyLink(PtySimulator):
    """The simulated printer on a pty (for ``escpos+serial`` and ``escpos+file``)."""

    def __init__(self, printer: EscposPrinterSimulator) -> None:
        super().__init__()
        self._session = printer.new_session()

    def on_bytes(self, data: bytes) -> None:
        reply = self._session.feed(data)
        if reply:
            self.write(reply)


class SimulatedTicketPrinter(NetworkTicketPrinter):
    """A TCP ticket-printer driver whose simulator stops when the driver is closed."""

    def __init__(self, url: str, simulator: EscposPrinterSimulator,
                 tempdir: tempfile.TemporaryDirectory[str] | None = None) -> None:
        super().__init__(url)
        self.simulator = simulator
        self._tempdir = tempdir

    def close(self) -> None:
        """Close the connection, stop the simulator and remove its temporary output."""
        super().close()
        self.simulator.stop()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None


def open_sim_url(url: str) -> SimulatedTicketPrinter:
    """``sim://printer?out=DIR&paper=ok``: a driver wired to a simulator started for it.

    Without ``out`` the PNGs go to a temporary directory removed by ``close()``.
    """
    parsed = parse_device_url(url)
    state = parsed.param("paper", "ok") or "ok"
    if state not in PAPER_STATES:
        raise DeviceURLError(f"paper={state!r} must be one of {PAPER_STATES} in {url}")
    out = parsed.param("out")
    tempdir = None
    if not out:
        tempdir = tempfile.TemporaryDirectory(prefix="hallq-printer-")
        out = tempdir.name
    simulator = EscposPrinterSimulator(
        out, port=parsed.int_param("port", 0), paper_state=state,
        paper_width=parsed.int_param("width", paper.PAPER_80MM),
    ).start()
    timeout = parsed.param("timeout")
    params = [f"timeout={timeout}"] if timeout else []
    if simulator.paper_width != paper.PAPER_80MM:
        params.append(f"width={simulator.paper_width}")  # the driver lays tickets out for it
    query = "?" + "&".join(params) if params else ""
    try:
        return SimulatedTicketPrinter(f"{simulator.url}{query}", simulator, tempdir)
    except Exception:
        simulator.stop()
        raise

