"""Ticket-printer drivers against the simulator (TCP, serial and device file over a pty) and
against printers that misbehave: silent, dropping the connection, answering garbage."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from escpos.printer import Network

from devices.base import DeviceState, DeviceTimeout, DeviceURLError
from devices.printer import drivers, tech
from devices.printer.drivers import (
    FileTicketPrinter,
    NetworkTicketPrinter,
    SerialTicketPrinter,
    UsbTicketPrinter,
    open_url,
)
from devices.printer.errors import (
    PrinterBadStatus,
    PrinterCoverOpen,
    PrinterDisconnected,
    PrinterPaperOut,
    PrinterTimeout,
    PrintFailed,
    TicketContentError,
    UsbUnavailable,
)
from devices.printer.simulator import EscposPrinterSimulator, SimulatedTicketPrinter
from devices.printer.ticket import TicketContent, render_ticket
from devices.registry import open_device

REPO = Path(__file__).resolve().parents[3]
CONTENT = TicketContent(
    hall_name="宝安区政务服务中心", theme_name="综合服务", number="C003", ahead=2,
    expected_wait_s=300, issued_at=datetime(2024, 6, 1, 10, 15), privacy_line="请留意叫号 / "
    "Please watch the screen", qr_url="https://hall.example.cn/t/c003",
)


class SilentServer:
    """A TCP server that accepts, records what it receives and never answers (or answers
    ``reply`` to every chunk, or half-closes each connection at once: EOF, no answer)."""

    def __init__(self, reply: bytes = b"", half_close: bool = False) -> None:
        self.reply, self.half_close = reply, half_close
        self.received = bytearray()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._running = True
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while self._running:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.05)
            if self.half_close:
                conn.shutdown(socket.SHUT_WR)
            while self._running:
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    continue
                if not data:
                    break
                self.received += data
                if self.reply:
                    conn.sendall(self.reply)

    def close(self) -> None:
        self._running = False
        for thread in self._threads:
            thread.join(timeout=2)
        self._listener.close()


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[EscposPrinterSimulator]:
    with EscposPrinterSimulator(tmp_path / "out") as simulator:
        yield simulator


@pytest.fixture
def printer(sim: EscposPrinterSimulator) -> Iterator[NetworkTicketPrinter]:
    driver = open_url(f"{sim.url}?timeout=1")
    assert isinstance(driver, NetworkTicketPrinter)
    yield driver
    driver.close()


def test_print_ticket_over_tcp(sim: EscposPrinterSimulator,
                               printer: NetworkTicketPrinter) -> None:
    changes: list[tuple[DeviceState, DeviceState]] = []
    printer.on_state_change(lambda old, new: changes.append((old, new)))
    assert printer.print_ticket(CONTENT) is DeviceState.READY
    (ticket,) = sim.tickets  # already there: the driver waited for the printer's answer
    assert ticket.lines[:4] == ("宝安区政务服务中心", "综合服务", "C003", "前面还有 2 人 / 2 ahead")
    assert ticket.qr_payloads == (CONTENT.qr_url,)
    # Everything since the last cut: the two status queries of the pre-check, then the ticket.
    assert ticket.raw == b"\x10\x04\x01" + b"\x10\x04\x04" + render_ticket(CONTENT)
    assert changes == [(DeviceState.UNKNOWN, DeviceState.READY),
                       (DeviceState.READY, DeviceState.BUSY),
                       (DeviceState.BUSY, DeviceState.READY)]


def test_paper_low_is_a_warning_and_still_prints(sim: EscposPrinterSimulator,
                                                 printer: NetworkTicketPrinter) -> None:
    sim.set_paper("low")
    assert printer.paper_status() is DeviceState.PAPER_LOW
    assert printer.print_ticket(CONTENT) is DeviceState.PAPER_LOW
    assert printer.state is DeviceState.PAPER_LOW
    assert len(sim.tickets) == 1


def test_paper_out_refuses_before_sending(sim: EscposPrinterSimulator,
                                          printer: NetworkTicketPrinter) -> None:
    sim.set_paper("out")
    assert printer.paper_status() is DeviceState.PAPER_OUT
    with pytest.raises(PrinterPaperOut) as info:
        printer.print_ticket(CONTENT)
    assert info.value.code == "printer.paper_out"
    assert printer.state is DeviceState.PAPER_OUT
    assert sim.tickets == [] and sim.discarded == 0  # the ticket was never sent
    sim.set_paper("ok")
    assert printer.print_ticket(CONTENT) is DeviceState.READY


def test_cover_open_is_reported_and_refused(sim: EscposPrinterSimulator,
                                            printer: NetworkTicketPrinter) -> None:
    sim.open_cover()
    assert printer.check_status() is DeviceState.COVER_OPEN
    assert printer.paper_status() is DeviceState.READY
    with pytest.raises(PrinterCoverOpen) as info:
        printer.print_ticket(CONTENT)
    assert info.value.code == "printer.cover_open"
    sim.close_cover()
    assert printer.check_status() is DeviceState.READY


def test_paper_running_out_mid_ticket_is_not_counted(sim: EscposPrinterSimulator,
                                                     printer: NetworkTicketPrinter) -> None:
    sim.tickets_left = 1
    assert printer.print_ticket(CONTENT) is DeviceState.READY
    with pytest.raises(PrintFailed) as info:
        printer.print_ticket(CONTENT)
    assert info.value.code == "printer.print_failed"
    assert printer.state is DeviceState.PAPER_OUT
    assert len(sim.tickets) == 1 and sim.discarded == 1


def test_silent_printer_is_a_timeout_never_paper_ok() -> None:
    server = SilentServer()
    driver = open_url(f"escpos+tcp://127.0.0.1:{server.port}?timeout=0.3")
    try:
        started = time.monotonic()
        with pytest.raises(PrinterTimeout) as info:
            driver.paper_status()
        assert 0.25 < time.monotonic() - started < 2
        assert info.value.code == "printer.timeout"
        assert isinstance(info.value, DeviceTimeout)
        assert driver.state is DeviceState.ERROR
        with pytest.raises(PrinterTimeout):
            driver.print_ticket(CONTENT)
        assert driver.state is DeviceState.ERROR
        assert bytes(server.received) == b"\x10\x04\x04" + b"\x10\x04\x01"  # no ticket sent
    finally:
        driver.close()
        server.close()


def test_python_escpos_alone_reads_silence_as_paper_ok() -> None:
    """Why the driver never trusts silence: python-escpos 3.1 says 2 ("paper adequate")."""
    server = SilentServer(half_close=True)
    raw = Network("127.0.0.1", server.port, timeout=1)
    raw.open()
    driver = open_url(f"escpos+tcp://127.0.0.1:{server.port}?timeout=1")
    try:
        time.sleep(0.1)
        assert raw.paper_status() == 2
        with pytest.raises(PrinterDisconnected):
            driver.paper_status()
        assert driver.state is DeviceState.DISCONNECTED
    finally:
        raw.close()
        driver.close()
        server.close()


def test_garbage_status_answer_is_rejected() -> None:
    server = SilentServer(reply=b"\xff")
    driver = open_url(f"escpos+tcp://127.0.0.1:{server.port}?timeout=1")
    try:
        with pytest.raises(PrinterBadStatus) as info:
            driver.check_status()
        assert info.value.code == "printer.bad_status"
        assert driver.state is DeviceState.ERROR
    finally:
        driver.close()
        server.close()


def test_simulator_going_silent_then_back(sim: EscposPrinterSimulator) -> None:
    driver = open_url(f"{sim.url}?timeout=0.3")
    try:
        sim.silent = True
        with pytest.raises(PrinterTimeout):
            driver.print_ticket(CONTENT)
        sim.silent = False
        assert driver.print_ticket(CONTENT) is DeviceState.READY
        assert len(sim.tickets) == 1
    finally:
        driver.close()


def test_connection_dropped_mid_print_then_recovers(sim: EscposPrinterSimulator,
                                                    printer: NetworkTicketPrinter) -> None:
    sim.drop_after_bytes = 6 + 120  # two status queries, then part of the ticket
    with pytest.raises(PrinterDisconnected) as info:
        printer.print_ticket(CONTENT)
    assert info.value.code == "printer.disconnected"
    assert printer.state is DeviceState.DISCONNECTED
    assert sim.tickets == []
    sim.drop_after_bytes = None
    assert printer.print_ticket(CONTENT) is DeviceState.READY
    assert [t.lines[2] for t in sim.tickets] == ["C003"]


def test_printer_switched_off_and_on_again(tmp_path: Path) -> None:
    first = EscposPrinterSimulator(tmp_path / "a").start()
    port = first.port
    driver = open_url(f"escpos+tcp://127.0.0.1:{port}?timeout=1")
    try:
        assert driver.print_ticket(CONTENT) is DeviceState.READY
        first.stop()
        with pytest.raises(PrinterDisconnected):
            driver.print_ticket(CONTENT)
        with pytest.raises(PrinterDisconnected):  # connection refused while it is off
            driver.check_status()
        assert driver.state is DeviceState.DISCONNECTED
        with EscposPrinterSimulator(tmp_path / "b", port=port) as second:
            assert driver.print_ticket(CONTENT) is DeviceState.READY
            assert len(second.tickets) == 1
    finally:
        driver.close()
        first.stop()


def test_bad_content_fails_before_any_io(sim: EscposPrinterSimulator,
                                         printer: NetworkTicketPrinter) -> None:
    with pytest.raises(TicketContentError):
        printer.print_ticket(TicketContent(**{**CONTENT.__dict__, "number": ""}))
    assert printer.state is DeviceState.UNKNOWN
    assert sim.tickets == []


def test_test_page(sim: EscposPrinterSimulator, printer: NetworkTicketPrinter) -> None:
    assert printer.print_test_page() is DeviceState.READY
    (page,) = sim.tickets
    assert page.lines[0] == "打印测试页"
    assert page.qr_payloads == ("hallq printer test",)


def test_serial_driver_over_pty(sim: EscposPrinterSimulator) -> None:
    link = sim.attach_pty()
    driver = open_url(f"escpos+serial://{link.port}?baud=115200&timeout=0.5")
    assert isinstance(driver, SerialTicketPrinter) and driver.baud == 115200
    try:
        assert driver.print_ticket(CONTENT) is DeviceState.READY
        assert sim.tickets[0].qr_payloads == (CONTENT.qr_url,)
        sim.set_paper("low")
        assert driver.paper_status() is DeviceState.PAPER_LOW
        sim.silent = True
        with pytest.raises(PrinterTimeout):
            driver.check_status()
        sim.silent = False
        assert driver.check_status() is DeviceState.PAPER_LOW  # reopened the port
    finally:
        driver.close()


def test_file_driver_over_pty(sim: EscposPrinterSimulator) -> None:
    link = sim.attach_pty()
    driver = open_url(f"escpos+file://{link.port}?timeout=0.5")
    assert isinstance(driver, FileTicketPrinter)
    try:
        assert driver.print_ticket(CONTENT) is DeviceState.READY
        assert sim.tickets[0].lines[2] == "C003"
        sim.set_paper("out")
        with pytest.raises(PrinterPaperOut):
            driver.print_ticket(CONTENT)
        sim.silent = True
        with pytest.raises(PrinterTimeout):
            driver.paper_status()
    finally:
        driver.close()


def test_missing_device_file_is_disconnected(tmp_path: Path) -> None:
    driver = open_url(f"escpos+file://{tmp_path}/lp9")
    with pytest.raises(PrinterDisconnected):
        driver.check_status()
    assert driver.state is DeviceState.DISCONNECTED


def test_usb_without_pyusb_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # python-escpos tells whether pyusb can be imported; make it say no, as on a machine
    # where pyusb is missing.
    monkeypatch.setattr(drivers.escpos_usb, "is_usable", lambda: False)
    driver = open_url("escpos+usb://0416:5011")
    assert isinstance(driver, UsbTicketPrinter)
    assert (driver.vendor, driver.product, driver.in_ep) == (0x0416, 0x5011, 0x82)
    with pytest.raises(UsbUnavailable) as info:
        driver.open()
    assert info.value.code == "printer.no_pyusb"
    assert "pyusb" in info.value.message_en


@pytest.mark.parametrize("url", ["escpos+usb://zz:5011", "escpos+tcp://?timeout=1",
                                 "escpos+tcp://h:9100?timeout=abc", "escpos+lpt:///dev/lp0",
                                 "escpos+tcp://h:9100?timeout=0"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(DeviceURLError):
        open_url(url)


def test_registry_opens_printers(tmp_path: Path) -> None:
    tcp = open_device("escpos+tcp://10.1.2.3")
    assert isinstance(tcp, NetworkTicketPrinter) and (tcp.host, tcp.port) == ("10.1.2.3", 9100)
    simulated = open_device(f"sim://printer?out={tmp_path}")
    try:
        assert isinstance(simulated, SimulatedTicketPrinter)
        assert simulated.print_ticket(CONTENT) is DeviceState.READY
        assert (tmp_path / "ticket-0001.png").is_file()
    finally:
        simulated.close()


def test_tech_self_test_and_discover() -> None:
    report = tech.self_test("sim://printer?paper=low")
    assert "test page printed; status after: paper_low" in report
    assert all(url.startswith("escpos+") for url, _ in tech.discover())


def test_tech_run_sim_standalone(tmp_path: Path) -> None:
    code = ("import argparse, sys; from devices.printer import tech; p = argparse.ArgumentParser();"
            " tech.add_sim_arguments(p); sys.exit(tech.run_sim(p.parse_args(sys.argv[1:])))")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--port", "0", "--out", str(tmp_path)],
        cwd=REPO, stdout=subprocess.PIPE, encoding="utf-8",
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        url = proc.stdout.readline().strip().removeprefix("URL: ")
        driver = open_url(url)
        try:
            assert driver.print_ticket(CONTENT) is DeviceState.READY
        finally:
            driver.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert "1 张小票 / tickets printed" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert (tmp_path / "ticket-0001.png").is_file()
