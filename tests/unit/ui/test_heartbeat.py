"""The apps' heartbeat against a real hall node on loopback: what it sends (its clock, each
device's last state), that it keeps beating, that a kiosk's printer fault stays in it until
the printer prints again, and that a hall that does not answer is said once, not every beat."""

from __future__ import annotations

import logging
import time

import pytest

from devices.printer.errors import PrinterPaperOut
from hall.client import HallClient
from hall.net import free_port
from kiosk.devices import KioskDevices
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.clocks import SecondsClock
from tests.helpers.fake_devices import FakeTicketPrinter
from tests.helpers.hall_servers import Hall
from ui.heartbeat import Heartbeat
from ui.viewmodel import DeviceStates


def _devices(hall: Hall) -> dict[tuple[str, str], dict]:
    lines = hall.http().get("/api/v1/health").json()["devices"]
    return {(d["where"], d["device"]): d for d in lines}


def test_a_beat_says_the_apps_clock_and_each_devices_state(hall: Hall) -> None:
    states = DeviceStates(["printer", "idcard"])
    states.set("printer", "paper_out", "printer.paper_out")
    beat = Heartbeat(hall.client("kiosk"), states, where="kiosk-door",
                     clock=SecondsClock(time.time() - 45))
    assert beat.beat() and beat.sent == 1
    seen = _devices(hall)
    assert seen[("test-kiosk", "")]["state"] == "heard"
    assert -46 < seen[("test-kiosk", "")]["clock_offset"] < -44
    assert seen[("kiosk-door", "printer")]["state"] == "paper_out"
    assert seen[("kiosk-door", "idcard")]["state"] == "ready"
    reasons = hall.http().get("/api/v1/health").json()["reasons"]
    assert sorted(r["code"] for r in reasons) == ["device_clock_drift", "device_fault"]


def test_it_beats_at_start_and_then_every_interval_until_stopped(hall: Hall) -> None:
    beat = Heartbeat(hall.client("display"), interval=0.05).start()
    deadline = time.monotonic() + 5
    while beat.sent < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    beat.stop()
    sent = beat.sent
    assert sent >= 3
    time.sleep(0.2)
    assert beat.sent == sent


def test_a_hall_that_does_not_answer_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    client = HallClient(f"http://127.0.0.1:{free_port()}", "token")
    beat = Heartbeat(client)
    try:
        with caplog.at_level(logging.INFO, logger="hallq.ui.heartbeat"):
            assert not beat.beat()
            assert not beat.beat()
    finally:
        client.close()
    said = [r for r in caplog.records if r.name == "hallq.ui.heartbeat"]
    assert len(said) == 1 and said[0].levelno == logging.INFO
    assert "heartbeat not taken" in said[0].getMessage()


def test_the_kiosks_printer_fault_stays_in_the_beat_until_it_prints_again(hall: Hall) -> None:
    printer = FakeTicketPrinter(PrinterPaperOut("refused before printing"))
    client = hall.client("kiosk")
    model = KioskModel(client, KioskDevices(printer=printer), KioskSettings(name="kiosk-1"),
                       clock=SecondsClock())
    model.start()
    beat = Heartbeat(client, model.device_states, where="kiosk-1")
    model.walk_in()
    model.take_number("C")
    assert model.device_states.reports() == [
        {"device": "printer", "state": "paper_out", "detail": "printer.paper_out"}]
    beat.beat()
    assert _devices(hall)[("kiosk-1", "printer")]["state"] == "paper_out"
    printer.error = None                    # paper loaded: the next ticket prints
    model.reset()
    model.walk_in()
    model.take_number("C")
    assert model.device_states.state("printer") == "ready"
    beat.beat()
    assert _devices(hall)[("kiosk-1", "printer")]["state"] == "ready"
    assert hall.http().get("/api/v1/health").json()["status"] == "ok"
