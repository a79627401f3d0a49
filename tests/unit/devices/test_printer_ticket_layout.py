"""Tickets that read right: long bilingual lines laid out for 80 and 58 mm paper, sent by the
real driver over TCP to the simulated printer, which prints exactly the printer's columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from escpos.printer import Network

from devices.base import DeviceURLError
from devices.printer import layout, paper
from devices.printer.drivers import open_url
from devices.printer.simulator import EscposPrinterSimulator, PrintedTicket, open_sim_url
from devices.printer.ticket import CHINESE_ON, TicketContent, cut, where_line

LONG = TicketContent(
    hall_name="福田区政务服务中心", theme_name="商事登记 · 企业设立登记",
    theme_name_en="Company registration", number="A018", ahead=6, expected_wait_s=1320,
    issued_at=datetime(2025, 3, 14, 9, 30), privacy_line="证件 4403**********1230",
    qr_url="http://hallq.local:8470/t/20250314-A018",
    notices=("预约签到 优先办理 / Appointment: priority",
             "过号请到服务台重新签到 / Missed the call? Ask at the desk"),
    waiting_area_zh="A 区", waiting_area_en="area A",
    windows=tuple(str(n) for n in (*range(1, 14), 29, 30)),
)


def printed(tmp_path: Path, content: TicketContent, width: int) -> PrintedTicket:
    """``content`` printed by the TCP driver on a simulated printer ``width`` dots wide."""
    driver = open_sim_url(f"sim://printer?out={tmp_path}&width={width}")
    try:
        driver.print_ticket(content)
        (ticket,) = driver.simulator.wait_tickets(1)
        assert driver.simulator.errors == []
        return ticket
    finally:
        driver.close()


@pytest.mark.parametrize("dots, width", [(576, 48), (384, 32)])
def test_no_line_runs_past_the_paper(tmp_path: Path, dots: int, width: int) -> None:
    ticket = printed(tmp_path, LONG, dots)
    assert ticket.overflowing == ()
    assert all(layout.columns(line) <= width for line in ticket.lines)
    assert ticket.size[0] == dots


@pytest.mark.parametrize("dots", [576, 384])
def test_the_missed_call_notice_is_whole_chinese_first(tmp_path: Path, dots: int) -> None:
    lines = printed(tmp_path, LONG, dots).lines
    at = lines.index("过号请到服务台重新签到")
    assert lines[at + 1] == "Missed the call? Ask at the desk"
    assert not any(line.startswith("t the desk") for line in lines)


def test_80mm_ticket_reads_as_a_citizen_would_check_it(tmp_path: Path) -> None:
    ticket = printed(tmp_path, LONG, 576)
    assert ticket.lines[:4] == ("福田区政务服务中心", "商事登记 · 企业设立登记",
                                "Company registration", "A018")
    assert "前面还有 6 人 / 6 ahead" in ticket.lines
    assert "预计等待 约 22 分钟 / about 22 min" in ticket.lines
    assert "请在 A 区等候 · 1-13、29、30 号窗口办理" in ticket.lines
    assert "Wait in area A · windows 1-13, 29, 30" in ticket.lines
    assert ticket.qr_payloads == (LONG.qr_url,)


def test_58mm_ticket_keeps_the_hall_name_on_one_line_and_wraps_chinese_first(
        tmp_path: Path) -> None:
    ticket = printed(tmp_path, LONG, 384)
    assert ticket.lines[:3] == ("福田区政务服务中心", "商事登记 · 企业设立登记",
                                "Company registration")
    at = ticket.lines.index("预计等待 约 22 分钟")
    assert ticket.lines[at + 1] == "about 22 min"
    at = ticket.lines.index("请在 A 区等候")     # too long for 32 columns: broken at its " · "
    assert ticket.lines[at:at + 4] == ("请在 A 区等候", "1-13、29、30 号窗口办理",
                                       "Wait in area A", "windows 1-13, 29, 30")


def test_a_long_number_shrinks_to_fit_narrow_paper(tmp_path: Path) -> None:
    ticket = printed(tmp_path, TicketContent(**{**LONG.__dict__, "number": "AB123456"}), 384)
    assert "AB123456" in ticket.lines and ticket.overflowing == ()


@pytest.mark.parametrize("query, dots", [("", 576), ("?width=384", 384),
                                         ("?timeout=2&width=576", 576)])
def test_the_paper_width_comes_from_the_printer_url(query: str, dots: int) -> None:
    assert open_url(f"escpos+tcp://127.0.0.1:9100{query}").paper_dots == dots


@pytest.mark.parametrize("width", ["58mm", "0", "10000", ""])
def test_a_wrong_paper_width_is_refused_saying_what_fits(width: str) -> None:
    with pytest.raises(DeviceURLError, match="576 = 80 mm, 384 = 58 mm"):
        open_url(f"escpos+serial:///dev/ttyS1?width={width}")


def test_where_to_wait_says_what_is_known() -> None:
    assert where_line(LONG) == ("请在 A 区等候 · 1-13、29、30 号窗口办理 / "
                                "Wait in area A · windows 1-13, 29, 30")
    only_windows = TicketContent(**{**LONG.__dict__, "waiting_area_zh": "",
                                    "waiting_area_en": "", "windows": ("1", "2", "5")})
    assert where_line(only_windows) == "1、2、5 号窗口办理 / windows 1, 2, 5"
    upstairs = TicketContent(**{**LONG.__dict__, "waiting_area_zh": "二楼大厅",
                                "waiting_area_en": "", "windows": ("7",)})
    assert where_line(upstairs) == "请在二楼大厅等候 · 7 号窗口办理 / Wait in 二楼大厅 · window 7"
    nothing = TicketContent(**{**LONG.__dict__, "waiting_area_zh": "", "windows": ()})
    assert where_line(nothing) == ""


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[EscposPrinterSimulator]:
    with EscposPrinterSimulator(tmp_path) as simulator:
        yield simulator


def send(sim: EscposPrinterSimulator, data: bytes) -> PrintedTicket:
    """Raw ESC/POS bytes over TCP (python-escpos); the ticket the simulator cut."""
    before = len(sim.tickets)
    network = Network(sim.host, sim.port, timeout=2)
    network.open()
    try:
        network._raw(data)
    finally:
        network.close()
    return sim.wait_tickets(before + 1)[-1]


def test_the_simulator_counts_a_middle_dot_as_two_columns(sim: EscposPrinterSimulator) -> None:
    fits = send(sim, CHINESE_ON + layout.encode("·" * 24) + b"\n" + cut())
    assert fits.overflowing == ()
    wraps = send(sim, CHINESE_ON + layout.encode("·" * 25) + b"\n" + cut())
    assert wraps.overflowing == ("·" * 25,)


def test_the_simulator_draws_the_last_character_of_an_item_name_whole() -> None:
    """"企业设立登记" after a middle dot: its last character is drawn in its own cell exactly
    as it is drawn alone, not clipped to "登讠"."""
    page = np.asarray(paper.render_page([paper.TextLine([paper.Segment("商事 · 企业设立登记")])]))
    alone = np.asarray(paper.render_page([paper.TextLine([paper.Segment("记")])]))
    cell = 24
    last = slice(9 * cell, 10 * cell)   # 商 事 space(½) · space(½) 企 业 设 立 登 记
    assert (page[:, last] < 128).sum() > 20
    assert np.array_equal(page[:, last], alone[:, 0:cell])
