"""``devices.probe``: which device is on each port, found by asking it over real ptys."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.idcard import protocol as ga467
from devices.idcard.samples import SAMPLE_CARDS
from devices.idcard.simulator import IdCardSimulator
from devices.keypad.simulator import KeypadSimulator
from devices.led.simulator import LedSimulator
from devices.printer.simulator import EscposPrinterSimulator
from devices.probe import (
    BUS_ADDRESSES,
    PRINTER_BAUDS,
    READER_BAUDS,
    Found,
    describe,
    probe_all,
    probe_ports,
    stable_port,
)
from devices.pty_link import PtySimulator
from devices.rating.simulator import RatingSimulator
from devices.registry import open_device
from tests.helpers.serial_lines import EchoPort, NoisyPort, SharedBus, SilentPort

FAST = 0.08  # seconds per question: ptys answer in well under a millisecond, but a busy
#              machine (the suite on two workers) may not schedule the simulator at once


@pytest.fixture
def lines() -> Iterator[list[PtySimulator]]:
    """Simulators started in a test, stopped after it."""
    started: list[PtySimulator] = []
    yield started
    for line in started:
        line.stop()


def start(lines: list[PtySimulator], line: PtySimulator) -> str:
    lines.append(line)
    line.start()
    return line.port


def test_a_shared_bus_gives_each_device_with_its_address(lines: list[PtySimulator]) -> None:
    port = start(lines, SharedBus(LedSimulator([3]), RatingSimulator([5, 12]),
                                  KeypadSimulator([7])))
    found = probe_ports([port], timeout=FAST)
    assert [(f.kind, f.url) for f in found] == [
        ("led", f"led://{port}?addr=3&protocol=hallbus"),
        ("rating", f"rating://{port}?addr=5"),
        ("keypad", f"keypad://{port}?addr=7"),
        ("rating", f"rating://{port}?addr=12"),
    ]
    assert all(f.port == port for f in found)
    assert "地址 / address 7" in found[2].description


def test_every_kind_on_its_own_port(lines: list[PtySimulator]) -> None:
    reader = IdCardSimulator(SAMPLE_CARDS["resident"])
    printer = EscposPrinterSimulator()
    lines.append(reader)
    reader.start()
    printer_line = printer.attach_pty()
    try:
        led = start(lines, LedSimulator([16]))
        pad = start(lines, RatingSimulator([1]))
        keypad = start(lines, KeypadSimulator([2]))
        ports = [reader.port, printer_line.port, led, pad, keypad]
        found = probe_ports(ports, timeout=FAST)
        assert [f.url for f in found] == [
            f"ga467://{reader.port}?baud={READER_BAUDS[0]}",
            f"escpos+serial://{printer_line.port}?baud={PRINTER_BAUDS[0]}",
            f"led://{led}?addr=16&protocol=hallbus",
            f"rating://{pad}?addr=1",
            f"keypad://{keypad}?addr=2",
        ]
        assert "SAM 0x90" in found[0].description
        assert "state: ready" in found[1].description
        assert printer.tickets == [] and printer.errors == []  # the probe printed nothing
        # the reader heard only its own SAM status request, nothing it would act on
        assert [request.name for request in reader.requests] == ["sam_status"]
    finally:
        printer.stop()


def test_found_urls_open_working_drivers(lines: list[PtySimulator]) -> None:
    keypad = KeypadSimulator([9])
    port = start(lines, SharedBus(keypad))
    (found,) = probe_ports([port], timeout=FAST)
    driver = open_device(found.url)
    try:
        driver.show("A001", "3号窗口")
        assert keypad.display(9) == "A001 | 3号窗口"
    finally:
        driver.close()


def test_the_probe_changes_nothing_on_the_bus_devices(lines: list[PtySimulator]) -> None:
    led, pad = LedSimulator([4]), RatingSimulator([6])
    port = start(lines, SharedBus(led, pad))
    led.screens[4].text = "A001 请到4号窗口"
    probe_ports([port], timeout=FAST)
    assert led.screens[4].text == "A001 请到4号窗口" and led.screens[4].updates == 0
    assert pad.pads[6].lit is False and pad.pads[6].display == ""


def test_silent_noisy_and_echoing_ports_give_nothing(lines: list[PtySimulator]) -> None:
    ports = [start(lines, SilentPort()), start(lines, EchoPort())]
    ports += [start(lines, NoisyPort(seed)) for seed in range(4)]
    results = probe_all(ports, timeout=FAST)
    assert [r.found for r in results] == [[]] * len(ports)
    assert [r.error for r in results] == [""] * len(ports)
    assert describe(results) == [f"{port}: 没有设备应答 / no device answered" for port in ports]


def test_a_missing_port_is_a_note_not_an_exception() -> None:
    results = probe_all(["/dev/hallq-no-such-port"], timeout=FAST)
    assert results[0].found == []
    assert results[0].error.startswith("无法打开端口 / cannot open the port")
    assert probe_ports(["/dev/hallq-no-such-port"], timeout=FAST) == []


def test_a_reader_with_a_failing_sam_is_still_found(lines: list[PtySimulator]) -> None:
    reader = IdCardSimulator(None)
    reader.sam_fault = ga467.SW_SELF_TEST_FAILED
    start(lines, reader)
    (found,) = probe_ports([reader.port], timeout=FAST)
    assert found.kind == "idcard" and "0x60" in found.description


def test_a_printer_out_of_paper_is_found_and_says_so(lines: list[PtySimulator]) -> None:
    printer = EscposPrinterSimulator(paper_state="out")
    try:
        port = printer.attach_pty().port
        assert probe_ports([port], timeout=FAST) == [
            Found("printer", port, f"escpos+serial://{port}?baud=9600",
                  "小票打印机 / ticket printer, 9600 baud, 状态 / state: paper_out")]
    finally:
        printer.stop()


def test_the_probe_of_many_ports_is_bounded_in_time(lines: list[PtySimulator]) -> None:
    ports = [start(lines, SilentPort()) for _ in range(6)]
    questions = len(PRINTER_BAUDS) + len(READER_BAUDS) + len(BUS_ADDRESSES)
    started = time.monotonic()
    assert probe_ports(ports, timeout=FAST) == []
    took = time.monotonic() - started
    # in parallel: about one silent port's questions, not six ports' worth
    assert took < questions * FAST * 2.5, took


def test_a_usb_port_is_kept_by_the_socket_it_is_plugged_into(tmp_path: Path) -> None:
    by_path = tmp_path / "by-path"
    by_path.mkdir()
    port = tmp_path / "ttyUSB0"
    port.touch()
    (by_path / "pci-0000:00:14.0-usb-0:2:1.0-port0").symlink_to(port)
    assert stable_port(str(port), by_path) == str(by_path / "pci-0000:00:14.0-usb-0:2:1.0-port0")
    other = tmp_path / "ttyS0"            # a built-in port has no such name: kept as it is
    other.touch()
    assert stable_port(str(other), by_path) == str(other)
    assert stable_port("/dev/hallq-bus", by_path) == "/dev/hallq-bus"   # named by the rules
    assert stable_port(str(port), tmp_path / "missing") == str(port)
