"""``hallq provision`` finds a box's devices by asking its ports (``devices.probe``), not by
guessing: a silent port is no device, a printer on a serial line is found, tested (it prints
its test page) and chosen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.printer.simulator import EscposPrinterSimulator
from devices.pty_link import PtySimulator
from hallq import provision_devices
from hallq.cli import main
from tests.helpers.hall_servers import Hall
from tests.helpers.serial_lines import SilentPort


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The box's serial ports as the probe will see them (ptys the test opens)."""
    listed: list[str] = []
    monkeypatch.setattr(provision_devices, "candidate_ports", lambda: list(listed))
    provision_devices._probed.cache_clear()
    yield listed
    provision_devices._probed.cache_clear()


def test_a_silent_port_is_not_offered_as_a_reader_or_a_printer(ports: list[str]) -> None:
    silent: PtySimulator = SilentPort()
    silent.start()
    try:
        ports.append(silent.port)
        said: list[str] = []
        for kind in ("idcard", "printer"):
            found = provision_devices.find_device(kind, "auto", said.append)
            assert (found.url, found.ok) == (None, True)
    finally:
        silent.stop()
    assert not any("FAILED" in line for line in said), said   # nothing guessed, nothing tried
    assert said == ["  身份证阅读器 / ID-card reader: 未找到 / none found",
                    "  小票打印机 / ticket printer: 未找到 / none found"]


def test_a_serial_printer_is_found_tested_and_chosen(ports: list[str]) -> None:
    printer = EscposPrinterSimulator()
    line = printer.attach_pty()
    try:
        ports.append(line.port)
        said: list[str] = []
        found = provision_devices.find_device("printer", "auto", said.append)
        assert found.ok and found.url is not None
        assert found.url.startswith(f"escpos+serial://{line.port}?baud=")
        assert len(printer.tickets) == 1          # its self-test printed the test page
    finally:
        printer.stop()


def test_a_window_controller_without_a_keypad_is_refused_and_nothing_written(
        ports: list[str], hall: Hall, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    config_dir = tmp_path / "etc"
    assert main(["provision", "--role", "window-controller", "--window", "3", "--url", hall.url,
                 "--config-dir", str(config_dir), "--code", "123456"]) == 3
    err = capsys.readouterr().err
    assert "no calling keypad answered, nothing changed: plug it in" in err
    assert not config_dir.exists() or not list(config_dir.iterdir())
