"""The calling console's view-model without Qt: sign-in, the actions and their keys, the LED
screen, the rating pad and device faults."""

from __future__ import annotations

import threading

from caller.devices import CallerDevices
from caller.viewmodel import KEYS, CallerModel, CallerSettings
from devices.led.errors import LedTimeout
from hall.client import HallApiError
from hall.events import EventKind
from ui.samples import sample_hall, sample_services

WINDOW = "3"


class FakeWindowHall:
    """Stands in for HallClient at one window: its status, its current ticket, a queue."""

    def __init__(self, waiting: int = 2) -> None:
        self.status = "closed"
        self.staff: str | None = None
        self.current: dict | None = None
        self.queue = [self._ticket(f"A00{n}") for n in range(1, waiting + 1)]
        self.served = 0
        self.ratings: dict[str, int] = {}
        self.statuses: list[tuple] = []

    @staticmethod
    def _ticket(number: str) -> dict:
        return {"id": f"20250314-{number}", "number": number, "service": "A",
                "status": "waiting", "recalls": 0, "service_name_zh": "商事登记",
                "service_name_en": "Business registration"}

    def hall(self) -> dict:
        return sample_hall()

    def services(self) -> list[dict]:
        return sample_services()

    def _window(self) -> dict:
        current = self.current
        return {"number": WINDOW, "status": self.status, "staff_id": self.staff,
                "staff_name_zh": "王晓明" if self.staff else None,
                "current": current["number"] if current else None,
                "current_ticket": current["id"] if current else None,
                "current_status": current["status"] if current else None,
                "served_today": self.served, "mean_service_s": 600.0 if self.served else None}

    def windows(self) -> list[dict]:
        return [self._window()]

    def window_queue(self, window: str) -> list[dict]:
        return [{"id": t["id"], "number": t["number"], "service": "A", "priority": 3,
                 "waited_s": 60, "transferred": False} for t in self.queue]

    def ticket(self, ticket_id: str) -> dict:
        assert self.current is not None and self.current["id"] == ticket_id
        return dict(self.current)

    def sign_in(self, window: str, staff_id: str | None = None, pin: str | None = None,
                badge_uid: str | None = None) -> dict:
        if not ((staff_id, pin) == ("S001", "1234") or badge_uid == "04A1B2C3D4E5F6"):
            raise HallApiError(401, "bad_credentials", "工号或密码错误", "Wrong staff id or PIN")
        self.status, self.staff = "open", "S001"
        return self._window()

    def call(self, window: str) -> dict | None:
        if not self.queue:
            return None
        self.current = dict(self.queue.pop(0), status="called")
        return dict(self.current)

    def window_action(self, window: str, action: str, body: dict | None = None) -> dict:
        ticket = self.current
        if action in ("pause", "resume", "close"):
            self.status = {"pause": "paused", "resume": "open", "close": "closed"}[action]
            return self._window()
        assert ticket is not None
        if action == "recall":
            ticket["recalls"] += 1
        elif action == "serve":
            ticket["status"] = "serving"
        elif action in ("finish", "no-show"):
            ticket["status"] = "finished" if action == "finish" else "no_show"
            self.served += action == "finish"
            self.current = None
        return dict(ticket)

    def transfer(self, window: str, to_service: str | None = None,
                 to_window: str | None = None) -> dict:
        ticket, self.current = self.current, None
        assert ticket is not None
        return dict(ticket, status="waiting", service=to_service or ticket["service"])

    def rate(self, ticket_id: str, level: int) -> dict:
        self.ratings[ticket_id] = level
        return {"id": ticket_id, "rating": level}

    def device_status(self, device: str, state: str, where: str = "", detail: str = "") -> dict:
        self.statuses.append((device, state, where, detail))
        return {"ok": True}


class FakeLed:
    """A window LED screen that records what it was told (or times out)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.shown: list[tuple] = []
        self.error = error

    def show_call(self, number: str, window: str) -> None:
        self._do("call", number, window)

    def show_paused(self) -> None:
        self._do("paused")

    def clear(self) -> None:
        self._do("clear")

    def _do(self, *what: str) -> None:
        if self.error is not None:
            raise self.error
        self.shown.append(what)


class FakePad:
    """A rating pad whose citizen presses ``level`` (None: walks away)."""

    def __init__(self, level: int | None) -> None:
        self.level = level
        self.prompts: list[str] = []

    def prompt(self, number: str) -> None:
        self.prompts.append(number)

    def read_rating(self, timeout: float) -> int | None:
        return self.level

    def cancel(self) -> None:
        pass


def make(led: FakeLed | None = None, pad: FakePad | None = None,
         waiting: int = 2) -> tuple[CallerModel, FakeWindowHall]:
    hall = FakeWindowHall(waiting)
    devices = CallerDevices(led=led or FakeLed(), rating=pad)
    model = CallerModel(hall, WINDOW, devices,  # type: ignore[arg-type]
                        CallerSettings(name="console-3", rating_timeout_s=0.01))
    model.start()
    return model, hall


def sign_in(model: CallerModel) -> None:
    for key in "S001":
        model.keypad(key)
    model.select_field("pin")
    for key in "1234":
        model.keypad(key)
    model.sign_in_pin()


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
    assert model.message == ("工号或密码错误", "Wrong staff id or PIN")
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
    led = FakeLed()
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
    assert model.available() == {"resume"}
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
    pad = FakePad(level=5)
    model, hall = make(pad=pad)
    sign_in(model)
    model.act("call")
    model.act("finish")
    assert pad.prompts == ["A001"]
    assert hall.ratings == {"20250314-A001": 5}
    assert model.rating is not None and (model.rating.number, model.rating.level) == ("A001", 5)
    assert model.rating_label() == "非常满意"


def test_a_citizen_who_does_not_rate() -> None:
    model, hall = make(pad=FakePad(level=None))
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
    model, hall = make(FakeLed(LedTimeout("no ack")))
    sign_in(model)
    model.act("call")
    model.act("recall")
    assert model.message_is_error and model.message is not None
    assert model.message[0].startswith("设备故障")
    assert hall.statuses == [("led", "disconnected", "console-3", "led.timeout")]


def test_waiting_for_a_rating_can_be_cancelled() -> None:
    class SlowPad(FakePad):
        def read_rating(self, timeout: float) -> int | None:
            cancel.set()  # the next citizen was called meanwhile
            return None

    cancel = threading.Event()
    devices = CallerDevices(rating=SlowPad(None))
    assert devices.wait_rating("A001", 60, cancel) is None


def test_events_reload_the_window() -> None:
    model, hall = make()
    hall.queue.append(FakeWindowHall._ticket("A009"))
    model.on_event({"kind": EventKind.TICKET_ISSUED, "data": {}})
    assert [q["number"] for q in model.queue][-1] == "A009"
    model.on_event({"kind": EventKind.DEVICE_STATUS, "data": {}})
    model.set_connected(False)
    assert model.connected is False


