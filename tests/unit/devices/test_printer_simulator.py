"""The simulated printer over real TCP, driven by python-escpos's own Network printer."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import cv2
import pytest
from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.printer import Network

from devices.printer.errors import EscposStreamError
from devices.printer.simulator import EscposPrinterSimulator, open_sim_url
from devices.printer.ticket import TicketContent, render_ticket

CONTENT = TicketContent(
    hall_name="南山区政务服务中心", theme_name="工程建设", theme_name_en="Construction projects",
    number="B017", ahead=12, expected_wait_s=1500, issued_at=datetime(2024, 5, 6, 14, 5),
    privacy_line="4403**********1234", qr_url="https://hall.example.cn/t/b017?d=20240506",
)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[EscposPrinterSimulator]:
    with EscposPrinterSimulator(tmp_path / "out") as simulator:
        yield simulator


@pytest.fixture
def network(sim: EscposPrinterSimulator) -> Iterator[Network]:
    printer = Network(sim.host, sim.port, timeout=2)
    printer.open()
    yield printer
    printer.close()


def test_ticket_end_to_end_png_text_and_qr(sim: EscposPrinterSimulator, network: Network) -> None:
    network._raw(render_ticket(CONTENT))
    (ticket,) = sim.wait_tickets(1)
    assert ticket.png_path is not None and ticket.png_path.is_file()
    assert ticket.png_path.name == "ticket-0001.png"
    assert ticket.size[0] == 576 and 800 < ticket.size[1] < 1200
    assert ticket.lines[:5] == ("南山区政务服务中心", "工程建设", "Construction projects", "B017",
                                "前面还有 12 人 / 12 ahead")
    assert "预计等待 约 25 分钟 / about 25 min" in ticket.lines
    assert "取号时间 2024-05-06 14:05" in ticket.lines
    assert "4403**********1234" in ticket.lines
    assert ticket.qr_payloads == (CONTENT.qr_url,)
    image = cv2.imread(str(ticket.png_path))
    assert image is not None and image.shape[:2] == (ticket.size[1], 576)
    decoded, points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert decoded == CONTENT.qr_url
    assert points is not None and points[0][:, 1].min() > ticket.size[1] / 2  # QR below the text
    assert sim.errors == [] and sim.unknown == []


def test_each_cut_is_one_ticket(sim: EscposPrinterSimulator, network: Network) -> None:
    second = TicketContent(**{**CONTENT.__dict__, "number": "B018", "ahead": 13})
    network._raw(render_ticket(CONTENT) + render_ticket(second))
    tickets = sim.wait_tickets(2)
    assert [t.lines[3] for t in tickets] == ["B017", "B018"]
    assert sorted(p.name for p in (sim.out_dir or Path()).iterdir()) == [
        "ticket-0001.png", "ticket-0002.png"]
    assert tickets[1].raw == render_ticket(second)


@pytest.mark.parametrize(
    ("paper", "cover_open", "printer_byte", "paper_byte", "escpos_paper"),
    [
        ("ok", False, 0x12, 0x12, 2),
        ("low", False, 0x12, 0x1E, 1),
        ("out", False, 0x1A, 0x7E, 0),
        ("ok", True, 0x1A, 0x12, 2),
    ],
)
def test_status_answers_as_python_escpos_reads_them(
        sim: EscposPrinterSimulator, network: Network, paper: str, cover_open: bool,
        printer_byte: int, paper_byte: int, escpos_paper: int) -> None:
    sim.set_paper(paper)
    if cover_open:
        sim.open_cover()
    assert network.query_status(RT_STATUS_ONLINE) == bytes([printer_byte])
    assert network.query_status(RT_STATUS_PAPER) == bytes([paper_byte])
    assert network.paper_status() == escpos_paper
    assert network.is_online() is (paper != "out" and not cover_open)


def test_cover_open_cause_byte(sim: EscposPrinterSimulator, network: Network) -> None:
    sim.open_cover()
    assert network.query_status(b"\x10\x04\x02") == b"\x16"
    sim.close_cover()
    sim.set_paper("out")
    assert network.query_status(b"\x10\x04\x02") == b"\x32"


def test_out_of_paper_prints_nothing(sim: EscposPrinterSimulator, network: Network) -> None:
    sim.set_paper("out")
    network._raw(render_ticket(CONTENT))
    assert network.query_status(RT_STATUS_PAPER) == b"\x7e"  # answered after the cut
    assert sim.tickets == [] and sim.discarded == 1
    assert list((sim.out_dir or Path()).glob("*.png")) == []


def test_chinese_without_fs_ampersand_is_garbled(sim: EscposPrinterSimulator,
                                                 network: Network) -> None:
    network._raw(b"\x1b@" + "前面还有".encode("gb18030") + b"\n\x1dV\x01")
    (ticket,) = sim.wait_tickets(1)
    assert ticket.lines == ("╟░├µ╗╣╙╨",)  # code page 437, as a printer not in Chinese mode


def test_unknown_commands_are_skipped(sim: EscposPrinterSimulator, network: Network) -> None:
    noise = b"\x1b\x99" + b"\x1d(L\x02\x0002" + b"\x07" + b"\x1bp\x00\x19\xfa"
    network._raw(noise + render_ticket(CONTENT))
    (ticket,) = sim.wait_tickets(1)
    assert ticket.qr_payloads == (CONTENT.qr_url,)
    assert b"\x1b\x99" in sim.unknown and b"\x07" in sim.unknown
    assert sim.errors == []


@pytest.mark.allow_log("malformed ESC/POS skipped")
def test_malformed_command_keeps_connection_usable(sim: EscposPrinterSimulator,
                                                   network: Network) -> None:
    network._raw(b"\x1d!\x99" + b"\x1dV\x07" + b"\x1d(k\x03\x001C\x00")
    assert network.query_status(RT_STATUS_ONLINE) == b"\x12"
    assert [e.code for e in sim.errors] == ["printer.bad_stream"] * 3
    assert all(isinstance(e, EscposStreamError) for e in sim.errors)
    network._raw(render_ticket(CONTENT))
    assert sim.wait_tickets(1)[0].lines[3] == "B017"


def test_garbage_then_new_connection_prints(sim: EscposPrinterSimulator) -> None:
    with socket.create_connection((sim.host, sim.port), timeout=2) as sock:
        sock.sendall(bytes(range(256)) * 4 + b"\x1d(k\xff\xff")  # leaves a 64 KB command open
    printer = Network(sim.host, sim.port, timeout=2)
    printer.open()
    try:
        printer._raw(render_ticket(CONTENT))
        assert sim.wait_tickets(1)[-1].qr_payloads == (CONTENT.qr_url,)
    finally:
        printer.close()


def test_58mm_paper_width(tmp_path: Path) -> None:
    with EscposPrinterSimulator(tmp_path, paper_width=384) as sim:
        printer = Network(sim.host, sim.port, timeout=2)
        printer.open()
        try:
            printer._raw(render_ticket(CONTENT))
            (ticket,) = sim.wait_tickets(1)
        finally:
            printer.close()
    assert ticket.size[0] == 384
    image = cv2.imread(str(ticket.png_path))
    assert image is not None
    assert cv2.QRCodeDetector().detectAndDecode(image)[0] == CONTENT.qr_url


def test_sim_url_gives_driver_with_simulator(tmp_path: Path) -> None:
    driver = open_sim_url(f"sim://printer?out={tmp_path}&paper=low")
    try:
        assert driver.simulator.paper_roll == "low"
        assert driver.url == f"escpos+tcp://127.0.0.1:{driver.simulator.port}"
        port = driver.simulator.port
    finally:
        driver.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_sim_url_without_out_cleans_its_directory() -> None:
    driver = open_sim_url("sim://printer")
    out = driver.simulator.out_dir
    assert out is not None and out.is_dir()
    driver.close()
    assert not out.exists()
