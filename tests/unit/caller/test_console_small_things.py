"""The console's small things (#19 part 9, #16 parts 4 and 8), on its view-model without Qt:
pause reasons asked after F7, the window's state named as the hall names it (idle, not
"serving"), how old the data is in Chinese or English, the mean service time in seconds under a
minute, departments in English, device faults of this window and of the kiosks until they are
fine again, and every time in the hall's time zone whatever the machine's."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from caller.texts import (
    clock_text,
    department_of,
    hall_zone,
    mean_text,
    updated_text,
    window_state,
)
from caller.viewmodel import CallerModel, CallerSettings
from devices.led.errors import LedDisconnected
from hall.window_states import PauseReason
from tests.helpers.caller_steps import sign_in
from tests.helpers.fake_halls import WINDOW, FakeWindowHall
from ui.samples import sample_services

#: 2024-03-12 06:58:39 UTC, 14:58:39 in Shanghai.
AT = 1710226719.0


def make(hall: FakeWindowHall | None = None) -> tuple[CallerModel, FakeWindowHall]:
    hall = hall or FakeWindowHall()
    model = CallerModel(hall, WINDOW, settings=CallerSettings(name="console-3"))  # type: ignore[arg-type]
    model.start()
    return model, hall


@pytest.fixture
def machine_in_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's clock set to UTC, as a fresh Debian box is."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# ---------------------------------------------------------------------- pause reasons
def test_f7_asks_why_and_1_pauses_for_lunch() -> None:
    model, hall = make()
    sign_in(model)
    model.press_key("F7")
    assert model.pause_asked and hall.status == "open"
    assert model.message is not None and model.message[0].startswith("请选择暂停原因")
    model.press_key("1")
    assert hall.status == "paused" and hall.pause_reason == "lunch"
    assert model.message == ("已暂停服务（午休）", "Paused (Lunch break)")
    assert window_state(model.window_info)[1] == ("暂停中 · 午休", "Paused · Lunch break")
    assert not model.pause_asked


def test_esc_after_f7_leaves_the_window_open_and_digits_mean_nothing_before_f7() -> None:
    model, hall = make()
    sign_in(model)
    assert not model.press_key("1")                   # no reason asked: not a console key
    model.press_key("F7")
    model.press_key("Esc")
    assert hall.status == "open" and not model.pause_asked and model.message is None
    model.act("pause", PauseReason.MEETING)           # the 会议 button
    assert hall.pause_reason == "meeting"
    model.press_key("F8")
    assert hall.status == "open" and window_state(model.window_info)[1] == ("空闲", "Idle")


# ---------------------------------------------------------------------- state names
def test_an_open_window_with_nobody_is_idle_not_serving() -> None:
    model, _ = make()
    sign_in(model)
    assert window_state(model.window_info) == ("idle", ("空闲", "Idle"))
    model.act("call")
    assert window_state(model.window_info) == ("calling", ("已叫号", "Calling"))
    model.act("serve")
    assert window_state(model.window_info) == ("serving", ("服务中", "Serving"))


# ---------------------------------------------------------------------- figures
def test_data_age_is_said_in_each_language(machine_in_utc: None) -> None:
    zone = hall_zone({"timezone": "Asia/Shanghai"})  # type: ignore[typeddict-item]
    assert updated_text(AT, AT + 12, zone) == ("数据更新于 14:58:39（12 秒前）",
                                               "Updated 14:58:39 (12 s ago)")
    assert updated_text(AT, AT + 3, zone) == ("数据更新于 14:58:39", "Updated 14:58:39")


@pytest.mark.parametrize(("mean", "zh", "en"), [
    (12.4, "平均办理 12 秒", "average 12 s"), (0.3, "平均办理 1 秒", "average 1 s"),
    (642.0, "平均办理 10.7 分钟", "average 10.7 min"), (600.0, "平均办理 10 分钟",
                                                        "average 10 min"),
    (None, "平均办理 —", "average —")])
def test_mean_service_time_in_seconds_under_a_minute(mean: float | None, zh: str,
                                                     en: str) -> None:
    assert mean_text(mean) == (zh, en)


def test_departments_in_english_from_the_hall_toml() -> None:
    services = sample_services()
    assert department_of(services, "A01") == ("市场监督管理局",
                                              "Administration for Market Regulation")
    assert department_of(services, "Z99") is None
    services[0]["items"][0]["department_en"] = ""
    assert department_of(services, "A01") == ("市场监督管理局", "市场监督管理局")


# ---------------------------------------------------------------------- the hall's time
def test_the_clock_shows_the_halls_time_on_a_machine_in_utc(machine_in_utc: None) -> None:
    model, _ = make()
    assert model.hall is not None and model.hall["timezone"] == "Asia/Shanghai"
    assert time.strftime("%H:%M:%S", time.localtime(AT)) == "06:58:39"   # the machine's
    assert clock_text(AT, hall_zone(model.hall)) == "14:58:39"


# ---------------------------------------------------------------------- faults
def _status(where: str, device: str, state: str) -> dict:
    return {"kind": "device.status", "data": {"where": where, "device": device,
                                              "state": state, "detail": f"{device}.{state}"}}


def test_a_kiosk_printer_out_of_paper_shows_until_it_is_fine() -> None:
    model, _ = make()
    changed: list[int] = []
    model.subscribe(lambda: changed.append(1))
    model.on_event(_status("kiosk-1", "printer", "paper_out"))
    assert [f.text() for f in model.faults.faults()] == [
        ("1号自助机 打印机缺纸", "Kiosk 1: printer out of paper")]
    assert changed
    model.on_event(_status("kiosk-1", "printer", "paper_low"))     # it still prints
    assert model.faults.faults() == []


def test_faults_of_this_window_only_not_of_other_windows() -> None:
    model, _ = make()
    model.on_event(_status("console-7", "led", "disconnected"))
    model.on_event(_status("window-controller-7", "keypad", "disconnected"))
    assert model.faults.faults() == []
    model.on_event(_status("window-controller-3", "keypad", "disconnected"))
    model.on_event(_status("demo-kiosk", "idcard", "error"))
    assert [f.text() for f in model.faults.faults()] == [
        ("本窗口呼叫器未连接", "This window: keypad disconnected"),
        ("自助机 demo-kiosk 身份证阅读器故障", "Kiosk demo-kiosk: ID-card reader fault")]
    model.on_event(_status("window-controller-3", "keypad", "ready"))
    assert len(model.faults.faults()) == 1


def test_faults_the_hall_knew_before_the_console_started() -> None:
    hall = FakeWindowHall()
    hall.devices = [
        {"where": "front-door", "role": "kiosk", "device": "", "state": "heard", "detail": "",
         "heard_at": None, "clock_offset": None},
        {"where": "front-door", "role": "", "device": "smartcard", "state": "disconnected",
         "detail": "", "heard_at": None, "clock_offset": None},
        {"where": "console-3", "role": "", "device": "rating", "state": "ready",
         "detail": "", "heard_at": None, "clock_offset": None}]
    model, _ = make(hall)
    assert [f.text() for f in model.faults.faults()] == [
        ("自助机 front-door 读卡器未连接", "Kiosk front-door: card reader disconnected")]


def test_a_device_of_this_console_failing_shows_at_once() -> None:
    model, hall = make()
    model.device_failed("led", LedDisconnected("unplugged"))
    assert [f.here for f in model.faults.faults()] == [True]
    model.device_ok("led")
    assert model.faults.faults() == []
