"""The service guide and progress lookup with real parts: the kiosk's view-model reads the
guides from a hall node on loopback and prints one on the printer simulator over TCP (ESC/POS
bytes parsed back into lines and a PNG); the kiosk window reads a receipt's QR code through
the camera simulator (a generated video) and shows its progress. The progress route is the
hall node's part (h22a): here a fake hall answers it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from devices.registry import open_device
from kiosk.app import KioskWindow
from kiosk.devices import KioskDevices
from kiosk.screens import sample_progress
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.fake_halls import FakeKioskHall


def test_the_guide_from_the_node_printed_on_the_printer(hall, tmp_path: Path) -> None:
    printer = open_device(f"sim://printer?out={tmp_path / 'paper'}")
    model = KioskModel(hall.client("kiosk"), KioskDevices(printer=printer),
                       KioskSettings(name="kiosk-1"))
    try:
        model.start()
        model.open_guide()
        model.guide_theme("C")
        model.open_guide_item("C10")
        model.print_guide()
        assert model.print_state == "printed"
        (slip,) = printer.simulator.wait_tickets(1)
    finally:
        printer.close()
    lines = slip.lines
    assert lines[:2] == ("办事指南 · 高龄津贴申请", "Service guide · Old-age allowance")
    assert "1. 户口簿首页及本人页（复印件 1 份）" in lines
    assert "3. 代办人身份证（选交）（复印件 1 份）" in lines
    assert "* 家属代办时提供 / When a relative applies" in lines
    assert "20 个工作日 / 20 working days" in lines
    assert "可在本机自助申报 / Apply at this kiosk" in lines
    assert slip.overflowing == (), "every line laid out for the paper"
    assert slip.png_path is not None and slip.png_path.is_file()


def test_a_receipts_qr_shown_to_the_camera_opens_its_progress(qtbot) -> None:
    code = "7KQ2MX9P4T"
    fake = FakeKioskHall()
    fake.progress[code] = sample_progress("rejected")
    link = quote(f"https://zwfw.example.gov.cn/progress/{code}", safe="")
    camera = open_device(f"sim://camera?codes={link}&loop=0&page=0&size=1280x720")
    window = KioskWindow(fake, None, KioskDevices(camera=camera),  # type: ignore[arg-type]
                         settings=KioskSettings(name="kiosk-1"))
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.model.progress.answer is not None, timeout=8000)
        assert window.model.screen == "progress" and fake.progress_asked == [code]
    finally:
        window.shutdown()
        camera.close()
