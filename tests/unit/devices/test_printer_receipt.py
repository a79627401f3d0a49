"""The submission receipt (回执) printed over TCP on the simulated ESC/POS printer: the code
large, the item, the materials received with the reused one marked, the time, the progress QR,
the "sent when the network is back" line when queued; every line within the paper."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from devices.base import DeviceState
from devices.printer.drivers import NetworkTicketPrinter, open_url
from devices.printer.errors import PrinterPaperOut, TicketContentError
from devices.printer.receipt import QUEUED_LINE, ReceiptContent, ReceiptMaterial, render_receipt
from devices.printer.simulator import EscposPrinterSimulator

RECEIPT = ReceiptContent(
    hall_name="福田区政务服务中心", item_name_zh="住房公积金提取",
    item_name_en="Housing fund withdrawal", receipt_code="K7P2QX9M4D",
    submitted_at=datetime(2026, 12, 7, 10, 42),
    progress_url="https://zw.example.cn/p/K7P2QX9M4D",
    materials=(ReceiptMaterial("购房合同", "Home purchase contract", 0, True),
               ReceiptMaterial("本人银行卡", "Your bank card", 1, False),
               ReceiptMaterial("婚姻状况证明", "Proof of marital status", 2, False)))


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


def test_the_receipt_prints_over_tcp(sim: EscposPrinterSimulator,
                                     printer: NetworkTicketPrinter) -> None:
    assert printer.print_receipt(RECEIPT) is DeviceState.READY
    (paper,) = sim.tickets
    assert paper.lines[:4] == ("福田区政务服务中心", "自助申报回执", "Submission receipt",
                               "住房公积金提取")
    text = paper.text
    assert "K7P2QX9M4D" in paper.lines
    assert ("· 购房合同（复用已有材料）", "Home purchase contract (reused)") == \
        paper.lines[paper.lines.index("已收材料 / Materials received") + 1:][:2]
    assert "· 本人银行卡 1 页 / Your bank card, 1 p." in text
    assert "提交时间 2026-12-07 10:42" in paper.lines
    assert paper.qr_payloads == (RECEIPT.progress_url,)
    assert "网络恢复" not in text
    assert paper.overflowing == ()
    assert paper.raw.endswith(render_receipt(RECEIPT))


def test_a_queued_receipt_says_it_will_be_sent_later(sim: EscposPrinterSimulator,
                                                     printer: NetworkTicketPrinter) -> None:
    printer.print_receipt(ReceiptContent(**{**RECEIPT.__dict__, "queued": True}))
    text = sim.wait_tickets(1)[0].text
    assert "材料将在网络恢复后自动上传" in text
    assert "will be sent when the network is back" in text
    assert QUEUED_LINE.startswith("材料将在网络恢复后自动上传")


def test_on_58mm_paper_nothing_runs_past_the_edge(tmp_path: Path) -> None:
    with EscposPrinterSimulator(tmp_path / "out", paper_width=384) as simulator:
        driver = open_url(f"{simulator.url}?timeout=1&width=384")
        try:
            driver.print_receipt(RECEIPT)
        finally:
            driver.close()
        (paper,) = simulator.tickets
    assert paper.overflowing == ()
    assert "K7P2QX9M4D" in paper.lines


def test_out_of_paper_refuses_before_anything_is_sent(sim: EscposPrinterSimulator,
                                                      printer: NetworkTicketPrinter) -> None:
    sim.set_paper("out")
    with pytest.raises(PrinterPaperOut):
        printer.print_receipt(RECEIPT)
    assert sim.tickets == []


@pytest.mark.parametrize("change", [{"receipt_code": "ab"}, {"progress_url": ""},
                                    {"item_name_zh": "申请人 440304199003071234"}])
def test_a_receipt_that_cannot_be_printed_is_refused(change: dict) -> None:
    with pytest.raises(TicketContentError):
        render_receipt(ReceiptContent(**{**RECEIPT.__dict__, **change}))
