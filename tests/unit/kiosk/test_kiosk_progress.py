"""Progress lookup at the kiosk, through its view-model with a fake hall: the receipt code
found in what the camera reads, typed on the touch keyboard, a wrong code refused before the
hall is asked, an unknown one refused by the hall, and the answer in the hall's time."""

from __future__ import annotations

import pytest

from hall.client import HallApiError
from hall.errors import ErrorCode
from kiosk.devices import KioskDevices
from kiosk.progress import NOT_A_CODE, NOT_A_RECEIPT, receipt_code_in
from kiosk.screens import sample_progress
from kiosk.viewmodel import KioskModel, KioskSettings
from tests.helpers.fake_halls import FakeKioskHall

CODE = "7KQ2MX9P4T"


def make() -> tuple[KioskModel, FakeKioskHall]:
    hall = FakeKioskHall()
    hall.progress[CODE] = sample_progress()
    model = KioskModel(hall, KioskDevices(), KioskSettings(name="kiosk-1"))  # type: ignore[arg-type]
    model.start()
    return model, hall


@pytest.mark.parametrize(("text", "code"), [
    (CODE, CODE), ("7kq2mx9p4t", CODE), (f"  {CODE}\n", CODE),
    (f"https://zwfw.example.gov.cn/progress/{CODE}", CODE),
    (f"http://hallq.local:8470/api/v1/submissions/{CODE}/progress", CODE),
    (f"https://zwfw.example.gov.cn/p?code={CODE}", CODE),
    (f"http://hallq.local:8470/s/{CODE}", CODE),     # the node's own page on the LAN
    ("hallq:appt:AP123", None), ("7KQ2MX9P", None), ("7KQ2MX9P40", None),   # 0 is no code letter
    ("http://hallq.local:8470/t/20250314-A018.3f9a1c07be52d4e8a6017c2b", None),
    (f"ftp://example/{CODE}", None), ("", None)])
def test_the_receipt_code_in_what_was_scanned_or_typed(text: str, code: str | None) -> None:
    assert receipt_code_in(text) == code


def test_a_code_typed_on_the_keyboard_shows_where_it_stands() -> None:
    model, hall = make()
    model.open_progress()
    assert model.screen == "progress"
    for key in CODE.lower() + "xyz":               # the code, and three keys too many
        model.progress_key(key)
    assert model.progress.code == CODE + "XY"      # at most 12
    model.progress_erase()
    model.progress_erase()
    model.look_up_progress()
    assert hall.progress_asked == [CODE]
    answer = model.progress.answer
    assert answer is not None and answer["status"] == "in_progress"
    updated = model.progress_updated_at()
    assert updated is not None and updated.strftime("%Y-%m-%d %H:%M %z") == \
        "2025-03-14 10:42 +0800"


def test_a_wrong_code_is_refused_before_the_hall_is_asked() -> None:
    model, hall = make()
    model.open_progress()
    for key in "7KQ0":
        model.progress_key(key)
    model.look_up_progress()
    assert model.progress.error == NOT_A_CODE and hall.progress_asked == []


def test_an_unknown_code_is_the_halls_sentence() -> None:
    model, hall = make()
    model.open_progress()
    for key in "ABCDEFGH23":
        model.progress_key(key)
    model.look_up_progress()
    assert hall.progress_asked == ["ABCDEFGH23"]
    assert model.progress.error == ("没有该回执编号，请核对后重新输入",
                                    "No submission has this receipt code: please check it")
    assert model.progress.answer is None


def test_the_hall_unreachable_is_said_too() -> None:
    model, hall = make()
    hall.progress[CODE] = HallApiError(0, ErrorCode.UNREACHABLE, "无法连接大厅服务器",
                                       "Cannot reach the hall node")
    model.qr_scanned(CODE)
    assert model.screen == "progress" and model.progress.error == (
        "无法连接大厅服务器", "Cannot reach the hall node")


def test_a_receipt_scanned_on_the_start_screen_opens_its_progress() -> None:
    model, hall = make()
    model.qr_scanned(f"https://zwfw.example.gov.cn/progress/{CODE}")
    assert model.screen == "progress" and hall.progress_asked == [CODE]
    assert model.progress.answer is not None


def test_a_code_that_is_no_receipt_is_said_on_the_progress_screen() -> None:
    model, hall = make()
    model.open_progress()
    model.qr_scanned("https://example.com/")
    assert (model.screen, model.progress.error) == ("progress", NOT_A_RECEIPT)
    model.reset()
    model.qr_scanned("https://example.com/")       # elsewhere: the kiosk's usual sentence
    assert model.screen == "error" and hall.progress_asked == []


def test_an_appointment_code_still_checks_in() -> None:
    model, hall = make()
    model.open_progress()
    model.qr_scanned("hallq:appt:AP123:C")
    assert hall.issued[-1]["appointment_id"] == "AP123" and model.screen == "ticket"
