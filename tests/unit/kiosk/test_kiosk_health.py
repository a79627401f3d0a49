"""The kiosk's device health before a citizen starts: the printer asked while idle, the home
screen's banner of what does not work and what still does, the ways in switched off with a
reason, and staff told of each change."""

from __future__ import annotations

from typing import Any

from devices.base import DeviceState
from devices.printer.errors import PrinterDisconnected
from kiosk.devices import KioskDevices
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.clocks import SecondsClock
from tests.helpers.fake_devices import FakeTicketPrinter
from tests.helpers.fake_halls import FakeKioskHall
from tests.helpers.runners import Later

PAPER_OUT_LINE = ("打印机缺纸：仍可取号，请拍照或记下号码",
                  "The printer is out of paper: you can still take a number — photograph it "
                  "or note it")


class StatusPrinter(FakeTicketPrinter):
    """A printer whose status is ``state`` (or whose status request raises ``silent``)."""

    def __init__(self, state: DeviceState = DeviceState.READY) -> None:
        super().__init__()
        self.state = state
        self.silent: Exception | None = None
        self.asked = 0

    def check_status(self) -> DeviceState:
        self.asked += 1
        if self.silent is not None:
            raise self.silent
        return self.state


def make(printer: Any = None, run: Any = None, **settings: Any
         ) -> tuple[KioskModel, FakeKioskHall, SecondsClock]:
    hall, clock = FakeKioskHall(), SecondsClock()
    devices = KioskDevices(id_reader=object(), printer=printer or StatusPrinter())
    extra = {"run": run} if run is not None else {}
    model = KioskModel(hall, devices,  # type: ignore[arg-type]
                       KioskSettings(name="kiosk-1", **settings), clock=clock, **extra)
    model.start()
    return model, hall, clock


def test_paper_out_is_known_before_the_first_citizen_and_goes_when_paper_is_back() -> None:
    printer = StatusPrinter(DeviceState.PAPER_OUT)
    model, hall, clock = make(printer)
    assert model.health().lines == []
    model.tick()  # the first second after start: the printer is asked at once
    health = model.health()
    assert health.lines == [PAPER_OUT_LINE] and not health.desk
    assert health.walk_in_off is None and health.card_off is None, "numbers can still be taken"
    assert hall.statuses == [("printer", "paper_out", "kiosk-1", "printer.paper_out")]
    printer.state = DeviceState.READY
    clock.now += 14
    model.tick()
    assert printer.asked == 1 and model.health().lines, "asked again only after 15 s"
    clock.now += 1
    model.tick()
    assert model.health().lines == []
    assert hall.statuses[-1] == ("printer", "ready", "kiosk-1", "")


def test_each_change_is_told_once_and_redraws_the_screen() -> None:
    printer = StatusPrinter(DeviceState.COVER_OPEN)
    model, hall, clock = make(printer)
    before = model.revision
    for _ in range(3):
        model.tick()
        clock.now += 15
    assert printer.asked == 3 and len(hall.statuses) == 1
    assert model.revision == before + 1
    assert model.health().lines[0][0] == "打印机盖未合上：仍可取号，请拍照或记下号码"


def test_a_silent_printer_is_offline() -> None:
    printer = StatusPrinter()
    printer.silent = PrinterDisconnected("no answer on 10.0.0.9:9100")
    model, hall, _ = make(printer)
    model.tick()
    assert model.health().lines[0][0].startswith("打印机离线")
    assert hall.statuses == [("printer", "disconnected", "kiosk-1", "printer.disconnected")]


def test_the_printer_is_not_asked_while_it_prints() -> None:
    later = Later()
    printer = StatusPrinter()
    model, _, _ = make(printer, run=later)
    later.run_all()
    model.walk_in()
    model.take_number("A")
    later.run_all()  # the ticket is issued; printing is queued, not done
    assert model.print_state == "printing"
    model.tick()
    later.run_all()
    assert printer.asked == 0 and model.print_state == "printed"
    model.tick()
    later.run_all()
    assert printer.asked == 1


def test_reader_offline_greys_its_tile_and_says_what_still_works() -> None:
    model, _, _ = make()
    model.device_failed("idcard", _error("idcard.disconnected"))
    health = model.health()
    assert health.card_off == ("读卡器暂停使用", "ID-card reader out of service")
    assert ("读卡器暂停使用：请直接选择业务取号",
            "ID-card reader out of service: choose a service to take a number") in health.lines
    model.device_ok("idcard")
    assert model.health().card_off is None and model.health().lines == []


def test_a_bad_card_read_is_not_a_reader_fault() -> None:
    model, _, _ = make()
    model.device_failed("idcard", _error("idcard.checksum"))
    assert model.health().lines == [] and model.health().card_off is None


def test_nothing_can_issue_sends_citizens_to_the_desk() -> None:
    model, _, _ = make(walk_in=False)
    model.device_failed("idcard", _error("idcard.disconnected"))
    health = model.health()  # no camera, no walk-in, no reader: no way in
    assert health.desk and health.lines == [("本机暂时无法取号，请到服务台取号",
                                             "No numbers from this kiosk for now: please ask at "
                                             "the service desk")]
    model, _, _ = make()
    model.set_connected(False)
    assert model.health().desk and model.health().walk_in_off is not None
    model.set_connected(True)
    assert not model.health().desk


def _error(code: str) -> Exception:
    err = Exception(code)
    err.code = code  # type: ignore[attr-defined]
    return err
