"""The calling console's view-model without Qt: sign-in, the actions and their keys, the LED
screen, the rating pad and device faults."""

from __future__ import annotations

import threading

from caller.devices import CallerDevices
from caller.viewmodel import KEYS, CallerModel, CallerSettings
from devices.led.errors import LedTimeout
from hall.events import EventKind
from tests.helpers.caller_steps import sign_in
from tests.helpers.fake_devices import FakeLedScreen, FakeRatingPad
from tests.helpers.fake_halls import WINDOW, FakeWindowHall


def make(led: FakeLedScreen | None = None, pad: FakeRatingPad | None = None,
         waiting: int = 2) -> tuple[CallerModel, FakeWindowHall]:
    hall = FakeWindowHall(waiting)
    devices = CallerDevices(led=led or FakeLedScreen(), rating=pad)
    model = CallerModel(hall, WINDOW, devices,  # type: ignore[arg-type]
                        CallerSettings(name="console-3", rating_timeout_s=0.01))
    model.start()
    return model, hall


def test_pin_sign_in_and_a_wrong_pin() -> None:
    model, hall = make()
    assert model.status == "closed" and not model.signed_in and model.available() == set()
    model.keypad("S")
    model.keypad("0")
    model.keypad("⌫")
    assert model.staff_entry == "S"
    model.keypad("clear")
    for key in "S001":
        model.keypad(key)
    model.select_field("pin")
    for key in "9999":
        model.keypad(key)
    model.sign_in_pin()
    assert model.message == ("工号、工牌或密码错误", "Wrong staff id, badge or PIN")
    assert model.message_is_error and model.pin_entry == ""
    model.select_field("pin")
    for key in "1234":
        model.keypad(key)
    model.sign_in_pin()
    assert model.signed_in and model.available() == {"call", "pause"}
    assert (model.staff_entry, model.pin_entry) == ("", "")


def test_badge_signs_in_once() -> None:
    model, hall = make()
    model.badge_seen("04A1B2C3D4E5F6")
    assert model.signed_in
    model.badge_seen("04A1B2C3D4E5F6")  # already signed in: nothing happens
    model.badge_seen("FFFF")
    assert model.signed_in and not model.message_is_error


def test_keys_follow_the_ticket_and_drive_the_led() -> None:
    led = FakeLedScreen()
    model, hall = make(led)
    sign_in(model)
    assert KEYS == {"F1": "call", "F2": "recall", "F3": "serve", "F4": "finish",
                    "F5": "no_show", "F6": "transfer", "F7": "pause", "F8": "resume",
                    "F9": "remote_call", "F10": "remote_start", "F11": "remote_finish",
                    "F12": "remote_cancel"}
    assert model.press_key("F1")
    assert model.current is not None and model.current["number"] == "A001"
    assert model.available() == {"recall", "serve", "finish", "no_show", "transfer"}
    model.press_key("F2")
    model.press_key("F3")
    assert model.available() == {"finish", "transfer"}
    model.press_key("F4")
    assert model.window_info is not None and model.window_info["served_today"] == 1
    model.press_key("F7")
    assert model.pause_asked and model.status == "open"      # F7 asks why first
    model.press_key("2")
    assert model.available() == {"resume"} and hall.pause_reason == "away"
    model.press_key("F1")
    assert model.message is not None and model.message[0].startswith("窗口已暂停")
    model.press_key("F8")
    model.press_key("F1")
    model.press_key("F5")
    model.act("sign_out")
    assert not model.signed_in
    assert led.shown == [("call", "A001", "3"), ("call", "A001", "3"), ("paused",),
                         ("clear",), ("call", "A002", "3"), ("clear",)]
    assert not model.press_key("F13")


def test_nobody_waiting_is_said_plainly() -> None:
    model, _ = make(waiting=0)
    sign_in(model)
    model.act("call")
    assert model.message == ("暂无等候的号码", "Nobody is waiting")
    assert model.current is None


def test_finish_asks_the_pad_and_records_the_rating() -> None:
    pad = FakeRatingPad(level=5)
    model, hall = make(pad=pad)
    sign_in(model)
    model.act("call")
    model.act("finish")
    assert pad.prompts == ["A001"]
    assert hall.ratings == {"20250314-A001": 5}
    assert model.rating is not None and (model.rating.number, model.rating.level) == ("A001", 5)
    assert model.rating_label() == "非常满意"


def test_a_citizen_who_does_not_rate() -> None:
    model, hall = make(pad=FakeRatingPad(level=None))
    sign_in(model)
    model.act("call")
    model.act("finish")
    assert hall.ratings == {}
    assert model.rating is not None and model.rating.level is None and not model.rating.waiting


def test_transfer_to_a_theme() -> None:
    model, hall = make()
    sign_in(model)
    model.transfer(to_service="C")  # nothing called yet: ignored
    assert model.message == ("已签到，窗口开启", "Signed in; the window is open")
    model.act("call")
    model.transfer(to_service="C")
    assert model.current is None and model.message == ("A001 已转移", "A001 transferred")


def test_led_fault_is_said_and_told_to_staff_once() -> None:
    model, hall = make(FakeLedScreen(LedTimeout("no ack")))
    sign_in(model)
    model.act("call")
    model.act("recall")
    assert model.message_is_error and model.message is not None
    assert model.message[0].startswith("设备故障")
    assert hall.statuses == [("led", "disconnected", "console-3", "led.timeout")]
    # and the console's heartbeat says so until the screen answers again
    assert model.device_states.reports() == [
        {"device": "led", "state": "disconnected", "detail": "led.timeout"}]


def test_waiting_for_a_rating_can_be_cancelled() -> None:
    class SlowPad(FakeRatingPad):
        def read_rating(self, timeout: float) -> int | None:
            cancel.set()  # the next citizen was called meanwhile
            return None

    cancel = threading.Event()
    devices = CallerDevices(rating=SlowPad(None))
    assert devices.wait_rating("A001", 60, cancel) is None


def test_events_reload_the_window() -> None:
    model, hall = make()
    hall.queue.append(FakeWindowHall.waiting_ticket("A009"))
    model.on_event({"kind": EventKind.TICKET_ISSUED, "data": {}})
    assert [q["number"] for q in model.queue][-1] == "A009"
    model.on_event({"kind": EventKind.DEVICE_STATUS, "data": {}})
    model.set_connected(False)
    assert model.connected is False


